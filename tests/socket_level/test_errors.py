"""Connection errors: refused, broken responses, invalid request headers, and the request
every error carries."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

import pytest

import httpcore_lite as requests

from ..servers import RawServer, keep_alive_handler
from ._helpers import answer_once, free_port, slow_handler

Serve = Callable[..., RawServer]


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}/x"
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(url, timeout=(1, 1))
    exc = info.value
    assert not isinstance(exc, requests.exceptions.Timeout)
    assert "refused" in str(exc).lower()
    assert exc.request is not None
    assert exc.request.url == url


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n", "illegal status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", "bad Content-Length"),
        (b"\x00\x01\x02garbage\xff\r\n\r\n", "illegal status line"),
        (b"HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 0\r\n\r\n", "illegal header line"),
    ],
    ids=["status-line", "content-length", "garbage", "header-line"],
)
def test_invalid_response_head(serve: Serve, raw: bytes, reason: str) -> None:
    server = serve(answer_once(raw))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(server.url, timeout=5)
    exc = info.value
    assert type(exc).__module__.startswith("httpcore_lite"), type(exc)
    assert isinstance(exc, requests.exceptions.RemoteProtocolError)
    assert reason in str(exc)
    assert f"127.0.0.1:{server.port}" in str(exc)


def test_garbage_then_eof_without_a_complete_head(serve: Serve) -> None:
    server = serve(answer_once(b"\x00\x01\x02garbage"))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(server.url, timeout=5)
    exc = info.value
    assert type(exc).__module__.startswith("httpcore_lite"), type(exc)
    assert f"127.0.0.1:{server.port}" in str(exc)
    # The message must describe the response, not a request: this is a client.
    assert "request line" not in str(exc)


def test_partial_head_then_eof(serve: Serve) -> None:
    server = serve(answer_once(b"HTTP/1.1 200 OK\r\nContent-Le"))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(server.url, timeout=5)
    assert type(info.value).__module__.startswith("httpcore_lite")
    assert "in the middle of the response head" in str(info.value)


def test_server_closes_without_answering(serve: Serve) -> None:
    server = serve(answer_once(b""))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(server.url, timeout=5)
    assert type(info.value) is requests.exceptions.ConnectionError
    assert "closed the connection without sending a response" in str(info.value)


@pytest.mark.parametrize(
    "headers",
    [
        {"X": "a\r\nEvil: 1"},
        {"X": "a\nEvil: 1"},
        {"X": "a\x00b"},
        {"X\rY": "1"},
        {"X\r\nEvil": "1"},
        {b"X": b"a\r\nEvil: 1"},
    ],
    ids=["crlf-value", "lf-value", "nul-value", "cr-name", "crlf-name", "bytes-crlf-value"],
)
def test_header_injection_is_refused_before_connecting(
    serve: Serve, headers: dict[Any, Any]
) -> None:
    server = serve(keep_alive_handler(b"probe"))
    with pytest.raises(requests.exceptions.InvalidHeader):
        requests.get(f"{server.url}/bad", headers=headers, timeout=5)
    with requests.Session() as s, pytest.raises(requests.exceptions.InvalidHeader):
        s.get(f"{server.url}/bad", headers=headers, timeout=5)
    # A probe afterwards: the listener accepts in order, so once the probe was answered any
    # earlier connection would have been counted too.
    assert requests.get(f"{server.url}/probe", timeout=5).content == b"probe"
    assert server.accepted == 1
    assert [r.split(b"\r\n", 1)[0] for r in server.requests] == [b"GET /probe HTTP/1.1"]


@pytest.mark.parametrize("value", [5, ["a"], "a\r\nEvil: 1"], ids=["int", "list", "crlf"])
def test_headers_changed_after_preparing_are_checked_before_sending(
    serve: Serve, value: Any
) -> None:
    server = serve(keep_alive_handler(b"probe"))
    with requests.Session() as s:
        prepared = s.prepare_request(requests.Request("GET", f"{server.url}/bad"))
        prepared.headers["X-Late"] = value
        with pytest.raises(requests.exceptions.InvalidHeader) as info:
            s.send(prepared, timeout=5)
        assert info.value.request is prepared
        assert s.get(f"{server.url}/probe", timeout=5).content == b"probe"
    assert server.accepted == 1
    assert [r.split(b"\r\n", 1)[0] for r in server.requests] == [b"GET /probe HTTP/1.1"]


def test_connection_errors_carry_the_request(serve: Serve) -> None:
    server = serve(answer_once(b"HTTP/1.1 abc OK\r\n\r\n"))
    url = f"{server.url}/broken?x=1"
    with requests.Session() as s, pytest.raises(requests.exceptions.ConnectionError) as info:
        s.post(url, data=b"body", timeout=5)
    request = info.value.request
    assert isinstance(request, requests.PreparedRequest)
    assert (request.method, request.url, request.body) == ("POST", url, b"body")


def test_read_timeout_carries_the_request(serve: Serve) -> None:
    release = threading.Event()
    server = serve(slow_handler(release))
    url = f"{server.url}/slow"
    try:
        with pytest.raises(requests.exceptions.ReadTimeout) as info:
            requests.get(url, timeout=(1, 0.2))
    finally:
        release.set()
    assert isinstance(info.value.request, requests.PreparedRequest)
    assert info.value.request.url == url


def test_reset_by_server_is_a_connection_error(serve: Serve) -> None:
    def reset(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    server = serve(reset)
    url = f"{server.url}/reset"
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(url, timeout=5)
    exc = info.value
    assert not isinstance(exc, requests.exceptions.Timeout)
    assert type(exc).__module__.startswith("httpcore_lite")
    assert "reset" in str(exc) or "closed the connection" in str(exc)
    assert exc.request is not None
    assert exc.request.url == url
