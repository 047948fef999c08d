"""Retries end to end: HTTPAdapter(max_retries=...), Session(retries=...), against loopback
servers that fail on cue and count what reaches them."""

from __future__ import annotations

import io
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import httpcore_lite
import httpcore_lite as requests
from httpcore_lite import adapters as adapters_module
from httpcore_lite import retry as retry_module
from httpcore_lite.adapters import HTTPAdapter
from httpcore_lite.retry import Retry

from ..servers import RawServer, read_request, response
from ..socket_level._helpers import free_port, full_backlog_listener

Serve = Callable[..., RawServer]
LOGGER = "httpcore_lite.adapters"

# What a scripted server does with the n-th request it reads.
CLOSE = "close"  # close the connection without a byte of response
RESET = "reset"  # RST instead of a response
SILENT = "silent"  # never answer (until the test ends)
Action = bytes | str


class Reader:
    """Reads requests from one connection, bodies framed by Content-Length or chunked."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn = conn
        self._buffer = b""

    def _fill(self) -> bool:
        data = self._conn.recv(65536)
        self._buffer += data
        return bool(data)

    def _until(self, separator: bytes) -> bytes | None:
        while separator not in self._buffer:
            if not self._fill():
                return None
        part, _, self._buffer = self._buffer.partition(separator)
        return part

    def _exactly(self, count: int) -> bytes | None:
        while len(self._buffer) < count:
            if not self._fill():
                return None
        part, self._buffer = self._buffer[:count], self._buffer[count:]
        return part

    def request(self) -> tuple[bytes, bytes] | None:
        """(head, decoded body) of the next request, or None at EOF."""
        head = self._until(b"\r\n\r\n")
        if head is None:
            return None
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])
        }
        if headers.get(b"transfer-encoding") == b"chunked":
            body = b""
            while True:
                size_line = self._until(b"\r\n")
                if size_line is None:
                    return None
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    self._until(b"\r\n")  # no trailers: the blank line that ends the body
                    return head, body
                piece = self._exactly(size)
                if piece is None or self._until(b"\r\n") is None:
                    return None
                body += piece
        body = self._exactly(int(headers.get(b"content-length", b"0"))) or b""
        return head, body


class Scripted:
    """Does ``actions[n]`` with the n-th request it reads, counted across connections (the
    last action repeats): sends the bytes, or CLOSE / RESET / SILENT."""

    def __init__(self, *actions: Action) -> None:
        self._actions = actions
        self._lock = threading.Lock()
        self.requests: list[tuple[bytes, bytes]] = []
        self.release = threading.Event()

    @property
    def attempts(self) -> int:
        with self._lock:
            return len(self.requests)

    def __call__(self, conn: socket.socket, server: RawServer) -> None:
        reader = Reader(conn)
        while (request := reader.request()) is not None:
            with self._lock:
                action = self._actions[min(len(self.requests), len(self._actions) - 1)]
                self.requests.append(request)
            if action == CLOSE:
                return
            if action == RESET:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                return
            if action == SILENT:
                self.release.wait(10)
                return
            assert isinstance(action, bytes)
            conn.sendall(action)


def status(code: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None) -> bytes:
    reasons = {200: "OK", 413: "Content Too Large", 429: "Too Many Requests", 500: "Oops"}
    reasons |= {503: "Service Unavailable"}
    return response(body, f"{code} {reasons[code]}", headers)


OK = status(200, b"ok")


Start = Callable[..., tuple[Scripted, RawServer]]


@pytest.fixture
def scripted(serve: Serve) -> Iterator[Start]:
    """``handler, server = scripted(action, ...)``: a server that follows the script."""
    handlers: list[Scripted] = []

    def start(*actions: Action) -> tuple[Scripted, RawServer]:
        handler = Scripted(*actions)
        handlers.append(handler)
        return handler, serve(handler)

    yield start
    for handler in handlers:
        handler.release.set()  # before the servers stop: SILENT handlers return


@pytest.fixture
def retry_log(caplog: pytest.LogCaptureFixture) -> Callable[[], list[logging.LogRecord]]:
    """The retry records logged so far on ``httpcore_lite.adapters`` (DEBUG enabled)."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)

    def records() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == LOGGER and "Retrying" in r.getMessage()]

    return records


