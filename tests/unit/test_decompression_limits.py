"""Bounded decoding and the decompression-bomb guards, without sockets.

Every decoder hands out at most ``max_length`` bytes a call, however much one input piece
decodes to, and gives back exactly what was encoded, whatever the split points and limits
(hypothesis). RawResponse counts what it decodes and stops a body past the limits.
"""

from __future__ import annotations

import functools
import gzip
import importlib
import random
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import brotlicffi
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

import httpcore_lite
from httpcore_lite import _decoders, _raw
from httpcore_lite._decoders import DECODED_PIECE, MAX_ENCODINGS, Decoder, decoder_for
from httpcore_lite._limits import MAX_DECODED_RATIO, MAX_DECODED_SIZE, RATIO_FLOOR
from httpcore_lite._raw import RawResponse
from httpcore_lite.exceptions import (
    ContentDecodingError,
    DecompressionBombError,
    RequestException,
)
from httpcore_lite.structures import CaseInsensitiveDict

from ..bodies import ChunkSource, split_at

pytestmark = pytest.mark.timeout(60)

MiB = 1 << 20
ZEROS = bytes(MiB)


# -- encoders, bombs and decoders for each backend -------------------------------------------


def gzip_encode(data: bytes) -> bytes:
    return gzip.compress(data, 6)


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def br_encode(data: bytes) -> bytes:
    return bytes(brotlicffi.compress(data, quality=5))


def zstd_encode(data: bytes) -> bytes:
    return bytes(zstandard.ZstdCompressor().compress(data))


@functools.cache
def bomb(coding: str, mib: int) -> bytes:
    """``mib`` MiB of zeros, encoded with ``coding`` (a few KiB on the wire or less)."""
    if coding == "gzip":
        gz = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        return b"".join(gz.compress(ZEROS) for _ in range(mib)) + gz.flush()
    if coding == "br":
        br = brotlicffi.Compressor(quality=5)
        return b"".join(br.process(ZEROS) for _ in range(mib)) + br.finish()
    if coding == "zstd":
        zs = zstandard.ZstdCompressor(level=1).compressobj()
        return b"".join(zs.compress(ZEROS) for _ in range(mib)) + zs.flush()
    if coding == "gzip, gzip":
        return gzip.compress(bomb("gzip", mib), 6)
    raise AssertionError(coding)


class _OldBrotli:
    """brotli before 1.2: no output_buffer_limit, no can_accept_more_data."""

    error = brotlicffi.error

    class Decompressor:
        def __init__(self) -> None:
            self._inner = brotlicffi.Decompressor()
            self.calls: list[int] = []

        def process(self, data: bytes) -> bytes:
            self.calls.append(len(data))
            return bytes(self._inner.process(data))

        def is_finished(self) -> bool:
            return bool(self._inner.is_finished())


class _EagerBrotli:
    """brotli 1.2's C module: can_accept_more_data() may say True while output is still
    held (seen with brotli 1.2.0). Output that came must be reason enough to ask again."""

    error = brotlicffi.error

    class Decompressor:
        def __init__(self) -> None:
            self._inner = brotlicffi.Decompressor()

        def process(self, data: bytes, output_buffer_limit: int | None = None) -> bytes:
            return bytes(self._inner.process(data, output_buffer_limit=output_buffer_limit))

        def can_accept_more_data(self) -> bool:
            return True

        def is_finished(self) -> bool:
            return bool(self._inner.is_finished())


