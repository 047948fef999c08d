"""Reaching an origin through an HTTP proxy: forwarding for http://, a tunnel for https://.

- **Forwarding (http:// origins).** The connection goes to the proxy, which is the peer:
  each request names the whole URL (absolute-form) and carries the proxy's headers
  (Proxy-Authorization). The adapter builds those heads; here only the connection is opened.
- **Tunnelling (https:// origins).** ``CONNECT host:port`` asks the proxy for a tunnel (its
  headers go on the CONNECT only); then TLS to the origin runs through it, and requests go
  inside in origin-form, as to the origin itself: the proxy sees neither them nor the
  answers. Through an https:// proxy that is TLS inside TLS (``network.TunnelledTLSStream``).

Either way the connection is pooled under a key holding the proxy (its address, TLS settings
and headers), the origin and the origin's TLS settings: a tunnel carries only requests for
its origin, with its verification, opened with the same credentials.

Failing to reach the proxy, or a refused CONNECT, raises ProxyError (a ConnectionError), as
in requests: the ConnectionError from below is re-raised as the more precise error here,
where it is known to concern a proxy. A timeout stays a ConnectTimeout.
"""

from __future__ import annotations

from typing import NamedTuple

from .._urls import Origin
from ..exceptions import ConnectionError, ConnectTimeout, ProxyError
from ..timeouts import Deadline
from .http11 import Headers, request_tunnel
from .network import NetworkStream, Stream, TunnelledTLSStream, connect_tcp
from .tls import MemoryTLS, TLSConfig, TLSContexts


class Proxy(NamedTuple):
    """An HTTP proxy as the transport needs it: part of the pool key.

    ``tls`` says how an https:// proxy's certificate is checked (None for an http:// proxy);
    ``headers`` go to the proxy only: on a CONNECT, or on each forwarded request.
    """

    origin: Origin
    tls: TLSConfig | None
    headers: Headers = ()

    def __str__(self) -> str:
        return str(self.origin)

    def __repr__(self) -> str:
        # Header values hold credentials: a pool key in a log or a debugger shows only names.
        names = [name.decode("latin-1") for name, _ in self.headers]
        return f"Proxy({self.origin}, tls={self.tls!r}, headers={names})"


def open_through_proxy(
    proxy: Proxy,
    origin: Origin,
    tls: TLSConfig | None,
    timeout: float | None,
    deadline: Deadline | None,
    contexts: TLSContexts,
) -> Stream:
    """A connection to ``origin`` through ``proxy``: to the proxy itself for an http://
    origin (forwarding); for https://, a CONNECT tunnel with TLS to the origin inside.
    Each step has ``timeout`` (the connect timeout), cut to what is left of ``deadline``;
    TLS contexts come from ``contexts`` (the pool's).

    Raises:
        ProxyError: the proxy could not be reached, or it refused the tunnel.
        ConnectTimeout: the proxy or the origin did not answer in time.
        SSLError: the TLS handshake with the origin failed, or its certificate did not verify.
    """
    stream = _connect_to_proxy(proxy, timeout, deadline, contexts)
    if tls is None:
        return stream
    try:
        _open_tunnel(stream, proxy, origin, timeout, deadline)
        context = contexts.get(tls)
    except BaseException:
        stream.close()
        raise
    tunnel = stream.for_tunnel(origin.host, origin.port)
    if not tunnel.is_tls:
        return tunnel.start_tls(context, origin.host, timeout, deadline)
    # An https:// proxy: its TLS owns the socket, so the origin's TLS runs in memory over it.
    try:
        engine = MemoryTLS(context, origin.host)
    except BaseException:
        tunnel.close()
        raise
    return TunnelledTLSStream.handshake(tunnel, engine, timeout, deadline)


def secure_stream(
    stream: NetworkStream,
    tls: TLSConfig,
    server_hostname: str,
    timeout: float | None,
    deadline: Deadline | None,
    contexts: TLSContexts,
) -> NetworkStream:
    """TLS over ``stream``, with the context ``contexts`` has for ``tls``, within ``timeout``
    and what is left of ``deadline``; the stream is closed when that fails.

    Raises:
        ConnectTimeout, SSLError, ConnectionError: as ``NetworkStream.start_tls``.
    """
    try:
        context = contexts.get(tls)
    except BaseException:
        stream.close()
        raise
    return stream.start_tls(context, server_hostname, timeout, deadline)


def _connect_to_proxy(
    proxy: Proxy, timeout: float | None, deadline: Deadline | None, contexts: TLSContexts
) -> NetworkStream:
    origin = proxy.origin
    try:
        stream = connect_tcp(origin.host, origin.port, timeout, deadline)
    except ConnectTimeout:
        raise
    except ConnectionError as exc:
        raise _proxy_error(proxy, exc) from exc
    if proxy.tls is None:
        return stream
    try:
        return secure_stream(stream, proxy.tls, origin.host, timeout, deadline, contexts)
    except ConnectTimeout:
        raise
    except ConnectionError as exc:  # an SSLError too: the proxy's certificate, say
        raise _proxy_error(proxy, exc) from exc


def _open_tunnel(
    stream: NetworkStream,
    proxy: Proxy,
    origin: Origin,
    timeout: float | None,
    deadline: Deadline | None,
) -> None:
    host = f"[{origin.host}]" if ":" in origin.host else origin.host
    authority = f"{host}:{origin.port}"
    try:
        head = request_tunnel(stream, authority.encode("ascii"), proxy.headers, timeout, deadline)
    except ConnectTimeout:
        raise
    except ConnectionError as exc:
        raise _proxy_error(proxy, exc) from exc
    if not 200 <= head.status_code < 300:
        raise ProxyError(
            f"Unable to connect to proxy {proxy}: tunnel connection to {authority} failed: "
            f"{head.status_code} {head.reason}"
        )


def _proxy_error(proxy: Proxy, exc: ConnectionError) -> ProxyError:
    # The phase goes along: a proxy that refused or reset the connection is a failure to
    # connect, which a Retry policy may retry as such (urllib3 does).
    error = ProxyError(f"Unable to connect to proxy {proxy}: {exc}")
    error.phase = exc.phase
    return error


__all__ = ["Proxy", "open_through_proxy"]
