"""Faults injected by raw loopback servers, each followed by a good request on the same Session.

Every error must say what was being done (the phase words of ``network.py``) and with whom
(``127.0.0.1:<port>``); after it, the Session that saw it must still work. Cases already pinned
down elsewhere (test_framing, test_errors, test_timeouts) appear here only for what those tests
do not check: the peer and phase in the message, and the Session's recovery.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import random
import select
import signal
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import httpcore_lite as requests
from httpcore_lite.exceptions import Phase

from ..servers import Handler, RawServer, keep_alive_handler, response
from ._helpers import (
    answer_once,
    context_for,
    free_port,
    full_backlog_listener,
    reset,
    slow_handler,
    tls_handler,
)

Serve = Callable[..., RawServer]
ExcType = type[requests.exceptions.RequestException]


@pytest.fixture
def healthy(serve: Serve) -> RawServer:
    """A second server that always answers: the Session must still reach it after a fault."""
    return serve(keep_alive_handler(b"healthy"))


def assert_session_works(session: requests.Session, healthy: RawServer) -> None:
    r = session.get(f"{healthy.url}/after", timeout=5)
    assert (r.status_code, r.content) == (200, b"healthy")


# -- RST in the middle of a body ----------------------------------------------------------------

BODY = bytes(range(256)) * 1200  # 300 KiB: past LARGE_BODY, read straight into its bytes

FRAMINGS = {
    # name: (response head, the part of the body sent before the reset)
    "content-length-small": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
        BODY[:100],
    ),
    "content-length-large": (
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (len(BODY) + 1000),
        BODY,
    ),
    "chunked": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"%x\r\n%s\r\n" % (len(BODY), BODY) + b"400\r\nabc",
    ),
}


def _reset_mid_body(head: bytes, part: bytes, go: threading.Event | None) -> Handler:
    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(head + part)
            if go is not None:
                go.wait(5)  # the client has the head: the reset strikes while it reads the body
            reset(conn)

    return handle


@pytest.mark.parametrize("stream", [False, True], ids=["content", "stream"])
@pytest.mark.parametrize("framing", list(FRAMINGS))
def test_reset_in_the_middle_of_the_body(
    serve: Serve, healthy: RawServer, framing: str, stream: bool
) -> None:
    head, part = FRAMINGS[framing]
    go = threading.Event() if stream else None
    server = serve(_reset_mid_body(head, part, go))
    received = b""
    with requests.Session() as s:
        with pytest.raises(
            (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)
        ) as info:
            if go is None:
                s.get(f"{server.url}/reset", timeout=5)
            else:
                with s.get(f"{server.url}/reset", stream=True, timeout=5) as r:
                    assert r.status_code == 200
                    go.set()
                    for piece in r.iter_content(4096):
                        received += piece
        exc = info.value
        assert not isinstance(exc, requests.exceptions.Timeout)
        assert f"{Phase.READING_BODY} 127.0.0.1:{server.port}" in str(exc)
        assert exc.phase == Phase.READING_BODY
        assert BODY.startswith(received)  # whatever was handed out was the body's own bytes
        assert_session_works(s, healthy)
    assert server.accepted == 1  # a failed body is never replayed


# -- broken framing and broken heads --------------------------------------------------------------

RNG = random.Random(1234)
GARBAGE = bytes(RNG.randrange(256) for _ in range(3000))


class Broken(NamedTuple):
    raw: bytes
    error: ExcType
    where: str  # the message's own account of what was being read
    reason: str
    phase: str  # what was being done, in network.py's words


BROKEN = {
    "truncated-chunked": Broken(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\nabc",
        requests.exceptions.ChunkedEncodingError,
        "Broken response body while reading the response body from",
        "incomplete chunked read",
        Phase.READING_BODY,
    ),
    "bad-chunk-size": Broken(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
        requests.exceptions.ChunkedEncodingError,
        "Broken response body while reading the response body from",
        "illegal chunk header",
        Phase.READING_BODY,
    ),
    "short-content-length": Broken(
        b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n0123456789",
        requests.exceptions.ChunkedEncodingError,
        "Broken response body while reading the response body from",
        "received 10 bytes, expected 50",
        Phase.READING_BODY,
    ),
    "conflicting-content-lengths": Broken(
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nhello",
        requests.exceptions.RemoteProtocolError,
        "Invalid response while waiting for the response from",
        "conflicting Content-Length headers",
        Phase.WAITING,
    ),
    "conflicting-content-length-list": Broken(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5, 3\r\n\r\nhello",
        requests.exceptions.RemoteProtocolError,
        "Invalid response while waiting for the response from",
        "conflicting Content-Length headers",
        Phase.WAITING,
    ),
    "status-line-http2": Broken(
        b"HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
        requests.exceptions.RemoteProtocolError,
        "Invalid response while waiting for the response from",
        "illegal status line",
        Phase.WAITING,
    ),
    "status-line-without-code": Broken(
        b"HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n",
        requests.exceptions.RemoteProtocolError,
        "Invalid response while waiting for the response from",
        "illegal status line",
        Phase.WAITING,
    ),
    "garbage-with-blank-line": Broken(
        GARBAGE + b"\r\n\r\n",
        requests.exceptions.RemoteProtocolError,
        "Invalid response while waiting for the response from",
        "illegal status line",
        Phase.WAITING,
    ),
    # What cannot begin a status line is refused as soon as it has arrived (issue 14).
    "garbage-then-eof": Broken(
        GARBAGE.replace(b"\r\n\r\n", b""),
        requests.exceptions.RemoteProtocolError,
        "Invalid response while waiting for the response from",
        "the response does not start with an HTTP status line",
        Phase.WAITING,
    ),
    "oversized-head": Broken(
        response(b"ok", headers=[(f"X-Filler-{i}", "v" * 1000) for i in range(70)]),
        requests.exceptions.RemoteProtocolError,
        "Invalid response while waiting for the response from",
        "response head larger than 65536 bytes",
        Phase.WAITING,
    ),
    # Endless bytes that never end a head, on a connection left open: refused at once.
    "endless-garbage": Broken(
        (GARBAGE.replace(b"\r\n", b"") * 40)[:100_000],
        requests.exceptions.RemoteProtocolError,
        "Invalid response while waiting for the response from",
        "the response does not start with an HTTP status line",
        Phase.WAITING,
    ),
    # Endless header lines after a real status line, on a connection left open: the limit.
    "endless-head": Broken(
        b"HTTP/1.1 200 OK\r\n" + b"X-Filler: " + b"v" * 100_000,
        requests.exceptions.RemoteProtocolError,
        "Invalid response while waiting for the response from",
        "response head larger than 65536 bytes",
        Phase.WAITING,
    ),
}


def _answer_and_hold(data: bytes) -> Handler:
    """Read one request, send ``data``, and keep the connection open until the client goes."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(data)
            while conn.recv(65536):
                pass

    return handle


