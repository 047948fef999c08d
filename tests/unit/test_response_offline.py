"""Response behaviour on a Response built by hand: no network."""

from __future__ import annotations

import codecs
import json
import pickle
from typing import Any

import pytest

from httpcore_lite import Request, Response
from httpcore_lite._raw import RawResponse
from httpcore_lite._transport.http11 import ResponseHead
from httpcore_lite.adapters import HTTPAdapter
from httpcore_lite.exceptions import HTTPError, JSONDecodeError, StreamConsumedError
from httpcore_lite.structures import CaseInsensitiveDict
from httpcore_lite.utils import get_encoding_from_headers

from ..bodies import ChunkSource

URL = "http://example.com/resource"


def make_response(
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    encoding: str | None = None,
    reason: str | bytes | None = "Reason",
) -> Response:
    r = Response()
    r.status_code = status
    r.headers = CaseInsensitiveDict(headers or {})
    r._content = body
    r._content_consumed = True
    r.encoding = encoding
    r.reason = reason  # type: ignore[assignment]
    r.url = URL
    r.request = Request("GET", URL).prepare()
    return r


class FakeBody(ChunkSource):
    """The body HTTPAdapter.build_response reads (with a head): the body pieces."""

    def __init__(self, *pieces: bytes) -> None:
        super().__init__(*pieces)
        self.record = None  # no transport: no timings


def streamed_response(*pieces: bytes, headers: dict[str, str] | None = None) -> Response:
    r = Response()
    r.status_code = 200
    r.headers = CaseInsensitiveDict(headers or {})
    r.raw = RawResponse(ChunkSource(*pieces), r.headers, 200, "OK")
    return r


# -- status ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [100, 200, 201, 204, 301, 304, 399, 600, 999])
def test_ok_and_bool_below_400(status: int) -> None:
    r = make_response(status)
    assert r.ok is True
    assert bool(r) is True
    r.raise_for_status()  # does not raise


@pytest.mark.parametrize("status", [400, 401, 404, 418, 499, 500, 503, 599])
def test_not_ok_for_4xx_and_5xx(status: int) -> None:
    r = make_response(status)
    assert r.ok is False
    assert bool(r) is False
    assert not r


def test_repr() -> None:
    assert repr(make_response(200)) == "<Response [200]>"
    assert repr(make_response(404)) == "<Response [404]>"


def test_raise_for_status_client_error_message() -> None:
    r = make_response(404, reason="Not Found")
    with pytest.raises(HTTPError) as info:
        r.raise_for_status()
    assert str(info.value) == f"404 Client Error: Not Found for url: {URL}"
    assert info.value.response is r
    assert info.value.request is r.request


def test_raise_for_status_server_error_message() -> None:
    r = make_response(503, reason="Service Unavailable")
    with pytest.raises(HTTPError, match=r"^503 Server Error: Service Unavailable for url: "):
        r.raise_for_status()


def test_raise_for_status_bytes_reason() -> None:
    with pytest.raises(HTTPError, match=r"^400 Client Error: Bád for url"):
        make_response(400, reason="Bád".encode()).raise_for_status()
    with pytest.raises(HTTPError, match=r"^500 Server Error: Bád for url"):
        make_response(500, reason="Bád".encode("latin-1")).raise_for_status()


def test_is_redirect() -> None:
    assert make_response(302, headers={"Location": "/x"}).is_redirect
    assert not make_response(302).is_redirect
    assert not make_response(200, headers={"Location": "/x"}).is_redirect
    assert make_response(308, headers={"location": "/x"}).is_permanent_redirect
    assert not make_response(307, headers={"location": "/x"}).is_permanent_redirect


# -- text and encodings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("text/html", "ISO-8859-1"),
        ("text/plain", "ISO-8859-1"),
        ("text/html; charset=UTF-8", "UTF-8"),
        ('text/html; charset="utf-16"', "utf-16"),
        ("text/html;charset='koi8-r'", "koi8-r"),
        ("application/json", "utf-8"),
        ("application/json; charset=latin-1", "latin-1"),
        ("application/octet-stream", None),
        ("image/png", None),
    ],
)
def test_encoding_from_content_type(content_type: str, encoding: str | None) -> None:
    assert get_encoding_from_headers(CaseInsensitiveDict({"Content-Type": content_type})) == (
        encoding
    )


def test_no_content_type_no_encoding() -> None:
    assert get_encoding_from_headers(CaseInsensitiveDict()) is None


