"""Issue 14, items 12-14: input a hostile peer or a careless caller controls must end in a
documented library error, never in a raw Python one, and never on the wire.

- item 12: a response's ``charset=`` names no usable text codec (unknown, bytes-to-bytes,
  str-to-str, a codec whose decoder refuses ``errors="replace"``, or UTF-16/32 on a body
  without a BOM). ``.text``, ``.json()`` and ``iter_content(decode_unicode=True)`` fall back to
  UTF-8 with replacement characters; ``.json()`` follows RFC 8259 (the body's own UTF first).
  A JSON body nested 100,000 deep or an integer of 5,000 digits raises JSONDecodeError,
  not RecursionError or the bare ValueError of Python's int-digits limit.
- item 13: a header name latin-1 cannot encode, or one that is not an HTTP token, is
  InvalidHeader before any connection is opened.
- item 14: CR, LF or NUL in a multipart part's content type or extra part headers would let
  the caller's data write headers of its own (part-header injection): InvalidHeader, already
  at ``prepare()``, and nothing is sent.

"Nothing is sent" is checked twice: ``server.accepted`` is still 0 right after the refused
call, and a control request from a new Session is then the first and only connection and
request the server ever saw.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import httpcore_lite
from httpcore_lite.exceptions import InvalidHeader, RequestException

from ..servers import RawServer, keep_alive_handler

pytestmark = pytest.mark.timeout(30)

Serve = Callable[..., RawServer]
TIMEOUT = (3, 10)

BODY = '{"name": "caf\u00e9"}'.encode()
HOSTILE_CHARSETS = [
    "no-such-charset",
    "base64",
    "rot13",
    "zlib",
    "hex",
    "idna",
    "punycode",
    "undefined",
]


@pytest.fixture
def session() -> Iterator[httpcore_lite.Session]:
    with httpcore_lite.Session() as s:
        yield s


def answering(body: bytes, content_type: str) -> Callable[[socket.socket, RawServer], None]:
    """Answer every request on the connection with ``body`` and this Content-Type."""
    return keep_alive_handler(body, [("Content-Type", content_type)])


def streamed_text(session: httpcore_lite.Session, url: str) -> list[Any]:
    """The pieces ``iter_content(chunk_size=3, decode_unicode=True)`` yields for ``url``."""
    with session.get(url, stream=True, timeout=TIMEOUT) as r:
        return list(r.iter_content(chunk_size=3, decode_unicode=True))


def assert_nothing_sent(server: RawServer) -> None:
    """No connection so far; then a control request is the server's first and only one."""
    assert server.accepted == 0
    with httpcore_lite.Session() as control, control.get(server.url, timeout=TIMEOUT) as r:
        assert r.status_code == 200
    assert server.accepted == 1
    assert len(server.requests) == 1


# -- item 12: hostile charset= -----------------------------------------------------------------


@pytest.mark.parametrize("media_type", ["application/json", "text/plain"])
@pytest.mark.parametrize("charset", HOSTILE_CHARSETS)
def test_unusable_charset_falls_back_to_utf8(
    serve: Serve, session: httpcore_lite.Session, media_type: str, charset: str
) -> None:
    """A charset that is no usable text codec decodes as UTF-8 in text, json() and streams."""
    server = serve(answering(BODY, f"{media_type}; charset={charset}"))
    expected = BODY.decode("utf-8", "replace")
    with session.get(server.url, timeout=TIMEOUT) as r:
        assert r.text == expected
        assert r.json() == {"name": "caf\u00e9"}
    pieces = streamed_text(session, server.url)
    assert all(isinstance(piece, str) for piece in pieces), pieces
    assert "".join(pieces) == expected


@pytest.mark.parametrize("charset", ["utf-16", "utf-32"])
def test_bomless_wide_charset_on_utf8_body_does_not_raise(
    serve: Serve, session: httpcore_lite.Session, charset: str
) -> None:
    """charset=utf-16/32 on a BOM-less UTF-8 body: text is a str, json() reads the UTF-8."""
    server = serve(answering(BODY, f"application/json; charset={charset}"))
    with session.get(server.url, timeout=TIMEOUT) as r:
        assert isinstance(r.text, str)
        assert r.json() == {"name": "caf\u00e9"}
    pieces = streamed_text(session, server.url)
    assert all(isinstance(piece, str) for piece in pieces), pieces


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b"1" * 5_000],
    ids=["nested-100000-deep", "integer-of-5000-digits"],
)
def test_json_beyond_parser_limits_is_json_decode_error(
    serve: Serve, session: httpcore_lite.Session, body: bytes
) -> None:
    """JSON nested too deep or an integer too long is JSONDecodeError, a RequestException."""
    server = serve(answering(body, "application/json"))
    with session.get(server.url, timeout=TIMEOUT) as r:
        with pytest.raises(httpcore_lite.exceptions.JSONDecodeError) as caught:
            r.json()
    assert isinstance(caught.value, RequestException)