def _broken_server(serve: Serve, case: str) -> RawServer:
    broken = BROKEN[case]
    if case in ("endless-garbage", "endless-head"):
        return serve(_answer_and_hold(broken.raw))
    return serve(answer_once(broken.raw))


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_response_names_the_peer_and_the_session_recovers(
    serve: Serve, healthy: RawServer, case: str
) -> None:
    broken = BROKEN[case]
    server = _broken_server(serve, case)
    url = f"{server.url}/broken"
    with requests.Session() as s:
        started = time.monotonic()
        with pytest.raises(requests.exceptions.RequestException) as info:
            s.get(url, timeout=(2, 2))
        assert time.monotonic() - started < 1.5  # refused at once, never a read timeout
        exc = info.value
        assert type(exc) is broken.error, repr(exc)
        message = str(exc)
        assert f"{broken.where} 127.0.0.1:{server.port}" in message
        assert broken.reason in message
        assert_session_works(s, healthy)
        # The broken connection is gone: the next request to that server opens a new one.
        with pytest.raises(requests.exceptions.RequestException):
            s.get(url, timeout=(2, 2))
    assert server.accepted == 2


def test_broken_response_messages_name_the_phase(serve: Serve) -> None:
    # What was being done, in network.py's words, as every OS-level error says it: waiting
    # for the response head, or reading the body. All cases in one test, so that one
    # failure lists every message that lacks its phase.
    missing: list[str] = []
    for case, broken in BROKEN.items():
        server = _broken_server(serve, case)
        with pytest.raises(requests.exceptions.RequestException) as info:
            requests.get(f"{server.url}/broken", timeout=(2, 2))
        if f"{broken.phase} 127.0.0.1:{server.port}" not in str(info.value):
            missing.append(f"{case}: expected {broken.phase!r} in {str(info.value)!r}")
    assert missing == []


