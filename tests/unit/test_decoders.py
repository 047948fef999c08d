"""Content-Encoding decoders: gzip, deflate (zlib and raw), chains, and their failures."""

from __future__ import annotations

import gzip
import zlib

import pytest

from httpcore_lite._decoders import MAX_ENCODINGS, Decoder, decoder_for
from httpcore_lite.exceptions import ContentDecodingError

DATA = b"".join(b"line %d of the body, somewhat compressible\n" % i for i in range(500))


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def decode_whole(encoding: str, body: bytes) -> bytes:
    decoder = decoder_for(encoding)
    assert decoder is not None
    return decoder.decode(body) + decoder.flush()


def decode_pieces(decoder: Decoder, body: bytes, size: int) -> bytes:
    out = [decoder.decode(body[i : i + size]) for i in range(0, len(body), size)]
    return b"".join(out) + decoder.flush()


@pytest.mark.parametrize("name", ["gzip", "GZIP", "x-gzip", " gzip "])
def test_gzip(name: str) -> None:
    assert decode_whole(name, gzip.compress(DATA)) == DATA


def test_gzip_multi_member() -> None:
    body = gzip.compress(b"first member, ") + gzip.compress(b"second, ") + gzip.compress(b"end")
    assert decode_whole("gzip", body) == b"first member, second, end"


@pytest.mark.parametrize("size", [1, 7, 64, 4096])
def test_gzip_multi_member_in_pieces(size: int) -> None:
    first, second = gzip.compress(DATA[:3000]), gzip.compress(DATA[3000:])
    decoder = decoder_for("gzip")
    assert decoder is not None
    assert decode_pieces(decoder, first + second, size) == DATA


def test_gzip_member_boundary_on_a_piece_boundary() -> None:
    first, second = gzip.compress(b"abc"), gzip.compress(b"def")
    decoder = decoder_for("gzip")
    assert decoder is not None
    assert decoder.decode(first) + decoder.decode(second) + decoder.flush() == b"abcdef"


def test_deflate_zlib_wrapped() -> None:
    assert decode_whole("deflate", zlib.compress(DATA)) == DATA


def test_deflate_raw() -> None:
    assert decode_whole("deflate", raw_deflate(DATA)) == DATA


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_deflate_zlib_wrapped_in_pieces(size: int) -> None:
    decoder = decoder_for("deflate")
    assert decoder is not None
    assert decode_pieces(decoder, zlib.compress(DATA), size) == DATA


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_deflate_raw_in_pieces(size: int) -> None:
    # A network read may hand over a single byte first; it must not commit the decoder to
    # the zlib-wrapped flavour before it can tell which flavour the body is.
    decoder = decoder_for("deflate")
    assert decoder is not None
    assert decode_pieces(decoder, raw_deflate(DATA), size) == DATA


def test_deflate_raw_after_an_empty_piece() -> None:
    decoder = decoder_for("deflate")
    assert decoder is not None
    assert decoder.decode(b"") == b""
    assert decoder.decode(raw_deflate(DATA)) + decoder.flush() == DATA


def test_chained_gzip_then_deflate() -> None:
    # "gzip, deflate": gzip was applied first, so deflate is undone first.
    body = zlib.compress(gzip.compress(DATA))
    assert decode_whole("gzip, deflate", body) == DATA


def test_chained_deflate_then_gzip() -> None:
    body = gzip.compress(zlib.compress(DATA))
    assert decode_whole("deflate, gzip", body) == DATA


@pytest.mark.parametrize("size", [1, 5, 333])
def test_chained_in_pieces(size: int) -> None:
    body = zlib.compress(gzip.compress(DATA))
    decoder = decoder_for("gzip,deflate")
    assert decoder is not None
    assert decode_pieces(decoder, body, size) == DATA


@pytest.mark.parametrize("size", [1, 5, 333])
def test_chained_raw_deflate_inside_gzip_in_pieces(size: int) -> None:
    body = gzip.compress(raw_deflate(DATA))
    decoder = decoder_for("deflate, gzip")
    assert decoder is not None
    assert decode_pieces(decoder, body, size) == DATA


def test_five_encodings_are_allowed() -> None:
    body = DATA
    for _ in range(MAX_ENCODINGS):
        body = gzip.compress(body)
    assert MAX_ENCODINGS == 5
    assert decode_whole(", ".join(["gzip"] * 5), body) == DATA


