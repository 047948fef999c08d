"""Redirect rules, as requests applies them: pure functions of a request and its response.

Where the next hop goes (``redirect_target``, ``resolve_location``), with which method and
body (``next_method``, ``next_request``), and which credentials may follow it
(``should_strip_auth``). The Session drives the loop: it sends, and it decides how many
hops are too many. Nothing here touches the network.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Final
from urllib.parse import urljoin, urlsplit, urlunsplit, uses_relative

from . import _urls
from ._body import rewind_body
from .exceptions import InvalidSchema, InvalidURL

if TYPE_CHECKING:  # pragma: no cover
    from .models import PreparedRequest, Response

# RFC 9110 section 15.4: the redirects followed.
REDIRECT_STATI: Final = frozenset({301, 302, 303, 307, 308})
# 307 and 308 keep the method and the body; the others drop the body.
_BODY_KEEPING_STATI: Final = frozenset({307, 308})
_BODY_HEADERS: Final = ("Content-Length", "Content-Type", "Transfer-Encoding")
# Where a redirect may send a request unless the Session allows more: a server must not move
# a request onto another transport (a Unix socket such as Docker's, say), whatever the
# scheme of the first URL was. libcurl limits its redirect protocols the same way.
DEFAULT_REDIRECT_SCHEMES: Final = frozenset({"http", "https"})


def redirect_target(response: Response) -> str | None:
    """The Location of a redirect response, or None when it is not one.

    Location is latin-1 on the wire (as every header here), but servers send UTF-8 URLs in
    it: the bytes are read again as UTF-8 when they are valid UTF-8, as requests does.
    """
    if response.status_code not in REDIRECT_STATI:
        return None
    location: str | None = response.headers.get("location")
    if location is None:
        return None
    raw = location.encode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return location


def resolve_location(location: str, current_url: str) -> str:
    """The absolute, prepared URL of the next hop.

    A relative Location is joined to the current URL; a scheme-relative one (``//host``)
    takes the current scheme; a Location without a fragment keeps the current one
    (RFC 9110 section 10.2.2).

    Raises:
        InvalidURL, MissingSchema: a Location that is no URL.
    """
    current = urlsplit(current_url)
    if location.startswith("//"):
        location = f"{current.scheme}:{location}"
    try:
        target = urlsplit(location)
        if not target.netloc:
            location = _join(current_url, current.scheme, location)
            target = urlsplit(location)
    except ValueError as exc:  # an unclosed "[", say
        raise InvalidURL(f"Invalid redirect Location {location!r}: {exc}") from exc
    if not target.fragment and current.fragment:
        location = urlunsplit(target._replace(fragment=current.fragment))
    return _urls.prepare_url(location)


def check_redirect_scheme(url: str, allowed: Collection[str]) -> None:
    """Refuse a redirect to ``url`` unless its scheme is one of ``allowed``.

    Raises:
        InvalidSchema: the scheme is not allowed (nothing has been sent to ``url``).
    """
    scheme = url.partition(":")[0].lower() if ":" in url else ""
    if scheme not in allowed:
        raise InvalidSchema(
            f"Refused to follow a redirect to {url!r}: its scheme {scheme!r} is not one of "
            f"Session.redirect_schemes ({', '.join(sorted(allowed))})"
        )


def _join(base: str, scheme: str, location: str) -> str:
    # urljoin joins only the schemes it knows (not http+unix): the others as http.
    if scheme.lower() in uses_relative:
        return urljoin(base, location)
    joined = urljoin("http" + base[len(scheme) :], location)
    return scheme + joined[4:] if joined.startswith("http:") else joined


def next_method(method: str, status: int) -> str:
    """The method of the next hop: what browsers do, and requests with them.

    303 becomes GET (HEAD stays HEAD); 302 too (the historic behaviour); 301 turns POST
    into GET; 307 and 308 keep the method.
    """
    if status in (302, 303) and method != "HEAD":
        return "GET"
    if status == 301 and method == "POST":
        return "GET"
    return method


def should_strip_auth(old_url: str, new_url: str) -> bool:
    """Whether credentials set for ``old_url`` must not go to ``new_url``: they stay only
    within one origin (scheme, host and port), or on the http -> https upgrade of the same
    host on the default ports (requests' one exception)."""
    old, new = urlsplit(old_url), urlsplit(new_url)
    if old.hostname != new.hostname:
        return True
    old_port, new_port = _port(old.scheme, old.port), _port(new.scheme, new.port)
    if old.scheme == "http" and old_port == 80 and new.scheme == "https" and new_port == 443:
        return False
    return old.scheme != new.scheme or old_port != new_port


def _port(scheme: str, port: int | None) -> int | None:
    return _urls.DEFAULT_PORTS.get(scheme) if port is None else port


def next_request(
    request: PreparedRequest,
    response: Response,
    url: str,
    strip_auth: bool | None = None,
    rewind: bool = True,
) -> PreparedRequest:
    """The request for the next hop to ``url``: a copy of ``request`` with the method
    rewritten, the body dropped (with the headers that describe it) or rewound, and the
    credentials stripped when the hop leaves the origin, with the caller's Host header and
    the request's own cookies.

    Cookies are not handled here: the Session evaluates them again for the new URL.
    ``strip_auth`` overrides ``should_strip_auth`` (a Session subclass may decide);
    ``rewind=False`` leaves a kept body where it is (the hop is not sent yet).

    Raises:
        UnrewindableBodyError: a 307 or 308 whose body cannot be sent again.
    """
    status = response.status_code
    hop = request.copy()
    hop.url = url
    hop.method = next_method(request.method or "GET", status)
    if status in _BODY_KEEPING_STATI:
        if rewind:
            rewind_body(hop)
    else:
        for name in _BODY_HEADERS:
            hop.headers.pop(name, None)
        hop.body = None
        hop._body_position = None
    hop.headers.pop("Proxy-Authorization", None)  # rebuilt per hop from the proxy settings
    leaves_origin = should_strip_auth(request.url or "", url)
    if leaves_origin:
        # What the caller set for this origin stays with it (stricter than requests): a
        # Host header would name the old host to the new one (and pick the old host's
        # cookies from the jar), and ``cookies=`` given for the request are the old host's.
        # The Session chooses cookies again by the new URL, from its jar alone.
        hop.headers.pop("Host", None)
        hop._cookies = None
    if strip_auth is None:
        strip_auth = leaves_origin
    if strip_auth:
        # Leaving the origin: the caller's Authorization and Cookie stay behind.
        hop.headers.pop("Authorization", None)
        hop.headers.pop("Cookie", None)
        hop._auth = None
    elif hop._cookie_from_jar:
        hop.headers.pop("Cookie", None)  # from a jar: the Session works it out again
    hop._cookie_from_jar = False
    return hop
