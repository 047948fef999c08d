"""Authentication handlers: callables that take a PreparedRequest and return it, signed.

``auth=(user, password)`` means HTTPBasicAuth, as in requests. An auth that must answer
the server's challenge (Digest) also has ``retry_for(response)``: the Session calls it with
each response to a request it signed, and sends the request it returns, if any. No response
hooks are involved, and the auth bounds its own attempts.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

if TYPE_CHECKING:  # pragma: no cover
    from .models import PreparedRequest, Response

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

    Examples:
        >>> _basic_auth_str("user", "pass")
        'Basic dXNlcjpwYXNz'
    """
    from base64 import b64encode  # on first use: most requests carry no credentials

    token = b64encode(_encode_credential(username) + b":" + _encode_credential(password))
    return "Basic " + token.decode("ascii")


class AuthBase:
    """Base class that all auth implementations derive from: ``__call__`` takes a
    PreparedRequest and returns it, signed.

    Examples:
        >>> from httpcore_lite.auth import AuthBase
        >>> class TokenAuth(AuthBase):
        ...     def __init__(self, token):
        ...         self.token = token
        ...     def __call__(self, r):
        ...         r.headers["Authorization"] = f"token {self.token}"
        ...         return r
        >>> auth = TokenAuth("ghp_example0token")
        >>> httpcore_lite.get("https://api.github.com/user", auth=auth).json()["login"]
        'octocat'

    Raises:
        NotImplementedError: when a subclass does not define ``__call__``.
    """

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        raise NotImplementedError("Auth hooks must be callable.")


class HTTPBasicAuth(AuthBase):
    """Attaches HTTP Basic Authentication (RFC 7617) to the given Request object.

    ``auth=("user", "password")`` is short for it. Text that latin-1 cannot encode is sent
    as UTF-8.

    Examples:
        >>> from httpcore_lite.auth import HTTPBasicAuth
        >>> auth = HTTPBasicAuth("octocat", "hunter2")
        >>> httpcore_lite.get("https://api.github.com/user", auth=auth).json()["login"]
        'octocat'
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


class HTTPProxyAuth(HTTPBasicAuth):
    """Attaches HTTP Proxy Authentication (Basic) to a given Request object: a
    Proxy-Authorization header, which goes to the proxy (on the CONNECT of an https://
    request), never to the origin. Credentials in the proxy URL do the same.

    Examples:
        >>> from httpcore_lite.auth import HTTPProxyAuth
        >>> auth = HTTPProxyAuth("me", "pw")
        >>> req = httpcore_lite.Request("GET", "http://httpbin.org/get", auth=auth)
        >>> req.prepare().headers["Proxy-Authorization"]
        'Basic bWU6cHc='
    """

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        r.headers["Proxy-Authorization"] = _basic_auth_str(self.username, self.password)
        return r


# RFC 7616 section 6.1 (and RFC 2617's SHA): the algorithms, each with its "-sess" variant.
_DIGEST_HASHES: Final = {"MD5": "md5", "SHA": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}


def _hash_function(algorithm: str) -> Callable[[bytes], Any] | None:
    # hashlib loads OpenSSL (2-3 ms): imported with the first Digest challenge.
    import hashlib

    name = _DIGEST_HASHES.get(algorithm)
    return None if name is None else getattr(hashlib, name)


_MAX_STALE_RETRIES: Final = 1


class _DigestState(threading.local):
    """One thread's view of the challenge: threads sharing an auth never mix nonces."""

    def __init__(self) -> None:
        self.challenge: dict[str, str] = {}
        self.last_nonce = ""
        self.nonce_count = 0
        self.body_position: int | None = None
        self.answers = 0  # 401s answered for the current request
        self.stale_retries = 0


