"""The only module that touches sockets: connect, TLS handshake, read, write, close.

Every OSError, socket timeout and ssl error is turned into one of our exceptions here, once,
with a message that says what we were doing and with whom. Nothing above this module catches
OSError.

``ssl`` is imported only when a TLS handshake happens, so plain-http users never load it.

Two streams share one interface (``Stream``): NetworkStream, a socket (TCP or TLS), and
TunnelledTLSStream, TLS to an origin inside the TLS connection to an https proxy, which has
no socket of its own to wrap.
"""

from __future__ import annotations

import contextlib
import errno
import io
import select
import socket
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final, Protocol

from ..exceptions import ConnectionError, ConnectTimeout, ReadTimeout, RequestException, SSLError

if TYPE_CHECKING:  # pragma: no cover
    import ssl

    from .tls import MemoryTLS

# What an exchange is doing when an error strikes, for messages that say what failed.
RESOLVING: Final = "resolving"
CONNECTING: Final = "connecting to"
TLS_HANDSHAKE: Final = "TLS handshake with"
SENDING: Final = "sending the request to"
WAITING: Final = "waiting for the response from"
READING_BODY: Final = "reading the response body from"
OPENING_TUNNEL: Final = "opening a tunnel through the proxy"
# Setting up a connection, bounded by the connect timeout: a timeout is a ConnectTimeout.
_CONNECT_ACTIONS: Final = (CONNECTING, TLS_HANDSHAKE, OPENING_TUNNEL)

_USE_POLL: Final = hasattr(select, "poll")
# TLS in TLS: ciphertext is read from the proxy's stream in pieces of this size, and
# plaintext is encrypted in pieces of this size (so a large body is never held twice).
_TUNNEL_READ_SIZE: Final = 64 * 1024
_TUNNEL_WRITE_SIZE: Final = 64 * 1024


def _describe_timeout(timeout: float | None) -> str:
    return "" if timeout is None else f" after {timeout:g} s"


def _map_error(
    exc: BaseException, action: str, host: str, port: int, timeout: float | None
) -> RequestException:
    """Turn an OS-level failure into our exception, naming the action and the peer."""
    error = _mapped(exc, action, host, port, timeout)
    error.phase = action
    return error


def is_connect_phase(phase: str | None) -> bool:
    """Whether an error in ``phase`` happened before any byte of the request was sent
    (resolving, connecting, the TLS handshake, opening a tunnel)."""
    return phase in _CONNECT_ACTIONS or phase == RESOLVING


def _mapped(
    exc: BaseException, action: str, host: str, port: int, timeout: float | None
) -> RequestException:
    where = f"{action} {host}:{port}"
    if isinstance(exc, socket.timeout):
        if action in _CONNECT_ACTIONS:
            return ConnectTimeout(f"Timed out {where}{_describe_timeout(timeout)}")
        return ReadTimeout(f"Timed out {where}{_describe_timeout(timeout)}")
    if _is_ssl_error(exc):
        reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
        return SSLError(f"TLS error {where}: {reason}")
    if isinstance(exc, ConnectionRefusedError):
        return ConnectionError(f"Connection refused {where}")
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)) or getattr(exc, "errno", None) in (
        errno.ECONNRESET,
        errno.EPIPE,
        errno.ECONNABORTED,
    ):
        return ConnectionError(f"Connection reset by the server while {where}")
    return ConnectionError(f"Failed {where}: {exc}")


def _is_ssl_error(exc: BaseException) -> bool:
    # ssl is only loaded once a TLS handshake was attempted; before that no error can be one.
    ssl_module = sys.modules.get("ssl")
    return ssl_module is not None and isinstance(exc, ssl_module.SSLError)


class Stream(Protocol):
    """What an HTTP/1.1 connection needs of its transport: NetworkStream or TunnelledTLSStream.

    ``host`` and ``port`` name the peer in error messages (for a tunnel: the origin).
    """

    host: str
    port: int

    def read_into(self, buffer: memoryview, timeout: float | None, action: str) -> int: ...

    def read_exactly(self, count: int, timeout: float | None, action: str) -> bytes: ...

    def read_exactly_into(self, buffer: memoryview, timeout: float | None, action: str) -> int: ...

    def write(self, data: bytes | memoryview, timeout: float | None) -> None: ...

    def is_readable(self) -> bool: ...

    def close(self) -> None: ...