def test_latin1_charset_decodes_text(serve: Serve, session: httpcore_lite.Session) -> None:
    """Regression: text/plain; charset=iso-8859-1 decodes b"caf\\xe9" to "café"."""
    server = serve(answering(b"caf\xe9", "text/plain; charset=iso-8859-1"))
    with session.get(server.url, timeout=TIMEOUT) as r:
        assert r.text == "caf\u00e9"


def test_declared_charset_decides_json_that_is_not_utf8(
    serve: Serve, session: httpcore_lite.Session
) -> None:
    """Regression: a JSON body that is not valid UTF-8 is read with its declared latin-1."""
    server = serve(answering(b'{"n": "caf\xe9"}', "application/json; charset=iso-8859-1"))
    with session.get(server.url, timeout=TIMEOUT) as r:
        assert r.json() == {"n": "caf\u00e9"}


# -- item 13: header names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{"X-\u0142": "1"}, {"X Y": "1"}, {"X(Y)": "1"}],
    ids=["name-not-latin1", "name-with-space", "name-with-parentheses"],
)
def test_bad_header_name_is_refused_before_connecting(
    serve: Serve, session: httpcore_lite.Session, headers: dict[str, str]
) -> None:
    """A header name latin-1 cannot encode or that is no token: InvalidHeader, no connection."""
    server = serve(keep_alive_handler())
    with pytest.raises(InvalidHeader):
        session.get(server.url, headers=headers, timeout=TIMEOUT)
    assert_nothing_sent(server)


def test_header_value_not_latin1_is_refused_before_connecting(
    serve: Serve, session: httpcore_lite.Session
) -> None:
    """Regression: a header value latin-1 cannot encode is InvalidHeader, with no connection."""
    server = serve(keep_alive_handler())
    with pytest.raises(InvalidHeader):
        session.get(server.url, headers={"X-Value": "a\u0142"}, timeout=TIMEOUT)
    assert_nothing_sent(server)


# -- item 14: multipart part-header injection ----------------------------------------------------

INJECTIONS: list[tuple[str, Any]] = [
    ("crlf-in-content-type", ("a.txt", b"data", "text/plain\r\nX-Injected: yes")),
    ("lf-in-content-type", ("a.txt", b"data", "text/plain\nX-Injected: yes")),
    ("cr-in-content-type", ("a.txt", b"data", "text/plain\rX-Injected: yes")),
    ("nul-in-content-type", ("a.txt", b"data", "text/plain\x00X-Injected: yes")),
    (
        "crlf-in-part-header-value",
        ("a.txt", b"data", "text/plain", {"X-Extra": "v\r\nX-Injected: yes"}),
    ),
    ("crlf-in-part-header-name", ("a.txt", b"data", "text/plain", {"X-Bad\r\nInjected": "v"})),
]


@pytest.mark.parametrize(
    "spec", [spec for _, spec in INJECTIONS], ids=[name for name, _ in INJECTIONS]
)
def test_part_header_injection_is_refused_before_sending(
    serve: Serve, session: httpcore_lite.Session, spec: Any
) -> None:
    """CR, LF or NUL in a part's content type or extra headers: InvalidHeader, nothing sent."""
    server = serve(keep_alive_handler())
    with pytest.raises(InvalidHeader) as caught:
        session.post(server.url, files={"f": spec}, timeout=TIMEOUT)
    assert isinstance(caught.value, ValueError)
    assert_nothing_sent(server)


@pytest.mark.parametrize(
    "spec", [spec for _, spec in INJECTIONS], ids=[name for name, _ in INJECTIONS]
)
def test_part_header_injection_is_refused_at_prepare(spec: Any) -> None:
    """The same injections are already InvalidHeader at Request(...).prepare()."""
    request = httpcore_lite.Request("POST", "http://127.0.0.1:9/", files={"f": spec})
    with pytest.raises(InvalidHeader):
        request.prepare()


def test_valid_part_headers_are_sent(serve: Serve, session: httpcore_lite.Session) -> None:
    """Regression: a part's content type and valid extra headers reach the server in the part."""
    server = serve(keep_alive_handler())
    spec = ("a.txt", b"data", "text/csv", {"X-Extra": "v"})
    with session.post(server.url, files={"f": spec}, timeout=TIMEOUT) as r:
        assert r.status_code == 200
    assert len(server.requests) == 1
    body = server.requests[0].split(b"\r\n\r\n", 1)[1]
    part_head = body.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nX-Extra: v" in part_head
    assert b"\r\nContent-Type: text/csv" in part_head
    assert b"X-Injected" not in body
