"""A streamed body read in several ways one after another: nothing is lost or repeated."""

from __future__ import annotations

import gzip
from collections.abc import Callable

import pytest

import httpcore_lite as requests

from ..servers import RawServer, keep_alive_handler

Serve = Callable[..., RawServer]
BODY = bytes(range(200)) * 50  # 10,000 bytes


@pytest.fixture
def server(serve: Serve) -> RawServer:
    return serve(keep_alive_handler(BODY))


@pytest.mark.parametrize("first", [1, 5, 4096, 9999])
def test_part_iterated_then_content_gives_the_rest(server: RawServer, first: int) -> None:
    with requests.Session() as s:
        r = s.get(server.url, stream=True, timeout=5)
        head = next(r.iter_content(first))
        assert head + r.content == BODY


def test_part_iterated_then_iterated_again_gives_the_rest(server: RawServer) -> None:
    with requests.Session() as s:
        r = s.get(server.url, stream=True, timeout=5)
        chunks = r.iter_content(3000)
        head = next(chunks) + next(chunks)
        rest = b"".join(r.iter_content(700))
    assert head + rest == BODY


def test_raw_read_then_iter_content_then_raw_read(server: RawServer) -> None:
    with requests.Session() as s:
        r = s.get(server.url, stream=True, timeout=5)
        a = r.raw.read(10)
        b = next(r.iter_content(100))
        c = r.raw.read()
    assert a + b + c == BODY


@pytest.mark.parametrize("size", [0, -1])
def test_chunk_size_zero_or_negative_gives_pieces_as_they_come(
    server: RawServer, size: int
) -> None:
    with requests.Session() as s:
        r = s.get(server.url, stream=True, timeout=5)
        assert b"".join(r.iter_content(size)) == BODY
        r2 = s.get(server.url, stream=True, timeout=5)
        assert b"".join(r2.iter_lines(chunk_size=size, delimiter=b"\xff")) == BODY.replace(
            b"\xff", b""
        )


def test_raw_read_negative_reads_everything(server: RawServer) -> None:
    with requests.Session() as s:
        r = s.get(server.url, stream=True, timeout=5)
        assert r.raw.read(-1) == BODY


def test_part_of_a_gzip_body_then_content(serve: Serve) -> None:
    encoded = gzip.compress(BODY)
    server = serve(keep_alive_handler(encoded, [("Content-Encoding", "gzip")]))
    with requests.Session() as s:
        r = s.get(server.url, stream=True, timeout=5)
        head = next(r.iter_content(10))
        assert head + r.content == BODY
        assert s.get(server.url, timeout=5).content == BODY
    assert server.accepted == 1  # the connection went back once the body was read
