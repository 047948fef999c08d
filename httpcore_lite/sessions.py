"""Session: settings that persist across requests, and keep-alive connections per adapter.

A request's settings are merged once, in a documented order: what the call passes beats
what the Session holds, and None passed for a key removes the Session's value. Then the
request is prepared (auth signs it last) and handed to the adapter mounted for its URL.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Collection, Mapping
from time import perf_counter
from typing import Any, Final
from urllib.parse import urlsplit

from ._netrc import NetrcCache
from ._proxies import EnvironmentProxies, resolve_proxies
from ._redirects import (
    DEFAULT_REDIRECT_SCHEMES,
    check_redirect_scheme,
    next_request,
    redirect_target,
    resolve_location,
    should_strip_auth,
)
from ._urls import prepare_url
from ._version import __version__
from .adapters import BaseAdapter, HTTPAdapter, coerce_retries
from .exceptions import (
    InvalidSchema,
    InvalidURL,
    ReadTimeout,
    RequestException,
    TooManyRedirects,
)
from .hooks import default_hooks, dispatch_hook, observe_request
from .models import PreparedRequest, Request, Response
from .retry import Retry
from .structures import CaseInsensitiveDict
from .timeouts import TIMEOUT_VARIABLE, Deadline, Timeout, TimeoutInput, default_timeout
from .utils import environment_values, headers_valid

DEFAULT_REDIRECT_LIMIT: Final = 30
# ``timeout`` not passed: the Session's applies (an explicit None waits forever).
_SESSION_TIMEOUT: Final = object()
_MAPPINGS: Final = (dict, OrderedDict, CaseInsensitiveDict)
# How many prepared URLs a Session keeps (emptied when full).
_CACHE_LIMIT: Final = 256


def default_user_agent(name: str = "python-httpcore-lite") -> str:
    """The User-Agent sent by default: ``python-httpcore-lite/<version>``."""
    return f"{name}/{__version__}"


DEFAULT_USER_AGENT: Final = default_user_agent()


def default_headers() -> CaseInsensitiveDict[str]:
    """The headers every Session starts with, as requests sends them (Accept-Encoding adds
    br and zstd when a module that decodes them is installed)."""
    return CaseInsensitiveDict.from_pairs(  # (pairs, not a dict: no per-item calls)
        (
            ("User-Agent", DEFAULT_USER_AGENT),
            ("Accept-Encoding", _accept_encoding()),
            ("Accept", "*/*"),
            ("Connection", "keep-alive"),
        )
    )


@functools.cache
def _accept_encoding() -> str:
    # Not at import: _decoders looks for optional modules. Once: the import statement would
    # cost a new Session (so every module-level get()) more than its headers do.
    from ._decoders import accept_encoding

    return accept_encoding()


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
    request's hooks for an event replace the Session's, they do not add to them)."""
    if session_hooks is None or not any(session_hooks.values()):
        return request_hooks
    if request_hooks is None or not any(request_hooks.values()):
        return session_hooks
    merged = dict_class(session_hooks)
    for event, hooks in request_hooks.items():
        if hooks:  # (an event the request has no hooks for keeps the Session's)
            merged[event] = hooks
    return merged


