"""Cookies: requests' RequestsCookieJar (an ``http.cookiejar.CookieJar`` with a dict-like API)
and the helpers that move cookies between jars, requests and responses.

``http.cookiejar`` pulls in ``urllib.request`` (and so ``ssl``, ``email``...): this module is
imported only when cookies are first used, never by ``import httpcore_lite``.
"""

from __future__ import annotations

import calendar
import copy
import time
from collections.abc import Iterator, Mapping, MutableMapping
from http.cookiejar import Cookie, CookieJar, CookiePolicy, DefaultCookiePolicy
from http.cookies import Morsel
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:  # pragma: no cover
    from .models import PreparedRequest, Response


class CookieConflictError(RuntimeError):
    """More than one cookie matches a name: give a domain and a path to choose one.

    Examples:
        >>> from httpcore_lite.cookies import RequestsCookieJar
        >>> jar = RequestsCookieJar()
        >>> for domain in ("httpbin.org", "example.com"):
        ...     cookie = jar.set("flavour", "oatmeal", domain=domain)
        >>> jar["flavour"]
        Traceback (most recent call last):
        ...
        httpcore_lite.cookies.CookieConflictError: There are multiple cookies with name, 'flavour'
        >>> jar.get("flavour", domain="example.com")
        'oatmeal'
    """


class MockRequest:
    """A PreparedRequest seen through the ``urllib.request.Request`` interface that
    ``http.cookiejar`` expects. Cookies it adds are collected in ``get_new_headers()``."""

    def __init__(self, request: PreparedRequest) -> None:
        self._r = request
        self._new_headers: dict[str, str] = {}
        self.type = urlsplit(request.url or "").scheme

    def get_type(self) -> str:
        return self.type

    def get_host(self) -> str:
        return urlsplit(self._r.url or "").netloc

    def get_origin_req_host(self) -> str:
        return self.get_host()

    def get_full_url(self) -> str:
        # A Host header the caller set names the host the cookies are for.
        host: Any = self._r.headers.get("Host") if self._r.headers is not None else None
        if not host:
            return self._r.url or ""
        if isinstance(host, bytes):
            host = host.decode("latin-1")
        host = str(host)
        parts = urlsplit(self._r.url or "")
        full: str = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
        return full

    def is_unverifiable(self) -> bool:
        return True

    def has_header(self, name: str) -> bool:
        return name in self._r.headers or name in self._new_headers

    def get_header(self, name: str, default: str | None = None) -> str | None:
        value = self._r.headers.get(name, self._new_headers.get(name, default))
        return value  # type: ignore[no-any-return]

    def add_header(self, key: str, val: str) -> None:
        raise NotImplementedError("Cookie headers should be added with add_unredirected_header()")

    def add_unredirected_header(self, name: str, value: str) -> None:
        self._new_headers[name] = value

    def get_new_headers(self) -> dict[str, str]:
        return self._new_headers

    @property
    def unverifiable(self) -> bool:
        return self.is_unverifiable()

    @property
    def origin_req_host(self) -> str:
        return self.get_origin_req_host()

    @property
    def host(self) -> str:
        return self.get_host()


class _Fields:
    """The response's header fields as ``http.cookiejar`` reads them (``get_all``)."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields

    def get_all(self, name: str, default: Any = None) -> list[str] | Any:
        lowered = name.lower()
        values = [value for field, value in self._fields if field.lower() == lowered]
        return values or default

    getheaders = get_all


class MockResponse:
    """A response seen through the ``info()`` interface that ``http.cookiejar`` expects."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._info = _Fields(fields)

    def info(self) -> _Fields:
        return self._info


