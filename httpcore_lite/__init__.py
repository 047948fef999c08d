"""httpcore_lite: a small, fast HTTP/1.1 client with the requests API.

    >>> import httpcore_lite as requests
    >>> requests.get("https://httpbin.org/get", timeout=(3.05, 27))
    <Response [200]>

This module defines nothing: it re-exports the public names, and ``__all__`` lists them.
"""

from . import adapters, api, auth, exceptions, hooks, models, sessions, structures, timeouts, utils
from ._version import __version__
from .api import delete, get, head, options, patch, post, put, request
from .exceptions import (
    ConnectionError,
    ConnectTimeout,
    FileModeWarning,
    HTTPError,
    JSONDecodeError,
    ReadTimeout,
    RequestException,
    Timeout,
    TooManyRedirects,
    URLRequired,
)
from .models import PreparedRequest, Request, Response
from .sessions import Session, session

__all__ = [
    "ConnectTimeout",
    "ConnectionError",
    "FileModeWarning",
    "HTTPError",
    "JSONDecodeError",
    "PreparedRequest",
    "ReadTimeout",
    "Request",
    "RequestException",
    "Response",
    "Session",
    "Timeout",
    "TooManyRedirects",
    "URLRequired",
    "__version__",
    "adapters",
    "api",
    "auth",
    "delete",
    "exceptions",
    "get",
    "head",
    "hooks",
    "models",
    "options",
    "patch",
    "post",
    "put",
    "request",
    "session",
    "sessions",
    "structures",
    "timeouts",
    "utils",
]
