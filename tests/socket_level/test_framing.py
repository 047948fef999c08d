"""Response framing: bodies cut short, broken chunks, 1xx responses, large heads."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

import httpcore_lite as requests

from ..servers import RawServer, keep_alive_handler, response
from ._helpers import answer_once

Serve = Callable[..., RawServer]


def test_eof_in_the_middle_of_a_content_length_body(serve: Serve) -> None:
    server = serve(answer_once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"))
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as info:
        requests.get(server.url, timeout=5)
    message = str(info.value)
    assert "received 10 bytes, expected 100" in message
    assert f"127.0.0.1:{server.port}" in message


def test_eof_in_the_middle_of_a_streamed_body_never_gives_a_short_content(serve: Serve) -> None:
    server = serve(answer_once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"))
    with requests.Session() as s:
        r = s.get(server.url, stream=True, timeout=5)
        with pytest.raises(requests.exceptions.ChunkedEncodingError, match="complete"):
            r.content  # noqa: B018
        pieces: list[bytes] = []
        r2 = s.get(server.url, stream=True, timeout=5)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            pieces.extend(r2.iter_content(4))
        assert b"".join(pieces) == b"0123456789"[: len(b"".join(pieces))]
        r.close()
        r2.close()
    assert server.accepted == 2


def test_truncated_chunked_body(serve: Serve) -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\nabc"
    server = serve(answer_once(raw))
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as info:
        requests.get(server.url, timeout=5)
    assert "incomplete chunked read" in str(info.value)


def test_truncated_chunked_body_without_the_last_chunk(serve: Serve) -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
    server = serve(answer_once(raw))
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="incomplete chunked read"):
        requests.get(server.url, timeout=5)


def test_bad_chunk_size(serve: Serve) -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    server = serve(answer_once(raw))
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as info:
        requests.get(server.url, timeout=5)
    assert "illegal chunk header" in str(info.value)
    assert "zz" in str(info.value)
    assert type(info.value).__module__.startswith("httpcore_lite")


@pytest.mark.parametrize(
    "informational",
    [
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
    ],
    ids=["100", "103", "100+103"],
)
def test_1xx_responses_before_the_final_one(serve: Serve, informational: bytes) -> None:
    final = response(b"final", headers=[("X-Final", "yes")])

    def handler(conn: socket.socket, server: RawServer) -> None:
        while server.read(conn):
            conn.sendall(informational + final)

    server = serve(handler)
    with requests.Session() as s:
        for _ in range(2):
            r = s.get(server.url, timeout=5)
            assert (r.status_code, r.content) == (200, b"final")
            assert r.headers["X-Final"] == "yes"
            assert "Link" not in r.headers
    assert server.accepted == 1


def _big_head(size: int) -> bytes:
    # ~``size`` bytes of header block, as many ordinary headers.
    line = "v" * 1000
    headers = [(f"X-Filler-{i}", line) for i in range(size // 1016)]
    return response(b"ok", headers=headers)


def test_oversized_response_head_is_refused(serve: Serve) -> None:
    raw = _big_head(70 * 1024)
    assert raw.index(b"\r\n\r\n") > 64 * 1024
    server = serve(answer_once(raw))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(server.url, timeout=5)
    assert "larger than 65536 bytes" in str(info.value)
    assert type(info.value).__module__.startswith("httpcore_lite")


def test_single_huge_header_is_refused(serve: Serve) -> None:
    raw = response(b"ok", headers=[("X-Huge", "a" * (200 * 1024))])
    server = serve(answer_once(raw))
    with pytest.raises(requests.exceptions.ConnectionError, match="larger than 65536 bytes"):
        requests.get(server.url, timeout=5)


def test_60k_response_head_is_accepted(serve: Serve) -> None:
    raw = _big_head(60 * 1024)
    assert 59 * 1024 < raw.index(b"\r\n\r\n") < 64 * 1024
    server = serve(keep_alive_handler(b"ok", extra=[("X-Big", "b" * (60 * 1024))]))
    with requests.Session() as s:
        r = s.get(server.url, timeout=5)
        assert r.content == b"ok"
        assert len(r.headers["X-Big"]) == 60 * 1024
    server2 = serve(answer_once(raw))
    r = requests.get(server2.url, timeout=5)
    assert (r.status_code, r.content) == (200, b"ok")
    assert r.headers["X-Filler-0"] == "v" * 1000


def test_more_than_100_header_fields_are_refused(serve: Callable[..., RawServer]) -> None:
    many = [(f"X-Field-{i}", "v") for i in range(101)]
    exactly = [(f"X-Field-{i}", "v") for i in range(95)]  # + the server's own few
    server = serve(keep_alive_handler(b"too many", many))
    fine = serve(keep_alive_handler(b"fine", exactly))
    with requests.Session() as s:
        with pytest.raises(requests.exceptions.ConnectionError, match="more than the limit of 100"):
            s.get(server.url, timeout=5)
        assert s.get(fine.url, timeout=5).content == b"fine"
