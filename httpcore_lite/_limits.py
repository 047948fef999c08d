"""The decompression-bomb limits: the defaults of ``Response.max_decoded_size`` and
``Response.max_decoded_ratio`` (None there lifts a limit). Apart from ``_decoders`` so that
importing the package, whose Response names them, does not load the decoders.
"""

from __future__ import annotations

from typing import Final

# - a whole-body read (``.content``, ``raw.read()``) of an encoded body stops past 1 GiB
#   decoded: a generous bound on what a program means to hold in memory at once;
# - any decoded read, streamed or not, stops once more than 64 MiB have been decoded at more
#   than 100 times the bytes received. Real content rarely compresses past 10-20x (text, JSON,
#   logs); a bomb does 1000x with deflate and far more with br or zstd, or chained codings.
#   The floor keeps small, very repetitive bodies out of it, and bounds what a bomb costs.
MAX_DECODED_SIZE: Final = 1 << 30
MAX_DECODED_RATIO: Final = 100.0
RATIO_FLOOR: Final = 64 << 20
