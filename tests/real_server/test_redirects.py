"""Redirects followed end to end against httpbin: which calls follow, history and ``next``,
the redirect limit, methods and bodies per status, fragments, and the connection kept
across hops. Raw servers send what httpbin cannot: OPTIONS redirected, a 302 without
Location, a large redirect body, a 307 for a chunked upload, an invalid Location."""

from __future__ import annotations

import io
import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest

import httpcore_lite
from httpcore_lite import PreparedRequest, TooManyRedirects
from tests.servers import RawServer, WSGIServer, response

TIMEOUT = (3, 10)


@pytest.fixture
def session() -> Iterator[httpcore_lite.Session]:
    with httpcore_lite.Session() as s:
        yield s


def redirect_to(server: WSGIServer, url: str, status: int = 302) -> str:
    return server + f"/redirect-to?url={quote(url, safe='')}&status_code={status}"


def echoed(r: httpcore_lite.Response) -> dict[str, Any]:
    assert r.status_code == 200
    data: dict[str, Any] = r.json()
    return data


# -- which calls follow ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_every_method_follows_by_default(
    httpbin: WSGIServer, session: httpcore_lite.Session, method: str
) -> None:
    call = getattr(session, method.lower())
    r = call(redirect_to(httpbin, "/anything/landed", 307), timeout=TIMEOUT)
    assert echoed(r)["method"] == method
    assert r.url == httpbin + "/anything/landed"
    assert [h.status_code for h in r.history] == [307]


