"""What follows a redirect, and what stays behind: credentials (auth=, URL userinfo, a
caller's Authorization), a caller's Cookie and Proxy-Authorization headers, and jar cookies,
seen on the wire by raw servers.

Credentials and a caller's Cookie go to the next hop only within one origin (scheme, host,
port), as requests' ``should_strip_auth`` decides (its one exception, http -> https on the
default ports, needs ports 80 and 443: see tests/unit/test_redirect_rules.py).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

import httpcore_lite
from httpcore_lite.auth import HTTPDigestAuth, HTTPProxyAuth
from httpcore_lite.cookies import RequestsCookieJar

from ..servers import RawServer, response
from ._helpers import fields, request_line

Serve = Callable[..., RawServer]
TIMEOUT = (3, 10)
BASIC = "Basic dXNlcjpwYXNz"  # user:pass


def answer(conn: socket.socket | ssl.SSLSocket, request: bytes) -> None:
    """``/go?to=URL&status=N&set=COOKIE`` redirects to URL; anything else is 200 "ok"."""
    target = request_line(request).split(" ")[1]
    parts = urlsplit(target)
    if parts.path == "/go":
        query = parse_qs(parts.query)
        extra = [("Location", query["to"][0])]
        extra += [("Set-Cookie", value) for value in query.get("set", [])]
        status = query.get("status", ["302"])[0]
        conn.sendall(response(b"", f"{status} Moved", extra))
    elif parts.path == "/challenge":
        challenge = 'Digest realm="r", nonce="n0", qop="auth"'
        conn.sendall(response(b"", "401 Unauthorized", [("WWW-Authenticate", challenge)]))
    else:
        conn.sendall(response(b"ok"))


def router(conn: socket.socket, server: RawServer) -> None:
    while request := server.read(conn):
        answer(conn, request)


def go(base: str, to: str, status: int = 302, set_cookie: str | None = None) -> str:
    url = f"{base}/go?to={quote(to, safe='')}&status={status}"
    return url if set_cookie is None else f"{url}&set={quote(set_cookie, safe='')}"


@pytest.fixture
def session() -> Iterator[httpcore_lite.Session]:
    with httpcore_lite.Session() as s:
        yield s


@pytest.fixture
def origin(serve: Serve) -> RawServer:
    return serve(router)


@pytest.fixture
def other_port(serve: Serve) -> RawServer:
    return serve(router)


def hop_fields(server: RawServer, index: int = -1) -> dict[str, str]:
    return fields(server.requests[index])


CREDENTIALS = [
    pytest.param({"auth": ("user", "pass")}, "authorization", BASIC, id="auth"),
    pytest.param(
        {"headers": {"Authorization": "Bearer t0ken"}},
        "authorization",
        "Bearer t0ken",
        id="authorization-header",
    ),
    pytest.param({"headers": {"Cookie": "sid=secret"}}, "cookie", "sid=secret", id="cookie-header"),
]


# -- within the origin ----------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "name", "value"), CREDENTIALS)
@pytest.mark.parametrize("status", [302, 307])
def test_same_origin_hop_keeps_credentials(
    origin: RawServer,
    session: httpcore_lite.Session,
    kwargs: dict[str, Any],
    name: str,
    value: str,
    status: int,
) -> None:
    r = session.get(go(origin.url, "/landed", status), timeout=TIMEOUT, **kwargs)
    assert r.content == b"ok"
    assert [request_line(q) for q in origin.requests][1] == "GET /landed HTTP/1.1"
    assert fields(origin.requests[0])[name] == value
    assert hop_fields(origin)[name] == value


def test_absolute_location_to_the_same_origin_keeps_credentials(
    origin: RawServer, session: httpcore_lite.Session
) -> None:
    r = session.get(go(origin.url, origin.url + "/landed"), auth=("user", "pass"), timeout=TIMEOUT)
    assert r.url == origin.url + "/landed"
    assert hop_fields(origin)["authorization"] == BASIC


# -- leaving the origin ---------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "name", "value"), CREDENTIALS)
def test_cross_host_hop_drops_credentials(
    origin: RawServer,
    session: httpcore_lite.Session,
    kwargs: dict[str, Any],
    name: str,
    value: str,
) -> None:
    # The same server, named otherwise: 127.0.0.1 -> localhost is another origin.
    to = f"http://localhost:{origin.port}/landed"
    r = session.get(go(origin.url, to), timeout=TIMEOUT, **kwargs)
    assert r.url == to
    assert len(origin.requests) == 2
    assert fields(origin.requests[0])[name] == value
    assert hop_fields(origin)["host"] == f"localhost:{origin.port}"
    assert name not in hop_fields(origin)


@pytest.mark.parametrize(("kwargs", "name", "value"), CREDENTIALS)
def test_hop_to_ipv6_loopback_drops_credentials(
    origin: RawServer,
    serve: Serve,
    session: httpcore_lite.Session,
    kwargs: dict[str, Any],
    name: str,
    value: str,
) -> None:
    v6 = serve(router, host="::1")
    r = session.get(go(origin.url, v6.url + "/landed"), timeout=TIMEOUT, **kwargs)
    assert r.content == b"ok"
    assert fields(origin.requests[0])[name] == value
    assert len(v6.requests) == 1
    assert name not in hop_fields(v6)


@pytest.mark.parametrize(("kwargs", "name", "value"), CREDENTIALS)
@pytest.mark.parametrize("status", [303, 308])
def test_cross_port_hop_drops_credentials(
    origin: RawServer,
    other_port: RawServer,
    session: httpcore_lite.Session,
    kwargs: dict[str, Any],
    name: str,
    value: str,
    status: int,
) -> None:
    r = session.get(go(origin.url, other_port.url + "/landed", status), timeout=TIMEOUT, **kwargs)
    assert r.content == b"ok"
    assert fields(origin.requests[0])[name] == value
    assert [request_line(q) for q in other_port.requests] == ["GET /landed HTTP/1.1"]
    assert name not in hop_fields(other_port)


def test_url_credentials_do_not_follow_cross_origin(
    origin: RawServer, other_port: RawServer, session: httpcore_lite.Session
) -> None:
    start = origin.url.replace("http://", "http://user:pass@")
    r = session.get(go(start, other_port.url + "/landed"), timeout=TIMEOUT)
    assert r.content == b"ok"
    assert fields(origin.requests[0])["authorization"] == BASIC
    assert "authorization" not in hop_fields(other_port)


def test_credentials_do_not_come_back_after_leaving(
    origin: RawServer, other_port: RawServer, session: httpcore_lite.Session
) -> None:
    # origin -> other port -> origin: stripped once, they stay stripped.
    back = go(other_port.url, origin.url + "/back")
    r = session.get(
        go(origin.url, back),
        auth=("user", "pass"),
        headers={"Cookie": "sid=secret"},
        timeout=TIMEOUT,
    )
    assert r.url == origin.url + "/back"
    assert request_line(origin.requests[-1]) == "GET /back HTTP/1.1"
    assert "authorization" not in hop_fields(origin)
    assert "cookie" not in hop_fields(origin)


def test_digest_challenge_of_another_origin_is_not_answered(
    origin: RawServer, other_port: RawServer, session: httpcore_lite.Session
) -> None:
    r = session.get(
        go(origin.url, other_port.url + "/challenge"),
        auth=HTTPDigestAuth("user", "pass"),
        timeout=TIMEOUT,
    )
    assert r.status_code == 401
    assert len(other_port.requests) == 1  # no signed retry went there
    assert "authorization" not in hop_fields(other_port)


def test_session_auth_is_stripped_too(
    origin: RawServer, other_port: RawServer, session: httpcore_lite.Session
) -> None:
    session.auth = ("user", "pass")
    session.headers["Cookie"] = "sid=secret"
    session.get(go(origin.url, other_port.url + "/landed"), timeout=TIMEOUT)
    assert fields(origin.requests[0])["authorization"] == BASIC
    assert "authorization" not in hop_fields(other_port)
    assert "cookie" not in hop_fields(other_port)


class TrustingSession(httpcore_lite.Session):
    def should_strip_auth(self, old_url: str, new_url: str) -> bool:
        return False


class StrictSession(httpcore_lite.Session):
    def should_strip_auth(self, old_url: str, new_url: str) -> bool:
        return True


def test_a_session_subclass_decides_what_is_stripped(
    origin: RawServer, other_port: RawServer
) -> None:
    # requests' hook: Session.should_strip_auth, called for every hop.
    with TrustingSession() as s:
        s.get(go(origin.url, other_port.url + "/landed"), auth=("user", "pass"), timeout=TIMEOUT)
    assert hop_fields(other_port)["authorization"] == BASIC
    with StrictSession() as s:
        s.get(go(origin.url, "/landed"), auth=("user", "pass"), timeout=TIMEOUT)
    assert request_line(origin.requests[-1]) == "GET /landed HTTP/1.1"
    assert "authorization" not in hop_fields(origin)


# -- scheme changes: one server speaking TLS and plain HTTP on one port ---------------------


@pytest.fixture
def dual(serve: Serve, tls_files: dict[str, str]) -> RawServer:
    """A server that answers TLS and plain HTTP on the same port: only the scheme differs."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files["cert"], tls_files["key"])

    def handle(conn: socket.socket, server: RawServer) -> None:
        first = conn.recv(1, socket.MSG_PEEK)
        if first != b"\x16":  # not a TLS handshake record
            router(conn, server)
            return
        with context.wrap_socket(conn, server_side=True) as tls:
            while request := server.read(tls):
                answer(tls, request)

    return serve(handle)


