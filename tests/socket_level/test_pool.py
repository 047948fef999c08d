"""The pool's promises: LIFO reuse, requests' limits, idle expiry, threads sharing a Session."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest

import httpcore_lite as requests
from httpcore_lite._transport import ConnectionPool, PoolKey, RequestHead
from httpcore_lite._urls import Origin
from httpcore_lite.adapters import HTTPAdapter
from httpcore_lite.timeouts import Timeout

from ..servers import RawServer, response

Serve = Callable[..., RawServer]


class NumberedConnections:
    """A handler that answers every request with the number of the connection it came on
    (0, 1, ...), and counts the connections the client closed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0
        self.closed = 0
        self.one_closed = threading.Event()

    def __call__(self, conn: socket.socket, server: RawServer) -> None:
        with self._lock:
            number, self._next = self._next, self._next + 1
        while server.read(conn):
            conn.sendall(response(str(number).encode()))
        with self._lock:
            self.closed += 1
        self.one_closed.set()


def test_idle_connections_are_reused_last_in_first_out(serve: Serve) -> None:
    server = serve(NumberedConnections())
    with requests.Session() as s:
        first = s.get(server.url, stream=True, timeout=5)
        second = s.get(server.url, stream=True, timeout=5)  # a second connection
        assert (first.content, second.content) == (b"0", b"1")  # released: 0, then 1
        assert s.get(server.url, timeout=5).content == b"1"  # the warmest first
    assert server.accepted == 2


def test_surplus_connections_are_closed_on_return(serve: Serve) -> None:
    handler = NumberedConnections()
    server = serve(handler)
    with requests.Session() as s:
        s.mount("http://", HTTPAdapter(pool_maxsize=1))
        held = [s.get(server.url, stream=True, timeout=5) for _ in range(2)]
        assert sorted(r.content or b"" for r in held) == [b"0", b"1"]
        assert handler.one_closed.wait(5)  # one went back, the other was closed
        assert handler.closed == 1
        assert s.get(server.url, timeout=5).content in (b"0", b"1")
    assert server.accepted == 2


def test_pool_block_waits_for_a_connection_and_times_out(serve: Serve) -> None:
    server = serve(NumberedConnections())
    with requests.Session() as s:
        s.mount("http://", HTTPAdapter(pool_maxsize=1, pool_block=True))
        held = s.get(server.url, stream=True, timeout=5)
        with pytest.raises(requests.ConnectTimeout, match="waiting for a free connection"):
            s.get(server.url, timeout=(0.2, 5))
        results: list[bytes | None] = []
        waiter = threading.Thread(
            target=lambda: results.append(s.get(server.url, timeout=5).content)
        )
        waiter.start()
        assert held.content == b"0"  # the connection goes back: the waiter takes it
        waiter.join(5)
        assert results == [b"0"]
    assert server.accepted == 1  # never more than pool_maxsize open


def test_pool_connections_bounds_the_origins_kept(serve: Serve) -> None:
    server_a, server_b = serve(NumberedConnections()), serve(NumberedConnections())
    with requests.Session() as s:
        s.mount("http://", HTTPAdapter(pool_connections=1))
        assert s.get(server_a.url, timeout=5).content == b"0"
        assert s.get(server_b.url, timeout=5).content == b"0"  # A's idle connection retired
        assert s.get(server_a.url, timeout=5).content == b"1"
    assert (server_a.accepted, server_b.accepted) == (2, 1)


@pytest.mark.parametrize(("idle_expiry", "connections"), [(0.0, 2), (None, 1)])
def test_idle_expiry(serve: Serve, idle_expiry: float | None, connections: int) -> None:
    server = serve(NumberedConnections())
    pool = ConnectionPool(idle_expiry=idle_expiry)
    key = PoolKey(Origin("http", "127.0.0.1", server.port), None)
    head = RequestHead(b"GET", b"/", ((b"Host", b"127.0.0.1"),))
    try:
        for _ in range(2):
            _, body = pool.handle_request(key, head, None, Timeout(5, 5))
            body.read_rest()
    finally:
        pool.close()
    assert server.accepted == connections


def test_threads_sharing_a_session(serve: Serve) -> None:
    server = serve(NumberedConnections())
    errors: list[BaseException] = []
    bodies: list[bytes] = []
    start = threading.Barrier(8)

    def worker(session: requests.Session) -> None:
        try:
            start.wait(5)
            for _ in range(25):
                bodies.append(session.get(server.url, timeout=5).content or b"")
        except BaseException as exc:
            errors.append(exc)

    with requests.Session() as s:
        threads = [threading.Thread(target=worker, args=(s,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert errors == []
    assert len(bodies) == 200
    assert 1 <= server.accepted <= 8  # one connection per thread at most, all reused
    assert {int(b) for b in bodies} <= set(range(server.accepted))
