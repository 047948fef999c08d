"""Request, PreparedRequest and Response: requests' vocabulary, with its observable behaviour.

Nothing here touches the network: a Response reads its body from ``raw``, whatever the
adapter put there.
"""

from __future__ import annotations

from _io import _IOBase
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from . import _body, _urls
from ._limits import MAX_DECODED_RATIO, MAX_DECODED_SIZE
from .auth import coerce_auth
from .exceptions import (
    HTTPError,
    MissingSchema,
    StreamConsumedError,
)
from .hooks import HOOKS, default_hooks, dispatch_hook
from .structures import CaseInsensitiveDict
from .utils import (
    FALLBACK_ENCODING,
    check_header_pairs,
    check_header_validity,
    decode_headers,
    decode_text,
    decode_unicode_stream,
    get_auth_from_url,
    get_encoding_from_headers,
    guess_encoding,
    guess_json_utf,
    iter_slices,
    parse_header_links,
    split_lines,
    split_on_delimiter,
    text_codec,
)

if TYPE_CHECKING:  # pragma: no cover
    import datetime

    from ._raw import Body
    from .metrics import ExchangeRecord, Metrics, Timings

# RFC 9110 section 15.4: the redirects requests follows.
REDIRECT_STATI: Final = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECT_STATI: Final = frozenset({301, 308})
CONTENT_CHUNK_SIZE: Final = 10 * 1024
ITER_CHUNK_SIZE: Final = 512


class RequestHooksMixin:
    hooks: dict[str, list[Callable[..., Any]]]

    def register_hook(self, event: str, hook: Any) -> None:
        """Properly register a hook (or an iterable of hooks) for ``event``.

        A hook is called with the Response and the send keyword arguments; if it returns
        something, that replaces the Response.

        Examples:
            >>> req = httpcore_lite.Request("GET", "http://httpbin.org/get")
            >>> req.register_hook("response", lambda r, **kwargs: print(r.status_code, r.url))
            >>> with httpcore_lite.Session() as s:
            ...     r = s.send(req.prepare())
            200 http://httpbin.org/get

        Raises:
            ValueError: an event other than "request" and "response".
        """
        if event not in self.hooks:
            raise ValueError(f'Unsupported event specified, with event name "{event}"')
        if callable(hook):
            self.hooks[event].append(hook)
        elif hasattr(hook, "__iter__"):
            self.hooks[event].extend(h for h in hook if callable(h))

    def deregister_hook(self, event: str, hook: Any) -> bool:
        """Deregister a previously registered hook; True if it was registered.

        Examples:
            >>> req = httpcore_lite.Request("GET", "https://httpbin.org/get")
            >>> req.register_hook("response", print)
            >>> req.deregister_hook("response", print), req.deregister_hook("response", print)
            (True, False)
        """
        try:
            self.hooks[event].remove(hook)
        except ValueError:
            return False
        return True