def test_more_than_five_encodings_are_refused() -> None:
    with pytest.raises(ContentDecodingError, match="Too many content encodings"):
        decoder_for("gzip, gzip, gzip, gzip, gzip, gzip")
    with pytest.raises(ContentDecodingError):
        decoder_for(",".join(["identity"] * 6))


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", b"this is not gzip at all"),
        ("gzip", gzip.compress(DATA)[:10] + b"\xff" * 50),
        ("deflate", b"\xff\xfe\xfd\xfc not deflate"),
        ("gzip, deflate", b"garbage garbage"),
    ],
)
def test_corrupt_body_raises_content_decoding_error(encoding: str, body: bytes) -> None:
    decoder = decoder_for(encoding)
    assert decoder is not None
    with pytest.raises(ContentDecodingError) as info:
        decoder.decode(body)
        decoder.flush()
    assert isinstance(info.value.__cause__, zlib.error)


def test_corrupt_body_error_names_the_coding() -> None:
    decoder = decoder_for("gzip")
    assert decoder is not None
    with pytest.raises(ContentDecodingError, match="gzip"):
        decoder.decode(b"\x00" * 20)


@pytest.mark.parametrize("value", [None, "", "identity", "br-unknown", " , "])
def test_nothing_to_undo(value: str | None) -> None:
    assert decoder_for(value) is None


def test_unknown_codings_in_a_chain_are_skipped() -> None:
    decoder = decoder_for("identity, gzip")
    assert decoder is not None
    assert decoder.decode(gzip.compress(b"x")) + decoder.flush() == b"x"


def test_each_call_gives_a_fresh_decoder() -> None:
    a, b = decoder_for("gzip"), decoder_for("gzip")
    assert a is not None and b is not None
    assert a is not b
    body = gzip.compress(b"abc")
    assert a.decode(body[:5]) + b.decode(body) == b"abc"


# -- br and zstd (brotlicffi comes with httpbin, zstandard is in .[test]) --------------------


def _brotli(data: bytes) -> bytes:
    import brotlicffi

    return bytes(brotlicffi.compress(data))


def _zstd(data: bytes) -> bytes:
    import zstandard

    return bytes(zstandard.ZstdCompressor().compress(data))


@pytest.mark.parametrize(("coding", "encode"), [("br", _brotli), ("zstd", _zstd)])
@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20])
def test_br_and_zstd_decode_in_any_pieces(coding: str, encode: object, size: int) -> None:
    decoder = decoder_for(coding)
    assert decoder is not None
    assert decode_pieces(decoder, encode(DATA), size) == DATA  # type: ignore[operator]


def test_zstd_frames_one_after_another() -> None:
    assert decode_whole("zstd", _zstd(DATA[:100]) + _zstd(DATA[100:])) == DATA


@pytest.mark.parametrize(("coding", "encode"), [("br", _brotli), ("zstd", _zstd)])
def test_br_and_zstd_truncated_or_corrupt(coding: str, encode: object) -> None:
    body = encode(DATA)  # type: ignore[operator]
    with pytest.raises(ContentDecodingError, match=coding):
        decode_whole(coding, body[: len(body) // 2])
    with pytest.raises(ContentDecodingError, match=coding):
        decode_whole(coding, b"definitely not " + body)


def test_br_then_gzip_chain() -> None:
    assert decode_whole("br, gzip", gzip.compress(_brotli(DATA))) == DATA


def test_accept_encoding_names_what_can_be_decoded() -> None:
    from httpcore_lite._decoders import accept_encoding

    assert accept_encoding() == "gzip, deflate, br, zstd"


def test_gzip_with_trailing_garbage_after_a_member_is_ignored() -> None:
    # As urllib3 (and so requests): bytes after a complete member that are no member.
    body = gzip.compress(DATA) + b"\x00\x00trailing junk"
    assert decode_whole("gzip", body) == DATA
    decoder = decoder_for("gzip")
    assert decoder is not None
    assert decode_pieces(decoder, body, 5) == DATA


def test_gzip_garbage_before_any_member_is_an_error() -> None:
    with pytest.raises(ContentDecodingError):
        decode_whole("gzip", b"junk" + gzip.compress(DATA))