@pytest.mark.parametrize(("kwargs", "name", "value"), CREDENTIALS)
def test_https_to_http_drops_credentials(
    dual: RawServer,
    session: httpcore_lite.Session,
    ca_bundle: str,
    kwargs: dict[str, Any],
    name: str,
    value: str,
) -> None:
    secure = dual.url.replace("http://", "https://")
    r = session.get(
        go(secure, dual.url + "/plain"),
        verify=ca_bundle,
        timeout=TIMEOUT,
        **kwargs,
    )
    assert r.url == dual.url + "/plain"
    assert r.content == b"ok"
    assert fields(dual.requests[0])[name] == value
    assert request_line(dual.requests[1]) == "GET /plain HTTP/1.1"
    assert name not in hop_fields(dual)


@pytest.mark.parametrize(("kwargs", "name", "value"), CREDENTIALS)
def test_http_to_https_on_another_port_than_443_drops_credentials(
    dual: RawServer,
    session: httpcore_lite.Session,
    ca_bundle: str,
    kwargs: dict[str, Any],
    name: str,
    value: str,
) -> None:
    secure = dual.url.replace("http://", "https://")
    r = session.get(
        go(dual.url, secure + "/tls"),
        verify=ca_bundle,
        timeout=TIMEOUT,
        **kwargs,
    )
    assert r.url == secure + "/tls"
    assert r.content == b"ok"
    assert fields(dual.requests[0])[name] == value
    assert name not in hop_fields(dual)


