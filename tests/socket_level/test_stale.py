"""Stale keep-alive connections: closed by the server while idle, or at the moment of reuse."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest

import httpcore_lite as requests

from ..servers import RawServer, keep_alive_handler, response
from ._helpers import answer_then_drop_next, per_connection

Serve = Callable[..., RawServer]


def _request_line(request: bytes) -> bytes:
    return request.split(b"\r\n", 1)[0]


def _fin_after_first(closed: threading.Event) -> Callable[[socket.socket, RawServer], None]:
    def answer_then_fin(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        conn.sendall(response(b"first"))
        conn.shutdown(socket.SHUT_WR)  # FIN now; still listening, to see a wasted write
        closed.set()
        server.read(conn)  # records a request sent on the stale connection, if any

    return answer_then_fin


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_connection_just_given_back_is_checked_before_reuse(serve: Serve, method: str) -> None:
    # Every reuse asks the OS first, even moments after the connection came back: the FIN
    # is seen, and the request goes out once, on a new connection (a GET is not written to
    # the dead one and replayed; issue 14 removed the window that skipped the check).
    closed = threading.Event()
    server = serve(per_connection(_fin_after_first(closed), keep_alive_handler(b"second")))
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=5).content == b"first"
        assert closed.wait(5)
        data = b"once" if method == "POST" else None
        r = s.request(method, f"{server.url}/2", data=data, timeout=5)
        assert r.content == b"second"
    assert server.accepted == 2
    assert [_request_line(r) for r in server.requests] == [
        b"GET /1 HTTP/1.1",
        f"{method} /2 HTTP/1.1".encode(),
    ]


def test_get_on_connection_dropped_at_reuse_is_replayed_once(serve: Serve) -> None:
    server = serve(per_connection(answer_then_drop_next(b"first"), keep_alive_handler(b"again")))
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=5).content == b"first"
        r = s.get(f"{server.url}/2", timeout=5)
        assert (r.status_code, r.content) == (200, b"again")
    assert server.accepted == 2
    assert [_request_line(r) for r in server.requests] == [
        b"GET /1 HTTP/1.1",
        b"GET /2 HTTP/1.1",  # on the reused connection, dropped unanswered
        b"GET /2 HTTP/1.1",  # the replay, on a new connection
    ]


def test_post_on_connection_dropped_at_reuse_is_not_replayed(serve: Serve) -> None:
    server = serve(per_connection(answer_then_drop_next(b"first"), keep_alive_handler(b"again")))
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=5).content == b"first"
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            s.post(f"{server.url}/2", data=b"charge the card", timeout=5)
    assert not isinstance(info.value, requests.exceptions.Timeout)
    assert "closed the connection without sending a response" in str(info.value)
    posts = [r for r in server.requests if r.startswith(b"POST ")]
    assert len(posts) == 1
    assert posts[0].endswith(b"\r\n\r\ncharge the card")
    assert server.accepted == 1


def test_post_on_connection_closed_while_idle_is_sent_once_on_a_new_one(serve: Serve) -> None:
    # Nothing was written to the dead connection, so a POST may go out on a new one.
    closed = threading.Event()

    def answer_then_close(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        conn.sendall(response(b"first"))
        conn.shutdown(socket.SHUT_WR)
        closed.set()
        server.read(conn)

    server = serve(per_connection(answer_then_close, keep_alive_handler(b"posted")))
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=5).content == b"first"
        assert closed.wait(5)
        assert s.post(f"{server.url}/2", data=b"once", timeout=5).content == b"posted"
    assert server.accepted == 2
    assert [_request_line(r) for r in server.requests] == [
        b"GET /1 HTTP/1.1",
        b"POST /2 HTTP/1.1",
    ]