class Request(RequestHooksMixin):
    """A user-created Request, to be prepared (``prepare()`` or
    ``Session.prepare_request()``) and sent (``Session.send()``). Nothing is checked until
    it is prepared.

    The arguments are those of [`Session.request`][httpcore_lite.sessions.Session.request]
    (``hooks`` as ``{"response": callable or list}``), and are kept as attributes of the
    same names.

    Examples:
        >>> req = httpcore_lite.Request("GET", "https://httpbin.org/get", params={"q": "1"})
        >>> req.prepare().url
        'https://httpbin.org/get?q=1'
    """

    def __init__(
        self,
        method: str | None = None,
        url: str | bytes | None = None,
        headers: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Any = None,
        params: Any = None,
        auth: Any = None,
        cookies: Any = None,
        hooks: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> None:
        self.hooks = default_hooks()
        for event, hook in (hooks or {}).items():
            self.register_hook(event, hook)
        self.method = method
        self.url = url
        self.headers = {} if headers is None else headers
        self.files = [] if files is None else files
        self.data = [] if data is None else data
        self.json = json
        self.params = {} if params is None else params
        self.auth = auth
        self.cookies = cookies

    def __repr__(self) -> str:
        return f"<Request [{self.method}]>"

    def prepare(self) -> PreparedRequest:
        """The PreparedRequest for transmission (without a Session's settings: see
        ``Session.prepare_request``).

        Examples:
            >>> req = httpcore_lite.Request("POST", "https://httpbin.org/post", data={"a": "1"})
            >>> p = req.prepare()
            >>> p.method, p.body, p.headers["Content-Type"]
            ('POST', 'a=1', 'application/x-www-form-urlencoded')

        Raises:
            MissingSchema, InvalidURL: a URL without a scheme, or that is not valid.
            InvalidHeader: a header name or value that is not valid.
            InvalidJSONError: a ``json`` body that cannot be serialised (NaN, say).
        """
        p = PreparedRequest()
        p.prepare(
            method=self.method,
            url=self.url,
            headers=self.headers,
            files=self.files,
            data=self.data,
            json=self.json,
            params=self.params,
            auth=self.auth,
            cookies=self.cookies,
            hooks=self.hooks,
        )
        return p


class PreparedRequest(RequestHooksMixin):
    """The exact bytes-to-be: method, URL, headers and body, as they will be sent.

    Made by ``Request.prepare()`` or ``Session.prepare_request()``; its ``prepare_*`` steps
    are public, as in requests, but rarely needed one by one.

    Examples:
        >>> p = httpcore_lite.Request("POST", "https://httpbin.org/post", json={"a": 1}).prepare()
        >>> p.headers["Content-Type"], p.body
        ('application/json', b'{"a": 1}')
    """

    # Immutable defaults live on the class, as for Response: one is built per request.
    method: str | None = None
    """The HTTP method, upper-cased: ``"GET"``."""
    url: str | None = None
    """The URL to send to, normalised, with the query parameters."""
    headers: CaseInsensitiveDict[Any] = None  # type: ignore[assignment]  # as requests: set by prepare_headers
    """The headers to send (a CaseInsensitiveDict); Host is added when sending."""
    body: Any = None
    """The body to send: bytes, a str, a file or an iterator of bytes; None for none."""
    _cookies: Any = None
    _cookie_from_jar = False  # the Cookie header came from ``_cookies``, not the caller
    _body_position: int | object | None = None
    _auth: Any = None  # an auth that may answer a challenge (``retry_for``): see sessions

    def __init__(self) -> None:
        # default_hooks(), written out: one PreparedRequest is made per request.
        self.hooks: dict[str, list[Callable[..., Any]]] = {"request": [], "response": []}

    def __repr__(self) -> str:
        return f"<PreparedRequest [{self.method}]>"

    def prepare(
        self,
        method: str | None = None,
        url: str | bytes | None = None,
        headers: Mapping[str, Any] | None = None,
        files: Any = None,
        data: Any = None,
        params: Any = None,
        auth: Any = None,
        cookies: Any = None,
        hooks: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> None:
        """Prepare the entire request. Auth runs last: it may sign the body.

        Examples:
            >>> p = httpcore_lite.PreparedRequest()
            >>> p.prepare("GET", "https://httpbin.org/get", params={"q": "1"}, auth=("me", "pw"))
            >>> p.url, p.headers["Authorization"]
            ('https://httpbin.org/get?q=1', 'Basic bWU6cHc=')

        Raises:
            MissingSchema, InvalidURL: a URL without a scheme, or that is not valid.
            InvalidHeader: a header name or value that is not valid.
            InvalidJSONError: a ``json`` body that cannot be serialised (NaN, say).
        """
        self.prepare_method(method)
        self.prepare_url(url, params)
        self.prepare_headers(headers)
        if cookies:
            self.prepare_cookies(cookies)
        self.prepare_body(data, files, json)
        self.prepare_auth(auth, url)
        self.prepare_hooks(hooks)

    def copy(self) -> PreparedRequest:
        """A copy to change and send again: its headers and hooks are its own; the body is
        shared.

        Examples:
            >>> p = httpcore_lite.Request("GET", "https://httpbin.org/get").prepare()
            >>> q = p.copy()
            >>> q.headers["X-Attempt"] = "2"
            >>> "X-Attempt" in p.headers
            False
        """
        p = PreparedRequest()
        p.method = self.method
        p.url = self.url
        p.headers = self.headers.copy() if self.headers is not None else None
        p.body = self.body
        p.hooks = {event: list(hooks) for event, hooks in self.hooks.items()}
        p._cookies = self._cookies
        p._cookie_from_jar = self._cookie_from_jar
        p._body_position = self._body_position
        p._auth = self._auth
        return p

    def prepare_method(self, method: str | bytes | None) -> None:
        """Set the method, upper-cased (bytes are decoded as ASCII).

        Examples:
            >>> p = httpcore_lite.PreparedRequest()
            >>> p.prepare_method(b"patch")
            >>> p.method
            'PATCH'

        Raises:
            UnicodeDecodeError: a bytes method that is not ASCII.
        """
        self.method = method.decode("ascii") if isinstance(method, bytes) else method
        if self.method is not None:
            self.method = self.method.upper()

    def prepare_url(self, url: str | bytes | None, params: Any) -> None:
        """Set the URL, normalised (an IDN host encoded, the path percent-encoded), with
        ``params`` added to its query.

        Examples:
            >>> p = httpcore_lite.PreparedRequest()
            >>> p.prepare_url("https://httpbin.org/get?a=1", {"b": "2"})
            >>> p.url
            'https://httpbin.org/get?a=1&b=2'

        Raises:
            MissingSchema: None, or a URL without a scheme.
            InvalidURL: a URL that is not valid: no host, a bad port...
        """
        if url is None:
            raise MissingSchema(
                "Invalid URL 'None': No scheme supplied. Perhaps you meant https://None?"
            )
        self.url = _urls.prepare_url(url, params)

    def prepare_headers(self, headers: Mapping[str, Any] | None) -> None:
        """Set the headers: a CaseInsensitiveDict copy of ``headers``, checked.

        Examples:
            >>> p = httpcore_lite.PreparedRequest()
            >>> p.prepare_headers({"Accept": "text/html"})
            >>> p.headers["accept"]
            'text/html'

        Raises:
            InvalidHeader: a name or value that is not str or bytes, or holds CR, LF or
                NUL, or starts with whitespace.
        """
        if isinstance(headers, CaseInsensitiveDict):
            check_header_pairs(headers.pairs())
            self.headers = headers.copy()  # names are str already: copy the store whole
        else:
            pairs = headers.items() if headers else ()
            for name, value in pairs:
                check_header_validity((name, value))
            self.headers = CaseInsensitiveDict.from_pairs(
                (name.decode("latin-1") if isinstance(name, bytes) else name, value)
                for name, value in pairs
            )

    def prepare_body(self, data: Any, files: Any, json: Any = None) -> None:
        """Encode the body: ``files`` as multipart/form-data (with ``data``'s fields), else
        ``data``, else ``json``; set Content-Type and Content-Length (or chunked).

        Examples:
            >>> p = httpcore_lite.Request("PUT", "https://httpbin.org/put").prepare()
            >>> p.prepare_body(None, None, json=[1, 2])
            >>> p.body, p.headers["Content-Length"]
            (b'[1, 2]', '6')

        Raises:
            InvalidJSONError: ``json`` that cannot be serialised (NaN included).
            ValueError: ``files`` with ``data`` as a string.
            NotImplementedError: ``files`` with a streamed (iterator) ``data``, as in requests.
        """
        if files:
            encoded = self._encode_files(files, data)
        elif not data and json is None:  # no body: the common GET
            self.body = None
            self._set_length(None, None)
            return
        else:
            encoded = _body.encode_body(data, json)
        self.body = encoded.body
        if hasattr(encoded.body, "read"):
            self._remember_position(encoded.body)
        self._set_length(encoded.body, encoded.content_length)  # first, as requests orders them
        if encoded.content_type and "content-type" not in self.headers:
            self.headers["Content-Type"] = encoded.content_type

    @staticmethod
    def _encode_files(files: Any, data: Any) -> _body.EncodedBody:
        if _body.is_stream(data):
            raise NotImplementedError("Streamed bodies and files are mutually exclusive.")
        from ._multipart import encode_files  # loaded on first use: uploads are rare

        return encode_files(files, data)

    def _remember_position(self, stream: Any) -> None:
        # Where the body started, to rewind it for a redirect or a retry.
        try:
            self._body_position = stream.tell()
        except (AttributeError, OSError):
            self._body_position = object()

    def _set_length(self, body: Any, length: int | None) -> None:
        if body is None:
            if self.method not in ("GET", "HEAD") and "content-length" not in self.headers:
                self.headers["Content-Length"] = "0"
        elif length is not None:
            self.headers["Content-Length"] = str(length)
        elif "content-length" not in self.headers:
            self.headers["Transfer-Encoding"] = "chunked"

    def prepare_content_length(self, body: Any) -> None:
        """Set Content-Length (or Transfer-Encoding: chunked) for ``body``.

        Examples:
            >>> p = httpcore_lite.Request("PUT", "https://httpbin.org/put").prepare()
            >>> p.body = b"12345"
            >>> p.prepare_content_length(p.body)
            >>> p.headers["Content-Length"]
            '5'
        """
        if body is None:
            self._set_length(None, None)
        else:
            self._set_length(body, _body.encode_body(body, None).content_length)

    def prepare_auth(self, auth: Any, url: str | bytes | None = "") -> None:
        """Apply ``auth`` (or the URL's user:password) to this request.

        Examples:
            >>> p = httpcore_lite.Request("GET", "https://httpbin.org/basic-auth/user/pass").prepare()
            >>> p.prepare_auth(("user", "pass"))
            >>> p.headers["Authorization"]
            'Basic dXNlcjpwYXNz'
        """
        if auth is None and "@" not in (self.url or ""):
            return
        if auth is None:
            username, password = get_auth_from_url(self.url or "")
            auth = (username, password) if username or password else None
        auth = coerce_auth(auth)
        if auth:
            signed = auth(self)
            self.__dict__.update(signed.__dict__)
            self.prepare_content_length(self.body)
            if hasattr(auth, "retry_for"):
                self._auth = auth  # it may answer the server's challenge (Digest)

    def prepare_cookies(self, cookies: Any) -> None:
        """Set the Cookie header from ``cookies`` (a dict or a CookieJar), the cookies that
        match this request's URL. A Cookie header set by hand is left alone, as in requests
        (cookies are prepared once: call this before changing the URL, not after).

        Examples:
            >>> p = httpcore_lite.Request("GET", "https://httpbin.org/cookies").prepare()
            >>> p.prepare_cookies({"flavour": "oatmeal"})
            >>> p.headers["Cookie"]
            'flavour=oatmeal'
        """
        from .cookies import as_cookiejar, get_cookie_header  # on first use: see there

        self._cookies = as_cookiejar(cookies)
        header = get_cookie_header(self._cookies, self)
        if header is not None:
            self.headers["Cookie"] = header
            self._cookie_from_jar = True

    def prepare_hooks(self, hooks: Mapping[str, Any] | None) -> None:
        """Register ``hooks``: ``{"response": callable or list of callables}``.

        Examples:
            >>> p = httpcore_lite.PreparedRequest()
            >>> p.prepare_hooks({"response": [print]})
            >>> p.hooks
            {'request': [], 'response': [<built-in function print>]}

        Raises:
            ValueError: an event other than "request" and "response".
        """
        for event, registered in (hooks or {}).items():
            if registered:
                self.register_hook(event, registered)

    @property
    def path_url(self) -> str:
        """The path and query to send: ``/get?a=1``.

        Examples:
            >>> p = httpcore_lite.Request("GET", "https://httpbin.org/get?a=1#top").prepare()
            >>> p.path_url
            '/get?a=1'
        """
        parts = urlsplit(self.url or "")
        path = parts.path or "/"
        return f"{path}?{parts.query}" if parts.query else path


_FROM_HEADERS: Final = object()  # Response.encoding not set: derive it from Content-Type


class Response:
    """The server's response to an HTTP request.

    Examples:
        >>> r = httpcore_lite.get("https://httpbin.org/get")
        >>> r, r.ok, r.headers["content-type"]
        (<Response [200]>, True, 'application/json')
    """

    __attrs__: Final = (
        "_content",
        "status_code",
        "headers",
        "url",
        "history",
        "encoding",
        "reason",
        "cookies",
        "elapsed",
        "request",
    )

    # Immutable defaults live on the class: a Response is built for every request, and
    # __init__ then sets only what each instance must own.
    _next: PreparedRequest | None = None
    _apparent_encoding: str | None = None
    status_code: int = 0
    """The status code of the response: ``200``."""
    _raw: Any = None
    _body: Body | None = None  # where the body comes from until ``raw`` is asked for
    _http_version = 11
    url: str | None = None
    """The URL of the response: the last one, after redirects."""
    _encoding: Any = _FROM_HEADERS  # what the caller set (None included)
    _declared_encoding: Any = _FROM_HEADERS  # what the headers declare, once read
    _headers: CaseInsensitiveDict[str] | None = None
    _raw_headers: Iterable[tuple[bytes, bytes]] = ()
    _content_encoded: bool | None = None  # what the adapter found in the raw fields
    _sets_cookies: bool | None = None
    reason: str | None = None
    """The reason phrase of the status line: ``"OK"``."""
    _cookies: Any = None
    _elapsed_seconds = 0.0
    _record: ExchangeRecord | None = None  # the transport's stamps, for timings and metrics
    _retries = 0  # retries the adapter's policy took before this response
    request: PreparedRequest | None = None
    """The PreparedRequest this is the response to."""
    connection: Any = None
    """The adapter that sent the request."""
    # Decompression-bomb guards, for a body with a Content-Encoding (None lifts a limit):
    # ``.content`` stops past max_decoded_size decoded bytes; any decoded read stops past
    # 64 MiB decoded at more than max_decoded_ratio times the bytes received. Set them on
    # a response before its body is read (stream=True, or in a response hook), or here.
    max_decoded_size: int | None = MAX_DECODED_SIZE
    """How many decoded bytes ``content`` reads of a body with a Content-Encoding
    before it raises DecompressionBombError (1 GiB); None: no limit."""
    max_decoded_ratio: float | None = MAX_DECODED_RATIO
    """How many times the bytes received a body with a Content-Encoding may decode to,
    past 64 MiB, however it is read (100); None: no limit."""

    def __init__(self) -> None:
        self._content: bytes | bool | None = False
        self._content_consumed = False
        self.history: list[Response] = []
        """The redirect responses that led to this one, oldest first (and a 401 that an
        auth answered)."""

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # Pickling needs the body in memory, not on a connection.
        if not self._content_consumed:
            _ = self.content
        return {attr: getattr(self, attr, None) for attr in self.__attrs__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        for name, value in state.items():
            setattr(self, name, value)
        self._content_consumed = True

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"

    @property
    def headers(self) -> CaseInsensitiveDict[str]:
        """The response headers, case-insensitive; repeated fields joined with ", ".

        Decoded from the received bytes when first read: code that only wants the body
        never pays for them.

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/response-headers?X-Answer=42")
            >>> r.headers["x-answer"]
            '42'
        """
        headers = self._headers
        if headers is None:
            headers = self._headers = decode_headers(self._raw_headers)
        return headers

    @headers.setter
    def headers(self, value: CaseInsensitiveDict[str]) -> None:
        self._headers = value

    def header_fields(self, name: str) -> list[str]:
        """Every field called ``name``, each on its own, as received: unlike ``headers``,
        repeated fields are not joined (Set-Cookie values hold commas of their own).

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/response-headers?X-Tag=a&X-Tag=b")
            >>> r.headers["X-Tag"], r.header_fields("x-tag")
            ('a, b', ['a', 'b'])
        """
        raw = self._raw_headers
        if not raw:
            value = self.headers.get(name)
            return [] if value is None else [value]
        wanted = name.lower().encode("latin-1")
        return [value.decode("latin-1") for field, value in raw if field.lower() == wanted]

    @property
    def cookies(self) -> Any:
        """A RequestsCookieJar of the cookies this response set (its Set-Cookie fields),
        built when first read.

        Examples:
            >>> url = "https://httpbin.org/cookies/set?flavour=oatmeal"
            >>> httpcore_lite.get(url, allow_redirects=False).cookies.get_dict()
            {'flavour': 'oatmeal'}
        """
        if self._cookies is None:
            from .cookies import RequestsCookieJar, extract_cookies_to_jar

            self._cookies = RequestsCookieJar()
            if self.request is not None:
                extract_cookies_to_jar(self._cookies, self.request, self)
        return self._cookies

    @cookies.setter
    def cookies(self, value: Any) -> None:
        self._cookies = value

    def set_raw_headers(
        self,
        raw: Iterable[tuple[bytes, bytes]],
        content_encoded: bool | None = None,
        sets_cookies: bool | None = None,
    ) -> None:
        """For adapters: the header fields as received, decoded when ``headers`` is read;
        whether a Content-Encoding field and a Set-Cookie field are among them, if known.

        Examples:
            >>> r = httpcore_lite.Response()
            >>> r.set_raw_headers([(b"Content-Type", b"text/plain"), (b"Set-Cookie", b"a=1")])
            >>> r.headers["content-type"], r.sets_cookies
            ('text/plain', True)
        """
        self._raw_headers = raw
        self._headers = None
        self._content_encoded = content_encoded
        self._sets_cookies = sets_cookies

    @property
    def sets_cookies(self) -> bool:
        """Whether the response has Set-Cookie fields (cheap when the adapter said so).

        Examples:
            >>> url = "https://httpbin.org/cookies/set?flavour=oatmeal"
            >>> httpcore_lite.get(url, allow_redirects=False).sets_cookies
            True
        """
        if self._sets_cookies is None:
            self._sets_cookies = bool(self.header_fields("set-cookie"))
        return self._sets_cookies

    @property
    def encoding(self) -> str | None:
        """The encoding ``text`` decodes with: set it, or it comes from Content-Type (its
        charset; ISO-8859-1 for other text/*, UTF-8 for JSON; else None).

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/encoding/utf8")
            >>> r.headers["Content-Type"], r.encoding
            ('text/html; charset=utf-8', 'utf-8')
        """
        encoding: str | None = self._encoding
        if encoding is _FROM_HEADERS:  # not set: the headers say (read once)
            encoding = self._declared_encoding
            if encoding is _FROM_HEADERS:
                encoding = self._declared_encoding = get_encoding_from_headers(self.headers)
        return encoding

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        self._encoding = value

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending the request to parsing the response head (a timedelta).

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/get")
            >>> 0 < r.elapsed.total_seconds() < 60
            True
        """
        import datetime  # on first use: most code never reads elapsed (1.4 ms to import)

        return datetime.timedelta(seconds=self._elapsed_seconds)

    @elapsed.setter
    def elapsed(self, value: datetime.timedelta) -> None:
        self._elapsed_seconds = value.total_seconds()

    def set_elapsed(self, seconds: float) -> None:
        """For adapters and Sessions: set ``elapsed`` in seconds (the timedelta is built
        only when read).

        Examples:
            >>> r = httpcore_lite.Response()
            >>> r.set_elapsed(0.25)
            >>> r.elapsed
            datetime.timedelta(microseconds=250000)
        """
        self._elapsed_seconds = seconds

    @property
    def raw(self) -> Any:
        """The body as a binary file object (a RawResponse, unless an adapter set another).

        Built when first asked for: most responses are read whole through ``content``,
        which reads the connection directly and needs no file object.

        Examples:
            >>> with httpcore_lite.get("https://httpbin.org/bytes/4", stream=True) as r:
            ...     len(r.raw.read())
            4
        """
        if self._raw is None and self._body is not None:
            from ._raw import RawResponse  # loaded on first use: most responses never need it

            self._raw = RawResponse(
                self._body, self.headers, self.status_code, self.reason or "", self._http_version
            )
            self._body = None
        return self._raw

    @raw.setter
    def raw(self, value: Any) -> None:
        self._raw = value
        self._body = None

    def attach_body(self, body: Body | IO[bytes], version: int = 11) -> None:
        """Read the body from ``body`` (for adapters): a transport's Body, or a binary file
        object, read as a server's body would be. ``raw`` is built on demand.

        Examples:
            >>> import io
            >>> r = httpcore_lite.Response()
            >>> r.status_code = 200
            >>> r.attach_body(io.BytesIO(b"hello"))
            >>> r.content
            b'hello'
        """
        # _IOBase is the C base of every file object (io.IOBase's own base): isinstance
        # against it is one type check, against io.IOBase an ABC lookup (0.3 us, on every
        # response).
        if isinstance(body, _IOBase):
            from ._raw import FileBody

            self._body = FileBody(body)  # type: ignore[arg-type]  # an _IOBase: a file
        else:
            self._body = body  # type: ignore[assignment]  # not a file: a Body
        self._raw = None
        self._http_version = version

    def __bool__(self) -> bool:
        """True when the status code is below 400."""
        return self.ok

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_content(128)

    @property
    def ok(self) -> bool:
        """True when ``raise_for_status()`` would not raise (status below 400).

        Examples:
            >>> httpcore_lite.get("https://httpbin.org/status/404").ok
            False
        """
        return not 400 <= self.status_code < 600

    @property
    def is_redirect(self) -> bool:
        """True for a well-formed redirect that could be followed.

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/redirect/1", allow_redirects=False)
            >>> r.is_redirect, r.is_permanent_redirect
            (True, False)
        """
        return "location" in self.headers and self.status_code in REDIRECT_STATI

    @property
    def is_permanent_redirect(self) -> bool:
        """True for a redirect that says it is permanent: 301 or 308, with a Location.

        Examples:
            >>> url = "https://httpbin.org/redirect-to?url=/get&status_code=301"
            >>> httpcore_lite.get(url, allow_redirects=False).is_permanent_redirect
            True
        """
        return "location" in self.headers and self.status_code in PERMANENT_REDIRECT_STATI

    @property
    def next(self) -> PreparedRequest | None:
        """The PreparedRequest of the next hop of a redirect not followed, if any.

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/redirect/2", allow_redirects=False)
            >>> r.next.url
            'https://httpbin.org/relative-redirect/1'
        """
        return self._next

    @property
    def apparent_encoding(self) -> str:
        """The encoding the body itself suggests: a BOM, then UTF-8 if valid, else latin-1.
        Computed once per response.

        Examples:
            >>> httpcore_lite.get("https://httpbin.org/encoding/utf8").apparent_encoding
            'utf-8'
        """
        if self._apparent_encoding is None:
            self._apparent_encoding = guess_encoding(self.content or b"")
        return self._apparent_encoding

    def iter_content(
        self, chunk_size: int | None = 1, decode_unicode: bool = False
    ) -> Iterator[Any]:
        """Iterate over the (decoded) body in ``chunk_size`` pieces; with ``stream=True``
        the body is read as you go and never held whole. ``decode_unicode=True`` gives
        text, decoded with ``encoding``.

        Examples:
            >>> with httpcore_lite.get("https://httpbin.org/bytes/1000", stream=True) as r:
            ...     [len(chunk) for chunk in r.iter_content(chunk_size=400)]
            [400, 400, 200]

        Raises:
            StreamConsumedError: the streamed body was already read to the end.
            TypeError: a chunk_size that is not an int or None.
            ChunkedEncodingError: the body ended early, or its chunked framing was broken.
            ContentDecodingError: the body does not decode from its Content-Encoding
                (DecompressionBombError: it decodes to too much).
            ReadTimeout: the server sent nothing for the read timeout.
            ConnectionError: the connection broke.
        """
        if self._content_consumed and isinstance(self._content, bool):
            raise StreamConsumedError()
        if chunk_size is not None and not isinstance(chunk_size, int):
            raise TypeError(f"chunk_size must be an int, it is instead a {type(chunk_size)}.")
        if self._content_consumed:
            content = self._content if isinstance(self._content, bytes) else b""
            chunks: Iterator[Any] = iter_slices(content, chunk_size)
        else:
            chunks = self._stream_chunks(chunk_size)
        if decode_unicode:
            chunks = decode_unicode_stream(chunks, self.encoding)
        return chunks

    def _stream_chunks(self, chunk_size: int | None) -> Iterator[bytes]:
        raw = self.raw
        if raw is not None and not hasattr(raw, "stream"):
            # A plain file object an adapter set (requests' recipe: ``io.BytesIO(data)``).
            while chunk := raw.read(chunk_size or ITER_CHUNK_SIZE):
                yield chunk
        elif raw is not None:
            self._hand_limits_to(raw)
            yield from raw.stream(chunk_size, decode_content=True)
        self._content_consumed = True

    @property
    def timings(self) -> Timings | None:
        """Seconds spent in each step of the exchange (a Timings: dns, connect, tls, send,
        wait, body, total); None for a response no HTTPAdapter made (a mock's, say).

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/get")
            >>> r.timings.total >= r.timings.send + r.timings.wait
            True
        """
        record = self._record
        return None if record is None else record.timings()

    @property
    def metrics(self) -> Metrics | None:
        """Bytes sent and received on the wire, whether the connection was reused, and the
        retries taken (a Metrics); None for a response no HTTPAdapter made.

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/bytes/100")
            >>> r.metrics.bytes_received > 100, r.metrics.retries
            (True, 0)
        """
        record = self._record
        return None if record is None else record.metrics(self._retries)

    def _hand_limits_to(self, raw: Any) -> None:
        """Our decompression-bomb limits, for a RawResponse (which applies them); another
        file object that an adapter set is left alone."""
        if hasattr(raw, "max_decoded_ratio"):
            raw.max_decoded_size = self.max_decoded_size
            raw.max_decoded_ratio = self.max_decoded_ratio

    def iter_lines(
        self,
        chunk_size: int = ITER_CHUNK_SIZE,
        decode_unicode: bool = False,
        delimiter: str | bytes | None = None,
    ) -> Iterator[Any]:
        """Iterate over the body one line at a time, lines ending in CR, LF or CR LF
        (or ``delimiter``), even when a CR LF pair is split between two chunks.

        Examples:
            >>> with httpcore_lite.get("https://httpbin.org/stream/3", stream=True) as r:
            ...     len(list(r.iter_lines()))
            3

        Raises:
            StreamConsumedError: the streamed body was already read to the end.
            ChunkedEncodingError, ContentDecodingError, ReadTimeout, ConnectionError: as
                ``iter_content`` raises them.
        """
        chunks = self.iter_content(chunk_size=chunk_size, decode_unicode=decode_unicode)
        if delimiter is not None:
            return split_on_delimiter(chunks, delimiter)
        return split_lines(chunks)

    @property
    def content(self) -> bytes | None:
        """The whole body, decoded from its Content-Encoding, as bytes.

        Examples:
            >>> httpcore_lite.get("https://httpbin.org/robots.txt").content
            b'User-agent: *\\nDisallow: /deny\\n'

        Raises:
            RuntimeError: the body was already read with ``iter_content``.
            ChunkedEncodingError, ContentDecodingError, ReadTimeout, ConnectionError: as
                ``iter_content`` raises them.
            DecompressionBombError: it decodes past ``max_decoded_size`` or
                ``max_decoded_ratio``.
        """
        if self._content is False:
            if self._content_consumed:
                raise RuntimeError("The content for this response was already consumed")
            try:
                self._content = self._read_content()
            except BaseException:
                self.close()  # a body that could not be read whole: never back to the pool
                raise
        self._content_consumed = True
        return self._content  # type: ignore[return-value]

    def _has_content_encoding(self) -> bool:
        if self._headers is not None:
            return "content-encoding" in self._headers
        if self._content_encoded is not None:
            return self._content_encoded
        return any(  # still undecoded: look at the raw fields
            len(name) == 16 and name.lower() == b"content-encoding" for name, _ in self._raw_headers
        )

    def _read_content(self) -> bytes | None:
        body = self._body
        if body is not None and not self._has_content_encoding():
            return body.read_rest()  # nothing to decode: no file object needed
        raw = self.raw
        if self.status_code == 0 or raw is None:
            return None
        from ._raw import RawResponse  # loaded already: ``raw`` built one, or an adapter set

        if isinstance(raw, RawResponse):  # read and decode
            self._hand_limits_to(raw)
            return raw.read_all(decode=True)
        data: bytes = raw.read()  # a file object some adapter set
        return data

    @property
    def text(self) -> str:
        """The body as text, decoded with ``encoding`` (or ``apparent_encoding``).

        Examples:
            >>> httpcore_lite.get("https://httpbin.org/robots.txt").text
            'User-agent: *\\nDisallow: /deny\\n'

        Raises:
            ChunkedEncodingError, ContentDecodingError, ReadTimeout, ConnectionError: as
                ``content`` raises them.
        """
        content = self.content
        if not content:
            return ""
        # A charset that cannot decode (unknown, no text encoding, or failing on the body)
        # gives UTF-8 with replacement characters, never an error.
        return decode_text(content, self.encoding or self.apparent_encoding)

    def json(self, **kwargs: Any) -> Any:
        """The body parsed as JSON (``json.loads`` keyword arguments pass through).

        Examples:
            >>> httpcore_lite.get("https://httpbin.org/json").json()["slideshow"]["title"]
            'Sample Slide Show'

        Raises:
            JSONDecodeError: the body is not valid JSON (also a ``json.JSONDecodeError``).
        """
        import json as jsonlib  # on first use: most programs never parse JSON bodies

        from .exceptions import JSONDecodeError

        text = self._json_text()
        try:
            return jsonlib.loads(text, **kwargs)
        except jsonlib.JSONDecodeError as exc:
            raise JSONDecodeError(exc.msg, exc.doc, exc.pos, response=self) from exc
        except RecursionError as exc:  # nested deeper than Python's stack allows
            raise JSONDecodeError("JSON nested too deeply", text, 0, response=self) from exc
        except ValueError as exc:  # a number past Python's limit on int digits, say
            raise JSONDecodeError(str(exc), text, 0, response=self) from exc

    def _json_text(self) -> str:
        """The body as JSON text (RFC 8259 section 8.1): UTF-8, or UTF-16/32 recognised by a
        BOM or by the NUL bytes of its first two (ASCII) characters. The Content-Type's
        charset counts only for a body that is not valid in that UTF (legacy servers send
        ISO-8859-1 JSON), and an ``encoding`` set on the response by the caller decides."""
        content = self.content or b""
        if self._encoding is not _FROM_HEADERS and self._encoding:
            return decode_text(content, self._encoding)
        detected = guess_json_utf(content) or FALLBACK_ENCODING
        try:
            return content.decode(detected)
        except UnicodeDecodeError:
            declared = self.encoding
            return decode_text(content, declared if text_codec(declared) else detected)

    @property
    def links(self) -> dict[str, dict[str, str]]:
        """The parsed Link header (RFC 8288), keyed by ``rel`` (or by URL).

        Examples:
            >>> link = '<https://httpbin.org/get?page=2>; rel="next"'
            >>> r = httpcore_lite.get("https://httpbin.org/response-headers", params={"Link": link})
            >>> r.links["next"]["url"]
            'https://httpbin.org/get?page=2'
        """
        header = self.headers.get("link")
        if not header:
            return {}
        resolved = {}
        for link in parse_header_links(header):
            resolved[link.get("rel") or link.get("url", "")] = link
        return resolved

    def raise_for_status(self) -> None:
        """Raise HTTPError for a 4xx or 5xx status; do nothing otherwise.

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/status/404")
            >>> r.raise_for_status()
            Traceback (most recent call last):
            ...
            httpcore_lite.exceptions.HTTPError: 404 Client Error: NOT FOUND for url: https://httpbin.org/status/404

        Raises:
            HTTPError: the status code is from 400 to 599.
        """
        reason: Any = self.reason
        if isinstance(reason, bytes):
            try:
                reason = reason.decode("utf-8")
            except UnicodeDecodeError:
                reason = reason.decode("iso-8859-1")
        if 400 <= self.status_code < 500:
            message = f"{self.status_code} Client Error: {reason} for url: {self.url}"
        elif 500 <= self.status_code < 600:
            message = f"{self.status_code} Server Error: {reason} for url: {self.url}"
        else:
            return
        raise HTTPError(message, response=self)

    def close(self) -> None:
        """Release the connection: back to the pool if the body was read, closed if not.
        A Response used as a context manager is closed when the block ends.

        Examples:
            >>> r = httpcore_lite.get("https://httpbin.org/bytes/50000", stream=True)
            >>> r.close()  # the body was not read: its connection is closed, not reused
        """
        if self._content_consumed:
            return
        if self._body is not None:
            self._body.close()
        elif self._raw is not None:
            self._raw.close()


__all__ = [
    "HOOKS",
    "PreparedRequest",
    "Request",
    "Response",
    "dispatch_hook",
]
