"""Transport adapters: how a Session talks HTTP. HTTPAdapter sends over a ConnectionPool.

The adapter is the boundary between the requests vocabulary and the transport: it turns a
PreparedRequest into a RequestHead and a body, the transport's response head and body into a
Response, and it attaches the PreparedRequest to any error on the way out. It imports the
transport through its front door only (``_transport/__init__.py``).

With ``proxies``, the proxy for the URL is chosen here (``_proxies.select_proxy``) and becomes
part of the pool key; an http:// request is then written for the proxy (absolute-form target,
the proxy's headers), an https:// one for the origin at the end of a CONNECT tunnel.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Final

from . import _body
from ._body import rewind_body
from ._proxies import ProxyMapping, parse_proxy_url, select_proxy
from ._transport import (
    ConnectionPool,
    Headers,
    PoolKey,
    Proxy,
    RequestHead,
    ResponseBody,
    ResponseHead,
    TLSConfig,
)
from ._urls import UNIX_SCHEME, SplitURL, split_url
from .auth import _basic_auth_str
from .exceptions import InsecureRequestWarning, InvalidHeader, RequestException, RetryError
from .models import PreparedRequest, Response
from .retry import Retry, RetryExhausted
from .structures import CaseInsensitiveDict
from .timeouts import Deadline, Timeout, TimeoutInput
from .utils import check_header_validity

DEFAULT_POOLSIZE: Final = 10
_ANY_STATUS: Final = frozenset(range(100, 1000))  # a status line holds three digits
_NO_STATUS: Final[frozenset[int]] = frozenset()
DEFAULT_RETRIES: Final = 0
DEFAULT_POOLBLOCK: Final = False


class BaseAdapter:
    """The Base Transport Adapter: subclass it and implement ``send`` and ``close``.

    Examples:
        >>> from httpcore_lite.adapters import BaseAdapter
        >>> class Teapot(BaseAdapter):
        ...     def send(self, request, **kwargs):
        ...         response = httpcore_lite.Response()
        ...         response.status_code, response.url = 418, request.url
        ...         response.request = request
        ...         return response
        ...     def close(self):
        ...         pass
        >>> s = httpcore_lite.Session()
        >>> s.mount("https://tea.example/", Teapot())
        >>> s.get("https://tea.example/pot")
        <Response [418]>
    """

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: TimeoutInput = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: ProxyMapping | None = None,
    ) -> Response:
        """Send a PreparedRequest and return its Response.

        Args:
            request: The PreparedRequest to send.
            stream: Whether the caller reads the body as it goes; the Session reads it
                at once otherwise.
            timeout: A number, a ``(connect, read)`` pair, a Timeout, or None.
            verify: True to check the server's certificate, False not to, or the path of
                a CA bundle.
            cert: A client certificate: a file path, or a ``(cert, key)`` pair.
            proxies: A proxy per scheme (or ``scheme://host``), as the Session resolved
                them.

        Examples:
            >>> from httpcore_lite.adapters import BaseAdapter
            >>> BaseAdapter().send(httpcore_lite.Request("GET", "https://httpbin.org/").prepare())
            Traceback (most recent call last):
            ...
            NotImplementedError

        Raises:
            NotImplementedError: always, in the base class.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Clean up adapter-specific items (``Session.close`` closes every adapter).

        Examples:
            >>> from httpcore_lite.adapters import BaseAdapter
            >>> BaseAdapter().close()
            Traceback (most recent call last):
            ...
            NotImplementedError

        Raises:
            NotImplementedError: always, in the base class.
        """
        raise NotImplementedError


class HTTPAdapter(BaseAdapter):
    """The built-in HTTP adapter: keep-alive connections in a thread-safe pool.

    Args:
        pool_connections: How many hosts keep idle connections (the least recently used
            is dropped past it).
        pool_maxsize: How many idle connections each host keeps; with ``pool_block``,
            also how many may be open to it at once.
        max_retries: A Retry, or an int: that many retries of failures to connect (never
            once the request may have reached the server). 0 (or None): no retries.
        pool_block: Whether a request waits for a connection (up to its connect timeout)
            when ``pool_maxsize`` are in use, rather than opening one more.
        uds: The path of a Unix domain socket to send every request to, whatever host
            its URL names (which still goes in the Host header). (An ``http+unix://`` URL
            names its socket itself, and needs no such adapter.)
        sleep: How the adapter waits between retries (``time.sleep``); a test or an
            event loop's thread may give its own clock.

    Examples:
        >>> from httpcore_lite.adapters import HTTPAdapter
        >>> with httpcore_lite.Session() as s:
        ...     s.mount("https://", HTTPAdapter(pool_maxsize=32, max_retries=3))
        ...     s.get("https://httpbin.org/get")
        <Response [200]>

    Raises:
        TypeError: ``max_retries`` that is neither a Retry, an int nor None.
    """

    __attrs__: Final = (
        "max_retries",
        "has_own_retries",
        "_pool_connections",
        "_pool_maxsize",
        "_pool_block",
        "uds",
    )

    def __init__(
        self,
        pool_connections: int = DEFAULT_POOLSIZE,
        pool_maxsize: int = DEFAULT_POOLSIZE,
        max_retries: Any = DEFAULT_RETRIES,
        pool_block: bool = DEFAULT_POOLBLOCK,
        uds: str | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.max_retries = max_retries
        self.uds = uds
        self._sleep = sleep
        # A Session's ``retries`` applies to adapters made without retries of their own.
        self.has_own_retries = max_retries not in (None, DEFAULT_RETRIES)
        self._pool_connections = pool_connections
        self._pool_maxsize = pool_maxsize
        self._pool_block = pool_block
        self._proxy_cache: dict[tuple[str, bool | str], Proxy] = {}
        self._plans = ExchangePlans()
        self.init_poolmanager(pool_connections, pool_maxsize, block=pool_block)

    @property
    def max_retries(self) -> Retry:
        """The retry policy, always a Retry; assign a Retry or an int, as to
        ``max_retries=`` (an int retries failures to connect only).

        Examples:
            >>> from httpcore_lite.adapters import HTTPAdapter
            >>> HTTPAdapter(max_retries=2).max_retries
            Retry(total=2, connect=None, read=False, redirect=None, status=0)

        Raises:
            TypeError: on setting a value that is neither a Retry, an int nor None.
        """
        return self._max_retries

    @max_retries.setter
    def max_retries(self, value: Retry | int | None) -> None:
        retries = self._max_retries = coerce_retries(value)
        # The statuses that may be retried, worked out once: a response's status is then
        # one set lookup (none at all can be retried under the default policy). A policy
        # with an is_retry of its own is asked about every status.
        if retries is _NO_RETRIES:  # every adapter made with the defaults
            self._retry_statuses = _NO_STATUS
            return
        if type(retries).is_retry is not Retry.is_retry:
            self._retry_statuses = _ANY_STATUS
            return
        statuses: set[int] = set(retries.status_forcelist)
        if retries.total and retries.respect_retry_after_header:
            statuses |= Retry.RETRY_AFTER_STATUS_CODES
        self._retry_statuses = frozenset(statuses)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False) -> None:
        """(Re)create the connection pool with these limits (``pool_connections``,
        ``pool_maxsize`` and ``pool_block``). Connections of the pool it replaces are not
        closed: call it before the adapter is used.

        Examples:
            >>> from httpcore_lite.adapters import HTTPAdapter
            >>> adapter = HTTPAdapter()
            >>> adapter.init_poolmanager(connections=4, maxsize=2, block=True)
            >>> adapter.poolmanager
            <ConnectionPool [0 origins, 0 idle, 0 active]>
        """
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = ConnectionPool(num_pools=connections, maxsize=maxsize, block=block)

    def __getstate__(self) -> dict[str, Any]:
        return {attr: getattr(self, attr) for attr in self.__attrs__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for attr, value in state.items():
            setattr(self, attr, value)
        self._sleep = time.sleep
        self._proxy_cache = {}
        self._plans = ExchangePlans()
        self.init_poolmanager(self._pool_connections, self._pool_maxsize, self._pool_block)

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: TimeoutInput = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: ProxyMapping | None = None,
    ) -> Response:
        """Send ``request`` over a pooled connection; through the proxy that ``proxies``
        selects for its URL, if any. Failures are retried as ``max_retries`` says. The
        arguments are those of [`BaseAdapter.send`][httpcore_lite.adapters.BaseAdapter.send].

        Examples:
            >>> from httpcore_lite.adapters import HTTPAdapter
            >>> adapter = HTTPAdapter()
            >>> p = httpcore_lite.Request("GET", "http://httpbin.org/get").prepare()
            >>> r = adapter.send(p, timeout=5)
            >>> r.status_code, r.json()["url"]
            (200, 'http://httpbin.org/get')
            >>> adapter.close()

        Raises:
            InvalidSchema, InvalidURL: a URL the adapter cannot send to; a SOCKS proxy.
            InvalidProxyURL: a proxy URL without a valid host or port.
            InvalidHeader: a header that cannot be encoded.
            ProxyError: the proxy could not be reached, or refused the CONNECT tunnel.
            ConnectionError, ConnectTimeout, SSLError, ReadTimeout: the exchange failed.
        """
        retries = self._max_retries
        try:
            # Without proxies (the common case) this costs one truth test.
            proxy = (
                self._proxy_for(request.url or "", proxies, verify)
                if proxies and self.uds is None
                else None
            )
            timeout_setting = Timeout.coerce(timeout)
        except RequestException as exc:
            exc.request = exc.request or request
            raise
        # One deadline for every attempt, the waits between them and the body.
        total = timeout_setting.total
        deadline = None if total is None else Deadline(total)
        while True:
            try:
                resp = self._exchange(request, timeout_setting, verify, cert, proxy, deadline)
            except RequestException as exc:
                exc.request = exc.request or request
                retries, wait = _retry_after_error(retries, request, exc, deadline)  # or raises
                self._wait_for_attempt(request, retries, f"{type(exc).__name__}: {exc}", wait)
                continue
            response = self.build_response(request, resp)
            if retries is not self._max_retries:  # some were taken: Response.metrics says
                response._retries = len(retries.history)
            status = response.status_code
            if status in self._retry_statuses:
                after = _retry_after_status(retries, request, response, deadline)
                if after is not None:
                    retries, wait = after
                    self._wait_for_attempt(request, retries, f"status {status}", wait)
                    continue
            return response

    def _wait_for_attempt(
        self, request: PreparedRequest, retries: Retry, reason: str, wait: float
    ) -> None:
        """Before another attempt: rewind the body, log, and wait (through ``sleep``)."""
        _prepare_attempt(request, retries, reason, wait)
        if wait > 0:
            self._sleep(wait)

    def _exchange(
        self,
        request: PreparedRequest,
        timeout: Timeout,
        verify: bool | str,
        cert: Any,
        proxy: Proxy | None,
        deadline: Deadline | None,
    ) -> TransportResponse:
        headers = request.headers
        key, head = self._plans.plan(
            request.method or "GET",
            request.url or "",
            headers.pairs() if type(headers) is CaseInsensitiveDict else tuple(headers.items()),
            verify,
            cert if cert is None or isinstance(cert, str) else _normalise_cert(cert),
            proxy,
        )
        if self.uds is not None:
            key = key._replace(unix_socket=self.uds)
        if verify is False and (
            key.tls is not None or (proxy is not None and proxy.tls is not None)
        ):
            host = key.origin.host if key.tls is not None or proxy is None else proxy.origin.host
            warnings.warn(
                f"Unverified HTTPS request is being made to host '{host}'. "
                "Adding certificate verification is strongly advised.",
                InsecureRequestWarning,
                stacklevel=5,
            )
        body = request.body
        if body is not None:
            body = _body.body_to_send(body)
        return self.poolmanager.handle_request(key, head, body, timeout, deadline)

    def _proxy_for(self, url: str, proxies: ProxyMapping, verify: bool | str) -> Proxy | None:
        """The proxy ``proxies`` selects for ``url`` (None: go direct), built once per proxy
        URL and ``verify`` (which also checks an https:// proxy's certificate)."""
        proxy_url = select_proxy(url, proxies)
        if proxy_url is None:
            return None
        cache_key = (proxy_url, verify)
        proxy = self._proxy_cache.get(cache_key)
        if proxy is None:
            parsed = parse_proxy_url(proxy_url)
            headers = tuple(
                _encode_header(name, value) for name, value in self.proxy_headers(proxy_url).items()
            )
            tls = TLSConfig(verify=verify) if parsed.origin.scheme == "https" else None
            proxy = self._proxy_cache[cache_key] = Proxy(parsed.origin, tls, headers)
        return proxy

    def proxy_headers(self, proxy: str) -> dict[str, str]:
        """The headers sent to ``proxy`` (on a CONNECT, or with each forwarded http://
        request), never to an origin: Proxy-Authorization (Basic) from the credentials in
        the proxy URL, percent-decoded. Override it to send others; it is asked once per
        proxy URL.

        Examples:
            >>> from httpcore_lite.adapters import HTTPAdapter
            >>> HTTPAdapter().proxy_headers("http://user:pass@proxy:3128")
            {'Proxy-Authorization': 'Basic dXNlcjpwYXNz'}

        Raises:
            InvalidSchema: a proxy URL of another scheme than http or https (SOCKS, say).
            InvalidProxyURL: a proxy URL without a valid host or port.
        """
        parsed = parse_proxy_url(proxy)
        if not parsed.username:
            return {}
        return {"Proxy-Authorization": _basic_auth_str(parsed.username, parsed.password or "")}

    def request_url(self, request: PreparedRequest, proxies: ProxyMapping | None) -> str:
        """The request target ``request`` is sent with: the whole URL (without fragment) for
        an http:// request through a proxy, otherwise the path and query (as requests).
        (Informative: overriding it does not change what is sent.)

        Examples:
            >>> from httpcore_lite.adapters import HTTPAdapter
            >>> p = httpcore_lite.Request("GET", "http://httpbin.org/get?a=1").prepare()
            >>> adapter = HTTPAdapter()
            >>> adapter.request_url(p, {}), adapter.request_url(p, {"http": "http://proxy:3128"})
            ('/get?a=1', 'http://httpbin.org/get?a=1')

        Raises:
            InvalidSchema, InvalidURL: a URL the adapter cannot send to.
        """
        url = request.url or ""
        split = split_url(url)
        if split.origin.scheme == "http" and select_proxy(url, proxies):
            return absolute_target(split)
        return split.target

    def build_response(self, req: PreparedRequest, resp: TransportResponse) -> Response:
        """A Response for ``req`` over the transport's response head and body (override it
        to change or look at every response).

        Examples:
            >>> from httpcore_lite.adapters import HTTPAdapter
            >>> class Logging(HTTPAdapter):
            ...     def build_response(self, req, resp):
            ...         response = super().build_response(req, resp)
            ...         print(req.method, req.url, response.status_code)
            ...         return response
            >>> with httpcore_lite.Session() as s:
            ...     s.mount("https://", Logging())
            ...     r = s.get("https://httpbin.org/get")
            GET https://httpbin.org/get 200
        """
        head, body = resp
        response = Response()
        response.status_code = head.status_code
        response.set_raw_headers(head.headers, head.content_encoded, head.sets_cookies)
        response.reason = head.reason
        response.attach_body(body, version=10 if head.http_version == "1.0" else 11)
        response.url = req.url
        response.request = req
        response.connection = self
        response._record = body.record
        return response

    def close(self) -> None:
        """Close every idle connection of this adapter (direct, forwarded or tunnelled).

        Examples:
            >>> s = httpcore_lite.Session()
            >>> r = s.get("https://httpbin.org/get")
            >>> adapter = s.get_adapter("https://httpbin.org/")
            >>> adapter.poolmanager
            <ConnectionPool [1 origins, 1 idle, 0 active]>
            >>> adapter.close()
            >>> adapter.poolmanager
            <ConnectionPool [0 origins, 0 idle, 0 active]>
        """
        self.poolmanager.close()
        # What was worked out for the requests sent (heads with their credentials, proxy
        # headers) goes with the adapter's connections.
        self._plans.clear()
        self._proxy_cache.clear()


CertSetting = str | tuple[str, str] | None
# What the transport answers with: the response head and its body.
TransportResponse = tuple[ResponseHead, ResponseBody]


# requests' default: no retries, and a read error is raised at once. (Retry is immutable:
# every adapter can share this one, and a module-level get() need not build it again.)
_NO_RETRIES: Final = Retry(0, read=False)


def coerce_retries(max_retries: Retry | int | None) -> Retry:
    """requests' ``max_retries``: a Retry as it is; an int, that many retries of failures
    to connect only (DNS, refused, connect timeouts: never once data may have reached the
    server); 0 or None, none at all.

    Raises:
        TypeError: anything else.
    """
    if isinstance(max_retries, Retry):
        return max_retries
    if max_retries is None or max_retries == DEFAULT_RETRIES:
        return _NO_RETRIES
    if isinstance(max_retries, int) and not isinstance(max_retries, bool):
        return Retry(max_retries, read=False, other=0, status=0, respect_retry_after_header=False)
    raise TypeError(f"max_retries must be a Retry or an int, not {type(max_retries).__name__}")


def _retry_after_error(
    retries: Retry, request: PreparedRequest, error: RequestException, deadline: Deadline | None
) -> tuple[Retry, float]:
    """The policy for the next attempt after ``error``, and the wait before it; or raise the
    error, when the policy does not retry it or is spent, or the wait would outlast the
    deadline. (The policy classifies the error by its type and ``phase``.)
    """
    try:
        following: Retry | None = retries.increment(request.method, request.url, error=error)
    except RetryExhausted:
        following = None
    if following is None:
        # requests raises the last attempt's own error, not a wrapper; raised out here, it
        # keeps its cause (the OS error), which a raise inside the except would replace.
        raise error
    wait = following.get_backoff_time()
    if _outlasts(deadline, wait):
        raise error
    return following, wait


def _retry_after_status(
    retries: Retry, request: PreparedRequest, response: Response, deadline: Deadline | None
) -> tuple[Retry, float] | None:
    """The policy for the next attempt after a status in ``status_forcelist`` (or one with
    Retry-After), and the wait before it; None to hand ``response`` to the caller (not
    retried, or retries spent without ``raise_on_status``). A wait that would outlast the
    deadline counts as spent.

    Raises:
        RetryError: retries spent, with ``raise_on_status``.
    """
    method = request.method or "GET"
    has_retry_after = "retry-after" in response.headers
    if not retries.is_retry(method, response.status_code, has_retry_after):
        return None
    try:
        following = retries.increment(method, request.url, response=response)
    except RetryExhausted:
        _retries_spent(retries, request, response, "")
        return None
    wait = following.sleep_for(response)
    if _outlasts(deadline, wait):
        why = f" (waiting {wait:g} s more would outlast the total timeout)"
        _retries_spent(retries, request, response, why)
        return None
    _read_for_error(response)  # this answer is dropped; its connection goes back
    return following, wait


def _retries_spent(retries: Retry, request: PreparedRequest, response: Response, why: str) -> None:
    """Return (the caller gets the last response), or raise with ``raise_on_status``.

    Raises:
        RetryError: with ``raise_on_status``; it carries the response, body read.
    """
    if not retries.raise_on_status:
        return
    _read_for_error(response)
    raise RetryError(
        f"Retries exhausted for {request.method} {request.url}: "
        f"last status {response.status_code}{why}",
        request=request,
        response=response,
    )


def _outlasts(deadline: Deadline | None, wait: float) -> bool:
    return deadline is not None and wait >= deadline.remaining()


# A dropped answer's body up to this size is read (the connection can then carry the next
# attempt, and a RetryError still shows it); a larger one closes its connection.
_DRAIN_LIMIT: Final = 64 * 1024


def _read_for_error(response: Response) -> None:
    """Read a small body so its connection goes back to the pool; close a larger one."""
    try:
        length = int(response.headers.get("content-length", _DRAIN_LIMIT + 1))
        if length <= _DRAIN_LIMIT:
            response.content  # noqa: B018  # read: the connection goes back
            return
    except (ValueError, RequestException):
        pass
    response.close()


def _prepare_attempt(request: PreparedRequest, retries: Retry, reason: str, wait: float) -> None:
    # The body goes again from its start; one that cannot is not retried (requests' rule).
    # (Raised here, before the wait, as requests does.)
    rewind_body(request)
    import logging  # on first retry only: most processes never log from here

    logging.getLogger(__name__).debug(
        "Retrying %s %s after %s; waiting %.3f s (%r)",
        request.method,
        request.url,
        reason,
        wait,
        retries,
    )


Plan = tuple[PoolKey, RequestHead]


class ExchangePlans:
    """The plan of each distinct request an adapter sends (``plan_exchange``'s answers): a
    client sends the same few requests again and again. Owned by the adapter (the heads
    carry credentials and cookies: they go with it, and ``close`` forgets them), bounded:
    emptied when full. Threads may share it: a race costs one more plan.
    """

    __slots__ = ("_limit", "_plans")

    def __init__(self, limit: int = 256) -> None:
        self._plans: dict[tuple[Any, ...], Plan] = {}
        self._limit = limit

    def plan(
        self,
        method: str,
        url: str,
        headers: tuple[tuple[Any, Any], ...],
        verify: bool | str,
        cert: CertSetting,
        proxy: Proxy | None = None,
    ) -> Plan:
        """``plan_exchange(...)``, from the cache when this request was planned before.

        Raises:
            InvalidSchema, InvalidURL, InvalidHeader: as ``plan_exchange``.
        """
        key = (method, url, headers, verify, cert, proxy)
        try:
            found = self._plans.get(key)
        except TypeError:  # an unhashable header value: plan_exchange says what is wrong
            return plan_exchange(method, url, headers, verify, cert, proxy)
        if found is None:
            found = plan_exchange(method, url, headers, verify, cert, proxy)
            if len(self._plans) >= self._limit:
                self._plans.clear()
            self._plans[key] = found
        return found

    def clear(self) -> None:
        self._plans.clear()


def plan_exchange(
    method: str,
    url: str,
    headers: tuple[tuple[Any, Any], ...],
    verify: bool | str,
    cert: CertSetting,
    proxy: Proxy | None = None,
) -> Plan:
    """Where to send a request (the pool key) and its encoded head.

    The key holds the origin and, for https, the TLS settings: a connection is never shared
    between a verified and an unverified request (requests' CVE-2024-35195); and the proxy,
    if any. Both are pure functions of the arguments (an adapter keeps them: ExchangePlans).

    Raises:
        InvalidSchema, InvalidURL: a URL that cannot be sent to.
        InvalidHeader: a header that is not valid, or cannot be encoded as latin-1.
    """
    split = split_url(url)
    if proxy is not None and split.origin.scheme != UNIX_SCHEME:
        return _plan_through(proxy, split, method, headers, verify, cert)
    # Straight to the origin: proxy credentials (HTTPProxyAuth, or a header set by hand)
    # only ever go to a proxy, never to an origin (stricter than requests).
    encoded = encode_headers(split.host_header, headers, leave_out=_PROXY_AUTHORIZATION)
    head = RequestHead(method.encode("ascii"), split.target.encode("ascii"), encoded)
    if split.origin.scheme == UNIX_SCHEME:  # the socket named by the URL
        return PoolKey(split.origin, None, None, split.origin.host), head
    tls = TLSConfig(verify=verify, cert=cert) if split.origin.scheme == "https" else None
    return PoolKey(split.origin, tls), head


def _plan_through(
    proxy: Proxy,
    split: SplitURL,
    method: str,
    headers: tuple[tuple[Any, Any], ...],
    verify: bool | str,
    cert: CertSetting,
) -> tuple[PoolKey, RequestHead]:
    encoded = encode_headers(split.host_header, headers)
    if split.origin.scheme == "http":
        # Forwarding: the proxy is the peer. The request names the whole URL (absolute-form,
        # RFC 9112 section 3.2.2) and carries the proxy's headers, which replace the
        # request's own of the same name (as urllib3 does).
        replaced = {name.lower() for name, _ in proxy.headers}
        kept = tuple(header for header in encoded if header[0].lower() not in replaced)
        target = absolute_target(split)
        head = RequestHead(method.encode("ascii"), target.encode("ascii"), kept + proxy.headers)
        return PoolKey(split.origin, None, proxy), head
    # Tunnelling: inside the tunnel the origin is the peer, and nothing meant for the proxy
    # may reach it. A Proxy-Authorization set on the request (HTTPProxyAuth) goes on the
    # CONNECT instead, unless the proxy URL brought credentials of its own.
    own = tuple(header for header in encoded if header[0].lower() != _PROXY_AUTHORIZATION)
    if len(own) < len(encoded) and not any(
        name.lower() == _PROXY_AUTHORIZATION for name, _ in proxy.headers
    ):
        moved = tuple(header for header in encoded if header[0].lower() == _PROXY_AUTHORIZATION)
        proxy = proxy._replace(headers=proxy.headers + moved)
    head = RequestHead(method.encode("ascii"), split.target.encode("ascii"), own)
    return PoolKey(split.origin, TLSConfig(verify=verify, cert=cert), proxy), head


_PROXY_AUTHORIZATION: Final = b"proxy-authorization"


def absolute_target(split: SplitURL) -> str:
    """The absolute-form request target (RFC 9112 section 3.2.2) for a request to a proxy:
    scheme, authority, path and query; never credentials or the fragment."""
    return f"{split.origin.scheme}://{split.host_header}{split.target}"


def _normalise_cert(cert: Any) -> str | tuple[str, str] | None:
    if cert is None or isinstance(cert, str):
        return cert
    cert_file, key_file = cert
    return (str(cert_file), str(key_file))


def encode_headers(
    host: str, headers: Iterable[tuple[Any, Any]], leave_out: bytes | None = None
) -> Headers:
    """Host first (RFC 9112 section 3.2 asks for it early), then the request's headers,
    as latin-1 bytes, but the one named ``leave_out`` (lower case). A Host the caller set
    replaces ours.

    Names and values must be str or bytes, and latin-1 must encode them; their grammar
    (which also refuses CR, LF and NUL, in a PreparedRequest's headers changed after it was
    prepared, say) is checked by the pool before any connection: ``PreparedHead``.

    Raises:
        InvalidHeader: a name or value that is not str or bytes, or that latin-1 cannot
            encode.
    """
    encoded = []
    host_value: bytes = host.encode("ascii")
    for name, value in headers:
        if type(name) is str and type(value) is str and name.isascii() and value.isascii():
            name_bytes, value_bytes = name.encode(), value.encode()  # the usual pair
        else:
            name_bytes, value_bytes = _encode_header(name, value)
        lowered = name_bytes.lower()
        if lowered == b"host":
            host_value = value_bytes
        elif lowered != leave_out:
            encoded.append((name_bytes, value_bytes))
    return ((b"Host", host_value), *encoded)


def _encode_header(name: Any, value: Any) -> tuple[bytes, bytes]:
    if not (isinstance(name, (str, bytes)) and isinstance(value, (str, bytes))):
        check_header_validity((name, value))  # says what is wrong with the type
    try:
        name_bytes = name if isinstance(name, bytes) else name.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise InvalidHeader(f"Header name {name!r} cannot be encoded as latin-1") from exc
    try:
        value_bytes = value if isinstance(value, bytes) else value.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise InvalidHeader(
            f"Header value {value!r} of {name!r} cannot be encoded as latin-1"
        ) from exc
    return name_bytes, value_bytes


__all__ = ["BaseAdapter", "HTTPAdapter", "Retry"]
