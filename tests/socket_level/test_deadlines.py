"""Timeout(total=...): one deadline over the whole exchange, every wait cut to what is left.

Each server here would finish eventually, or never fail the per-wait read timeout: only the
total deadline can stop the client in time. Times are asserted loosely (a shared machine),
but tightly enough that ignoring the deadline would fail.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import httpcore_lite as requests
from httpcore_lite.adapters import HTTPAdapter
from httpcore_lite.retry import Retry
from httpcore_lite.timeouts import Timeout

from ..servers import RawServer, response
from ._helpers import answer_each, free_port, full_backlog_listener

Serve = Callable[..., RawServer]
DEADLINE = 0.5
# Each wait is bounded by this: far longer than the deadline, never the reason to stop.
GENEROUS = Timeout(connect=5, read=5, total=DEADLINE)


@pytest.fixture
def hold() -> Iterator[threading.Event]:
    """Set when the test ends: it stops drips and stalls."""
    done = threading.Event()
    yield done
    done.set()


def _drip(hold: threading.Event, head: bytes, piece: bytes, count: int) -> Callable[..., None]:
    """Send ``head``, then ``piece`` every 50 ms, ``count`` times (never a read timeout)."""

    def handler(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        conn.sendall(head)
        for _ in range(count):
            if hold.wait(0.05):
                return
            conn.sendall(piece)

    return handler


def _timed(action: Callable[[], object]) -> tuple[BaseException, float]:
    start = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout) as info:
        action()
    return info.value, time.monotonic() - start


def _length_drip(hold: threading.Event, size: int, first: int = 0) -> Callable[..., None]:
    head = response(b"x" * first, headers=[("Content-Length", str(size))])
    return _drip(hold, head, b"x", size - first)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_drip_past_the_deadline_is_a_read_timeout(
    serve: Serve, hold: threading.Event, framing: str
) -> None:
    if framing == "chunked":
        head = response(b"", headers=[("Transfer-Encoding", "chunked")])
        server = serve(_drip(hold, head, b"1\r\nx\r\n", 200))
    else:
        server = serve(_length_drip(hold, 200))
    error, elapsed = _timed(lambda: requests.get(server.url, timeout=GENEROUS))
    assert isinstance(error, requests.exceptions.ReadTimeout)
    assert "reading the response body from" in str(error)
    assert "the total timeout ran out" in str(error)
    assert error.request is not None
    assert DEADLINE - 0.05 < elapsed < DEADLINE + 0.6


def test_a_drip_into_a_large_body_is_cut_at_the_deadline(
    serve: Serve, hold: threading.Event
) -> None:
    # A large Content-Length body is read straight into its buffer; with a deadline each
    # read of it is cut too.
    server = serve(_length_drip(hold, 2 * 1024 * 1024, first=300_000))
    error, elapsed = _timed(lambda: requests.get(server.url, timeout=GENEROUS))
    assert isinstance(error, requests.exceptions.ReadTimeout)
    assert "total timeout" in str(error)
    assert elapsed < DEADLINE + 0.6


def test_a_streamed_body_keeps_the_deadline(serve: Serve, hold: threading.Event) -> None:
    server = serve(_length_drip(hold, 200))
    with requests.Session() as s:
        start = time.monotonic()
        r = s.get(server.url, timeout=GENEROUS, stream=True)
        with pytest.raises(requests.exceptions.ReadTimeout, match="total timeout"):
            for _ in r.iter_content(16):
                pass
        assert time.monotonic() - start < DEADLINE + 0.6


def test_a_drip_that_ends_in_time_succeeds(serve: Serve, hold: threading.Event) -> None:
    server = serve(_length_drip(hold, 5))
    r = requests.get(server.url, timeout=Timeout(connect=5, read=5, total=5))
    assert r.content == b"xxxxx"


def test_a_slow_answer_is_cut_at_the_deadline(serve: Serve, hold: threading.Event) -> None:
    def silent(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        hold.wait(10)

    server = serve(silent)
    error, elapsed = _timed(lambda: requests.get(server.url, timeout=GENEROUS))
    assert isinstance(error, requests.exceptions.ReadTimeout)
    assert f"waiting for the response from 127.0.0.1:{server.port}" in str(error)
    assert "total timeout" in str(error)
    assert elapsed < DEADLINE + 0.6


def test_the_deadline_spans_redirects(serve: Serve) -> None:
    # Each hop takes 0.2 s: no single wait is long, but five of them outlast the deadline.
    def hops(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            hop = int(request.split(b" ")[1].strip(b"/") or b"0")
            threading.Event().wait(0.2)
            conn.sendall(response(b"", "302 Found", [("Location", f"/{hop + 1}")]))

    server = serve(hops)
    error, elapsed = _timed(lambda: requests.get(server.url, timeout=GENEROUS))
    assert isinstance(error, requests.exceptions.ReadTimeout)
    assert "the total timeout ran out" in str(error)
    assert len(server.requests) <= 4
    assert elapsed < DEADLINE + 0.6


def test_backoff_between_retries_stays_inside_the_deadline(serve: Serve) -> None:
    server = serve(answer_each(response(b"busy", "503 Service Unavailable")))
    retry = Retry(total=10, backoff_factor=0.2, status_forcelist=[503])
    with requests.Session() as s:
        s.mount("http://", HTTPAdapter(max_retries=retry))
        start = time.monotonic()
        with pytest.raises(requests.exceptions.RetryError, match="outlast the total") as info:
            s.get(server.url, timeout=Timeout(connect=5, read=5, total=1.0))
        elapsed = time.monotonic() - start
    # Backoffs of 0, 0.4, 0.8 s...: the third would pass the deadline, so it is not taken.
    assert elapsed < 1.0
    assert 2 <= len(server.requests) <= 3
    assert info.value.response is not None
    assert info.value.response.content == b"busy"  # the last answer, read


def test_a_retry_after_past_the_deadline_is_not_waited(serve: Serve) -> None:
    busy = response(b"later", "503 Service Unavailable", [("Retry-After", "30")])
    server = serve(answer_each(busy))
    retry = Retry(total=3, status_forcelist=[503], raise_on_status=False)
    with requests.Session() as s:
        s.mount("http://", HTTPAdapter(max_retries=retry))
        start = time.monotonic()
        r = s.get(server.url, timeout=Timeout(connect=5, read=5, total=2))
        assert time.monotonic() - start < 1.5
    assert r.status_code == 503
    assert r.text == "later"
    assert len(server.requests) == 1


def test_connect_retries_stop_at_the_deadline() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    retry = Retry(total=20, connect=20, backoff_factor=0.1)
    with requests.Session() as s:
        s.mount("http://", HTTPAdapter(max_retries=retry))
        start = time.monotonic()
        with pytest.raises(requests.exceptions.ConnectionError, match="refused"):
            s.get(url, timeout=Timeout(connect=5, read=5, total=DEADLINE))
        assert time.monotonic() - start < DEADLINE + 0.3


def test_a_connect_that_hangs_is_cut_at_the_deadline() -> None:
    with full_backlog_listener() as url:
        error, elapsed = _timed(lambda: requests.get(url, timeout=Timeout(connect=5, total=0.3)))
    assert isinstance(error, requests.exceptions.ConnectTimeout)
    assert "connecting to" in str(error)
    assert "the total timeout ran out" in str(error)
    assert elapsed < 0.9


def test_a_pooled_connection_forgets_the_last_deadline(serve: Serve) -> None:
    def answer(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            if b"/slow" in request.split(b"\r\n", 1)[0]:
                threading.Event().wait(0.3)
            conn.sendall(response(b"ok"))

    server = serve(answer)
    with requests.Session() as s:
        assert s.get(server.url, timeout=Timeout(read=5, total=0.2)).text == "ok"
        # 0.3 s later the first deadline has passed; the same connection, no deadline now.
        assert s.get(server.url + "/slow", timeout=5).text == "ok"
    assert server.accepted == 1


def test_a_number_or_a_pair_has_no_total(serve: Serve, hold: threading.Event) -> None:
    # requests' meaning: a number bounds each wait, never the whole exchange.
    server = serve(_length_drip(hold, 14))
    assert requests.get(server.url, timeout=0.5).content == b"x" * 14  # 0.7 s in all
    assert requests.get(server.url, timeout=(0.5, 0.5)).content == b"x" * 14
