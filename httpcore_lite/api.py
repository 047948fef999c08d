"""The module-level functions: each runs one request in a short-lived Session.

For many requests to one host, use a Session: it keeps connections alive.
"""

from __future__ import annotations

from typing import Any

from .models import Response
from .sessions import Session


def request(method: str, url: str | bytes, **kwargs: Any) -> Response:
    """Construct and send a request; every keyword of ``Session.request`` is accepted.

    Example:
        >>> httpcore_lite.request("GET", "https://httpbin.org/get")
        <Response [200]>

    Raises:
        MissingSchema, InvalidSchema, InvalidURL, InvalidHeader: before any socket opens.
        ConnectionError, ConnectTimeout, SSLError, ReadTimeout: the exchange failed.
    """
    # The with-block closes idle connections at once, rather than leaving them to the GC.
    with Session() as session:
        return session.request(method=method, url=url, **kwargs)


def get(url: str | bytes, params: Any = None, **kwargs: Any) -> Response:
    """Send a GET request. Raises: as ``request``."""
    return request("get", url, params=params, **kwargs)


def options(url: str | bytes, **kwargs: Any) -> Response:
    """Send an OPTIONS request. Raises: as ``request``."""
    return request("options", url, **kwargs)


def head(url: str | bytes, **kwargs: Any) -> Response:
    """Send a HEAD request; redirects are not followed unless ``allow_redirects=True``.
    Raises: as ``request``."""
    kwargs.setdefault("allow_redirects", False)
    return request("head", url, **kwargs)


def post(url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
    """Send a POST request. Raises: as ``request``."""
    return request("post", url, data=data, json=json, **kwargs)


def put(url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
    """Send a PUT request. Raises: as ``request``."""
    return request("put", url, data=data, **kwargs)


def patch(url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
    """Send a PATCH request. Raises: as ``request``."""
    return request("patch", url, data=data, **kwargs)


def delete(url: str | bytes, **kwargs: Any) -> Response:
    """Send a DELETE request. Raises: as ``request``."""
    return request("delete", url, **kwargs)