class NetworkStream:
    """A connected TCP (or TLS) socket with per-call timeouts.

    Example:
        >>> stream = connect_tcp("127.0.0.1", 8080, timeout=3.0)
        >>> stream.write(b"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n", timeout=5.0)
        >>> buffer = memoryview(bytearray(65536))
        >>> count = stream.read_into(buffer, timeout=5.0, action=WAITING)
        >>> bytes(buffer[:12])
        b'HTTP/1.1 200'
    """

    __slots__ = ("_current_timeout", "_poller", "_sock", "host", "is_tls", "port")

    def __init__(self, sock: socket.socket, host: str, port: int, *, is_tls: bool = False):
        self._sock = sock
        self._current_timeout: float | None = sock.gettimeout()
        self.host = host
        self.port = port
        self.is_tls = is_tls
        self._poller: select.poll | None = None

    def _set_timeout(self, timeout: float | None) -> None:
        # settimeout() costs a syscall or two; skip it when the value is unchanged.
        if timeout != self._current_timeout:
            self._sock.settimeout(timeout)
            self._current_timeout = timeout

    def read_into(self, buffer: memoryview, timeout: float | None, action: str) -> int:
        """Read into ``buffer``; returns the count, 0 when the peer closed the connection.

        Raises:
            ReadTimeout: nothing arrived within ``timeout`` seconds.
            ConnectionError: the connection was reset, or another OS error.
            SSLError: a TLS-level failure.
        """
        try:
            self._set_timeout(timeout)
            return self._sock.recv_into(buffer)
        except OSError as exc:
            raise _map_error(exc, action, self.host, self.port, timeout) from exc

    def read_exactly(self, count: int, timeout: float | None, action: str) -> bytes:
        """``count`` bytes read straight into one new bytes object, as http.client reads a
        body; fewer only if the peer closed first. Nothing past ``count`` is read.

        Raises:
            ReadTimeout, ConnectionError, SSLError: as ``read_into``.
        """
        with self._exact_reader(timeout, action) as reader:
            return reader.read(count)

    def read_exactly_into(self, buffer: memoryview, timeout: float | None, action: str) -> int:
        """Fill ``buffer`` from the socket; returns the count, short only if the peer closed
        first. Nothing past the buffer is read.

        Raises:
            ReadTimeout, ConnectionError, SSLError: as ``read_into``.
        """
        with self._exact_reader(timeout, action) as reader:
            return reader.readinto(buffer)

    @contextlib.contextmanager
    def _exact_reader(
        self, timeout: float | None, action: str
    ) -> Iterator[io.BufferedReader[socket.SocketIO]]:
        # A BufferedReader reads a large request directly into its result (or the caller's
        # buffer): the kernel's copy is the only one. buffer_size=1 stops it reading ahead
        # into a buffer of its own, which would swallow whatever follows the body.
        with io.BufferedReader(socket.SocketIO(self._sock, "rb"), buffer_size=1) as reader:
            try:
                self._set_timeout(timeout)
                yield reader
            except OSError as exc:
                raise _map_error(exc, action, self.host, self.port, timeout) from exc

    def write(self, data: bytes | memoryview, timeout: float | None) -> None:
        """Send all of ``data``.

        Raises:
            ReadTimeout: the socket buffer stayed full for ``timeout`` seconds.
            ConnectionError: the connection was reset or closed by the server.
        """
        try:
            self._set_timeout(timeout)
            self._sock.sendall(data)
        except OSError as exc:
            raise _map_error(exc, SENDING, self.host, self.port, timeout) from exc

    def is_readable(self) -> bool:
        """Whether a read would not block: on an idle connection, the server closed it
        (EOF) or sent something unasked. Either way it must not be reused."""
        sock = self._sock
        if sock.fileno() == -1:
            return True
        if self.is_tls and sock.pending():  # type: ignore[attr-defined]  # SSLSocket only
            return True
        if _USE_POLL:
            if self._poller is None:  # registered once: this runs before every reuse
                self._poller = select.poll()
                self._poller.register(sock, select.POLLIN)
            return bool(self._poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)

    def start_tls(
        self, context: ssl.SSLContext, server_hostname: str, timeout: float | None
    ) -> NetworkStream:
        """Wrap this stream in TLS and complete the handshake within ``timeout``.

        Raises:
            ConnectTimeout: the handshake did not finish in time.
            SSLError: the handshake failed, or the certificate did not verify.
            ConnectionError: the connection was reset during the handshake.
        """
        self._set_timeout(timeout)
        try:
            # wrap_socket detaches our socket: from here on tls_sock owns the descriptor.
            tls_sock = context.wrap_socket(
                self._sock, server_hostname=server_hostname, do_handshake_on_connect=False
            )
        except (OSError, ValueError) as exc:
            self.close()
            raise _map_error(exc, TLS_HANDSHAKE, self.host, self.port, timeout) from exc
        try:
            tls_sock.do_handshake()
        except OSError as exc:
            tls_sock.close()
            raise _map_error(exc, TLS_HANDSHAKE, self.host, self.port, timeout) from exc
        return NetworkStream(tls_sock, self.host, self.port, is_tls=True)

    def for_tunnel(self, host: str, port: int) -> NetworkStream:
        """This connection, once a proxy made it a tunnel to ``host:port``: errors from here
        on name the far end. The stream it came from must not be used again."""
        return NetworkStream(self._sock, host, port, is_tls=self.is_tls)

    def close(self) -> None:
        """Close the socket. Safe to call more than once; never raises."""
        with contextlib.suppress(OSError):  # close() practically never fails; never raise
            self._sock.close()


