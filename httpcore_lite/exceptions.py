"""The exceptions httpcore_lite raises: requests' tree, name for name.

Every exception carries ``.request`` and ``.response`` (either may be None). The transport
raises them without a request attached; the adapter attaches the PreparedRequest on the way
out, once, so that lower layers need not know about models.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any


class Phase(enum.StrEnum):
    """What an exchange was doing when a network error struck (``RequestException.phase``).

    Set once, where OS and h11 errors are mapped; the retry policy classifies errors by it.
    Its value is the phrase messages use ("Timed out connecting to 127.0.0.1:8080"), so it
    compares equal to that string.

    Examples:
        >>> Phase.CONNECTING.before_sending, Phase.WAITING.before_sending
        (True, False)
        >>> f"Timed out {Phase.WAITING} 127.0.0.1:8080"
        'Timed out waiting for the response from 127.0.0.1:8080'
    """

    RESOLVING = "resolving"
    CONNECTING = "connecting to"
    TLS_HANDSHAKE = "TLS handshake with"
    OPENING_TUNNEL = "opening a tunnel through the proxy"
    SENDING = "sending the request to"
    WAITING = "waiting for the response from"
    READING_BODY = "reading the response body from"

    @property
    def sets_up(self) -> bool:
        """Setting up a connection, bounded by the connect timeout: a timeout here is a
        ConnectTimeout, and no connection was reused yet.

        Examples:
            >>> Phase.TLS_HANDSHAKE.sets_up, Phase.RESOLVING.sets_up
            (True, False)
        """
        return self in _SETTING_UP

    @property
    def before_sending(self) -> bool:
        """Whether nothing of the request can have been sent yet (resolving, connecting,
        the TLS handshake, opening a tunnel): the retry policy counts an error then as a
        connect error.

        Examples:
            >>> Phase.RESOLVING.before_sending, Phase.SENDING.before_sending
            (True, False)
        """
        return self is Phase.RESOLVING or self in _SETTING_UP


_SETTING_UP = frozenset({Phase.CONNECTING, Phase.TLS_HANDSHAKE, Phase.OPENING_TUNNEL})


class RequestException(IOError):
    """There was an ambiguous exception that occurred while handling your request: the
    base of every exception here. Catch it to catch them all.

    Attributes:
        request: The PreparedRequest that was being sent, or None.
        response: The Response, when there was one (HTTPError, TooManyRedirects,
            RetryError, JSONDecodeError...), or None.
        phase: For a network error, what was being done: a ``Phase`` (a str:
            ``"connecting to"``, ``"sending the request to"``, ``"waiting for the response
            from"``...); None for errors of other kinds.
        connection_reused: Whether the connection had carried an exchange before (so may
            have gone stale); None when the error came apart from any connection.

    Examples:
        >>> try:
        ...     httpcore_lite.get("http://127.0.0.1:1/")
        ... except httpcore_lite.RequestException as exc:
        ...     print(type(exc).__name__)
        ConnectionError
    """

    # What was being done when a network error happened: set where OS and h11 errors are
    # mapped; None for errors of other kinds.
    phase: Phase | None = None
    # Whether the connection had carried an exchange before (so may have gone stale); None
    # when the error came before or apart from any connection's exchange.
    connection_reused: bool | None = None

    def __init__(self, *args: Any, request: Any = None, response: Any = None) -> None:
        super().__init__(*args)
        self.response = response
        if request is None and response is not None:
            request = getattr(response, "request", None)
        self.request = request


class InvalidJSONError(RequestException):
    """A JSON error occurred (for example, NaN in a body sent with ``json=``).

    Examples:
        >>> httpcore_lite.post("https://httpbin.org/post", json={"x": float("nan")})
        Traceback (most recent call last):
        ...
        httpcore_lite.exceptions.InvalidJSONError: Out of range float values are not JSON compliant
    """


# JSONDecodeError is also a json.JSONDecodeError, so defining it needs the json package
# (2 ms of start-up). It is defined once, in _json_error.py, imported when first asked for
# (module __getattr__).
if TYPE_CHECKING:  # pragma: no cover
    from ._json_error import JSONDecodeError as JSONDecodeError  # noqa: PLC0414 (re-exported)


def __getattr__(name: str) -> Any:
    if name != "JSONDecodeError":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ._json_error import JSONDecodeError  # (an import is atomic: one class, ever)

    globals()[name] = JSONDecodeError
    return JSONDecodeError


class HTTPError(RequestException):
    """An HTTP error occurred: raised by ``Response.raise_for_status()`` for 4xx and 5xx.
    ``.response`` is the response.

    Examples:
        >>> try:
        ...     httpcore_lite.get("https://httpbin.org/status/503").raise_for_status()
        ... except httpcore_lite.HTTPError as exc:
        ...     print(exc.response.status_code, exc.response.reason)
        503 SERVICE UNAVAILABLE
    """


class ConnectionError(RequestException):
    """A connection error occurred: DNS failure, refused, reset, or a broken response.

    Examples:
        >>> httpcore_lite.get("http://127.0.0.1:1/")
        Traceback (most recent call last):
        ...
        httpcore_lite.exceptions.ConnectionError: Connection refused connecting to 127.0.0.1:1
    """


class ProxyError(ConnectionError):
    """A proxy error occurred: the proxy could not be reached, or refused the CONNECT
    tunnel.

    Examples:
        >>> try:
        ...     httpcore_lite.get("http://httpbin.org/get", proxies={"http": "http://127.0.0.1:1"})
        ... except httpcore_lite.exceptions.ProxyError as exc:
        ...     print(exc)
        Unable to connect to proxy http://127.0.0.1:1: Connection refused connecting to 127.0.0.1:1
    """


class SSLError(ConnectionError):
    """An SSL/TLS error occurred: a failed handshake or certificate verification (a
    certificate that no CA in ``verify``'s bundle signed, or issued for another host).

    Examples:
        >>> from httpcore_lite.exceptions import SSLError
        >>> issubclass(SSLError, httpcore_lite.ConnectionError)  # caught with the others
        True
    """


class Timeout(RequestException):
    """The request timed out.

    Catching this error will catch both ConnectTimeout and ReadTimeout. (Not to be
    confused with ``httpcore_lite.timeouts.Timeout``, which says how long to wait.)

    Examples:
        >>> try:
        ...     httpcore_lite.get("https://httpbin.org/delay/1", timeout=0.1)
        ... except httpcore_lite.Timeout as exc:
        ...     print(type(exc).__name__)
        ReadTimeout
    """


class ConnectTimeout(ConnectionError, Timeout):
    """The request timed out while trying to connect (TCP or TLS handshake).

    Requests that produced this error are safe to retry: nothing was sent.

    Examples:
        >>> e = httpcore_lite.exceptions
        >>> issubclass(e.ConnectTimeout, e.ConnectionError), issubclass(e.ConnectTimeout, e.Timeout)
        (True, True)
    """


class ReadTimeout(Timeout):
    """The server did not send any data in the allotted amount of time (the read timeout),
    or the total timeout ran out.

    Examples:
        >>> httpcore_lite.get("https://httpbin.org/delay/1", timeout=(3.05, 0.1))
        Traceback (most recent call last):
        ...
        httpcore_lite.exceptions.ReadTimeout: Timed out waiting for the response from ...
    """


class RemoteProtocolError(ConnectionError):
    """The server's response broke HTTP/1.1: a bad status line, header or framing. (Not
    in requests, which raises a ConnectionError: catching that catches this.)

    Examples:
        >>> from httpcore_lite.exceptions import RemoteProtocolError
        >>> issubclass(RemoteProtocolError, httpcore_lite.ConnectionError)
        True
    """


class URLRequired(RequestException):
    """A valid URL is required to make a request. Kept for code that catches it: as in
    requests, a URL that is missing or not valid raises MissingSchema or InvalidURL.

    Examples:
        >>> issubclass(httpcore_lite.URLRequired, httpcore_lite.RequestException)
        True
    """


class TooManyRedirects(RequestException):
    """Too many redirects: more than the Session's ``max_redirects`` (30). ``.response``
    is the last redirect.

    Examples:
        >>> with httpcore_lite.Session() as s:
        ...     s.max_redirects = 2
        ...     s.get("https://httpbin.org/redirect/3")
        Traceback (most recent call last):
        ...
        httpcore_lite.exceptions.TooManyRedirects: Exceeded 2 redirects.
    """


class MissingSchema(RequestException, ValueError):
    """The URL scheme (e.g. http or https) is missing.

    Examples:
        >>> try:
        ...     httpcore_lite.get("httpbin.org/get")
        ... except httpcore_lite.exceptions.MissingSchema as exc:
        ...     print(exc)
        Invalid URL 'httpbin.org/get': No scheme supplied. Perhaps you meant https://httpbin.org/get?
    """


class InvalidSchema(RequestException, ValueError):
    """The URL scheme provided is either invalid or unsupported (no adapter is mounted
    for it), or a proxy's is (SOCKS).

    Examples:
        >>> try:
        ...     httpcore_lite.get("ftp://httpbin.org/")
        ... except httpcore_lite.exceptions.InvalidSchema as exc:
        ...     print(exc)
        No connection adapters were found for 'ftp://httpbin.org/'
    """


class InvalidURL(RequestException, ValueError):
    """The URL provided was somehow invalid: no host, a port out of range, a host that
    IDNA cannot encode...

    Examples:
        >>> httpcore_lite.get("http://")
        Traceback (most recent call last):
        ...
        httpcore_lite.exceptions.InvalidURL: Invalid URL 'http://': No host supplied
    """


class InvalidHeader(RequestException, ValueError):
    """The header value provided was somehow invalid: not str or bytes, holding CR, LF
    or NUL, or starting with whitespace; or a Retry-After that cannot be parsed.

    Examples:
        >>> httpcore_lite.get("https://httpbin.org/get", headers={"X-Note": "two\\nlines"})
        Traceback (most recent call last):
        ...
        httpcore_lite.exceptions.InvalidHeader: Invalid leading whitespace, reserved ...
    """


class InvalidProxyURL(InvalidURL):
    """The proxy URL provided is invalid.

    Examples:
        >>> try:
        ...     httpcore_lite.get("http://httpbin.org/get", proxies={"http": "http://"})
        ... except httpcore_lite.exceptions.InvalidProxyURL as exc:
        ...     print(exc)
        Please check proxy URL. It is malformed and could be missing the host.
    """


class ChunkedEncodingError(RequestException):
    """The response body ended early or its chunked framing was broken.

    Examples:
        >>> try:
        ...     with httpcore_lite.get("https://httpbin.org/stream/3", stream=True) as r:
        ...         lines = list(r.iter_lines())
        ... except httpcore_lite.exceptions.ChunkedEncodingError:
        ...     lines = None  # the body was cut short: try again later
        >>> len(lines)
        3
    """


class ContentDecodingError(RequestException):
    """Failed to decode the response content (gzip, deflate, ...): the body does not
    decode as its Content-Encoding says it should.

    Examples:
        >>> from httpcore_lite.exceptions import ContentDecodingError, DecompressionBombError
        >>> issubclass(DecompressionBombError, ContentDecodingError)
        True
    """


class DecompressionBombError(ContentDecodingError):
    """A body with a Content-Encoding decoded to more than its response allows: more than
    ``max_decoded_size`` bytes (1 GiB) read whole, as ``.content`` does; or, past 64 MiB
    and however it is read, more than ``max_decoded_ratio`` (100) times the bytes received.

    Set either limit on a response before its body is read (``stream=True``, or in a
    response hook), or on ``httpcore_lite.Response`` for every response.

    Examples:
        >>> r = httpcore_lite.get("https://httpbin.org/gzip", stream=True)
        >>> r.max_decoded_size = 100  # this response only; None: no limit
        >>> r.content
        Traceback (most recent call last):
        ...
        httpcore_lite.exceptions.DecompressionBombError: The gzip-encoded body decodes to ...
    """


class StreamConsumedError(RequestException, TypeError):
    """The content for this response was already consumed (a streamed body read to its
    end with ``iter_content`` cannot be iterated again).

    Examples:
        >>> with httpcore_lite.get("https://httpbin.org/stream/2", stream=True) as r:
        ...     chunks = list(r.iter_content(1024))
        ...     r.iter_content(1024)
        Traceback (most recent call last):
        ...
        httpcore_lite.exceptions.StreamConsumedError
    """


class RetryError(RequestException):
    """Custom retries logic failed: the retries of a status in ``status_forcelist`` ran
    out (with ``raise_on_status``, the default). ``.response`` is the last response.

    Examples:
        >>> from httpcore_lite.retry import Retry
        >>> try:
        ...     with httpcore_lite.Session(retries=Retry(1, status_forcelist=[500])) as s:
        ...         s.get("https://httpbin.org/status/500")
        ... except httpcore_lite.exceptions.RetryError as exc:
        ...     print(exc)
        Retries exhausted for GET https://httpbin.org/status/500: last status 500
    """


class UnrewindableBodyError(RequestException):
    """Requests encountered an error when trying to rewind a body: a file body that must
    be sent again (a 307 or 308 redirect, a retry) but cannot seek back to its start.

    Examples:
        >>> from httpcore_lite.exceptions import UnrewindableBodyError
        >>> issubclass(UnrewindableBodyError, httpcore_lite.RequestException)
        True
    """


class RequestsWarning(Warning):
    """Base warning for httpcore_lite.

    Examples:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", httpcore_lite.exceptions.RequestsWarning)
        ...     httpcore_lite.get("https://httpbin.org/get", verify=False)
        <Response [200]>
    """


class InsecureRequestWarning(RequestsWarning):
    """A request was made to an https URL with certificate verification turned off.

    Examples:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     r = httpcore_lite.get("https://httpbin.org/get", verify=False)
        >>> print(caught[0].message)
        Unverified HTTPS request is being made to host 'httpbin.org'. Adding certificate ...
    """


class FileModeWarning(RequestsWarning, DeprecationWarning):
    """A file was opened in text mode, but a byte count was taken from it. (requests
    issues it; httpcore_lite does not at present: it is here for code that filters it.)

    Examples:
        >>> issubclass(httpcore_lite.FileModeWarning, DeprecationWarning)
        True
    """


class RequestsDependencyWarning(RequestsWarning):
    """An imported dependency doesn't match the expected version range. (Kept from
    requests for code that filters it; httpcore_lite does not issue it.)

    Examples:
        >>> from httpcore_lite.exceptions import RequestsDependencyWarning
        >>> issubclass(RequestsDependencyWarning, httpcore_lite.exceptions.RequestsWarning)
        True
    """
