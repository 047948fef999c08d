"""Loopback servers for the tests: raw TCP fault servers, and httpbin on a real HTTP server.

Everything binds 127.0.0.1 (or ::1) on a free port, runs in threads, and is stopped by the
fixture that started it. Servers signal with events; nothing here sleeps to synchronise.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

Handler = Callable[[socket.socket, "RawServer"], None]


def read_head(conn: socket.socket, limit: int = 1 << 20) -> bytes:
    """Read from ``conn`` until a request head is in (with whatever came after it); less
    on EOF or past ``limit`` bytes."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) <= limit:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def read_request(conn: socket.socket, limit: int = 1 << 20) -> bytes:
    """Read one request head (and a Content-Length body) from ``conn``; b"" on EOF."""
    data = read_head(conn, limit)
    if b"\r\n\r\n" not in data:
        return data
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def response(
    body: bytes = b"hello",
    status: str = "200 OK",
    headers: list[tuple[str, str]] | None = None,
    version: str = "HTTP/1.1",
) -> bytes:
    """A well-formed response with a Content-Length, unless ``headers`` give the framing."""
    lines = [f"{version} {status}"]
    given = headers or []
    if not any(name.lower() in ("content-length", "transfer-encoding") for name, _ in given):
        given = [*given, ("Content-Length", str(len(body)))]
    lines += [f"{name}: {value}" for name, value in given]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class RawServer:
    """A TCP server in a thread. Each accepted connection runs ``handler(conn, server)`` in a
    thread of its own; the connection is closed when the handler returns.

    ``accepted`` counts the connections accepted; ``requests`` records every request that
    ``read_request`` returned through ``server.read``.
    """

    def __init__(self, handler: Handler, host: str = "127.0.0.1", backlog: int = 64) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(backlog)
        self.host = host
        self.port: int = self._listener.getsockname()[1]
        self._handler = handler
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self.accepted = 0
        self.requests: list[bytes] = []
        self.state: dict[str, Any] = {}  # for handlers to keep what they need
        self.errors: list[BaseException] = []
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept_thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def read(self, conn: socket.socket) -> bytes:
        request = read_request(conn)
        if request:
            with self._lock:
                self.requests.append(request)
        return request

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if self._stopping.is_set():
                conn.close()
                return
            with self._lock:
                self.accepted += 1
                self._conns.append(conn)
                thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._handler(conn, self)
        except OSError:
            pass  # the client went away: that is what many fault tests do
        except BaseException as exc:  # surfaced by stop(), so a broken handler fails its test
            self.errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def stop(self) -> None:
        self._stopping.set()
        # Wake accept() by connecting once; then close everything still open.
        with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), 1):
            pass
        self._listener.close()
        self._accept_thread.join(5)
        with self._lock:
            conns, threads = list(self._conns), list(self._threads)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()
        for thread in threads:
            thread.join(5)
        if self.errors:
            raise self.errors[0]


def keep_alive_handler(
    body: bytes = b"hello", extra: list[tuple[str, str]] | None = None
) -> Handler:
    """Answer every request on a connection with ``body``, keeping the connection open."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        while server.read(conn):
            conn.sendall(response(body, headers=extra))

    return handle


class WSGIServer:
    """A real HTTP/1.1 server (cheroot: threaded, keep-alive, chunked, TLS) running a WSGI
    app in a thread. ``connections`` counts the TCP connections that carried requests."""

    def __init__(
        self,
        app: Callable[..., Any],
        certfile: str | None = None,
        keyfile: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        from cheroot import wsgi

        self._ports: set[Any] = set()
        self._lock = threading.Lock()

        def counting_app(environ: dict[str, Any], start_response: Any) -> Any:
            with self._lock:
                self._ports.add(environ.get("REMOTE_PORT"))
            return app(environ, start_response)

        self._server = wsgi.Server((host, 0), counting_app, numthreads=16)
        if certfile is not None:
            from cheroot.ssl.builtin import BuiltinSSLAdapter

            self._server.ssl_adapter = BuiltinSSLAdapter(certfile, keyfile)
        self._server.prepare()
        self.host = host
        self.port: int = self._server.bind_addr[1]
        self.scheme = "https" if certfile else "http"
        self._thread = threading.Thread(target=self._server.serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def __add__(self, path: str) -> str:
        return self.url + path

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._ports)

    def reset_connections(self) -> None:
        with self._lock:
            self._ports.clear()

    def stop(self) -> None:
        self._server.stop()
        self._thread.join(10)


@contextlib.contextmanager
def raw_server(handler: Handler, host: str = "127.0.0.1") -> Iterator[RawServer]:
    server = RawServer(handler, host)
    try:
        yield server
    finally:
        server.stop()
