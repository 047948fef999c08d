"""Reading responses from httpbin: text and encodings, json(), streaming, connection reuse,
content codings, redirect flags, links, hooks."""

from __future__ import annotations

import base64
import codecs
import datetime
import decimal
import json
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import pytest

import httpcore_lite as requests
from httpcore_lite import models, utils
from httpcore_lite.exceptions import StreamConsumedError
from tests.servers import WSGIServer

TIMEOUT = (3, 10)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def b64(data: bytes) -> str:
    """A path for httpbin's /base64/<value>: it answers ``data`` (text/html; charset=utf-8)."""
    return "/base64/" + base64.urlsafe_b64encode(data).decode("ascii")


# -- text and encoding ----------------------------------------------------------------------


def test_text_decodes_with_the_content_type_charset(httpbin: WSGIServer) -> None:
    body = "naïve café ☃"
    r = requests.get(httpbin + b64(body.encode()), timeout=TIMEOUT)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.encoding == "utf-8"
    assert r.text == body


def test_setting_encoding_changes_text(httpbin: WSGIServer) -> None:
    r = requests.get(httpbin + "/encoding/utf8", timeout=TIMEOUT)
    utf8_text = r.text
    r.encoding = "ISO-8859-1"
    assert r.text == r.content.decode("latin-1")
    assert r.text != utf8_text
    r.encoding = "ascii"
    assert r.text == r.content.decode("ascii", errors="replace")
    assert "\ufffd" in r.text
    r.encoding = None  # no declared encoding: the body's own guess
    assert r.text == utf8_text
    assert r.apparent_encoding == "utf-8"


def test_text_html_with_charset(httpbin: WSGIServer) -> None:
    r = requests.get(httpbin + "/html", timeout=TIMEOUT)
    assert r.encoding == "utf-8"
    assert "Herman Melville" in r.text