class HTTPDigestAuth(AuthBase):
    """HTTP Digest Authentication (RFC 7616): MD5, SHA, SHA-256, SHA-512 and their
    ``-sess`` variants, with ``qop=auth`` and a nonce count.

    The first request goes out unsigned (or signed with the last nonce this thread saw);
    the Session sends it once more, signed, when the server answers 401 with a Digest
    challenge, and again once if the server says the nonce was stale. One instance may be
    shared by threads.

    Examples:
        >>> from httpcore_lite.auth import HTTPDigestAuth
        >>> url = "https://httpbin.org/digest-auth/auth/user/passwd"
        >>> r = httpcore_lite.get(url, auth=HTTPDigestAuth("user", "passwd"))
        >>> r.status_code, r.history
        (200, [<Response [401]>])
    """

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.password = password
        self._state = _DigestState()

    def __eq__(self, other: object) -> bool:
        return (self.username, self.password) == (
            getattr(other, "username", None),
            getattr(other, "password", None),
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]  # compared by value, and mutable

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        state = self._state
        if state.last_nonce:
            header = self.build_digest_header(r.method or "GET", r.url or "")
            if header is not None:
                r.headers[AUTHORIZATION] = header
        try:
            state.body_position = r.body.tell()
        except (AttributeError, OSError):
            state.body_position = None
        state.answers = 0
        state.stale_retries = 0
        return r

    def retry_for(self, response: Response) -> PreparedRequest | None:
        """The request signed for ``response``'s Digest challenge, or None: not a 401, no
        Digest challenge, or already answered (a second 401 is final, unless the server
        says the nonce was stale).

        Examples:
            >>> from httpcore_lite.auth import HTTPDigestAuth
            >>> r = httpcore_lite.get("https://httpbin.org/digest-auth/auth/user/passwd")
            >>> r.status_code
            401
            >>> retry = HTTPDigestAuth("user", "passwd").retry_for(r)
            >>> retry.headers["Authorization"]
            'Digest username="user", realm="me@kennethreitz.com", ...'
        """
        state = self._state
        if response.status_code != 401 or response.request is None:
            state.answers = 0  # a redirect or a success: the next 401 is new
            return None
        header = response.headers.get("www-authenticate", "")
        scheme, _, params = header.strip().partition(" ")
        if scheme.lower() != "digest":
            return None
        challenge = parse_dict_header(params)
        stale = challenge.get("stale", "").lower() == "true"
        if state.answers >= 1 and not (stale and state.stale_retries < _MAX_STALE_RETRIES):
            return None
        if state.answers >= 1:
            state.stale_retries += 1
        state.answers += 1
        state.challenge = challenge
        retry = response.request.copy()
        if state.body_position is not None and hasattr(retry.body, "seek"):
            retry.body.seek(state.body_position)
        signed = self.build_digest_header(retry.method or "GET", retry.url or "")
        if signed is None:
            return None  # an algorithm or qop we cannot answer: the 401 stands
        retry.headers[AUTHORIZATION] = signed
        return retry

    def build_digest_header(self, method: str, url: str) -> str | None:
        """The Authorization value for ``method`` on ``url`` under the last challenge, or
        None when its algorithm or qop is not supported (auth-int, say).

        Examples:
            >>> from httpcore_lite.auth import HTTPDigestAuth
            >>> url = "https://httpbin.org/digest-auth/auth/user/passwd"
            >>> auth = HTTPDigestAuth("user", "passwd")
            >>> retry = auth.retry_for(httpcore_lite.get(url))  # takes in the challenge
            >>> auth.build_digest_header("GET", url)
            'Digest username="user", realm="me@kennethreitz.com", nonce="...", uri=...'
        """
        state = self._state
        challenge = state.challenge
        realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
        qop, algorithm = challenge.get("qop"), challenge.get("algorithm")
        name = (algorithm or "MD5").upper()
        session = name.endswith("-SESS")
        digest = _hash_function(name.removesuffix("-SESS"))
        if digest is None:
            return None
        if qop is not None and "auth" not in [q.strip() for q in qop.split(",")]:
            return None

        def hex_hash(text: str) -> str:
            return str(digest(text.encode("utf-8")).hexdigest())

        parts = urlsplit(url)
        uri = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        state.nonce_count = state.nonce_count + 1 if nonce == state.last_nonce else 1
        state.last_nonce = nonce
        nc = f"{state.nonce_count:08x}"
        cnonce = os.urandom(8).hex()  # opaque to the server; unpredictable is all it needs
        ha1 = hex_hash(f"{self.username}:{realm}:{self.password}")
        if session:
            ha1 = hex_hash(f"{ha1}:{nonce}:{cnonce}")
        ha2 = hex_hash(f"{method}:{uri}")
        if qop is None:  # RFC 2069, before qop
            response = hex_hash(f"{ha1}:{nonce}:{ha2}")
        else:
            response = hex_hash(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        fields = [
            f'username="{self.username}"',
            f'realm="{realm}"',
            f'nonce="{nonce}"',
            f'uri="{uri}"',
            f'response="{response}"',
        ]
        if "opaque" in challenge:
            fields.append(f'opaque="{challenge["opaque"]}"')
        if algorithm:
            fields.append(f'algorithm="{algorithm}"')
        if qop is not None:
            fields += ['qop="auth"', f"nc={nc}", f'cnonce="{cnonce}"']
        return "Digest " + ", ".join(fields)


def parse_dict_header(value: str) -> dict[str, str]:
    """``key=value`` pairs separated by commas, values optionally quoted (RFC 9110 section
    5.6): ``realm="a, b", qop=auth`` gives ``{"realm": "a, b", "qop": "auth"}``.

    Examples:
        >>> parse_dict_header('realm="me@x", nonce="abc", qop="auth,auth-int"')
        {'realm': 'me@x', 'nonce': 'abc', 'qop': 'auth,auth-int'}
    """
    result: dict[str, str] = {}
    for item in _split_list(value):
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not key:
            continue
        raw = raw.strip()
        if eq and len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        result[key.lower() if key.lower() in _DIGEST_KEYS else key] = raw if eq else ""
    return result


_DIGEST_KEYS: Final = frozenset({"realm", "nonce", "qop", "algorithm", "opaque", "stale", "domain"})


def _split_list(value: str) -> list[str]:
    # Commas inside quoted strings do not separate items.
    items, current, quoted, escaped = [], [], False, False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


def coerce_auth(auth: Any) -> Any:
    """requests' shorthand: a (user, password) pair means Basic auth."""
    if isinstance(auth, tuple) and len(auth) == 2:
        return HTTPBasicAuth(*auth)
    return auth