def extract_cookies_to_jar(jar: CookieJar, request: PreparedRequest, response: Response) -> None:
    """Store the cookies that ``response`` set (its Set-Cookie fields) in ``jar``, as
    ``jar``'s policy allows for ``request``'s URL.

    Examples:
        >>> from httpcore_lite.cookies import RequestsCookieJar, extract_cookies_to_jar
        >>> url = "https://httpbin.org/cookies/set?flavour=oatmeal"
        >>> r = httpcore_lite.get(url, allow_redirects=False)
        >>> jar = RequestsCookieJar()
        >>> extract_cookies_to_jar(jar, r.request, r)
        >>> jar.get_dict()
        {'flavour': 'oatmeal'}
    """
    fields = response.header_fields("set-cookie")
    if not fields or request is None:
        return
    jar.extract_cookies(
        MockResponse([("Set-Cookie", value) for value in fields]),  # type: ignore[arg-type]
        MockRequest(request),  # type: ignore[arg-type]
    )


def get_cookie_header(jar: CookieJar, request: PreparedRequest) -> str | None:
    """The Cookie header ``jar`` would send with ``request``, or None.

    Examples:
        >>> from httpcore_lite.cookies import cookiejar_from_dict, get_cookie_header
        >>> p = httpcore_lite.Request("GET", "https://httpbin.org/cookies").prepare()
        >>> get_cookie_header(cookiejar_from_dict({"flavour": "oatmeal"}), p)
        'flavour=oatmeal'
    """
    mock = MockRequest(request)
    jar.add_cookie_header(mock)  # type: ignore[arg-type]
    return mock.get_new_headers().get("Cookie")


def remove_cookie_by_name(
    cookiejar: CookieJar, name: str, domain: str | None = None, path: str | None = None
) -> None:
    """Remove every cookie called ``name`` (in ``domain`` and ``path``, when given).

    Examples:
        >>> from httpcore_lite.cookies import cookiejar_from_dict, remove_cookie_by_name
        >>> jar = cookiejar_from_dict({"a": "1", "b": "2"})
        >>> remove_cookie_by_name(jar, "a")
        >>> jar.keys()
        ['b']
    """
    doomed = [
        (cookie.domain, cookie.path, cookie.name)
        for cookie in cookiejar
        if cookie.name == name
        and (domain is None or domain == cookie.domain)
        and (path is None or path == cookie.path)
    ]
    for cookie_domain, cookie_path, cookie_name in doomed:
        cookiejar.clear(cookie_domain, cookie_path, cookie_name)


