"""One Session shared by many threads against a server that injects faults: every caller gets
its own answer or a documented error, nothing hangs or leaks; and the pool's limits hold
under contention (pool_block), or are enforced by closing the surplus (no pool_block)."""

from __future__ import annotations

import gc
import os
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

import httpcore_lite as requests
from httpcore_lite.adapters import HTTPAdapter

from ..servers import RawServer, read_request, response
from ._helpers import reset

Serve = Callable[..., RawServer]

# The errors a caller may see when the server misbehaves; anything else is a bug.
DOCUMENTED_ERRORS = (
    requests.exceptions.ConnectionError,  # includes RemoteProtocolError and ConnectTimeout
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ReadTimeout,
    requests.exceptions.ConnectTimeout,
)
TIMEOUT = (5.0, 5.0)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _request_id(request: bytes) -> bytes:
    # "GET /echo/<id> HTTP/1.1"
    target = request.split(b" ", 2)[1]
    return target.rsplit(b"/", 1)[1]


class FaultyEcho:
    """Answers ``GET /echo/<id>`` with a body that starts with ``<id>|``, except when a
    random fault is drawn. Each connection draws from its own ``random.Random`` seeded by
    the connection's number, so a connection's sequence of faults is reproducible.

    Counts the faults injected and the connections open at once.
    """

    FAULTS = (
        (0.03, "close"),  # read the request, close without a byte of response
        (0.06, "reset"),  # half the body, then RST
        (0.09, "error500"),  # a 500 that still echoes the id
        (0.12, "delay"),  # a few milliseconds before answering
        (0.15, "last"),  # "Connection: close" and close
        (0.20, "chunked"),  # a chunked answer
    )

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._connections = 0
        self.open = 0
        self.max_open = 0
        self.injected: Counter[str] = Counter()

    def __call__(self, conn: socket.socket, server: RawServer) -> None:
        with self._lock:
            number = self._connections
            self._connections += 1
            self.open += 1
            self.max_open = max(self.max_open, self.open)
        rng = random.Random(self._seed * 1_000_003 + number)
        try:
            while request := read_request(conn):
                if not self._answer(conn, request, rng):
                    return
        finally:
            with self._lock:
                self.open -= 1

    def _draw(self, rng: random.Random) -> str:
        roll = rng.random()
        for threshold, fault in self.FAULTS:
            if roll < threshold:
                return fault
        return "ok"

    def _answer(self, conn: socket.socket, request: bytes, rng: random.Random) -> bool:
        """Answer one request; False when the connection is to end."""
        ident = _request_id(request)
        body = ident + b"|" + b"." * rng.randrange(0, 3000)
        fault = self._draw(rng)
        with self._lock:
            self.injected[fault] += 1
        if fault == "close":
            return False
        if fault == "reset":
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body) + 100}\r\n\r\n".encode()
            conn.sendall(head + body[: len(body) // 2])
            reset(conn)
            return False
        if fault == "error500":
            conn.sendall(response(body, "500 Internal Server Error"))
        elif fault == "delay":
            time.sleep(rng.uniform(0.001, 0.01))  # a deliberate, short server-side delay
            conn.sendall(response(body))
        elif fault == "last":
            conn.sendall(response(body, headers=[("Connection", "close")]))
            return False
        elif fault == "chunked":
            chunks = b"".join(
                b"%x\r\n%s\r\n" % (len(piece), piece) for piece in (body[:7], body[7:]) if piece
            )
            conn.sendall(
                response(chunks + b"0\r\n\r\n", headers=[("Transfer-Encoding", "chunked")])
            )
        else:
            conn.sendall(response(body))
        return True


Outcome = tuple[bytes, int | None, bytes | BaseException]


def test_shared_session_under_injected_faults() -> None:
    threads_count, per_thread = 32, 200
    gc.collect()
    fds_before = _open_fds()
    threads_before = threading.active_count()

    handler = FaultyEcho(seed=20240611)
    server = RawServer(handler, backlog=128)
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_maxsize=threads_count))
    outcomes: list[list[Outcome]] = [[] for _ in range(threads_count)]
    start = threading.Barrier(threads_count)
    finished = threading.Condition()
    finished_count = [0]
    give_up = threading.Event()  # set when the test stops waiting: workers end promptly

    def worker(index: int) -> None:
        mine = outcomes[index]
        try:
            start.wait(10)
            for n in range(per_thread):
                if give_up.is_set():
                    return
                ident = f"t{index}-r{n}".encode()
                try:
                    r = session.get(f"{server.url}/echo/{ident.decode()}", timeout=TIMEOUT)
                except BaseException as exc:  # recorded and judged below
                    mine.append((ident, None, exc))
                else:
                    mine.append((ident, r.status_code, r.content or b"<none>"))
        finally:
            with finished:
                finished_count[0] += 1
                finished.notify_all()

    began = time.monotonic()
    workers = [
        threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads_count)
    ]
    try:
        for thread in workers:
            thread.start()
        with finished:
            all_done = finished.wait_for(lambda: finished_count[0] == threads_count, 40)
        elapsed = time.monotonic() - began
        assert all_done, f"only {finished_count[0]} of {threads_count} workers finished in 40 s"
        for thread in workers:
            thread.join(5)
    finally:
        give_up.set()
        session.close()
        server.stop()
    print(f"{threads_count} x {per_thread} requests: {elapsed:.2f} s; {handler.injected}")

    seen: Counter[str] = Counter()
    for mine in outcomes:
        assert len(mine) == per_thread
        for ident, status, result in mine:
            if isinstance(result, BaseException):
                assert isinstance(result, DOCUMENTED_ERRORS), (ident, repr(result))
                assert f"127.0.0.1:{server.port}" in str(result), repr(result)
                seen[type(result).__name__] += 1
                continue
            # A response handed to the wrong caller would carry another caller's id.
            assert result.split(b"|", 1)[0] == ident, (ident, result[:40])
            assert status in (200, 500)
            seen[str(status)] += 1
    print(f"outcomes: {seen}")
    # The faults really happened, and reached the callers.
    assert all(handler.injected[fault] > 0 for _, fault in FaultyEcho.FAULTS)
    assert seen["500"] > 0
    assert sum(n for name, n in seen.items() if not name.isdigit()) > 0
    assert seen["200"] > threads_count * per_thread // 2

    gc.collect()
    assert _open_fds() == fds_before
    assert threading.active_count() == threads_before


