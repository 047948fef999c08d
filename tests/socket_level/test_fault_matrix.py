"""Issue 6's fault matrix: what the other socket-level files leave unchecked.

Most faults are pinned down already (test_fault_injection, test_stale, test_framing,
test_errors, test_timeouts, real_server/test_tls). This file adds what they do not assert:

- one matrix over every phase (connect, TLS, send, waiting, body): the exception's class,
  a message naming the phase and ``host:port``, ``.request`` (and ``.response`` once a
  response exists), no "Max retries exceeded" wrapper, no hang, and the client's socket
  closed, not left open in the pool nor waiting for the garbage collector;
- (replay at reuse, resets while idle and broken responses: test_reuse_faults.py);
- the real resolver with a reserved name (RFC 6761 ``.invalid``);
- ``verify=False`` against a server whose certificate fails verification, counted at the
  server: no verified request ever reaches it through the pool.

"""

from __future__ import annotations

import contextlib
import datetime
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest
import trustme

import httpcore_lite as requests
from httpcore_lite.exceptions import InsecureRequestWarning, Phase
from httpcore_lite.timeouts import Timeout

from ..servers import RawServer, keep_alive_handler, read_head, response
from ._helpers import (
    ON_LINUX,
    answer_once,
    assert_no_wrapper,
    client_sockets_to,
    context_for,
    free_port,
    full_backlog_listener,
    request_lines,
    reset,
    tls_handler,
)

pytestmark = pytest.mark.timeout(30)

