"""Which proxy a request goes through: requests' proxy settings as pure functions.

Proxies come from three places, merged by ``resolve_proxies`` once per request:

1. the request's ``proxies=``, over
2. the Session's ``proxies``, over
3. the environment (``http_proxy``, ``https_proxy``, ``all_proxy``, ``no_proxy`` and their
   upper-case forms), read once per Session (``EnvironmentProxies``), used only when
   ``trust_env`` and only where 1 and 2 say nothing about the URL: an explicit setting,
   including an explicit None, always beats the environment (requests #2018, #3829).

Then ``select_proxy`` picks the one for a URL from the merged mapping, by requests' keys:
``"scheme://host"``, ``"scheme"``, ``"all://host"``, ``"all"``; the first key present
decides, and a None value there means "no proxy" (``{"https": None}`` is an opt-out).

No sockets, no I/O: the environment is passed in. Nothing here is on the path of a request
that has no proxies: ``resolve_proxies`` returns an empty dict at once when no source has any.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Final, NamedTuple
from urllib.parse import unquote, urlsplit

from ._urls import DEFAULT_PORTS, Origin, split_url
from .exceptions import InvalidProxyURL, InvalidSchema, InvalidURL
from .utils import environment_values

if TYPE_CHECKING:  # pragma: no cover
    import ipaddress

ProxyMapping = Mapping[str, str | None]

NO_PROXY_KEY: Final = "no_proxy"
_SEPARATORS: Final = re.compile(r"[\s,]+")


# -- choosing a proxy for a URL ----------------------------------------------------------


def select_proxy(url: str, proxies: ProxyMapping | None) -> str | None:
    """The proxy URL for ``url``, or None for a direct connection (requests' rule).

    Keys are tried most specific first: ``"https://example.com"``, ``"https"``,
    ``"all://example.com"``, ``"all"``. The first one present decides, and a None value
    means no proxy.

    Example:
        >>> select_proxy("https://a.com/x", {"https": "http://p:3128", "all": "http://q"})
        'http://p:3128'
        >>> select_proxy("https://a.com/x", {"https": None, "all": "http://q"}) is None
        True
    """
    if not proxies:
        return None
    scheme, host, _ = _url_parts(url)
    if host is None:
        return proxies.get(scheme, proxies.get("all"))
    for key in (f"{scheme}://{host}", scheme, f"all://{host}", "all"):
        if key in proxies:
            return proxies[key]
    return None


def _has_setting_for(url: str, proxies: ProxyMapping) -> bool:
    """Whether ``proxies`` says anything (a proxy, or None) about ``url``."""
    scheme, host, _ = _url_parts(url)
    keys = (
        (scheme, "all") if host is None else (f"{scheme}://{host}", scheme, f"all://{host}", "all")
    )
    return any(key in proxies for key in keys)


def _url_parts(url: str) -> tuple[str, str | None, int | None]:
    """Scheme, host (lower case, no brackets) and port (the scheme's default if none)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "", None, None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname, DEFAULT_PORTS.get(scheme) if port is None else port


# -- merging the sources -----------------------------------------------------------------


def resolve_proxies(
    url: str,
    request_proxies: ProxyMapping | None,
    session_proxies: ProxyMapping | None,
    environment_proxies: Mapping[str, str] | None,
    trust_env: bool,
) -> dict[str, str | None]:
    """The proxies for one request, to pass as ``proxies=`` to ``adapter.send``.

    - The request's keys override the Session's (a request's None overrides a Session's
      proxy: that is how one request opts out).
    - The environment (``EnvironmentProxies``, read once per Session) counts only when
      ``trust_env`` is true, and only if neither the request nor the Session has a key for
      this URL (``select_proxy``'s keys): an explicit setting, even None, beats it.
    - NO_PROXY applies to environment proxies only, never to explicit ones (as in
      requests). A ``"no_proxy"`` key in the request's or Session's mapping takes the place
      of the environment's NO_PROXY.

    The result keeps None values (they are opt-outs for ``select_proxy``) and the
    ``"no_proxy"`` key; it is a new dict, the caller may keep or change it.

    Example:
        >>> env = EnvironmentProxies.read({"HTTPS_PROXY": "http://env:3128"})
        >>> resolve_proxies("https://a.com/", None, None, env, trust_env=True)
        {'https': 'http://env:3128'}
        >>> resolve_proxies("https://a.com/", {"https": None}, None, env, trust_env=True)
        {'https': None}

    Raises:
        Nothing: a malformed proxy URL is reported when it is used (``parse_proxy_url``).
    """
    use_environment = trust_env and bool(environment_proxies)
    if not request_proxies and not session_proxies and not use_environment:
        return {}  # the common case: no proxies anywhere
    proxies: dict[str, str | None] = {**(session_proxies or {}), **(request_proxies or {})}
    if not use_environment or _has_setting_for(url, proxies):
        return proxies
    assert environment_proxies is not None
    explicit_no_proxy = proxies.get(NO_PROXY_KEY)
    no_proxy = (
        explicit_no_proxy
        if explicit_no_proxy is not None
        else environment_proxies.get(NO_PROXY_KEY)
    )
    if should_bypass(url, no_proxy):
        return proxies
    for key, value in environment_proxies.items():
        if key != NO_PROXY_KEY:
            proxies.setdefault(key, value)
    return proxies


# -- the environment ---------------------------------------------------------------------


_ENVIRONMENT_SCHEMES: Final = ("http", "https", "all", "no")
# Every name proxies_from_environment may look up.
_ENVIRONMENT_NAMES: Final = (
    *(f"{scheme}_proxy" for scheme in _ENVIRONMENT_SCHEMES),
    *(f"{scheme.upper()}_PROXY" for scheme in _ENVIRONMENT_SCHEMES),
    "REQUEST_METHOD",
)


def proxies_from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """Proxy settings from environment variables, as ``urllib.request.getproxies`` reads
    them, for the keys a proxy is chosen by: ``http_proxy``, ``https_proxy``, ``all_proxy``
    and ``no_proxy``, in either case; the lower-case one wins, and an
    empty lower-case one cancels the upper-case one. ``no_proxy`` becomes the
    ``"no_proxy"`` key. In a CGI script (``REQUEST_METHOD`` set) ``HTTP_PROXY`` is ignored:
    a client's ``Proxy:`` request header lands there (httpoxy, CVE-2016-1000110).

    Example:
        >>> proxies_from_environment({"HTTPS_PROXY": "http://p:3128", "no_proxy": "local"})
        {'https': 'http://p:3128', 'no_proxy': 'local'}
    """
    # Only the schemes a proxy can be chosen for (select_proxy's keys) are read: looking up
    # a few names beats walking (and decoding) the whole environment, which every new
    # Session, so every module-level get(), would pay.
    found: dict[str, str] = {}
    for scheme in _ENVIRONMENT_SCHEMES:
        upper = environ.get(f"{scheme.upper()}_PROXY")
        if upper and not (scheme == "http" and "REQUEST_METHOD" in environ):
            found[scheme] = upper
        lower = environ.get(f"{scheme}_proxy")  # lower case wins; empty cancels
        if lower:
            found[scheme] = lower
        elif lower is not None:
            found.pop(scheme, None)
    if "no" in found:
        found[NO_PROXY_KEY] = found.pop("no")
    return found


class EnvironmentProxies(Mapping[str, str]):
    """The proxy settings of an environment, read once: a Session holds one, so that the
    environment is not read on every request. Immutable.

    Example:
        >>> env = EnvironmentProxies.read(os.environ)
        >>> resolve_proxies(url, request_proxies, session.proxies, env, session.trust_env)
    """

    __slots__ = ("_proxies",)

    def __init__(self, proxies: Mapping[str, str]) -> None:
        self._proxies = dict(proxies)

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> EnvironmentProxies:
        """The settings in ``environ`` (``os.environ`` by default); see
        ``proxies_from_environment``."""
        if environ is None:
            environ = environment_values(_ENVIRONMENT_NAMES)
        return cls(proxies_from_environment(environ))

    def __getitem__(self, key: str) -> str:
        return self._proxies[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._proxies)

    def __len__(self) -> int:
        return len(self._proxies)

    def __repr__(self) -> str:
        # Proxy URLs may hold credentials: show only which settings there are.
        return f"<EnvironmentProxies {sorted(self._proxies)}>"


# -- NO_PROXY ----------------------------------------------------------------------------


class _Rule(NamedTuple):
    """One NO_PROXY entry: a domain (matching itself and its subdomains) or an IP network,
    and the port it is limited to, if any."""

    domain: str | None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None
    port: int | None


class _NoProxy(NamedTuple):
    everything: bool
    rules: tuple[_Rule, ...]


def should_bypass(url: str, no_proxy: str | None) -> bool:
    """Whether NO_PROXY (``no_proxy``: entries separated by commas or spaces) exempts
    ``url`` from environment proxies.

    Entries: ``*`` (everything); a domain, with or without a leading dot or ``*.``
    (``example.com`` matches ``example.com`` and ``sub.example.com``, never
    ``badexample.com``); an IP address or CIDR range (``127.0.0.1``, ``10.0.0.0/8``,
    ``::1``, ``[::1]``), matched only against hosts written as addresses (no name is
    resolved); any of these with ``:port``, which then matches only that port (the
    scheme's default when the URL has none).

    Example:
        >>> should_bypass("http://sub.example.com/", "localhost, .example.com")
        True
        >>> should_bypass("http://10.1.2.3:8080/", "10.0.0.0/8")
        True
    """
    if not no_proxy:
        return False
    parsed = _parse_no_proxy(no_proxy)
    if parsed.everything:
        return True
    _, host, port = _url_parts(url)
    if not host:
        return False
    address = _ip_address(host)
    return any(
        (rule.port is None or rule.port == port) and _host_matches(rule, host, address)
        for rule in parsed.rules
    )


def _host_matches(
    rule: _Rule, host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
) -> bool:
    if rule.network is not None:
        return address is not None and address in rule.network
    # A name never matches an address rule, nor an address a name rule: nothing is resolved.
    domain = rule.domain
    return (
        address is None and domain is not None and (host == domain or host.endswith("." + domain))
    )


@functools.lru_cache(maxsize=32)
def _parse_no_proxy(no_proxy: str) -> _NoProxy:
    rules = []
    for entry in _SEPARATORS.split(no_proxy.strip().lower()):
        if entry == "*":
            return _NoProxy(True, ())
        rule = _parse_entry(entry)
        if rule is not None:
            rules.append(rule)
    return _NoProxy(False, tuple(rules))


def _parse_entry(entry: str) -> _Rule | None:
    """One NO_PROXY entry; None for one that cannot match anything (ignored, as curl does)."""
    host, port_text = entry, ""
    if entry.startswith("["):  # [v6] or [v6]:port
        host, _, rest = entry[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:  # host:port (a bare IPv6 address has more colons)
        host, _, port_text = entry.partition(":")
    port = None
    if port_text:
        if not (port_text.isascii() and port_text.isdigit()):  # "²" is a digit to isdigit()
            return None
        port = int(port_text)
    network = _ip_network(host)
    if network is not None:
        return _Rule(None, network, port)
    domain = host.lstrip("*").strip(".")
    return _Rule(domain, None, port) if domain else None


def _ip_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not text or not (text[0].isdigit() or ":" in text):
        return None  # a name: skip the exception ipaddress would raise
    import ipaddress

    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not (host[0].isdigit() or ":" in host):
        return None
    import ipaddress

    try:
        return ipaddress.ip_address(host.partition("%")[0])  # without an IPv6 zone
    except ValueError:
        return None


# -- the proxy URL -----------------------------------------------------------------------


class ProxyURL(NamedTuple):
    """A proxy URL taken apart: where the proxy is, and the credentials it carries
    (percent-decoded; None when absent)."""

    origin: Origin
    username: str | None
    password: str | None


def parse_proxy_url(url: str) -> ProxyURL:
    """Take a proxy URL apart. A URL without a scheme is an http:// proxy, as in requests;
    the port defaults to the scheme's (80, 443). Error messages never show credentials.

    Example:
        >>> parse_proxy_url("http://user:p%40ss@proxy.local:3128").password
        'p@ss'

    Raises:
        InvalidSchema: a SOCKS proxy (not supported), or a scheme that is not http(s).
        InvalidProxyURL: no host, an invalid host, or an invalid port.
    """
    if "://" not in url:
        url = "http://" + url.lstrip("/")
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme.startswith("socks"):
        raise InvalidSchema(
            f"SOCKS proxies are not supported ({scheme}://): use an http:// or https:// proxy"
        )
    if scheme not in DEFAULT_PORTS:
        raise InvalidSchema(f"Unsupported proxy scheme {scheme!r}: use http:// or https://")
    netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    userinfo, _, hostport = netloc.rpartition("@")
    if not hostport:
        raise InvalidProxyURL(
            "Please check proxy URL. It is malformed and could be missing the host."
        )
    try:
        origin = split_url(f"{scheme}://{hostport}").origin  # no credentials in its errors
    except InvalidURL as exc:
        raise InvalidProxyURL(f"Invalid proxy URL: {exc}") from exc
    if not userinfo:
        return ProxyURL(origin, None, None)
    username, has_password, password = userinfo.partition(":")
    return ProxyURL(origin, unquote(username), unquote(password) if has_password else None)


__all__ = [
    "EnvironmentProxies",
    "ProxyURL",
    "parse_proxy_url",
    "proxies_from_environment",
    "resolve_proxies",
    "select_proxy",
    "should_bypass",
]
