"""HTTP11Connection over a socketpair: the server's bytes are scripted by the test."""

from __future__ import annotations

import itertools
import os
import random
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from httpcore_lite._transport import ResponseBody
from httpcore_lite._transport.bodies import LARGE_BODY
from httpcore_lite._transport.http11 import ConnectionState, HTTP11Connection, RequestHead
from httpcore_lite._transport.network import NetworkStream
from httpcore_lite.exceptions import (
    ChunkedEncodingError,
    ConnectionError,
    InvalidHeader,
    Phase,
    ReadTimeout,
    RemoteProtocolError,
    RequestException,
)
from httpcore_lite.timeouts import Deadline

GET = RequestHead(b"GET", b"/", ((b"Host", b"example.test"),))
HEAD = RequestHead(b"HEAD", b"/", ((b"Host", b"example.test"),))


@pytest.fixture
def pair() -> Iterator[tuple[HTTP11Connection, socket.socket]]:
    client, server = socket.socketpair()
    conn = HTTP11Connection(NetworkStream(client, "example.test", 80))
    yield conn, server
    conn.close()
    server.close()


def read_all_body(body: ResponseBody) -> bytes:
    pieces = []
    while piece := body.read():
        pieces.append(bytes(piece))
    return b"".join(pieces)


def test_request_bytes_on_the_wire(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    post = RequestHead(
        b"POST",
        b"/p?q=1",
        (
            (b"Host", b"h"),
            (b"Content-Length", b"3"),
        ),
    )
    _head, _body = conn.send_request(post, b"abc", 1.0)
    assert server.recv(4096) == b"POST /p?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"


def test_chunked_request_body_from_an_iterator(
    pair: tuple[HTTP11Connection, socket.socket],
) -> None:
    conn, server = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    head = RequestHead(
        b"PUT",
        b"/",
        (
            (b"Host", b"h"),
            (b"Transfer-Encoding", b"chunked"),
        ),
    )
    _head, _body = conn.send_request(head, iter([b"ab", b"", b"cde"]), 1.0)
    assert server.recv(4096).endswith(b"\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n")


def test_keep_alive_returns_to_idle(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    for n in range(3):
        server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        head, body = conn.send_request(GET, None, 1.0)
        assert head.status_code == 200
        assert conn.state is ConnectionState.ACTIVE
        assert read_all_body(body) == b"hello"
        assert conn.state is ConnectionState.IDLE  # type: ignore[comparison-overlap]  # (mypy narrowed it)
        assert conn.exchanges == n + 1
    assert conn.is_reused()


def test_connection_close_header_closes(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
    _, body = conn.send_request(GET, None, 1.0)
    assert read_all_body(body) == b"ok"
    assert conn.state is ConnectionState.CLOSED


def test_bytes_after_the_response_close_the_connection(
    pair: tuple[HTTP11Connection, socket.socket],
) -> None:
    conn, server = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokSURPRISE")
    _, body = conn.send_request(GET, None, 1.0)
    assert read_all_body(body) == b"ok"
    assert conn.state is ConnectionState.CLOSED


def test_http10_body_is_read_to_eof(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(b"HTTP/1.0 200 OK\r\n\r\nall of it")
    server.shutdown(socket.SHUT_WR)
    head, body = conn.send_request(GET, None, 1.0)
    assert head.http_version == "1.0"
    assert read_all_body(body) == b"all of it"
    assert conn.state is ConnectionState.CLOSED


@pytest.mark.parametrize(
    ("request_head", "status_line"),
    [(HEAD, b"HTTP/1.1 200 OK"), (GET, b"HTTP/1.1 204 No Content"), (GET, b"HTTP/1.1 304 NM")],
)
def test_no_body_responses(
    pair: tuple[HTTP11Connection, socket.socket], request_head: RequestHead, status_line: bytes
) -> None:
    conn, server = pair
    server.sendall(status_line + b"\r\nContent-Length: 10\r\n\r\n")
    _, body = conn.send_request(request_head, None, 1.0)
    assert read_all_body(body) == b""
    assert conn.state is ConnectionState.IDLE


def test_informational_responses_are_skipped(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    )
    head, _ = conn.send_request(GET, None, 1.0)
    assert head.status_code == 201


def test_close_before_any_response_byte(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    server.shutdown(socket.SHUT_WR)
    with pytest.raises(ConnectionError, match="without sending a response") as info:
        conn.send_request(GET, None, 1.0)
    assert type(info.value) is ConnectionError
    assert not conn.received_response_bytes()
    assert conn.state is ConnectionState.CLOSED


def test_close_in_the_middle_of_the_head(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
    server.shutdown(socket.SHUT_WR)
    with pytest.raises(RemoteProtocolError, match="middle of the response head"):
        conn.send_request(GET, None, 1.0)
    assert conn.received_response_bytes()


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        (b"HTTP/1.1 abc OK\r\n\r\n", "status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", "Content-Length"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", "status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "Content-Length"),
    ],
)
def test_broken_heads_say_what_was_wrong(
    pair: tuple[HTTP11Connection, socket.socket], wire: bytes, message: str
) -> None:
    conn, server = pair
    server.sendall(wire)
    with pytest.raises(RemoteProtocolError, match=message):
        conn.send_request(GET, None, 1.0)
    assert conn.state is ConnectionState.CLOSED


def test_short_body_raises_chunked_encoding_error(
    pair: tuple[HTTP11Connection, socket.socket],
) -> None:
    conn, server = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
    server.shutdown(socket.SHUT_WR)
    _, body = conn.send_request(GET, None, 1.0)
    with pytest.raises(ChunkedEncodingError, match=r"received 10 bytes, expected 100"):
        read_all_body(body)


def test_bad_chunk_size_raises_chunked_encoding_error(
    pair: tuple[HTTP11Connection, socket.socket],
) -> None:
    conn, server = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n")
    _, body = conn.send_request(GET, None, 1.0)
    with pytest.raises(ChunkedEncodingError, match="chunk"):
        read_all_body(body)


def test_head_larger_than_the_limit(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    big = b"X-Big: " + b"a" * 70_000 + b"\r\n"
    server.sendall(b"HTTP/1.1 200 OK\r\n" + big + b"Content-Length: 0\r\n\r\n")
    with pytest.raises(RemoteProtocolError, match="larger than 65536 bytes"):
        conn.send_request(GET, None, 1.0)


def test_read_timeout_closes_the_connection(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, _server = pair
    with pytest.raises(ReadTimeout, match=r"waiting for the response from example\.test:80"):
        conn.send_request(GET, None, 0.05)
    assert conn.state is ConnectionState.CLOSED


def test_invalid_header_refused_by_h11(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    bad = RequestHead(
        b"GET",
        b"/",
        (
            (b"Host", b"h"),
            (b"Bad Name", b"v"),
        ),
    )
    with pytest.raises(InvalidHeader):
        conn.send_request(bad, None, 1.0)
    assert server.recv(1) == b""  # closed, and nothing was sent


def test_a_head_sent_again_goes_out_the_same(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    # From the second time on, a head's bytes go out before h11 takes its event: they must
    # be h11's bytes, and h11 must still track the exchange (the connection goes on).
    conn, server = pair
    other = RequestHead(b"GET", b"/other", ((b"Host", b"example.test"), (b"Accept", b"*/*")))
    sent = []
    for head in (GET, GET, other, GET, other):
        server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        response_head, body = conn.send_request(head, None, 1.0)
        assert response_head.status_code == 200
        assert read_all_body(body) == b"ok"
        assert conn.state is ConnectionState.IDLE
        sent.append(server.recv(4096))
        assert conn.record.bytes_sent == len(sent[-1])
    assert sent[0] == sent[1] == sent[3] == b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"
    assert sent[2] == sent[4] == b"GET /other HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n"
    assert conn.exchanges == 5


def test_a_body_its_head_frames_goes_out_with_it(
    pair: tuple[HTTP11Connection, socket.socket],
) -> None:
    # The second time, head and body go out before h11 takes the events: the same bytes.
    conn, server = pair
    head = RequestHead(b"POST", b"/framed-twice", ((b"Host", b"h"), (b"Content-Length", b"3")))
    for _ in range(2):
        server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        _, body = conn.send_request(head, b"abc", 1.0)
        assert read_all_body(body) == b""
        wire = server.recv(4096)
        assert wire == b"POST /framed-twice HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        assert conn.record.bytes_sent == len(wire)
        assert conn.state is ConnectionState.IDLE
    # Content-Length and chunked framing both: h11 frames the body in chunks, every time.
    both = RequestHead(
        b"POST",
        b"/framed-both",
        ((b"Host", b"h"), (b"Content-Length", b"3"), (b"Transfer-Encoding", b"chunked")),
    )
    for _ in range(2):
        server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        _, body = conn.send_request(both, b"abc", 1.0)
        assert read_all_body(body) == b""
        wire = b""
        while not wire.endswith(b"0\r\n\r\n"):
            wire += server.recv(4096)
        assert wire.endswith(b"\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    # A body of another length than announced: refused before anything is written.
    with pytest.raises(RequestException, match="does not match its headers"):
        conn.send_request(head, b"abcd", 1.0)
    assert conn.state is ConnectionState.CLOSED
    assert server.recv(4096) == b""


def test_a_bodiless_chunked_request_ends_with_the_last_chunk(
    pair: tuple[HTTP11Connection, socket.socket],
) -> None:
    conn, server = pair
    head = RequestHead(
        b"POST", b"/chunked-empty", ((b"Host", b"h"), (b"Transfer-Encoding", b"chunked"))
    )
    for _ in range(2):  # the head unknown, then known
        server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        _, body = conn.send_request(head, None, 1.0)
        assert read_all_body(body) == b""
        received = b""
        while not received.endswith(b"\r\n0\r\n\r\n"):
            received += server.recv(4096)
        assert received == (
            b"POST /chunked-empty HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\n"
        )
        assert conn.state is ConnectionState.IDLE


def test_a_declared_body_that_never_comes_is_refused() -> None:
    # Content-Length: 5 and no body: h11 refuses to end the message. The head went out
    # (h11 ends a message while the server reads its head), the connection is closed.
    head = RequestHead(b"GET", b"/declared", ((b"Host", b"h"), (b"Content-Length", b"5")))
    for _ in range(2):  # the head unknown, then known
        client, server = socket.socketpair()
        conn = HTTP11Connection(NetworkStream(client, "example.test", 80))
        with pytest.raises(RequestException, match="does not match its headers"):
            conn.send_request(head, None, 1.0)
        assert conn.state is ConnectionState.CLOSED
        assert server.recv(4096).startswith(b"GET /declared HTTP/1.1\r\n")
        assert server.recv(1) == b""  # closed
        server.close()


_FRAMING_NAMES = ("Content-Length", "Transfer-Encoding", "Content-Encoding", "Set-Cookie")


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(
        st.sampled_from((*_FRAMING_NAMES, "Server", "X-Content-Length", "Set-Cookie2", "ETag")),
        max_size=8,
    ),
    casing=st.randoms(use_true_random=False),
)
def test_framing_fields_are_found_in_any_case(names: list[str], casing: random.Random) -> None:
    body = b"0123456789"
    fields = []
    for name in names:
        if name == "Transfer-Encoding" or (name == "Content-Length" and "Content-Length" in fields):
            continue  # (a second Content-Length, or chunked framing: other tests)
        fields.append(name)
    spelled = ["".join(casing.choice((c.lower(), c.upper())) for c in name) for name in fields]
    values = {"Content-Length": b"10"}
    wire = b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"%s: %s\r\n" % (name.encode(), values.get(plain, b"x"))
        for name, plain in zip(spelled, fields, strict=True)
    )
    if "Content-Length" not in fields:
        wire += b"Connection: close\r\n"  # the body ends with the connection
    conn = HTTP11Connection(ScriptedStream([wire + b"\r\n" + body]))  # type: ignore[arg-type]
    head, response_body = conn.send_request(GET, None, 1.0)
    assert head.content_encoded == ("Content-Encoding" in fields)
    assert head.sets_cookies == ("Set-Cookie" in fields)
    assert read_all_body(response_body) == body
    expected = ConnectionState.IDLE if "Content-Length" in fields else ConnectionState.CLOSED
    assert conn.state is expected


def test_early_response_to_an_upload_is_heard(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(b"HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    head = RequestHead(
        b"PUT",
        b"/",
        (
            (b"Host", b"h"),
            (b"Transfer-Encoding", b"chunked"),
        ),
    )

    def body() -> Iterator[bytes]:
        yield b"x" * 1024
        server.close()  # the server stops reading: further writes fail
        for _ in range(100):
            yield b"y" * 65536

    response_head, _ = conn.send_request(head, body(), 1.0)
    assert response_head.status_code == 413


class ScriptedStream:
    """Hands the connection exactly the pieces given, one per read: the kernel would merge
    them, and the point is to cut the response at every possible byte."""

    host, port = "example.test", 80
    setup = (0.0, 0.0, 0.0)

    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = pieces

    def read_into(
        self, buffer: memoryview, timeout: float | None, phase: Phase, deadline: Deadline | None
    ) -> int:
        piece = self._pieces.pop(0) if self._pieces else b""
        if len(piece) > len(buffer):  # the rest stays for the next read
            piece, rest = piece[: len(buffer)], piece[len(buffer) :]
            self._pieces.insert(0, rest)
        buffer[: len(piece)] = piece
        return len(piece)

    def write(
        self, data: bytes | memoryview, timeout: float | None, deadline: Deadline | None
    ) -> None:
        pass

    def close(self) -> None:
        pass


@settings(max_examples=200, deadline=None)
@given(
    body=st.binary(min_size=0, max_size=300),
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=10),
    chunk_sizes=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=5),
    chunked=st.booleans(),
)
def test_body_split_anywhere_reads_the_same(
    body: bytes, cuts: list[int], chunk_sizes: list[int], chunked: bool
) -> None:
    # Content-Length bodies are read past h11, chunked ones through it: both, cut anywhere.
    if chunked:
        pieces, rest = [], body
        for size in chunk_sizes * (len(body) + 1):
            if not rest:
                break
            pieces.append(rest[:size])
            rest = rest[size:]
        framed = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces)
        wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + framed + b"0\r\n\r\n"
    else:
        wire = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    points = [0, *sorted({c for c in cuts if c < len(wire)}), len(wire)]
    script = [wire[a:b] for a, b in itertools.pairwise(points) if b > a]
    conn = HTTP11Connection(ScriptedStream(script))  # type: ignore[arg-type]
    _, response_body = conn.send_request(GET, None, 1.0)
    assert read_all_body(response_body) == body
    assert conn.state is ConnectionState.IDLE


def _serve_in_thread(server: socket.socket, data: bytes) -> threading.Thread:
    # A large response does not fit the socketpair's buffer: write it while we read.
    writer = threading.Thread(target=server.sendall, args=(data,))
    writer.start()
    return writer


def test_read_rest_after_part_of_a_large_body(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    body = os.urandom(LARGE_BODY + 5000)
    writer = _serve_in_thread(
        server, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    )
    _, response_body = conn.send_request(GET, None, 1.0)
    first = response_body.read(1000)
    assert len(first) == 1000
    assert first + response_body.read_rest() == body
    assert conn.state is ConnectionState.IDLE
    writer.join(5)


def test_read_rest_when_every_byte_was_read(pair: tuple[HTTP11Connection, socket.socket]) -> None:
    conn, server = pair
    body = os.urandom(LARGE_BODY + 5000)
    writer = _serve_in_thread(
        server, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    )
    _, response_body = conn.send_request(GET, None, 1.0)
    pieces: list[bytes | bytearray] = []
    while sum(map(len, pieces)) < len(body):
        pieces.append(response_body.read(4096))
    assert b"".join(pieces) == body
    assert conn.state is ConnectionState.ACTIVE  # the end is not seen until asked for
    assert response_body.read_rest() == b""  # nothing left: no wait, no error
    assert conn.state is ConnectionState.IDLE  # type: ignore[comparison-overlap]  # (mypy narrowed it)
    writer.join(5)


def test_large_body_then_keep_alive_on_the_same_connection(
    pair: tuple[HTTP11Connection, socket.socket],
) -> None:
    conn, server = pair
    body = os.urandom(LARGE_BODY)
    wire = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    writer = _serve_in_thread(server, wire + b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    _, response_body = conn.send_request(GET, None, 1.0)
    assert response_body.read_rest() == body
    assert conn.state is ConnectionState.IDLE
    # a fresh h11 state machine carries the next exchange
    _, response_body = conn.send_request(GET, None, 1.0)
    assert read_all_body(response_body) == b"ok"
    writer.join(5)
