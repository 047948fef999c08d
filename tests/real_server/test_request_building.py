"""Building requests, end to end: what httpbin (or a raw server, for the wire bytes) received
for params, headers, bodies, URLs, prepared requests and Session merging."""

from __future__ import annotations

import base64
import importlib.util
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import httpcore_lite as requests
from httpcore_lite.exceptions import InvalidHeader, InvalidJSONError
from tests.servers import RawServer, WSGIServer, keep_alive_handler, response

TIMEOUT = (3, 10)
Serve = Callable[..., RawServer]


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def request_line(raw: bytes) -> bytes:
    return raw.split(b"\r\n", 1)[0]


def head_fields(raw: bytes) -> list[tuple[bytes, bytes]]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    fields = []
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields.append((name, value.strip()))
    return fields


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # the parent package is missing ("compression" before 3.14)
        return False


def expected_accept_encoding() -> str:
    """requests' rule (through urllib3): gzip and deflate, then br and zstd when a module
    that decodes them is installed."""
    codings = ["gzip", "deflate"]
    if _importable("brotli") or _importable("brotlicffi"):
        codings.append("br")
    if _importable("zstandard") or _importable("compression.zstd"):
        codings.append("zstd")
    return ", ".join(codings)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("latin-1")).decode("ascii")


# -- params ---------------------------------------------------------------------------------


PARAM_CASES: dict[str, tuple[Any, str, Any]] = {
    "dict-list": ({"a": "1", "b": ["x", "y"]}, "a=1&b=x&b=y", {"a": "1", "b": ["x", "y"]}),
    "pairs": ([("a", "1"), ("a", "2"), ("b", "3")], "a=1&a=2&b=3", {"a": ["1", "2"], "b": "3"}),
    "tuple-of-pairs": ((("k", "v"),), "k=v", {"k": "v"}),
    "none-dropped": ({"a": None, "b": "1", "c": [None, "2"]}, "b=1&c=2", {"b": "1", "c": "2"}),
    "pairs-none-and-empty": ([("drop", None), ("keep", "")], "keep=", {"keep": ""}),
    "str": ("x=1&y=a b&z=é", "x=1&y=a%20b&z=%C3%A9", {"x": "1", "y": "a b", "z": "é"}),
    "bytes": (b"x=1&y=%C3%A9&z=%2F", "x=1&y=%C3%A9&z=%2F", {"x": "1", "y": "é", "z": "/"}),
    "quoting": (
        {"q": "a/b~c d", "é": "ü"},
        "q=a%2Fb~c+d&%C3%A9=%C3%BC",
        {"q": "a/b~c d", "é": "ü"},
    ),
    "reserved": (
        {"k": "!*'();:@&=+$,/?#[]"},
        "k=%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D",
        {"k": "!*'();:@&=+$,/?#[]"},
    ),
    "non-str": ({1: 2, "n": 3.5}, "1=2&n=3.5", {"1": "2", "n": "3.5"}),
}


def test_params_shapes(
    httpbin: WSGIServer, session: requests.Session, subtests: pytest.Subtests
) -> None:
    for case, (params, query, args) in PARAM_CASES.items():
        with subtests.test(case):
            r = session.get(httpbin + "/get", params=params, timeout=TIMEOUT)
            assert r.url == f"{httpbin.url}/get?{query}"
            assert r.request.url == r.url
            assert r.json()["args"] == args


MERGE_CASES: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("/get?a=0", [("a", "1"), ("b", "2")], "a=0&a=1&b=2", {"a": ["0", "1"], "b": "2"}),
    ("/get?a=0&", {"b": "1"}, "a=0&&b=1", {"a": "0", "b": "1"}),
    ("/get?q=%2F&r=%7E", {"s": "/"}, "q=%2F&r=~&s=%2F", {"q": "/", "r": "~", "s": "/"}),
    ("/get?", {"b": "1"}, "b=1", {"b": "1"}),
    ("/get?x=1", "y=2", "x=1&y=2", {"x": "1", "y": "2"}),
    ("/get?x=1", {}, "x=1", {"x": "1"}),
    ("/get?x=1", {"y": None}, "x=1", {"x": "1"}),
]


