"""Issue 6's fault matrix, continued: what becomes of a keep-alive connection that fails.

- replay at reuse by method (idempotent ones once, the others never), by FIN and by RST,
  and never more than once; a request on a fresh connection is never replayed;
- a connection reset while idle is not used, whether or not the OS is asked first;
- connections that saw a broken response are never reused, even when the server would go on.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest

import httpcore_lite as requests
from httpcore_lite.exceptions import Phase

from ..servers import Handler, RawServer, keep_alive_handler, response
from ._helpers import (
    ON_LINUX,
    answer_once,
    answer_then_drop_next,
    assert_no_wrapper,
    client_sockets_to,
    per_connection,
    request_lines,
    reset,
)

pytestmark = pytest.mark.timeout(30)

Serve = Callable[..., RawServer]


# -- the server closes a connection at reuse: replay by method ---------------------------------


def _answer_then(ending: str) -> Handler:
    """Answer the first request and keep the connection; read the next one, then end the
    connection without answering: with a FIN, or with a RST."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(response(b"first"))
            # The request is read, then the connection ends: a RST, or (on returning) a FIN.
            if server.read(conn) and ending == "rst":
                reset(conn)

    return handle


def _answer_each(conn: socket.socket, server: RawServer) -> None:
    # As keep_alive_handler, but a HEAD gets no body (one would be unasked bytes, which
    # rightly stop the client reusing the connection).
    while request := server.read(conn):
        answer = response(b"again")
        conn.sendall(
            answer.split(b"\r\n\r\n")[0] + b"\r\n\r\n" if request[:5] == b"HEAD " else answer
        )


REPLAYED = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]  # RFC 9110 section 9.2.2
NOT_REPLAYED = ["POST", "PATCH"]


@pytest.mark.parametrize("ending", ["fin", "rst"])
@pytest.mark.parametrize("method", REPLAYED + NOT_REPLAYED)
def test_request_dropped_at_reuse_is_replayed_only_when_idempotent(
    serve: Serve, method: str, ending: str
) -> None:
    server = serve(per_connection(_answer_then(ending), _answer_each))
    url = f"{server.url}/2"
    line = f"{method} /2 HTTP/1.1".encode()
    data = b"the body" if method in ("PUT", "POST", "PATCH") else None
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=5).content == b"first"
        if method in REPLAYED:
            r = s.request(method, url, data=data, timeout=5)
            assert r.status_code == 200
            assert r.content == (b"" if method == "HEAD" else b"again")
            assert server.accepted == 2
            assert request_lines(server) == [b"GET /1 HTTP/1.1", line, line]  # once more, no more
            if ON_LINUX:
                assert client_sockets_to(server.port) == 1  # the new one, idle; not the old
        else:
            with pytest.raises(requests.exceptions.ConnectionError) as info:
                s.request(method, url, data=data, timeout=5)
            exc = info.value
            assert type(exc) is requests.exceptions.ConnectionError, repr(exc)
            assert f"127.0.0.1:{server.port}" in str(exc)
            assert exc.phase == Phase.WAITING
            assert exc.request is not None
            assert (exc.request.method, exc.request.url) == (method, url)
            assert_no_wrapper(exc)
            assert server.accepted == 1  # no second connection was even opened
            assert request_lines(server) == [b"GET /1 HTTP/1.1", line]
            assert server.requests[1].endswith(b"\r\n\r\nthe body")
            if ON_LINUX:
                assert client_sockets_to(server.port) == 0


def test_replay_happens_once_at_most(serve: Serve) -> None:
    # The replay's connection is closed unanswered too: the second error is the caller's.
    server = serve(per_connection(_answer_then("fin"), answer_once(b"")))
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=5).content == b"first"
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            s.get(f"{server.url}/2", timeout=5)
    assert f"127.0.0.1:{server.port}" in str(info.value)
    assert_no_wrapper(info.value)
    assert server.accepted == 2
    assert request_lines(server) == [b"GET /1 HTTP/1.1", b"GET /2 HTTP/1.1", b"GET /2 HTTP/1.1"]


def test_get_on_a_fresh_connection_closed_unanswered_is_not_replayed(serve: Serve) -> None:
    # Nothing suggests a stale connection: a new one failed, so the server failed.
    server = serve(answer_once(b""))
    with requests.Session() as s, pytest.raises(requests.exceptions.ConnectionError):
        s.get(server.url, timeout=5)
    assert server.accepted == 1
    assert request_lines(server) == [b"GET / HTTP/1.1"]


