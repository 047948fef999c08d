"""Issue 14, items 3 and 6: a pooled connection must only ever carry the answers to its own
requests, in its own process.

- Response queue poisoning (item 3). Bytes that reach an idle keep-alive connection after a
  response (a whole unasked response, a body written late after a HEAD, bytes past
  Content-Length) are not the answer to the next request: RFC 9112 section 9.2 lets a client
  match responses to requests only by their order on the connection, so such a connection
  must be dropped, never read from. The old pool skipped its readability check for a
  connection given back less than 0.1 s ago (RECENTLY_IDLE), so bytes arriving 10-50 ms late
  were served as the next request's response.
- Fork safety (item 6). A child made with ``os.fork()`` inherits the parent's pooled
  sockets; were it to use them, parent and child would interleave requests on one TCP
  connection. The child must open its own connections, and leave the parent's intact.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable

import pytest

import httpcore_lite

from ..servers import Handler, RawServer, keep_alive_handler, response
from ._helpers import per_connection

Serve = Callable[..., RawServer]
TIMEOUT = (5, 10)  # long enough that nothing here ends by a client timeout
Events = tuple[threading.Event, threading.Event]  # (go, sent)


# -- item 3: bytes that arrive late on an idle connection --------------------------------------

FIRST = response(b"first")  # Content-Length: 5
HEAD_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"  # a HEAD's answer: no body

# case -> (the method of request 1, its answer, the stray bytes sent late)
STRAY = {
    "whole-extra-response": ("GET", FIRST, b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\npoison"),
    "body-after-head": ("HEAD", HEAD_ANSWER, b"poison"),
    "bytes-past-content-length": ("GET", FIRST, b"EXTRA"),
}


def _answer_then_stray(
    answer: bytes, stray: bytes, delay: float, go: threading.Event, sent: threading.Event
) -> Handler:
    """Answer request 1 with ``answer``; once the client has read it (``go``), send ``stray``
    ``delay`` seconds late, then answer anything more on this connection as poisoned."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if not server.read(conn):
            return
        conn.sendall(answer)
        if not go.wait(5):
            return
        time.sleep(delay)  # the fault itself: bytes that arrive late
        conn.sendall(stray)
        sent.set()
        while server.read(conn):
            conn.sendall(response(b"poisoned-connection"))

    return handle


def _poisoned_pair(serve: Serve, case: str, delay: float) -> tuple[RawServer, str, Events]:
    method, answer, stray = STRAY[case]
    go, sent = threading.Event(), threading.Event()
    first = _answer_then_stray(answer, stray, delay, go, sent)
    server = serve(per_connection(first, keep_alive_handler(b"second")))
    return server, method, (go, sent)


def _first_exchange(s: httpcore_lite.Session, url: str, method: str, events: Events) -> None:
    """Request 1, read whole; then let the server send its late bytes, and wait for them."""
    go, sent = events
    with s.request(method, url, timeout=TIMEOUT) as r1:
        assert r1.status_code == 200
        assert r1.text == ("" if method == "HEAD" else "first")
    go.set()
    assert sent.wait(5), "the server did not send its stray bytes"


@pytest.mark.timeout(15)
@pytest.mark.parametrize("case", list(STRAY))
@pytest.mark.parametrize("delay", [0.01, 0.05])
def test_late_bytes_on_idle_connection_are_never_the_next_response(
    serve: Serve, case: str, delay: float
) -> None:
    """Unasked bytes on an idle pooled connection are never read as the next GET's answer."""
    server, method, events = _poisoned_pair(serve, case, delay)
    with httpcore_lite.Session() as s:
        _first_exchange(s, server.url, method, events)
        with s.get(server.url, timeout=TIMEOUT) as r2:
            assert r2.status_code == 200
            assert r2.text == "second"


@pytest.mark.timeout(15)
@pytest.mark.parametrize("case", list(STRAY))
def test_late_bytes_on_idle_connection_are_never_a_posts_response(serve: Serve, case: str) -> None:
    """Regression (passes on baseline too): a POST, never skipped the check, gets its own answer."""
    server, method, events = _poisoned_pair(serve, case, 0.01)
    with httpcore_lite.Session() as s:
        _first_exchange(s, server.url, method, events)
        with s.post(server.url, data=b"payload", timeout=TIMEOUT) as r2:
            assert r2.status_code == 200
            assert r2.text == "second"


# -- item 6: os.fork() -------------------------------------------------------------------------


def _numbered_connections() -> Handler:
    """Answer every request with the number of the connection it came on: conn-1, conn-2..."""
    lock = threading.Lock()

    def handle(conn: socket.socket, server: RawServer) -> None:
        with lock:
            number = server.state["connections"] = server.state.get("connections", 0) + 1
        body = f"conn-{number}".encode()
        while server.read(conn):
            conn.sendall(response(body))

    return handle


def _read_all(fd: int) -> bytes:
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
    return data


@pytest.mark.timeout(20)
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")  # a threaded process forks
def test_forked_child_opens_its_own_connection_and_parent_pool_survives(serve: Serve) -> None:
    """A forked child never uses the parent's pooled socket; the parent then still reuses it."""
    server = serve(_numbered_connections())
    with httpcore_lite.Session() as s:
        with s.get(server.url, timeout=TIMEOUT) as r:
            assert r.text == "conn-1"
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: it must never return into pytest
            status = 1
            try:
                os.close(read_fd)
                with s.get(server.url, timeout=TIMEOUT) as r:
                    os.write(write_fd, r.text.encode())
                status = 0
            except BaseException as exc:
                with contextlib.suppress(BaseException):
                    os.write(write_fd, f"child failed: {exc!r}".encode())
            finally:
                os._exit(status)
        os.close(write_fd)
        try:
            child_body = _read_all(read_fd)
        finally:
            os.close(read_fd)
        _, wait_status = os.waitpid(pid, 0)
        assert child_body == b"conn-2"  # the child's request went on a connection of its own
        assert os.waitstatus_to_exitcode(wait_status) == 0
        with s.get(server.url, timeout=TIMEOUT) as r:
            assert r.text == "conn-1"  # the parent's pooled connection is intact and reused
    assert server.state["connections"] == 2
