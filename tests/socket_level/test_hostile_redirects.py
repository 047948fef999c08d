"""What a hostile server (or a hostile Location) must not make the client do, seen on the wire.

Issue 14, "safety first", items 1, 4, 5, 11 and 15:

1. A redirect must not move a request onto a local Unix socket (``http+unix://``: Docker's API,
   say): only ``Session.redirect_schemes`` (http and https unless the caller adds more) are
   followed, whatever the first URL's scheme; the others raise InvalidSchema before anything
   is sent there.
4. ``cookies=`` given for one request belong to its origin: they do not follow a redirect to
   another origin.
5. A caller's Host header names the first origin: it does not go to the next one on a
   redirect, and neither do the jar's cookies for the host it named.
11. Only ASCII digits make a port: Arabic-Indic or fullwidth digits (which ``int()`` reads)
    and superscripts (which it refuses) are an InvalidURL, and nothing is connected to.
15. HTTPProxyAuth credentials (and a hand-written Proxy-Authorization) go to a proxy only,
    never to an origin that is reached directly.

Servers are raw TCP servers on 127.0.0.1 and a Unix socket server in a short directory under
/tmp (a socket path must fit in about 107 bytes). Tests marked "regression" guard behaviour
that was already right.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest

import httpcore_lite
from httpcore_lite.auth import HTTPProxyAuth
from httpcore_lite.exceptions import InvalidSchema, InvalidURL

from ..proxy_server import ProxyServer
from ..servers import RawServer, read_request, response
from ._helpers import fields, request_line

Serve = Callable[..., RawServer]
TIMEOUT = (3, 10)
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def redirect(status: int, location: str) -> bytes:
    """A bodiless redirect; the Location is sent as UTF-8 bytes, as servers do."""
    head = f"HTTP/1.1 {status} Moved\r\nLocation: ".encode() + location.encode("utf-8")
    return head + b"\r\nContent-Length: 0\r\n\r\n"


def redirector(status: int, location: str) -> Callable[[socket.socket, RawServer], None]:
    """Answer every request with a redirect to ``location``."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        while server.read(conn):
            conn.sendall(redirect(status, location))

    return handle


def router(conn: socket.socket, server: RawServer) -> None:
    """``/go?to=URL&status=N`` redirects to URL (302 by default); anything else is 200 "ok"."""
    while request := server.read(conn):
        parts = urlsplit(request_line(request).split(" ")[1])
        if parts.path == "/go":
            query = parse_qs(parts.query)
            status = int(query.get("status", ["302"])[0])
            conn.sendall(redirect(status, query["to"][0]))
        else:
            conn.sendall(response(b"ok"))


def go(base: str, to: str, status: int = 302) -> str:
    return f"{base}/go?to={quote(to, safe='')}&status={status}"


def arabic_indic(number: int) -> str:
    return "".join(chr(0x0660 + int(d)) for d in str(number))


def fullwidth(number: int) -> str:
    return "".join(chr(0xFF10 + int(d)) for d in str(number))


class UnixServer:
    """An HTTP server on a Unix socket that records every connection and request. It answers
    ``GET /a`` with ``302 Location: /b`` and anything else with 200 "unix"."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.url = f"http+unix://{quote(path, safe='')}"
        self.connections = 0
        self.requests: list[bytes] = []
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(path)
        self._listener.listen(8)
        self._accept = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept.start()

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.append(conn)
                thread = threading.Thread(target=self._answer, args=(conn,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _answer(self, conn: socket.socket) -> None:
        try:
            with conn:
                while request := read_request(conn):
                    with self._lock:
                        self.requests.append(request)
                    if request_line(request).startswith("GET /a "):
                        conn.sendall(redirect(302, "/b"))
                    else:
                        conn.sendall(response(b"unix"))
        except OSError:
            pass
        except BaseException as exc:  # surfaced by close(): a broken handler fails its test
            self.errors.append(exc)

    def close(self) -> None:
        # shutdown() wakes accept() on Linux; closing alone may not.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._accept.join(5)
        with self._lock:
            conns, threads = list(self._conns), list(self._threads)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(5)
        if self.errors:
            raise self.errors[0]


@pytest.fixture
def unix_server() -> Iterator[UnixServer]:
    directory = tempfile.mkdtemp(prefix="hr-", dir="/tmp")  # short: socket paths are limited
    server = UnixServer(f"{directory}/api.sock")
    try:
        yield server
    finally:
        try:
            server.close()
        finally:
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    # The machine's proxy settings must not decide where these requests go.
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def session() -> Iterator[httpcore_lite.Session]:
    with httpcore_lite.Session() as s:
        s.timeout = TIMEOUT
        yield s


@pytest.fixture
def a(serve: Serve) -> RawServer:
    return serve(router)


@pytest.fixture
def b(serve: Serve) -> RawServer:
    return serve(router)


# -- 1. redirects into a Unix socket --------------------------------------------------------


def test_307_into_a_unix_socket_is_refused(
    serve: Serve, unix_server: UnixServer, session: httpcore_lite.Session
) -> None:
    """A POST redirected (307) to http+unix:// raises InvalidSchema; the socket sees nothing."""
    server = serve(redirector(307, unix_server.url + "/containers/create"))
    with pytest.raises(InvalidSchema) as info:
        session.post(server.url + "/upload", data=b'{"Image": "x"}')
    assert unix_server.connections == 0
    assert unix_server.requests == []
    assert info.value.response is not None
    assert info.value.response.status_code == 307
    assert info.value.request is not None
    assert [request_line(q) for q in server.requests] == ["POST /upload HTTP/1.1"]


