"""A small HTTP proxy for the tests: forwarding (absolute-form requests) and CONNECT tunnels,
optional Basic proxy authentication (407), optionally behind TLS (an https:// proxy).

It runs in threads on loopback and records what it was asked, so that tests can check what
reached the proxy: ``requests`` (method, target, headers of every request it read),
``connections`` (client connections accepted) and ``tunnels`` (tunnels established). Client
requests are parsed with h11, as a server; forwarded requests go upstream over one
http.client connection per client connection (kept alive). Nothing sleeps: ``stop()`` shuts
the sockets down, which wakes every thread.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import select
import socket
import ssl
import threading
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import h11

# RFC 9110 section 7.6.1 and the proxy's own fields: never passed on.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    target: str
    headers: dict[str, str]  # names in lower case


class ProxyServer:
    """``ProxyServer(credentials=("user", "pass"), tls=(certfile, keyfile))``; ``url`` is
    what to put in ``proxies``; ``stop()`` ends it (the fixture calls it). With ``via``
    (a name), it adds ``Via: 1.1 <via>`` to the answers it forwards, as Squid and most
    forward proxies do (a tunnel's answers it cannot touch: they are encrypted)."""

    def __init__(
        self,
        credentials: tuple[str, str] | None = None,
        tls: tuple[str, str] | None = None,
        via: str | None = None,
    ) -> None:
        self._via = via
        self._expected_auth = None
        if credentials is not None:
            token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
            self._expected_auth = f"Basic {token}"
        self._tls_context: ssl.SSLContext | None = None
        if tls is not None:
            self._tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls_context.load_cert_chain(*tls)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.scheme = "https" if tls else "http"
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self.requests: list[SeenRequest] = []
        self.connections = 0
        self.tunnels = 0
        self.errors: list[BaseException] = []
        self._stopping = threading.Event()
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept_thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url_with(self, userinfo: str) -> str:
        return f"{self.scheme}://{userinfo}@127.0.0.1:{self.port}"

    # -- serving ---------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._stopping.is_set():  # the connection stop() made to wake us
                client.close()
                return
            with self._lock:
                self.connections += 1
                self._sockets.append(client)
                thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    def _serve(self, client: socket.socket) -> None:
        upstream: http.client.HTTPConnection | None = None
        try:
            if self._tls_context is not None:
                client = self._tls_context.wrap_socket(client, server_side=True)
                self._track(client)
            conn = h11.Connection(h11.SERVER)
            while True:
                request = _next_request(conn, client)
                if request is None:
                    return
                event, body = request
                seen = _seen(event)
                with self._lock:
                    self.requests.append(seen)
                if not self._authorised(seen):
                    _send(conn, client, 407, [("Proxy-Authenticate", 'Basic realm="test"')])
                    return
                if seen.method == "CONNECT":
                    self._tunnel(conn, client, seen.target)
                    return
                upstream = self._forward(conn, client, seen, body, upstream)
                if conn.our_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
        except (OSError, h11.ProtocolError, http.client.HTTPException):
            pass  # the client or the origin went away, or stop() shut the sockets down
        except BaseException as exc:  # surfaced by stop(): a broken proxy fails its test
            self.errors.append(exc)
        finally:
            if upstream is not None:
                upstream.close()
            with contextlib.suppress(OSError):
                client.close()

    def _authorised(self, seen: SeenRequest) -> bool:
        return (
            self._expected_auth is None
            or seen.headers.get("proxy-authorization") == self._expected_auth
        )

    def _tunnel(self, conn: h11.Connection, client: socket.socket, authority: str) -> None:
        host, _, port = authority.rpartition(":")
        try:
            origin = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        except OSError:
            _send(conn, client, 502)
            return
        self._track(origin)
        with origin:
            origin.settimeout(None)
            client.sendall(conn.send(h11.Response(status_code=200, headers=[])) or b"")
            with self._lock:
                self.tunnels += 1
            leftover = conn.trailing_data[0]
            if leftover:
                origin.sendall(leftover)
            _relay(client, origin)

    def _forward(
        self,
        conn: h11.Connection,
        client: socket.socket,
        seen: SeenRequest,
        body: bytes,
        upstream: http.client.HTTPConnection | None,
    ) -> http.client.HTTPConnection:
        parts = urlsplit(seen.target)
        assert parts.scheme == "http" and parts.hostname, f"not absolute-form: {seen.target}"
        port = parts.port or 80
        if upstream is None or (upstream.host, upstream.port) != (parts.hostname, port):
            if upstream is not None:
                upstream.close()
            upstream = http.client.HTTPConnection(parts.hostname, port, timeout=10)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        headers = {n: v for n, v in seen.headers.items() if n not in HOP_BY_HOP}
        upstream.request(seen.method, path, body=body or None, headers=headers)
        answer = upstream.getresponse()
        content = answer.read()
        passed = [(n, v) for n, v in answer.getheaders() if n.lower() not in HOP_BY_HOP]
        passed = [(n, v) for n, v in passed if n.lower() != "content-length"]
        if self._via is not None:
            passed.append(("Via", f"1.1 {self._via}"))
        _send(conn, client, answer.status, passed, content, answer.reason)
        return upstream

    # -- stopping --------------------------------------------------------------------------

    def drop_connections(self) -> None:
        """Close every connection and tunnel now (as a proxy dropping idle ones does), and
        wait until their threads are done."""
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(5)

    def stop(self) -> None:
        self._stopping.set()
        # Closing the listener does not wake accept(): connecting once does.
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
            pass
        self._listener.close()
        self._accept_thread.join(5)
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        for thread in threads:
            thread.join(5)
        if self.errors:
            raise self.errors[0]


def _next_request(conn: h11.Connection, client: socket.socket) -> tuple[h11.Request, bytes] | None:
    request: h11.Request | None = None
    body = b""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(client.recv(65536))
        elif isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            assert request is not None
            return request, body
        elif isinstance(event, h11.ConnectionClosed):
            return None


def _seen(event: h11.Request) -> SeenRequest:
    return SeenRequest(
        event.method.decode(),
        event.target.decode(),
        {name.decode().lower(): value.decode("latin-1") for name, value in event.headers},
    )


def _send(
    conn: h11.Connection,
    client: socket.socket,
    status: int,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    reason: str | None = None,
) -> None:
    if reason is None:
        reason = HTTPStatus(status).phrase
    fields = [*(headers or []), ("Content-Length", str(len(body)))]
    if status == 407:
        fields.append(("Connection", "close"))
    events: list[h11.Response | h11.Data | h11.EndOfMessage] = [
        h11.Response(status_code=status, headers=fields, reason=reason.encode())
    ]
    if body:
        events.append(h11.Data(data=body))
    events.append(h11.EndOfMessage())
    client.sendall(b"".join(conn.send(event) or b"" for event in events))


def _relay(client: socket.socket, origin: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    peers = {client: origin, origin: client}
    while True:
        # A TLS socket may hold decrypted bytes that select() cannot see.
        readable = [s for s in peers if isinstance(s, ssl.SSLSocket) and s.pending()]
        if not readable:
            readable, _, _ = select.select(list(peers), [], [])
        for sock in readable:
            data = sock.recv(65536)
            if not data:
                return
            peers[sock].sendall(data)