Serve = Callable[..., RawServer]
ErrorClass = type[requests.RequestException] | tuple[type[requests.RequestException], ...]


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def release(serve: Serve) -> Iterator[threading.Event]:
    """Set at teardown, before the servers stop (this fixture depends on ``serve``, so it is
    torn down first): handlers that wait on it then return."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def healthy(serve: Serve) -> RawServer:
    """A server that always answers: the Session must still reach it after a fault."""
    return serve(keep_alive_handler(b"healthy"))


# -- TLS servers ---------------------------------------------------------------------------------


def _expired(tls_ca: trustme.CA) -> ssl.SSLContext:
    now = datetime.datetime.now(datetime.timezone.utc)
    return context_for(
        tls_ca.issue_cert(
            "127.0.0.1",
            not_before=now - datetime.timedelta(days=10),
            not_after=now - datetime.timedelta(days=1),
        )
    )


# -- the matrix: every phase, every promise ------------------------------------------------------


class Fault(NamedTuple):
    url: str
    kwargs: dict[str, Any]
    error: ErrorClass  # a class: exactly that one; a tuple: any of them
    phase: str  # network.py's words for what was being done
    port: int
    in_body: bool = False  # raised while reading the body: the Response exists


class Kit(NamedTuple):
    serve: Serve
    release: threading.Event
    stack: contextlib.ExitStack
    tls_ca: trustme.CA
    ca_bundle: str


BODY_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
BIG_UPLOAD = b"u" * (32 << 20)  # past what loopback's socket buffers hold


def _refused(kit: Kit) -> Fault:
    port = free_port()
    url = f"http://127.0.0.1:{port}/x"
    return Fault(url, {}, requests.exceptions.ConnectionError, Phase.CONNECTING, port)


def _full_backlog(kit: Kit) -> Fault:
    url = kit.stack.enter_context(full_backlog_listener()) + "x"
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    return Fault(
        url, {"timeout": (0.3, 5)}, requests.exceptions.ConnectTimeout, Phase.CONNECTING, port
    )


def _tls_expired(kit: Kit) -> Fault:
    server = kit.serve(tls_handler(_expired(kit.tls_ca), b"never"))
    url = f"https://127.0.0.1:{server.port}/x"
    kwargs = {"verify": kit.ca_bundle}
    return Fault(url, kwargs, requests.exceptions.SSLError, Phase.TLS_HANDSHAKE, server.port)


def _tls_stall(kit: Kit) -> Fault:
    def swallow(conn: socket.socket, server: RawServer) -> None:
        while conn.recv(65536):  # the ClientHello, never answered
            pass

    server = kit.serve(swallow)
    url = f"https://127.0.0.1:{server.port}/x"
    kwargs = {"verify": kit.ca_bundle, "timeout": (0.3, 5)}
    return Fault(url, kwargs, requests.exceptions.ConnectTimeout, Phase.TLS_HANDSHAKE, server.port)


def _reset_while_sending(kit: Kit) -> Fault:
    def reset_after_head(conn: socket.socket, server: RawServer) -> None:
        if b"\r\n\r\n" not in read_head(conn):
            return
        reset(conn)  # the body is still coming: the client's write fails

    server = kit.serve(reset_after_head)
    url = f"{server.url}/upload"
    kwargs = {"method": "POST", "data": BIG_UPLOAD}
    return Fault(url, kwargs, requests.exceptions.ConnectionError, Phase.SENDING, server.port)


def _stalled_while_sending(kit: Kit) -> Fault:
    def never_read(conn: socket.socket, server: RawServer) -> None:
        kit.release.wait(10)

    server = kit.serve(never_read)
    url = f"{server.url}/upload"
    kwargs = {"method": "POST", "data": BIG_UPLOAD, "timeout": (1, 0.3)}
    # requests raises ConnectionError("Connection aborted.", TimeoutError) here; a timeout
    # that says so is the documented choice (docs/architecture.md, "Where errors are mapped").
    return Fault(url, kwargs, requests.exceptions.ReadTimeout, Phase.SENDING, server.port)


def _no_answer(kit: Kit) -> Fault:
    def hold(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            kit.release.wait(10)

    server = kit.serve(hold)
    kwargs = {"timeout": (1, 0.3)}
    return Fault(
        f"{server.url}/x", kwargs, requests.exceptions.ReadTimeout, Phase.WAITING, server.port
    )


def _closed_without_answer(kit: Kit) -> Fault:
    server = kit.serve(answer_once(b""))
    error = requests.exceptions.ConnectionError
    return Fault(f"{server.url}/x", {}, error, Phase.WAITING, server.port)


def _reset_before_answer(kit: Kit) -> Fault:
    def resetting(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            reset(conn)

    server = kit.serve(resetting)
    return Fault(
        f"{server.url}/x", {}, requests.exceptions.ConnectionError, Phase.WAITING, server.port
    )


def _garbage(kit: Kit) -> Fault:
    server = kit.serve(answer_once(b"\x16\x03\x01 not http at all\r\n\r\n"))
    return Fault(
        f"{server.url}/x", {}, requests.exceptions.RemoteProtocolError, Phase.WAITING, server.port
    )


def _short_body(kit: Kit) -> Fault:
    server = kit.serve(answer_once(BODY_HEAD + b"x" * 10))
    error = requests.exceptions.ChunkedEncodingError
    return Fault(f"{server.url}/x", {}, error, Phase.READING_BODY, server.port, in_body=True)


def _bad_chunk(kit: Kit) -> Fault:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    server = kit.serve(answer_once(raw))
    error = requests.exceptions.ChunkedEncodingError
    return Fault(f"{server.url}/x", {}, error, Phase.READING_BODY, server.port, in_body=True)


def _stalled_body(kit: Kit) -> Fault:
    def stall(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(BODY_HEAD + b"x" * 10)
            kit.release.wait(10)

    server = kit.serve(stall)
    error = requests.exceptions.ReadTimeout
    return Fault(
        f"{server.url}/x", {"timeout": (1, 0.3)}, error, Phase.READING_BODY, server.port, True
    )


def _reset_mid_body(kit: Kit) -> Fault:
    def resetting(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            # Linux still hands out what arrived before a RST: the head, then the error.
            conn.sendall(BODY_HEAD + b"x" * 10)
            reset(conn)

    server = kit.serve(resetting)
    # The class is pinned down by test_reset_mid_body_is_a_chunked_encoding_error.
    error = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)
    return Fault(f"{server.url}/x", {}, error, Phase.READING_BODY, server.port, in_body=True)


FAULTS: dict[str, Callable[[Kit], Fault]] = {
    "refused": _refused,
    "full-backlog": _full_backlog,
    "tls-expired-certificate": _tls_expired,
    "tls-handshake-stalls": _tls_stall,
    "reset-while-sending": _reset_while_sending,
    "stalled-while-sending": _stalled_while_sending,
    "no-answer": _no_answer,
    "closed-without-answer": _closed_without_answer,
    "reset-before-answer": _reset_before_answer,
    "garbage": _garbage,
    "short-body": _short_body,
    "bad-chunk-size": _bad_chunk,
    "stalled-body": _stalled_body,
    "reset-mid-body": _reset_mid_body,
}


@pytest.fixture
def fault(
    request: pytest.FixtureRequest,
    serve: Serve,
    release: threading.Event,
    tls_ca: trustme.CA,
    ca_bundle: str,
) -> Iterator[Fault]:
    with contextlib.ExitStack() as stack:
        yield FAULTS[request.param](Kit(serve, release, stack, tls_ca, ca_bundle))


def _raise(session: requests.Session, fault: Fault) -> requests.RequestException:
    kwargs = {"method": "GET", "timeout": (2, 2), **fault.kwargs}
    started = time.monotonic()
    with pytest.raises(requests.RequestException) as info:
        session.request(url=fault.url, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5, f"{elapsed:.2f} s: a hang cut short by a timeout, not a quick error"
    return info.value


@pytest.mark.parametrize("fault", list(FAULTS), indirect=True)
def test_every_fault_is_named_attached_unwrapped_and_closed(
    fault: Fault, healthy: RawServer
) -> None:
    with requests.Session() as s:
        sockets_before = client_sockets_to(fault.port) if ON_LINUX else 0
        exc = _raise(s, fault)
        if isinstance(fault.error, tuple):
            assert isinstance(exc, fault.error), repr(exc)
        else:
            assert type(exc) is fault.error, repr(exc)
        message = str(exc)
        assert f"127.0.0.1:{fault.port}" in message
        assert f"{fault.phase} 127.0.0.1:{fault.port}" in message
        assert exc.phase == fault.phase
        assert exc.request is not None
        assert (exc.request.method, exc.request.url) == (
            fault.kwargs.get("method", "GET"),
            fault.url,
        )
        if fault.in_body:  # the head had come: the Session read the body and attached both
            assert exc.response is not None
            assert exc.response.status_code == 200
            assert exc.response.request is exc.request
        else:
            assert exc.response is None
        assert_no_wrapper(exc)
        if ON_LINUX:  # (before: the full backlog's filler, our own socket)
            assert client_sockets_to(fault.port) == sockets_before, "the failed socket is open"
        r = s.get(f"{healthy.url}/after", timeout=5)
        assert (r.status_code, r.content) == (200, b"healthy")


def test_closed_without_answer_names_the_phase(serve: Serve) -> None:
    server = serve(answer_once(b""))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(server.url, timeout=(2, 2))
    assert info.value.phase == Phase.WAITING
    assert f"{Phase.WAITING} 127.0.0.1:{server.port}" in str(info.value)


def test_a_read_phase_error_keeps_the_os_error_as_its_cause(serve: Serve) -> None:
    def resetting(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            reset(conn)

    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(serve(resetting).url, timeout=(2, 2))
    assert isinstance(info.value.__cause__, ConnectionResetError), repr(info.value.__cause__)


@pytest.mark.parametrize("case", ["refused", "unresolvable", "tls-expired"])
def test_a_connect_phase_error_keeps_the_os_error_as_its_cause(
    serve: Serve, tls_ca: trustme.CA, ca_bundle: str, case: str
) -> None:
    if case == "refused":
        url = f"http://127.0.0.1:{free_port()}/"
    elif case == "unresolvable":
        url = f"http://{UNRESOLVABLE}/"
    else:
        url = f"https://127.0.0.1:{serve(tls_handler(_expired(tls_ca), b'no')).port}/"
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(url, verify=ca_bundle, timeout=(2, 2))
    assert isinstance(info.value.__cause__, OSError), repr(info.value.__cause__)


# -- a reset in the body: requests' class ---------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["content", "iter_content"])
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_reset_mid_body_is_a_chunked_encoding_error(
    serve: Serve, framing: str, stream: bool
) -> None:
    head = (
        BODY_HEAD
        if framing == "content-length"
        else b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n"
    )
    got_head = threading.Event()

    def resetting(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(head + b"x" * 10)
            got_head.wait(5)
            reset(conn)

    server = serve(resetting)
    with requests.Session() as s, pytest.raises(requests.RequestException) as info:
        if stream:
            with s.get(server.url, stream=True, timeout=5) as r:
                got_head.set()
                for _ in r.iter_content(100):
                    pass
        else:
            got_head.set()  # the reset may come before or after the head is read: both count
            s.get(server.url, timeout=5)
    assert type(info.value) is requests.exceptions.ChunkedEncodingError, repr(info.value)


def test_endless_chunk_size_line_is_not_called_a_head(
    serve: Serve, release: threading.Event
) -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * (200 * 1024)

    def endless(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(raw)
            release.wait(10)

    server = serve(endless)
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as info:
        requests.get(server.url, timeout=(2, 2))
    message = str(info.value)
    assert f"{Phase.READING_BODY} 127.0.0.1:{server.port}" in message  # (this much holds)
    assert "head" not in message, message


# -- 1xx and a slow drip ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [b"100 Continue", b"103 Early Hints"])
def test_1xx_then_eof_is_a_connection_error_naming_the_phase(serve: Serve, status: bytes) -> None:
    server = serve(answer_once(b"HTTP/1.1 " + status + b"\r\n\r\n"))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(server.url, timeout=(2, 2))
    assert f"{Phase.WAITING} 127.0.0.1:{server.port}" in str(info.value)
    assert info.value.request is not None


@pytest.mark.parametrize("stream", [False, True], ids=["content", "iter_content"])
def test_1xx_before_a_streamed_final_response(serve: Serve, stream: bool) -> None:
    body = bytes(range(256)) * 64
    chunks = b"".join(b"400\r\n" + body[i : i + 1024] + b"\r\n" for i in range(0, len(body), 1024))
    final = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"

    def handler(conn: socket.socket, server: RawServer) -> None:
        while server.read(conn):
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n")
            conn.sendall(final)

    server = serve(handler)
    with requests.Session() as s:
        for _ in range(2):
            with s.get(server.url, stream=stream, timeout=5) as r:
                assert r.status_code == 200
                got = b"".join(r.iter_content(1000)) if stream else r.content
                assert got == body
    assert server.accepted == 1


@pytest.mark.parametrize("stream", [False, True], ids=["content", "iter_content"])
def test_slow_drip_within_read_and_total_timeouts_succeeds(serve: Serve, stream: bool) -> None:
    # Each gap well under the read timeout; the whole well under the total. (Past the total
    # deadline is another file's.)
    raw = response(b"drip" * 50)
    pieces = [raw[i : i + 20] for i in range(0, len(raw), 20)]  # 13 pieces

    def drip(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            for piece in pieces:
                conn.sendall(piece)
                time.sleep(0.04)  # the fault itself (pacing), not synchronisation

    server = serve(drip)
    timeout = Timeout(connect=1, read=0.3, total=10)
    started = time.monotonic()
    with requests.get(server.url, stream=stream, timeout=timeout) as r:
        got = b"".join(r.iter_content(7)) if stream else r.content
    assert got == b"drip" * 50
    assert time.monotonic() - started > 0.3  # the whole exchange outlasted one read timeout


# -- connecting: IPv6 refused, and an unresolvable name -----------------------------------------


def _ipv6_free_port() -> int | None:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
            port: int = sock.getsockname()[1]
    except OSError:
        return None
    return port


def test_refused_on_ipv6_loopback_names_the_peer() -> None:
    port = _ipv6_free_port()
    if port is None:
        pytest.skip("no IPv6 loopback here")
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(f"http://[::1]:{port}/", timeout=(1, 1))
    assert type(info.value) is requests.exceptions.ConnectionError
    assert f"{Phase.CONNECTING} " in str(info.value)
    assert "::1" in str(info.value)
    assert str(port) in str(info.value)


UNRESOLVABLE = "nonexistent.invalid"  # RFC 6761: .invalid never resolves


def test_unresolvable_name_is_a_quick_connection_error(healthy: RawServer) -> None:
    # The machine's own resolver, not a stand-in (test_addresses has that one): it must
    # answer quickly and the error must come at once, whatever the timeouts.
    url = f"http://{UNRESOLVABLE}:8765/x"
    with requests.Session() as s:
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            s.get(url, timeout=(5, 5))
        elapsed = time.monotonic() - started
        exc = info.value
        assert type(exc) is requests.exceptions.ConnectionError, repr(exc)
        assert elapsed < 3, f"resolving took {elapsed:.2f} s"
        assert f"{UNRESOLVABLE}:8765" in str(exc)  # the host and the port, as elsewhere
        assert "resolv" in str(exc)
        assert exc.phase == Phase.RESOLVING
        assert exc.request is not None
        assert exc.request.url == url
        assert exc.response is None
        assert_no_wrapper(exc)
        r = s.get(f"{healthy.url}/after", timeout=5)
        assert (r.status_code, r.content) == (200, b"healthy")


# -- TLS: verify=False never reaches a verified request through the pool -----------------------


@pytest.mark.parametrize("certificate", ["wrong-hostname", "expired"])
def test_unverified_connection_never_carries_a_verified_request(
    serve: Serve, tls_ca: trustme.CA, ca_bundle: str, certificate: str
) -> None:
    context = (
        context_for(tls_ca.issue_cert("example.org"))
        if certificate == "wrong-hostname"
        else _expired(tls_ca)
    )
    server = serve(tls_handler(context, b"unverified"))
    url = f"https://127.0.0.1:{server.port}/"
    with requests.Session() as s:
        with pytest.warns(InsecureRequestWarning):
            assert s.get(url, verify=False, timeout=5).content == b"unverified"
        # The unverified connection sits idle in the pool; each verified request, whatever
        # the shape of ``verify``, must do its own handshake and refuse the certificate.
        for verify in (ca_bundle, True, None):
            kwargs = {} if verify is None else {"verify": verify}
            with pytest.raises(requests.exceptions.SSLError) as info:
                s.get(url, timeout=5, **kwargs)
            assert f"{Phase.TLS_HANDSHAKE} 127.0.0.1:{server.port}" in str(info.value)
        with pytest.warns(InsecureRequestWarning):
            assert s.get(url, verify=False, timeout=5).content == b"unverified"
    # Only the two unverified requests ever reached the HTTP layer.
    assert request_lines(server) == [b"GET / HTTP/1.1", b"GET / HTTP/1.1"]
    assert server.accepted >= 4  # one handshake per verified attempt, at least
