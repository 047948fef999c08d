"""httpcore_lite: a small, fast HTTP/1.1 client with the requests API.

    >>> import httpcore_lite as requests
    >>> requests.get("https://httpbin.org/get", timeout=(3.05, 27))
    <Response [200]>

This module re-exports the public names, and ``__all__`` lists them. ``cookies`` is loaded
when first used: ``http.cookiejar`` brings ``urllib.request`` and ``ssl`` with it.
"""

from typing import Any as _Any

from . import (
    adapters,
    api,
    auth,
    exceptions,
    hooks,
    metrics,
    models,
    retry,
    sessions,
    status_codes,
    structures,
    timeouts,
    utils,
)
from ._version import __version__
from .api import delete, get, head, options, patch, post, put, request
from .exceptions import (
    ConnectionError,
    ConnectTimeout,
    DecompressionBombError,
    FileModeWarning,
    HTTPError,
    ReadTimeout,
    RequestException,
    Timeout,
    TooManyRedirects,
    URLRequired,
)
from .models import PreparedRequest, Request, Response
from .retry import Retry
from .sessions import Session, session
from .status_codes import codes


def __getattr__(name: str) -> _Any:
    if name == "cookies":  # once imported, the submodule is an attribute: this runs once
        import importlib

        return importlib.import_module(".cookies", __name__)
    if name == "JSONDecodeError":  # defined on first use: it needs the json package
        return exceptions.JSONDecodeError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ConnectTimeout",
    "ConnectionError",
    "DecompressionBombError",
    "FileModeWarning",
    "HTTPError",
    "JSONDecodeError",
    "PreparedRequest",
    "ReadTimeout",
    "Request",
    "RequestException",
    "Response",
    "Retry",
    "Session",
    "Timeout",
    "TooManyRedirects",
    "URLRequired",
    "__version__",
    "adapters",
    "api",
    "auth",
    "codes",
    "cookies",
    "delete",
    "exceptions",
    "get",
    "head",
    "hooks",
    "metrics",
    "models",
    "options",
    "patch",
    "post",
    "put",
    "request",
    "retry",
    "session",
    "sessions",
    "status_codes",
    "structures",
    "timeouts",
    "utils",
]
