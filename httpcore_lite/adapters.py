"""Transport adapters: how a Session talks HTTP. HTTPAdapter sends over a ConnectionPool.

The adapter is the boundary between the requests vocabulary and the transport: it turns a
PreparedRequest into a RequestHead and a body, a pooled response into a Response, and it
attaches the PreparedRequest to any error on the way out.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Final

from . import _body
from ._transport.http11 import Headers, RequestHead
from ._transport.pool import ConnectionPool, PooledResponse, PoolKey
from ._transport.tls import TLSConfig
from ._urls import split_url
from .exceptions import InsecureRequestWarning, InvalidHeader, RequestException
from .models import PreparedRequest, Response
from .structures import CaseInsensitiveDict
from .timeouts import Timeout, TimeoutInput
from .utils import check_header_validity

DEFAULT_POOLSIZE: Final = 10
DEFAULT_RETRIES: Final = 0
DEFAULT_POOLBLOCK: Final = False


class BaseAdapter:
    """The Base Transport Adapter: subclass it and implement ``send`` and ``close``.

    Example:
        >>> class Canned(BaseAdapter):
        ...     def send(self, request, **kwargs): ...
        ...     def close(self): pass
    """

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: TimeoutInput = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Send a PreparedRequest and return its Response.

        Raises:
            NotImplementedError: always, in the base class.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Clean up adapter-specific items."""
        raise NotImplementedError


