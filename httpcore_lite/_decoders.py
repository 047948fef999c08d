"""Content-Encoding decoders: incremental and bounded, so that neither a streamed body nor a
decompression bomb is ever decoded whole in one step.

gzip and deflate come from zlib; br from the ``brotli`` (or ``brotlicffi``) package and zstd
from Python's ``compression.zstd`` (3.14), ``backports.zstd`` or the ``zstandard`` package,
when installed. A decoder is driven like the standard library's decompressors:

- ``decode(data, max_length)`` takes the next piece of the encoded body and returns at most
  ``max_length`` decoded bytes; what it could not return yet stays inside, and while
  ``needs_input`` is False, ``decode(b"", max_length)`` gives more of it.
- ``flush(max_length)`` says the body has ended and returns what is left, a piece at a time,
  then b"".
- Without ``max_length`` both return everything at once (for small bodies and tests).

Corrupt or truncated data raises ContentDecodingError. How much a body may decode to is
``RawResponse``'s business (it counts); the limits are in ``_limits``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Protocol

from ._limits import RATIO_FLOOR
from .exceptions import ContentDecodingError, DecompressionBombError

if TYPE_CHECKING:  # zlib itself is imported with the first decoder, not with the package
    import zlib

# RFC 9110 section 8.4.1: a sender may apply several codings; more than this is abuse.
MAX_ENCODINGS: Final = 5

# The decompression-bomb limits live in _limits (see there), so that importing the package,
# whose Response names them, does not load the decoders.

# What a reader asks a decoder for at a time, unless it wants more (a large chunk_size).
DECODED_PIECE: Final = 1 << 20
# Input handed to zlib at a time: zlib copies what it leaves unconsumed at each stop, so a
# bounded slice keeps that copy small (a slice of text fills about one DECODED_PIECE).
_ZLIB_SLICE: Final = 256 << 10
# brotli >= 1.2 bounds its output; brotlicffi allocates (and zeroes) the bound each call,
# and copies the input it is given each call, so both stay small.
_BROTLI_STEP: Final = 64 << 10
_BROTLI_SLICE: Final = 64 << 10
# Older brotli, and the zstandard package, cannot bound their output: they get the input in
# small slices instead. A zstd block (at most 128 KiB) takes at least 4 bytes, so a slice
# decodes to at most 32 MiB; what exceeds ``max_length`` is kept and handed out later.
_UNBOUNDED_SLICE: Final = 1 << 10

_BROTLI_MODULES: Final = ("brotli", "brotlicffi")
_ZSTD_MODULES: Final = ("compression.zstd", "backports.zstd", "zstandard")


class Decoder(Protocol):
    @property
    def needs_input(self) -> bool: ...
    def decode(self, data: bytes | bytearray, max_length: int = -1) -> bytes: ...
    def flush(self, max_length: int = -1) -> bytes: ...


def _decode_all(decoder: Decoder, data: bytes | bytearray) -> bytes:
    pieces = [decoder.decode(data, DECODED_PIECE)]
    while not decoder.needs_input:
        pieces.append(decoder.decode(b"", DECODED_PIECE))
    return b"".join(pieces)


def _flush_all(decoder: Decoder) -> bytes:
    pieces = []
    while piece := decoder.flush(DECODED_PIECE):
        pieces.append(piece)
    return b"".join(pieces)


def _held_output(decoder: Decoder, max_length: int) -> bytes:
    """The next piece (at most ``max_length``) of what ``decoder`` holds; b"" once it holds
    nothing more and needs input."""
    while not decoder.needs_input:
        out = decoder.decode(b"", max_length)
        if out:
            return out
    return b""


def _check_zstd_end(fed: bool, complete: bool) -> None:
    if fed and not complete:
        raise ContentDecodingError("Failed to decode zstd body: the stream ended early")


class _Stepped:
    """What the decoders that decode one bounded step at a time share: without
    ``max_length``, ``decode`` and ``flush`` do everything at once; ``flush`` hands out what
    is still held before ``_end`` ends the stream."""

    @property
    def needs_input(self) -> bool:
        raise NotImplementedError

    def decode(self, data: bytes | bytearray, max_length: int = -1) -> bytes:
        if max_length < 0:
            return _decode_all(self, data)
        return self._step(data, max_length)

    def flush(self, max_length: int = -1) -> bytes:
        if max_length < 0:
            return _flush_all(self)
        return _held_output(self, max_length) or self._end()

    def _step(self, data: bytes | bytearray, max_length: int) -> bytes:
        """The next piece, at most ``max_length`` (at least 0)."""
        raise NotImplementedError

    def _end(self) -> bytes:
        """(Nothing is held any more.) The last bytes, or an error if the stream was cut."""
        raise NotImplementedError


def _joined(rest: memoryview, data: bytes | bytearray) -> memoryview:
    """Input still held, then ``data``: joined only when a caller feeds a decoder that did
    not ask for input (our readers never do)."""
    if not data:
        return rest
    return memoryview(bytes(rest) + bytes(data)) if rest else memoryview(data)


class _ZlibDecoder(_Stepped):
    """gzip (with any number of members) or zlib-wrapped deflate."""

    def __init__(self, wbits: int, name: str) -> None:
        import zlib

        self._new = functools.partial(zlib.decompressobj, wbits)
        self._error = zlib.error
        self._name = name
        self._zlib: zlib._Decompress = self._new()
        self._input = memoryview(b"")  # fed, not yet taken by zlib
        self._full = False  # the last call filled max_length: zlib may hold more output
        self._later_member = False  # past the first complete gzip member
        self._ignoring = False
        self._flushed = False

    @property
    def needs_input(self) -> bool:
        return not (self._input or self._full)

    def _step(self, data: bytes | bytearray, max_length: int) -> bytes:
        if self._ignoring:
            return b""
        self._input = _joined(self._input, data)
        if self._zlib.eof and self._input:  # another gzip member follows (RFC 1952 2.2)
            self._zlib = self._new()
            self._later_member = True
        piece = self._input[:_ZLIB_SLICE]
        try:
            out = self._zlib.decompress(piece, max_length)
        except self._error as exc:
            if not self._later_member:
                raise ContentDecodingError(f"Failed to decode {self._name} body: {exc}") from exc
            # Bytes after a complete member that are no gzip member: trailing garbage some
            # servers send. Ignored, as urllib3 (and so requests) ignores it.
            self._ignoring, self._input, self._full = True, memoryview(b""), False
            return b""
        left = self._zlib.unused_data if self._zlib.eof else self._zlib.unconsumed_tail
        self._input = self._input[len(piece) - len(left) :]
        self._full = len(out) == max_length > 0
        return out

    def _end(self) -> bytes:
        if self._ignoring or self._flushed:
            return b""
        self._flushed = True
        # Nothing is held back now (no input left, and the last call stopped short of
        # max_length), so this is at most a few bytes.
        return self._zlib.flush()


class _DeflateDecoder:
    """'deflate' is zlib-wrapped by the RFC but raw deflate from some servers. Which one it
    is shows only once zlib either decodes something or rejects the header: until then the
    zlib-wrapped attempt is fed as the body comes (each byte once: linear, however long
    the body yields nothing), and the body is kept, to be decoded again from the start as
    raw deflate if zlib rejects it (as urllib3 does)."""

    def __init__(self) -> None:
        self._inner = _ZlibDecoder(15, "deflate")  # zlib.MAX_WBITS: zlib-wrapped, at first
        self._seen: bytearray | None = bytearray()  # the body so far, while undecided

    @property
    def needs_input(self) -> bool:
        return self._inner.needs_input

    def decode(self, data: bytes | bytearray, max_length: int = -1) -> bytes:
        if max_length < 0:
            return _decode_all(self, data)
        seen = self._seen
        if seen is None:
            return self._inner.decode(data, max_length)
        seen += data
        try:
            out = self._inner.decode(data, max_length)
        except ContentDecodingError:
            # Not zlib-wrapped: raw deflate, decoded from the start of what came.
            self._inner, self._seen = _ZlibDecoder(-15, "deflate"), None
            return self._inner.decode(bytes(seen), max_length)
        if out:
            self._seen = None  # decided: zlib-wrapped
        return out

    def flush(self, max_length: int = -1) -> bytes:
        return self._inner.flush(max_length)


class _Spill:
    """For decoders that may decode more than asked for at once: what exceeds max_length is
    kept here and handed out first."""

    _spill = b""
    _spill_at = 0

    def _hand_out(self, out: bytes, max_length: int) -> bytes:
        if len(out) <= max_length:
            return out
        self._spill, self._spill_at = out, max_length
        return out[:max_length]

    def _from_spill(self, max_length: int) -> bytes:
        start = self._spill_at
        end = start + max_length
        piece = self._spill[start:end]
        if end >= len(self._spill):
            self._spill, self._spill_at = b"", 0
        else:
            self._spill_at = end
        return piece


class _BrotliDecoder(_Spill, _Stepped):
    """br (RFC 7932), through the ``brotli`` or ``brotlicffi`` package. From 1.2 on, both
    bound the output of a call (``output_buffer_limit``); older releases get the input in
    small slices instead, and bound nothing (install brotli >= 1.2)."""

    def __init__(self, module: Any) -> None:
        self._error: type[Exception] = module.error
        self._brotli = module.Decompressor()
        # brotli >= 1.0.9 names it process(); older releases and brotlicffi, decompress().
        self._process = getattr(self._brotli, "process", None) or self._brotli.decompress
        # Added in 1.2 together with output_buffer_limit.
        self._can_accept = getattr(self._brotli, "can_accept_more_data", None)
        self._input = memoryview(b"")
        self._busy = False  # output may be held back: ask again before feeding input
        self._fed = False

    @property
    def needs_input(self) -> bool:
        return not (self._input or self._busy or self._spill)

    def _step(self, data: bytes | bytearray, max_length: int) -> bytes:
        self._input = _joined(self._input, data)
        self._fed = self._fed or bool(data)
        if self._spill:
            return self._from_spill(max_length)
        try:
            if self._can_accept is None:
                piece = bytes(self._input[:_UNBOUNDED_SLICE])
                self._input = self._input[len(piece) :]
                return self._hand_out(bytes(self._process(piece)), max_length)
            return self._hand_out(self._bounded_step(min(max_length, _BROTLI_STEP)), max_length)
        except self._error as exc:
            raise ContentDecodingError(f"Failed to decode br body: {exc}") from exc

    def _bounded_step(self, limit: int) -> bytes:
        assert self._can_accept is not None
        if self._busy:  # input only once what it holds is out
            piece = b""
        elif self._input:
            piece = bytes(self._input[:_BROTLI_SLICE])
            self._input = self._input[len(piece) :]
        else:
            return b""
        out = bytes(self._process(piece, output_buffer_limit=limit))
        # brotli (the C module) 1.2 may still hold output when can_accept_more_data() is
        # already True, so output that came is a reason to ask again (urllib3 does too).
        self._busy = not self._brotli.is_finished() and (bool(out) or not self._can_accept())
        return out

    def _end(self) -> bytes:
        finished = getattr(self._brotli, "is_finished", None)
        if self._fed and finished is not None and not finished():
            raise ContentDecodingError("Failed to decode br body: the stream ended early")
        return b""


class _ZstdDecoder(_Stepped):
    """zstd (RFC 8878), through ``compression.zstd`` (3.14) or ``backports.zstd``, which
    bound their output as zlib does; any number of frames."""

    def __init__(self, new_decompressor: Any, error: type[Exception]) -> None:
        self._new = new_decompressor
        self._error = error
        self._zstd = new_decompressor()
        self._fed = False

    @property
    def needs_input(self) -> bool:
        if self._zstd.eof:
            return not self._zstd.unused_data  # else another frame follows
        return bool(self._zstd.needs_input)

    def _step(self, data: bytes | bytearray, max_length: int) -> bytes:
        self._fed = self._fed or bool(data)
        if self._zstd.eof:
            data = self._zstd.unused_data + bytes(data)
            if not data:
                return b""
            self._zstd = self._new()
        try:
            return bytes(self._zstd.decompress(data, max_length))
        except self._error as exc:
            raise ContentDecodingError(f"Failed to decode zstd body: {exc}") from exc

    def _end(self) -> bytes:
        _check_zstd_end(self._fed, self._zstd.eof)
        return b""


class _ZstandardDecoder(_Spill, _Stepped):
    """zstd through the ``zstandard`` package, whose decompressobj cannot bound its output:
    it gets the input in small slices instead; any number of frames."""

    def __init__(self, module: Any) -> None:
        self._new: Callable[[], Any] = lambda: module.ZstdDecompressor().decompressobj()
        self._error: type[Exception] = module.ZstdError
        self._zstd = self._new()
        self._input = memoryview(b"")
        self._fed = False

    @property
    def needs_input(self) -> bool:
        return not (self._input or self._spill)

    def _step(self, data: bytes | bytearray, max_length: int) -> bytes:
        self._input = _joined(self._input, data)
        self._fed = self._fed or bool(data)
        if self._spill:
            return self._from_spill(max_length)
        out: list[bytes] = []
        size = at = 0
        given, zstd = self._input, self._zstd
        try:
            while at < len(given) and size < max_length:
                if zstd.eof:  # another frame follows
                    zstd = self._zstd = self._new()
                piece = given[at : at + _UNBOUNDED_SLICE]
                decoded = zstd.decompress(piece)
                at += len(piece) - len(zstd.unused_data) if zstd.eof else len(piece)
                if decoded:
                    out.append(decoded)
                    size += len(decoded)
        except self._error as exc:
            raise ContentDecodingError(f"Failed to decode zstd body: {exc}") from exc
        finally:
            self._input = given[at:]
        return self._hand_out(out[0] if len(out) == 1 else b"".join(out), max_length)

    def _end(self) -> bytes:
        _check_zstd_end(self._fed, self._zstd.eof)
        return b""


class _ChainDecoder:
    """Codings are listed in the order applied; they are undone last first. Each decoder
    gets input only once it needs some, so none holds more than one piece of the one
    before it."""

    def __init__(self, decoders: list[Decoder]) -> None:
        self._decoders = decoders[::-1]  # in the order they are undone
        self._ended = 0  # how many decoders, from the first, have given all they had

    @property
    def needs_input(self) -> bool:
        return all(decoder.needs_input for decoder in self._decoders)

    def decode(self, data: bytes | bytearray, max_length: int = -1) -> bytes:
        if max_length < 0:
            return _decode_all(self, data)
        out = self._pass_on(0, data, max_length) if data else b""
        while not out:
            # The last decoder that holds something goes first: those after it are empty.
            busy = [i for i, decoder in enumerate(self._decoders) if not decoder.needs_input]
            if not busy:
                return b""
            last = busy[-1]
            out = self._pass_on(last + 1, self._decoders[last].decode(b"", max_length), max_length)
        return out

    def _pass_on(self, start: int, data: bytes | bytearray, max_length: int) -> bytes:
        """``data`` through the decoders from ``start`` on."""
        for decoder in self._decoders[start:]:
            if not data:
                return b""
            data = decoder.decode(data, max_length)
        return bytes(data)

    def flush(self, max_length: int = -1) -> bytes:
        if max_length < 0:
            return _flush_all(self)
        while True:
            out = self.decode(b"", max_length)
            if out:
                return out
            if self._ended == len(self._decoders):
                return b""
            # What the first unfinished decoder still had is input for the ones after it.
            tail = self._decoders[self._ended].flush(max_length)
            if not tail:
                self._ended += 1
                continue
            out = self._pass_on(self._ended + 1, tail, max_length)
            if out:
                return out


def decoder_for(content_encoding: str | None) -> Decoder | None:
    """The decoder for a Content-Encoding header value, or None when there is nothing to
    undo. Unknown codings are left alone, as requests does: the body is passed through.

    Raises:
        ContentDecodingError: more than MAX_ENCODINGS codings.
    """
    if not content_encoding:
        return None
    names = [n.strip().lower() for n in content_encoding.split(",") if n.strip()]
    if len(names) > MAX_ENCODINGS:
        raise ContentDecodingError(
            f"Too many content encodings ({len(names)} > {MAX_ENCODINGS}): {content_encoding!r}"
        )
    decoders = [d for d in map(_one_decoder, names) if d is not None]
    if not decoders:
        return None
    return decoders[0] if len(decoders) == 1 else _ChainDecoder(decoders)


def _one_decoder(name: str) -> Decoder | None:
    if name in ("gzip", "x-gzip"):
        return _ZlibDecoder(16 + 15, "gzip")  # 16 + zlib.MAX_WBITS: the gzip wrapper
    if name == "deflate":
        return _DeflateDecoder()
    if name == "br":
        brotli = _first_module(_BROTLI_MODULES)
        return None if brotli is None else _BrotliDecoder(brotli)
    if name == "zstd":
        return _zstd_decoder()
    return None


def _zstd_decoder() -> Decoder | None:
    zstd = _first_module(_ZSTD_MODULES)
    if zstd is None:
        return None
    if zstd.__name__ == "zstandard":
        return _ZstandardDecoder(zstd)
    return _ZstdDecoder(zstd.ZstdDecompressor, zstd.ZstdError)


@functools.cache
def _first_module(names: tuple[str, ...]) -> Any:
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


@functools.lru_cache(maxsize=1)
def accept_encoding() -> str:
    """The Accept-Encoding a Session sends: gzip and deflate, then br and zstd when a module
    that decodes them is installed (as requests does through urllib3). Looked up when the
    first Session is made, never at import."""
    codings = ["gzip", "deflate"]
    for coding, names in (("br", _BROTLI_MODULES), ("zstd", _ZSTD_MODULES)):
        if any(_installed(name) for name in names):
            codings.append(coding)
    return ", ".join(codings)


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # "compression" itself is missing before 3.14
        return False


# -- the guards' errors (RawResponse counts and decides) -------------------------------------


def too_large(coding: str, decoded: int, received: int, limit: int) -> DecompressionBombError:
    return DecompressionBombError(
        f"The {coding}-encoded body decodes to more than max_decoded_size = {limit} bytes "
        f"({_size(limit)}): {decoded} bytes so far, from {received} bytes received. If the "
        "body is meant to be that large, raise max_decoded_size on the response (stream=True) "
        "or on httpcore_lite.Response (None: no limit), or read it with iter_content()."
    )


def too_compressed(
    coding: str, decoded: int, received: int, limit: float
) -> DecompressionBombError:
    return DecompressionBombError(
        f"The {coding}-encoded body looks like a decompression bomb: {received} bytes received "
        f"decoded to {decoded} bytes ({_size(decoded)}), {decoded // max(received, 1)} times "
        f"their size, above max_decoded_ratio = {limit:g} (checked past {_size(RATIO_FLOOR)}). "
        "If the body is trusted, raise max_decoded_ratio on the response (stream=True) or on "
        "httpcore_lite.Response (None: no limit)."
    )


def _size(count: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            return f"{count / (1 << shift):.4g} {unit}"
    return f"{count} bytes"