class TunnelledTLSStream:
    """TLS to an origin inside the TLS connection to an https proxy (TLS in TLS).

    The outer TLS owns the socket, so the inner one runs in memory (``tls.MemoryTLS``): this
    class is the loop around it, as http11 is around h11: ask the engine; if it needs bytes,
    read them from the outer stream and feed them in; send whatever it produced.

    Example:
        >>> stream = TunnelledTLSStream.handshake(proxy_stream, MemoryTLS(ctx, "a.com"), 5.0)
    """

    __slots__ = ("_outer", "_scratch", "_tls", "host", "port")

    def __init__(self, outer: NetworkStream, tls: MemoryTLS) -> None:
        self._outer = outer
        self._tls = tls
        self._scratch = memoryview(bytearray(_TUNNEL_READ_SIZE))
        self.host = outer.host
        self.port = outer.port

    @classmethod
    def handshake(
        cls, outer: NetworkStream, tls: MemoryTLS, timeout: float | None
    ) -> TunnelledTLSStream:
        """Complete the inner TLS handshake over ``outer`` (already a tunnel to the origin);
        ``outer`` is closed if it fails.

        Raises:
            ConnectTimeout: the origin did not answer in time.
            SSLError: the handshake failed, or the certificate did not verify.
            ConnectionError: the tunnel was closed or reset during the handshake.
        """
        stream = cls(outer, tls)
        try:
            while not stream._handshake_step(timeout):
                stream._receive(timeout, TLS_HANDSHAKE)
        except BaseException:
            outer.close()
            raise
        return stream

    def _handshake_step(self, timeout: float | None) -> bool:
        try:
            done = self._tls.do_handshake()
        except OSError as exc:  # ssl.SSLError: a failed handshake or verification
            raise _map_error(exc, TLS_HANDSHAKE, self.host, self.port, timeout) from exc
        self._flush(timeout)
        return done

    def _receive(self, timeout: float | None, action: str) -> None:
        # What the outer stream read (b"" at its end) goes to the engine as it came.
        count = self._outer.read_into(self._scratch, timeout, action)
        self._tls.receive(self._scratch[:count])

    def _flush(self, timeout: float | None) -> None:
        data = self._tls.data_to_send()
        if data:
            self._outer.write(data, timeout)

    def read_into(self, buffer: memoryview, timeout: float | None, action: str) -> int:
        """As NetworkStream.read_into.

        Raises:
            ReadTimeout, ConnectionError, SSLError: as NetworkStream.read_into.
        """
        while True:
            try:
                count = self._tls.read_into(buffer)
            except OSError as exc:  # ssl.SSLError: a broken record
                raise _map_error(exc, action, self.host, self.port, timeout) from exc
            if count is not None:
                return count
            self._receive(timeout, action)

    def read_exactly_into(self, buffer: memoryview, timeout: float | None, action: str) -> int:
        """As NetworkStream.read_exactly_into.

        Raises:
            ReadTimeout, ConnectionError, SSLError: as NetworkStream.read_into.
        """
        filled = 0
        while filled < len(buffer):
            count = self.read_into(buffer[filled:], timeout, action)
            if not count:
                break
            filled += count
        return filled

    def read_exactly(self, count: int, timeout: float | None, action: str) -> bytes:
        """As NetworkStream.read_exactly.

        Raises:
            ReadTimeout, ConnectionError, SSLError: as NetworkStream.read_into.
        """
        buffer = bytearray(count)
        with memoryview(buffer) as view:
            filled = self.read_exactly_into(view, timeout, action)
        del buffer[filled:]
        return bytes(buffer)

    def write(self, data: bytes | memoryview, timeout: float | None) -> None:
        """As NetworkStream.write.

        Raises:
            ReadTimeout, ConnectionError, SSLError: as NetworkStream.write.
        """
        with memoryview(data) as view:
            for start in range(0, len(view), _TUNNEL_WRITE_SIZE):
                try:
                    self._tls.write(view[start : start + _TUNNEL_WRITE_SIZE])
                except OSError as exc:  # ssl.SSLError
                    raise _map_error(exc, SENDING, self.host, self.port, timeout) from exc
                self._flush(timeout)

    def is_readable(self) -> bool:
        """As NetworkStream.is_readable: bytes the engine holds count too."""
        return self._tls.has_buffered_data() or self._outer.is_readable()

    def close(self) -> None:
        """Close the connection to the proxy (and so the tunnel). Never raises."""
        self._outer.close()