def test_302_get_into_a_unix_socket_is_refused(
    serve: Serve, unix_server: UnixServer, session: httpcore_lite.Session
) -> None:
    """A GET redirected (302) to http+unix:// raises InvalidSchema; the socket sees nothing."""
    server = serve(redirector(302, unix_server.url + "/containers/json"))
    with pytest.raises(InvalidSchema) as info:
        session.get(server.url + "/list")
    assert unix_server.connections == 0
    assert info.value.response is not None
    assert info.value.response.status_code == 302


def test_redirect_into_a_unix_socket_is_followed_after_opting_in(
    serve: Serve, unix_server: UnixServer, session: httpcore_lite.Session
) -> None:
    """redirect_schemes defaults to http and https; adding http+unix lets the 307 through."""
    assert session.redirect_schemes == frozenset({"http", "https"})
    session.redirect_schemes = {"http", "https", "http+unix"}
    server = serve(redirector(307, unix_server.url + "/containers/create"))
    r = session.post(server.url + "/upload", data=b'{"Image": "x"}')
    assert r.status_code == 200
    assert r.content == b"unix"
    assert [h.status_code for h in r.history] == [307]
    assert unix_server.connections == 1
    assert request_line(unix_server.requests[0]) == "POST /containers/create HTTP/1.1"
    assert unix_server.requests[0].endswith(b'\r\n\r\n{"Image": "x"}')


def test_relative_redirect_on_a_unix_socket_is_refused(
    unix_server: UnixServer, session: httpcore_lite.Session
) -> None:
    """A redirect from an http+unix URL to a relative Location is refused by default too."""
    with pytest.raises(InvalidSchema) as info:
        session.get(unix_server.url + "/a")
    assert [request_line(q) for q in unix_server.requests] == ["GET /a HTTP/1.1"]
    assert info.value.response is not None
    assert info.value.response.status_code == 302


def test_relative_redirect_on_a_unix_socket_is_followed_after_opting_in(
    unix_server: UnixServer, session: httpcore_lite.Session
) -> None:
    """With http+unix in redirect_schemes, the relative Location stays on the same socket."""
    session.redirect_schemes = {"http", "https", "http+unix"}
    r = session.get(unix_server.url + "/a")
    assert r.content == b"unix"
    assert r.url == unix_server.url + "/b"
    assert [request_line(q) for q in unix_server.requests] == [
        "GET /a HTTP/1.1",
        "GET /b HTTP/1.1",
    ]


def test_next_of_a_redirect_into_a_unix_socket_is_none(
    serve: Serve, unix_server: UnixServer, session: httpcore_lite.Session
) -> None:
    """With allow_redirects=False, a 307 into http+unix offers no next request."""
    server = serve(redirector(307, unix_server.url + "/containers/create"))
    r = session.post(server.url + "/upload", data=b'{"Image": "x"}', allow_redirects=False)
    assert r.status_code == 307
    assert r.next is None
    assert unix_server.connections == 0


