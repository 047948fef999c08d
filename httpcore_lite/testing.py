"""A mock adapter for your own tests: canned answers, no network, no sockets.

Mount it like any adapter, for a prefix of URLs::

    mock = MockAdapter()
    mock.add("GET", "https://api.test/users/1", json={"id": 1, "name": "Ada"})
    session.mount("https://api.test/", mock)

or let it answer every request made through httpcore_lite, module-level calls included::

    with mocked() as mock:
        mock.add("GET", "https://api.test/users/1", json={"id": 1})
        code_under_test()

The answers go through the real Response (and the Session around it: redirects, cookies,
auth challenges, hooks), so code under test sees what it would see from a server.

Unlike the ``responses`` library, which patches urllib3, this needs neither urllib3 nor a
patched transport: ``mocked()`` only swaps ``HTTPAdapter.send`` for the time of the block.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json as jsonlib
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from ._urls import prepare_url
from .adapters import BaseAdapter, HTTPAdapter
from .exceptions import ConnectionError, RequestException
from .models import PreparedRequest, Response

__all__ = ["Call", "MockAdapter", "NoMatchingRoute", "Route", "mocked"]

_ANY: Any = object()  # "not given", where None is a value someone may match on
Answer = Response | tuple[int, Mapping[str, str], bytes | str] | RequestException
Callback = Callable[[PreparedRequest], Answer]


class NoMatchingRoute(ConnectionError):
    """A strict MockAdapter got a request that no route matches. A ConnectionError, as the
    request would have gone nowhere; the message lists the routes there are.

    Examples:
        >>> mock = MockAdapter()
        >>> with httpcore_lite.Session() as s:
        ...     _ = s.mount("https://api.test/", mock)
        ...     s.get("https://api.test/nothing")
        Traceback (most recent call last):
        ...
        httpcore_lite.testing.NoMatchingRoute: No route for GET https://api.test/nothing...
    """


class Call(NamedTuple):
    """One request the adapter saw, and what it answered (a Response, or the exception).

    Examples:
        >>> mock = MockAdapter()
        >>> _ = mock.add("GET", "https://api.test/", body="hi")
        >>> with httpcore_lite.Session() as s:
        ...     s.mount("https://api.test/", mock)
        ...     r = s.get("https://api.test/")
        >>> call = mock.calls[0]
        >>> call.request.url, call.response.status_code, call.error
        ('https://api.test/', 200, None)
    """

    request: PreparedRequest
    response: Response | None
    error: RequestException | None


class Route:
    r"""What a request must look like to be answered, and the answer.

    A request matches when its method and URL match and, if given, its query parameters
    include ``params`` and its JSON body equals ``json_body``. ``url`` is a string (the
    whole URL, query excluded unless it has one) or a compiled regular expression.
    ``MockAdapter.add`` makes them.

    Examples:
        >>> import re
        >>> route = MockAdapter().add("*", re.compile(r"/items/\d+$"), body="an item")
        >>> route
        <Route * /items/\d+$>
    """

    def __init__(
        self,
        method: str,
        url: str | re.Pattern[str],
        answer: Callback,
        params: Mapping[str, str] | None = None,
        json_body: Any = _ANY,
    ) -> None:
        self.method = method.upper()
        self.url = url
        self.params = dict(params) if params is not None else None
        self.json_body = json_body
        self._answer = answer
        self.calls: list[Call] = []

    def __repr__(self) -> str:
        url = self.url.pattern if isinstance(self.url, re.Pattern) else self.url
        extra = "" if self.params is None else f" params={self.params}"
        extra += "" if self.json_body is _ANY else f" json={self.json_body!r}"
        return f"<Route {self.method} {url}{extra}>"

    @property
    def call_count(self) -> int:
        """How many requests this route answered.

        Examples:
            >>> MockAdapter().add("GET", "https://api.test/").call_count
            0
        """
        return len(self.calls)

    def matches(self, request: PreparedRequest) -> bool:
        """Whether ``request`` is one this route answers.

        Examples:
            >>> route = MockAdapter().add("GET", "https://api.test/s", params={"q": "h11"})
            >>> request = httpcore_lite.Request("GET", "https://api.test/s?q=h11&page=2")
            >>> route.matches(request.prepare())
            True
        """
        if self.method not in ("*", (request.method or "").upper()):
            return False
        url = request.url or ""
        if isinstance(self.url, re.Pattern):
            if self.url.search(url) is None:
                return False
        elif not _same_url(self.url, url):
            return False
        if self.params is not None:
            query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
            if any(query.get(name) != value for name, value in self.params.items()):
                return False
        return self.json_body is _ANY or _json_of(request) == self.json_body

    def answer(self, request: PreparedRequest) -> Answer:
        """What the route answers ``request`` with: a Response, a (status, headers, body)
        tuple, or an exception for the adapter to raise.

        Examples:
            >>> route = MockAdapter().add("GET", "https://api.test/", status=204)
            >>> route.answer(httpcore_lite.Request("GET", "https://api.test/").prepare())
            (204, {}, b'')
        """
        return self._answer(request)


def _same_url(expected: str, url: str) -> bool:
    # A route without a query matches the URL whatever its query (params= checks that).
    if "?" in expected:
        return expected == url
    return expected == url.split("?", 1)[0].split("#", 1)[0]


def _json_of(request: PreparedRequest) -> Any:
    body = request.body
    if isinstance(body, (bytes, str)):
        try:
            return jsonlib.loads(body)
        except ValueError:
            return _ANY
    return _ANY


class MockAdapter(BaseAdapter):
    """An adapter that answers from routes instead of the network.

    Routes are tried in the order they were added; the first that matches answers. A
    strict adapter (the default) raises NoMatchingRoute for a request no route matches;
    otherwise it answers 404. Every request is logged in ``calls``. Thread-safe.

    Examples:
        >>> mock = MockAdapter()
        >>> _ = mock.add("GET", "https://api.test/users/1", json={"id": 1, "name": "Ada"})
        >>> with httpcore_lite.Session() as s:
        ...     s.mount("https://api.test/", mock)
        ...     s.get("https://api.test/users/1").json()
        {'id': 1, 'name': 'Ada'}
        >>> len(mock.calls), mock.calls[0].request.url
        (1, 'https://api.test/users/1')
    """

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict
        self.routes: list[Route] = []
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def add(
        self,
        method: str,
        url: str | re.Pattern[str],
        *,
        status: int = 200,
        json: Any = _ANY,
        body: bytes | str = b"",
        headers: Mapping[str, str] | None = None,
        callback: Callback | None = None,
        error: RequestException | None = None,
        params: Mapping[str, str] | None = None,
        match_json: Any = _ANY,
    ) -> Route:
        """Answer ``method`` (``"*"`` for any) on ``url`` with a canned response: ``status``,
        ``headers`` and ``json`` (serialised, with its Content-Type) or ``body``; or raise
        ``error``; or let ``callback(request)`` answer with a Response, a (status, headers,
        body) tuple, or an exception to raise. ``params`` and ``match_json`` narrow the
        match. Returns the route, whose ``calls`` log its own requests.

        Examples:
            >>> mock = MockAdapter()
            >>> route = mock.add("POST", "https://api.test/users", status=201,
            ...                  match_json={"name": "Ada"}, json={"id": 2})
            >>> route
            <Route POST https://api.test/users json={'name': 'Ada'}>

        Raises:
            ValueError: more than one of json, body, callback and error.
        """
        given = [json is not _ANY, bool(body), callback is not None, error is not None]
        if sum(given) > 1:
            raise ValueError("give one of json=, body=, callback= and error=")
        if callback is None:
            callback = _canned(status, headers or {}, json, body, error)
        if isinstance(url, str):
            url = prepare_url(url)  # as a Session will send it: "https://api.test/"
        route = Route(method, url, callback, params, match_json)
        with self._lock:
            self.routes.append(route)
        return route

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str | None] | None = None,
    ) -> Response:
        """Answer ``request`` from the first route that matches, and log the call. (A
        Session calls it; so can a test.)

        Examples:
            >>> mock = MockAdapter()
            >>> _ = mock.add("GET", "https://api.test/", json={"ok": True})
            >>> mock.send(httpcore_lite.Request("GET", "https://api.test/").prepare()).json()
            {'ok': True}

        Raises:
            NoMatchingRoute: no route matches (strict adapters only).
            RequestException: a route answers with it.
        """
        route = self._route_for(request)
        try:
            answer: Answer = (
                route.answer(request) if route is not None else self._unmatched(request)
            )
            if isinstance(answer, RequestException):
                raise answer
            response = _as_response(answer, request, self)
        except RequestException as exc:
            exc.request = exc.request or request
            self._log(route, Call(request, None, exc))
            raise
        self._log(route, Call(request, response, None))
        return response

    def _route_for(self, request: PreparedRequest) -> Route | None:
        with self._lock:
            routes = list(self.routes)
        return next((route for route in routes if route.matches(request)), None)

    def _unmatched(self, request: PreparedRequest) -> Answer:
        if not self.strict:
            return (404, {"Content-Type": "text/plain"}, b"No route matched")
        routes = "\n  ".join(map(repr, self.routes)) or "(none)"
        return NoMatchingRoute(
            f"No route for {request.method} {request.url}; the routes are:\n  {routes}",
            request=request,
        )

    def _log(self, route: Route | None, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            if route is not None:
                route.calls.append(call)

    def assert_all_called(self) -> None:
        """Check that every route answered at least once.

        Examples:
            >>> mock = MockAdapter()
            >>> _ = mock.add("GET", "https://api.test/never")
            >>> mock.assert_all_called()
            Traceback (most recent call last):
            ...
            AssertionError: Routes never called: [<Route GET https://api.test/never>]

        Raises:
            AssertionError: naming the routes never called.
        """
        idle = [route for route in self.routes if not route.calls]
        if idle:
            raise AssertionError(f"Routes never called: {idle}")

    def reset(self) -> None:
        """Forget the routes and the calls.

        Examples:
            >>> mock = MockAdapter()
            >>> _ = mock.add("GET", "https://api.test/")
            >>> mock.reset()
            >>> mock.routes, mock.calls
            ([], [])
        """
        with self._lock:
            self.routes.clear()
            self.calls.clear()

    def close(self) -> None:
        """Nothing to close: no connections. (A Session closes its adapters.)

        Examples:
            >>> MockAdapter().close()
        """


def _canned(
    status: int,
    headers: Mapping[str, str],
    json: Any,
    body: bytes | str,
    error: RequestException | None,
) -> Callback:
    if error is not None:
        # A copy per request: an exception carries its request and its traceback.
        return lambda request: copy.copy(error)
    fields = dict(headers)
    if json is not _ANY:
        body = jsonlib.dumps(json)
        fields.setdefault("Content-Type", "application/json")
    data = body.encode("utf-8") if isinstance(body, str) else body
    return lambda request: (status, fields, data)


def _as_response(
    answer: Response | tuple[int, Mapping[str, str], bytes | str],
    request: PreparedRequest,
    adapter: BaseAdapter,
) -> Response:
    if isinstance(answer, Response):
        answer.request = answer.request or request
        answer.url = answer.url or request.url
        answer.connection = adapter
        return answer
    status, headers, body = answer
    data = body.encode("utf-8") if isinstance(body, str) else body
    fields = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    if not any(name.lower() == b"content-length" for name, _ in fields):
        fields.append((b"Content-Length", str(len(data)).encode("ascii")))
    response = Response()
    response.status_code = status
    encoded = any(name.lower() == b"content-encoding" for name, _ in fields)
    cookies = any(name.lower() == b"set-cookie" for name, _ in fields)
    response.set_raw_headers(fields, encoded, cookies)
    response.reason = _reason(status)
    response.attach_body(io.BytesIO(data))  # read as a server's body would be
    response.url = request.url
    response.request = request
    response.connection = adapter
    return response


def _reason(status: int) -> str:
    from http import HTTPStatus  # (an enum: built on first use, not with the package)

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


@contextlib.contextmanager
def mocked(strict: bool = True) -> Iterator[MockAdapter]:
    """Answer every request made through an HTTPAdapter (module-level calls and every
    Session's default adapters) from one MockAdapter, for the time of the block.

    Examples:
        >>> with mocked() as mock:
        ...     _ = mock.add("GET", "https://api.test/ping", body="pong")
        ...     httpcore_lite.get("https://api.test/ping").text
        'pong'
    """
    mock = MockAdapter(strict=strict)
    original = HTTPAdapter.send

    def send(adapter: HTTPAdapter, request: PreparedRequest, **kwargs: Any) -> Response:
        return mock.send(request, **kwargs)

    with _PATCH_LOCK:
        HTTPAdapter.send = send  # type: ignore[assignment,method-assign]
    try:
        yield mock
    finally:
        with _PATCH_LOCK:
            HTTPAdapter.send = original  # type: ignore[method-assign]


_PATCH_LOCK = threading.Lock()
