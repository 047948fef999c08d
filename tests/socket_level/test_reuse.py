"""Keep-alive: when a connection is reused, and when it must not be."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpcore_lite as requests

from ..servers import RawServer, keep_alive_handler, response
from ._helpers import answer_each, answer_once

Serve = Callable[..., RawServer]


def test_session_reuses_one_connection_for_sequential_gets(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"hello"))
    with requests.Session() as s:
        bodies = [s.get(f"{server.url}/{i}", timeout=5).content for i in range(3)]
    assert bodies == [b"hello"] * 3
    assert server.accepted == 1
    assert [r.split(b"\r\n", 1)[0] for r in server.requests] == [
        b"GET /0 HTTP/1.1",
        b"GET /1 HTTP/1.1",
        b"GET /2 HTTP/1.1",
    ]


def test_module_level_get_opens_a_connection_per_call(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"hello"))
    assert requests.get(server.url, timeout=5).content == b"hello"
    assert requests.get(server.url, timeout=5).content == b"hello"
    assert server.accepted == 2
    assert len(server.requests) == 2


def test_connection_close_response_is_not_reused(serve: Serve) -> None:
    # The server says "Connection: close" but keeps the connection open and would answer
    # again: only the client honouring the header keeps the second request off it.
    server = serve(answer_each(response(b"bye", headers=[("Connection", "close")])))
    with requests.Session() as s:
        first = s.get(server.url, timeout=5)
        assert first.content == b"bye"
        assert first.headers["Connection"] == "close"
        assert s.get(server.url, timeout=5).content == b"bye"
    assert server.accepted == 2


def test_http10_body_read_until_eof_and_not_reused(serve: Serve) -> None:
    body = b"x" * 5000 + b"end"
    raw = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body
    server = serve(answer_once(raw))
    with requests.Session() as s:
        r = s.get(server.url, timeout=5)
        assert r.status_code == 200
        assert r.raw.version == 10
        assert r.content == body
        assert s.get(server.url, timeout=5).content == body
    assert server.accepted == 2


def _bodiless_handler(conn: socket.socket, server: RawServer) -> None:
    # Each answer's framing says "no body"; a client that waited for the Content-Length
    # would hang (and time out) or take the next answer's bytes as this one's body.
    answers = {
        b"HEAD /head": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
        b"GET /204": b"HTTP/1.1 204 No Content\r\n\r\n",
        b"GET /304": b'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: "a"\r\n\r\n',
    }
    while request := server.read(conn):
        line = request.split(b" HTTP/1.1", 1)[0]
        conn.sendall(answers.get(line, response(b"after")))


def test_bodiless_responses_are_empty_and_keep_the_connection(serve: Serve) -> None:
    server = serve(_bodiless_handler)
    with requests.Session() as s:
        head = s.head(f"{server.url}/head", timeout=(1, 1))
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["Content-Length"] == "5"
        no_content = s.get(f"{server.url}/204", timeout=(1, 1))
        assert (no_content.status_code, no_content.content) == (204, b"")
        not_modified = s.get(f"{server.url}/304", timeout=(1, 1))
        assert (not_modified.status_code, not_modified.content) == (304, b"")
        after = s.get(f"{server.url}/after", timeout=(1, 1))
        assert (after.status_code, after.content) == (200, b"after")
    assert server.accepted == 1
    assert len(server.requests) == 4


def test_partly_read_stream_closes_its_connection(serve: Serve) -> None:
    body = bytes(range(256)) * 64
    server = serve(keep_alive_handler(body))
    with requests.Session() as s:
        r = s.get(server.url, stream=True, timeout=5)
        assert r.raw.read(10) == body[:10]
        r.close()
        assert s.get(server.url, timeout=5).content == body
    assert server.accepted == 2


def test_fully_read_stream_gives_its_connection_back(serve: Serve) -> None:
    body = bytes(range(256)) * 64
    server = serve(keep_alive_handler(body))
    with requests.Session() as s:
        r = s.get(server.url, stream=True, timeout=5)
        assert b"".join(r.iter_content(1000)) == body
        r.close()
        assert s.get(server.url, timeout=5).content == body
    assert server.accepted == 1


def test_unread_stream_closed_before_reading_is_not_reused(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"never read"))
    with requests.Session() as s:
        with s.get(server.url, stream=True, timeout=5) as r:
            assert r.status_code == 200
        assert s.get(server.url, timeout=5).content == b"never read"
    assert server.accepted == 2


def test_unasked_bytes_after_a_response_stop_reuse(serve: Serve) -> None:
    # A second, unasked response right after the first: reusing the connection would hand
    # it to the next request (a desync); the connection must be dropped instead.
    server = serve(answer_each(response(b"asked") + response(b"smuggled")))
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=5).content == b"asked"
        assert s.get(f"{server.url}/2", timeout=5).content == b"asked"
    assert server.accepted == 2
    assert len(server.requests) == 2
