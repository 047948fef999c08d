"""Response.iter_lines over any chunking of the body equals body.splitlines()."""

from __future__ import annotations

import gzip

from hypothesis import given, settings
from hypothesis import strategies as st

from httpcore_lite import Response
from httpcore_lite._raw import RawResponse
from httpcore_lite.structures import CaseInsensitiveDict


class ChunkSource:
    """A BodySource that hands out the given chunks, then b""."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = list(chunks)
        self.closed = False

    @property
    def is_finished(self) -> bool:
        return not self._chunks

    def read(self) -> bytes:
        return self._chunks.pop(0) if self._chunks else b""

    def close(self) -> None:
        self.closed = True
        self._chunks = []


def response_over(
    chunks: list[bytes], headers: dict[str, str] | None = None, encoding: str | None = None
) -> Response:
    r = Response()
    r.status_code = 200
    r.headers = CaseInsensitiveDict(headers or {})
    r.encoding = encoding
    r.raw = RawResponse(ChunkSource(chunks), r.headers, 200, "OK")
    return r


def chunk(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at ``cuts`` (taken modulo its length). No piece is empty: b"" is how a
    BodySource says that the body ended."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, start = [], 0
    for point in [*points, len(data)]:
        pieces.append(data[start:point])
        start = point
    return [piece for piece in pieces if piece]


# Bodies rich in line endings: CR, LF, CR LF, blank lines, a trailing CR.
LINE_BYTES = st.lists(st.sampled_from([b"a", b"bc", b"\r", b"\n", b"\r\n", b" ", b"\xff"]))
BODIES = LINE_BYTES.map(b"".join) | st.binary(max_size=200)
CUTS = st.lists(st.integers(min_value=0), max_size=20)
CHUNK_SIZES = st.one_of(st.none(), st.integers(min_value=1, max_value=16), st.just(512))


@settings(max_examples=200, deadline=None)
@given(BODIES, CUTS, CHUNK_SIZES)
def test_iter_lines_equals_splitlines(body: bytes, cuts: list[int], size: int | None) -> None:
    r = response_over(chunk(body, cuts))
    kwargs = {} if size == 512 else {"chunk_size": size}
    assert list(r.iter_lines(**kwargs)) == body.splitlines()


@settings(max_examples=200, deadline=None)
@given(BODIES, CUTS)
def test_iter_lines_of_a_gzip_body(body: bytes, cuts: list[int]) -> None:
    r = response_over(chunk(gzip.compress(body), cuts), headers={"Content-Encoding": "gzip"})
    assert list(r.iter_lines(chunk_size=7)) == body.splitlines()


TEXT_LINES = st.lists(
    st.sampled_from(["a", "é", "☃", "\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"])
)


@settings(max_examples=200, deadline=None)
@given(TEXT_LINES.map("".join), CUTS, st.integers(min_value=1, max_value=8))
def test_iter_lines_decode_unicode_equals_str_splitlines(
    text: str, cuts: list[int], size: int
) -> None:
    r = response_over(chunk(text.encode("utf-8"), cuts), encoding="utf-8")
    assert list(r.iter_lines(chunk_size=size, decode_unicode=True)) == text.splitlines()


@settings(max_examples=200, deadline=None)
@given(BODIES, CUTS, st.integers(min_value=1, max_value=16))
def test_iter_content_reassembles_the_body(body: bytes, cuts: list[int], size: int) -> None:
    r = response_over(chunk(body, cuts))
    pieces = list(r.iter_content(size))
    assert b"".join(pieces) == body
    assert all(len(piece) == size for piece in pieces[:-1])
    assert b"" not in pieces


@settings(max_examples=200, deadline=None)
@given(BODIES, CUTS, st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=30))
def test_raw_read_amounts_reassemble_the_body(
    body: bytes, cuts: list[int], amounts: list[int]
) -> None:
    r = response_over(chunk(body, cuts))
    assert r.raw is not None
    got = b""
    for amount in amounts:
        piece = r.raw.read(amount)
        assert len(piece) == min(amount, len(body) - len(got))
        got += piece
    got += r.raw.read()
    assert got == body
    assert r.raw.tell() == len(body)
    assert r.raw.read(5) == b""
    r.raw.close()