class RequestsCookieJar(CookieJar, MutableMapping[str, str | None]):
    """A CookieJar that is also a dict of name -> value, as in requests.

    Reading by name alone raises CookieConflictError when several cookies share the name
    (in different domains or paths): ``get(name, domain=..., path=...)`` picks one. Unlike a
    dict, it is not ordered by insertion, and a name can occur more than once.

    Examples:
        >>> from httpcore_lite.cookies import RequestsCookieJar
        >>> jar = RequestsCookieJar()
        >>> jar.set("tasty_cookie", "yum", domain="httpbin.org", path="/cookies")
        Cookie(...)
        >>> jar.get_dict()
        {'tasty_cookie': 'yum'}

    Raises:
        KeyError: no cookie of that name.
        CookieConflictError: more than one cookie of that name matches.
    """

    def get(
        self, name: str, default: Any = None, domain: str | None = None, path: str | None = None
    ) -> Any:
        """The value of the cookie ``name`` (in ``domain`` and ``path``), or ``default``.

        Examples:
            >>> from httpcore_lite.cookies import RequestsCookieJar
            >>> jar = RequestsCookieJar()
            >>> cookie = jar.set("flavour", "oatmeal", domain="httpbin.org")
            >>> jar.get("flavour"), jar.get("flavour", domain="example.com", default="none")
            ('oatmeal', 'none')

        Raises:
            CookieConflictError: more than one cookie matches.
        """
        try:
            return self._find_no_duplicates(name, domain, path)
        except KeyError:
            return default

    def set(self, name: str, value: str | Morsel[Any] | None, **kwargs: Any) -> Cookie | None:
        """Set a cookie, and return it; ``domain`` and ``path`` (and Cookie's other
        fields) as keywords. ``value`` may be an ``http.cookies.Morsel``. A None value
        removes the cookie.

        Examples:
            >>> from httpcore_lite.cookies import RequestsCookieJar
            >>> jar = RequestsCookieJar()
            >>> jar.set("flavour", "oatmeal", domain="httpbin.org", path="/cookies")
            Cookie(version=0, name='flavour', value='oatmeal', ..., domain='httpbin.org', ...)
            >>> jar.set("flavour", None)
            >>> len(jar)
            0

        Raises:
            TypeError: a keyword that is not a field of ``http.cookiejar.Cookie``.
        """
        if value is None:
            remove_cookie_by_name(self, name, domain=kwargs.get("domain"), path=kwargs.get("path"))
            return None
        cookie = (
            morsel_to_cookie(value)
            if isinstance(value, Morsel)
            else create_cookie(name, value, **kwargs)
        )
        self.set_cookie(cookie)
        return cookie

    def iterkeys(self) -> Iterator[str]:
        """The names of all cookies, as an iterator (a name may repeat).

        Examples:
            >>> from httpcore_lite.cookies import cookiejar_from_dict
            >>> list(cookiejar_from_dict({"a": "1", "b": "2"}).iterkeys())
            ['a', 'b']
        """
        for cookie in iter(self):
            yield cookie.name

    def keys(self) -> list[str]:  # type: ignore[override]
        """The names of all cookies (a name may repeat).

        Examples:
            >>> from httpcore_lite.cookies import cookiejar_from_dict
            >>> cookiejar_from_dict({"a": "1", "b": "2"}).keys()
            ['a', 'b']
        """
        return list(self.iterkeys())

    def itervalues(self) -> Iterator[str | None]:
        """The values of all cookies, as an iterator.

        Examples:
            >>> from httpcore_lite.cookies import cookiejar_from_dict
            >>> list(cookiejar_from_dict({"a": "1", "b": "2"}).itervalues())
            ['1', '2']
        """
        for cookie in iter(self):
            yield cookie.value

    def values(self) -> list[str | None]:  # type: ignore[override]
        """The values of all cookies.

        Examples:
            >>> from httpcore_lite.cookies import cookiejar_from_dict
            >>> cookiejar_from_dict({"a": "1", "b": "2"}).values()
            ['1', '2']
        """
        return list(self.itervalues())

    def iteritems(self) -> Iterator[tuple[str, str | None]]:
        """(name, value) pairs, as an iterator.

        Examples:
            >>> from httpcore_lite.cookies import cookiejar_from_dict
            >>> list(cookiejar_from_dict({"a": "1", "b": "2"}).iteritems())
            [('a', '1'), ('b', '2')]
        """
        for cookie in iter(self):
            yield cookie.name, cookie.value

    def items(self) -> list[tuple[str, str | None]]:  # type: ignore[override]
        """(name, value) pairs; ``dict(jar.items())`` loses repeated names.

        Examples:
            >>> from httpcore_lite.cookies import cookiejar_from_dict
            >>> cookiejar_from_dict({"a": "1", "b": "2"}).items()
            [('a', '1'), ('b', '2')]
        """
        return list(self.iteritems())

    def list_domains(self) -> list[str]:
        """The domains of the cookies held, each once, in the jar's order.

        Examples:
            >>> from httpcore_lite.cookies import RequestsCookieJar
            >>> jar = RequestsCookieJar()
            >>> for domain in ("httpbin.org", "example.com", "httpbin.org"):
            ...     cookie = jar.set(f"from-{domain}", "1", domain=domain)
            >>> jar.list_domains()
            ['httpbin.org', 'example.com']
        """
        return list(dict.fromkeys(cookie.domain for cookie in iter(self)))

    def list_paths(self) -> list[str]:
        """The paths of the cookies held, each once, in the jar's order.

        Examples:
            >>> from httpcore_lite.cookies import RequestsCookieJar
            >>> jar = RequestsCookieJar()
            >>> for path in ("/", "/cookies"):
            ...     cookie = jar.set("flavour", "oatmeal", domain="httpbin.org", path=path)
            >>> jar.list_paths()
            ['/', '/cookies']
        """
        return list(dict.fromkeys(cookie.path for cookie in iter(self)))

    def multiple_domains(self) -> bool:
        """Whether cookies of more than one domain are held.

        Examples:
            >>> from httpcore_lite.cookies import RequestsCookieJar
            >>> jar = RequestsCookieJar()
            >>> cookie = jar.set("flavour", "oatmeal", domain="httpbin.org")
            >>> jar.multiple_domains()
            False
        """
        return len(self.list_domains()) > 1

    def get_dict(self, domain: str | None = None, path: str | None = None) -> dict[str, str | None]:
        """Name -> value of the cookies in ``domain`` and ``path`` (all when None).

        Examples:
            >>> with httpcore_lite.Session() as s:
            ...     r = s.get("https://httpbin.org/cookies/set?a=1&b=2")
            >>> s.cookies.get_dict(domain="httpbin.org")
            {'a': '1', 'b': '2'}
        """
        return {
            cookie.name: cookie.value
            for cookie in iter(self)
            if (domain is None or cookie.domain == domain) and (path is None or cookie.path == path)
        }

    def __contains__(self, name: object) -> bool:
        try:
            return super().__contains__(name)
        except CookieConflictError:
            return True

    def __getitem__(self, name: str) -> str | None:
        return self._find_no_duplicates(name)

    def __setitem__(self, name: str, value: str | None) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        remove_cookie_by_name(self, name)

    def __iter__(self) -> Iterator[Cookie]:  # type: ignore[override]
        # A CookieJar iterates over Cookie objects; requests keeps that (not the names).
        return CookieJar.__iter__(self)

    def __len__(self) -> int:
        return CookieJar.__len__(self)

    def set_cookie(self, cookie: Cookie, *args: Any, **kwargs: Any) -> None:
        """Store ``cookie`` (an ``http.cookiejar.Cookie``), replacing one of the same
        domain, path and name.

        Examples:
            >>> from httpcore_lite.cookies import RequestsCookieJar, create_cookie
            >>> jar = RequestsCookieJar()
            >>> jar.set_cookie(create_cookie("flavour", "oatmeal", domain="httpbin.org"))
            >>> jar.get_dict()
            {'flavour': 'oatmeal'}
        """
        # A quoted value with escaped quotes inside is stored unescaped, as requests does.
        value = cookie.value
        if value is not None and value.startswith('"') and value.endswith('"'):
            cookie.value = value.replace('\\"', "")
        super().set_cookie(cookie, *args, **kwargs)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        """Add the cookies of another jar (copies of them), or the items of a mapping.

        Examples:
            >>> from httpcore_lite.cookies import RequestsCookieJar, cookiejar_from_dict
            >>> jar = RequestsCookieJar()
            >>> jar.update({"a": "1"})
            >>> jar.update(cookiejar_from_dict({"b": "2"}))
            >>> jar.get_dict()
            {'a': '1', 'b': '2'}
        """
        if isinstance(other, CookieJar):
            for cookie in other:
                self.set_cookie(copy.copy(cookie))
        else:
            pairs = other.items() if isinstance(other, Mapping) else other
            for name, value in pairs:
                self.set(name, value)
        for name, value in kwargs.items():
            self.set(name, value)

    def _find_no_duplicates(
        self, name: str, domain: str | None = None, path: str | None = None
    ) -> str | None:
        found: Cookie | None = None
        for cookie in iter(self):
            if (
                cookie.name == name
                and (domain is None or cookie.domain == domain)
                and (path is None or cookie.path == path)
            ):
                if found is not None:
                    raise CookieConflictError(f"There are multiple cookies with name, {name!r}")
                found = cookie
        if found is None:
            raise KeyError(f"name={name!r}, domain={domain!r}, path={path!r}")
        return found.value

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_cookies_lock")  # a lock cannot be pickled; a new one is made on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "_cookies_lock" not in self.__dict__:
            import threading

            self._cookies_lock = threading.RLock()

    def copy(self) -> RequestsCookieJar:
        """A new jar with copies of these cookies and the same policy.

        Examples:
            >>> from httpcore_lite.cookies import cookiejar_from_dict
            >>> jar = cookiejar_from_dict({"a": "1"})
            >>> twin = jar.copy()
            >>> twin["a"] = "2"
            >>> jar["a"], twin["a"]
            ('1', '2')
        """
        new = RequestsCookieJar()
        new.set_policy(self.get_policy())
        new.update(self)
        return new

    def get_policy(self) -> CookiePolicy:
        """The CookiePolicy that decides which cookies are accepted and sent: an
        ``http.cookiejar.DefaultCookiePolicy`` unless ``set_policy`` gave another.

        Examples:
            >>> from httpcore_lite.cookies import RequestsCookieJar
            >>> RequestsCookieJar().get_policy()
            <http.cookiejar.DefaultCookiePolicy object at 0x...>
        """
        policy: CookiePolicy = self._policy  # type: ignore[attr-defined]  # CookieJar's own
        return policy

    def __repr__(self) -> str:
        return CookieJar.__repr__(self)