def test_text_uses_encoding() -> None:
    assert make_response(body=b"caf\xe9", encoding="ISO-8859-1").text == "café"
    assert make_response(body="café".encode(), encoding="utf-8").text == "café"
    assert make_response(body=b"caf\xe9", encoding="utf-8").text == "caf\ufffd"


def test_text_falls_back_to_apparent_encoding() -> None:
    assert make_response(body="café".encode()).text == "café"
    assert make_response(body=b"caf\xe9").apparent_encoding == "ISO-8859-1"
    assert make_response(body=b"caf\xe9").text == "café"
    assert make_response(body=codecs.BOM_UTF8 + b"x").text == "x"
    assert make_response(body="hé".encode("utf-16")).text == "hé"


def test_text_with_unknown_encoding_does_not_raise() -> None:
    assert make_response(body=b"abc", encoding="no-such-codec").text == "abc"


def test_text_of_empty_body() -> None:
    assert make_response(body=b"", encoding="utf-8").text == ""


def build(status: int, headers: list[tuple[bytes, bytes]], *pieces: bytes) -> Response:
    """A Response the way the adapter builds one, over a head and a fake body."""
    request = Request("GET", URL).prepare()
    head = ResponseHead(status, "OK", headers, "1.1")
    return HTTPAdapter().build_response(request, (head, FakeBody(*pieces)))  # type: ignore[arg-type]


def test_adapter_sets_encoding_from_content_type() -> None:
    r = build(200, [(b"Content-Type", b"text/plain")], b"caf\xe9")
    assert r.encoding == "ISO-8859-1"
    assert r.text == "café"
    r = build(200, [(b"Content-Type", b"application/json")], '"café"'.encode())
    assert r.encoding == "utf-8"
    assert r.json() == "café"
    assert r.reason == "OK"
    assert r.url == URL


def test_adapter_joins_repeated_headers() -> None:
    r = build(200, [(b"X-Multi", b"a"), (b"x-multi", b"b")], b"")
    assert r.headers["X-Multi"] == "a, b"
    r.close()


# -- json -----------------------------------------------------------------------------------


def test_json() -> None:
    r = make_response(body=b'{"a": [1, 2.5, null, true]}')
    assert r.json() == {"a": [1, 2.5, None, True]}


def test_json_passes_keyword_arguments() -> None:
    r = make_response(body=b'{"a": 1.5}')
    assert r.json(parse_float=str) == {"a": "1.5"}


@pytest.mark.parametrize("body", [b"not json", b"", b"{", b"<html></html>"])
@pytest.mark.parametrize("encoding", [None, "utf-8"])
def test_json_error(body: bytes, encoding: str | None) -> None:
    r = make_response(body=body, encoding=encoding)
    with pytest.raises(JSONDecodeError) as info:
        r.json()
    error = info.value
    assert isinstance(error, json.JSONDecodeError)
    assert isinstance(error, ValueError)
    assert error.response is r
    assert error.request is r.request
    assert error.doc == body.decode()
    assert error.pos == (1 if body == b"{" else 0)


def test_json_error_is_caught_as_json_decode_error() -> None:
    with pytest.raises(json.JSONDecodeError):
        make_response(body=b"nope").json()


@pytest.mark.parametrize(
    "codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"]
)
def test_json_of_utf_bodies(codec: str) -> None:
    value = {"clé": "välue ☃"}
    body = json.dumps(value, ensure_ascii=False).encode(codec)
    assert make_response(body=body).json() == value


def test_json_of_utf32_be() -> None:
    body = '{"k": "ü"}'.encode("utf-32-be")
    assert make_response(body=body).json() == {"k": "ü"}


def test_json_with_declared_encoding() -> None:
    body = '{"k": "ü"}'.encode("latin-1")
    assert make_response(body=body, encoding="latin-1").json() == {"k": "ü"}


# -- links ----------------------------------------------------------------------------------


def test_links() -> None:
    link = (
        '<https://api.example.com/items?page=2>; rel="next", '
        '<https://api.example.com/items?page=9>; rel=last; title="The end"'
    )
    links = make_response(headers={"Link": link}).links
    assert links == {
        "next": {"url": "https://api.example.com/items?page=2", "rel": "next"},
        "last": {"url": "https://api.example.com/items?page=9", "rel": "last", "title": "The end"},
    }


def test_links_without_rel_are_keyed_by_url() -> None:
    links = make_response(headers={"link": "<http://x.example/a>; type=text/html"}).links
    assert links == {"http://x.example/a": {"url": "http://x.example/a", "type": "text/html"}}