def _installed(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


BROTLI = _installed("brotli")  # Google's module; brotlicffi is always here (httpbin needs it)
STDLIB_ZSTD = _installed("compression.zstd") or _installed("backports.zstd")

Backend = tuple[Callable[[bytes], bytes], Callable[[], Decoder]]


def _gzip_multi(data: bytes) -> bytes:
    half = len(data) // 2
    return gzip.compress(data[:half]) + gzip.compress(data[half:])


def _zstd_frames(data: bytes) -> bytes:
    half = len(data) // 2
    return zstd_encode(data[:half]) + zstd_encode(data[half:])


def _decoder(coding: str) -> Callable[[], Decoder]:
    def make() -> Decoder:
        decoder = decoder_for(coding)
        assert decoder is not None
        return decoder

    return make


BACKENDS: dict[str, Backend] = {
    "gzip": (gzip_encode, _decoder("gzip")),
    "gzip, two members": (_gzip_multi, _decoder("gzip")),
    "deflate, zlib-wrapped": (zlib.compress, _decoder("deflate")),
    "deflate, raw": (raw_deflate, _decoder("deflate")),
    "br, brotlicffi": (br_encode, lambda: _decoders._BrotliDecoder(brotlicffi)),
    "br, before 1.2": (br_encode, lambda: _decoders._BrotliDecoder(_OldBrotli)),
    "br, eager can_accept": (br_encode, lambda: _decoders._BrotliDecoder(_EagerBrotli)),
    "zstd, zstandard": (_zstd_frames, lambda: _decoders._ZstandardDecoder(zstandard)),
    "gzip, deflate": (lambda d: zlib.compress(gzip_encode(d)), _decoder("gzip, deflate")),
    "br, gzip": (lambda d: gzip_encode(br_encode(d)), _decoder("br, gzip")),
    "zstd, deflate, gzip": (
        lambda d: gzip_encode(raw_deflate(zstd_encode(d))),
        _decoder("zstd, deflate, gzip"),
    ),
}
OPTIONAL: dict[str, tuple[Any, Backend]] = {
    "br, brotli": (BROTLI, (br_encode, lambda: _decoders._BrotliDecoder(BROTLI))),
    "zstd, standard library API": (
        STDLIB_ZSTD,
        (_zstd_frames, lambda: _decoders._ZstdDecoder(STDLIB_ZSTD.ZstdDecompressor, Exception)),
    ),
}
BACKEND_PARAMS = [pytest.param(name, id=name) for name in BACKENDS] + [
    pytest.param(
        name, id=name, marks=pytest.mark.skipif(module is None, reason=f"{name}: not installed")
    )
    for name, (module, _) in OPTIONAL.items()
]


def backend(name: str) -> Backend:
    return BACKENDS[name] if name in BACKENDS else OPTIONAL[name][1]


def drive(decoder: Decoder, pieces: list[bytes], max_length: int) -> Iterator[bytes]:
    """Decode as RawResponse does: feed a piece only once the decoder needs input, then
    flush; every output is checked against ``max_length``."""
    for piece in pieces:
        while not decoder.needs_input:
            yield checked(decoder.decode(b"", max_length), max_length)
        yield checked(decoder.decode(piece, max_length), max_length)
    while not decoder.needs_input:
        yield checked(decoder.decode(b"", max_length), max_length)
    while tail := decoder.flush(max_length):
        yield checked(tail, max_length)


def checked(out: bytes, max_length: int) -> bytes:
    assert len(out) <= max_length
    return out


# -- round trips, split anywhere, any max_length ----------------------------------------------

BODIES = (
    st.binary(max_size=3000)
    | st.text(max_size=1500).map(str.encode)
    | st.tuples(st.binary(min_size=1, max_size=20), st.integers(1, 400)).map(lambda t: t[0] * t[1])
)


@pytest.mark.parametrize("name", BACKEND_PARAMS)
@settings(max_examples=60, deadline=None)
@given(
    body=BODIES,
    cuts=st.lists(st.integers(min_value=0), max_size=10),
    max_length=st.integers(1, 5000),
)
def test_round_trip_in_any_pieces_and_bounded(
    name: str, body: bytes, cuts: list[int], max_length: int
) -> None:
    encode, make = backend(name)
    decoder = make()
    assert b"".join(drive(decoder, split_at(encode(body), cuts), max_length)) == body


@pytest.mark.parametrize("name", BACKEND_PARAMS)
@settings(max_examples=30, deadline=None)
@given(body=BODIES, cuts=st.lists(st.integers(min_value=0), max_size=10))
def test_feeding_without_asking_loses_nothing(name: str, body: bytes, cuts: list[int]) -> None:
    # Our readers feed a decoder only once it needs input; one that is fed early anyway
    # must keep the order of its input.
    encode, make = backend(name)
    decoder = make()
    out = [decoder.decode(piece, 7) for piece in split_at(encode(body), cuts)]
    out.extend(drive(decoder, [], 7))
    assert b"".join(out) == body


@pytest.mark.parametrize("name", BACKEND_PARAMS)
def test_without_max_length_everything_comes_at_once(name: str) -> None:
    body = b"".join(b"line %d\n" % i for i in range(20000))
    encode, make = backend(name)
    decoder = make()
    assert decoder.decode(encode(body)) + decoder.flush() == body


# -- one piece of a bomb never decodes to more than asked ----------------------------------


BOMB_BACKENDS = {
    "gzip": ("gzip", _decoder("gzip")),
    "br, brotlicffi": ("br", lambda: _decoders._BrotliDecoder(brotlicffi)),
    "br, eager can_accept": ("br", lambda: _decoders._BrotliDecoder(_EagerBrotli)),
    "br, before 1.2": ("br", lambda: _decoders._BrotliDecoder(_OldBrotli)),
    "zstd, zstandard": ("zstd", lambda: _decoders._ZstandardDecoder(zstandard)),
    "gzip, gzip": ("gzip, gzip", _decoder("gzip, gzip")),
}
BOMB_PARAMS = [pytest.param(name, id=name) for name in BOMB_BACKENDS] + [
    pytest.param(
        name, id=name, marks=pytest.mark.skipif(module is None, reason=f"{name}: not installed")
    )
    for name, module in (("br, brotli", BROTLI), ("zstd, standard library API", STDLIB_ZSTD))
]


def bomb_backend(name: str) -> tuple[str, Callable[[], Decoder]]:
    if name == "br, brotli":
        return "br", lambda: _decoders._BrotliDecoder(BROTLI)
    if name == "zstd, standard library API":
        return "zstd", lambda: _decoders._ZstdDecoder(STDLIB_ZSTD.ZstdDecompressor, Exception)
    return BOMB_BACKENDS[name]


@pytest.mark.parametrize("name", BOMB_PARAMS)
@pytest.mark.parametrize("max_length", [1000, 64 << 10])
def test_a_whole_bomb_in_one_piece_comes_out_in_bounded_pieces(name: str, max_length: int) -> None:
    coding, make = bomb_backend(name)
    decoder = make()
    first = decoder.decode(bomb(coding, 16), max_length)
    assert 0 < len(first) <= max_length
    assert not decoder.needs_input  # the rest is still inside, to be asked for
    total = len(first) + sum(len(out) for out in drive(decoder, [], max_length))
    assert total == 16 * MiB


def test_a_chain_holds_at_most_one_piece_per_coding() -> None:
    # A decoder in a chain gets input only once it has handed out what it had: none holds
    # more than one piece of the one before it, however much the bomb expands.
    decoder = decoder_for("gzip, gzip")
    assert isinstance(decoder, _decoders._ChainDecoder)
    _, inner = decoder._decoders
    assert isinstance(inner, _decoders._ZlibDecoder)
    total = 0
    for out in drive(decoder, [bomb("gzip, gzip", 16)], 4096):
        assert len(inner._input) <= 4096
        total += len(out)
    assert total == 16 * MiB


def test_old_brotli_gets_small_slices_of_input() -> None:
    # Before 1.2 nothing bounds brotli's output: the input goes in small slices, so that
    # the guards can look between them.
    decoder = _decoders._BrotliDecoder(_OldBrotli)
    data = random.Random(6).randbytes(20000)  # incompressible: 20 KB on the wire
    assert b"".join(drive(decoder, [br_encode(data)], 4096)) == data
    calls = decoder._brotli.calls
    assert len(calls) > 1
    assert max(calls) <= _decoders._UNBOUNDED_SLICE


def test_zlib_is_given_bounded_slices_of_a_large_piece() -> None:
    # zlib copies what it leaves unconsumed at each stop: a 4 MiB piece is not copied whole
    # at every 1 MiB of output.
    body = gzip_encode(bytes(range(256)) * (16 * 4096))  # 16 MiB, poorly compressible
    decoder = decoder_for("gzip")
    assert isinstance(decoder, _decoders._ZlibDecoder)
    decoder.decode(body, DECODED_PIECE)
    assert len(decoder._zlib.unconsumed_tail) <= _decoders._ZLIB_SLICE


# -- RawResponse: the guards -----------------------------------------------------------------


def raw_response(coding: str, body: bytes, piece: int = 64 << 10) -> RawResponse:
    source = ChunkSource(*(body[i : i + piece] for i in range(0, len(body), piece)))
    headers = CaseInsensitiveDict({"Content-Encoding": coding})
    return RawResponse(source, headers, 200, "OK")


@pytest.fixture
def low_floor(monkeypatch: pytest.MonkeyPatch) -> int:
    """The ratio guard looks from 1 MiB on, so that small bombs are enough here."""
    monkeypatch.setattr(_raw, "RATIO_FLOOR", MiB)
    return MiB


def test_the_defaults() -> None:
    assert MAX_DECODED_SIZE == 1 << 30
    assert MAX_DECODED_RATIO == 100
    assert RATIO_FLOOR == 64 << 20
    assert httpcore_lite.Response.max_decoded_size == MAX_DECODED_SIZE
    assert httpcore_lite.Response.max_decoded_ratio == MAX_DECODED_RATIO
    assert RawResponse.max_decoded_size == MAX_DECODED_SIZE
    assert RawResponse.max_decoded_ratio == MAX_DECODED_RATIO


def test_the_error_is_a_content_decoding_error() -> None:
    assert issubclass(DecompressionBombError, ContentDecodingError)
    assert issubclass(DecompressionBombError, RequestException)


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd", "gzip, gzip"])
def test_read_all_stops_a_bomb_by_its_ratio(coding: str, low_floor: int) -> None:
    raw = raw_response(coding, bomb(coding, 8))
    with pytest.raises(DecompressionBombError) as info:
        raw.read_all(decode=True)
    message = str(info.value)
    assert f"The {coding}-encoded body looks like a decompression bomb" in message
    assert "max_decoded_ratio = 100" in message
    assert "None: no limit" in message
    # It stopped one piece past the floor, not at the end of the bomb.
    assert low_floor < raw._decoded <= low_floor + DECODED_PIECE


def test_streaming_stops_a_bomb_by_its_ratio_in_bounded_pieces(low_floor: int) -> None:
    raw = raw_response("gzip", bomb("gzip", 8))
    sizes = []
    with pytest.raises(DecompressionBombError):
        for piece in raw.stream(None, decode_content=True):
            sizes.append(len(piece))
    assert max(sizes) <= DECODED_PIECE
    assert sum(sizes) <= low_floor + DECODED_PIECE


def test_the_ratio_guard_lifted_decodes_the_whole_bomb(low_floor: int) -> None:
    raw = raw_response("zstd", bomb("zstd", 8))
    raw.max_decoded_ratio = None
    pieces = list(raw.stream(None, decode_content=True))
    assert sum(map(len, pieces)) == 8 * MiB
    assert max(map(len, pieces)) <= DECODED_PIECE


def test_a_compressible_body_below_the_ratio_passes(low_floor: int) -> None:
    body = b"".join(b"%08d some text that compresses about tenfold\n" % i for i in range(80000))
    assert len(body) > 2 * low_floor
    assert raw_response("gzip", gzip_encode(body)).read_all(decode=True) == body


def test_read_all_stops_past_max_decoded_size() -> None:
    body = b"".join(b"row %d, a body of ordinary compressibility\n" % i for i in range(100000))
    raw = raw_response("gzip", gzip_encode(body))
    raw.max_decoded_size = MiB
    with pytest.raises(DecompressionBombError) as info:
        raw.read_all(decode=True)
    message = str(info.value)
    assert "decodes to more than max_decoded_size = 1048576 bytes (1 MiB)" in message
    assert "raise max_decoded_size" in message
    assert MiB < raw._decoded <= 2 * MiB


def test_max_decoded_size_is_for_whole_body_reads_only() -> None:
    body = bytes(range(256)) * 16384  # 4 MiB
    raw = raw_response("gzip", gzip_encode(body))
    raw.max_decoded_size = MiB
    assert b"".join(raw.stream(65536, decode_content=True)) == body
    raw = raw_response("gzip", gzip_encode(body))
    raw.max_decoded_size = MiB
    assert b"".join(iter(lambda: raw.read(100_000, decode_content=True), b"")) == body
    raw = raw_response("gzip", gzip_encode(body))
    raw.max_decoded_size = MiB
    with pytest.raises(DecompressionBombError):
        raw.read(decode_content=True)  # no amt: the whole body


def test_max_decoded_size_none_is_no_limit() -> None:
    body = bytes(range(256)) * 16384
    raw = raw_response("gzip", gzip_encode(body))
    raw.max_decoded_size = None
    assert raw.read_all(decode=True) == body


def test_a_body_read_undecoded_meets_no_guard(low_floor: int) -> None:
    encoded = bomb("gzip", 8)
    raw = raw_response("gzip", encoded)
    raw.max_decoded_size = 10
    assert raw.read_all(decode=False) == encoded


def test_a_plain_body_meets_no_guard() -> None:
    body = bytes(3 * MiB)
    source = ChunkSource(body[: 2 * MiB], body[2 * MiB :])
    raw = RawResponse(source, CaseInsensitiveDict(), 200, "OK")
    raw.max_decoded_size, raw.max_decoded_ratio = 10, 1.0
    assert raw.read_all(decode=True) == body
    assert raw._decoder is None


# -- Response: its limits reach the raw -----------------------------------------------------


def response(coding: str, body: bytes) -> httpcore_lite.Response:
    r = httpcore_lite.Response()
    r.status_code = 200
    r.set_raw_headers([(b"Content-Encoding", coding.encode())], content_encoded=True)
    r.attach_body(ChunkSource(*(body[i : i + 65536] for i in range(0, len(body), 65536))))
    return r


def test_response_content_uses_its_own_limits() -> None:
    body = bytes(range(256)) * 16384
    r = response("gzip", gzip_encode(body))
    r.max_decoded_size = MiB
    with pytest.raises(DecompressionBombError):
        r.content  # noqa: B018
    r = response("gzip", gzip_encode(body))
    r.max_decoded_size = 4 * MiB  # exactly the body: allowed
    assert r.content == body


def test_response_iter_content_uses_its_ratio(low_floor: int) -> None:
    r = response("br", bomb("br", 8))
    with pytest.raises(DecompressionBombError):
        for _ in r.iter_content(65536):
            pass
    r = response("br", bomb("br", 8))
    r.max_decoded_ratio = None
    assert sum(map(len, r.iter_content(65536))) == 8 * MiB


def test_response_class_attributes_are_the_defaults_for_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(httpcore_lite.Response, "max_decoded_size", MiB)
    r = response("gzip", gzip_encode(bytes(range(256)) * 16384))
    with pytest.raises(DecompressionBombError):
        r.content  # noqa: B018


# -- at most five codings ---------------------------------------------------------------------


def test_at_most_five_codings_even_across_header_fields() -> None:
    assert MAX_ENCODINGS == 5
    body = b"five layers"
    for _ in range(5):
        body = gzip.compress(body)
    r = httpcore_lite.Response()
    r.status_code = 200
    fields = [(b"Content-Encoding", b"gzip, gzip"), (b"Content-Encoding", b"gzip, gzip, gzip")]
    r.set_raw_headers(fields, content_encoded=True)
    r.attach_body(ChunkSource(body))
    assert r.content == b"five layers"

    r = httpcore_lite.Response()
    r.status_code = 200
    r.set_raw_headers([*fields, (b"Content-Encoding", b"identity")], content_encoded=True)
    r.attach_body(ChunkSource(gzip.compress(body)))
    with pytest.raises(ContentDecodingError, match=r"Too many content encodings \(6 > 5\)"):
        r.content  # noqa: B018


def test_the_installed_brotlicffi_bounds_its_output() -> None:
    # Else the br cases above would only test the slicing fallback.
    assert callable(getattr(brotlicffi.Decompressor(), "can_accept_more_data", None))
    assert not hasattr(_OldBrotli.Decompressor(), "can_accept_more_data")