class Session:
    """A Session keeps settings and connections across requests.

    A request's settings are merged once: what the call passes beats what the Session
    holds (a key the call sets to None removes the Session's), which beats the environment
    (with ``trust_env``), which beats the defaults. It is a context manager; closing it
    closes its idle connections.

    Attributes:
        headers: Sent with every request (a CaseInsensitiveDict): User-Agent,
            Accept-Encoding, Accept and Connection to start with.
        cookies: A RequestsCookieJar: the cookies servers set, sent where they match.
        auth: An auth (or a ``(user, password)`` pair) for every request.
        proxies: ``{"https": "http://proxy:3128"}``: a proxy per scheme (or
            ``scheme://host``).
        hooks: ``{"request": [...], "response": [...]}``: callables run on every request
            before it is sent, and on every response.
        params: Query parameters added to every URL.
        stream: Whether responses are streamed (False: bodies are read at once).
        verify: True to check certificates against certifi's bundle, False not to check,
            or the path of a CA bundle.
        cert: A client certificate: a file path, or a ``(cert, key)`` pair.
        max_redirects: How many redirects a request follows (30).
        redirect_schemes: The URL schemes a redirect may lead to: ``http`` and ``https``.
            A redirect elsewhere (``http+unix://``, ``ftp://``, a scheme a custom adapter
            is mounted for) raises InvalidSchema before anything is sent there, whatever
            the first URL's scheme; add a scheme to follow such redirects.
        trust_env: Whether the environment counts: proxy variables, REQUESTS_CA_BUNDLE
            and CURL_CA_BUNDLE, ``.netrc``.
        timeout: The timeout of a call that passes none; see
            [`default_timeout`][httpcore_lite.timeouts.default_timeout].
        adapters: The mounted adapters, by URL prefix, longest first.

    Examples:
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
        "redirect_schemes",
    )

    # Made on first use; class defaults so that an unpickled Session has them too.
    _cookies: Any = None
    _environment_proxies: EnvironmentProxies | None = None
    _environment_ca_bundle: str | None = None  # "" once read and not set

    _retries: Retry | None = None
    _netrc: NetrcCache | None = None
    _checked_header_pairs: tuple[tuple[Any, Any], ...] | None = None  # found valid
    redirect_schemes: Collection[str] = DEFAULT_REDIRECT_SCHEMES

    def __init__(self, retries: Retry | int | None = None) -> None:
        """
        Args:
            retries: The retry policy of every HTTPAdapter mounted without retries of its
                own: a Retry, or an int as HTTPAdapter's ``max_retries`` (retries of
                failures to connect). None: theirs, which is no retries by default.

        Raises:
            TypeError: ``retries`` that is neither a Retry, an int nor None.
        """
        self.headers: CaseInsensitiveDict[Any] = default_headers()
        # Ours, valid as made (tests/unit/test_session_merge.py): no check on first use.
        self._checked_header_pairs = self.headers.pairs()
        self.auth: Any = None
        self.proxies: dict[str, str] = {}
        self.hooks = default_hooks()
        self.params: Any = {}
        self.stream = False
        self.verify: bool | str = True
        self.cert: Any = None
        self.max_redirects = DEFAULT_REDIRECT_LIMIT
        self.redirect_schemes = DEFAULT_REDIRECT_SCHEMES
        self.trust_env = True
        # Used when a call passes no timeout; None waits forever. See default_timeout.
        self.timeout: TimeoutInput = default_timeout(environment_values(_TIMEOUT_VARIABLE))
        self.adapters: OrderedDict[str, BaseAdapter] = OrderedDict()
        self._prepared_urls: dict[str, str] = {}
        self.mount("https://", HTTPAdapter())
        self.mount("http://", HTTPAdapter())
        if retries is not None:
            self.retries = retries

    @property
    def retries(self) -> Retry | None:
        """The retry policy of every HTTPAdapter mounted without one of its own (None:
        theirs). Setting it is the short form of mounting adapters with ``max_retries``.

        Examples:
            >>> from httpcore_lite.retry import Retry
            >>> s = httpcore_lite.Session()
            >>> s.retries = Retry(total=3, backoff_factor=0.5)
            >>> s.get_adapter("https://httpbin.org/").max_retries
            Retry(total=3, connect=None, read=None, redirect=None, status=None)

        Raises:
            TypeError: on setting a value that is neither a Retry, an int nor None.
        """
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
        self._prepared_urls = {}
        for attr, value in state.items():
            setattr(self, attr, value)

    @property
    def cookies(self) -> Any:
        """The Session's RequestsCookieJar: the cookies servers set, and any you set; sent
        where they match, on every request.

        Made when first read: a Session that never sees a cookie never loads
        ``http.cookiejar``.

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     r = s.get("https://httpbin.org/cookies/set/flavour/oatmeal")
            ...     s.cookies.get_dict()
            {'flavour': 'oatmeal'}
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

        Examples:
            >>> s = httpcore_lite.Session()
            >>> s.headers["X-Token"] = "abc"
            >>> p = s.prepare_request(httpcore_lite.Request("GET", "https://httpbin.org/get"))
            >>> p.headers["X-Token"]
            'abc'

        Raises:
            MissingSchema, InvalidURL: a URL without a scheme, or that is not valid.
            InvalidHeader: a header name or value that is not valid.
            InvalidJSONError: a ``json`` body that cannot be serialised (NaN, say).
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
        merged_params = merge_setting(params, self.params)
        if not merged_params and type(url) is str:
            p.url = self._prepared_url(url)
        else:
            p.prepare_url(url, merged_params)
        self._prepare_headers(p, headers)
        if cookies or self._cookies:  # no cookie work at all while there are none
            p.prepare_cookies(self._merge_cookies(cookies))
        p.prepare_body(data, files, json)
        auth = merge_setting(auth, self.auth)
        if auth is None and self.trust_env:
            auth = self._netrc_auth(p.url or "")
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

    def _prepared_url(self, url: str) -> str:
        """``prepare_url(url)``, kept per Session: a client calls the same URLs again and
        again. Bounded, and emptied when the Session closes (URLs carry tokens)."""
        prepared = self._prepared_urls.get(url)
        if prepared is None:
            prepared = prepare_url(url)
            if len(self._prepared_urls) >= _CACHE_LIMIT:
                self._prepared_urls.clear()
            self._prepared_urls[url] = prepared
        return prepared

    def _prepare_headers(self, p: PreparedRequest, headers: Any) -> None:
        session_headers = self.headers
        if not headers and type(session_headers) is CaseInsensitiveDict:
            # The usual call: the Session's own headers, checked once while they stay the
            # same (pairs() is one snapshot until the dict changes).
            pairs = session_headers.pairs()
            if pairs is self._checked_header_pairs or headers_valid(pairs):
                self._checked_header_pairs = pairs
                p.headers = session_headers.copy()
                return
        p.prepare_headers(self._merge_headers(headers))

    def _netrc_auth(self, url: str) -> tuple[str, str] | None:
        netrc = self._netrc
        if netrc is None:
            netrc = self._netrc = NetrcCache()
        return netrc.credentials_for(url)

    def _merge_headers(self, headers: Any) -> Any:
        session_headers = self.headers
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

        Args:
            method: The HTTP method: ``"GET"``, ``"POST"``... (in any case).
            url: The URL to send to, with its scheme.
            params: Query parameters to add to the URL: a dict, or a list of pairs.
            data: The body: a dict or a list of pairs (sent form-encoded), bytes, a str, a
                file or an iterator of bytes.
            headers: Headers to send, over the Session's (None as a value removes one).
            cookies: Cookies to send, a dict or a CookieJar, over the Session's.
            files: Files to upload as multipart/form-data: ``{"name": file}``, or
                ``{"name": (filename, file, content_type)}``; ``data``'s fields go along.
            auth: An auth, or a ``(user, password)`` pair for Basic auth.
            timeout: Seconds to wait: a number, a ``(connect, read)`` pair, a Timeout (which
                may have a total), or None to wait forever. Not given: the Session's.
            allow_redirects: Whether to follow redirects.
            proxies: A proxy per scheme (or ``scheme://host``), over the Session's.
            hooks: ``{"request"/"response": callable or list}``: run on the request before
                it is sent, and on the response.
            stream: Whether to leave the body to be read as you go (``iter_content``).
            verify: True to check the server's certificate, False not to, or the path of
                a CA bundle.
            cert: A client certificate: a file path, or a ``(cert, key)`` pair.
            json: An object to send as JSON, when neither ``data`` nor ``files`` is given.

        Returns:
            The Response, its body already read unless ``stream=True``.

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     r = s.request("GET", "https://httpbin.org/get", params={"page": 2})
            >>> r.url
            'https://httpbin.org/get?page=2'

        Raises:
            MissingSchema, InvalidSchema, InvalidURL: a URL that cannot be sent to; nothing
                was sent.
            InvalidHeader: a header name or value that is not valid; nothing was sent.
            ConnectionError: DNS failed, the connection was refused or broken (ProxyError
                and SSLError are ConnectionErrors too).
            Timeout: a timeout ran out: ConnectTimeout (nothing was sent) or ReadTimeout.
            TooManyRedirects: more redirects than ``max_redirects``.
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
            bundle = self._environment_ca_bundle  # read once per Session: no call after
            if bundle is None:
                bundle = self._ca_bundle_from_environment()
            verify = bundle or True
        settings = {
            "timeout": self.timeout if timeout is _SESSION_TIMEOUT else timeout,
            "stream": self.stream if stream is None else stream,
            "verify": verify,
            "cert": self.cert if cert is None else cert,
            "proxies": proxies,
        }
        if type(self).send is Session.send:  # nobody overrides send: skip its defaults
            return self._send(prepared, settings, allow_redirects)
        return self.send(prepared, allow_redirects=allow_redirects, **settings)

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
        """Send a GET request (redirects followed).

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     s.get("https://httpbin.org/redirect/1").history
            [<Response [302]>]

        Raises:
            RequestException: as [`request`][httpcore_lite.sessions.Session.request]
                raises them.
        """
        kwargs.setdefault("allow_redirects", True)
        return self.request("GET", url, **kwargs)

    def options(self, url: str | bytes, **kwargs: Any) -> Response:
        """Send an OPTIONS request.

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     s.options("https://httpbin.org/get").headers["Access-Control-Allow-Origin"]
            '*'

        Raises:
            RequestException: as [`request`][httpcore_lite.sessions.Session.request]
                raises them.
        """
        kwargs.setdefault("allow_redirects", True)
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: str | bytes, **kwargs: Any) -> Response:
        """Send a HEAD request (redirects not followed by default).

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     s.head("https://httpbin.org/redirect/1")
            <Response [302]>

        Raises:
            RequestException: as [`request`][httpcore_lite.sessions.Session.request]
                raises them.
        """
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
        """Send a POST request.

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     s.post("https://httpbin.org/post", data={"key": "value"}).json()["form"]
            {'key': 'value'}

        Raises:
            RequestException: as [`request`][httpcore_lite.sessions.Session.request]
                raises them.
        """
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
        """Send a PUT request.

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     s.put("https://httpbin.org/put", json=[1, 2]).json()["json"]
            [1, 2]

        Raises:
            RequestException: as [`request`][httpcore_lite.sessions.Session.request]
                raises them.
        """
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
        """Send a PATCH request.

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     s.patch("https://httpbin.org/patch", data="text").json()["data"]
            'text'

        Raises:
            RequestException: as [`request`][httpcore_lite.sessions.Session.request]
                raises them.
        """
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: str | bytes, **kwargs: Any) -> Response:
        """Send a DELETE request.

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     s.delete("https://httpbin.org/delete")
            <Response [200]>

        Raises:
            RequestException: as [`request`][httpcore_lite.sessions.Session.request]
                raises them.
        """
        return self.request("DELETE", url, **kwargs)

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        """Send a PreparedRequest through the adapter mounted for its URL.

        The keyword arguments are ``timeout``, ``allow_redirects``, ``stream``, ``verify``,
        ``cert`` and ``proxies``, as for ``request``; those not given are the Session's.
        Unlike ``request``, the Session's headers, cookies and auth are not added: that is
        ``prepare_request``'s work.

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     p = httpcore_lite.Request("GET", "http://httpbin.org/get").prepare()
            ...     s.send(p, timeout=5)
            <Response [200]>

        Raises:
            ValueError: ``request`` is a Request, not a PreparedRequest.
            InvalidSchema: no adapter is mounted for the URL's scheme.
            ConnectionError: DNS failed, the connection was refused or broken (ProxyError
                and SSLError are ConnectionErrors too).
            Timeout: a timeout ran out: ConnectTimeout (nothing was sent) or ReadTimeout.
            TooManyRedirects: more redirects than ``max_redirects``.
        """
        if isinstance(request, Request):
            raise ValueError("You can only send PreparedRequests.")
        allow_redirects = kwargs.pop("allow_redirects", True)
        kwargs.setdefault("stream", self.stream)
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("cert", self.cert)
        kwargs.setdefault("proxies", None)
        return self._send(request, kwargs, allow_redirects)

    def _send(
        self, request: PreparedRequest, settings: dict[str, Any], allow_redirects: bool
    ) -> Response:
        """``send``, with every setting given: stream, timeout, verify, cert, and proxies
        (the call's, which become the ones the adapter uses)."""
        given_proxies = settings["proxies"]
        if (
            given_proxies
            or self.proxies
            or (self.trust_env and self._environment_proxies is not _NO_ENVIRONMENT)
        ):
            settings["proxies"] = self._proxies_for(request.url or "", given_proxies)
        else:
            settings["proxies"] = {}  # the usual case, known after the first request
        # A total deadline spans every hop, auth answer, retry and body read.
        timeout = settings["timeout"]
        total = timeout.total if isinstance(timeout, Timeout) else None  # (not a number or pair)
        deadline = None if total is None else Deadline(total)
        response = self._exchange(request, settings, deadline)
        # get_redirect_target is asked of every response, as requests does (a subclass may
        # follow what it likes).
        if allow_redirects:
            response = self._follow_redirects(response, settings, given_proxies, deadline)
        else:
            response._next = self._next_hop(response, rewind=False, strict=False)
        if not settings["stream"]:
            self._read_body(response)
        return response

    def _exchange(
        self,
        request: PreparedRequest,
        kwargs: dict[str, Any],
        deadline: Deadline | None,
        response_hooks: bool = True,
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
        hooks = request.hooks
        if hooks and hooks.get("request"):
            observe_request(hooks, request, kwargs)
        start = perf_counter()
        response = adapter.send(request, **kwargs)
        response.set_elapsed(perf_counter() - start)
        if response.sets_cookies:
            self._store_cookies(request, response)
        if request._auth is not None:
            response = self._answer_challenge(request, response, kwargs, deadline)
        if response_hooks and hooks and hooks.get("response"):
            response = dispatch_hook("response", hooks, response, **kwargs)
        return response

    def _store_cookies(self, request: PreparedRequest, response: Response) -> None:
        from .cookies import extract_cookies_to_jar

        extract_cookies_to_jar(self.cookies, request, response)
        if request._cookies is not None:  # for a retry or a redirect of this request
            extract_cookies_to_jar(request._cookies, request, response)
        # The response's own jar now, as requests builds it: reading it later, after the
        # Session closed, would leave its URL in urllib.parse's cache (see close()).
        response.cookies  # noqa: B018

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
        # The response hooks run once, on the answer, when this call returns (as in
        # requests, where the challenge is answered inside the hooks).
        answered = self._exchange(retry, kwargs, deadline, response_hooks=False)
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
            InvalidSchema: the Location's scheme is not in ``redirect_schemes`` (``strict``).
            UnrewindableBodyError: a 307/308 whose body cannot be sent again (``rewind``).
        """
        location = self.get_redirect_target(response)
        request = response.request
        if location is None or request is None:
            return None
        try:
            url = resolve_location(location, request.url or "")
            check_redirect_scheme(url, self.redirect_schemes)
        except (InvalidURL, InvalidSchema) as exc:
            if strict:
                exc.request, exc.response = request, response
                raise
            return None
        strip_auth = self.should_strip_auth(request.url or "", url)
        hop = next_request(request, response, url, strip_auth, rewind)
        if self.trust_env and "Authorization" not in hop.headers and hop._auth is None:
            credentials = self._netrc_auth(hop.url or "")
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
        """The Location a redirect response points to, or None (override to change).

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     r = s.get("https://httpbin.org/redirect/1", allow_redirects=False)
            ...     s.get_redirect_target(r)
            '/get'
        """
        return redirect_target(resp)

    def should_strip_auth(self, old_url: str, new_url: str) -> bool:
        """Whether credentials must be dropped on a redirect from ``old_url`` to ``new_url``
        (override to change): they stay within one origin, and on the http -> https
        upgrade of the same host on default ports.

        Examples:
            >>> s = httpcore_lite.Session()
            >>> s.should_strip_auth("http://httpbin.org/a", "https://httpbin.org/b")
            False
            >>> s.should_strip_auth("https://httpbin.org/a", "https://example.com/b")
            True
        """
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
        """The adapter mounted for the longest prefix of ``url``; for an ``http+unix://``
        URL with none of its own, the one for ``http://``.

        Examples:
            >>> s = httpcore_lite.Session()
            >>> type(s.get_adapter("https://httpbin.org/get")).__name__
            'HTTPAdapter'
            >>> s.get_adapter("ftp://example.com/")
            Traceback (most recent call last):
            ...
            httpcore_lite.exceptions.InvalidSchema: No connection adapters were found for 'ftp://example.com/'

        Raises:
            InvalidSchema: no adapter's prefix matches.
        """
        lowered = url.lower()
        for prefix, adapter in self.adapters.items():
            if lowered.startswith(prefix.lower()):
                return adapter
        if lowered.startswith("http+unix://") and "http://" in self.adapters:
            # HTTP over a Unix socket: the http adapter speaks it (one fewer adapter per
            # Session, and ``adapters`` lists what requests' does).
            return self.adapters["http://"]
        raise InvalidSchema(f"No connection adapters were found for {url!r}")

    def mount(self, prefix: str, adapter: BaseAdapter) -> None:
        """Use ``adapter`` for URLs that start with ``prefix``; longer prefixes win.

        Examples:
            >>> from httpcore_lite.adapters import HTTPAdapter
            >>> s = httpcore_lite.Session()
            >>> s.mount("https://api.github.com/", HTTPAdapter(max_retries=3))
            >>> list(s.adapters)
            ['https://api.github.com/', 'https://', 'http://']
        """
        if self._retries is not None:
            self._apply_retries(adapter)
        self.adapters[prefix] = adapter
        for key in [k for k in self.adapters if len(k) < len(prefix)]:
            self.adapters[key] = self.adapters.pop(key)

    def pool_statistics(self) -> dict[str, dict[str, int]]:
        """The connections of this Session's adapters, per origin: ``idle`` and ``active``
        now, and how many were ``opened``, ``reused`` and ``discarded`` (closed by the pool:
        stale, expired, broken, closed early or surplus) since the Session was made.

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     for _ in range(3):
            ...         r = s.get("https://httpbin.org/get")
            ...     s.pool_statistics()["https://httpbin.org:443"]
            {'idle': 1, 'active': 0, 'opened': 1, 'reused': 2, 'discarded': 0}
        """
        merged: dict[str, dict[str, int]] = {}
        seen = set()
        for adapter in self.adapters.values():
            pool = getattr(adapter, "poolmanager", None)
            if pool is None or id(pool) in seen or not hasattr(pool, "statistics"):
                continue
            seen.add(id(pool))
            for origin, counts in pool.statistics().items():
                into = merged.setdefault(origin, dict.fromkeys(counts, 0))
                for name, count in counts.items():
                    into[name] = into.get(name, 0) + count
        return merged

    def close(self) -> None:
        """Close every adapter, and so every idle connection. A Session used as a context
        manager is closed when the block ends.

        Examples:
            >>> s = httpcore_lite.Session()
            >>> r = s.get("https://httpbin.org/get")
            >>> s.close()  # the connection r came on is closed
        """
        for adapter in self.adapters.values():
            adapter.close()
        # What was worked out for the requests sent goes too: URLs (with their tokens),
        # .netrc credentials. (The Session stays usable, and works them out again.)
        self._prepared_urls.clear()
        self._checked_header_pairs = None
        if self._netrc is not None:
            self._netrc.clear()
        _forget_split_urls()


def _forget_split_urls() -> None:
    # urllib.parse keeps the URLs it last split (an lru_cache since Python 3.11), and ours
    # passed through it: their tokens must not outlive the Session. (Others' entries go
    # too; the cost is a few microseconds of splitting again.)
    cache_clear = getattr(urlsplit, "cache_clear", None)
    if cache_clear is not None:
        cache_clear()


def session() -> Session:
    """A new Session (kept for requests compatibility; use ``Session()``).

    Examples:
        >>> with httpcore_lite.session() as s:
        ...     s.get("https://httpbin.org/get")
        <Response [200]>
    """
    return Session()


_CA_BUNDLE_VARIABLES: Final = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_TIMEOUT_VARIABLE: Final = (TIMEOUT_VARIABLE,)  # (read without a KeyError when unset)
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
