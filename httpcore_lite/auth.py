"""Authentication handlers: callables that take a PreparedRequest and return it, signed.

``auth=(user, password)`` means HTTPBasicAuth, as in requests.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .models import PreparedRequest

AUTHORIZATION = "Authorization"


def _encode_credential(value: str | bytes) -> bytes:
    # RFC 7617 leaves the charset open; requests sends latin-1. Text latin-1 cannot carry
    # goes as UTF-8 (what RFC 7617's charset="UTF-8" asks for) rather than failing.
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        warnings.warn(
            f"Non-string credentials ({type(value).__name__}) are deprecated, as in requests: "
            "pass str or bytes.",
            DeprecationWarning,
            stacklevel=4,
        )
        value = str(value)
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _basic_auth_str(username: str | bytes, password: str | bytes) -> str:
    """The value of a Basic Authorization header.

    Example:
        >>> _basic_auth_str("user", "pass")
        'Basic dXNlcjpwYXNz'
    """
    from base64 import b64encode  # on first use: most requests carry no credentials

    token = b64encode(_encode_credential(username) + b":" + _encode_credential(password))
    return "Basic " + token.decode("ascii")


class AuthBase:
    """Base class that all auth implementations derive from.

    Example:
        >>> class TokenAuth(AuthBase):
        ...     def __init__(self, token): self.token = token
        ...     def __call__(self, r):
        ...         r.headers["X-TokenAuth"] = self.token
        ...         return r

    Raises:
        NotImplementedError: when a subclass does not define ``__call__``.
    """

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        raise NotImplementedError("Auth hooks must be callable.")


class HTTPBasicAuth(AuthBase):
    """Attaches HTTP Basic Authentication (RFC 7617) to the given Request object.

    Example:
        >>> httpcore_lite.get(url, auth=HTTPBasicAuth("user", "pass"))
        <Response [200]>
    """

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        self.username = username
        self.password = password

    def __eq__(self, other: object) -> bool:
        return all(
            [
                self.username == getattr(other, "username", None),
                self.password == getattr(other, "password", None),
            ]
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]  # compared by value, and mutable

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        r.headers[AUTHORIZATION] = _basic_auth_str(self.username, self.password)
        return r


def coerce_auth(auth: Any) -> Any:
    """requests' shorthand: a (user, password) pair means Basic auth."""
    if isinstance(auth, tuple) and len(auth) == 2:
        return HTTPBasicAuth(*auth)
    return auth
