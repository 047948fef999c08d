"""The exceptions httpcore_lite raises: requests' tree, name for name.

Every exception carries ``.request`` and ``.response`` (either may be None). The transport
raises them without a request attached; the adapter attaches the PreparedRequest on the way
out, once, so that lower layers need not know about models.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any


class RequestException(IOError):
    """There was an ambiguous exception that occurred while handling your request.

    Example:
        >>> try:
        ...     httpcore_lite.get("http://127.0.0.1:1/")
        ... except httpcore_lite.RequestException as exc:
        ...     print(type(exc).__name__)
        ConnectionError
    """

    # What was being done when a network error happened ("connecting to", "sending the
    # request to"...): set where OS errors are mapped; None for errors of other kinds.
    phase: str | None = None
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
    """A JSON error occurred (for example, NaN in a body sent with ``json=``)."""


# JSONDecodeError is also a json.JSONDecodeError, so defining it needs the json package
# (2 ms of start-up). It is defined when first asked for (module __getattr__), once.
if TYPE_CHECKING:  # pragma: no cover
    import json

    class JSONDecodeError(InvalidJSONError, json.JSONDecodeError):
        """Couldn't decode the text into json; also a ``json.JSONDecodeError``."""

        def __init__(self, *args: Any, **kwargs: Any) -> None: ...


_DEFINING = threading.Lock()


def _define_json_decode_error() -> type[InvalidJSONError]:
    import json

    class JSONDecodeError(InvalidJSONError, json.JSONDecodeError):
        """Couldn't decode the text into json; also a ``json.JSONDecodeError``."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # json.JSONDecodeError builds its own message from (msg, doc, pos);
            # RequestException takes the request/response keywords. Both, as requests does.
            json.JSONDecodeError.__init__(self, *args)
            InvalidJSONError.__init__(self, *self.args, **kwargs)

        def __reduce__(self) -> str | tuple[Any, ...]:
            # Pickled as json.JSONDecodeError is, from (msg, doc, pos).
            return json.JSONDecodeError.__reduce__(self)

    JSONDecodeError.__qualname__ = "JSONDecodeError"  # pickle finds it by this name
    return JSONDecodeError


def __getattr__(name: str) -> Any:
    if name != "JSONDecodeError":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _DEFINING:  # two threads asking at once must get one class, not two
        defined = globals().get(name)
        if defined is None:
            defined = globals()[name] = _define_json_decode_error()
    return defined


class HTTPError(RequestException):
    """An HTTP error occurred: raised by ``Response.raise_for_status()`` for 4xx and 5xx."""


class ConnectionError(RequestException):
    """A connection error occurred: DNS failure, refused, reset, or a broken response."""


class ProxyError(ConnectionError):
    """A proxy error occurred."""


class SSLError(ConnectionError):
    """An SSL/TLS error occurred: a failed handshake or certificate verification."""


class Timeout(RequestException):
    """The request timed out.

    Catching this error will catch both ConnectTimeout and ReadTimeout.
    """


class ConnectTimeout(ConnectionError, Timeout):
    """The request timed out while trying to connect (TCP or TLS handshake).

    Requests that produced this error are safe to retry: nothing was sent.
    """


class ReadTimeout(Timeout):
    """The server did not send any data in the allotted amount of time."""


class RemoteProtocolError(ConnectionError):
    """The server's response broke HTTP/1.1: a bad status line, header or framing."""


class URLRequired(RequestException):
    """A valid URL is required to make a request."""


class TooManyRedirects(RequestException):
    """Too many redirects."""


class MissingSchema(RequestException, ValueError):
    """The URL scheme (e.g. http or https) is missing."""


class InvalidSchema(RequestException, ValueError):
    """The URL scheme provided is either invalid or unsupported."""


class InvalidURL(RequestException, ValueError):
    """The URL provided was somehow invalid."""


class InvalidHeader(RequestException, ValueError):
    """The header value provided was somehow invalid."""


class InvalidProxyURL(InvalidURL):
    """The proxy URL provided is invalid."""


class ChunkedEncodingError(RequestException):
    """The response body ended early or its chunked framing was broken."""


class ContentDecodingError(RequestException):
    """Failed to decode the response content (gzip, deflate, ...)."""


class DecompressionBombError(ContentDecodingError):
    """A body with a Content-Encoding decoded to more than its response allows: more than
    ``max_decoded_size`` bytes (1 GiB) read whole, as ``.content`` does; or, past 64 MiB
    and however it is read, more than ``max_decoded_ratio`` (100) times the bytes received.

    Example:
        >>> r = httpcore_lite.get(url, stream=True)
        >>> r.max_decoded_size = 4 << 30  # this response only; None: no limit
        >>> data = r.content
    """


class StreamConsumedError(RequestException, TypeError):
    """The content for this response was already consumed."""


class RetryError(RequestException):
    """Custom retries logic failed."""


class UnrewindableBodyError(RequestException):
    """Requests encountered an error when trying to rewind a body."""


class RequestsWarning(Warning):
    """Base warning for httpcore_lite."""


class InsecureRequestWarning(RequestsWarning):
    """A request was made to an https URL with certificate verification turned off."""


class FileModeWarning(RequestsWarning, DeprecationWarning):
    """A file was opened in text mode, but a byte count was taken from it."""


class RequestsDependencyWarning(RequestsWarning):
    """An imported dependency doesn't match the expected version range."""