Records = Callable[[], list[logging.LogRecord]]


class RecordingClock:
    """The adapter's clock (``HTTPAdapter(sleep=...)``): records sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def clock() -> RecordingClock:
    return RecordingClock()


def session_with(max_retries: Any, clock: RecordingClock | None = None) -> requests.Session:
    s = requests.Session()
    sleep = time.sleep if clock is None else clock.sleep
    s.mount("http://", HTTPAdapter(max_retries=max_retries, sleep=sleep))
    return s


# -- the class ------------------------------------------------------------------------------


def test_retry_is_one_class_under_every_name() -> None:
    assert httpcore_lite.Retry is retry_module.Retry
    assert httpcore_lite.Retry is adapters_module.Retry
    assert "Retry" in httpcore_lite.__all__


# -- statuses -------------------------------------------------------------------------------


def test_status_in_forcelist_is_retried_until_it_succeeds(scripted: Start) -> None:
    handler, server = scripted(status(503, b"busy"), status(503, b"busy"), OK)
    with session_with(Retry(total=3, status_forcelist=[503], backoff_factor=0)) as s:
        r = s.get(f"{server.url}/flaky", timeout=5)
        assert (r.status_code, r.content) == (200, b"ok")
    assert handler.attempts == 3
    assert all(head.startswith(b"GET /flaky ") for head, _ in handler.requests)


def test_status_not_in_forcelist_is_not_retried(scripted: Start) -> None:
    handler, server = scripted(status(500, b"broken"), OK)
    with session_with(Retry(total=3, status_forcelist=[503])) as s:
        r = s.get(server.url, timeout=5)
        assert (r.status_code, r.content) == (500, b"broken")
    assert handler.attempts == 1


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [("0", 0.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("2", 2.0)],
    ids=["zero", "date-in-the-past", "two-seconds"],
)
def test_retry_after_is_honoured(
    scripted: Start, clock: RecordingClock, retry_log: Records, retry_after: str, wait: float
) -> None:
    # A 429 is not in the forcelist: only its Retry-After makes it retryable.
    handler, server = scripted(status(429, b"slow down", [("Retry-After", retry_after)]), OK)
    with session_with(Retry(total=2, backoff_factor=0), clock) as s:
        r = s.get(server.url, timeout=5)
        assert (r.status_code, r.content) == (200, b"ok")
    assert handler.attempts == 2
    assert clock.sleeps == ([wait] if wait else [])
    [record] = retry_log()
    assert f"waiting {wait:.3f} s" in record.getMessage()


def test_retry_after_ignored_when_not_respected(scripted: Start, clock: RecordingClock) -> None:
    handler, server = scripted(status(429, b"slow down", [("Retry-After", "0")]), OK)
    with session_with(Retry(total=2, respect_retry_after_header=False), clock) as s:
        r = s.get(server.url, timeout=5)
        assert (r.status_code, r.content) == (429, b"slow down")
    assert handler.attempts == 1
    assert clock.sleeps == []


def test_statuses_exhausted_raise_retry_error_with_the_response(scripted: Start) -> None:
    handler, server = scripted(status(503, b"busy"))
    url = f"{server.url}/down"
    with session_with(Retry(total=2, status_forcelist=[503], raise_on_status=True)) as s:
        with pytest.raises(requests.exceptions.RetryError) as info:
            s.get(url, timeout=5)
    exc = info.value
    assert exc.response is not None
    assert exc.response.status_code == 503
    assert exc.request is not None
    assert exc.request.url == url
    assert "503" in str(exc)
    assert handler.attempts == 3


def test_statuses_exhausted_return_the_last_response(scripted: Start) -> None:
    handler, server = scripted(status(503, b"busy 1"), status(503, b"busy 2"), status(503, b"last"))
    with session_with(Retry(total=2, status_forcelist=[503], raise_on_status=False)) as s:
        r = s.get(server.url, timeout=5)
        assert (r.status_code, r.content) == (503, b"last")
    assert handler.attempts == 3


# -- connection errors with an int: retried only before the request was sent ----------------


class ListenOnRetry(logging.Handler):
    """Makes a bound socket listen when the ``on``-th retry is logged: until then every
    connection to it is refused; after it, the next attempt connects."""

    def __init__(self, sock: socket.socket, on: int) -> None:
        super().__init__(logging.DEBUG)
        self._sock = sock
        self._on = on
        self.seen = 0
        self.listening = threading.Event()
        self.wake = threading.Event()  # listening, or the test is over

    def emit(self, record: logging.LogRecord) -> None:
        if "Retrying" not in record.getMessage():
            return
        self.seen += 1
        if self.seen == self._on:
            self._sock.listen(1)
            self.listening.set()
            self.wake.set()


@pytest.fixture
def refusing_then_listening() -> Iterator[Callable[[int], tuple[int, ListenOnRetry]]]:
    """A port that refuses connections until the n-th retry is logged, then answers one
    request with 200 "ok"."""
    sockets: list[socket.socket] = []
    handlers: list[ListenOnRetry] = []
    threads: list[threading.Thread] = []
    logger = logging.getLogger(LOGGER)
    level = logger.level
    logger.setLevel(logging.DEBUG)

    def serve_once(sock: socket.socket, handler: ListenOnRetry) -> None:
        handler.wake.wait(30)
        if not handler.listening.is_set():
            return
        sock.settimeout(5)
        conn, _ = sock.accept()
        with conn:
            conn.settimeout(5)
            if read_request(conn):
                conn.sendall(OK)
            conn.recv(1)  # until the client closes

    def start(on: int) -> tuple[int, ListenOnRetry]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sockets.append(sock)
        sock.bind(("127.0.0.1", 0))  # bound, not listening: connecting is refused
        handler = ListenOnRetry(sock, on)
        handlers.append(handler)
        logger.addHandler(handler)
        thread = threading.Thread(target=serve_once, args=(sock, handler), daemon=True)
        threads.append(thread)
        thread.start()
        port: int = sock.getsockname()[1]
        return port, handler

    try:
        yield start
    finally:
        for handler in handlers:
            handler.wake.set()
            logger.removeHandler(handler)
        logger.setLevel(level)
        for sock in sockets:
            sock.close()
        for thread in threads:
            thread.join(5)


def test_int_retries_a_refused_connection(
    refusing_then_listening: Callable[[int], tuple[int, ListenOnRetry]],
) -> None:
    port, listener = refusing_then_listening(2)  # refused twice, then accepted
    with session_with(2) as s:
        r = s.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert (r.status_code, r.content) == (200, b"ok")
    assert listener.seen == 2  # three attempts: two refused, logged, then the one that worked


def test_int_retries_spent_raise_the_last_refusal(
    refusing_then_listening: Callable[[int], tuple[int, ListenOnRetry]],
) -> None:
    port, listener = refusing_then_listening(2)  # would listen only after a second retry
    url = f"http://127.0.0.1:{port}/"
    with session_with(1) as s, pytest.raises(requests.exceptions.ConnectionError) as info:
        s.get(url, timeout=5)
    exc = info.value
    assert type(exc) is requests.exceptions.ConnectionError  # the attempt's own, no wrapper
    assert f"Connection refused connecting to 127.0.0.1:{port}" in str(exc)
    assert exc.request is not None
    assert exc.request.url == url
    assert listener.seen == 1
    assert not listener.listening.is_set()


def test_int_retries_a_connect_timeout(retry_log: Records) -> None:
    with full_backlog_listener() as url, session_with(1) as s:
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ConnectTimeout):
            s.get(url, timeout=(0.3, 5))
        elapsed = time.monotonic() - started
    assert len(retry_log()) == 1
    assert 0.55 < elapsed < 2  # two attempts, each bounded by the connect timeout


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (CLOSE, requests.exceptions.ConnectionError),
        (RESET, requests.exceptions.ConnectionError),
        (SILENT, requests.exceptions.ReadTimeout),
    ],
)
def test_int_never_retries_once_the_request_was_sent(
    scripted: Start,
    retry_log: Records,
    action: str,
    error: type[requests.exceptions.RequestException],
) -> None:
    handler, server = scripted(action, OK)
    with session_with(3) as s:
        with pytest.raises(error) as info:
            s.get(server.url, timeout=(1, 0.3))
        assert not isinstance(info.value, requests.exceptions.ConnectTimeout)
    assert handler.attempts == 1
    assert server.accepted == 1
    assert retry_log() == []


@pytest.mark.parametrize(
    ("how", "code"),
    [("adapter", 503), ("session", 429), ("adapter", 413)],
    ids=["adapter-503", "session-429", "adapter-413"],
)
def test_int_leaves_responses_alone(scripted: Start, how: str, code: int) -> None:
    # An int means "retry failures to connect" only: a response, even one with Retry-After,
    # goes to the caller as it came (requests' max_retries=0 does the same).
    handler, server = scripted(status(code, b"later", [("Retry-After", "0")]), OK)
    with session_with(2) if how == "adapter" else requests.Session(retries=2) as s:
        r = s.get(server.url, timeout=5)
        assert (r.status_code, r.content) == (code, b"later")
    assert handler.attempts == 1


# -- read errors with a Retry: idempotent methods only ---------------------------------------


def test_read_errors_are_retried_for_get(scripted: Start, retry_log: Records) -> None:
    handler, server = scripted(CLOSE, CLOSE, OK)
    with session_with(Retry(read=2)) as s:
        r = s.get(f"{server.url}/get", timeout=5)
        assert (r.status_code, r.content) == (200, b"ok")
    assert handler.attempts == 3
    assert server.accepted == 3
    assert len(retry_log()) == 2


def test_read_errors_are_not_retried_for_post(scripted: Start, retry_log: Records) -> None:
    handler, server = scripted(CLOSE, CLOSE, OK)
    with session_with(Retry(read=2)) as s, pytest.raises(requests.exceptions.ConnectionError):
        s.post(f"{server.url}/post", data=b"charge the card", timeout=5)
    assert handler.attempts == 1
    assert handler.requests[0][1] == b"charge the card"
    assert retry_log() == []


def test_read_retries_spent_raise_the_last_error(scripted: Start) -> None:
    handler, server = scripted(CLOSE, CLOSE, OK)
    with (
        session_with(Retry(read=1)) as s,
        pytest.raises(requests.exceptions.ConnectionError) as info,
    ):
        s.get(server.url, timeout=5)
    assert type(info.value) is requests.exceptions.ConnectionError  # no "max retries" wrapper
    assert "closed the connection without sending a response" in str(info.value)
    assert handler.attempts == 2


# -- bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["file", "bytesio"])
@pytest.mark.parametrize("failure", [status(503, b"busy"), CLOSE], ids=["status", "error"])
def test_file_body_is_rewound_for_each_attempt(
    scripted: Start, tmp_path: Path, kind: str, failure: Action
) -> None:
    content = bytes(range(256)) * 400  # 100 KiB: sent in pieces, not in one write
    handler, server = scripted(failure, failure, OK)
    path = tmp_path / "body.bin"
    path.write_bytes(content)
    with session_with(Retry(total=3, read=3, status_forcelist=[503])) as s:
        with path.open("rb") if kind == "file" else io.BytesIO(content) as body:
            body.seek(10)  # sent from where it stood when the request was made
            r = s.put(server.url, data=body, timeout=5)
        assert (r.status_code, r.content) == (200, b"ok")
    assert handler.attempts == 3
    for head, received in handler.requests:
        assert b"content-length: %d" % (len(content) - 10) in head.lower()
        assert received == content[10:]


@pytest.mark.parametrize("failure", [status(503, b"busy"), CLOSE], ids=["status", "error"])
def test_generator_body_is_not_retried(
    scripted: Start, retry_log: Records, failure: Action
) -> None:
    handler, server = scripted(failure, OK)

    def pieces() -> Iterator[bytes]:
        yield b"first,"
        yield b"second"

    policy = Retry(total=3, read=3, status_forcelist=[503], allowed_methods=None)
    with session_with(policy) as s:
        with pytest.raises(requests.exceptions.UnrewindableBodyError) as info:
            s.post(server.url, data=pieces(), timeout=5)
    if failure == CLOSE:
        # The error that would have been retried is kept as the context.
        assert isinstance(info.value.__context__, requests.exceptions.ConnectionError)
    assert handler.attempts == 1
    assert handler.requests[0][1] == b"first,second"
    assert retry_log() == []


# -- the log --------------------------------------------------------------------------------


def test_each_retry_is_logged_at_debug_with_reason_and_wait(
    scripted: Start, retry_log: Records, clock: RecordingClock
) -> None:
    handler, server = scripted(CLOSE, status(503, b"busy"), OK)
    url = f"{server.url}/logged"
    with session_with(Retry(total=3, status_forcelist=[503], backoff_factor=0.5), clock) as s:
        assert s.get(url, timeout=5).status_code == 200
    assert handler.attempts == 3
    first, second = retry_log()
    assert {first.levelno, second.levelno} == {logging.DEBUG}
    assert f"Retrying GET {url} after ConnectionError: " in first.getMessage()
    assert "closed the connection" in first.getMessage()
    assert f"127.0.0.1:{server.port}" in first.getMessage()
    assert "waiting 0.000 s" in first.getMessage()  # no backoff after the first error
    assert f"Retrying GET {url} after status 503" in second.getMessage()
    assert "waiting 1.000 s" in second.getMessage()  # 0.5 * 2 ** (2 - 1)
    assert clock.sleeps == [1.0]


# -- Session(retries=...) -------------------------------------------------------------------


def _attempts_on_refused(session: requests.Session, url: str, retry_log: Records) -> int:
    before = len(retry_log())
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(url, timeout=5)
    return len(retry_log()) - before + 1


def test_session_retries_apply_to_both_default_adapters(retry_log: Records) -> None:
    port = free_port()
    with requests.Session(retries=3) as s:
        for prefix in ("http://", "https://"):
            adapter = s.adapters[prefix]
            assert isinstance(adapter, HTTPAdapter)
            assert adapter.max_retries == s.retries
        assert _attempts_on_refused(s, f"http://127.0.0.1:{port}/", retry_log) == 4
        assert _attempts_on_refused(s, f"https://127.0.0.1:{port}/", retry_log) == 4


def test_adapter_with_its_own_retries_keeps_them(retry_log: Records) -> None:
    port, other = free_port(), free_port()
    own = f"http://127.0.0.1:{port}"
    with requests.Session(retries=3) as s:
        s.mount(own, HTTPAdapter(max_retries=1))
        assert _attempts_on_refused(s, f"{own}/", retry_log) == 2
        s.retries = 5
        assert _attempts_on_refused(s, f"{own}/", retry_log) == 2
        # The default adapters follow the Session; so does one mounted without retries.
        assert _attempts_on_refused(s, f"http://127.0.0.1:{other}/", retry_log) == 6
        s.mount(f"http://127.0.0.1:{other}", HTTPAdapter())
        assert _attempts_on_refused(s, f"http://127.0.0.1:{other}/", retry_log) == 6
