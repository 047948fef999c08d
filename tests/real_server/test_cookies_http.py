"""Cookies over the wire: Set-Cookie fields read into ``Response.cookies``, and the Cookie
header that requests and Sessions send, as httpbin sees it."""

from __future__ import annotations

import calendar
import socket
from collections.abc import Callable, Iterator
from http.cookiejar import CookieJar
from typing import Any

import pytest

import httpcore_lite
from httpcore_lite.cookies import RequestsCookieJar, cookiejar_from_dict
from tests.servers import RawServer, WSGIServer, response

TIMEOUT = (3, 10)
EXPIRES_2037 = "Wed, 21 Oct 2037 07:28:00 GMT"
EXPIRES_2037_TS = calendar.timegm((2037, 10, 21, 7, 28, 0, 0, 0, 0))
EXPIRES_2038 = "Thu, 21 Jan 2038 10:00:00 GMT"
EXPIRES_2038_TS = calendar.timegm((2038, 1, 21, 10, 0, 0, 0, 0, 0))


@pytest.fixture
def session(ca_bundle: str) -> Iterator[httpcore_lite.Session]:
    with httpcore_lite.Session() as s:
        s.verify = ca_bundle
        yield s


def seen_cookies(r: httpcore_lite.Response) -> dict[str, str]:
    assert r.status_code == 200
    cookies: dict[str, str] = r.json()["cookies"]
    return cookies


def headers_sent(r: httpcore_lite.Response) -> Any:
    assert r.request is not None
    return r.request.headers


# -- Response.cookies -----------------------------------------------------------------------