def test_params_merged_with_the_query_in_the_url(
    httpbin: WSGIServer, session: requests.Session, subtests: pytest.Subtests
) -> None:
    for url, params, query, args in MERGE_CASES:
        with subtests.test(f"{url} + {params!r}"):
            r = session.get(httpbin + url, params=params, timeout=TIMEOUT)
            assert r.url == f"{httpbin.url}/get?{query}"
            assert r.json()["args"] == args


def test_params_on_every_method(httpbin: WSGIServer, session: requests.Session) -> None:
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"):
        r = session.request(method, httpbin + "/anything", params={"m": method}, timeout=TIMEOUT)
        assert r.status_code == 200
        assert r.url == f"{httpbin.url}/anything?m={method}"
        if method not in ("HEAD", "OPTIONS"):
            assert r.json()["args"] == {"m": method}


# -- headers --------------------------------------------------------------------------------


def test_str_and_bytes_header_values_are_sent(
    httpbin_both: WSGIServer, ca_bundle: str, session: requests.Session
) -> None:
    r = session.get(
        httpbin_both + "/headers",
        headers={"X-Str": "text", "X-Bytes": b"raw bytes", b"X-Bytes-Name": "n"},
        verify=ca_bundle,
        timeout=TIMEOUT,
    )
    echoed = r.json()["headers"]
    assert echoed["X-Str"] == "text"
    assert echoed["X-Bytes"] == "raw bytes"
    assert echoed["X-Bytes-Name"] == "n"
    assert r.request.headers["X-Bytes"] == b"raw bytes"


def test_latin1_header_values_go_out_as_latin1(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"ok"))
    requests.get(server.url, headers={"X-Str": "café", "X-Bytes": b"caf\xe9"}, timeout=TIMEOUT)
    fields = dict(head_fields(server.requests[0]))
    assert fields[b"X-Str"] == b"caf\xe9"
    assert fields[b"X-Bytes"] == b"caf\xe9"


def test_session_header_set_to_none_is_not_sent(
    httpbin: WSGIServer, session: requests.Session
) -> None:
    session.headers["Accept-Encoding"] = None
    session.headers["X-Kept"] = "yes"
    echoed = session.get(httpbin + "/headers", timeout=TIMEOUT).json()["headers"]
    assert "Accept-Encoding" not in echoed
    assert echoed["X-Kept"] == "yes"
    # A request may bring the header back.
    echoed = session.get(
        httpbin + "/headers", headers={"accept-encoding": "identity"}, timeout=TIMEOUT
    ).json()["headers"]
    assert echoed["Accept-Encoding"] == "identity"


def test_request_header_replaces_the_session_one_whatever_its_case(
    httpbin: WSGIServer, session: requests.Session
) -> None:
    session.headers["X-Both"] = "session"
    r = session.get(httpbin + "/headers", headers={"x-BOTH": "request"}, timeout=TIMEOUT)
    assert r.json()["headers"]["X-Both"] == "request"
    raw_names = [name for name in r.request.headers if name.lower() == "x-both"]
    assert raw_names == ["x-BOTH"]


BAD_HEADERS = [
    {"X-Bad": " leading space"},
    {"X-Bad": "\tleading tab"},
    {"X-Bad": b" leading space"},
    {" X-Bad": "v"},
    {"\tX-Bad": "v"},
    {"X\x00Bad": "v"},
    {b"X\nBad": b"v"},
    {"X-Bad": "trailing\r"},
    {"X-Bad": "a\x00"},
]