def test_https_to_https_same_origin_keeps_credentials(
    dual: RawServer, session: httpcore_lite.Session, ca_bundle: str
) -> None:
    secure = dual.url.replace("http://", "https://")
    session.get(go(secure, "/again"), auth=("user", "pass"), verify=ca_bundle, timeout=TIMEOUT)
    assert hop_fields(dual)["authorization"] == BASIC


def test_secure_jar_cookie_is_not_sent_to_the_http_hop(
    dual: RawServer, session: httpcore_lite.Session, ca_bundle: str
) -> None:
    secure = dual.url.replace("http://", "https://")
    session.cookies.set("tls_only", "1", domain="127.0.0.1", secure=True)
    session.cookies.set("plain", "2", domain="127.0.0.1")
    session.get(go(secure, dual.url + "/plain"), verify=ca_bundle, timeout=TIMEOUT)
    assert fields(dual.requests[0])["cookie"] in ("tls_only=1; plain=2", "plain=2; tls_only=1")
    assert hop_fields(dual)["cookie"] == "plain=2"


# -- jar cookies: the jar's rules, hop by hop -----------------------------------------------


def test_jar_cookie_follows_its_domain_per_hop(
    origin: RawServer, session: httpcore_lite.Session
) -> None:
    # 127.0.0.1 sets a cookie, sends us to localhost (no cookie), and back (cookie again).
    port = origin.port
    back = go(f"http://localhost:{port}", f"http://127.0.0.1:{port}/back")
    r = session.get(go(origin.url, back, set_cookie="sid=abc; Path=/"), timeout=TIMEOUT)
    assert r.url == f"http://127.0.0.1:{port}/back"
    assert len(origin.requests) == 3
    assert "cookie" not in fields(origin.requests[0])
    assert "cookie" not in fields(origin.requests[1])  # localhost
    assert fields(origin.requests[2])["cookie"] == "sid=abc"
    assert session.cookies.get_dict() == {"sid": "abc"}
    assert session.cookies.list_domains() == ["127.0.0.1"]