def create_cookie(name: str, value: str, **kwargs: Any) -> Cookie:
    """A Cookie with requests' defaults: any domain, path "/", not secure, a session cookie.

    Examples:
        >>> from httpcore_lite.cookies import create_cookie
        >>> cookie = create_cookie("flavour", "oatmeal", domain="httpbin.org", secure=True)
        >>> cookie.domain, cookie.path, cookie.secure
        ('httpbin.org', '/', True)

    Raises:
        TypeError: a keyword that is not a Cookie field.
    """
    fields: dict[str, Any] = {
        "version": 0,
        "name": name,
        "value": value,
        "port": None,
        "domain": "",
        "path": "/",
        "secure": False,
        "expires": None,
        "discard": True,
        "comment": None,
        "comment_url": None,
        "rest": {"HttpOnly": None},
        "rfc2109": False,
    }
    unknown = set(kwargs) - set(fields)
    if unknown:
        raise TypeError(f"create_cookie() got unexpected keyword arguments: {sorted(unknown)}")
    fields.update(kwargs)
    fields["port_specified"] = bool(fields["port"])
    fields["domain_specified"] = bool(fields["domain"])
    fields["domain_initial_dot"] = fields["domain"].startswith(".")
    fields["path_specified"] = bool(fields["path"])
    return Cookie(**fields)