def test_invalid_header_is_refused_before_connecting(
    serve: Serve, subtests: pytest.Subtests
) -> None:
    server = serve(keep_alive_handler(b"probe"))
    for headers in BAD_HEADERS:
        with subtests.test(repr(headers)):
            with pytest.raises(InvalidHeader) as info:
                requests.get(f"{server.url}/bad", headers=headers, timeout=TIMEOUT)
            assert isinstance(info.value, ValueError)
            assert isinstance(info.value, requests.RequestException)
            with pytest.raises(InvalidHeader):
                requests.Request("GET", f"{server.url}/bad", headers=headers).prepare()
            with requests.Session() as s:
                s.headers.update(headers)
                with pytest.raises(InvalidHeader):
                    s.get(f"{server.url}/bad", timeout=TIMEOUT)
                with pytest.raises(InvalidHeader):
                    s.prepare_request(requests.Request("GET", f"{server.url}/bad"))
    # The listener accepts in order: once the probe is answered, an earlier connection would
    # have been counted.
    assert requests.get(f"{server.url}/probe", timeout=TIMEOUT).content == b"probe"
    assert server.accepted == 1
    assert [request_line(r) for r in server.requests] == [b"GET /probe HTTP/1.1"]


def test_a_session_header_removed_by_none_is_not_checked(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"ok"))
    with requests.Session() as s:
        s.headers["X-Bad"] = " leading space"
        assert s.get(server.url, headers={"X-Bad": None}, timeout=TIMEOUT).ok
    assert b"X-Bad" not in server.requests[0]


HEADER_VALUES = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30
).flatmap(
    lambda edge: st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30).map(
        lambda middle: edge[0] + middle + edge[-1]
    )
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=HEADER_VALUES)
def test_any_printable_header_value_round_trips(
    httpbin: WSGIServer, session: requests.Session, value: str
) -> None:
    r = session.get(
        httpbin + "/headers", headers={"X-Value": value, "X-Bytes": value.encode()}, timeout=TIMEOUT
    )
    echoed = r.json()["headers"]
    assert echoed["X-Value"] == value
    assert echoed["X-Bytes"] == value


# -- data -----------------------------------------------------------------------------------


FORM_CASES: dict[str, tuple[Any, dict[str, Any]]] = {
    "dict": ({"a": "b c", "multi": ["1", "2"]}, {"a": "b c", "multi": ["1", "2"]}),
    "pairs": ([("a", "1"), ("a", "2"), ("b", "x&y=z")], {"a": ["1", "2"], "b": "x&y=z"}),
    "tuple": ((("t", "é"),), {"t": "é"}),
    "none-dropped": ({"gone": None, "kept": "1"}, {"kept": "1"}),
}


