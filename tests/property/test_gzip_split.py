"""Decoding a body fed in arbitrary pieces gives what decoding it whole gives."""

from __future__ import annotations

import gzip
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from httpcore_lite._decoders import decoder_for

from ..bodies import split_at

BODIES = st.binary(max_size=3000) | st.text(max_size=2000).map(str.encode)


def feed(encoding: str, pieces: list[bytes]) -> bytes:
    decoder = decoder_for(encoding)
    assert decoder is not None
    return b"".join(decoder.decode(piece) for piece in pieces) + decoder.flush()


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@settings(max_examples=200, deadline=None)
@given(BODIES, st.lists(st.integers(min_value=0), max_size=12))
def test_gzip_split_anywhere(body: bytes, cuts: list[int]) -> None:
    encoded = gzip.compress(body)
    assert feed("gzip", split_at(encoded, cuts)) == body


@settings(max_examples=200, deadline=None)
@given(st.lists(BODIES, min_size=1, max_size=4), st.lists(st.integers(min_value=0), max_size=12))
def test_multi_member_gzip_split_anywhere(members: list[bytes], cuts: list[int]) -> None:
    encoded = b"".join(gzip.compress(member) for member in members)
    assert feed("gzip", split_at(encoded, cuts)) == b"".join(members)


@settings(max_examples=200, deadline=None)
@given(BODIES, st.lists(st.integers(min_value=0), max_size=12))
def test_zlib_deflate_split_anywhere(body: bytes, cuts: list[int]) -> None:
    assert feed("deflate", split_at(zlib.compress(body), cuts)) == body


@settings(max_examples=200, deadline=None)
@given(BODIES, st.lists(st.integers(min_value=0), max_size=12))
def test_raw_deflate_split_anywhere(body: bytes, cuts: list[int]) -> None:
    assert feed("deflate", split_at(raw_deflate(body), cuts)) == body


@settings(max_examples=100, deadline=None)
@given(BODIES, st.lists(st.integers(min_value=0), max_size=12))
def test_chained_split_anywhere(body: bytes, cuts: list[int]) -> None:
    encoded = zlib.compress(gzip.compress(body))
    assert feed("gzip, deflate", split_at(encoded, cuts)) == body
