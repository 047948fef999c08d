"""Response.iter_lines over any chunking of the body equals body.splitlines()."""

from __future__ import annotations

import gzip

from hypothesis import given, settings
from hypothesis import strategies as st

from ..bodies import response_over, split_at

# Bodies rich in line endings: CR, LF, CR LF, blank lines, a trailing CR.
LINE_BYTES = st.lists(st.sampled_from([b"a", b"bc", b"\r", b"\n", b"\r\n", b" ", b"\xff"]))
BODIES = LINE_BYTES.map(b"".join) | st.binary(max_size=200)
CUTS = st.lists(st.integers(min_value=0), max_size=20)
CHUNK_SIZES = st.one_of(st.none(), st.integers(min_value=1, max_value=16), st.just(512))


@settings(max_examples=200, deadline=None)
@given(BODIES, CUTS, CHUNK_SIZES)
def test_iter_lines_equals_splitlines(body: bytes, cuts: list[int], size: int | None) -> None:
    r = response_over(split_at(body, cuts))
    kwargs = {} if size == 512 else {"chunk_size": size}
    assert list(r.iter_lines(**kwargs)) == body.splitlines()


@settings(max_examples=200, deadline=None)
@given(BODIES, CUTS)
def test_iter_lines_of_a_gzip_body(body: bytes, cuts: list[int]) -> None:
    r = response_over(split_at(gzip.compress(body), cuts), headers={"Content-Encoding": "gzip"})
    assert list(r.iter_lines(chunk_size=7)) == body.splitlines()


TEXT_LINES = st.lists(
    st.sampled_from(["a", "é", "☃", "\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"])
)


@settings(max_examples=200, deadline=None)
@given(TEXT_LINES.map("".join), CUTS, st.integers(min_value=1, max_value=8))
def test_iter_lines_decode_unicode_equals_str_splitlines(
    text: str, cuts: list[int], size: int
) -> None:
    r = response_over(split_at(text.encode("utf-8"), cuts), encoding="utf-8")
    assert list(r.iter_lines(chunk_size=size, decode_unicode=True)) == text.splitlines()


@settings(max_examples=200, deadline=None)
@given(BODIES, CUTS, st.integers(min_value=1, max_value=16))
def test_iter_content_reassembles_the_body(body: bytes, cuts: list[int], size: int) -> None:
    r = response_over(split_at(body, cuts))
    pieces = list(r.iter_content(size))
    assert b"".join(pieces) == body
    assert all(len(piece) == size for piece in pieces[:-1])
    assert b"" not in pieces


@settings(max_examples=200, deadline=None)
@given(BODIES, CUTS, st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=30))
def test_raw_read_amounts_reassemble_the_body(
    body: bytes, cuts: list[int], amounts: list[int]
) -> None:
    r = response_over(split_at(body, cuts))
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