def connect_tcp(host: str, port: int, timeout: float | None) -> NetworkStream:
    """Open a TCP connection, trying every address the resolver returns within ``timeout``.

    IPv6 and IPv4 addresses are tried in the resolver's order, each with whatever is left of
    the one budget: ``timeout`` bounds the whole connect, not each attempt.

    Raises:
        ConnectionError: the name did not resolve, or every address refused or failed.
        ConnectTimeout: ``timeout`` seconds passed without a connection.
    """
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:  # socket.gaierror, and UnicodeError's OSError cousins
        error = ConnectionError(f"Failed to resolve {host!r} ({exc})")
        error.phase = RESOLVING
        raise error from exc
    deadline = None if timeout is None else time.monotonic() + timeout
    last_error: RequestException | None = None
    for family, sock_type, proto, _, address in addresses:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            break
        try:
            return _connect_one(family, sock_type, proto, address, host, port, remaining, timeout)
        except ConnectTimeout:
            raise
        except RequestException as exc:
            last_error = exc
    if last_error is not None:
        raise last_error
    raise ConnectTimeout(f"Timed out {CONNECTING} {host}:{port}{_describe_timeout(timeout)}")


def _connect_one(
    family: socket.AddressFamily,
    sock_type: socket.SocketKind,
    proto: int,
    address: tuple[str, int] | tuple[str, int, int, int] | tuple[int, bytes],
    host: str,
    port: int,
    wait: float | None,
    budget: float | None,
) -> NetworkStream:
    # ``wait`` is what is left of the caller's ``budget``; messages name the budget.
    sock = socket.socket(family, sock_type, proto)
    try:
        sock.settimeout(wait)
        sock.connect(address)
        # Requests are written as one head plus body pieces; Nagle would delay the last one.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError as exc:
        sock.close()
        raise _map_error(exc, CONNECTING, host, port, budget) from exc
    return NetworkStream(sock, host, port)