def test_content_length_and_transfer_encoding_together(serve: Serve, healthy: RawServer) -> None:
    # RFC 9112 section 6.3: Transfer-Encoding overrides Content-Length. h11 does not refuse
    # the pair: the chunked framing decides, so the body is whole, never cut at 3 bytes, and
    # the client does not wait for bytes the Content-Length promised. The connection is not
    # reused: such a message "ought to be handled as an error" (a smuggling attempt).
    raw = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    server = serve(_answer_and_hold(raw))
    with requests.Session() as s:
        started = time.monotonic()
        r = s.get(server.url, timeout=(2, 2))
        assert time.monotonic() - started < 1.5
        assert (r.status_code, r.content) == (200, b"hello world")
        r = s.get(server.url, timeout=(2, 2))
        assert r.content == b"hello world"
        assert_session_works(s, healthy)
    assert server.accepted == 2


def test_an_endless_stream_of_informational_heads_is_refused(
    serve: Serve, healthy: RawServer
) -> None:
    stop = threading.Event()

    def endless(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        while not stop.is_set():
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" * 50)

    server = serve(endless)
    try:
        with requests.Session() as s:
            with pytest.raises(requests.exceptions.RemoteProtocolError, match=r"more than 100 "):
                s.get(server.url, timeout=(2, 2))
            assert_session_works(s, healthy)
    finally:
        stop.set()


def test_informational_heads_are_limited_one_by_one(serve: Serve) -> None:
    # Two 103 Early Hints of ~40 KiB each: together past the 64 KiB head limit, each within
    # it. The limit is per head; the final response and its body come through intact.
    hints = b"".join(
        b"HTTP/1.1 103 Early Hints\r\n"
        + b"".join(
            b"Link: </asset-%d-%d.css>; rel=preload%s\r\n" % (n, i, b" " * 900) for i in range(40)
        )
        + b"\r\n"
        for n in range(2)
    )
    assert len(hints) > 64 * 1024
    final = response(b"final body", headers=[("X-Final", "yes")])

    def handler(conn: socket.socket, server: RawServer) -> None:
        while server.read(conn):
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            conn.sendall(hints)
            conn.sendall(final)

    server = serve(handler)
    with requests.Session() as s:
        for _ in range(2):
            r = s.get(server.url, timeout=5)
            assert (r.status_code, r.content) == (200, b"final body")
            assert r.headers["X-Final"] == "yes"
            assert "Link" not in r.headers
    assert server.accepted == 1


# -- a slow drip: each wait within the read timeout, the whole response beyond it ---------------

DRIPS = {
    # name: (the response as sent, its body as decoded)
    "content-length": (response(b"drip" * 10), b"drip" * 10),
    "chunked": (
        response(
            b"".join(b"4\r\ndrip\r\n" for _ in range(10)) + b"0\r\n\r\n",
            headers=[("Transfer-Encoding", "chunked")],
        ),
        b"drip" * 10,
    ),
    "large-body": (response(b"L" * (300 * 1024)), b"L" * (300 * 1024)),
}


@pytest.mark.parametrize("kind", list(DRIPS))
def test_slow_drip_within_the_read_timeout_succeeds(serve: Serve, kind: str) -> None:
    raw, body = DRIPS[kind]
    pieces = 12
    step = -(-len(raw) // pieces)

    def drip(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            for start in range(0, len(raw), step):
                conn.sendall(raw[start : start + step])
                time.sleep(0.05)  # deliberate: each gap well under the 0.3 s read timeout

    server = serve(drip)
    started = time.monotonic()
    r = requests.get(server.url, timeout=(1, 0.3))
    elapsed = time.monotonic() - started
    assert r.status_code == 200
    assert r.content == body
    assert elapsed > 0.45  # the whole exchange took longer than the read timeout


# -- connecting: refused, a full backlog, a TLS peer that never answers -------------------------


def test_connection_refused_names_the_phase_and_the_port(healthy: RawServer) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/refused"
    with requests.Session() as s:
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            s.get(url, timeout=(1, 1))
        exc = info.value
        assert type(exc) is requests.exceptions.ConnectionError  # not a Timeout, not a subclass
        assert f"Connection refused {Phase.CONNECTING} 127.0.0.1:{port}" in str(exc)
        assert exc.phase == Phase.CONNECTING
        assert exc.request is not None
        assert exc.request.url == url
        assert_session_works(s, healthy)


def test_full_backlog_names_the_phase_and_the_session_recovers(healthy: RawServer) -> None:
    with full_backlog_listener() as url, requests.Session() as s:
        port = int(url.rsplit(":", 1)[1].rstrip("/"))
        with pytest.raises(requests.exceptions.ConnectTimeout) as info:
            s.get(url, timeout=(0.4, 5))
        exc = info.value
        assert f"Timed out {Phase.CONNECTING} 127.0.0.1:{port} after 0.4 s" in str(exc)
        assert exc.phase == Phase.CONNECTING
        assert_session_works(s, healthy)


def _silent_after_accept(conn: socket.socket, server: RawServer) -> None:
    # Accept the TCP connection and swallow the ClientHello without ever answering.
    while conn.recv(65536):
        pass


def test_tls_peer_that_never_answers_the_client_hello(
    serve: Serve, healthy: RawServer, ca_bundle: str
) -> None:
    server = serve(_silent_after_accept)
    url = f"https://127.0.0.1:{server.port}/"
    with requests.Session() as s:
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ConnectTimeout) as info:
            s.get(url, verify=ca_bundle, timeout=(0.3, 5))
        elapsed = time.monotonic() - started
        exc = info.value
        assert 0.25 < elapsed < 2  # the connect timeout bounds the handshake, not the read one
        assert f"Timed out {Phase.TLS_HANDSHAKE} 127.0.0.1:{server.port} after 0.3 s" in str(exc)
        assert exc.phase == Phase.TLS_HANDSHAKE
        assert exc.request is not None
        assert exc.request.url == url
        assert_session_works(s, healthy)
    assert server.accepted == 1


# -- TLS certificates the client must refuse ---------------------------------------------------


def _self_signed_context(directory: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "self.pem", directory / "self.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert_path), str(key_path))
    return context


@pytest.fixture
def healthy_tls(serve: Serve, tls_files: dict[str, str]) -> RawServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files["cert"], tls_files["key"])
    return serve(tls_handler(context, b"secure"))


def _bad_certificate_context(case: str, tls_ca: trustme.CA, directory: Path) -> ssl.SSLContext:
    now = datetime.datetime.now(datetime.timezone.utc)
    if case == "untrusted-ca":
        return context_for(trustme.CA().issue_cert("127.0.0.1"))
    if case == "self-signed":
        return _self_signed_context(directory)
    if case == "wrong-hostname":
        return context_for(tls_ca.issue_cert("example.org"))
    assert case == "expired"
    return context_for(
        tls_ca.issue_cert(
            "127.0.0.1",
            not_before=now - datetime.timedelta(days=10),
            not_after=now - datetime.timedelta(days=1),
        )
    )


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("untrusted-ca", "unable to get local issuer certificate"),
        ("self-signed", "self-signed certificate"),
        ("wrong-hostname", "IP address mismatch"),
        ("expired", "certificate has expired"),
    ],
)
def test_bad_certificate_is_an_ssl_error(
    serve: Serve,
    healthy_tls: RawServer,
    tls_ca: trustme.CA,
    ca_bundle: str,
    tmp_path: Path,
    case: str,
    reason: str,
) -> None:
    server = serve(tls_handler(_bad_certificate_context(case, tls_ca, tmp_path), b"no"))
    url = f"https://127.0.0.1:{server.port}/"
    with requests.Session() as s:
        with pytest.raises(requests.exceptions.SSLError) as info:
            s.get(url, verify=ca_bundle, timeout=5)
        exc = info.value
        assert isinstance(exc, requests.exceptions.ConnectionError)
        assert not isinstance(exc, requests.exceptions.Timeout)
        message = str(exc)
        assert f"{Phase.TLS_HANDSHAKE} 127.0.0.1:{server.port} failed" in message
        assert reason in message
        assert exc.phase == Phase.TLS_HANDSHAKE
        assert exc.request is not None
        assert exc.request.url == url
        # The same Session, the same TLS settings: a good server is still reached.
        r = s.get(f"https://127.0.0.1:{healthy_tls.port}/", verify=ca_bundle, timeout=5)
        assert (r.status_code, r.content) == (200, b"secure")
        # The refused server is never trusted on a second try either.
        with pytest.raises(requests.exceptions.SSLError):
            s.get(url, verify=ca_bundle, timeout=5)
    assert server.accepted == 2