def test_no_links() -> None:
    assert make_response().links == {}


# -- iteration ------------------------------------------------------------------------------


def test_iter_lines_on_consumed_content() -> None:
    r = make_response(body=b"one\ntwo\r\nthree\rfour\n\nsix")
    assert list(r.iter_lines()) == [b"one", b"two", b"three", b"four", b"", b"six"]
    # The content is in memory: iterating again gives the same lines.
    assert list(r.iter_lines(chunk_size=1)) == [b"one", b"two", b"three", b"four", b"", b"six"]


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 512])
def test_iter_lines_crlf_split_across_chunks(chunk_size: int) -> None:
    r = make_response(body=b"a\r\nb\r\n\r\nc\r")
    assert list(r.iter_lines(chunk_size=chunk_size)) == [b"a", b"b", b"", b"c"]


def test_iter_lines_decode_unicode() -> None:
    r = make_response(body="é\nü\n".encode(), encoding="utf-8")
    assert list(r.iter_lines(chunk_size=1, decode_unicode=True)) == ["é", "ü"]


def test_iter_lines_delimiter() -> None:
    r = make_response(body=b"a;b;;c")
    assert list(r.iter_lines(delimiter=b";")) == [b"a", b"b", b"", b"c"]


def test_iter_content_on_consumed_content() -> None:
    r = make_response(body=b"abcdefg")
    assert list(r.iter_content(3)) == [b"abc", b"def", b"g"]
    assert list(r.iter_content(None)) == [b"abcdefg"]
    assert list(r) == [b"abcdefg"]
    assert b"".join(r.iter_content(1)) == b"abcdefg"


def test_iter_content_decode_unicode_keeps_multibyte_characters() -> None:
    r = make_response(body="ééé".encode(), encoding="utf-8")
    assert "".join(r.iter_content(1, decode_unicode=True)) == "ééé"


def test_iter_content_chunk_size_type() -> None:
    with pytest.raises(TypeError):
        make_response(body=b"x").iter_content("1")  # type: ignore[arg-type]


def test_streamed_body_then_consumed_error() -> None:
    r = streamed_response(b"ab", b"cd")
    assert list(r.iter_content(None)) == [b"ab", b"cd"]
    with pytest.raises(StreamConsumedError):
        r.iter_content()
    with pytest.raises(RuntimeError, match="already consumed"):
        _ = r.content


def test_streamed_content_reads_all() -> None:
    r = streamed_response(b"ab", b"cd", b"ef")
    assert r.content == b"abcdef"
    assert r.content == b"abcdef"
    assert list(r.iter_lines()) == [b"abcdef"]


def test_close_of_unread_streamed_body_closes_source() -> None:
    source = ChunkSource(b"ab")
    r = Response()
    r.status_code = 200
    r.raw = RawResponse(source, r.headers, 200, "OK")
    with r:
        pass
    assert source.closed
    assert r.raw.closed


def test_content_of_a_response_without_raw_is_none() -> None:
    assert Response().content is None
    assert Response().text == ""


def test_pickle_keeps_the_content() -> None:
    r = make_response(404, body=b"gone", headers={"X-A": "1"}, encoding="utf-8")
    again: Any = pickle.loads(pickle.dumps(r))
    assert again.status_code == 404
    assert again.content == b"gone"
    assert again.headers["x-a"] == "1"
    assert again.url == URL
    assert not again.ok


# -- guessing an encoding without charset_normalizer ----------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "utf-8"),
        (b"plain ascii", "ascii"),
        ("naïve café".encode(), "utf-8"),
        ("caf\u00e9 \u00e0 la carte".encode("latin-1"), "ISO-8859-1"),
        ("\u201csmart quotes\u201d \u2014 dash".encode("cp1252"), "windows-1252"),
        (codecs.BOM_UTF8 + b"x", "utf-8-sig"),
        ("text".encode("utf-16-le"), "utf-16-le"),
        ("text".encode("utf-16-be"), "utf-16-be"),
        ("text".encode("utf-32-le"), "utf-32-le"),
    ],
)
def test_apparent_encoding(body: bytes, expected: str) -> None:
    r = make_response(body=body)
    assert r.apparent_encoding == expected
    if body:
        assert r.text == body.decode(expected)


def test_repeated_header_keeps_the_first_spelling_of_its_name() -> None:
    from httpcore_lite.utils import decode_headers

    headers = decode_headers([(b"X-Dup", b"1"), (b"x-dup", b"2")])
    assert list(headers.items()) == [("X-Dup", "1, 2")]
