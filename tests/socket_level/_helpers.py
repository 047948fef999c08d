"""Server helpers for the socket-level tests: per-connection handlers, canned answers, and
sockets that refuse or never accept. Nothing here sleeps to synchronise."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import trustme

import httpcore_lite as requests

from ..servers import Handler, RawServer, response

ON_LINUX = Path("/proc/net/tcp").exists()  # client_sockets_to reads its tables


def per_connection(*handlers: Handler) -> Handler:
    """Run ``handlers[n]`` on the n-th connection the server accepts (the last one repeats).

    Connections are numbered in the order their handler starts; the tests that use this
    open their connections one after the other.
    """
    lock = threading.Lock()
    counter = [0]

    def handle(conn: socket.socket, server: RawServer) -> None:
        with lock:
            index = min(counter[0], len(handlers) - 1)
            counter[0] += 1
        handlers[index](conn, server)

    return handle


def answer_once(data: bytes) -> Handler:
    """Read one request, send ``data`` as it is, and close the connection."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(data)

    return handle


def answer_each(data: bytes) -> Handler:
    """Answer every request on the connection with ``data``, keeping the connection open."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        while server.read(conn):
            conn.sendall(data)

    return handle


def answer_then_drop_next(body: bytes = b"first", last: bytes = b"") -> Handler:
    """Answer one request and keep the connection open; read the next request, then close
    the connection without answering it: a keep-alive timeout racing a reused connection.
    With ``last``, those bytes (no whole answer) are sent before the close."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(response(body))
            if server.read(conn) and last:
                conn.sendall(last)

    return handle


def slow_handler(release: threading.Event) -> Handler:
    """Read the request, then wait for ``release`` without answering."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            release.wait(10)

    return handle


def free_port() -> int:
    """A port on 127.0.0.1 on which nothing listens (bound, then closed at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.contextmanager
def full_backlog_listener() -> Iterator[str]:
    """The URL of a listener whose accept queue is full, so that Linux drops new SYNs.

    The listener never accepts. With ``listen(0)`` Linux queues one established connection
    (the queue is full when it holds *more* than the backlog); a further SYN is dropped and
    the client retransmits it after a second, so a shorter connect timeout expires.
    One filler connection is enough; the fixture waits until its handshake completed.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        fillers.append(filler)
        filler.setblocking(False)
        filler.connect_ex(address)
        _, writable, _ = select.select([], [filler], [], 5)
        assert writable, "the filler connection did not complete its handshake"
        assert filler.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
        yield f"http://127.0.0.1:{address[1]}/"
    finally:
        for sock in fillers:
            sock.close()
        listener.close()


def client_sockets_to(port: int) -> int:
    """How many of this process's open sockets have ``port`` as their remote port.

    A connection the client closed is gone from here at once (a socket in TIME_WAIT has no
    descriptor); one left open, pooled or merely unreferenced, is still counted. The
    server's own sockets have ``port`` as their local port and are not counted.
    """
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                    count += 1
    return count


def reset(conn: socket.socket) -> None:
    """Close ``conn`` with a RST instead of a FIN (SO_LINGER with a zero timeout)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def tls_handler(context: ssl.SSLContext, body: bytes) -> Handler:
    """Answer every request on a TLS connection (made with ``context``) with ``body``."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            while server.read(tls):
                tls.sendall(response(body))

    return handle


def context_for(cert: trustme.LeafCert) -> ssl.SSLContext:
    """A server-side SSLContext presenting ``cert``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


def request_line(request: bytes) -> str:
    """The request line of a request as the server read it."""
    return request.split(b"\r\n", 1)[0].decode("latin-1")


def fields(request: bytes) -> dict[str, str]:
    """The request's header fields, names lowercased (the last of a repeated name)."""
    head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    pairs = (line.partition(":") for line in head.split("\r\n")[1:])
    return {name.strip().lower(): value.strip() for name, _, value in pairs}


def request_lines(server: RawServer) -> list[bytes]:
    """The request line of each request the server read, in order."""
    return [request.split(b"\r\n", 1)[0] for request in server.requests]


def assert_no_wrapper(exc: BaseException) -> None:
    # requests wraps a failure in "HTTPConnectionPool(...): Max retries exceeded with url";
    # with no retry configured the issue wants the attempt's own error, alone.
    assert "Max retries" not in str(exc)
    assert "Max retries" not in repr(exc)
    assert not isinstance(exc, requests.exceptions.RetryError)
