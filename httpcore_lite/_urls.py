"""URLs: prepare (requests' rules), validate before any socket opens, split for sending.

``prepare_url`` turns what the caller gave into the URL the PreparedRequest shows.
``split_url`` turns that URL into what the transport needs: the Origin that keys the pool,
the request target and the Host header (the adapter caches its result in the exchange plan).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, NamedTuple, cast
from urllib.parse import quote, unquote, urlencode, urlsplit, urlunsplit

from .exceptions import InvalidSchema, InvalidURL, MissingSchema

DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# http+unix://%2Fvar%2Frun%2Fapp.sock/path: HTTP over a Unix domain socket, its path
# percent-encoded as the host (the convention of requests-unixsocket and Docker clients).
UNIX_SCHEME: Final = "http+unix"

# RFC 3986 section 2.3: unreserved characters, which percent-encoding never needs.
_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# A registered host name (RFC 3986 section 3.2.2, reg-name), after IDNA encoding; DNS
# labels are at most 63 characters (RFC 1035 section 2.3.4).
_LABEL: Final = r"[A-Za-z0-9\-_~!$&'()*+,;=]{1,63}"
_REG_NAME: Final = rf"{_LABEL}(?:\.{_LABEL})*\.?\Z"
_ESCAPE: Final = r"%[0-9A-Fa-f]{2}"
# (Patterns, not compiled ones: ``re`` compiles each on first use and keeps it, so import
# does not pay for them; the callers run once per distinct URL, their results are cached.)
# A URL that prepare_url gives back as it is, and whose parts split_url can read off at once
# (most URLs a program sends look so): http or https in lower case; a lower-case ASCII host
# name (an IPv4 address is one); a port without a leading zero; a path of characters that
# need no quoting, without "." or ".." segments; a query of such characters, or none; no
# userinfo, escape or fragment. Any other URL takes the general route, which gives the same
# answer for these (tests/property/test_fast_path_twins.py).
_PLAIN_URL: Final = (
    r"(?P<scheme>https?)://(?P<host>[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*)"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?"
    r"(?P<target>(?:/(?!\.\.?(?:[/?]|\Z))[A-Za-z0-9._~!$&'()*+,;=:@-]*)+"
    r"(?:\?[A-Za-z0-9._~!$&'()*+,;=:@/?-]+)?)\Z"
)
# urlsplit deletes these silently (a WHATWG rule); requests sends them percent-encoded.
_CONTROL_ESCAPES: Final = {9: "%09", 10: "%0A", 13: "%0D"}


class Origin(NamedTuple):
    """Scheme, host and port: where a request goes (RFC 6454). Hosts are lower case.
    (A tuple: it keys the pool and the caches on every request, and tuples hash in C.)"""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        if self.scheme == UNIX_SCHEME:
            return f"{self.scheme}://{quote(self.host, safe='')}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


class SplitURL(NamedTuple):
    origin: Origin
    target: str  # origin-form request target: path and query, never the fragment
    host_header: str


def prepare_url(url: str | bytes, params: Any = None) -> str:
    """Validate ``url``, add ``params`` to its query and normalise its quoting, as requests.

    Example:
        >>> prepare_url("http://example.com/a b", {"q": ["1", "2"]})
        'http://example.com/a%20b?q=1&q=2'

    Raises:
        MissingSchema: no scheme ("example.com/path").
        InvalidURL: no host, an invalid host label, or an invalid port.
    """
    # (A Session keeps what this gave for the URLs it sends: Session._prepared_url.)
    if not params and type(url) is str and _plain(url) is not None:
        return url
    return _prepare_url(url, params)


def _plain(url: str) -> tuple[str, str, str | None, str] | None:
    """Scheme, host, port (None: the scheme's) and target of a plain URL (see _PLAIN_URL);
    None for any other."""
    match = _plain_url_pattern().match(url)
    if match is None:
        return None
    parts = cast(tuple[str, str, str | None, str], match.groups())  # (its four groups)
    return None if parts[2] is not None and int(parts[2]) > 65535 else parts


@functools.cache
def _plain_url_pattern() -> re.Pattern[str]:
    # Compiled on first use, not at import; held here, since looking a pattern up in re's
    # own cache costs as much as matching a short URL (this runs twice per new URL).
    return re.compile(_PLAIN_URL)


def _prepare_url(url: str | bytes, params: Any) -> str:
    url = (url.decode("utf8") if isinstance(url, bytes) else str(url)).lstrip()
    # Schemes other than http(s) pass through untouched; the Session then finds no adapter
    # for them and says so (InvalidSchema), as requests does.
    if ":" in url and not url.lower().startswith("http"):
        return url
    try:
        parts = urlsplit(url.translate(_CONTROL_ESCAPES))
    except ValueError as exc:
        raise InvalidURL(f"Invalid URL {url!r}: {exc}") from exc
    if parts.scheme.lower() == UNIX_SCHEME:
        netloc = parts.netloc  # a socket path: case and escapes are the file system's
        if not netloc:
            raise InvalidURL(f"Invalid URL {url!r}: no socket path (percent-encode it as the host)")
    elif parts.scheme and parts.scheme.lower() not in DEFAULT_PORTS:
        return url  # "git+https://", say: no adapter will take it (unless one is mounted)
    elif not parts.scheme:
        raise MissingSchema(
            f"Invalid URL {url!r}: No scheme supplied. Perhaps you meant https://{url}?"
        )
    else:
        netloc = _prepared_netloc(url, parts.netloc)
    path = _remove_dot_segments(_normalise_escapes(parts.path)) or "/"
    query = _normalise_escapes(parts.query)
    encoded = encode_params(params)
    if encoded:
        query = f"{query}&{encoded}" if query else encoded
    fragment = _normalise_escapes(parts.fragment)
    return requote_uri(urlunsplit((parts.scheme, netloc, path, query, fragment)))


def _normalise_escapes(component: str) -> str:
    """Percent-escapes in upper case; if any "%" starts no valid escape, every "%" is
    taken literally and encoded as %25 (urllib3's rule, which requests follows)."""
    if "%" not in component:
        return component
    escapes = re.findall(_ESCAPE, component)
    if len(escapes) != component.count("%"):
        return component.replace("%", "%25")
    return re.sub(_ESCAPE, lambda match: match.group(0).upper(), component)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: "." and ".." segments resolved, as a server would."""
    if "." not in path:
        return path
    output: list[str] = []
    for segment in path.split("/"):
        if segment == ".":
            continue
        if segment != "..":
            output.append(segment)
        elif output:
            output.pop()
    if path.startswith("/") and (not output or output[0]):
        output.insert(0, "")
    if path.endswith(("/.", "/..")):
        output.append("")
    return "/".join(output)


def _prepared_netloc(url: str, netloc: str) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        host, _, port = hostport[1:].partition("]")
        host = f"[{host}]"
        port = port[1:]
    else:
        host, _, port = hostport.partition(":")
    if not host:
        raise InvalidURL(f"Invalid URL {url!r}: No host supplied")
    if not host.isascii():
        host = idna_encode(host)
    elif host.startswith(("*", ".")):
        raise InvalidURL("URL has an invalid label.")
    host = host.lower()  # host names are case-insensitive (RFC 3986 section 3.2.2)
    _check_host(url, host[1:-1] if host.startswith("[") else host)
    # Only ASCII digits make a port: str.isdigit() also takes "²" (which int() refuses) and
    # Arabic-Indic or fullwidth digits (which int() reads as another port).
    if port and not (port.isascii() and port.isdigit() and int(port) <= 65535):
        raise InvalidURL(f"Invalid URL {url!r}: invalid port {port!r}")
    netloc = f"{_quote_userinfo(userinfo)}@{host}" if userinfo else host
    return f"{netloc}:{int(port)}" if port else netloc


def _quote_userinfo(userinfo: str) -> str:
    # An "@" inside the user name or password belongs to it: only the last one ends it.
    return userinfo.replace("@", "%40")


def idna_encode(host: str) -> str:
    """The ASCII form of an internationalised host name.

    Raises:
        InvalidURL: the name is not valid IDNA.
    """
    try:
        import idna  # type: ignore[import-untyped, unused-ignore]  # optional: IDNA 2008
    except ImportError:
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidURL("URL has an invalid label.") from exc
    try:
        return str(idna.encode(host, uts46=True).decode("ascii"))
    except idna.IDNAError as exc:
        raise InvalidURL("URL has an invalid label.") from exc


def encode_params(params: Any) -> str:
    """requests' ``_encode_params``: str and bytes pass through; pairs are form-encoded.

    A dict or a list of pairs; a list value repeats its key; None values are dropped.
    """
    if not params:
        return ""
    if isinstance(params, str):
        return params
    if isinstance(params, bytes):
        return params.decode("ascii")
    return urlencode(list(iter_pairs(params)), doseq=True)


def iter_pairs(data: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> Iterable[tuple[Any, Any]]:
    """(key, value) pairs of a mapping or a list of pairs, lists flattened, None dropped,
    str encoded as UTF-8."""
    items = data.items() if isinstance(data, Mapping) else data
    for key, given in items:
        values = (
            [given] if isinstance(given, (str, bytes)) or not hasattr(given, "__iter__") else given
        )
        for value in values:
            if value is not None:
                yield (
                    key.encode("utf-8") if isinstance(key, str) else key,
                    value.encode("utf-8") if isinstance(value, str) else value,
                )


def requote_uri(uri: str) -> str:
    """Re-quote ``uri`` so that it is fully and consistently quoted (requests' rules):
    %-escapes of unreserved characters are decoded, everything unsafe is escaped."""
    safe_with_percent = "!#$%&'()*+,/:;=?@[]~"
    try:
        return quote(_unquote_unreserved(uri), safe=safe_with_percent)
    except InvalidURL:
        # A stray "%" that starts no valid escape: quote it too.
        return quote(uri, safe="!#$&'()*+,/:;=?@[]~")


def _unquote_unreserved(uri: str) -> str:
    parts = uri.split("%")
    for i in range(1, len(parts)):
        hex_pair = parts[i][0:2]
        if len(hex_pair) == 2 and hex_pair.isalnum():
            try:
                char = chr(int(hex_pair, 16))
            except ValueError as exc:
                raise InvalidURL(f"Invalid percent-escape sequence: '{hex_pair}'") from exc
            parts[i] = char + parts[i][2:] if char in _UNRESERVED else f"%{parts[i]}"
        else:
            parts[i] = f"%{parts[i]}"
    return "".join(parts)


def split_url(url: str) -> SplitURL:
    """Split a prepared http(s) URL into what the transport needs.

    Example:
        >>> split_url("https://user:pw@Example.com:8443/a?b#c").target
        '/a?b'

    Raises:
        InvalidSchema: the scheme is not http or https.
        InvalidURL: no host, a host with characters no host can have, or a bad port.
    """
    plain = _plain(url)
    if plain is not None:
        scheme, host, given_port, target = plain
        default_port = DEFAULT_PORTS[scheme]
        port = default_port if given_port is None else int(given_port)
        header = host if port == default_port else f"{host}:{port}"
        return SplitURL(Origin(scheme, host, port), target, header)
    return _split_url(url)


def _split_url(url: str) -> SplitURL:
    # The general route of split_url, for any URL.
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"Invalid URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme == UNIX_SCHEME:
        return _split_unix_url(url, parts.netloc, parts.path, parts.query)
    if scheme not in DEFAULT_PORTS:
        raise InvalidSchema(f"No connection adapters were found for {url!r}")
    host = parts.hostname
    if not host:
        raise InvalidURL(f"Invalid URL {url!r}: No host supplied")
    _check_host(url, host)
    default_port = DEFAULT_PORTS[scheme]
    port = default_port if port is None else port
    bracketed = f"[{host}]" if ":" in host else host
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return SplitURL(
        origin=Origin(scheme, host, port),
        target=target,
        host_header=bracketed if port == default_port else f"{bracketed}:{port}",
    )


def _check_host(url: str, host: str) -> None:
    if ":" in host:
        import ipaddress

        try:
            ipaddress.IPv6Address(host.partition("%")[0])
        except ValueError as exc:
            raise InvalidURL(f"Invalid URL {url!r}: invalid IPv6 address {host!r}") from exc
    elif not re.match(_REG_NAME, host):
        raise InvalidURL(f"Invalid URL {url!r}: invalid host {host!r}")


def _split_unix_url(url: str, netloc: str, path: str, query: str) -> SplitURL:
    """An http+unix URL: the origin's host is the socket's path (its port 0), and the
    Host header says "localhost", as curl's --unix-socket does.

    Raises:
        InvalidURL: no socket path.
    """
    socket_path = unquote(netloc)
    if not socket_path:
        raise InvalidURL(f"Invalid URL {url!r}: no socket path (percent-encode it as the host)")
    target = (path or "/") + (f"?{query}" if query else "")
    return SplitURL(Origin(UNIX_SCHEME, socket_path, 0), target, "localhost")
