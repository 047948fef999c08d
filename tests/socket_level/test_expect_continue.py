"""Expect: 100-continue, opt-in by the header: the body waits for the server's word (briefly);
a server that answers early (417, 401, 413) never receives it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import httpcore_lite as requests
from httpcore_lite._transport import http11

from ..servers import RawServer, read_head, read_request, response

Serve = Callable[..., RawServer]
EXPECT = {"Expect": "100-continue"}


@pytest.fixture
def received() -> list[bytes]:
    return []


def test_the_body_goes_after_100_continue(serve: Serve, received: list[bytes]) -> None:
    def server(conn: socket.socket, srv: RawServer) -> None:
        head = read_head(conn)
        received.append(head)
        # Nothing of the body may arrive before the 100.
        conn.settimeout(0.2)
        with pytest.raises(TimeoutError):
            conn.recv(1)
        conn.settimeout(5)
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = b""
        while len(body) < 9:
            body += conn.recv(65536)
        conn.sendall(response(body))

    s = serve(server)
    for _ in range(2):  # the second time, the head is one sent before: the body still waits
        r = requests.post(s.url, data=b"the data!", headers=EXPECT, timeout=5)
        assert r.content == b"the data!"
    assert len(received) == 2
    assert b"expect: 100-continue" in received[0].lower()
    assert not s.errors


@pytest.mark.parametrize("status", ["417 Expectation Failed", "401 Unauthorized"])
def test_an_early_answer_keeps_the_body(serve: Serve, status: str) -> None:
    body_arrived = threading.Event()

    def server(conn: socket.socket, srv: RawServer) -> None:
        read_head(conn)
        conn.sendall(response(b"no thanks", status))
        conn.settimeout(1)
        try:
            if conn.recv(65536):
                body_arrived.set()
        except (TimeoutError, OSError):
            pass

    s = serve(server)
    with requests.Session() as session:
        r = session.post(s.url, data=b"x" * 100_000, headers=EXPECT, timeout=5)
        assert r.status_code == int(status.split(maxsplit=1)[0])
        assert r.text == "no thanks"
        assert session.get(s.url + "/next", timeout=5) is not None  # a new connection
    assert not body_arrived.is_set()
    assert s.accepted == 2  # the connection with the unsent body was not reused


def test_silence_sends_the_body_after_a_short_wait(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http11, "CONTINUE_WAIT", 0.3)

    def server(conn: socket.socket, srv: RawServer) -> None:
        request = read_request(conn)  # head and body: a server that ignores Expect
        conn.sendall(response(request.partition(b"\r\n\r\n")[2]))

    s = serve(server)
    start = time.monotonic()
    r = requests.put(s.url, data=b"anyway", headers=EXPECT, timeout=5)
    elapsed = time.monotonic() - start
    assert r.content == b"anyway"
    assert 0.25 < elapsed < 3


def test_a_streamed_body_waits_too(serve: Serve) -> None:
    def server(conn: socket.socket, srv: RawServer) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        data = b""
        while not data.endswith(b"0\r\n\r\n"):
            data += conn.recv(65536)
        conn.sendall(response(b"chunked: " + str(len(data)).encode()))

    def pieces() -> Iterator[bytes]:
        yield b"a" * 10
        yield b"b" * 10

    r = requests.post(serve(server).url, data=pieces(), headers=EXPECT, timeout=5)
    assert r.text.startswith("chunked: ")


def test_without_the_header_nothing_waits(serve: Serve) -> None:
    def server(conn: socket.socket, srv: RawServer) -> None:
        request = read_request(conn)
        conn.sendall(response(request.partition(b"\r\n\r\n")[2]))

    start = time.monotonic()
    assert requests.post(serve(server).url, data=b"now", timeout=5).content == b"now"
    assert time.monotonic() - start < http11.CONTINUE_WAIT
