"""Reading responses whose bytes only a raw server can send: split or odd heads, CR LF pairs
cut between chunks, UTF-16/32 JSON, chained and corrupt content codings, and bodies that
are decoded while the rest has not been sent yet.

Tables of cases run as subtests against one server each: a test per case would spend most
of its time starting and stopping servers."""

from __future__ import annotations

import codecs
import gzip
import json
import socket
import threading
import zlib
from collections.abc import Callable, Mapping

import pytest

import httpcore_lite as requests
from httpcore_lite.exceptions import ContentDecodingError

from ..servers import Handler, RawServer, response
from ._helpers import answer_each, answer_once

Serve = Callable[..., RawServer]
TIMEOUT = 5


def chunked(*pieces: bytes, trailer: bytes = b"") -> bytes:
    """A chunked body: one chunk per piece, then the last chunk (and trailer fields)."""
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p)
    return out + b"0\r\n" + trailer + b"\r\n"


def chunked_response(*pieces: bytes, headers: list[tuple[str, str]] | None = None) -> bytes:
    given = [*(headers or []), ("Transfer-Encoding", "chunked")]
    return response(chunked(*pieces), headers=given)


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def by_path(answers: Mapping[str, bytes], close: bool = False) -> Handler:
    """Answer each request with ``answers[path]``; with ``close``, one request per
    connection (for answers whose body ends when the connection does)."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            conn.sendall(answers[request.split(b" ", 2)[1].decode()])
            if close:
                return

    return handle


def dribble(data: bytes) -> Handler:
    """Answer every request with ``data`` sent one byte per send(), Nagle off: the client
    sees the head and body in many small reads."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while server.read(conn):
            for i in range(len(data)):
                conn.sendall(data[i : i + 1])

    return handle