def morsel_to_cookie(morsel: Morsel[Any]) -> Cookie:
    """A Cookie from an ``http.cookies.Morsel``.

    Examples:
        >>> from http.cookies import SimpleCookie
        >>> from httpcore_lite.cookies import morsel_to_cookie
        >>> morsel = SimpleCookie("flavour=oatmeal; Path=/cookies; Max-Age=3600")["flavour"]
        >>> cookie = morsel_to_cookie(morsel)
        >>> cookie.name, cookie.value, cookie.path
        ('flavour', 'oatmeal', '/cookies')

    Raises:
        TypeError: a max-age that is not a number.
        ValueError: an expires that is not a date like ``Wed, 21-Oct-2026 07:28:00 GMT``.
    """
    expires: int | None = None
    if morsel["max-age"]:
        try:
            expires = int(time.time() + int(morsel["max-age"]))
        except ValueError as exc:
            raise TypeError(f"max-age: {morsel['max-age']} must be integer") from exc
    elif morsel["expires"]:
        expires = calendar.timegm(time.strptime(morsel["expires"], "%a, %d-%b-%Y %H:%M:%S GMT"))
    return create_cookie(
        morsel.key,
        morsel.value,
        comment=morsel["comment"],
        comment_url=bool(morsel["comment"]),
        discard=False,
        domain=morsel["domain"],
        expires=expires,
        path=morsel["path"],
        port=None,
        rest={"HttpOnly": morsel["httponly"]},
        rfc2109=False,
        secure=bool(morsel["secure"]),
        version=morsel["version"] or 0,
    )