def test_response_cookies_from_set_cookie(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    r = httpcore_lite.get(
        httpbin_both + "/cookies/set?a=b&c=d",
        allow_redirects=False,
        verify=ca_bundle,
        timeout=TIMEOUT,
    )
    assert r.status_code == 302
    jar = r.cookies
    assert isinstance(jar, RequestsCookieJar)
    assert jar.get_dict() == {"a": "b", "c": "d"}
    assert jar["a"] == "b"
    assert sorted(jar.keys()) == ["a", "c"]
    assert jar.list_domains() == [httpbin_both.host]
    assert jar.list_paths() == ["/"]
    # httpbin marks its cookies Secure over https only.
    assert all(c.secure is (httpbin_both.scheme == "https") for c in jar)
    assert r.cookies is jar


def test_response_without_set_cookie_has_an_empty_jar(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/get", timeout=TIMEOUT)
    assert isinstance(r.cookies, RequestsCookieJar)
    assert len(r.cookies) == 0
    assert r.header_fields("Set-Cookie") == []


def test_expires_with_a_comma_is_one_cookie(httpbin: WSGIServer) -> None:
    value = f"k=v; Expires={EXPIRES_2037}; Path=/"
    r = httpcore_lite.get(
        httpbin + "/response-headers", params={"Set-Cookie": value}, timeout=TIMEOUT
    )
    assert r.header_fields("set-cookie") == [value]
    [cookie] = list(r.cookies)
    assert (cookie.name, cookie.value, cookie.path) == ("k", "v", "/")
    assert cookie.expires == EXPIRES_2037_TS


def test_two_set_cookie_fields_from_httpbin(httpbin: WSGIServer) -> None:
    values = [f"k=v; Expires={EXPIRES_2037}; Path=/", f"m=n; Expires={EXPIRES_2038}"]
    r = httpcore_lite.get(
        httpbin + "/response-headers", params={"Set-Cookie": values}, timeout=TIMEOUT
    )
    assert r.header_fields("Set-Cookie") == values
    assert r.cookies.get_dict() == {"k": "v", "m": "n"}
    expires = {c.name: c.expires for c in r.cookies}
    assert expires == {"k": EXPIRES_2037_TS, "m": EXPIRES_2038_TS}


SET_COOKIES = [
    ("Set-Cookie", f"first=1; Expires={EXPIRES_2037}; Path=/"),
    ("Content-Type", "text/plain"),
    ("Set-Cookie", f"second=2; Path=/; Expires={EXPIRES_2038}; HttpOnly"),
    ("set-cookie", "third=3"),
]


def set_cookie_handler(conn: socket.socket, server: RawServer) -> None:
    while server.read(conn):
        conn.sendall(response(b"ok", headers=SET_COOKIES))


def test_several_set_cookie_fields_are_separate_cookies(
    serve: Callable[..., RawServer],
) -> None:
    server = serve(set_cookie_handler)
    r = httpcore_lite.get(server.url + "/page", timeout=TIMEOUT)
    assert r.content == b"ok"
    assert r.header_fields("set-cookie") == [
        value for name, value in SET_COOKIES if name.lower() == "set-cookie"
    ]
    assert r.header_fields("SET-COOKIE") == r.header_fields("set-cookie")
    assert r.header_fields("Content-Type") == ["text/plain"]
    assert r.header_fields("X-Missing") == []
    # headers joins the repeated fields; the jar does not split that join.
    assert r.headers["Set-Cookie"] == ", ".join(r.header_fields("Set-Cookie"))
    by_name = {c.name: c for c in r.cookies}
    assert {name: c.value for name, c in by_name.items()} == {
        "first": "1",
        "second": "2",
        "third": "3",
    }
    assert by_name["first"].expires == EXPIRES_2037_TS
    assert by_name["second"].expires == EXPIRES_2038_TS
    assert by_name["second"].has_nonstandard_attr("HttpOnly")
    assert by_name["third"].expires is None
    assert all(c.domain == "127.0.0.1" for c in r.cookies)


# -- cookies sent -----------------------------------------------------------------------------


def test_request_cookies_dict_is_sent(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    r = httpcore_lite.get(
        httpbin_both + "/cookies", cookies={"x": "1"}, verify=ca_bundle, timeout=TIMEOUT
    )
    assert seen_cookies(r) == {"x": "1"}
    assert headers_sent(r)["Cookie"] == "x=1"


def test_no_cookies_no_cookie_header(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/cookies", timeout=TIMEOUT)
    assert seen_cookies(r) == {}
    assert "Cookie" not in headers_sent(r)


def test_session_cookie_is_sent_and_request_cookies_merged_once(
    httpbin_both: WSGIServer, session: httpcore_lite.Session
) -> None:
    session.cookies.set("s", "v")
    url = httpbin_both + "/cookies"
    assert seen_cookies(session.get(url, timeout=TIMEOUT)) == {"s": "v"}
    assert seen_cookies(session.get(url, cookies={"r": "2"}, timeout=TIMEOUT)) == {
        "s": "v",
        "r": "2",
    }
    assert seen_cookies(session.get(url, timeout=TIMEOUT)) == {"s": "v"}
    assert session.cookies.get_dict() == {"s": "v"}


def test_request_cookies_are_not_kept_by_the_session(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    session.get(httpbin + "/cookies", cookies={"r": "1"}, timeout=TIMEOUT)
    assert len(session.cookies) == 0
    assert seen_cookies(session.get(httpbin + "/cookies", timeout=TIMEOUT)) == {}


def test_request_cookie_overrides_session_cookie(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    session.cookies["foo"] = "bar"
    r = session.get(httpbin + "/cookies", cookies={"foo": "baz"}, timeout=TIMEOUT)
    assert seen_cookies(r) == {"foo": "baz"}
    assert session.cookies["foo"] == "bar"


def test_session_cookie_for_another_domain_is_not_sent(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    session.cookies.set("elsewhere", "1", domain="example.com")
    session.cookies.set("here", "2", domain=httpbin.host)
    r = session.get(httpbin + "/cookies", timeout=TIMEOUT)
    assert seen_cookies(r) == {"here": "2"}


def test_request_jar_cookie_for_another_domain_is_not_sent(httpbin: WSGIServer) -> None:
    jar = RequestsCookieJar()
    jar.set("elsewhere", "1", domain="example.com")
    jar.set("here", "2", domain=httpbin.host)
    r = httpcore_lite.get(httpbin + "/cookies", cookies=jar, timeout=TIMEOUT)
    assert seen_cookies(r) == {"here": "2"}


def test_session_cookie_path_is_respected(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    session.cookies.set("match", "1", path="/cookies")
    session.cookies.set("other", "2", path="/elsewhere")
    assert seen_cookies(session.get(httpbin + "/cookies", timeout=TIMEOUT)) == {"match": "1"}


def test_secure_session_cookie_only_over_https(
    httpbin_both: WSGIServer, session: httpcore_lite.Session
) -> None:
    session.cookies.set("sec", "1", secure=True)
    session.cookies.set("plain", "2")
    seen = seen_cookies(session.get(httpbin_both + "/cookies", timeout=TIMEOUT))
    if httpbin_both.scheme == "https":
        assert seen == {"sec": "1", "plain": "2"}
    else:
        assert seen == {"plain": "2"}


def test_hand_set_cookie_header_is_not_overridden(
    httpbin_both: WSGIServer, session: httpcore_lite.Session
) -> None:
    session.cookies.set("s", "v")
    r = session.get(
        httpbin_both + "/cookies",
        headers={"Cookie": "hand=1"},
        cookies={"x": "1"},
        timeout=TIMEOUT,
    )
    assert seen_cookies(r) == {"hand": "1"}
    assert headers_sent(r)["Cookie"] == "hand=1"


def test_module_level_hand_set_cookie_header_is_not_overridden(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(
        httpbin + "/cookies", headers={"Cookie": "hand=1"}, cookies={"x": "1"}, timeout=TIMEOUT
    )
    assert seen_cookies(r) == {"hand": "1"}


def test_prepared_request_sets_the_cookie_header(
    httpbin_both: WSGIServer, session: httpcore_lite.Session
) -> None:
    p = httpcore_lite.Request(
        "GET", httpbin_both + "/cookies", cookies={"a": "1", "b": "2"}
    ).prepare()
    assert p.headers["Cookie"] == "a=1; b=2"
    assert seen_cookies(session.send(p, timeout=TIMEOUT)) == {"a": "1", "b": "2"}


def test_session_with_a_plain_cookiejar(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    plain = CookieJar()
    cookiejar_from_dict({"foo": "bar"}, plain)
    session.cookies = plain
    assert seen_cookies(session.get(httpbin + "/cookies", timeout=TIMEOUT)) == {"foo": "bar"}
    assert session.cookies is plain


def test_request_with_a_plain_cookiejar(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    plain = CookieJar()
    cookiejar_from_dict({"foo": "bar"}, plain)
    r = session.get(httpbin + "/cookies", cookies=plain, timeout=TIMEOUT)
    assert seen_cookies(r) == {"foo": "bar"}
