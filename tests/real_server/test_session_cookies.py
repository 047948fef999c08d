"""The Session's cookie jar over the wire: Set-Cookie stored and sent back, deleted and
expired, Secure, Domain and Path rules, cookies set along a redirect chain and on a Digest
challenge, and no http.cookiejar for a Session that never meets a cookie."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

import httpcore_lite
from httpcore_lite.auth import HTTPDigestAuth
from tests.servers import RawServer, WSGIServer, response

Serve = Callable[..., RawServer]
TIMEOUT = (3, 10)
EXPIRED = "Thu, 01 Jan 1970 00:00:00 GMT"


@pytest.fixture
def session(ca_bundle: str) -> Iterator[httpcore_lite.Session]:
    with httpcore_lite.Session() as s:
        s.verify = ca_bundle
        yield s


def seen(r: httpcore_lite.Response) -> dict[str, str]:
    assert r.status_code == 200
    cookies: dict[str, str] = r.json()["cookies"]
    return cookies


def cookie_router(conn: socket.socket, server: RawServer) -> None:
    """``/any/path?c=SET-COOKIE&c=...&to=LOCATION``: sets each ``c``, redirects to ``to``
    if given; the body is the Cookie header received (b"" without one)."""
    while request := server.read(conn):
        target = request.split(b" ", 2)[1].decode("latin-1")
        query = parse_qs(urlsplit(target).query)
        head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
        cookie = next(
            (v.strip() for n, _, v in (h.partition(":") for h in head) if n.lower() == "cookie"), ""
        )
        extra = [("Set-Cookie", value) for value in query.get("c", [])]
        if "to" in query:
            extra.append(("Location", query["to"][0]))
            conn.sendall(response(cookie.encode(), "302 Found", extra))
        else:
            conn.sendall(response(cookie.encode(), headers=extra))


def at(server: RawServer, path: str, *set_cookies: str, to: str | None = None) -> str:
    query = "&".join(f"c={quote(c, safe='')}" for c in set_cookies)
    if to is not None:
        query += f"&to={quote(to, safe='')}"
    return f"{server.url}{path}?{query}"


@pytest.fixture
def jar_server(serve: Serve) -> RawServer:
    return serve(cookie_router)


# -- stored and sent back (httpbin) ---------------------------------------------------------


def test_set_cookie_is_stored_and_sent_later(
    httpbin_both: WSGIServer, session: httpcore_lite.Session
) -> None:
    r = session.get(httpbin_both + "/cookies/set?a=1&b=2", timeout=TIMEOUT)
    # /cookies/set redirects to /cookies: the hop carried what the 302 set
    assert seen(r) == {"a": "1", "b": "2"}
    assert [h.status_code for h in r.history] == [302]
    assert session.cookies.get_dict() == {"a": "1", "b": "2"}
    assert seen(session.get(httpbin_both + "/cookies", timeout=TIMEOUT)) == {"a": "1", "b": "2"}


def test_set_cookie_stored_without_following(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    r = session.get(httpbin + "/cookies/set?k=v", allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 302
    assert session.cookies.get_dict() == {"k": "v"}
    assert seen(session.get(httpbin + "/cookies", timeout=TIMEOUT)) == {"k": "v"}


def test_cookies_delete_removes_them(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    session.get(httpbin + "/cookies/set?a=1&b=2", timeout=TIMEOUT)
    r = session.get(httpbin + "/cookies/delete?a", timeout=TIMEOUT)
    assert seen(r) == {"b": "2"}
    assert session.cookies.get_dict() == {"b": "2"}
    assert seen(session.get(httpbin + "/cookies", timeout=TIMEOUT)) == {"b": "2"}


def test_request_cookies_are_merged_but_not_stored(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    session.get(httpbin + "/cookies/set?stored=1", timeout=TIMEOUT)
    r = session.get(httpbin + "/cookies", cookies={"once": "2"}, timeout=TIMEOUT)
    assert seen(r) == {"stored": "1", "once": "2"}
    assert session.cookies.get_dict() == {"stored": "1"}
    assert seen(session.get(httpbin + "/cookies", timeout=TIMEOUT)) == {"stored": "1"}


def test_request_cookie_with_a_stored_name_is_sent_besides_it(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    # As requests: the stored cookie (domain 127.0.0.1) and the request's (any domain) are
    # two cookies; both go, and the stored one is kept as it was.
    session.get(httpbin + "/cookies/set?k=server", timeout=TIMEOUT)
    r = session.get(httpbin + "/cookies", cookies={"k": "mine"}, timeout=TIMEOUT)
    assert r.request is not None
    assert sorted(r.request.headers["Cookie"].split("; ")) == ["k=mine", "k=server"]
    assert seen(session.get(httpbin + "/cookies", timeout=TIMEOUT)) == {"k": "server"}


def test_secure_cookie_from_https_is_not_sent_over_http(
    httpbin: WSGIServer, httpbin_secure: WSGIServer, session: httpcore_lite.Session
) -> None:
    # Both servers are 127.0.0.1 (cookies ignore ports); httpbin marks its https cookies Secure.
    session.get(httpbin_secure + "/cookies/set?s=1", timeout=TIMEOUT)
    [cookie] = list(session.cookies)
    assert cookie.secure
    assert seen(session.get(httpbin + "/cookies", timeout=TIMEOUT)) == {}
    assert seen(session.get(httpbin_secure + "/cookies", timeout=TIMEOUT)) == {"s": "1"}
    # and a plain cookie set over http goes to both
    session.get(httpbin + "/cookies/set?p=2", timeout=TIMEOUT)
    assert seen(session.get(httpbin + "/cookies", timeout=TIMEOUT)) == {"p": "2"}
    assert seen(session.get(httpbin_secure + "/cookies", timeout=TIMEOUT)) == {"s": "1", "p": "2"}


# -- expiry (raw server) --------------------------------------------------------------------


def test_expired_set_cookie_deletes_the_cookie(
    jar_server: RawServer, session: httpcore_lite.Session
) -> None:
    assert session.get(at(jar_server, "/", "k=v; Path=/"), timeout=TIMEOUT).content == b""
    assert session.get(at(jar_server, "/"), timeout=TIMEOUT).content == b"k=v"
    r = session.get(at(jar_server, "/", f"k=gone; Expires={EXPIRED}; Path=/"), timeout=TIMEOUT)
    assert r.content == b"k=v"
    assert len(session.cookies) == 0
    assert session.get(at(jar_server, "/"), timeout=TIMEOUT).content == b""


def test_max_age_zero_deletes_the_cookie(
    jar_server: RawServer, session: httpcore_lite.Session
) -> None:
    session.get(at(jar_server, "/", "k=v; Path=/", "other=1; Path=/"), timeout=TIMEOUT)
    assert session.cookies.get_dict() == {"k": "v", "other": "1"}
    session.get(at(jar_server, "/", "k=v; Max-Age=0; Path=/"), timeout=TIMEOUT)
    assert session.cookies.get_dict() == {"other": "1"}
    assert session.get(at(jar_server, "/"), timeout=TIMEOUT).content == b"other=1"


def test_an_expired_cookie_is_never_stored(
    jar_server: RawServer, session: httpcore_lite.Session
) -> None:
    session.get(
        at(jar_server, "/", f"old=1; Expires={EXPIRED}", "neg=1; Max-Age=-5"), timeout=TIMEOUT
    )
    assert len(session.cookies) == 0
    assert session.get(at(jar_server, "/"), timeout=TIMEOUT).content == b""


def test_max_age_sets_the_expiry(jar_server: RawServer, session: httpcore_lite.Session) -> None:
    before = time.time()
    session.get(at(jar_server, "/", "k=v; Max-Age=3600; Path=/"), timeout=TIMEOUT)
    [cookie] = list(session.cookies)
    assert cookie.expires is not None
    assert before + 3600 - 5 <= cookie.expires <= time.time() + 3600 + 5
    assert session.get(at(jar_server, "/"), timeout=TIMEOUT).content == b"k=v"


def test_a_new_value_replaces_the_old(
    jar_server: RawServer, session: httpcore_lite.Session
) -> None:
    session.get(at(jar_server, "/", "k=1; Path=/"), timeout=TIMEOUT)
    session.get(at(jar_server, "/", "k=2; Path=/"), timeout=TIMEOUT)
    assert session.cookies.get_dict() == {"k": "2"}
    assert len(session.cookies) == 1


# -- Secure, Domain, Path (raw server) ------------------------------------------------------


def test_secure_cookie_received_over_http_is_not_sent_over_http(
    jar_server: RawServer, session: httpcore_lite.Session
) -> None:
    session.get(at(jar_server, "/", "sec=1; Secure; Path=/", "plain=2; Path=/"), timeout=TIMEOUT)
    assert session.get(at(jar_server, "/"), timeout=TIMEOUT).content == b"plain=2"


def test_cookie_for_a_foreign_domain_is_rejected(
    jar_server: RawServer, session: httpcore_lite.Session
) -> None:
    session.get(at(jar_server, "/", "evil=1; Domain=example.com; Path=/"), timeout=TIMEOUT)
    assert len(session.cookies) == 0


def test_cookie_is_kept_to_its_host(jar_server: RawServer, session: httpcore_lite.Session) -> None:
    session.get(at(jar_server, "/", "k=v; Path=/"), timeout=TIMEOUT)
    assert session.cookies.list_domains() == ["127.0.0.1"]
    other_name = f"http://localhost:{jar_server.port}/"
    assert session.get(other_name, timeout=TIMEOUT).content == b""


@pytest.mark.parametrize(
    ("path", "sent"),
    [
        ("/app", True),
        ("/app/", True),
        ("/app/deeper/page", True),
        ("/", False),
        ("/other", False),
        ("/application", False),  # a prefix, but not at a "/"
        ("/APP", False),
    ],
)
def test_path_attribute(
    jar_server: RawServer, session: httpcore_lite.Session, path: str, sent: bool
) -> None:
    session.get(at(jar_server, "/app/set", "p=1; Path=/app"), timeout=TIMEOUT)
    assert session.get(jar_server.url + path, timeout=TIMEOUT).content == (b"p=1" if sent else b"")


def test_default_path_is_the_directory_of_the_request(
    jar_server: RawServer, session: httpcore_lite.Session
) -> None:
    session.get(at(jar_server, "/dir/page", "d=1"), timeout=TIMEOUT)
    [cookie] = list(session.cookies)
    assert cookie.path == "/dir"
    assert session.get(jar_server.url + "/dir/other", timeout=TIMEOUT).content == b"d=1"
    assert session.get(jar_server.url + "/", timeout=TIMEOUT).content == b""


# -- redirect chains ------------------------------------------------------------------------


def test_cookies_set_along_a_redirect_chain_reach_the_next_hops(
    jar_server: RawServer, session: httpcore_lite.Session
) -> None:
    third = at(jar_server, "/3", "c=3; Path=/")
    second = at(jar_server, "/2", "b=2; Path=/", to=third)
    r = session.get(at(jar_server, "/1", "a=1; Path=/", to=second), timeout=TIMEOUT)
    assert [h.content for h in r.history] == [b"", b"a=1"]
    assert r.content in (b"a=1; b=2", b"b=2; a=1")
    assert session.cookies.get_dict() == {"a": "1", "b": "2", "c": "3"}
    assert r.cookies.get_dict() == {"c": "3"}  # what the final response itself set


def test_cookie_deleted_mid_chain_is_not_sent_on(
    jar_server: RawServer, session: httpcore_lite.Session
) -> None:
    session.cookies.set("doomed", "1", domain="127.0.0.1")
    end = at(jar_server, "/end")
    r = session.get(at(jar_server, "/1", "doomed=x; Max-Age=0", to=end), timeout=TIMEOUT)
    assert r.history[0].content == b"doomed=1"
    assert r.content == b""
    assert len(session.cookies) == 0


def test_module_level_redirect_carries_cookies(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/cookies/set?m=1", timeout=TIMEOUT)
    assert seen(r) == {"m": "1"}


def test_request_cookies_follow_a_same_host_redirect(
    jar_server: RawServer, session: httpcore_lite.Session
) -> None:
    r = session.get(at(jar_server, "/1", to="/2"), cookies={"mine": "1"}, timeout=TIMEOUT)
    assert [h.content for h in r.history] == [b"mine=1"]
    assert r.content == b"mine=1"
    assert len(session.cookies) == 0


# -- Digest: the challenge's cookies reach the answer ---------------------------------------


def cookie_checking_digest(conn: socket.socket, server: RawServer) -> None:
    """Challenges with a cookie; a signed request without that cookie gets 403."""
    while request := server.read(conn):
        head = request.split(b"\r\n\r\n", 1)[0].lower()
        if b"\r\nauthorization: digest " not in head:
            challenge = 'Digest realm="r", nonce="n1", qop="auth", algorithm=MD5'
            extra = [("WWW-Authenticate", challenge), ("Set-Cookie", "challenge=c1; Path=/")]
            conn.sendall(response(b"", "401 Unauthorized", extra))
        elif b"\r\ncookie: challenge=c1" in head:
            conn.sendall(response(b"welcome"))
        else:
            conn.sendall(response(b"no cookie", "403 Forbidden"))


def test_cookies_from_the_401_reach_the_digest_retry(
    serve: Serve, session: httpcore_lite.Session
) -> None:
    server = serve(cookie_checking_digest)
    r = session.get(server.url + "/p", auth=HTTPDigestAuth("user", "pass"), timeout=TIMEOUT)
    assert (r.status_code, r.content) == (200, b"welcome")
    assert [h.status_code for h in r.history] == [401]
    assert session.cookies.get_dict() == {"challenge": "c1"}
    assert len(server.requests) == 2


def test_cookies_from_the_401_reach_the_retry_without_a_session(serve: Serve) -> None:
    server = serve(cookie_checking_digest)
    r = httpcore_lite.get(server.url + "/p", auth=HTTPDigestAuth("u", "p"), timeout=TIMEOUT)
    assert (r.status_code, r.content) == (200, b"welcome")


def test_httpbin_challenge_cookies_reach_the_digest_retry(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    # (httpbin's own ?require-cookie check fails on any query string: a 500 from httpbin.)
    r = session.get(
        httpbin + "/digest-auth/auth/user/pass/MD5",
        auth=HTTPDigestAuth("user", "pass"),
        timeout=TIMEOUT,
    )
    assert r.status_code == 200
    assert r.request is not None
    assert "fake=fake_value" in r.request.headers["Cookie"]
    assert session.cookies.get("fake") == "fake_value"


def test_request_cookies_go_with_the_digest_retry(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    # (requests' retry keeps the first request's Cookie header and so loses fake=fake_value.)
    url = httpbin + "/digest-auth/auth/user/pass/MD5"
    r = session.get(
        url, auth=HTTPDigestAuth("user", "pass"), cookies={"mine": "1"}, timeout=TIMEOUT
    )
    assert r.status_code == 200
    assert r.request is not None
    assert r.history[0].request is not None
    assert r.history[0].request.headers["Cookie"] == "mine=1"
    sent = r.request.headers["Cookie"]
    assert "mine=1" in sent
    assert "fake=fake_value" in sent
    assert "mine" not in session.cookies


# -- no cookie machinery until a cookie shows up --------------------------------------------

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import httpcore_lite

    report = {}
    with httpcore_lite.Session() as s:
        for _ in range(3):
            r = s.get(sys.argv[1] + "/get", timeout=(3, 10))
            assert r.status_code == 200
        r = s.get(sys.argv[1] + "/redirect/2", timeout=(3, 10))
        assert r.status_code == 200
        report["after_plain"] = "http.cookiejar" in sys.modules
        r = s.get(sys.argv[1] + "/cookies/set?k=v", timeout=(3, 10))
        report["cookies"] = r.json()["cookies"]
        report["after_set_cookie"] = "http.cookiejar" in sys.modules
    print(json.dumps(report))
    """
)


def test_a_session_without_cookies_never_imports_cookiejar(httpbin: WSGIServer) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, httpbin.url],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert report == {"after_plain": False, "cookies": {"k": "v"}, "after_set_cookie": True}
