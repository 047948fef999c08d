"""The module-level functions: each runs one request in a short-lived Session.

For many requests to one host, use a Session: it keeps connections alive.
"""

from __future__ import annotations

from typing import Any

from .models import Response
from .sessions import Session


def request(method: str, url: str | bytes, **kwargs: Any) -> Response:
    """Construct and send a request, in a Session of its own that is closed on return.

    Args:
        method: The HTTP method: ``"GET"``, ``"POST"``... (in any case).
        url: The URL to send to, with its scheme (``https://`` or ``http://``).
        **kwargs: The keyword arguments of
            [`Session.request`][httpcore_lite.sessions.Session.request]: ``params``,
            ``data``, ``json``, ``headers``, ``cookies``, ``files``, ``auth``, ``timeout``,
            ``allow_redirects``, ``proxies``, ``hooks``, ``stream``, ``verify``, ``cert``.

    Returns:
        The Response, its body already read unless ``stream=True``.

    Examples:
        >>> httpcore_lite.request("GET", "https://httpbin.org/get", timeout=5)
        <Response [200]>

    Raises:
        MissingSchema, InvalidSchema, InvalidURL: a URL that cannot be sent to; nothing
            was sent.
        InvalidHeader: a header name or value that is not valid; nothing was sent.
        ConnectionError: DNS failed, the connection was refused or broken (ProxyError and
            SSLError are ConnectionErrors too).
        Timeout: a timeout ran out: ConnectTimeout (nothing was sent) or ReadTimeout.
        TooManyRedirects: more redirects than the Session's ``max_redirects`` (30).
    """
    # The with-block closes idle connections at once, rather than leaving them to the GC.
    with Session() as session:
        return session.request(method=method, url=url, **kwargs)


def get(url: str | bytes, params: Any = None, **kwargs: Any) -> Response:
    """Send a GET request; redirects are followed.

    Args:
        url: The URL to get.
        params: Query parameters to add to the URL: a dict, or a list of pairs.
        **kwargs: As for [`request`][httpcore_lite.api.request].

    Examples:
        >>> r = httpcore_lite.get("https://httpbin.org/get", params={"q": "h11"})
        >>> r.status_code, r.json()["args"]
        (200, {'q': 'h11'})

    Raises:
        RequestException: as [`request`][httpcore_lite.api.request] raises them.
    """
    return request("get", url, params=params, **kwargs)


def options(url: str | bytes, **kwargs: Any) -> Response:
    """Send an OPTIONS request.

    Examples:
        >>> r = httpcore_lite.options("https://httpbin.org/get")
        >>> sorted(r.headers["Allow"].split(", "))
        ['GET', 'HEAD', 'OPTIONS']

    Raises:
        RequestException: as [`request`][httpcore_lite.api.request] raises them.
    """
    return request("options", url, **kwargs)


def head(url: str | bytes, **kwargs: Any) -> Response:
    """Send a HEAD request; redirects are not followed unless ``allow_redirects=True``.

    Examples:
        >>> r = httpcore_lite.head("https://httpbin.org/get")
        >>> r.status_code, r.headers["Content-Type"], r.content
        (200, 'application/json', b'')

    Raises:
        RequestException: as [`request`][httpcore_lite.api.request] raises them.
    """
    kwargs.setdefault("allow_redirects", False)
    return request("head", url, **kwargs)


def post(url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
    """Send a POST request.

    Args:
        url: The URL to post to.
        data: The body: a dict or a list of pairs (sent form-encoded), bytes, a str, a file
            or an iterator of bytes.
        json: An object to send as JSON, when ``data`` is not given.
        **kwargs: As for [`request`][httpcore_lite.api.request].

    Examples:
        >>> r = httpcore_lite.post("https://httpbin.org/post", json={"name": "h11"})
        >>> r.json()["json"]
        {'name': 'h11'}

    Raises:
        InvalidJSONError: ``json`` that cannot be sent as JSON (NaN, say).
        RequestException: as [`request`][httpcore_lite.api.request] raises them.
    """
    return request("post", url, data=data, json=json, **kwargs)


def put(url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
    """Send a PUT request (``data`` as for [`post`][httpcore_lite.api.post]).

    Examples:
        >>> r = httpcore_lite.put("https://httpbin.org/put", data={"key": "value"})
        >>> r.json()["form"]
        {'key': 'value'}

    Raises:
        RequestException: as [`request`][httpcore_lite.api.request] raises them.
    """
    return request("put", url, data=data, **kwargs)


def patch(url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
    """Send a PATCH request (``data`` as for [`post`][httpcore_lite.api.post]).

    Examples:
        >>> r = httpcore_lite.patch("https://httpbin.org/patch", data=b"raw bytes")
        >>> r.json()["data"]
        'raw bytes'

    Raises:
        RequestException: as [`request`][httpcore_lite.api.request] raises them.
    """
    return request("patch", url, data=data, **kwargs)


def delete(url: str | bytes, **kwargs: Any) -> Response:
    """Send a DELETE request.

    Examples:
        >>> httpcore_lite.delete("https://httpbin.org/delete")
        <Response [200]>

    Raises:
        RequestException: as [`request`][httpcore_lite.api.request] raises them.
    """
    return request("delete", url, **kwargs)
