"""Request(...).prepare(): the method, URL, headers and body exactly as requests prepares them."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from httpcore_lite import PreparedRequest, Request
from httpcore_lite.auth import AuthBase, HTTPBasicAuth
from httpcore_lite.exceptions import InvalidHeader, InvalidJSONError

URL = "http://example.com/path"


def prepare(method: str = "GET", url: str = URL, **kwargs: object) -> PreparedRequest:
    return Request(method, url, **kwargs).prepare()  # type: ignore[arg-type]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("latin-1")).decode("ascii")


# -- method and URL -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "Get", "GET", b"get"])
def test_method_is_upper_cased(method: str) -> None:
    assert prepare(method).method == "GET"


def test_repr() -> None:
    assert repr(Request("get", URL)) == "<Request [get]>"
    assert repr(prepare("post")) == "<PreparedRequest [POST]>"


def test_params_are_appended_to_the_url() -> None:
    assert prepare(params={"a": "b"}).url == "http://example.com/path?a=b"


def test_params_merge_into_an_existing_query() -> None:
    p = prepare(url="http://example.com/path?x=1&y=2", params={"a": "b"})
    assert p.url == "http://example.com/path?x=1&y=2&a=b"
    assert p.path_url == "/path?x=1&y=2&a=b"


def test_list_values_repeat_the_key() -> None:
    p = prepare(params={"a": ["1", "2"], "b": "3"})
    assert p.url == "http://example.com/path?a=1&a=2&b=3"


def test_none_values_are_dropped() -> None:
    p = prepare(params={"a": None, "b": "1", "c": [None, "2"]})
    assert p.url == "http://example.com/path?b=1&c=2"


def test_all_none_params_leave_the_url_alone() -> None:
    assert prepare(params={"a": None}).url == "http://example.com/path"


def test_params_as_pairs_str_and_bytes() -> None:
    assert prepare(params=[("a", "1"), ("a", "2")]).url == "http://example.com/path?a=1&a=2"
    assert prepare(params="x=1&y").url == "http://example.com/path?x=1&y"
    assert prepare(params=b"x=1").url == "http://example.com/path?x=1"


def test_params_are_percent_encoded_as_utf8() -> None:
    p = prepare(params={"q": "café & co", "é": "=/?"})
    query = urlsplit(p.url).query
    assert query == "q=caf%C3%A9+%26+co&%C3%A9=%3D%2F%3F"
    assert parse_qsl(query) == [("q", "café & co"), ("é", "=/?")]


def test_params_go_before_the_fragment() -> None:
    assert prepare(url="http://example.com/p#frag", params={"a": "1"}).url == (
        "http://example.com/p?a=1#frag"
    )


def test_empty_path_becomes_slash() -> None:
    assert prepare(url="http://example.com").url == "http://example.com/"
    assert prepare(url="http://example.com?q=1").url == "http://example.com/?q=1"


@pytest.mark.parametrize(
    ("url", "path_url"),
    [
        ("http://example.com", "/"),
        ("http://example.com/", "/"),
        ("http://example.com/a/b", "/a/b"),
        ("http://example.com/a?b=1", "/a?b=1"),
        ("http://example.com/a?b=1#frag", "/a?b=1"),
        ("http://user:pw@example.com:8080/x?y", "/x?y"),
    ],
)
def test_path_url(url: str, path_url: str) -> None:
    assert prepare(url=url).path_url == path_url


# -- body -----------------------------------------------------------------------------------


def test_json_body() -> None:
    p = prepare("POST", json={"key": "value"})
    assert p.body == b'{"key": "value"}'
    assert p.headers["Content-Type"] == "application/json"
    assert p.headers["Content-Length"] == "16"


def test_json_non_ascii_is_escaped_utf8_bytes() -> None:
    p = prepare("POST", json={"k": "é"})
    assert p.body == b'{"k": "\\u00e9"}'
    assert isinstance(p.body, bytes)


def test_json_keeps_a_given_content_type() -> None:
    p = prepare("POST", json=[1], headers={"content-type": "application/vnd.api+json"})
    assert p.headers["Content-Type"] == "application/vnd.api+json"
    assert p.body == b"[1]"


def test_data_beats_json() -> None:
    p = prepare("POST", data={"a": "1"}, json={"b": 2})
    assert p.body == "a=1"
    assert p.headers["Content-Type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_json_nan_raises_invalid_json_error(value: object) -> None:
    with pytest.raises(InvalidJSONError) as info:
        prepare("POST", json={"x": value})
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize("value", [{1j}, object(), b"bytes"])
def test_json_of_a_type_json_cannot_encode_raises_type_error(value: object) -> None:
    # As in requests: only ValueError becomes InvalidJSONError; `except TypeError` works.
    with pytest.raises(TypeError):
        prepare("POST", json={"x": value})


def test_form_body() -> None:
    p = prepare("POST", data={"a": "b c", "list": ["1", "2"], "none": None, "é": "ü"})
    assert p.body == "a=b+c&list=1&list=2&%C3%A9=%C3%BC"
    assert p.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert p.headers["Content-Length"] == str(len(p.body))


def test_form_body_from_pairs() -> None:
    p = prepare("POST", data=[("a", "1"), ("a", "2")])
    assert p.body == "a=1&a=2"
    assert p.headers["Content-Type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("data", "length"), [(b"raw bytes", "9"), ("text", "4"), ("é", "2"), (b"\x00\xff", "2")]
)
def test_str_and_bytes_bodies_have_no_content_type(data: str | bytes, length: str) -> None:
    p = prepare("POST", data=data)
    assert p.body == data
    assert "Content-Type" not in p.headers
    assert p.headers["Content-Length"] == length
    assert "Transfer-Encoding" not in p.headers


def test_generator_body_is_chunked() -> None:
    def gen():  # type: ignore[no-untyped-def]
        yield b"a"
        yield b"b"

    body = gen()
    p = prepare("POST", data=body)
    assert p.body is body
    assert p.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in p.headers
    assert "Content-Type" not in p.headers


def test_generator_with_content_length_is_not_chunked() -> None:
    p = prepare("POST", data=iter([b"ab"]), headers={"Content-Length": "2"})
    assert p.headers["Content-Length"] == "2"
    assert "Transfer-Encoding" not in p.headers


def test_file_body_content_length_from_size(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(b"x" * 1234)
    with open(path, "rb") as f:
        p = prepare("PUT", data=f)
        assert p.body is f
        assert p.headers["Content-Length"] == "1234"
        assert "Transfer-Encoding" not in p.headers
        f.seek(0)
        f.read(200)
        assert prepare("PUT", data=f).headers["Content-Length"] == "1034"


def test_bytesio_body_content_length_from_position() -> None:
    stream = io.BytesIO(b"0123456789")
    stream.read(4)
    p = prepare("POST", data=stream)
    assert p.headers["Content-Length"] == "6"
    assert stream.tell() == 4  # measuring did not move it


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_content_length_zero_without_body(method: str) -> None:
    p = prepare(method)
    assert p.body is None
    assert p.headers["Content-Length"] == "0"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_no_content_length_for_get_and_head(method: str) -> None:
    p = prepare(method)
    assert p.body is None
    assert "Content-Length" not in p.headers
    assert "Transfer-Encoding" not in p.headers


@pytest.mark.parametrize("empty", [None, {}, [], b"", ""])
def test_empty_data_is_no_body(empty: object) -> None:
    p = prepare("POST", data=empty)
    assert p.body is None
    assert p.headers["Content-Length"] == "0"


# -- auth -----------------------------------------------------------------------------------


def test_auth_tuple_sets_basic_header() -> None:
    p = prepare(auth=("user", "pass"))
    assert p.headers["Authorization"] == "Basic dXNlcjpwYXNz"


def test_http_basic_auth_object() -> None:
    p = prepare(auth=HTTPBasicAuth("user", "pass"))
    assert p.headers["Authorization"] == basic("user", "pass")


def test_latin1_credentials() -> None:
    p = prepare(auth=("üser", "päss"))
    assert p.headers["Authorization"] == basic("üser", "päss")


def test_url_userinfo_sets_basic_header_percent_decoded() -> None:
    p = prepare(url="http://us%40er:p%3Ass@example.com/")
    assert p.headers["Authorization"] == basic("us@er", "p:ss")


def test_explicit_auth_beats_url_userinfo() -> None:
    p = prepare(url="http://a:b@example.com/", auth=("c", "d"))
    assert p.headers["Authorization"] == basic("c", "d")


def test_no_auth_no_header() -> None:
    assert "Authorization" not in prepare().headers


def test_custom_auth_runs_last_and_sees_the_body() -> None:
    seen: list[object] = []

    class Signer(AuthBase):
        def __call__(self, r: PreparedRequest) -> PreparedRequest:
            seen.append(r.body)
            r.headers["X-Signature"] = str(len(r.body or b""))
            return r

    p = prepare("POST", json={"a": 1}, auth=Signer())
    assert seen == [b'{"a": 1}']
    assert p.headers["X-Signature"] == "8"


def test_auth_base_requires_call() -> None:
    with pytest.raises(NotImplementedError):
        prepare(auth=AuthBase())


# -- copy -----------------------------------------------------------------------------------


def test_copy_is_independent() -> None:
    p = prepare("POST", json={"a": 1}, headers={"X-A": "1"})
    p.register_hook("response", print)
    clone = p.copy()
    assert clone is not p
    assert (clone.method, clone.url, clone.body) == (p.method, p.url, p.body)
    assert clone.headers == p.headers
    clone.headers["X-A"] = "2"
    clone.headers["X-B"] = "3"
    clone.url = "http://other.example/"
    clone.hooks["response"].append(repr)
    assert p.headers["X-A"] == "1"
    assert "X-B" not in p.headers
    assert p.url == "http://example.com/path"
    assert p.hooks["response"] == [print]


# -- headers --------------------------------------------------------------------------------


def test_headers_are_case_insensitive_and_keep_case() -> None:
    p = prepare(headers={"X-Custom": "v", "accept": "a"})
    assert p.headers["x-custom"] == "v"
    assert list(p.headers) == ["X-Custom", "accept"]


def test_bytes_header_values_are_allowed() -> None:
    p = prepare(headers={"X-Bytes": b"value"})
    assert p.headers["X-Bytes"] == b"value"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Bad", "a\r\nInjected: 1"),
        ("X-Bad", "a\nb"),
        ("X-Bad", "a\rb"),
        ("X-Bad", "a\x00b"),
        ("X-Bad", " leading"),
        ("X-Bad", "\tleading"),
        ("X-Bad", b"a\r\nb"),
        ("X-Bad", b" leading"),
        ("X-Bad\r\n", "v"),
        ("X\nBad", "v"),
        ("X\x00Bad", "v"),
        (" X-Bad", "v"),
        ("X:Bad", "v"),
        ("", "v"),
        ("X-Bad", 1),
        ("X-Bad", 1.5),
        ("X-Bad", None),
        ("X-Bad", ["a"]),
        (1, "v"),
    ],
)
def test_invalid_headers_are_refused(name: object, value: object) -> None:
    with pytest.raises(InvalidHeader) as info:
        prepare(headers={name: value})
    assert isinstance(info.value, ValueError)


def test_non_str_header_message() -> None:
    with pytest.raises(InvalidHeader, match=r"must be of type str or bytes"):
        prepare(headers={"X-Number": 1})


def test_trailing_whitespace_and_empty_value_are_allowed() -> None:
    p = prepare(headers={"X-Trailing": "v ", "X-Empty": ""})
    assert p.headers["X-Trailing"] == "v "
    assert p.headers["X-Empty"] == ""


def test_hooks_are_registered() -> None:
    p = prepare(hooks={"response": [print, repr]})
    assert p.hooks["response"] == [print, repr]
    assert Request("GET", URL, hooks={"request": print}).hooks["request"] == [print]
    with pytest.raises(ValueError):
        Request("GET", URL, hooks={"sent": print})


# -- details requests users can see (from an audit against requests 2.34) -------------------


def test_content_length_comes_before_content_type() -> None:
    assert list(prepare("POST", data={"a": "1"}).headers)[-2:] == ["Content-Length", "Content-Type"]
    assert list(prepare("POST", json={"a": 1}).headers)[-2:] == ["Content-Length", "Content-Type"]


@pytest.mark.parametrize("body", [bytearray(b"hello"), memoryview(b"hello")])
def test_bytearray_and_memoryview_bodies_are_bytes(body: object) -> None:
    p = prepare("POST", data=body)
    assert p.body == b"hello"
    assert p.headers["Content-Length"] == "5"
    assert "Transfer-Encoding" not in p.headers


def test_credentials_that_are_not_text_are_made_text_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="Non-string credentials"):
        p = prepare(auth=("u", 5))
    assert p.headers["Authorization"] == basic("u", "5")