class HTTPAdapter(BaseAdapter):
    """The built-in HTTP adapter: keep-alive connections in a thread-safe pool.

    ``pool_connections`` is how many hosts keep idle connections, ``pool_maxsize`` how many
    idle connections each keeps; with ``pool_block`` no more than ``pool_maxsize`` are open
    per host at once and further requests wait for one.

    Example:
        >>> s = httpcore_lite.Session()
        >>> s.mount("https://", HTTPAdapter(pool_maxsize=32))
    """

    __attrs__: Final = ("max_retries", "_pool_connections", "_pool_maxsize", "_pool_block")

    def __init__(
        self,
        pool_connections: int = DEFAULT_POOLSIZE,
        pool_maxsize: int = DEFAULT_POOLSIZE,
        max_retries: Any = DEFAULT_RETRIES,
        pool_block: bool = DEFAULT_POOLBLOCK,
    ) -> None:
        if max_retries not in (0, None):
            # Failing loudly beats silently not retrying what the caller asked to retry.
            raise NotImplementedError("max_retries arrives with the Retry class (Resilience)")
        self.max_retries = max_retries
        self._pool_connections = pool_connections
        self._pool_maxsize = pool_maxsize
        self._pool_block = pool_block
        self.init_poolmanager(pool_connections, pool_maxsize, block=pool_block)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False) -> None:
        """(Re)create the connection pool with these limits."""
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = ConnectionPool(num_pools=connections, maxsize=maxsize, block=block)

    def __getstate__(self) -> dict[str, Any]:
        return {attr: getattr(self, attr) for attr in self.__attrs__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for attr, value in state.items():
            setattr(self, attr, value)
        self.init_poolmanager(self._pool_connections, self._pool_maxsize, self._pool_block)

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: TimeoutInput = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Send ``request`` over a pooled connection.

        Raises:
            InvalidSchema, InvalidURL: a URL the adapter cannot send to.
            InvalidHeader: a header that cannot be encoded.
            ConnectionError, ConnectTimeout, SSLError, ReadTimeout: the exchange failed.
        """
        try:
            pooled = self._exchange(request, Timeout.coerce(timeout), verify, cert)
        except RequestException as exc:
            if exc.request is None:
                exc.request = request
            raise
        return self.build_response(request, pooled)

    def _exchange(
        self, request: PreparedRequest, timeout: Timeout, verify: bool | str, cert: Any
    ) -> PooledResponse:
        headers = request.headers
        key, head = plan_exchange(
            request.method or "GET",
            request.url or "",
            headers.pairs() if type(headers) is CaseInsensitiveDict else tuple(headers.items()),
            verify,
            cert if cert is None or isinstance(cert, str) else _normalise_cert(cert),
        )
        if key.tls is not None and verify is False:
            warnings.warn(
                f"Unverified HTTPS request is being made to host '{key.origin.host}'. "
                "Adding certificate verification is strongly advised.",
                InsecureRequestWarning,
                stacklevel=5,
            )
        body = request.body
        if body is not None:
            body = _body.body_to_send(body)
        return self.poolmanager.handle_request(key, head, body, timeout)

    def build_response(self, req: PreparedRequest, pooled: PooledResponse) -> Response:
        """A Response for ``req`` over the pooled response's head and body."""
        response = Response()
        head = pooled.head
        response.status_code = head.status_code
        response.set_raw_headers(head.headers, head.content_encoded, head.sets_cookies)
        response.reason = head.reason
        response.attach_body(pooled, version=10 if head.http_version == "1.0" else 11)
        response.url = req.url
        response.request = req
        response.connection = self
        return response

    def close(self) -> None:
        """Close every idle connection of this adapter."""
        self.poolmanager.close()


CertSetting = str | tuple[str, str] | None


def plan_exchange(
    method: str,
    url: str,
    headers: tuple[tuple[Any, Any], ...],
    verify: bool | str,
    cert: CertSetting,
) -> tuple[PoolKey, RequestHead]:
    """Where to send a request (the pool key) and its encoded head.

    The key holds the origin and, for https, the TLS settings: a connection is never shared
    between a verified and an unverified request (requests' CVE-2024-35195). Both are pure
    functions of the arguments, and a client sends the same few requests again and again,
    so the answer is cached.

    Raises:
        InvalidSchema, InvalidURL: a URL that cannot be sent to.
        InvalidHeader: a header that is not valid, or cannot be encoded as latin-1.
    """
    try:
        return _plan(method, url, headers, verify, cert)
    except TypeError:
        # An unhashable header value, set by hand after the request was prepared: the
        # check says what is wrong with it.
        for header in headers:
            check_header_validity(header)
        raise


@functools.lru_cache(maxsize=256)
def _plan(
    method: str,
    url: str,
    headers: tuple[tuple[Any, Any], ...],
    verify: bool | str,
    cert: CertSetting,
) -> tuple[PoolKey, RequestHead]:
    split = split_url(url)
    tls = TLSConfig(verify=verify, cert=cert) if split.origin.scheme == "https" else None
    head = RequestHead(
        method=method.encode("ascii"),
        target=split.target.encode("ascii"),
        headers=encode_headers(split.host_header, headers),
    )
    return PoolKey(split.origin, tls), head


def _normalise_cert(cert: Any) -> str | tuple[str, str] | None:
    if cert is None or isinstance(cert, str):
        return cert
    cert_file, key_file = cert
    return (str(cert_file), str(key_file))


def encode_headers(host: str, headers: Iterable[tuple[Any, Any]]) -> Headers:
    """Host first (RFC 9112 section 3.2 asks for it early), then the request's headers,
    as latin-1 bytes. A Host the caller set replaces ours.

    Headers are checked again here: a PreparedRequest's headers can be changed after it
    was prepared (pairs already found valid cost a set lookup).

    Raises:
        InvalidHeader: a header that is not valid, or a value latin-1 cannot encode.
    """
    encoded = []
    host_value: bytes = host.encode("ascii")
    for name, value in headers:
        check_header_validity((name, value))
        name_bytes = name if isinstance(name, bytes) else name.encode("latin-1")
        try:
            value_bytes = value if isinstance(value, bytes) else value.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise InvalidHeader(
                f"Header value {value!r} of {name!r} cannot be encoded as latin-1"
            ) from exc
        if name_bytes.lower() == b"host":
            host_value = value_bytes
        else:
            encoded.append((name_bytes, value_bytes))
    return ((b"Host", host_value), *encoded)


__all__ = ["BaseAdapter", "HTTPAdapter"]