def cookiejar_from_dict(
    cookie_dict: Mapping[str, str] | None,
    cookiejar: CookieJar | None = None,
    overwrite: bool = True,
) -> CookieJar:
    """A jar (``cookiejar``, or a new RequestsCookieJar) holding ``cookie_dict``'s cookies.
    With ``overwrite=False`` a cookie already in the jar keeps its value.

    Examples:
        >>> from httpcore_lite.cookies import cookiejar_from_dict
        >>> cookiejar_from_dict({"flavour": "oatmeal"})
        <RequestsCookieJar[Cookie(version=0, name='flavour', value='oatmeal', ...)]>
    """
    if cookiejar is None:
        cookiejar = RequestsCookieJar()
    if cookie_dict is not None:
        present = {cookie.name for cookie in cookiejar}
        for name, value in cookie_dict.items():
            if overwrite or name not in present:
                cookiejar.set_cookie(create_cookie(name, value))
    return cookiejar


def as_cookiejar(cookies: Mapping[str, str] | CookieJar | None) -> CookieJar:
    """``cookies`` itself if it is a CookieJar, else a new jar of the dict's cookies.

    Examples:
        >>> from httpcore_lite.cookies import as_cookiejar
        >>> jar = as_cookiejar({"flavour": "oatmeal"})
        >>> as_cookiejar(jar) is jar, jar.get_dict()
        (True, {'flavour': 'oatmeal'})
    """
    if isinstance(cookies, CookieJar):
        return cookies
    return cookiejar_from_dict(cookies)


def merge_cookies(cookiejar: CookieJar, cookies: Mapping[str, str] | CookieJar | None) -> CookieJar:
    """Add ``cookies`` (a dict or a jar) to ``cookiejar`` and return it. A dict's cookies
    do not replace cookies of the same name already in the jar; a jar's do.

    Examples:
        >>> from httpcore_lite.cookies import cookiejar_from_dict, merge_cookies
        >>> jar = merge_cookies(cookiejar_from_dict({"a": "1"}), {"a": "9", "b": "2"})
        >>> jar.get_dict()
        {'a': '1', 'b': '2'}

    Raises:
        ValueError: ``cookiejar`` is not a CookieJar.
    """
    if not isinstance(cookiejar, CookieJar):
        raise ValueError("You can only merge into CookieJar")
    # A jar first: a RequestsCookieJar is a Mapping too, and as a dict its cookies would
    # lose their domain, path and Secure flag.
    if isinstance(cookies, CookieJar):
        if isinstance(cookiejar, RequestsCookieJar):
            cookiejar.update(cookies)
        else:
            for cookie in cookies:
                cookiejar.set_cookie(cookie)
    elif isinstance(cookies, Mapping):
        return cookiejar_from_dict(cookies, cookiejar=cookiejar, overwrite=False)
    return cookiejar


__all__ = [
    "CookieConflictError",
    "CookiePolicy",
    "DefaultCookiePolicy",
    "RequestsCookieJar",
    "as_cookiejar",
    "cookiejar_from_dict",
    "create_cookie",
    "extract_cookies_to_jar",
    "get_cookie_header",
    "merge_cookies",
    "morsel_to_cookie",
    "remove_cookie_by_name",
]