def test_form_data(httpbin_both: WSGIServer, ca_bundle: str, subtests: pytest.Subtests) -> None:
    with requests.Session() as s:
        for case, (data, form) in FORM_CASES.items():
            with subtests.test(case):
                r = s.post(httpbin_both + "/post", data=data, verify=ca_bundle, timeout=TIMEOUT)
                body = r.json()
                assert body["form"] == form
                assert body["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
                assert body["headers"]["Content-Length"] == str(len(r.request.body))
                assert body["data"] == ""
                assert body["json"] is None


def test_form_data_keeps_a_given_content_type(httpbin: WSGIServer) -> None:
    r = requests.post(
        httpbin + "/post",
        data={"a": "1"},
        headers={"Content-Type": "text/plain"},
        timeout=TIMEOUT,
    )
    body = r.json()
    assert body["headers"]["Content-Type"] == "text/plain"
    assert body["data"] == "a=1"
    assert body["form"] == {}


def test_str_and_bytes_go_as_they_are(serve: Serve, subtests: pytest.Subtests) -> None:
    server = serve(keep_alive_handler(b"ok"))
    cases: list[tuple[str | bytes, str]] = [
        ("plain text", "10"),
        ("héllo ☃", "10"),
        (b"\x00raw\xff bytes", "11"),
    ]
    with requests.Session() as s:
        for data, length in cases:
            with subtests.test(repr(data)):
                s.post(f"{server.url}/up", data=data, timeout=TIMEOUT)
                raw = server.requests[-1]
                fields = dict(head_fields(raw))
                assert fields[b"Content-Length"] == length.encode()
                assert b"Content-Type" not in fields
                assert b"Transfer-Encoding" not in fields
                expected = data if isinstance(data, bytes) else data.encode("utf-8")
                assert raw.split(b"\r\n\r\n", 1)[1] == expected


def test_str_body_through_httpbin(httpbin: WSGIServer) -> None:
    r = requests.put(httpbin + "/put", data="héllo ☃", timeout=TIMEOUT)
    body = r.json()
    assert body["data"] == "héllo ☃"
    assert body["headers"]["Content-Length"] == "10"
    assert "Content-Type" not in body["headers"]
    assert body["form"] == {}


def test_file_streamed_with_its_size(httpbin: WSGIServer, tmp_path: Path) -> None:
    content = b"".join(b"line %06d of the upload\n" % i for i in range(8000))  # ~200 KB
    path = tmp_path / "upload.txt"
    path.write_bytes(content)
    with open(path, "rb") as f:
        r = requests.post(httpbin + "/post", data=f, timeout=TIMEOUT)
    body = r.json()
    assert body["headers"]["Content-Length"] == str(len(content))
    assert "Transfer-Encoding" not in body["headers"]
    assert body["data"] == content.decode()


def test_file_streamed_from_its_position(httpbin: WSGIServer, tmp_path: Path) -> None:
    path = tmp_path / "upload.txt"
    path.write_bytes(b"skip-me:the rest")
    with open(path, "rb") as f:
        f.read(8)
        r = requests.post(httpbin + "/post", data=f, timeout=TIMEOUT)
    body = r.json()
    assert body["headers"]["Content-Length"] == "8"
    assert body["data"] == "the rest"


def test_empty_file_sends_content_length_zero(serve: Serve, tmp_path: Path) -> None:
    server = serve(keep_alive_handler(b"ok"))
    path = tmp_path / "empty"
    path.write_bytes(b"")
    with open(path, "rb") as f:
        requests.put(f"{server.url}/empty", data=f, timeout=TIMEOUT)
    raw = server.requests[0]
    assert dict(head_fields(raw))[b"Content-Length"] == b"0"
    assert b"Transfer-Encoding" not in dict(head_fields(raw))
    assert raw.endswith(b"\r\n\r\n")


def _chunked_request_handler(conn: socket.socket, server: RawServer) -> None:
    """Read one request with a chunked body (to its last chunk), keep it, answer."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return
        data += piece
    while not data.endswith(b"\r\n0\r\n\r\n"):
        piece = conn.recv(65536)
        if not piece:
            break
        data += piece
    server.requests.append(data)
    conn.sendall(response(b"ok"))


def dechunk(body: bytes) -> tuple[bytes, list[int]]:
    """Decode a chunked body strictly: the data, and the chunk sizes in order."""
    out, sizes = b"", []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        sizes.append(size)
        if size == 0:
            assert body == b"\r\n", body
            return out, sizes
        out += body[:size]
        assert body[size : size + 2] == b"\r\n"
        body = body[size + 2 :]


def test_generator_is_sent_chunked(serve: Serve) -> None:
    server = serve(_chunked_request_handler)

    def pieces() -> Iterator[bytes]:
        yield b"first,"
        yield b""  # an empty piece must not end the body early
        yield b"second," * 1000
        yield b"last"

    r = requests.post(f"{server.url}/upload", data=pieces(), timeout=TIMEOUT)
    assert r.content == b"ok"
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    fields = dict(head_fields(head + b"\r\n\r\n"))
    assert fields[b"Transfer-Encoding"] == b"chunked"
    assert b"Content-Length" not in fields
    assert b"Content-Type" not in fields
    data, sizes = dechunk(body)
    assert data == b"first," + b"second," * 1000 + b"last"
    assert sizes[-1] == 0
    assert 0 not in sizes[:-1]


def test_generator_with_a_content_length_is_not_chunked(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"ok"))
    requests.post(
        f"{server.url}/upload",
        data=iter([b"ab", b"cd"]),
        headers={"Content-Length": "4"},
        timeout=TIMEOUT,
    )
    raw = server.requests[0]
    fields = dict(head_fields(raw))
    assert fields[b"Content-Length"] == b"4"
    assert b"Transfer-Encoding" not in fields
    assert raw.endswith(b"\r\n\r\nabcd")


# -- json -----------------------------------------------------------------------------------


def test_json_body_as_json_dumps_writes_it(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    r = requests.post(
        httpbin_both + "/post", json={"key": "value"}, verify=ca_bundle, timeout=TIMEOUT
    )
    assert r.request.body == b'{"key": "value"}'
    assert r.request.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["data"] == '{"key": "value"}'
    assert body["json"] == {"key": "value"}
    assert body["headers"]["Content-Type"] == "application/json"
    assert body["headers"]["Content-Length"] == "16"


def test_falsy_json_values_are_still_sent(
    httpbin: WSGIServer, session: requests.Session, subtests: pytest.Subtests
) -> None:
    for value in ([], {}, 0, "", False):
        with subtests.test(repr(value)):
            body = session.post(httpbin + "/post", json=value, timeout=TIMEOUT).json()
            assert body["data"] == json.dumps(value)
            assert body["json"] == value
            assert body["headers"]["Content-Type"] == "application/json"
    # json=None means no json at all.
    body = session.post(httpbin + "/post", json=None, timeout=TIMEOUT).json()
    assert body["data"] == ""
    assert body["headers"]["Content-Length"] == "0"
    assert "Content-Type" not in body["headers"]


def test_json_is_ignored_when_data_is_given(
    httpbin: WSGIServer, session: requests.Session, subtests: pytest.Subtests
) -> None:
    cases: list[tuple[Any, str, str | None]] = [
        ({"a": "1"}, "", "application/x-www-form-urlencoded"),
        (b"raw", "raw", None),
        ("text", "text", None),
    ]
    for data, expected_data, content_type in cases:
        with subtests.test(repr(data)):
            r = session.post(httpbin + "/post", data=data, json={"ignored": 1}, timeout=TIMEOUT)
            body = r.json()
            assert body["json"] is None
            assert body["data"] == expected_data
            assert body["headers"].get("Content-Type") == content_type


def test_json_used_when_data_is_empty(httpbin: WSGIServer) -> None:
    r = requests.post(httpbin + "/post", data={}, json={"used": 1}, timeout=TIMEOUT)
    assert r.json()["json"] == {"used": 1}


def test_json_keeps_a_given_content_type(httpbin: WSGIServer) -> None:
    r = requests.post(
        httpbin + "/post",
        json={"a": 1},
        headers={"content-type": "application/merge-patch+json"},
        timeout=TIMEOUT,
    )
    body = r.json()
    assert body["headers"]["Content-Type"] == "application/merge-patch+json"
    assert body["data"] == '{"a": 1}'


def test_unserialisable_json_raises_before_connecting(
    serve: Serve, subtests: pytest.Subtests
) -> None:
    server = serve(keep_alive_handler(b"probe"))
    # As requests: NaN and infinities are InvalidJSONError (json.dumps' ValueError); a type
    # json cannot encode is json.dumps' own TypeError.
    cases: list[tuple[Any, type[Exception]]] = [
        (float("nan"), InvalidJSONError),
        (float("inf"), InvalidJSONError),
        (-float("inf"), InvalidJSONError),
        ({"s": {1}}, TypeError),
        (object(), TypeError),
    ]
    for value, error in cases:
        with subtests.test(repr(value)):
            with pytest.raises(error) as info:
                requests.post(f"{server.url}/json", json=value, timeout=TIMEOUT)
            if error is InvalidJSONError:
                assert isinstance(info.value, requests.RequestException)
            with requests.Session() as s, pytest.raises(error):
                s.post(f"{server.url}/json", json=[value], timeout=TIMEOUT)
    assert requests.get(f"{server.url}/probe", timeout=TIMEOUT).content == b"probe"
    assert server.accepted == 1


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=JSON_VALUES)
def test_json_round_trips_through_httpbin(
    httpbin: WSGIServer, session: requests.Session, value: Any
) -> None:
    r = session.post(httpbin + "/post", json=value, timeout=TIMEOUT)
    if value is None:  # json=None: no body at all
        assert r.request.body is None
        return
    assert r.request.body == json.dumps(value).encode()
    assert r.json()["json"] == value
    assert r.json()["data"] == json.dumps(value)


# -- URLs -----------------------------------------------------------------------------------


def test_ipv6_literal_with_params_and_fragment(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"six"), host="::1")
    url = f"http://[::1]:{server.port}/p a?x=1#frag"
    with requests.Session() as s:
        r = s.get(url, params={"y": "2"}, timeout=TIMEOUT)
        assert r.content == b"six"
        assert r.url == f"http://[::1]:{server.port}/p%20a?x=1&y=2#frag"
        assert s.get(f"http://[0:0::1]:{server.port}/", timeout=TIMEOUT).content == b"six"
    assert request_line(server.requests[0]) == b"GET /p%20a?x=1&y=2 HTTP/1.1"
    assert dict(head_fields(server.requests[0]))[b"Host"] == f"[::1]:{server.port}".encode()


def test_fragment_never_reaches_the_server(serve: Serve, subtests: pytest.Subtests) -> None:
    server = serve(keep_alive_handler(b"ok"))
    cases = [
        ("/p?q=1#frag", b"/p?q=1", "/p?q=1#frag"),
        ("/p#frag?not=query", b"/p", "/p#frag?not=query"),
        ("#only", b"/", "/#only"),
        # Escapes of unreserved characters decoded, the others upper-cased (urllib3's rule).
        ("/a b/c%7Ed?x=%2f#f", b"/a%20b/c~d?x=%2F", "/a%20b/c~d?x=%2F#f"),
    ]
    with requests.Session() as s:
        for path, target, url_path in cases:
            with subtests.test(path):
                r = s.get(server.url + path, timeout=TIMEOUT)
                assert request_line(server.requests[-1]) == b"GET " + target + b" HTTP/1.1"
                assert r.url == server.url + url_path
                assert r.request.path_url.encode() == target


def test_params_go_before_the_fragment(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"ok"))
    r = requests.get(f"{server.url}/p#frag", params={"a": "1"}, timeout=TIMEOUT)
    assert r.url == f"{server.url}/p?a=1#frag"
    assert request_line(server.requests[0]) == b"GET /p?a=1 HTTP/1.1"


def test_userinfo_becomes_basic_auth_and_stays_out_of_the_head(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"ok"))
    hostport = server.url.removeprefix("http://")
    r = requests.get(f"http://us%40er:p%3Ass%20w@{hostport}/x", timeout=TIMEOUT)
    assert r.ok
    raw = server.requests[0]
    assert request_line(raw) == b"GET /x HTTP/1.1"
    fields = dict(head_fields(raw))
    assert fields[b"Host"] == hostport.encode()
    assert fields[b"Authorization"].decode() == basic("us@er", "p:ss w")
    assert b"us%40er" not in raw


def test_percent_encoded_userinfo_authenticates_with_httpbin(httpbin: WSGIServer) -> None:
    url = httpbin.url.replace("http://", "http://us%40er:p%3Ass@") + "/basic-auth/us@er/p:ss"
    r = requests.get(url, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json() == {"authenticated": True, "user": "us@er"}


def test_explicit_auth_beats_userinfo(httpbin: WSGIServer) -> None:
    url = httpbin.url.replace("http://", "http://wrong:creds@") + "/basic-auth/user/pass"
    assert requests.get(url, auth=("user", "pass"), timeout=TIMEOUT).status_code == 200
    assert requests.get(url, timeout=TIMEOUT).status_code == 401


INVALID_URLS: list[tuple[str, type[Exception]]] = [
    ("localhost/x", requests.exceptions.MissingSchema),
    ("/x", requests.exceptions.MissingSchema),
    # A colon and no "http" start: passed through, then no adapter (as requests).
    ("127.0.0.1:{port}/x", requests.exceptions.InvalidSchema),
    ("//127.0.0.1:{port}/x", requests.exceptions.InvalidSchema),
    ("ftp://127.0.0.1:{port}/x", requests.exceptions.InvalidSchema),
    ("httpx://127.0.0.1:{port}/x", requests.exceptions.InvalidSchema),
    ("http://127.0.0.1:{port}x/", requests.exceptions.InvalidURL),
    ("http://:{port}/", requests.exceptions.InvalidURL),
    ("http://[127.0.0.1]:{port}/", requests.exceptions.InvalidURL),
    ("http://127.0.0.1 :{port}/", requests.exceptions.InvalidURL),
]


def test_invalid_urls_never_connect(serve: Serve, subtests: pytest.Subtests) -> None:
    server = serve(keep_alive_handler(b"probe"))
    for url, error in INVALID_URLS:
        with subtests.test(url):
            with pytest.raises(error) as info:
                requests.get(url.format(port=server.port), timeout=TIMEOUT)
            assert isinstance(info.value, requests.RequestException)
            assert isinstance(info.value, ValueError)
    assert requests.get(f"{server.url}/probe", timeout=TIMEOUT).content == b"probe"
    assert server.accepted == 1


# -- Request, PreparedRequest ---------------------------------------------------------------


def test_request_prepare_and_send(httpbin: WSGIServer, session: requests.Session) -> None:
    req = requests.Request(
        "patch",
        httpbin + "/anything/x",
        headers={"X-R": "1"},
        params={"p": "q"},
        data={"f": "v"},
        auth=("u", "p"),
    )
    prepared = req.prepare()
    assert prepared.method == "PATCH"
    assert prepared.path_url == "/anything/x?p=q"
    r = session.send(prepared, timeout=TIMEOUT)
    body = r.json()
    assert body["method"] == "PATCH"
    assert body["args"] == {"p": "q"}
    assert body["form"] == {"f": "v"}
    assert body["headers"]["X-R"] == "1"
    assert body["headers"]["Authorization"] == basic("u", "p")
    # A bare Request carries no Session defaults.
    assert "User-Agent" not in prepared.headers
    assert r.request is prepared


def test_prepared_request_prepare_by_hand(httpbin: WSGIServer, session: requests.Session) -> None:
    p = requests.PreparedRequest()
    p.prepare(
        method="post",
        url=httpbin + "/post",
        headers={"X-Hand": "made"},
        params=[("a", "1")],
        json={"k": [1, 2]},
    )
    assert p.url == httpbin + "/post?a=1"
    assert p.body == b'{"k": [1, 2]}'
    body = session.send(p, timeout=TIMEOUT).json()
    assert body["json"] == {"k": [1, 2]}
    assert body["args"] == {"a": "1"}
    assert body["headers"]["X-Hand"] == "made"


def test_copy_is_sent_independently(httpbin: WSGIServer, session: requests.Session) -> None:
    original = session.prepare_request(
        requests.Request("POST", httpbin + "/anything/a", headers={"X-N": "1"}, data=b"body")
    )
    clone = original.copy()
    clone.url = httpbin + "/anything/b"
    clone.headers["X-N"] = "2"
    first = session.send(original, timeout=TIMEOUT).json()
    second = session.send(clone, timeout=TIMEOUT).json()
    assert (first["url"], first["headers"]["X-N"], first["data"]) == (
        httpbin + "/anything/a",
        "1",
        "body",
    )
    assert (second["url"], second["headers"]["X-N"], second["data"]) == (
        httpbin + "/anything/b",
        "2",
        "body",
    )
    # A prepared request can be sent again.
    assert session.send(original, timeout=TIMEOUT).json()["headers"]["X-N"] == "1"


def test_path_url_is_the_request_target(serve: Serve, subtests: pytest.Subtests) -> None:
    server = serve(keep_alive_handler(b"ok"))
    cases = [
        ("", "/"),
        ("/", "/"),
        ("/a/b/", "/a/b/"),
        ("/a b", "/a%20b"),
        ("/é", "/%C3%A9"),
        ("/x?", "/x"),
        ("/x?y", "/x?y"),
        ("/x?a=1&a=2", "/x?a=1&a=2"),
        ("/%7Euser/%2F", "/~user/%2F"),
    ]
    with requests.Session() as s:
        for path, path_url in cases:
            with subtests.test(path):
                r = s.get(server.url + path, timeout=TIMEOUT)
                assert r.request.path_url == path_url
                assert request_line(server.requests[-1]) == f"GET {path_url} HTTP/1.1".encode()


# -- Session.prepare_request ----------------------------------------------------------------


def test_session_settings_merged_request_wins(
    httpbin: WSGIServer, session: requests.Session
) -> None:
    session.headers.update({"X-Session": "s", "X-Both": "session", "X-Drop": "d"})
    session.params = {"sp": "1", "both": "session", "drop": "x"}
    session.auth = ("user", "pass")
    prepared = session.prepare_request(
        requests.Request(
            "GET",
            httpbin + "/anything",
            headers={"X-Both": "request", "X-Drop": None},
            params={"both": "request", "drop": None, "rp": "2"},
        )
    )
    assert prepared.url == httpbin + "/anything?sp=1&both=request&rp=2"
    body = session.send(prepared, timeout=TIMEOUT).json()
    assert body["args"] == {"sp": "1", "both": "request", "rp": "2"}
    assert body["headers"]["X-Session"] == "s"
    assert body["headers"]["X-Both"] == "request"
    assert "X-Drop" not in body["headers"]
    assert body["headers"]["Authorization"] == basic("user", "pass")
    assert body["headers"]["User-Agent"] == f"python-httpcore-lite/{requests.__version__}"
    # The Session itself is unchanged.
    assert session.headers["X-Drop"] == "d"
    assert session.params == {"sp": "1", "both": "session", "drop": "x"}


def test_session_auth_replaced_by_request_auth(
    httpbin: WSGIServer, session: requests.Session
) -> None:
    session.auth = ("wrong", "creds")
    url = httpbin + "/basic-auth/user/pass"
    assert session.get(url, timeout=TIMEOUT).status_code == 401
    prepared = session.prepare_request(requests.Request("GET", url, auth=("user", "pass")))
    assert session.send(prepared, timeout=TIMEOUT).status_code == 200
    assert session.get(url, auth=("user", "pass"), timeout=TIMEOUT).status_code == 200


def test_session_params_on_a_url_with_a_query(
    httpbin: WSGIServer, session: requests.Session
) -> None:
    session.params = {"token": "t"}
    r = session.get(httpbin + "/get?q=1", timeout=TIMEOUT)
    assert r.url == httpbin + "/get?q=1&token=t"
    assert r.json()["args"] == {"q": "1", "token": "t"}


# -- default headers ------------------------------------------------------------------------


def test_default_headers_as_httpbin_sees_them(
    httpbin_both: WSGIServer, ca_bundle: str, session: requests.Session
) -> None:
    r = session.get(httpbin_both + "/headers", verify=ca_bundle, timeout=TIMEOUT)
    assert r.json()["headers"] == {
        "Accept": "*/*",
        "Accept-Encoding": expected_accept_encoding(),
        "Connection": "keep-alive",
        "Host": f"{httpbin_both.host}:{httpbin_both.port}",
        "User-Agent": f"python-httpcore-lite/{requests.__version__}",
    }


def test_module_level_call_sends_the_same_defaults(httpbin: WSGIServer) -> None:
    r = requests.get(httpbin + "/headers", timeout=TIMEOUT)
    assert r.json()["headers"]["User-Agent"] == f"python-httpcore-lite/{requests.__version__}"
    assert r.json()["headers"]["Accept-Encoding"] == expected_accept_encoding()


def test_default_head_on_the_wire(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"ok"))
    with requests.Session() as s:
        s.get(f"{server.url}/g", timeout=TIMEOUT)
        s.post(f"{server.url}/p", timeout=TIMEOUT)
    defaults = (
        f"Host: 127.0.0.1:{server.port}\r\n"
        f"User-Agent: python-httpcore-lite/{requests.__version__}\r\n"
        f"Accept-Encoding: {expected_accept_encoding()}\r\n"
        "Accept: */*\r\n"
        "Connection: keep-alive\r\n"
    ).encode()
    assert server.requests[0] == b"GET /g HTTP/1.1\r\n" + defaults + b"\r\n"
    assert server.requests[1] == b"POST /p HTTP/1.1\r\n" + defaults + b"Content-Length: 0\r\n\r\n"


def test_host_header_can_be_replaced(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"ok"))
    requests.get(server.url, headers={"host": "example.test"}, timeout=TIMEOUT)
    fields = head_fields(server.requests[0])
    assert [value for name, value in fields if name.lower() == b"host"] == [b"example.test"]
