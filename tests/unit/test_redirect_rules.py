"""Redirect rules as pure functions (httpcore_lite._redirects): no sockets, no Session.

The expectations are requests' (``Session.rebuild_method``, ``should_strip_auth``,
``resolve_redirects``, ``get_redirect_target``), except where httpcore_lite is stricter on
purpose: a caller's Cookie header survives a same-origin hop, and a 307 with a body that
cannot be rewound fails instead of sending an empty iterator.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from httpcore_lite import PreparedRequest, Request, Response
from httpcore_lite._redirects import (
    REDIRECT_STATI,
    next_method,
    next_request,
    redirect_target,
    resolve_location,
    should_strip_auth,
)
from httpcore_lite.auth import HTTPBasicAuth, HTTPDigestAuth
from httpcore_lite.exceptions import InvalidURL, UnrewindableBodyError
from httpcore_lite.structures import CaseInsensitiveDict

ORIGIN = "http://127.0.0.1:8080"


def redirect(
    status: int, request: PreparedRequest | None = None, location: bytes | None = b"/next"
) -> Response:
    """A redirect response as the adapter builds it: header fields as the bytes received."""
    r = Response()
    r.status_code = status
    fields = [(b"Content-Length", b"0")]
    if location is not None:
        fields.append((b"Location", location))
    r.set_raw_headers(fields)
    r._content = b""
    r._content_consumed = True
    r.request = request
    r.url = None if request is None else request.url
    return r


def prepared(
    method: str = "GET", url: str = ORIGIN + "/start", **kwargs: object
) -> PreparedRequest:
    return Request(method, url, **kwargs).prepare()  # type: ignore[arg-type]


# -- next_method ------------------------------------------------------------------------------

# (status, method) -> next method, as requests' rebuild_method gives it.
METHOD_TABLE = {
    (301, "GET"): "GET",
    (301, "POST"): "GET",
    (301, "HEAD"): "HEAD",
    (301, "PUT"): "PUT",
    (302, "GET"): "GET",
    (302, "POST"): "GET",
    (302, "HEAD"): "HEAD",
    (302, "PUT"): "GET",
    (303, "GET"): "GET",
    (303, "POST"): "GET",
    (303, "HEAD"): "HEAD",
    (303, "PUT"): "GET",
    (307, "GET"): "GET",
    (307, "POST"): "POST",
    (307, "HEAD"): "HEAD",
    (307, "PUT"): "PUT",
    (308, "GET"): "GET",
    (308, "POST"): "POST",
    (308, "HEAD"): "HEAD",
    (308, "PUT"): "PUT",
}


def test_next_method_table() -> None:
    # (One comparison of the whole table: a wrong cell shows in the diff.)
    assert {key: next_method(key[1], key[0]) for key in METHOD_TABLE} == METHOD_TABLE


def test_other_methods_become_get_on_302_and_303_only() -> None:
    for method in ("DELETE", "PATCH", "OPTIONS"):
        got = [next_method(method, status) for status in (301, 302, 303, 307, 308)]
        assert got == [method, "GET", "GET", method, method], method


def test_the_redirect_statuses_are_requests_five() -> None:
    assert frozenset({301, 302, 303, 307, 308}) == REDIRECT_STATI


# -- should_strip_auth ----------------------------------------------------------------------


STRIP_TABLE = [
    ("http://example.com/a", "http://example.com/b", False),
    ("http://example.com/a", "http://example.com:80/b", False),
    ("http://example.com:80/a", "http://example.com/b", False),
    ("https://example.com/a", "https://example.com:443/b", False),
    ("http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b?x=1#f", False),
    # host changes
    ("http://example.com/a", "http://www.example.com/a", True),
    ("http://127.0.0.1:8080/a", "http://localhost:8080/a", True),
    ("http://127.0.0.1:8080/a", "http://[::1]:8080/a", True),
    # port changes
    ("http://example.com:8080/a", "http://example.com:8081/a", True),
    ("http://example.com/a", "http://example.com:8080/a", True),
    ("https://example.com/a", "https://example.com:8443/a", True),
    # scheme changes
    ("https://example.com/a", "http://example.com/a", True),
    ("https://example.com:443/a", "http://example.com:80/a", True),
    ("http://example.com:8080/a", "https://example.com:8080/a", True),
    ("http://example.com:80/a", "https://example.com:8443/a", True),
    ("http://example.com:8080/a", "https://example.com/a", True),
    # requests' one exception: the upgrade to https on the default ports
    ("http://example.com/a", "https://example.com/a", False),
    ("http://example.com:80/a", "https://example.com/a", False),
    ("http://example.com/a", "https://example.com:443/a", False),
    ("http://example.com:80/a", "https://example.com:443/a", False),
]


def test_should_strip_auth() -> None:
    wrong = [
        (old, new, strip)
        for old, new, strip in STRIP_TABLE
        if should_strip_auth(old, new) is not strip
    ]
    assert wrong == []


def test_host_names_compare_without_case() -> None:
    assert should_strip_auth("http://Example.COM/a", "http://example.com/b") is False


# -- resolve_location -----------------------------------------------------------------------


RESOLVE_TABLE = [
    ("/a/b", "http://h:1/x/y?q=1", "http://h:1/a/b"),
    ("c", "http://h:1/x/y?q=1", "http://h:1/x/c"),
    ("../up", "http://h/a/b/c", "http://h/a/up"),
    ("?only=1", "http://h/a/b", "http://h/a/b?only=1"),
    ("http://other:2/z", "http://h:1/x", "http://other:2/z"),
    ("https://other/z?k=v", "http://h:1/x", "https://other/z?k=v"),
    # scheme-relative: the current scheme
    ("//other:2/z", "https://h:1/x", "https://other:2/z"),
    ("//other/z", "http://h:1/x", "http://other/z"),
]


def test_resolve_location() -> None:
    got = [(loc, cur, resolve_location(loc, cur)) for loc, cur, _ in RESOLVE_TABLE]
    assert got == RESOLVE_TABLE


def test_the_current_fragment_is_carried_over() -> None:
    current = "http://h:1/x/y?q=1#frag"
    assert resolve_location("/a/b", current) == "http://h:1/a/b#frag"
    assert resolve_location("//other/z", current) == "http://other/z#frag"
    assert resolve_location("http://other/z?k=v", current) == "http://other/z?k=v#frag"


def test_a_location_fragment_replaces_the_current_one() -> None:
    assert resolve_location("/a#new", "http://h:1/x#old") == "http://h:1/a#new"
    assert resolve_location("http://other/z#new", "http://h:1/x#old") == "http://other/z#new"


def test_non_ascii_location_is_percent_encoded() -> None:
    assert (
        resolve_location("/\u00fc/\u00f1?q=\u00e9", "http://h/")
        == "http://h/%C3%BC/%C3%B1?q=%C3%A9"
    )
    assert resolve_location("/\u65e5\u672c", "http://h/") == "http://h/%E6%97%A5%E6%9C%AC"


def test_already_encoded_location_is_not_encoded_twice() -> None:
    assert resolve_location("/a%20b?c=%2F", "http://h/") == "http://h/a%20b?c=%2F"


@pytest.mark.parametrize("location", ["http://h:99999/x", "http://h:abc/x", "http://exa mple/"])
def test_an_invalid_location_raises_invalid_url(location: str) -> None:
    with pytest.raises(InvalidURL):
        resolve_location(location, "http://h/")


def test_an_unparsable_location_raises_value_error() -> None:
    # requests lets urlparse's ValueError through here; InvalidURL is a ValueError too.
    with pytest.raises(ValueError, match="IPv6"):
        resolve_location("http://[::1/x", "http://h/")


# -- redirect_target ------------------------------------------------------------------------


def test_redirect_target_reads_location() -> None:
    assert redirect_target(redirect(302, location=b"/there?x=1")) == "/there?x=1"


def test_utf8_location_bytes_are_read_as_utf8() -> None:
    raw = "/caf\u00e9/\u65e5\u672c".encode()
    r = redirect(301, location=raw)
    # headers decode as latin-1 (mojibake); the target reads the bytes again as UTF-8
    assert r.headers["Location"] == raw.decode("latin-1")
    assert redirect_target(r) == "/caf\u00e9/\u65e5\u672c"


def test_latin1_location_that_is_not_utf8_is_kept() -> None:
    assert redirect_target(redirect(302, location=b"/caf\xe9")) == "/caf\u00e9"


def test_no_target_for_other_statuses() -> None:
    statuses = [200, 201, 300, 304, 305, 306, 400]
    targets = [redirect_target(redirect(status, location=b"/elsewhere")) for status in statuses]
    assert targets == [None] * len(statuses)


def test_no_target_without_location() -> None:
    for status in sorted(REDIRECT_STATI):
        assert redirect_target(redirect(status, location=None)) is None, status


# -- next_request: method and body ----------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303])
def test_body_and_its_headers_are_dropped(status: int) -> None:
    request = prepared("POST", data={"a": "1"})
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    hop = next_request(request, redirect(status, request), ORIGIN + "/next")
    assert hop.method == "GET"
    assert hop.url == ORIGIN + "/next"
    assert hop.body is None
    for name in ("Content-Length", "Content-Type", "Transfer-Encoding"):
        assert name not in hop.headers
    # the original request is left alone
    assert request.method == "POST"
    assert request.body == "a=1"
    assert request.headers["Content-Length"] == "3"


def test_chunked_body_header_is_dropped_on_303() -> None:
    request = prepared("POST", data=iter([b"a", b"b"]))
    assert request.headers["Transfer-Encoding"] == "chunked"
    hop = next_request(request, redirect(303, request), ORIGIN + "/next")
    assert hop.body is None
    assert "Transfer-Encoding" not in hop.headers


def test_301_put_keeps_method_but_drops_body() -> None:
    # requests: only 307/308 keep the body, even when the method is kept.
    request = prepared("PUT", data=b"payload")
    hop = next_request(request, redirect(301, request), ORIGIN + "/next")
    assert hop.method == "PUT"
    assert hop.body is None
    assert "Content-Length" not in hop.headers


@pytest.mark.parametrize("status", [307, 308])
def test_body_and_headers_are_kept(status: int) -> None:
    request = prepared("POST", json={"a": 1})
    hop = next_request(request, redirect(status, request), ORIGIN + "/next")
    assert hop.method == "POST"
    assert hop.body == b'{"a": 1}'
    assert hop.headers["Content-Type"] == "application/json"
    assert hop.headers["Content-Length"] == str(len(b'{"a": 1}'))


@pytest.mark.parametrize("status", [307, 308])
def test_file_body_is_rewound_to_where_it_started(status: int) -> None:
    body = io.BytesIO(b"--payload")
    body.seek(2)  # the request starts here, not at 0
    request = prepared("PUT", data=body)
    assert request.headers["Content-Length"] == "7"
    assert body.read() == b"payload"  # sent: the file is at its end
    hop = next_request(request, redirect(status, request), ORIGIN + "/next")
    assert hop.body is body
    assert body.tell() == 2
    assert body.read() == b"payload"


def test_generator_body_cannot_be_sent_again_on_307() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"once"

    request = prepared("POST", data=chunks())
    with pytest.raises(UnrewindableBodyError):
        next_request(request, redirect(307, request), ORIGIN + "/next")


def test_generator_body_is_simply_dropped_on_303() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"once"

    request = prepared("POST", data=chunks())
    hop = next_request(request, redirect(303, request), ORIGIN + "/next")
    assert (hop.method, hop.body) == ("GET", None)


def test_a_file_that_cannot_seek_back_fails_on_308() -> None:
    class Broken(io.BytesIO):
        def seek(self, *args: object) -> int:
            raise OSError("not seekable now")

    body = Broken(b"data")
    request = prepared("PUT", data=body)
    request._body_position = 0
    with pytest.raises(UnrewindableBodyError):
        next_request(request, redirect(308, request), ORIGIN + "/next")


# -- next_request: credentials and cookies --------------------------------------------------


SAME_ORIGIN = ORIGIN + "/other/path?x=1"
CROSS_ORIGIN = [
    "http://localhost:8080/next",
    "http://[::1]:8080/next",
    "http://127.0.0.1:8081/next",
    "https://127.0.0.1:8080/next",
]


def test_authorization_is_kept_same_origin() -> None:
    request = prepared(auth=("user", "pass"))
    hop = next_request(request, redirect(302, request), SAME_ORIGIN)
    assert hop.headers["Authorization"] == "Basic dXNlcjpwYXNz"


@pytest.mark.parametrize("url", CROSS_ORIGIN)
def test_authorization_is_dropped_cross_origin(url: str) -> None:
    request = prepared(auth=HTTPBasicAuth("user", "pass"))
    hop = next_request(request, redirect(302, request), url)
    assert "Authorization" not in hop.headers
    assert request.headers["Authorization"] == "Basic dXNlcjpwYXNz"


@pytest.mark.parametrize("url", CROSS_ORIGIN)
def test_caller_authorization_and_cookie_headers_are_dropped_cross_origin(url: str) -> None:
    request = prepared(headers={"Authorization": "Bearer t0ken", "Cookie": "sid=secret"})
    hop = next_request(request, redirect(307, request), url)
    assert "Authorization" not in hop.headers
    assert "Cookie" not in hop.headers


def test_caller_authorization_and_cookie_headers_are_kept_same_origin() -> None:
    request = prepared(headers={"Authorization": "Bearer t0ken", "Cookie": "sid=secret"})
    hop = next_request(request, redirect(307, request), SAME_ORIGIN)
    assert hop.headers["Authorization"] == "Bearer t0ken"
    assert hop.headers["Cookie"] == "sid=secret"


def test_http_to_https_upgrade_keeps_authorization() -> None:
    request = prepared(url="http://example.com/a", auth=("user", "pass"))
    hop = next_request(request, redirect(301, request), "https://example.com/a")
    assert hop.headers["Authorization"] == "Basic dXNlcjpwYXNz"


def test_https_to_http_drops_authorization() -> None:
    request = prepared(url="https://example.com/a", auth=("user", "pass"))
    hop = next_request(request, redirect(301, request), "http://example.com/a")
    assert "Authorization" not in hop.headers


def test_a_cookie_from_a_jar_is_left_for_the_session_to_recompute() -> None:
    request = prepared(cookies={"jarred": "1"})
    assert request.headers["Cookie"] == "jarred=1"
    hop = next_request(request, redirect(302, request), SAME_ORIGIN)
    assert "Cookie" not in hop.headers
    assert hop._cookies is request._cookies  # the jar goes along, for the Session


def test_proxy_authorization_never_follows() -> None:
    request = prepared(headers={"Proxy-Authorization": "Basic cHJveHk6cHc="})
    hop = next_request(request, redirect(302, request), SAME_ORIGIN)
    assert "Proxy-Authorization" not in hop.headers


def test_a_digest_auth_follows_only_within_the_origin() -> None:
    auth = HTTPDigestAuth("user", "pass")
    request = prepared(auth=auth)
    assert request._auth is auth
    assert next_request(request, redirect(302, request), SAME_ORIGIN)._auth is auth
    assert next_request(request, redirect(302, request), CROSS_ORIGIN[0])._auth is None


def test_other_headers_survive_every_hop() -> None:
    request = prepared("POST", data=b"x", headers={"X-Trace": "abc", "Accept": "text/plain"})
    for status in sorted(REDIRECT_STATI):
        hop = next_request(request, redirect(status, request), CROSS_ORIGIN[0])
        assert hop.headers["X-Trace"] == "abc"
        assert hop.headers["Accept"] == "text/plain"


def test_the_hop_is_a_copy() -> None:
    request = prepared(headers={"X-A": "1"})
    hop = next_request(request, redirect(302, request), SAME_ORIGIN)
    hop.headers["X-A"] = "2"
    assert request.headers["X-A"] == "1"
    assert isinstance(hop.headers, CaseInsensitiveDict)
    assert request.url == ORIGIN + "/start"