def test_redirect_to_ftp_is_invalid_schema(serve: Serve, session: httpcore_lite.Session) -> None:
    """Regression: a redirect to ftp:// raises InvalidSchema."""
    server = serve(redirector(302, "ftp://example.invalid/x"))
    with pytest.raises(InvalidSchema):
        session.get(server.url + "/start")


# -- 4. cookies= of one request ---------------------------------------------------------------


def test_request_cookies_do_not_follow_to_another_port(
    a: RawServer, b: RawServer, session: httpcore_lite.Session
) -> None:
    """cookies= given to the request stay behind on a redirect to another port."""
    r = session.get(go(a.url, b.url + "/final"), cookies={"secret": "s3"})
    assert r.content == b"ok"
    assert [request_line(q) for q in b.requests] == ["GET /final HTTP/1.1"]
    assert "secret" not in fields(b.requests[0]).get("cookie", "")


def test_request_cookies_do_not_follow_to_another_host_name(
    a: RawServer, b: RawServer, session: httpcore_lite.Session
) -> None:
    """cookies= given to the request stay behind on a redirect to localhost."""
    to = f"http://localhost:{b.port}/final"
    r = session.get(go(a.url, to), cookies={"secret": "s3"})
    assert r.url == to
    assert len(b.requests) == 1
    assert "secret" not in fields(b.requests[0]).get("cookie", "")


def test_module_level_get_does_not_carry_request_cookies_across_origins(
    a: RawServer, b: RawServer
) -> None:
    """httpcore_lite.get(..., cookies=) keeps them from the next origin as a Session does."""
    r = httpcore_lite.get(go(a.url, b.url + "/final"), cookies={"secret": "s3"}, timeout=TIMEOUT)
    assert r.content == b"ok"
    assert len(b.requests) == 1
    assert "secret" not in fields(b.requests[0]).get("cookie", "")


def test_request_cookies_reach_the_first_origin(
    a: RawServer, b: RawServer, session: httpcore_lite.Session
) -> None:
    """Regression: the origin the request was for gets its cookies."""
    session.get(go(a.url, b.url + "/final"), cookies={"secret": "s3"})
    assert fields(a.requests[0])["cookie"] == "secret=s3"


def test_request_cookies_follow_a_same_origin_redirect(
    a: RawServer, session: httpcore_lite.Session
) -> None:
    """Regression: within one origin, the request's cookies go to the next hop too."""
    session.get(go(a.url, a.url + "/final"), cookies={"secret": "s3"})
    assert request_line(a.requests[1]) == "GET /final HTTP/1.1"
    assert fields(a.requests[1])["cookie"] == "secret=s3"


# -- 5. a caller's Host header ----------------------------------------------------------------


@pytest.fixture
def victim_session(session: httpcore_lite.Session) -> httpcore_lite.Session:
    session.cookies.set("sid", "v1", domain="victim.example", path="/")
    return session


def test_caller_host_header_does_not_follow_to_another_origin(
    a: RawServer, b: RawServer, victim_session: httpcore_lite.Session
) -> None:
    """The next origin gets its own Host, not the one the caller set for the first."""
    victim_session.get(go(a.url, b.url + "/final"), headers={"Host": "victim.example"})
    assert len(b.requests) == 1
    assert fields(b.requests[0])["host"] == f"127.0.0.1:{b.port}"


def test_jar_cookies_of_the_caller_host_do_not_follow_to_another_origin(
    a: RawServer, b: RawServer, victim_session: httpcore_lite.Session
) -> None:
    """The jar's cookies for the Host the caller named do not go to the next origin."""
    victim_session.get(go(a.url, b.url + "/final"), headers={"Host": "victim.example"})
    assert len(b.requests) == 1
    assert "sid" not in fields(b.requests[0]).get("cookie", "")


def test_caller_host_header_and_its_cookies_reach_the_first_origin(
    a: RawServer, b: RawServer, victim_session: httpcore_lite.Session
) -> None:
    """Regression: the first origin gets the Host the caller asked for, and its cookies."""
    victim_session.get(go(a.url, b.url + "/final"), headers={"Host": "victim.example"})
    first = fields(a.requests[0])
    assert first["host"] == "victim.example"
    assert first["cookie"] == "sid=v1"


def test_caller_host_header_is_kept_on_a_same_origin_redirect(
    a: RawServer, victim_session: httpcore_lite.Session
) -> None:
    """Regression: within one origin the caller's Host stays on the next hop."""
    victim_session.get(go(a.url, "/final"), headers={"Host": "victim.example"})
    assert request_line(a.requests[1]) == "GET /final HTTP/1.1"
    assert fields(a.requests[1])["host"] == "victim.example"


