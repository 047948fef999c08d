"""The timeout a call gets when it passes none: DEFAULT_TIMEOUT, Session.timeout and
HTTPCORE_LITE_TIMEOUT.

The default's read timeout is a KernelTimeout: on plain TCP the kernel times each wait
(SO_RCVTIMEO/SO_SNDTIMEO on a blocking socket), on TLS Python does. These tests shrink it
with ``kernel_timed`` and check that every kind of wait is bounded by it: the response head,
a body read straight into its buffer, an upload the server never reads, and TLS.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import httpcore_lite as requests
from httpcore_lite.timeouts import (
    DEFAULT_TIMEOUT,
    KernelTimeout,
    Timeout,
    default_timeout,
    kernel_timed,
)

from ..servers import RawServer, response
from ._helpers import answer_each

Serve = Callable[..., RawServer]


@pytest.fixture
def hold() -> Iterator[threading.Event]:
    """Set when the test ends: servers that stall wait on it."""
    done = threading.Event()
    yield done
    done.set()


@pytest.fixture
def silent(serve: Serve, hold: threading.Event) -> RawServer:
    """Reads the request, then says nothing until the test ends."""

    def handler(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        hold.wait(10)

    return serve(handler)


def test_a_session_starts_with_the_documented_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HTTPCORE_LITE_TIMEOUT", raising=False)
    with requests.Session() as s:
        assert s.timeout is DEFAULT_TIMEOUT
    assert Timeout(connect=10, read=120) == DEFAULT_TIMEOUT
    assert repr(DEFAULT_TIMEOUT) == "Timeout(connect=10.0, read=120.0, total=None)"
    assert type(DEFAULT_TIMEOUT.read) is KernelTimeout
    assert KernelTimeout(120.0) == 120.0


def test_the_default_bounds_a_silent_server(silent: RawServer) -> None:
    with requests.Session() as s:
        s.timeout = kernel_timed(5, 0.2)
        with pytest.raises(requests.exceptions.ReadTimeout) as info:
            s.get(silent.url)
    message = str(info.value)
    assert f"waiting for the response from 127.0.0.1:{silent.port} after 0.2 s" in message
    assert message.endswith("(new connection)")
    assert info.value.phase == "waiting for the response from"
    assert info.value.connection_reused is False


def test_the_default_uses_a_blocking_socket_timed_by_the_kernel(serve: Serve) -> None:
    # White-box: the point of a KernelTimeout is that no poll() precedes each read.
    server = serve(answer_each(response(b"ok")))
    with requests.Session() as s:
        s.timeout = kernel_timed(5, 0.25)
        assert s.get(server.url).content == b"ok"
        adapter = s.get_adapter(server.url)
        [host_pool] = adapter.poolmanager._pools.values()
        [conn] = host_pool.idle
        sock = conn._stream._sock
        assert sock.gettimeout() is None
        timeval = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.calcsize("@ll"))
        seconds, micros = struct.unpack("@ll", timeval)
        assert 0.25 <= seconds + micros / 1e6 < 0.26  # the kernel rounds it to its tick


@pytest.mark.parametrize("read", ["content", "stream"])
def test_the_default_bounds_a_large_body_that_stalls(
    serve: Serve, hold: threading.Event, read: str
) -> None:
    # A body this large is read straight into its buffer (a BufferedReader over the socket):
    # the kernel's EAGAIN there must be a ReadTimeout, never a short body.
    size = 4 * 1024 * 1024

    def stall(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        conn.sendall(response(b"x" * 300_000, headers=[("Content-Length", str(size))]))
        hold.wait(10)

    server = serve(stall)
    with requests.Session() as s:
        s.timeout = kernel_timed(5, 0.2)
        r = s.get(server.url, stream=True)
        with pytest.raises(requests.exceptions.ReadTimeout) as info:
            if read == "content":
                r.content  # noqa: B018
            else:
                for _ in r.iter_content(1024 * 1024):
                    pass
    assert "reading the response body" in str(info.value)
    assert "after 0.2 s" in str(info.value)


def test_the_default_bounds_an_upload_the_server_never_reads(
    serve: Serve, hold: threading.Event
) -> None:
    def deaf(conn: socket.socket, server: RawServer) -> None:
        conn.recv(1024)  # the start of the head, then never another byte
        hold.wait(10)

    server = serve(deaf)
    body = b"u" * (64 * 1024 * 1024)  # far more than the socket buffers on both sides hold
    with requests.Session() as s:
        s.timeout = kernel_timed(5, 0.2)
        with pytest.raises(requests.exceptions.ReadTimeout) as info:
            s.post(server.url, data=body)
    assert "sending the request to" in str(info.value)


def test_the_default_bounds_a_silent_tls_server(
    serve: Serve, hold: threading.Event, tls_files: dict[str, str], ca_bundle: str
) -> None:
    # On TLS a KernelTimeout is a Python timeout: CPython's ssl module retries a blocking
    # read that the kernel ended with EAGAIN, so the kernel's would never fire.
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files["cert"], tls_files["key"])

    def silent_tls(conn: socket.socket, server: RawServer) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            server.read(tls)
            hold.wait(10)

    server = serve(silent_tls)
    with requests.Session() as s:
        s.timeout = kernel_timed(5, 0.2)
        start = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout, match=r"after 0\.2 s"):
            s.get(f"https://127.0.0.1:{server.port}/", verify=ca_bundle)
        assert time.monotonic() - start < 3


def test_one_connection_switches_between_kinds_of_timeout(serve: Serve) -> None:
    # The same pooled connection under the default, an explicit None (which must wait
    # past the default's kernel timeout: it is cleared), then a Python timeout.
    def answer(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            if b"/slow" in request.split(b"\r\n", 1)[0]:
                threading.Event().wait(0.5)  # slower than the kernel timeout below
            conn.sendall(response(b"ok"))

    server = serve(answer)
    with requests.Session() as s:
        s.timeout = kernel_timed(5, 0.2)
        assert s.get(server.url).text == "ok"
        assert s.get(server.url + "/slow", timeout=None).text == "ok"
        assert s.get(server.url).text == "ok"
        assert s.get(server.url, timeout=3).text == "ok"
        assert s.get(server.url).text == "ok"
        with pytest.raises(requests.exceptions.ReadTimeout):
            s.get(server.url + "/slow")
        assert s.get(server.url).text == "ok"
    assert server.accepted == 2  # one for all but the last: the timed-out one was dropped


def test_the_session_timeout_applies_when_none_is_passed(silent: RawServer) -> None:
    with requests.Session() as s:
        s.timeout = 0.2
        with pytest.raises(requests.exceptions.ReadTimeout, match=r"after 0\.2 s"):
            s.get(silent.url)


def test_the_environment_sets_the_default(
    silent: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPCORE_LITE_TIMEOUT", "5,0.2")
    with pytest.raises(requests.exceptions.ReadTimeout, match=r"after 0\.2 s"):
        requests.get(silent.url)  # a module-level call: a new Session, the same rule


def test_a_timeout_passed_beats_the_session_one(silent: RawServer) -> None:
    with requests.Session() as s:
        s.timeout = 30
        with pytest.raises(requests.exceptions.ReadTimeout, match=r"after 0\.25 s"):
            s.get(silent.url, timeout=0.25)


def test_an_explicit_none_waits_for_a_slow_answer(serve: Serve) -> None:
    def slow(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        threading.Event().wait(0.4)  # slower than the Session's timeout
        conn.sendall(response(b"late but fine"))

    server = serve(slow)
    with requests.Session() as s:
        s.timeout = 0.1
        assert s.get(server.url, timeout=None).content == b"late but fine"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, DEFAULT_TIMEOUT),
        ("", DEFAULT_TIMEOUT),
        ("5", Timeout(connect=5, read=5)),
        ("3.05, 27", Timeout(connect=3.05, read=27)),
        ("none", None),
        ("None,30", Timeout(connect=None, read=30)),
    ],
)
def test_environment_values(value: str | None, expected: Timeout | None) -> None:
    environ = {} if value is None else {"HTTPCORE_LITE_TIMEOUT": value}
    assert default_timeout(environ) == expected


def test_without_the_variable_the_default_is_the_same_object() -> None:
    assert default_timeout({}) is DEFAULT_TIMEOUT


@pytest.mark.parametrize("value", ["soon", "1,2,3", "-1", "0"])
def test_bad_environment_values_name_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match="HTTPCORE_LITE_TIMEOUT"):
        default_timeout({"HTTPCORE_LITE_TIMEOUT": value})