def send_then_wait(first: bytes, release: threading.Event, rest: bytes) -> Handler:
    """Send ``first``, wait until the test sets ``release``, then send ``rest``."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(first)
            if release.wait(10):
                conn.sendall(rest)

    return handle


# -- split and odd response heads -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        (response(b"content-length body", headers=[("X-A", "1")]), b"content-length body"),
        (chunked_response(b"chunked ", b"body", headers=[("X-A", "1")]), b"chunked body"),
    ],
    ids=["content-length", "chunked"],
)
def test_response_sent_one_byte_at_a_time(serve: Serve, raw: bytes, body: bytes) -> None:
    server = serve(dribble(raw))
    with requests.Session() as s:
        for _ in range(2):
            r = s.get(server.url, timeout=TIMEOUT)
            assert (r.status_code, r.reason, r.content) == (200, "OK", body)
            assert r.headers["X-A"] == "1"
        with s.get(server.url, stream=True, timeout=TIMEOUT) as r:
            assert b"".join(r.iter_content(3)) == body
    assert server.accepted == 1


# name: (raw response, reason, some headers, body; None: all after the head, to EOF)
ODD_BUT_VALID: dict[str, tuple[bytes, str, dict[str, str], bytes | None]] = {
    "bare-lf": (b"HTTP/1.1 200 OK\nContent-Length: 2\nX-A: 1\n\nok", "OK", {"X-A": "1"}, b"ok"),
    "no-reason": (b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", "", {}, b"ok"),
    "custom-reason": (
        b"HTTP/1.1 299 Custom Reason\r\nContent-Length: 0\r\n\r\n",
        "Custom Reason",
        {},
        b"",
    ),
    "status-999": (b"HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nok", "Weird", {}, b"ok"),
    "obs-fold": (
        b"HTTP/1.1 200 OK\r\nX-Fold: a\r\n  b\r\nContent-Length: 2\r\n\r\nok",
        "OK",
        {"X-Fold": "a b"},
        b"ok",
    ),
    "latin1-value": (
        b"HTTP/1.1 200 OK\r\nX-Latin: caf\xe9\r\nContent-Length: 2\r\n\r\nok",
        "OK",
        {"X-Latin": "café"},
        b"ok",
    ),
    "repeated-field": (
        b"HTTP/1.1 200 OK\r\nX-Rep: a\r\nx-rep: b\r\nContent-Length: 2\r\n\r\nok",
        "OK",
        {"X-Rep": "a, b"},
        b"ok",
    ),
    "chunk-extension-and-trailer": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2;name=value\r\nok\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n",
        "OK",
        {},
        b"ok0123456789",
    ),
    "chunked-beats-content-length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\nok\r\n0\r\n\r\n",
        "OK",
        {},
        b"ok",
    ),
    "same-content-length-twice": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        "OK",
        {},
        b"ok",
    ),
    "no-length-read-to-eof": (
        b"HTTP/1.1 200 OK\r\n\r\nread until the server closes",
        "OK",
        {},
        None,
    ),
}


def test_odd_but_valid_responses_are_read_as_requests_reads_them(
    serve: Serve, subtests: pytest.Subtests
) -> None:
    server = serve(by_path({f"/{name}": raw for name, (raw, *_) in ODD_BUT_VALID.items()}, True))
    for name, (raw, reason, headers, body) in ODD_BUT_VALID.items():
        with subtests.test(name):
            r = requests.get(f"{server.url}/{name}", timeout=TIMEOUT)
            assert r.reason == reason
            assert r.status_code == int(raw[9:12])
            for field, value in headers.items():
                assert r.headers[field] == value
            assert r.content == (raw.split(b"\r\n\r\n", 1)[1] if body is None else body)
            assert "X-Trailer" not in r.headers


BROKEN = {
    "conflicting-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!",
    "two-digit-status": b"HTTP/1.1 99 Too Short\r\nContent-Length: 0\r\n\r\n",
    "lower-case-version": b"http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "http-0.9": b"not http at all",
}


def test_broken_responses_raise_and_the_session_goes_on(
    serve: Serve, subtests: pytest.Subtests
) -> None:
    good = serve(answer_each(response(b"fine")))
    bad = serve(by_path({f"/{name}": raw for name, raw in BROKEN.items()}, close=True))
    with requests.Session() as s:
        for name in BROKEN:
            with subtests.test(name):
                assert s.get(good.url, timeout=TIMEOUT).content == b"fine"
                with pytest.raises(requests.RequestException):
                    s.get(f"{bad.url}/{name}", timeout=TIMEOUT)
                assert s.get(good.url, timeout=TIMEOUT).content == b"fine"
    assert good.accepted == 1


# -- iter_lines and iter_content over real chunks -------------------------------------------


def test_chunks_come_as_sent_with_chunk_size_none(serve: Serve) -> None:
    pieces = [b"one\r", b"\ntwo\r", b"\n", b"\r\n", b"three\r", b"\nfour"]
    server = serve(answer_once(chunked_response(*pieces)))
    with requests.get(server.url, stream=True, timeout=TIMEOUT) as r:
        got = list(r.iter_content(None))
    assert b"".join(got) == b"".join(pieces)
    assert all(got)


def test_iter_lines_with_cr_lf_cut_between_chunks(serve: Serve, subtests: pytest.Subtests) -> None:
    pieces = [b"one\r", b"\ntwo\r", b"\n", b"\r\n", b"three\r", b"\nfour\r", b"five\n\r", b"\n"]
    server = serve(answer_each(chunked_response(*pieces)))
    expected = [b"one", b"two", b"", b"three", b"four", b"five", b""]
    assert b"".join(pieces).splitlines() == expected
    with requests.Session() as s:
        for chunk_size in (None, 1, 2, 3, 4, 5, 7, 512):
            with subtests.test(chunk_size=chunk_size):
                with s.get(server.url, stream=True, timeout=TIMEOUT) as r:
                    lines = list(r.iter_lines(chunk_size=chunk_size))  # type: ignore[arg-type]
                assert lines == expected


def test_iter_lines_decode_unicode_over_cut_characters(
    serve: Serve, subtests: pytest.Subtests
) -> None:
    text = "é☃\r\n€uro\r\n\r\nlast ü"
    data = text.encode("utf-8")
    pieces = [data[i : i + 3] for i in range(0, len(data), 3)]  # cuts inside characters
    headers = [("Content-Type", "text/plain; charset=utf-8")]
    server = serve(answer_each(chunked_response(*pieces, headers=headers)))
    with requests.Session() as s:
        for chunk_size in (None, 1, 2, 3, 6):
            with subtests.test(chunk_size=chunk_size):
                with s.get(server.url, stream=True, timeout=TIMEOUT) as r:
                    lines = list(r.iter_lines(chunk_size=chunk_size, decode_unicode=True))  # type: ignore[arg-type]
                assert lines == ["é☃", "€uro", "", "last ü"]


def test_iter_lines_with_a_delimiter_cut_between_chunks(serve: Serve) -> None:
    # "a||b||||c": the delimiter is cut in two twice, and one line is empty.
    server = serve(answer_each(chunked_response(b"a|", b"|b||", b"|", b"|c")))
    with requests.Session() as s:
        with s.get(server.url, stream=True, timeout=TIMEOUT) as r:
            lines = list(r.iter_lines(chunk_size=None, delimiter=b"||"))  # type: ignore[arg-type]
        assert lines == [b"a", b"b", b"", b"c"]
        for size in (1, 2, 3):
            with s.get(server.url, stream=True, timeout=TIMEOUT) as r:
                assert list(r.iter_lines(chunk_size=size, delimiter=b"||")) == lines


def test_iter_lines_of_a_gzip_body_cut_anywhere(serve: Serve) -> None:
    text = b"".join(b"line %d\r\n" % i for i in range(200))
    encoded = gzip.compress(text)
    pieces = [encoded[i : i + 37] for i in range(0, len(encoded), 37)]
    server = serve(answer_once(chunked_response(*pieces, headers=[("Content-Encoding", "gzip")])))
    with requests.get(server.url, stream=True, timeout=TIMEOUT) as r:
        lines = list(r.iter_lines(chunk_size=5))
    assert lines == [b"line %d" % i for i in range(200)]


# -- text and JSON without a declared charset -----------------------------------------------

VALUE = {"clé": "välue ☃ 𝄞", "n": [1, 2.5, None, True]}
UTF_CODECS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "utf-32-le",
    "utf-32-be",
]


def test_json_in_any_utf_without_a_charset(serve: Serve, subtests: pytest.Subtests) -> None:
    answers = {}
    for codec in UTF_CODECS:
        body = json.dumps(VALUE, ensure_ascii=False).encode(codec)
        answers[f"/{codec}/none"] = response(body)
        answers[f"/{codec}/octets"] = response(
            body, headers=[("Content-Type", "application/octet-stream")]
        )
    server = serve(by_path(answers))
    with requests.Session() as s:
        for path in answers:
            with subtests.test(path):
                r = s.get(server.url + path, timeout=TIMEOUT)
                assert r.encoding is None
                assert r.json() == VALUE
                with s.get(server.url + path, stream=True, timeout=TIMEOUT) as streamed:
                    assert streamed.json() == VALUE


def test_json_with_a_declared_charset_uses_it(serve: Serve) -> None:
    body = json.dumps(VALUE, ensure_ascii=False).encode("utf-16-le")
    headers = [("Content-Type", "application/json; charset=utf-16-le")]
    server = serve(answer_once(response(body, headers=headers)))
    r = requests.get(server.url, timeout=TIMEOUT)
    assert r.encoding == "utf-16-le"
    assert r.json() == VALUE


APPARENT: dict[str, tuple[bytes, str]] = {
    "utf-16-le": (codecs.BOM_UTF16_LE + "hé".encode("utf-16-le"), "utf-16"),
    "utf-16-be": (codecs.BOM_UTF16_BE + "hé".encode("utf-16-be"), "utf-16"),
    "utf-32-le": (codecs.BOM_UTF32_LE + "hé".encode("utf-32-le"), "utf-32"),
    "utf-32-be": (codecs.BOM_UTF32_BE + "hé".encode("utf-32-be"), "utf-32"),
    "utf-8-sig": (codecs.BOM_UTF8 + "hé".encode(), "utf-8-sig"),
    "utf-8": ("hé ☃".encode(), "utf-8"),
    "ascii": (b"plain", "ascii"),
    "latin-1": (b"caf\xe9 \xff", "ISO-8859-1"),
}


def test_apparent_encoding_and_text_without_a_charset(
    serve: Serve, subtests: pytest.Subtests
) -> None:
    headers = [("Content-Type", "application/x-thing")]
    server = serve(
        by_path(
            {f"/{name}": response(body, headers=headers) for name, (body, _) in APPARENT.items()}
        )
    )
    with requests.Session() as s:
        for name, (body, apparent) in APPARENT.items():
            with subtests.test(name):
                r = s.get(f"{server.url}/{name}", timeout=TIMEOUT)
                assert r.encoding is None
                assert r.apparent_encoding == apparent
                assert r.text == body.decode(apparent)
                assert not r.text.startswith("\ufeff")


def test_text_plain_without_charset_is_latin1_even_for_utf8(serve: Serve) -> None:
    body = "café".encode()
    server = serve(answer_once(response(body, headers=[("Content-Type", "text/plain")])))
    r = requests.get(server.url, timeout=TIMEOUT)
    assert r.encoding == "ISO-8859-1"
    assert r.text == "cafÃ©"
    assert r.apparent_encoding == "utf-8"
    r.encoding = r.apparent_encoding
    assert r.text == "café"


# -- content codings ------------------------------------------------------------------------

TEXT = b"".join(b"%d: the quick brown fox\n" % i for i in range(300))


def _encode(data: bytes, codings: list[str]) -> bytes:
    for coding in codings:
        if coding in ("gzip", "x-gzip", "GZIP"):
            data = gzip.compress(data)
        elif coding == "deflate":
            data = zlib.compress(data)
        elif coding == "raw-deflate":
            data = raw_deflate(data)
    return data


# The Content-Encoding header, and the codings applied in order ("raw-deflate": deflate
# without the zlib wrapper, which servers send as "deflate" too).
CODINGS: list[tuple[str, list[str]]] = [
    ("gzip", ["gzip"]),
    ("x-gzip", ["x-gzip"]),
    ("GZIP", ["GZIP"]),
    ("deflate", ["deflate"]),
    ("deflate", ["raw-deflate"]),
    ("gzip, deflate", ["gzip", "deflate"]),
    ("deflate, gzip", ["deflate", "gzip"]),
    ("deflate,gzip", ["raw-deflate", "gzip"]),
    ("gzip, gzip, gzip, gzip, gzip", ["gzip"] * 5),
    ("gzip, deflate, gzip, deflate, gzip", ["gzip", "deflate", "gzip", "raw-deflate", "gzip"]),
]


def test_content_codings_are_undone(serve: Serve, subtests: pytest.Subtests) -> None:
    encoded = [(header, _encode(TEXT, codings)) for header, codings in CODINGS]
    server = serve(
        by_path(
            {
                f"/{i}": response(body, headers=[("Content-Encoding", header)])
                for i, (header, body) in enumerate(encoded)
            }
        )
    )
    with requests.Session() as s:
        for i, (header, body) in enumerate(encoded):
            with subtests.test(f"{header} ({' then '.join(CODINGS[i][1])})"):
                url = f"{server.url}/{i}"
                assert s.get(url, timeout=TIMEOUT).content == TEXT
                with s.get(url, stream=True, timeout=TIMEOUT) as r:
                    assert b"".join(r.iter_content(100)) == TEXT
                with s.get(url, stream=True, timeout=TIMEOUT) as r:
                    assert r.raw.read() == body  # raw is the body as sent
    assert server.accepted == 1


def test_codings_in_separate_header_fields(serve: Serve) -> None:
    encoded = zlib.compress(gzip.compress(TEXT))
    raw = (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Encoding: deflate\r\n"
        b"Content-Length: %d\r\n\r\n" % len(encoded)
    ) + encoded
    server = serve(answer_once(raw))
    r = requests.get(server.url, timeout=TIMEOUT)
    assert r.headers["Content-Encoding"] == "gzip, deflate"
    assert r.content == TEXT


def test_unknown_codings_empty_bodies_and_trailing_bytes(
    serve: Serve, subtests: pytest.Subtests
) -> None:
    # (Content-Encoding, body sent, content): unknown codings are left alone, empty bodies
    # decode to nothing, and bytes after a complete gzip or zlib stream are dropped, as
    # requests (urllib3) does.
    cases = [
        *((header, b"as sent", b"as sent") for header in ("identity", "compress", "not-one")),
        *((header, b"", b"") for header in ("gzip", "deflate", "gzip, deflate")),
        ("gzip", gzip.compress(TEXT) + b"garbage after the member", TEXT),
        ("deflate", zlib.compress(TEXT) + b"garbage after the stream", TEXT),
    ]
    server = serve(
        by_path(
            {
                f"/{i}": response(sent, headers=[("Content-Encoding", header)])
                for i, (header, sent, _) in enumerate(cases)
            }
        )
    )
    with requests.Session() as s:
        for i, (header, sent, content) in enumerate(cases):
            with subtests.test(f"{header}: {sent[-30:]!r}"):
                r = s.get(f"{server.url}/{i}", timeout=TIMEOUT)
                assert r.content == content
                assert r.text == content.decode()


SIX = ", ".join(["gzip"] * 6)
CORRUPT: dict[str, tuple[str, bytes]] = {
    "six-codings": (SIX, _encode(TEXT, ["gzip"] * 6)),
    "gzip-garbage": ("gzip", b"this is not gzip at all"),
    "gzip-bad-crc": (
        "gzip",
        gzip.compress(TEXT)[:-8] + b"\x00\x00\x00\x00" + gzip.compress(TEXT)[-4:],
    ),
    "gzip-corrupt-middle": (
        "gzip",
        gzip.compress(TEXT)[:30] + b"\xff" * 20 + gzip.compress(TEXT)[50:],
    ),
    "deflate-garbage": ("deflate", b"\xff\xfe\xfd not deflate in any form"),
    "chain-inner-corrupt": ("gzip, deflate", zlib.compress(b"\x1f\x8b\x08\x00 not really")),
}


def test_corrupt_body_raises_content_decoding_error(
    serve: Serve, subtests: pytest.Subtests
) -> None:
    server = serve(
        by_path(
            {
                f"/{name}": response(body, headers=[("Content-Encoding", header)])
                for name, (header, body) in CORRUPT.items()
            }
        )
    )
    with requests.Session() as s:
        for name, (_, body) in CORRUPT.items():
            with subtests.test(name):
                url = f"{server.url}/{name}"
                with pytest.raises(ContentDecodingError) as info:
                    s.get(url, timeout=TIMEOUT)
                assert isinstance(info.value, requests.RequestException)
                assert info.value.response.status_code == 200
                info.value.response.close()  # see test_decoding_error_releases_the_connection
                with (
                    s.get(url, stream=True, timeout=TIMEOUT) as r,
                    pytest.raises(ContentDecodingError),
                ):
                    for _ in r.iter_content(10):
                        pass
                # Undecoded reading still works, and the Session goes on.
                with s.get(url, stream=True, timeout=TIMEOUT) as r:
                    assert r.raw.read() == body


@pytest.mark.parametrize("name", ["gzip-garbage", "six-codings"])
def test_decoding_error_releases_the_connection(serve: Serve, name: str) -> None:
    # The body could not be decoded, but the exchange is over: the connection must go back
    # to the pool (requests does so for a corrupt body) or be closed, not stay checked out
    # until the garbage collector finds it (a ResourceWarning).
    header, body = CORRUPT[name]
    bad = response(body, headers=[("Content-Encoding", header)])
    eof = threading.Event()

    def handle(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            conn.sendall(bad if request.startswith(b"GET /bad ") else response(b"fine"))
        eof.set()

    server = serve(handle)
    with requests.Session() as s:
        with pytest.raises(ContentDecodingError) as info:
            s.get(f"{server.url}/bad", timeout=TIMEOUT)
        assert s.get(f"{server.url}/good", timeout=TIMEOUT).content == b"fine"
        # Reused (one connection), or closed (the server saw the end of the first one);
        # the failed response is still alive here, so the garbage collector did not do it.
        assert server.accepted == 1 or eof.wait(1), "the connection was left open"
        assert info.value.response is not None


# -- decoding as the body arrives -----------------------------------------------------------


def _flushed(compressor: zlib._Compress, data: bytes) -> bytes:
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize(
    ("header", "wbits"),
    [("gzip", 16 + zlib.MAX_WBITS), ("deflate", zlib.MAX_WBITS), ("deflate", -zlib.MAX_WBITS)],
    ids=["gzip", "deflate", "raw-deflate"],
)
def test_streamed_body_is_decoded_as_it_arrives(serve: Serve, header: str, wbits: int) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    first_text, rest_text = b"first part, sent alone\n" * 3, b"the rest, sent later\n" * 50
    first = _flushed(compressor, first_text)
    rest = compressor.compress(rest_text) + compressor.flush()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Encoding: {header}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    release = threading.Event()
    server = serve(
        send_then_wait(head + b"%x\r\n%s\r\n" % (len(first), first), release, chunked(rest))
    )
    try:
        with requests.get(server.url, stream=True, timeout=TIMEOUT) as r:
            pieces = r.iter_content(None)
            got = next(pieces)  # the server sends nothing more until released
            while len(got) < len(first_text):
                got += next(pieces)
            assert got == first_text
            release.set()
            assert got + b"".join(pieces) == first_text + rest_text
    finally:
        release.set()


def test_iter_lines_gives_each_line_as_it_arrives(serve: Serve) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = _flushed(compressor, b"line one\r\nline two\r")
    rest = compressor.compress(b"\nline three\r\n") + compressor.flush()
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
    release = threading.Event()
    server = serve(
        send_then_wait(head + b"%x\r\n%s\r\n" % (len(first), first), release, chunked(rest))
    )
    try:
        with requests.get(server.url, stream=True, timeout=TIMEOUT) as r:
            lines = r.iter_lines(chunk_size=None)  # type: ignore[arg-type]
            assert next(lines) == b"line one"  # "line two\r" may yet be followed by "\n"
            release.set()
            assert list(lines) == [b"line two", b"line three"]
    finally:
        release.set()