# -- 11. only ASCII digits make a port --------------------------------------------------------

DIGITS = [pytest.param(arabic_indic, id="arabic-indic"), pytest.param(fullwidth, id="fullwidth")]


@pytest.mark.parametrize("spell", DIGITS)
def test_non_ascii_digits_are_no_port(
    serve: Serve, session: httpcore_lite.Session, spell: Callable[[int], str]
) -> None:
    """A port in non-ASCII digits is an InvalidURL, and nothing connects to that port."""
    server = serve(router)
    with pytest.raises(InvalidURL):
        session.get(f"http://127.0.0.1:{spell(server.port)}/")
    assert server.accepted == 0


def test_superscript_port_is_invalid_url(session: httpcore_lite.Session) -> None:
    """A superscript digit as the port is an InvalidURL, not a bare ValueError."""
    with pytest.raises(InvalidURL):
        session.get("http://127.0.0.1:\u00b2/")


def test_location_with_a_superscript_port_is_invalid_url(
    serve: Serve, session: httpcore_lite.Session
) -> None:
    """A Location whose port is a superscript digit is an InvalidURL, not a bare ValueError."""
    server = serve(redirector(302, "http://127.0.0.1:\u00b2/"))
    with pytest.raises(InvalidURL):
        session.get(server.url + "/start")


def test_location_with_a_port_in_arabic_indic_digits_is_invalid_url(
    a: RawServer, b: RawServer, session: httpcore_lite.Session
) -> None:
    """A Location naming B's port in Arabic-Indic digits is an InvalidURL; B gets nothing."""
    with pytest.raises(InvalidURL):
        session.get(go(a.url, f"http://127.0.0.1:{arabic_indic(b.port)}/final"))
    assert b.accepted == 0


# -- 15. proxy credentials stay with proxies --------------------------------------------------


def test_proxy_auth_is_not_sent_to_an_origin_without_a_proxy(
    a: RawServer, session: httpcore_lite.Session
) -> None:
    """HTTPProxyAuth with no proxy at all sends no Proxy-Authorization to the origin."""
    session.trust_env = False
    r = session.get(a.url + "/final", auth=HTTPProxyAuth("u", "p"))
    assert r.content == b"ok"
    assert "proxy-authorization" not in fields(a.requests[0])


def test_proxy_auth_is_not_sent_to_an_origin_that_no_proxy_exempts(
    a: RawServer, serve: Serve, session: httpcore_lite.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host that NO_PROXY sends direct gets no Proxy-Authorization; the proxy sees nothing."""
    proxy = serve(router)
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    r = session.get(a.url + "/final", auth=HTTPProxyAuth("u", "p"))
    assert r.content == b"ok"
    assert proxy.accepted == 0
    assert [request_line(q) for q in a.requests] == ["GET /final HTTP/1.1"]
    assert "proxy-authorization" not in fields(a.requests[0])


def test_hand_written_proxy_authorization_is_not_sent_to_an_origin(
    a: RawServer, session: httpcore_lite.Session
) -> None:
    """A Proxy-Authorization header in headers= is not sent on a direct connection."""
    session.trust_env = False
    session.get(a.url + "/final", headers={"Proxy-Authorization": "Basic dTpw"})
    assert len(a.requests) == 1
    assert "proxy-authorization" not in fields(a.requests[0])


@pytest.fixture
def proxy() -> Iterator[ProxyServer]:
    server = ProxyServer()
    yield server
    server.stop()


def test_proxy_auth_reaches_a_forwarding_proxy(
    a: RawServer, proxy: ProxyServer, session: httpcore_lite.Session
) -> None:
    """Regression: through a forwarding proxy, HTTPProxyAuth's header reaches the proxy."""
    session.trust_env = False
    r = session.get(a.url + "/final", auth=HTTPProxyAuth("u", "p"), proxies={"http": proxy.url})
    assert r.content == b"ok"
    assert [(q.method, q.target) for q in proxy.requests] == [("GET", a.url + "/final")]
    assert proxy.requests[0].headers["proxy-authorization"] == "Basic dTpw"
    assert "proxy-authorization" not in fields(a.requests[0])