def test_request_jar_cookies_follow_their_domains(
    origin: RawServer, session: httpcore_lite.Session
) -> None:
    jar = RequestsCookieJar()
    jar.set("for_ip", "1", domain="127.0.0.1")
    jar.set("elsewhere", "2", domain="example.com")
    to = f"http://localhost:{origin.port}/landed"
    session.get(go(origin.url, to), cookies=jar, timeout=TIMEOUT)
    assert fields(origin.requests[0])["cookie"] == "for_ip=1"
    assert "cookie" not in hop_fields(origin)
    assert len(session.cookies) == 0  # a request's cookies are not kept


def test_session_cookie_for_the_next_host_is_sent_there(
    origin: RawServer, other_port: RawServer, session: httpcore_lite.Session
) -> None:
    # Cookies ignore ports (RFC 6265 section 8.5): a cross-port hop gets the host's cookies,
    # though credentials stay behind.
    session.cookies.set("host_cookie", "1", domain="127.0.0.1")
    session.get(go(origin.url, other_port.url + "/landed"), timeout=TIMEOUT)
    assert fields(origin.requests[0])["cookie"] == "host_cookie=1"
    assert hop_fields(other_port)["cookie"] == "host_cookie=1"


def test_path_of_a_jar_cookie_is_checked_per_hop(
    origin: RawServer, session: httpcore_lite.Session
) -> None:
    session.cookies.set("only_go", "1", domain="127.0.0.1", path="/go")
    session.get(go(origin.url, "/landed"), timeout=TIMEOUT)
    assert fields(origin.requests[0])["cookie"] == "only_go=1"
    assert "cookie" not in hop_fields(origin)


# -- Proxy-Authorization --------------------------------------------------------------------


def test_caller_proxy_authorization_is_not_sent_after_a_redirect(
    origin: RawServer, session: httpcore_lite.Session
) -> None:
    session.get(
        go(origin.url, "/landed"),
        headers={"Proxy-Authorization": "Basic cHJveHk6c2VjcmV0"},
        timeout=TIMEOUT,
    )
    # Sent direct, proxy credentials reach no origin at all (test_hostile_redirects.py).
    assert "proxy-authorization" not in fields(origin.requests[0])
    assert "proxy-authorization" not in hop_fields(origin)


def test_proxy_auth_is_not_sent_after_a_redirect(
    origin: RawServer, session: httpcore_lite.Session
) -> None:
    session.get(go(origin.url, "/landed"), auth=HTTPProxyAuth("proxy", "pw"), timeout=TIMEOUT)
    assert "proxy-authorization" not in fields(origin.requests[0])
    assert "proxy-authorization" not in hop_fields(origin)


# -- non-ASCII Location ---------------------------------------------------------------------


def test_utf8_location_is_followed_percent_encoded(serve: Serve) -> None:
    location = "/caf\u00e9/\u65e5\u672c?q=\u00fc"

    def handle(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            if request.startswith(b"GET /start "):
                head = b"HTTP/1.1 302 Found\r\nLocation: " + location.encode("utf-8")
                conn.sendall(head + b"\r\nContent-Length: 0\r\n\r\n")
            else:
                conn.sendall(response(b"ok"))

    server = serve(handle)
    r = httpcore_lite.get(server.url + "/start", timeout=TIMEOUT)
    assert r.content == b"ok"
    assert request_line(server.requests[1]) == "GET /caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%BC HTTP/1.1"
    assert r.url == server.url + "/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%BC"
    assert server.accepted == 1