def test_module_level_get_follows(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/redirect/2", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.url == httpbin + "/get"
    assert len(r.history) == 2


def test_options_follows_by_default(serve: Callable[..., RawServer]) -> None:
    # (httpbin answers OPTIONS itself, so a raw server sends the redirect.)
    def handle(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            if request.startswith(b"OPTIONS /start "):
                conn.sendall(response(b"", "301 Moved Permanently", [("Location", "/end")]))
            else:
                conn.sendall(response(request.split(b"\r\n", 1)[0]))

    server = serve(handle)
    r = httpcore_lite.options(server.url + "/start", timeout=TIMEOUT)
    assert r.content == b"OPTIONS /end HTTP/1.1"
    assert [h.status_code for h in r.history] == [301]


def test_head_does_not_follow_by_default(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    r = session.head(httpbin + "/redirect/1", timeout=TIMEOUT)
    assert r.status_code == 302
    assert r.history == []
    assert r.headers["Location"] == "/get"
    r = httpcore_lite.head(httpbin + "/redirect/1", timeout=TIMEOUT)
    assert r.status_code == 302


def test_head_follows_when_asked(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    r = session.head(httpbin + "/redirect/2", allow_redirects=True, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.url == httpbin + "/get"
    assert r.request is not None
    assert r.request.method == "HEAD"
    assert [h.status_code for h in r.history] == [302, 302]
    assert r.content == b""


# -- allow_redirects=False and next ---------------------------------------------------------


def test_not_following_gives_the_redirect_and_next(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    r = session.get(httpbin + "/redirect/2", allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 302
    assert r.is_redirect
    assert not r.is_permanent_redirect
    assert r.history == []
    assert r.url == httpbin + "/redirect/2"
    nxt = r.next
    assert isinstance(nxt, PreparedRequest)
    assert (nxt.method, nxt.url) == ("GET", httpbin + "/relative-redirect/1")
    # next can be sent as it is; that hop redirects once more, and is followed
    final = session.send(nxt, timeout=TIMEOUT)
    assert final.url == httpbin + "/get"
    assert [h.url for h in final.history] == [httpbin + "/relative-redirect/1"]


def test_next_of_a_post_redirected_by_303_is_a_get_without_body(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    r = session.post(
        redirect_to(httpbin, "/anything", 303), data=b"gone", allow_redirects=False, timeout=TIMEOUT
    )
    assert r.status_code == 303
    assert r.next is not None
    assert (r.next.method, r.next.body) == ("GET", None)
    assert "Content-Length" not in r.next.headers


def test_permanent_redirect_not_followed(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(redirect_to(httpbin, "/get", 308), allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 308
    assert r.is_permanent_redirect
    assert r.next is not None
    assert r.next.url == httpbin + "/get"


def test_a_plain_response_has_no_next(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/get", allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.next is None
    assert not r.is_redirect


def test_a_redirect_without_location_is_the_final_response(
    serve: Callable[..., RawServer], session: httpcore_lite.Session
) -> None:
    def handle(conn: socket.socket, server: RawServer) -> None:
        while server.read(conn):
            conn.sendall(response(b"nowhere", "302 Found"))

    server = serve(handle)
    r = session.get(server.url + "/", timeout=TIMEOUT)
    assert (r.status_code, r.content) == (302, b"nowhere")
    assert r.history == []
    assert not r.is_redirect
    assert len(server.requests) == 1


def test_304_is_no_redirect(httpbin: WSGIServer) -> None:
    r = httpcore_lite.get(httpbin + "/status/304", timeout=TIMEOUT)
    assert r.status_code == 304
    assert r.history == []


# -- history --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "hops"),
    [
        ("/redirect/3", ["/redirect/3", "/relative-redirect/2", "/relative-redirect/1"]),
        (
            "/relative-redirect/3",
            ["/relative-redirect/3", "/relative-redirect/2", "/relative-redirect/1"],
        ),
        (
            "/absolute-redirect/3",
            ["/absolute-redirect/3", "/absolute-redirect/2", "/absolute-redirect/1"],
        ),
    ],
)
def test_history_lists_each_hop_in_order(
    httpbin: WSGIServer, session: httpcore_lite.Session, path: str, hops: list[str]
) -> None:
    r = session.get(httpbin + path, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.url == httpbin + "/get"
    assert echoed(r)["url"] == httpbin + "/get"
    assert [h.status_code for h in r.history] == [302, 302, 302]
    assert [h.url for h in r.history] == [httpbin + hop for hop in hops]
    assert [h.request.url for h in r.history if h.request] == [httpbin + hop for hop in hops]
    # as in requests, each hop lists the hops before it
    assert [h.history for h in r.history] == [[], r.history[:1], r.history[:2]]
    # small redirect bodies are kept, as requests keeps them
    assert [len(h.content or b"") for h in r.history] == [
        int(h.headers["Content-Length"]) for h in r.history
    ]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_each_redirect_status_is_followed(
    httpbin: WSGIServer, session: httpcore_lite.Session, status: int
) -> None:
    r = session.get(redirect_to(httpbin, "/get?x=1", status), timeout=TIMEOUT)
    assert echoed(r)["args"] == {"x": "1"}
    assert [h.status_code for h in r.history] == [status]


def test_too_many_redirects(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    httpbin.reset_connections()
    session.max_redirects = 3
    with pytest.raises(TooManyRedirects, match="Exceeded 3 redirects") as info:
        session.get(httpbin + "/redirect/5", timeout=TIMEOUT)
    last = info.value.response
    assert last is not None
    assert last.status_code == 302
    assert last.url == httpbin + "/relative-redirect/2"  # the fourth response
    assert info.value.request is last.request
    # the session goes on, on the same connection
    assert session.get(httpbin + "/redirect/3", timeout=TIMEOUT).status_code == 200
    assert httpbin.connections == 1


def test_exactly_the_limit_is_allowed(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    session.max_redirects = 3
    r = session.get(httpbin + "/redirect/3", timeout=TIMEOUT)
    assert r.status_code == 200
    assert len(r.history) == 3


def test_max_redirects_zero_raises_on_the_first(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    session.max_redirects = 0
    with pytest.raises(TooManyRedirects) as info:
        session.get(httpbin + "/redirect/1", timeout=TIMEOUT)
    assert info.value.response is not None
    assert info.value.response.url == httpbin + "/redirect/1"
    assert info.value.response.status_code == 302


# -- methods and bodies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "method", "after"),
    [
        (301, "POST", "GET"),
        (302, "POST", "GET"),
        (303, "POST", "GET"),
        (303, "PUT", "GET"),
        (302, "PUT", "GET"),
        (301, "PUT", "PUT"),
    ],
)
def test_method_rewritten_and_body_dropped(
    httpbin: WSGIServer, session: httpcore_lite.Session, status: int, method: str, after: str
) -> None:
    r = session.request(
        method, redirect_to(httpbin, "/anything", status), data={"k": "v"}, timeout=TIMEOUT
    )
    seen = echoed(r)
    assert seen["method"] == after
    assert (seen["data"], seen["form"]) == ("", {})
    assert "Content-Type" not in seen["headers"]
    assert r.request is not None
    assert r.request.method == after
    assert r.history[0].request is not None
    assert r.history[0].request.method == method


@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_method_and_body_kept(
    httpbin: WSGIServer, session: httpcore_lite.Session, status: int, method: str
) -> None:
    r = session.request(
        method, redirect_to(httpbin, "/anything", status), json={"k": "v"}, timeout=TIMEOUT
    )
    seen = echoed(r)
    assert seen["method"] == method
    assert seen["json"] == {"k": "v"}
    assert seen["headers"]["Content-Type"] == "application/json"


@pytest.mark.parametrize("status", [307, 308])
def test_file_body_is_rewound_and_sent_again(
    httpbin: WSGIServer, session: httpcore_lite.Session, status: int
) -> None:
    body = io.BytesIO(b"skip:the file body")
    body.seek(5)
    r = session.post(redirect_to(httpbin, "/anything", status), data=body, timeout=TIMEOUT)
    seen = echoed(r)
    assert seen["method"] == "POST"
    assert seen["data"] == "the file body"
    assert seen["headers"]["Content-Length"] == str(len(b"the file body"))


def test_form_body_kept_on_307(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    r = session.post(redirect_to(httpbin, "/anything", 307), data={"a": "1"}, timeout=TIMEOUT)
    assert echoed(r)["form"] == {"a": "1"}


def _307_for_chunked_posts(conn: socket.socket, server: RawServer) -> None:
    # (httpbin refuses chunked uploads: a raw server sends the 307.)
    while request := server.read(conn):
        if b"Transfer-Encoding: chunked" in request:
            while not request.endswith(b"0\r\n\r\n"):
                request += conn.recv(65536)
        if request.startswith(b"POST /start "):
            conn.sendall(response(b"", "307 Temporary Redirect", [("Location", "/end")]))
        else:
            conn.sendall(response(request.split(b"\r\n", 1)[0]))


def _chunks() -> Iterator[bytes]:
    yield b"only once"


def test_generator_body_on_307_raises(
    serve: Callable[..., RawServer], session: httpcore_lite.Session
) -> None:
    # Stricter than requests, which sends the used-up generator (an empty body) again.
    server = serve(_307_for_chunked_posts)
    with pytest.raises(httpcore_lite.exceptions.UnrewindableBodyError):
        session.post(server.url + "/start", data=_chunks(), timeout=TIMEOUT)
    # nothing went to /end; the session goes on
    assert session.get(server.url + "/get", timeout=TIMEOUT).content == b"GET /get HTTP/1.1"
    assert [r.split(b"\r\n", 1)[0] for r in server.requests] == [
        b"POST /start HTTP/1.1",
        b"GET /get HTTP/1.1",
    ]


def test_unrewindable_307_gives_its_connection_back_first(
    serve: Callable[..., RawServer], session: httpcore_lite.Session
) -> None:
    # requests reads and releases a redirect's connection before it rewinds the body; the
    # 307 here had its whole (empty) body, so the connection can serve the next request.
    server = serve(_307_for_chunked_posts)
    with pytest.raises(httpcore_lite.exceptions.UnrewindableBodyError):
        session.post(server.url + "/start", data=_chunks(), timeout=TIMEOUT)
    assert session.get(server.url + "/get", timeout=TIMEOUT).status_code == 200
    assert server.accepted == 1, "the 307's connection was not given back before raising"


def test_unrewindable_307_not_followed_is_returned(
    serve: Callable[..., RawServer], session: httpcore_lite.Session
) -> None:
    # allow_redirects=False: nothing is sent again, so nothing needs rewinding; requests
    # returns the 307 here.
    server = serve(_307_for_chunked_posts)
    r = session.post(server.url + "/start", data=_chunks(), allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 307
    assert r.headers["Location"] == "/end"
    assert len(server.requests) == 1


def _bad_location(conn: socket.socket, server: RawServer) -> None:
    while request := server.read(conn):
        if request.startswith(b"GET /bad "):
            location = [("Location", "http://127.0.0.1:99999/x")]
            conn.sendall(response(b"", "302 Found", location))
        else:
            conn.sendall(response(b"ok"))


def test_invalid_location_raises_invalid_url(
    serve: Callable[..., RawServer], session: httpcore_lite.Session
) -> None:
    server = serve(_bad_location)
    with pytest.raises(httpcore_lite.exceptions.InvalidURL, match="99999"):
        session.get(server.url + "/bad", timeout=TIMEOUT)
    assert session.get(server.url + "/ok", timeout=TIMEOUT).content == b"ok"


def test_invalid_location_gives_its_connection_back_first(
    serve: Callable[..., RawServer], session: httpcore_lite.Session
) -> None:
    # requests reads and releases the 302 before it parses the Location.
    server = serve(_bad_location)
    with pytest.raises(httpcore_lite.exceptions.InvalidURL):
        session.get(server.url + "/bad", timeout=TIMEOUT)
    assert session.get(server.url + "/ok", timeout=TIMEOUT).content == b"ok"
    assert server.accepted == 1, "the 302's connection was not given back before raising"


def test_invalid_location_not_followed_is_returned(
    serve: Callable[..., RawServer], session: httpcore_lite.Session
) -> None:
    # allow_redirects=False: requests returns the 302 as it is.
    server = serve(_bad_location)
    r = session.get(server.url + "/bad", allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 302
    assert r.headers["Location"] == "http://127.0.0.1:99999/x"


# -- URLs -----------------------------------------------------------------------------------


def test_fragment_is_carried_over(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    r = session.get(httpbin + "/redirect/2#section", timeout=TIMEOUT)
    assert r.url == httpbin + "/get#section"
    assert echoed(r)["url"] == httpbin + "/get"  # never sent
    assert [h.url for h in r.history] == [
        httpbin + "/redirect/2#section",
        httpbin + "/relative-redirect/1#section",
    ]


def test_location_fragment_wins(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    r = session.get(redirect_to(httpbin, "/get#new") + "#old", timeout=TIMEOUT)
    assert r.url == httpbin + "/get#new"


def test_scheme_relative_location(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    target = f"//{httpbin.host}:{httpbin.port}/get?via=scheme-relative"
    r = session.get(redirect_to(httpbin, target), timeout=TIMEOUT)
    assert echoed(r)["args"] == {"via": "scheme-relative"}
    assert r.url == httpbin + "/get?via=scheme-relative"


def test_redirect_to_https_on_another_port(
    httpbin: WSGIServer, httpbin_secure: WSGIServer, ca_bundle: str
) -> None:
    r = httpcore_lite.get(
        redirect_to(httpbin, httpbin_secure + "/get"), verify=ca_bundle, timeout=TIMEOUT
    )
    assert r.url == httpbin_secure + "/get"
    assert echoed(r)["url"] == httpbin_secure + "/get"


# -- connections ----------------------------------------------------------------------------


def test_hops_reuse_one_connection(httpbin: WSGIServer, session: httpcore_lite.Session) -> None:
    httpbin.reset_connections()
    r = session.get(httpbin + "/redirect/3", timeout=TIMEOUT)
    assert len(r.history) == 3
    assert httpbin.connections == 1
    session.get(httpbin + "/absolute-redirect/3", timeout=TIMEOUT)
    assert httpbin.connections == 1


def test_streamed_final_response_after_hops(
    httpbin: WSGIServer, session: httpcore_lite.Session
) -> None:
    httpbin.reset_connections()
    with session.get(httpbin + "/redirect/2", stream=True, timeout=TIMEOUT) as r:
        assert r.url == httpbin + "/get"
        assert r.json()["url"] == httpbin + "/get"
    assert session.get(httpbin + "/get", timeout=TIMEOUT).status_code == 200
    assert httpbin.connections == 1


def _large_redirect_handler(
    body: bytes, chunked: bool
) -> Callable[[socket.socket, RawServer], None]:
    def handle(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            if request.startswith(b"GET /big "):
                if chunked:
                    head = response(
                        b"",
                        "302 Found",
                        [("Location", "/done"), ("Transfer-Encoding", "chunked")],
                    )
                    conn.sendall(head + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
                else:
                    conn.sendall(response(body, "302 Found", [("Location", "/done")]))
            else:
                conn.sendall(response(b"done"))

    return handle


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_large_redirect_body_does_not_hang(
    serve: Callable[..., RawServer], session: httpcore_lite.Session, chunked: bool
) -> None:
    server = serve(_large_redirect_handler(b"x" * (4 << 20), chunked))
    r = session.get(server.url + "/big", timeout=TIMEOUT)
    assert (r.status_code, r.content) == (200, b"done")
    assert r.history[0].status_code == 302
    assert r.history[0].content == b""  # discarded, not kept
    # the connection under the unread body was dropped; the session goes on
    assert server.accepted == 2
    assert session.get(server.url + "/again", timeout=TIMEOUT).content == b"done"
    assert server.accepted == 2


def test_small_redirect_body_is_read_and_the_connection_reused(
    serve: Callable[..., RawServer], session: httpcore_lite.Session
) -> None:
    server = serve(_large_redirect_handler(b"<a href='/done'>moved</a>", chunked=False))
    r = session.get(server.url + "/big", timeout=TIMEOUT)
    assert r.content == b"done"
    assert server.accepted == 1
