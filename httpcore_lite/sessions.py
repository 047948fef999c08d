"""Session: settings that persist across requests, and keep-alive connections per adapter.

A request's settings are merged once, in a documented order: what the call passes beats
what the Session holds, and None passed for a key removes the Session's value. Then the
request is prepared (auth signs it last) and handed to the adapter mounted for its URL.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from time import perf_counter
from typing import Any, Final

from ._netrc import get_netrc_auth
from ._proxies import EnvironmentProxies, resolve_proxies
from ._redirects import (
    REDIRECT_STATI,
    next_request,
    redirect_target,
    resolve_location,
    should_strip_auth,
)
from ._version import __version__
from .adapters import BaseAdapter, HTTPAdapter, coerce_retries
from .exceptions import (
    InvalidSchema,
    InvalidURL,
    ReadTimeout,
    RequestException,
    TooManyRedirects,
)
from .hooks import default_hooks, dispatch_hook
from .models import PreparedRequest, Request, Response
from .retry import Retry
from .structures import CaseInsensitiveDict
from .timeouts import Deadline, Timeout, TimeoutInput, default_timeout
from .utils import environment_values, headers_known_valid

DEFAULT_REDIRECT_LIMIT: Final = 30
# ``timeout`` not passed: the Session's applies (an explicit None waits forever).
_SESSION_TIMEOUT: Final = object()
_MAPPINGS: Final = (dict, OrderedDict, CaseInsensitiveDict)


def default_user_agent(name: str = "python-httpcore-lite") -> str:
    """The User-Agent sent by default: ``python-httpcore-lite/<version>``."""
    return f"{name}/{__version__}"


DEFAULT_USER_AGENT: Final = default_user_agent()


def default_headers() -> CaseInsensitiveDict[str]:
    """The headers every Session starts with, as requests sends them (Accept-Encoding adds
    br and zstd when a module that decodes them is installed)."""
    from ._decoders import accept_encoding  # not at import: it looks for optional modules

    return CaseInsensitiveDict(
        {
            "User-Agent": DEFAULT_USER_AGENT,
            "Accept-Encoding": accept_encoding(),
            "Accept": "*/*",
            "Connection": "keep-alive",
        }
    )


def merge_setting(
    request_setting: Any, session_setting: Any, dict_class: type = OrderedDict
) -> Any:
    """The request's setting, laid over the Session's when both are mappings.

    A key the request sets to None is removed from the result.
    """
    if session_setting is None:
        return request_setting
    if request_setting is None:
        return session_setting
    # (type() first: the ABC isinstance check is slow, and these are plain dicts mostly.)
    if not (
        (type(session_setting) in _MAPPINGS or isinstance(session_setting, Mapping))
        and (type(request_setting) in _MAPPINGS or isinstance(request_setting, Mapping))
    ):
        return request_setting
    if not request_setting and None not in session_setting.values():
        return session_setting  # nothing to lay over or remove: no copy
    merged = dict_class(session_setting.items())
    merged.update(request_setting.items())
    for key in [k for k, v in merged.items() if v is None]:
        del merged[key]
    return merged


def merge_hooks(request_hooks: Any, session_hooks: Any, dict_class: type = OrderedDict) -> Any:
    """The request's hooks, or the Session's when the request has none (as requests: a
    request's "response" hooks replace the Session's, they do not add to them)."""
    if session_hooks is None or session_hooks.get("response") == []:
        return request_hooks
    if request_hooks is None or request_hooks.get("response") == []:
        return session_hooks
    return merge_setting(request_hooks, session_hooks, dict_class)


class Session:
    """A Session keeps settings and connections across requests.

    It is a context manager; closing it closes its idle connections.

    Example:
        >>> with httpcore_lite.Session() as s:
        ...     s.headers.update({"x-test": "true"})
        ...     s.get("https://httpbin.org/headers")
        <Response [200]>
    """

    __attrs__: Final = (
        "headers",
        "cookies",
        "auth",
        "proxies",
        "hooks",
        "params",
        "verify",
        "cert",
        "adapters",
        "stream",
        "trust_env",
        "max_redirects",
        "timeout",
    )

    # Made on first use; class defaults so that an unpickled Session has them too.
    _cookies: Any = None
    _environment_proxies: EnvironmentProxies | None = None
    _environment_ca_bundle: str | None = None  # "" once read and not set

    _retries: Retry | None = None

    def __init__(self, retries: Retry | int | None = None) -> None:
        """``retries`` (a Retry, or an int as HTTPAdapter's ``max_retries``) applies to every
        HTTPAdapter mounted without retries of its own; see ``retries``."""
        self.headers: CaseInsensitiveDict[Any] = default_headers()
        self.auth: Any = None
        self.proxies: dict[str, str] = {}
        self.hooks = default_hooks()
        self.params: Any = {}
        self.stream = False
        self.verify: bool | str = True
        self.cert: Any = None
        self.max_redirects = DEFAULT_REDIRECT_LIMIT
        self.trust_env = True
        # Used when a call passes no timeout; None waits forever. See default_timeout.
        self.timeout: TimeoutInput = default_timeout()
        self.adapters: OrderedDict[str, BaseAdapter] = OrderedDict()
        self.mount("https://", HTTPAdapter())
        self.mount("http://", HTTPAdapter())
        if retries is not None:
            self.retries = retries

    @property
    def retries(self) -> Retry | None:
        """The retry policy of every HTTPAdapter mounted without one of its own (None:
        theirs). Setting it is the short form of mounting adapters with ``max_retries``:
        ``session.retries = Retry(total=3, backoff_factor=0.5)``."""
        return self._retries

    @retries.setter
    def retries(self, value: Retry | int | None) -> None:
        self._retries = None if value is None else coerce_retries(value)
        for adapter in self.adapters.values():
            self._apply_retries(adapter)

    def _apply_retries(self, adapter: BaseAdapter) -> None:
        if isinstance(adapter, HTTPAdapter) and not adapter.has_own_retries:
            adapter.max_retries = self._retries or coerce_retries(None)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        return {attr: getattr(self, attr, None) for attr in self.__attrs__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for attr, value in state.items():
            setattr(self, attr, value)

    @property
    def cookies(self) -> Any:
        """The Session's RequestsCookieJar: sent where they match, on every request.

        Made when first read: a Session that never sees a cookie never loads
        ``http.cookiejar``.
        """
        if self._cookies is None:
            from .cookies import RequestsCookieJar

            self._cookies = RequestsCookieJar()
        return self._cookies

    @cookies.setter
    def cookies(self, value: Any) -> None:
        self._cookies = value

    def prepare_request(self, request: Request) -> PreparedRequest:
        """Merge the Session's settings into ``request`` and prepare it.

        Raises:
            MissingSchema, InvalidURL, InvalidHeader, InvalidJSONError: invalid input.
        """
        return self._prepare(
            request.method,
            request.url,
            request.headers,
            request.files,
            request.data,
            request.json,
            request.params,
            request.auth,
            request.hooks,
            request.cookies,
        )

    def _prepare(
        self,
        method: str | None,
        url: str | bytes | None,
        headers: Any,
        files: Any,
        data: Any,
        json: Any,
        params: Any,
        auth: Any,
        hooks: Any,
        cookies: Any = None,
    ) -> PreparedRequest:
        p = PreparedRequest()
        p.prepare_method(method or "")
        p.prepare_url(url, merge_setting(params, self.params))
        p.prepare_headers(self._merge_headers(headers))
        if cookies or self._cookies:  # no cookie work at all while there are none
            p.prepare_cookies(self._merge_cookies(cookies))
        p.prepare_body(data, files, json)
        auth = merge_setting(auth, self.auth)
        if auth is None and self.trust_env:
            auth = get_netrc_auth(p.url or "")  # cached: no file system work per request
        p.prepare_auth(auth, url)
        merged_hooks = merge_hooks(hooks, self.hooks)
        if merged_hooks:
            p.prepare_hooks(merged_hooks)
        return p

    def _merge_cookies(self, cookies: Any) -> Any:
        # The request's cookies over the Session's, in a new jar: the Session keeps its own.
        from .cookies import RequestsCookieJar, as_cookiejar, merge_cookies

        merged = RequestsCookieJar()
        if self._cookies:
            merge_cookies(merged, self._cookies)
        if cookies:
            merge_cookies(merged, as_cookiejar(cookies))
        return merged

    def _merge_headers(self, headers: Any) -> Any:
        session_headers = self.headers
        if (
            not headers
            and type(session_headers) is CaseInsensitiveDict
            and headers_known_valid(session_headers.pairs())
        ):
            return session_headers  # the usual call: valid, so without None values to drop
        # ({} rather than None: a session header set to None is then dropped, not sent.)
        return merge_setting(headers or {}, session_headers, dict_class=CaseInsensitiveDict)

    def request(
        self,
        method: str,
        url: str | bytes,
        params: Any = None,
        data: Any = None,
        headers: Mapping[str, Any] | None = None,
        cookies: Any = None,
        files: Any = None,
        auth: Any = None,
        timeout: Any = _SESSION_TIMEOUT,
        allow_redirects: bool = True,
        proxies: Mapping[str, str] | None = None,
        hooks: Mapping[str, Any] | None = None,
        stream: bool | None = None,
        verify: bool | str | None = None,
        cert: Any = None,
        json: Any = None,
    ) -> Response:
        """Construct a Request, prepare it with the Session's settings, and send it.

        Raises:
            MissingSchema, InvalidSchema, InvalidURL, InvalidHeader: before any socket opens.
            ConnectionError, ConnectTimeout, SSLError, ReadTimeout: the exchange failed.
        """
        if type(self).prepare_request is Session.prepare_request and not hooks:
            # Nobody overrides prepare_request to see the Request: prepare without one.
            prepared = self._prepare(
                method, url, headers, files, data, json, params, auth, None, cookies
            )
        else:
            req = Request(
                method=method.upper(),
                url=url,
                headers=headers,
                files=files,
                data=data or {},
                json=json,
                params=params or {},
                auth=auth,
                cookies=cookies,
                hooks=hooks,
            )
            prepared = self.prepare_request(req)
        verify = self.verify if verify is None else verify
        if verify is True and self.trust_env:
            verify = self._ca_bundle_from_environment() or True
        return self.send(
            prepared,
            timeout=self.timeout if timeout is _SESSION_TIMEOUT else timeout,
            allow_redirects=allow_redirects,
            stream=self.stream if stream is None else stream,
            verify=verify,
            cert=self.cert if cert is None else cert,
            proxies=proxies,
        )

    def _ca_bundle_from_environment(self) -> str:
        """REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE (as requests reads them), read once per
        Session; "" when neither is set. Unlike requests, it never overrides a Session's
        ``verify=False`` or a bundle of its own (requests issue 3829): it stands in for
        ``verify=True`` only."""
        bundle = self._environment_ca_bundle
        if bundle is None:
            found = environment_values(_CA_BUNDLE_VARIABLES)
            bundle = found.get("REQUESTS_CA_BUNDLE") or found.get("CURL_CA_BUNDLE") or ""
            self._environment_ca_bundle = bundle
        return bundle

    def get(self, url: str | bytes, **kwargs: Any) -> Response:
        """Send a GET request (redirects followed)."""
        kwargs.setdefault("allow_redirects", True)
        return self.request("GET", url, **kwargs)

    def options(self, url: str | bytes, **kwargs: Any) -> Response:
        """Send an OPTIONS request."""
        kwargs.setdefault("allow_redirects", True)
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: str | bytes, **kwargs: Any) -> Response:
        """Send a HEAD request (redirects not followed by default)."""
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
        """Send a POST request."""
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
        """Send a PUT request."""
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
        """Send a PATCH request."""
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: str | bytes, **kwargs: Any) -> Response:
        """Send a DELETE request."""
        return self.request("DELETE", url, **kwargs)

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        """Send a PreparedRequest through the adapter mounted for its URL.

        Raises:
            ValueError: ``request`` is a Request, not a PreparedRequest.
            InvalidSchema: no adapter is mounted for the URL's scheme.
            ConnectionError, ConnectTimeout, SSLError, ReadTimeout: the exchange failed.
        """
        if isinstance(request, Request):
            raise ValueError("You can only send PreparedRequests.")
        allow_redirects = kwargs.pop("allow_redirects", True)
        stream = kwargs.setdefault("stream", self.stream)
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("cert", self.cert)
        given_proxies = kwargs.get("proxies")
        if (
            given_proxies
            or self.proxies
            or (self.trust_env and self._environment_proxies is not _NO_ENVIRONMENT)
        ):
            kwargs["proxies"] = self._proxies_for(request.url or "", given_proxies)
        else:
            kwargs["proxies"] = {}  # the usual case, known after the first request
        # A total deadline spans every hop, auth answer, retry and body read.
        deadline = _deadline_for(kwargs["timeout"])
        response = self._exchange(request, kwargs, deadline)
        if response.status_code in REDIRECT_STATI:  # the one check a plain 200 pays
            if allow_redirects:
                response = self._follow_redirects(response, kwargs, given_proxies, deadline)
            else:
                response._next = self._next_hop(response, rewind=False, strict=False)
        if not stream:
            self._read_body(response)
        return response

    def _exchange(
        self, request: PreparedRequest, kwargs: dict[str, Any], deadline: Deadline | None
    ) -> Response:
        """One request and its response: the adapter, the cookies it set, an answer to an
        auth challenge (Digest's 401), and the response hooks. With a ``deadline``, the
        adapter gets what is left of it as the timeout's total.

        Raises:
            ReadTimeout: the deadline passed before the request could be sent.
        """
        adapter = self.get_adapter(request.url or "")
        if deadline is not None:
            kwargs = {**kwargs, "timeout": _what_is_left(kwargs["timeout"], deadline, request)}
        start = perf_counter()
        response = adapter.send(request, **kwargs)
        response.set_elapsed(perf_counter() - start)
        if response.sets_cookies:
            self._store_cookies(request, response)
        if request._auth is not None:
            response = self._answer_challenge(request, response, kwargs, deadline)
        hooks = request.hooks
        if hooks and hooks.get("response"):
            response = dispatch_hook("response", hooks, response, **kwargs)
        return response

    def _store_cookies(self, request: PreparedRequest, response: Response) -> None:
        from .cookies import extract_cookies_to_jar

        extract_cookies_to_jar(self.cookies, request, response)
        if request._cookies is not None:  # for a retry or a redirect of this request
            extract_cookies_to_jar(request._cookies, request, response)

    def _answer_challenge(
        self,
        request: PreparedRequest,
        response: Response,
        kwargs: dict[str, Any],
        deadline: Deadline | None,
    ) -> Response:
        # The auth builds the answer (or declines: None); it bounds its own attempts.
        retry = request._auth.retry_for(response)
        if retry is None:
            return response
        _discard_body(response)
        if retry._cookie_from_jar:
            retry.headers.pop("Cookie", None)
            retry._cookie_from_jar = False
        self._refresh_cookies(retry)
        answered = self._exchange(retry, kwargs, deadline)
        answered.history.insert(0, response)
        return answered

    def _follow_redirects(
        self,
        response: Response,
        kwargs: dict[str, Any],
        given_proxies: Any,
        deadline: Deadline | None,
    ) -> Response:
        """Send each hop until a response is no redirect. ``history`` lists the hops.

        Raises:
            TooManyRedirects: more than ``max_redirects`` hops (it carries the last response).
        """
        history: list[Response] = []
        while self.get_redirect_target(response) is not None:
            # The connection goes back first: whatever happens next (too many hops, a
            # Location that is no URL, a body that cannot be sent again) must not hold it.
            _discard_body(response)
            if len(history) >= self.max_redirects:
                raise TooManyRedirects(
                    f"Exceeded {self.max_redirects} redirects.", response=response
                )
            hop = self._next_hop(response)
            if hop is None:
                break
            history.append(response)
            # The proxy is chosen again for the new URL (NO_PROXY may say otherwise now);
            # Proxy-Authorization comes from that proxy's URL, never from the last hop.
            hop_kwargs = {**kwargs, "proxies": self._proxies_for(hop.url or "", given_proxies)}
            response = self._exchange(hop, hop_kwargs, deadline)
            # (A Digest 401 answered on this hop is in the response's history already.)
            response.history = history + response.history
        return response

    def _next_hop(
        self, response: Response, rewind: bool = True, strict: bool = True
    ) -> PreparedRequest | None:
        """The request a redirect response asks for, its cookies and credentials worked out
        for its URL; None when the response is no redirect. Not ``strict`` (for
        ``Response.next``), a Location that is no URL gives None rather than InvalidURL, and
        the body is not rewound until the caller sends it.

        Raises:
            InvalidURL: the Location is no URL (``strict``).
            UnrewindableBodyError: a 307/308 whose body cannot be sent again (``rewind``).
        """
        location = self.get_redirect_target(response)
        request = response.request
        if location is None or request is None:
            return None
        try:
            url = resolve_location(location, request.url or "")
        except InvalidURL:
            if strict:
                raise
            return None
        strip_auth = self.should_strip_auth(request.url or "", url)
        hop = next_request(request, response, url, strip_auth, rewind)
        if self.trust_env and "Authorization" not in hop.headers and hop._auth is None:
            credentials = get_netrc_auth(hop.url or "")
            if credentials is not None:
                hop.prepare_auth(credentials)  # .netrc again, for the new host
        self._refresh_cookies(hop)
        return hop

    def _proxies_for(self, url: str, given: Any) -> dict[str, str | None]:
        """The proxies for ``url``: the call's over the Session's, then the environment's
        (read once per Session) when ``trust_env``; {} at once when there are none."""
        environment = None
        if self.trust_env:
            environment = self._environment_proxies
            if environment is None:
                environment = EnvironmentProxies.read()
                # (Remembered as "none at all" too, so that send can skip this call.)
                self._environment_proxies = environment if environment else _NO_ENVIRONMENT
        return resolve_proxies(url, given, self.proxies, environment, self.trust_env)

    def get_redirect_target(self, resp: Response) -> str | None:
        """The Location a redirect response points to, or None (override to change)."""
        return redirect_target(resp)

    def should_strip_auth(self, old_url: str, new_url: str) -> bool:
        """Whether credentials must be dropped on a redirect from ``old_url`` to ``new_url``
        (override to change): they stay within one origin, and on the http -> https
        upgrade of the same host on default ports."""
        return should_strip_auth(old_url, new_url)

    def _refresh_cookies(self, request: PreparedRequest) -> None:
        # Cookies are evaluated again for every request sent after the first: the jars
        # may have gained some, and the URL may have changed.
        if request._cookies is not None or self._cookies:
            request.prepare_cookies(self._merge_cookies(request._cookies))

    @staticmethod
    def _read_body(response: Response) -> None:
        """Read the body now, so the connection goes back to the pool; an error while
        reading carries the request and the response, as errors in sending do."""
        try:
            response.content  # noqa: B018
        except RequestException as exc:
            exc.request = exc.request or response.request
            exc.response = exc.response or response
            raise

    def get_adapter(self, url: str) -> BaseAdapter:
        """The adapter mounted for the longest prefix of ``url``.

        Raises:
            InvalidSchema: no adapter's prefix matches.
        """
        lowered = url.lower()
        for prefix, adapter in self.adapters.items():
            if lowered.startswith(prefix.lower()):
                return adapter
        raise InvalidSchema(f"No connection adapters were found for {url!r}")

    def mount(self, prefix: str, adapter: BaseAdapter) -> None:
        """Use ``adapter`` for URLs that start with ``prefix``; longer prefixes win."""
        if self._retries is not None:
            self._apply_retries(adapter)
        self.adapters[prefix] = adapter
        for key in [k for k in self.adapters if len(k) < len(prefix)]:
            self.adapters[key] = self.adapters.pop(key)

    def close(self) -> None:
        """Close every adapter, and so every idle connection."""
        for adapter in self.adapters.values():
            adapter.close()


def session() -> Session:
    """A new Session (kept for requests compatibility; use ``Session()``)."""
    return Session()


_CA_BUNDLE_VARIABLES: Final = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
# The environment was read and names no proxy (or trust_env is off): see Session.send.
_NO_ENVIRONMENT: Final = EnvironmentProxies({})


# What is read of a redirect's (or a challenge's) body before its connection is dropped
# instead of reused: such bodies are small, and nobody reads them.
_DISCARD_LIMIT: Final = 1 << 16


def _discard_body(response: Response) -> None:
    """Release ``response``'s connection: read a small body to its end, close the
    connection under a large one. The body is never decoded (a decoding bomb behind a
    redirect costs nothing); ``content`` keeps it when it needed no decoding."""
    raw = response.raw
    if raw is None or response._content is not False:
        return
    body = b""
    try:
        body = raw.read(_DISCARD_LIMIT + 1, decode_content=False)
        if len(body) > _DISCARD_LIMIT or raw.read(1, decode_content=False):
            body = b""
            response.close()
    except (RequestException, TypeError):  # (TypeError: a raw that some adapter set)
        response.close()
    response._content = b"" if "content-encoding" in response.headers else body
    response._content_consumed = True


def _deadline_for(timeout: Any) -> Deadline | None:
    # Only a Timeout has a total; a number or a (connect, read) pair never does.
    total = timeout.total if type(timeout) is Timeout else None
    return None if total is None else Deadline(total)


def _what_is_left(timeout: Timeout, deadline: Deadline, request: PreparedRequest) -> Timeout:
    """``timeout`` with what is left of ``deadline`` as its total.

    Raises:
        ReadTimeout: nothing is left.
    """
    remaining = deadline.remaining()
    if remaining <= 0:
        raise ReadTimeout(
            f"Timed out before sending {request.method} {request.url}: {deadline.describe()}",
            request=request,
        )
    return timeout.with_total(remaining)