def test_get_answered_with_garbage_at_reuse_is_not_replayed(serve: Serve) -> None:
    # Bytes came back: the server saw the request and answered; sending it again is not
    # recovering from a stale connection.
    garbage = answer_then_drop_next(last=b"\x00garbage\r\n\r\n")
    server = serve(per_connection(garbage, keep_alive_handler(b"again")))
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=5).content == b"first"
        with pytest.raises(requests.exceptions.RemoteProtocolError) as info:
            s.get(f"{server.url}/2", timeout=5)
    assert f"{Phase.WAITING} 127.0.0.1:{server.port}" in str(info.value)
    assert request_lines(server) == [b"GET /1 HTTP/1.1", b"GET /2 HTTP/1.1"]


def test_1xx_then_close_at_reuse_is_not_replayed(serve: Serve) -> None:
    early_hints = b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
    hints = answer_then_drop_next(last=early_hints)
    server = serve(per_connection(hints, keep_alive_handler(b"x")))
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=5).content == b"first"
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            s.get(f"{server.url}/2", timeout=5)
    assert f"{Phase.WAITING} 127.0.0.1:{server.port}" in str(info.value)
    assert info.value.phase == Phase.WAITING
    assert request_lines(server) == [b"GET /1 HTTP/1.1", b"GET /2 HTTP/1.1"]


# -- the server closes an idle connection with a RST --------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_connection_reset_while_idle_is_not_used(serve: Serve, method: str) -> None:
    # test_stale closes idle connections with a FIN; a RST (a load balancer's idle timeout,
    # a restarted server) leaves an error pending on the socket instead of an EOF.
    answered, reset_done = threading.Event(), threading.Event()

    def answer_then_reset(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(response(b"first"))
            answered.wait(5)
            reset(conn)
            reset_done.set()

    server = serve(per_connection(answer_then_reset, keep_alive_handler(b"second")))
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=5).content == b"first"
        answered.set()
        assert reset_done.wait(5)
        data = b"once" if method == "POST" else None
        r = s.request(method, f"{server.url}/2", data=data, timeout=5)
        assert (r.status_code, r.content) == (200, b"second")
        if ON_LINUX:
            assert client_sockets_to(server.port) == 1  # the new connection only
    assert server.accepted == 2
    # Nothing reached the reset connection: the request went out once, on the new one.
    assert request_lines(server) == [b"GET /1 HTTP/1.1", f"{method} /2 HTTP/1.1".encode()]


# -- broken responses on a connection the server would keep: never reused ----------------------


def _broken_then_keep_answering(broken: bytes) -> Handler:
    """Answer the first request with ``broken``, then answer every further request on the
    same connection properly: only the client dropping the connection keeps them off it."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(broken)
            while server.read(conn):
                conn.sendall(response(b"same connection"))

    return handle


BROKEN_KEPT = {
    "bad-chunk-size": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        requests.exceptions.ChunkedEncodingError,
    ),
    "conflicting-content-lengths": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nhello",
        requests.exceptions.RemoteProtocolError,
    ),
    "invalid-status-line": (
        b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
        requests.exceptions.RemoteProtocolError,
    ),
    "too-many-header-fields": (
        response(b"", headers=[(f"X-Field-{i}", "v") for i in range(101)]),
        requests.exceptions.RemoteProtocolError,
    ),
}


@pytest.mark.parametrize("case", list(BROKEN_KEPT))
def test_connection_that_carried_a_broken_response_is_not_reused(serve: Serve, case: str) -> None:
    broken, error = BROKEN_KEPT[case]
    server = serve(per_connection(_broken_then_keep_answering(broken), keep_alive_handler(b"new")))
    with requests.Session() as s:
        with pytest.raises(error):
            s.get(f"{server.url}/1", timeout=5)
        if ON_LINUX:
            assert client_sockets_to(server.port) == 0
        assert s.get(f"{server.url}/2", timeout=5).content == b"new"
    assert server.accepted == 2


def test_content_length_and_chunked_never_desync_nor_keep_the_connection(serve: Serve) -> None:
    # RFC 9112 section 6.3: Transfer-Encoding overrides Content-Length. Were the 3 bytes
    # believed, the rest of the chunked body would be read as the next response. The
    # connection is then dropped all the same: such a message "ought to be handled as an
    # error" (request smuggling), so the next request goes on a new connection.
    raw = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    server = serve(_broken_then_keep_answering(raw))
    with requests.Session() as s:
        assert s.get(f"{server.url}/1", timeout=(2, 2)).content == b"hello world"
        assert s.get(f"{server.url}/2", timeout=(2, 2)).content == b"hello world"
    assert request_lines(server) == [b"GET /1 HTTP/1.1", b"GET /2 HTTP/1.1"]
    assert server.accepted == 2