# -- signals during a wait: a handled signal must not stretch a timeout -------------------------
#
# An application's signal handlers (SIGALRM timers, SIGCHLD, profilers' SIGPROF, SIGWINCH) make
# blocking system calls return EINTR; Python then runs the handler and resumes the call. The
# wait that resumes must be bounded by what is left of the timeout, not start a new one.


@contextlib.contextmanager
def signal_storm(every: float, limit: float) -> Iterator[None]:
    """SIGUSR1 (handled, doing nothing) sent to this thread every ``every`` seconds, for at
    most ``limit`` seconds."""
    target = threading.get_ident()
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: None)
    stop = threading.Event()

    def storm() -> None:
        deadline = time.monotonic() + limit
        while not stop.wait(every) and time.monotonic() < deadline:
            signal.pthread_kill(target, signal.SIGUSR1)

    thread = threading.Thread(target=storm, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
        signal.signal(signal.SIGUSR1, previous)


def test_signals_do_not_stretch_the_read_timeout(serve: Serve) -> None:
    release = threading.Event()
    server = serve(slow_handler(release))
    try:
        with signal_storm(every=0.1, limit=2.0):
            started = time.monotonic()
            with pytest.raises(requests.exceptions.ReadTimeout) as info:
                requests.get(server.url, timeout=(1, 0.3))
            elapsed = time.monotonic() - started
    finally:
        release.set()
    assert f"Timed out {Phase.WAITING} 127.0.0.1:{server.port} after 0.3 s" in str(info.value)
    assert elapsed < 1.0, f"a 0.3 s read timeout took {elapsed:.2f} s under signals"


@contextlib.contextmanager
def _full_backlog() -> Iterator[tuple[str, socket.socket]]:
    # As _helpers.full_backlog_listener, with the listener at hand: closing it ends a connect
    # that would otherwise wait for the kernel's SYN retries (over two minutes).
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with listener, socket.socket(socket.AF_INET, socket.SOCK_STREAM) as filler:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        assert select.select([], [filler], [], 5)[1], "the filler did not connect"
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/", listener


def test_a_signal_does_not_stretch_the_connect_timeout() -> None:
    with _full_backlog() as (url, listener):
        # A fail-safe, not a synchronisation: if the connect outlives its timeout by far,
        # closing the listener makes the next SYN retransmission refused.
        gave_up = threading.Event()

        def close_if_still_waiting() -> None:
            if not gave_up.wait(2):
                listener.shutdown(socket.SHUT_RDWR)

        watchdog = threading.Thread(target=close_if_still_waiting, daemon=True)
        watchdog.start()
        try:
            with signal_storm(every=0.1, limit=0.3):
                started = time.monotonic()
                with pytest.raises(requests.exceptions.ConnectionError) as info:
                    requests.get(url, timeout=(0.5, 5))
                elapsed = time.monotonic() - started
        finally:
            gave_up.set()
            watchdog.join(5)
    assert elapsed < 1.2, f"a 0.5 s connect timeout took {elapsed:.2f} s: {info.value!r}"
    assert isinstance(info.value, requests.exceptions.ConnectTimeout), repr(info.value)
    assert f"Timed out {Phase.CONNECTING} 127.0.0.1:" in str(info.value)
