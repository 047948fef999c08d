"""Large bodies, read past h11 (whole into one bytes object from LARGE_BODY up): framing,
reuse, errors."""

from __future__ import annotations

import gzip
import os
import socket
from collections.abc import Callable

import pytest

import httpcore_lite as requests
from httpcore_lite._transport.bodies import LARGE_BODY

from ..servers import RawServer, response
from ._helpers import per_connection

Serve = Callable[..., RawServer]
BIG = os.urandom(LARGE_BODY * 2 + 12345)


def answer_each_with(*answers: bytes) -> Callable[[socket.socket, RawServer], None]:
    """Answer the n-th request on a connection with answers[n] (the last one repeats)."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        n = 0
        while server.read(conn):
            conn.sendall(answers[min(n, len(answers) - 1)])
            n += 1

    return handle


def test_content_of_a_large_body_and_reuse(serve: Serve) -> None:
    server = serve(answer_each_with(response(BIG), response(b"small")))
    with requests.Session() as s:
        assert s.get(server.url, timeout=5).content == BIG
        assert s.get(server.url, timeout=5).content == b"small"
        assert s.get(server.url, timeout=5).content == b"small"
    assert server.accepted == 1


@pytest.mark.parametrize("chunk_size", [1000, 65536, None])
def test_streamed_large_body_and_reuse(serve: Serve, chunk_size: int | None) -> None:
    server = serve(answer_each_with(response(BIG), response(b"after")))
    with requests.Session() as s:
        with s.get(server.url, stream=True, timeout=5) as r:
            chunks = list(r.iter_content(chunk_size))
        assert b"".join(chunks) == BIG
        if chunk_size is not None:
            assert {len(c) for c in chunks[:-1]} == {chunk_size}
        assert s.get(server.url, timeout=5).content == b"after"
    assert server.accepted == 1


def test_raw_read_of_a_large_body(serve: Serve) -> None:
    server = serve(answer_each_with(response(BIG)))
    with requests.Session() as s, s.get(server.url, stream=True, timeout=5) as r:
        assert r.raw.read(10) == BIG[:10]
        assert r.raw.read() == BIG[10:]


def test_large_gzip_body_is_decoded(serve: Serve) -> None:
    plain = os.urandom(LARGE_BODY * 2)  # incompressible: the gzip body stays large
    packed = gzip.compress(plain)
    assert len(packed) >= LARGE_BODY
    server = serve(answer_each_with(response(packed, headers=[("Content-Encoding", "gzip")])))
    with requests.Session() as s:
        assert s.get(server.url, timeout=5).content == plain
        with s.get(server.url, stream=True, timeout=5) as r:
            assert b"".join(r.iter_content(65536)) == plain
    assert server.accepted == 1


def test_connection_close_after_a_large_body(serve: Serve) -> None:
    server = serve(answer_each_with(response(BIG, headers=[("Connection", "close")])))
    with requests.Session() as s:
        assert s.get(server.url, timeout=5).content == BIG
        assert s.get(server.url, timeout=5).content == BIG
    assert server.accepted == 2


def test_http10_large_body_with_length_is_not_reused(serve: Serve) -> None:
    server = serve(answer_each_with(response(BIG, version="HTTP/1.0")))
    with requests.Session() as s:
        assert s.get(server.url, timeout=5).content == BIG
        assert s.get(server.url, timeout=5).content == BIG
    assert server.accepted == 2


def test_head_with_a_large_length_has_no_body(serve: Serve) -> None:
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(BIG)}\r\n\r\n".encode()
    server = serve(answer_each_with(head, response(b"next")))
    with requests.Session() as s:
        assert s.head(server.url, timeout=5).content == b""
        assert s.get(server.url, timeout=5).content == b"next"
    assert server.accepted == 1


def _cut_short(conn: socket.socket, server: RawServer) -> None:
    if server.read(conn):
        conn.sendall(response(BIG)[:-LARGE_BODY])


def test_short_large_body_raises_for_content(serve: Serve) -> None:
    server = serve(_cut_short)
    expected = f"received {len(BIG) - LARGE_BODY} bytes, expected {len(BIG)}"
    with requests.Session() as s, pytest.raises(requests.exceptions.ChunkedEncodingError) as info:
        s.get(server.url, timeout=5)
    assert expected in str(info.value)
    assert info.value.request is not None


def test_short_large_body_raises_when_streamed(serve: Serve) -> None:
    server = serve(per_connection(_cut_short, answer_each_with(response(b"fresh"))))
    expected = f"received {len(BIG) - LARGE_BODY} bytes, expected {len(BIG)}"
    with requests.Session() as s:
        with (
            s.get(server.url, stream=True, timeout=5) as r,
            pytest.raises(requests.exceptions.ChunkedEncodingError, match=expected),
        ):
            for _ in r.iter_content(65536):
                pass
        assert s.get(server.url, timeout=5).content == b"fresh"  # a new connection
    assert server.accepted == 2


def test_partly_read_large_body_closes_its_connection(serve: Serve) -> None:
    server = serve(answer_each_with(response(BIG), response(b"again")))
    with requests.Session() as s:
        with s.get(server.url, stream=True, timeout=5) as r:
            assert len(next(r.iter_content(1000))) == 1000
        assert s.get(server.url, timeout=5).content == BIG  # on a new connection
    assert server.accepted == 2