class CountingKeepAlive:
    """Answers every request, keeping the connection open; each ``close_every``-th answer on
    a connection says "Connection: close" (counted as closed before it is sent, so the
    server never counts more connections open than the client has).

    ``open``/``max_open``: connections open at once; ``closed``: connections that ended.
    """

    def __init__(self, close_every: int | None = None) -> None:
        self._close_every = close_every
        self._lock = threading.Condition()
        self.open = 0
        self.max_open = 0
        self.closed = 0

    def __call__(self, conn: socket.socket, server: RawServer) -> None:
        with self._lock:
            self.open += 1
            self.max_open = max(self.max_open, self.open)
        counted = True
        try:
            answered = 0
            while server.read(conn):
                answered += 1
                if self._close_every is not None and answered % self._close_every == 0:
                    self._ended()
                    counted = False
                    conn.sendall(response(b"last", headers=[("Connection", "close")]))
                    return
                conn.sendall(response(b"ok"))
        finally:
            if counted:
                self._ended()

    def _ended(self) -> None:
        with self._lock:
            self.open -= 1
            self.closed += 1
            self._lock.notify_all()

    def wait_closed(self, count: int, timeout: float = 5) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self.closed >= count, timeout)


def _run_threads(count: int, target: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            target(index)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


def test_pool_block_never_opens_more_than_pool_maxsize(serve: Serve) -> None:
    handler = CountingKeepAlive(close_every=20)
    server = serve(handler)
    start = threading.Barrier(16)
    bodies: list[bytes] = []

    with requests.Session() as s:
        s.mount("http://", HTTPAdapter(pool_maxsize=4, pool_block=True))

        def work(index: int) -> None:
            start.wait(10)
            for _ in range(40):
                bodies.append(s.get(f"{server.url}/{index}", timeout=(10, 10)).content or b"")

        errors = _run_threads(16, work)
    assert errors == []
    assert len(bodies) == 16 * 40
    assert set(bodies) <= {b"ok", b"last"}
    assert handler.max_open == 4  # all four used, never a fifth
    assert server.accepted > 4  # connections the server closed were replaced


def test_pool_block_wait_is_bounded_by_the_connect_timeout(serve: Serve) -> None:
    handler = CountingKeepAlive()
    server = serve(handler)
    with requests.Session() as s:
        s.mount("http://", HTTPAdapter(pool_maxsize=4, pool_block=True))
        held = [s.get(f"{server.url}/held", stream=True, timeout=5) for _ in range(4)]
        url = f"{server.url}/waits"
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ConnectTimeout) as info:
            s.get(url, timeout=(0.3, 5))
        elapsed = time.monotonic() - started
        message = str(info.value)
        assert "waiting for a free connection" in message
        assert f"http://127.0.0.1:{server.port}" in message
        assert "pool_maxsize=4, pool_block=True" in message
        assert "0.3 s" in message
        assert 0.25 < elapsed < 2  # the connect timeout bounded the wait, not the read one
        assert info.value.request is not None
        assert info.value.request.url == url
        # One connection given back: a waiting request takes it, no fifth is opened.
        for r in held:
            assert r.content == b"ok"
        assert s.get(url, timeout=(0.3, 5)).content == b"ok"
    assert server.accepted == 4
    assert handler.max_open == 4


def test_without_pool_block_the_surplus_is_opened_then_closed(serve: Serve) -> None:
    handler = CountingKeepAlive()
    server = serve(handler)
    with requests.Session() as s:
        s.mount("http://", HTTPAdapter(pool_maxsize=4, pool_block=False))
        holding = threading.Barrier(8)

        def hold_then_read(index: int) -> None:
            with s.get(f"{server.url}/{index}", stream=True, timeout=5) as r:
                holding.wait(10)  # all eight responses in flight at once: eight connections
                assert r.content == b"ok"

        assert _run_threads(8, hold_then_read) == []
        assert server.accepted == 8
        assert handler.max_open == 8
        # Four went back to the pool; the other four were closed, quietly.
        assert handler.wait_closed(4)
        assert (handler.closed, handler.open) == (4, 4)

        # The four kept are reused: four concurrent requests open nothing new.
        again = threading.Barrier(4)

        def hold_kept(index: int) -> None:
            with s.get(f"{server.url}/again{index}", stream=True, timeout=5) as r:
                again.wait(10)
                assert r.content == b"ok"

        assert _run_threads(4, hold_kept) == []
        assert server.accepted == 8
    assert handler.wait_closed(8)  # closing the Session closed the idle four


@pytest.fixture(autouse=True)
def _no_stray_threads() -> Iterator[None]:
    before = threading.active_count()
    yield
    # Every server and worker thread of a test is joined before it ends.
    assert threading.active_count() <= before