def test_json_content_type_is_utf8(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    r = requests.get(httpbin_both + "/json", verify=ca_bundle, timeout=TIMEOUT)
    assert r.headers["Content-Type"] == "application/json"
    assert r.encoding == "utf-8"
    assert r.json()["slideshow"]["author"] == "Yours Truly"


def test_encoding_of_a_body_without_text_type(httpbin: WSGIServer) -> None:
    r = requests.get(httpbin + "/bytes/16?seed=1", timeout=TIMEOUT)
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.encoding is None
    assert r.text == r.content.decode(r.apparent_encoding, errors="replace")


# -- apparent_encoding ----------------------------------------------------------------------


def test_apparent_encoding_from_httpbin(
    httpbin: WSGIServer, session: requests.Session, subtests: pytest.Subtests
) -> None:
    cases = {
        "ascii": (b"plain ascii", "ascii"),
        "utf-8": ("caf\u00e9 \u2603".encode(), "utf-8"),
        "utf-8-bom": (codecs.BOM_UTF8 + "bom caf\u00e9".encode(), "utf-8-sig"),
    }
    for case, (body, apparent) in cases.items():
        with subtests.test(case):
            r = session.get(httpbin + b64(body), timeout=TIMEOUT)
            assert r.content == body
            assert r.apparent_encoding == apparent
            r.encoding = None
            assert r.text == body.decode(apparent)


def test_apparent_encoding_is_computed_once_per_response(
    httpbin: WSGIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bytes] = []
    guess = utils.guess_encoding

    def counting(content: bytes) -> str:
        calls.append(content)
        return guess(content)

    monkeypatch.setattr(models, "guess_encoding", counting)
    r = requests.get(httpbin + "/encoding/utf8", timeout=TIMEOUT)
    assert [r.apparent_encoding for _ in range(3)] == ["utf-8"] * 3
    r.encoding = None
    assert r.text == r.content.decode("utf-8")
    assert len(calls) == 1
    other = requests.get(httpbin + "/robots.txt", timeout=TIMEOUT)
    assert other.apparent_encoding == "ascii"
    assert len(calls) == 2


# -- json() ---------------------------------------------------------------------------------


def test_json_keyword_arguments_pass_through(httpbin: WSGIServer) -> None:
    r = requests.get(httpbin + b64(b'{"price": 0.1, "n": 3, "z": 1, "a": 2}'), timeout=TIMEOUT)
    assert r.json(parse_float=decimal.Decimal)["price"] == decimal.Decimal("0.1")
    assert r.json(parse_int=str)["n"] == "3"
    ordered = r.json(object_pairs_hook=OrderedDict)
    assert isinstance(ordered, OrderedDict)
    assert list(ordered) == ["price", "n", "z", "a"]
    with pytest.raises(TypeError):
        r.json(no_such_argument=True)


def test_invalid_json_raises_both_json_decode_errors(
    httpbin: WSGIServer, session: requests.Session, subtests: pytest.Subtests
) -> None:
    for path in ("/html", "/xml", "/robots.txt", "/status/204"):
        with subtests.test(path):
            r = session.get(httpbin + path, timeout=TIMEOUT)
            with pytest.raises(requests.exceptions.JSONDecodeError) as info:
                r.json()
            error = info.value
            assert isinstance(error, json.JSONDecodeError)
            assert isinstance(error, requests.JSONDecodeError)
            assert isinstance(error, requests.RequestException)
            assert isinstance(error, ValueError)
            assert error.doc == r.text
            assert error.pos == 0
            assert error.msg == "Expecting value"
            assert error.response is r
            assert error.request is r.request
            with pytest.raises(json.JSONDecodeError):
                r.json()


def test_invalid_json_position(httpbin: WSGIServer) -> None:
    r = requests.get(httpbin + b64(b'{"a": 1,}'), timeout=TIMEOUT)
    with pytest.raises(json.JSONDecodeError) as info:
        r.json()
    assert info.value.pos == 8
    assert (info.value.lineno, info.value.colno) == (1, 9)


def test_json_of_httpbin_post_echo(httpbin: WSGIServer) -> None:
    r = requests.post(httpbin + "/post", json={"k": ["é", 1.5]}, timeout=TIMEOUT)
    assert r.json()["json"] == {"k": ["é", 1.5]}


# -- streaming ------------------------------------------------------------------------------


def test_iter_content_chunk_sizes(httpbin: WSGIServer, session: requests.Session) -> None:
    url = httpbin + "/stream-bytes/10000?chunk_size=777&seed=5"
    whole = session.get(url, timeout=TIMEOUT).content
    for size in (1, 100, 4096, 20000):
        with session.get(url, stream=True, timeout=TIMEOUT) as r:
            pieces = list(r.iter_content(size))
        assert b"".join(pieces) == whole
        assert [len(p) for p in pieces[:-1]] == [size] * (len(pieces) - 1)
        assert 0 < len(pieces[-1]) <= size
    with session.get(url, stream=True, timeout=TIMEOUT) as r:
        assert b"".join(r.iter_content(None)) == whole


def test_iter_content_decode_unicode(httpbin: WSGIServer) -> None:
    text = "é☃€" * 300
    with requests.get(httpbin + b64(text.encode()), stream=True, timeout=TIMEOUT) as r:
        pieces = list(r.iter_content(chunk_size=1, decode_unicode=True))
    assert all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == text


def test_iter_content_decode_unicode_without_encoding_gives_bytes(httpbin: WSGIServer) -> None:
    with requests.get(httpbin + "/bytes/100?seed=2", stream=True, timeout=TIMEOUT) as r:
        assert r.encoding is None
        pieces = list(r.iter_content(chunk_size=30, decode_unicode=True))
    assert all(isinstance(p, bytes) for p in pieces)
    assert len(b"".join(pieces)) == 100


def test_iter_lines_of_a_chunked_stream(httpbin: WSGIServer) -> None:
    with requests.get(httpbin + "/stream/8", stream=True, timeout=TIMEOUT) as r:
        assert r.headers.get("Transfer-Encoding") == "chunked"
        lines = list(r.iter_lines(chunk_size=5, decode_unicode=True))
    assert [json.loads(line)["id"] for line in lines] == list(range(8))
    assert all(isinstance(line, str) for line in lines)


def test_iter_lines_with_a_delimiter(httpbin: WSGIServer) -> None:
    with requests.get(httpbin + b64(b"a;;b;c\r\nd;"), stream=True, timeout=TIMEOUT) as r:
        assert list(r.iter_lines(chunk_size=2, delimiter=b";")) == [b"a", b"", b"b", b"c\r\nd"]
    with requests.get(httpbin + b64("x€y€€z".encode()), stream=True, timeout=TIMEOUT) as r:
        assert list(r.iter_lines(chunk_size=1, decode_unicode=True, delimiter="€")) == [
            "x",
            "y",
            "",
            "z",
        ]


def test_iter_lines_crlf_straddling_chunks(httpbin: WSGIServer) -> None:
    body = b"one\r\ntwo\r\n\r\nfour\rfive\nsix"
    # chunk_size=4: "one\r" | "\ntwo" | ...: every CR LF pair is cut in two.
    with requests.get(httpbin + b64(body), stream=True, timeout=TIMEOUT) as r:
        lines = list(r.iter_lines(chunk_size=4))
    assert lines == [b"one", b"two", b"", b"four", b"five", b"six"]


def test_raw_read_amounts(httpbin: WSGIServer) -> None:
    url = httpbin + "/bytes/3000?seed=9"
    whole = requests.get(url, timeout=TIMEOUT).content
    with requests.get(url, stream=True, timeout=TIMEOUT) as r:
        first = r.raw.read(10)
        second = r.raw.read(1000)
        assert r.raw.tell() >= 1010
        zero = r.raw.read(0)
        rest = r.raw.read()
        assert r.raw.read(10) == b""
    assert (len(first), len(second), zero) == (10, 1000, b"")
    assert first + second + rest == whole


def test_raw_read_of_a_chunked_body(httpbin: WSGIServer) -> None:
    url = httpbin + "/stream-bytes/5000?chunk_size=300&seed=4"
    whole = requests.get(url, timeout=TIMEOUT).content
    with requests.get(url, stream=True, timeout=TIMEOUT) as r:
        pieces = []
        while piece := r.raw.read(701):
            pieces.append(piece)
    assert [len(p) for p in pieces[:-1]] == [701] * (len(pieces) - 1)
    assert b"".join(pieces) == whole


def test_second_iteration_raises_stream_consumed_error(httpbin: WSGIServer) -> None:
    with requests.get(httpbin + "/bytes/300", stream=True, timeout=TIMEOUT) as r:
        assert len(b"".join(r.iter_content(64))) == 300
        with pytest.raises(StreamConsumedError):
            r.iter_content(64)
        with pytest.raises(StreamConsumedError):
            r.iter_lines()
        with pytest.raises(StreamConsumedError):
            iter(r)
        assert isinstance(StreamConsumedError(), TypeError)
        with pytest.raises(RuntimeError, match="already consumed"):
            _ = r.content


def test_content_read_first_can_be_iterated_again(httpbin: WSGIServer) -> None:
    with requests.get(httpbin + "/bytes/300?seed=3", stream=True, timeout=TIMEOUT) as r:
        content = r.content
        assert b"".join(r.iter_content(7)) == content
        assert b"".join(r.iter_content(100)) == content
        assert b"".join(r) == content


# -- the connection goes back to the pool ---------------------------------------------------


def test_fully_read_stream_is_reused_without_close(httpbin: WSGIServer) -> None:
    httpbin.reset_connections()
    with requests.Session() as s:
        r = s.get(httpbin + "/bytes/5000", stream=True, timeout=TIMEOUT)
        assert len(b"".join(r.iter_content(1000))) == 5000  # read to the end, never closed
        r2 = s.get(httpbin + "/bytes/2000", stream=True, timeout=TIMEOUT)
        assert len(r2.content) == 2000
        r3 = s.get(httpbin + "/stream-bytes/3000?chunk_size=100", stream=True, timeout=TIMEOUT)
        while r3.raw.read(512):
            pass
        assert s.get(httpbin + "/get", timeout=TIMEOUT).ok
    assert httpbin.connections == 1


def test_body_read_to_its_last_byte_then_closed_is_reused(httpbin: WSGIServer) -> None:
    # requests (urllib3 over http.client) gives the connection back once the last byte of a
    # Content-Length body is read, even if nobody asked for more after it.
    httpbin.reset_connections()
    with requests.Session() as s:
        r = s.get(httpbin + "/bytes/1000", stream=True, timeout=TIMEOUT)
        assert len(r.raw.read(1000)) == 1000
        r.close()
        # The same without close(): the one piece asked for holds the whole body.
        r2 = s.get(httpbin + "/bytes/1000", stream=True, timeout=TIMEOUT)
        assert len(next(r2.iter_content(1000))) == 1000
        assert s.get(httpbin + "/get", timeout=TIMEOUT).ok
    assert httpbin.connections == 1


def test_fully_read_and_closed_stream_is_reused(httpbin: WSGIServer) -> None:
    httpbin.reset_connections()
    with requests.Session() as s:
        for path in ("/bytes/3000", "/gzip", "/stream/3", "/deflate"):
            with s.get(httpbin + path, stream=True, timeout=TIMEOUT) as r:
                assert b"".join(r.iter_content(100))
        assert s.get(httpbin + "/get", timeout=TIMEOUT).ok
    assert httpbin.connections == 1


@pytest.mark.parametrize("path", ["/bytes/100000", "/gzip", "/stream-bytes/100000?chunk_size=1000"])
def test_partly_read_stream_closed_opens_a_new_connection(httpbin: WSGIServer, path: str) -> None:
    httpbin.reset_connections()
    with requests.Session() as s:
        r = s.get(httpbin + path, stream=True, timeout=TIMEOUT)
        next(r.iter_content(10))
        r.close()
        r2 = s.get(httpbin + "/get", timeout=TIMEOUT)
        assert r2.json()["url"] == httpbin + "/get"  # not the rest of the old body
        assert s.get(httpbin + "/get", timeout=TIMEOUT).ok
    assert httpbin.connections == 2


def test_unread_stream_left_open_does_not_block_the_session(httpbin: WSGIServer) -> None:
    httpbin.reset_connections()
    with requests.Session() as s:
        r = s.get(httpbin + "/bytes/100", stream=True, timeout=TIMEOUT)
        assert s.get(httpbin + "/get", timeout=TIMEOUT).ok  # needs a second connection
        assert len(r.content) == 100  # the first is still readable, then goes back
        assert s.get(httpbin + "/get", timeout=TIMEOUT).ok
        assert s.get(httpbin + "/get", timeout=TIMEOUT).ok
    assert httpbin.connections == 2


def test_context_manager_closes(httpbin: WSGIServer) -> None:
    httpbin.reset_connections()
    with requests.Session() as s:
        with s.get(httpbin + "/bytes/100000", stream=True, timeout=TIMEOUT) as r:
            assert r.raw.read(5)
        assert r.raw.closed
        with s.get(httpbin + "/bytes/10", stream=True, timeout=TIMEOUT) as r:
            assert len(r.content) == 10
        assert s.get(httpbin + "/get", timeout=TIMEOUT).ok
    assert httpbin.connections == 2


# -- content codings ------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "flag"), [("/gzip", "gzipped"), ("/deflate", "deflated")])
def test_decoded_content_iter_content_and_raw(
    httpbin: WSGIServer, session: requests.Session, path: str, flag: str
) -> None:
    whole = session.get(httpbin + path, timeout=TIMEOUT)
    assert whole.json()[flag] is True
    with session.get(httpbin + path, stream=True, timeout=TIMEOUT) as r:
        assert b"".join(r.iter_content(3)) == whole.content
    with session.get(httpbin + path, stream=True, timeout=TIMEOUT) as r:
        encoded = r.raw.read()
    assert int(whole.headers["Content-Length"]) == len(encoded)
    assert encoded != whole.content
    with session.get(httpbin + path, stream=True, timeout=TIMEOUT) as r:
        assert r.raw.read(5, decode_content=True) == whole.content[:5]
        assert r.raw.read(decode_content=True) == whole.content[5:]


# -- status, redirects, links, misc ---------------------------------------------------------


REDIRECT_CASES: list[tuple[str, int, bool, bool]] = [
    ("/status/301", 301, True, True),
    ("/status/302", 302, True, False),
    ("/status/303", 303, True, False),
    ("/status/307", 307, True, False),
    ("/redirect-to?url=/get&status_code=308", 308, True, True),
    ("/status/308", 308, False, False),  # httpbin sends no Location for 308
    ("/redirect-to?url=/get&status_code=300", 300, False, False),
    ("/status/200", 200, False, False),
    ("/response-headers?Location=/get", 200, False, False),
]


def test_redirect_flags(
    httpbin: WSGIServer, session: requests.Session, subtests: pytest.Subtests
) -> None:
    for path, code, redirect, permanent in REDIRECT_CASES:
        with subtests.test(path):
            r = session.get(httpbin + path, allow_redirects=False, timeout=TIMEOUT)
            assert r.status_code == code
            assert r.is_redirect is redirect
            assert r.is_permanent_redirect is permanent
            assert r.ok
            assert r.history == []


def test_links(httpbin: WSGIServer) -> None:
    link = '<https://a.example/p?page=2>; rel="next", <https://a.example/p?page=9>; rel=last'
    r = requests.get(httpbin + "/response-headers", params={"Link": link}, timeout=TIMEOUT)
    assert r.headers["Link"] == link
    assert r.links == {
        "next": {"url": "https://a.example/p?page=2", "rel": "next"},
        "last": {"url": "https://a.example/p?page=9", "rel": "last"},
    }
    assert requests.get(httpbin + "/get", timeout=TIMEOUT).links == {}


def test_repeated_link_headers_are_joined(httpbin: WSGIServer) -> None:
    r = requests.get(
        httpbin + "/response-headers",
        params=[("Link", "</a>; rel=first"), ("Link", "</b>; rel=second")],
        timeout=TIMEOUT,
    )
    assert r.links == {
        "first": {"url": "/a", "rel": "first"},
        "second": {"url": "/b", "rel": "second"},
    }


def test_reason_ok_and_bool(
    httpbin: WSGIServer, session: requests.Session, subtests: pytest.Subtests
) -> None:
    cases = [
        (200, "OK", True),
        (201, "CREATED", True),
        (418, "I'M A TEAPOT", False),
        (503, "SERVICE UNAVAILABLE", False),
    ]
    for code, reason, ok in cases:
        with subtests.test(code):
            r = session.get(httpbin + f"/status/{code}", timeout=TIMEOUT)
            assert r.status_code == code
            assert r.reason == reason
            assert r.ok is ok
            assert bool(r) is ok
            assert r.raw.reason == r.reason


def test_elapsed(httpbin: WSGIServer) -> None:
    r = requests.get(httpbin + "/get", timeout=TIMEOUT)
    assert isinstance(r.elapsed, datetime.timedelta)
    assert datetime.timedelta(0) < r.elapsed < datetime.timedelta(seconds=10)
    with requests.get(httpbin + "/bytes/10", stream=True, timeout=TIMEOUT) as streamed:
        assert streamed.elapsed > datetime.timedelta(0)


def test_iterating_the_response(httpbin: WSGIServer) -> None:
    r = requests.get(httpbin + "/bytes/1000?seed=8", timeout=TIMEOUT)
    pieces = list(r)
    assert b"".join(pieces) == r.content
    assert [len(p) for p in pieces] == [128] * 7 + [104]
    with requests.get(httpbin + "/bytes/300?seed=8", stream=True, timeout=TIMEOUT) as streamed:
        assert [len(p) for p in streamed] == [128, 128, 44]


def test_response_is_a_context_manager(httpbin: WSGIServer) -> None:
    with requests.get(httpbin + "/get", timeout=TIMEOUT) as r:
        assert r.status_code == 200
    assert r.json()["url"] == httpbin + "/get"  # the content was read: still there


# -- hooks ----------------------------------------------------------------------------------


def test_request_hooks_see_the_response_and_send_arguments(httpbin: WSGIServer) -> None:
    seen: list[tuple[int, str, dict[str, Any]]] = []

    def first(r: requests.Response, **kwargs: Any) -> None:
        seen.append((r.status_code, "first", kwargs))

    def second(r: requests.Response, **kwargs: Any) -> None:
        seen.append((r.status_code, "second", kwargs))

    r = requests.get(httpbin + "/status/418", hooks={"response": [first, second]}, timeout=TIMEOUT)
    assert r.status_code == 418
    assert [(code, name) for code, name, _ in seen] == [(418, "first"), (418, "second")]
    kwargs = seen[0][2]
    assert kwargs["timeout"] == TIMEOUT
    assert kwargs["stream"] is False
    assert kwargs["verify"] is True
    assert kwargs["cert"] is None


def test_single_callable_hook(httpbin: WSGIServer) -> None:
    seen: list[str] = []
    requests.get(
        httpbin + "/get",
        hooks={"response": lambda r, **kw: seen.append(r.url)},
        timeout=TIMEOUT,
    )
    assert seen == [httpbin + "/get"]


def test_hook_may_replace_the_response(httpbin: WSGIServer) -> None:
    with requests.Session() as s:

        def follow_up(r: requests.Response, **kwargs: Any) -> requests.Response:
            return s.get(httpbin + "/anything/replaced", timeout=TIMEOUT)

        def after(r: requests.Response, **kwargs: Any) -> None:
            seen.append(r.url)

        seen: list[str | None] = []
        r = s.get(httpbin + "/get", hooks={"response": [follow_up, after]}, timeout=TIMEOUT)
    assert r.url == httpbin + "/anything/replaced"
    assert r.json()["url"] == httpbin + "/anything/replaced"
    assert seen == [httpbin + "/anything/replaced"]  # later hooks see the replacement


def test_hook_can_read_a_streamed_body(httpbin: WSGIServer) -> None:
    lengths: list[int] = []

    def measure(r: requests.Response, **kwargs: Any) -> None:
        lengths.append(len(r.content))

    with requests.get(
        httpbin + "/bytes/500", stream=True, hooks={"response": measure}, timeout=TIMEOUT
    ) as r:
        assert lengths == [500]
        assert len(r.content) == 500


def test_session_hooks(httpbin: WSGIServer) -> None:
    calls: list[str] = []

    def session_hook(r: requests.Response, **kwargs: Any) -> None:
        calls.append("session")

    def request_hook(r: requests.Response, **kwargs: Any) -> None:
        calls.append("request")

    with requests.Session() as s:
        s.hooks["response"].append(session_hook)
        s.get(httpbin + "/get", timeout=TIMEOUT)
        assert calls == ["session"]
        s.get(httpbin + "/get", hooks={"response": []}, timeout=TIMEOUT)
        assert calls == ["session", "session"]
        # As in requests, the request's own hooks take the place of the Session's.
        calls.clear()
        s.get(httpbin + "/get", hooks={"response": request_hook}, timeout=TIMEOUT)
        assert calls == ["request"]
        # A PreparedRequest from prepare_request carries the Session hooks with it.
        calls.clear()
        prepared = s.prepare_request(requests.Request("GET", httpbin + "/get"))
        s.send(prepared, timeout=TIMEOUT)
        assert calls == ["session"]


def test_hooks_registered_on_a_prepared_request(httpbin: WSGIServer) -> None:
    calls: list[int] = []
    with requests.Session() as s:
        prepared = s.prepare_request(requests.Request("GET", httpbin + "/status/201"))
        prepared.register_hook("response", lambda r, **kw: calls.append(r.status_code))
        s.send(prepared, timeout=TIMEOUT)
        assert calls == [201]
        assert prepared.deregister_hook("response", prepared.hooks["response"][0])
        s.send(prepared, timeout=TIMEOUT)
        assert calls == [201]
