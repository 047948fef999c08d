"""Issue 14 ("safety first"): responses written to hurt the client, from raw servers.

- Item 2: memory follows the bytes that arrive, not the Content-Length a head announces
  (CPython CVE-2025-13836: http.client allocated what the server promised). A 256 MiB
  promise kept for 300 KB must not cost 256 MiB; 20 digits are a protocol error, not an
  OverflowError; 13 digits end as a short body, not a MemoryError. Peaks are measured with
  tracemalloc, which sees every allocation Python makes, so the bound holds on any machine.
- Item 7: decoding ``deflate`` costs CPU linear in the body. A zlib stream that yields
  nothing for megabytes must not be decoded again from its start at every piece; the client's
  CPU time (``time.thread_time``: the servers run in other threads) is compared, as a
  generous ratio, with a plain zlib loop over the same pieces.
- Item 8: endless informational (1xx) answers are bounded everywhere (CPython
  CVE-2021-3737): while a request with ``Expect: 100-continue`` waits for its 100, in a
  proxy's answer to CONNECT, and for a plain GET.
- Item 16: an answer that cannot be HTTP (an SSH banner, binary bytes) fails as soon as it
  has arrived, not after the read timeout; a status line that merely arrives in pieces still
  works.

Tests whose failure mode is a hang carry ``pytest.mark.timeout`` and give the client a long
read timeout, so that the hang is caught by pytest-timeout rather than by the client.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest

import httpcore_lite as requests
from httpcore_lite.exceptions import ChunkedEncodingError, ProxyError, RemoteProtocolError

from ..servers import Handler, RawServer, read_head, response

Serve = Callable[..., RawServer]
LONG = (5, 30)  # a read timeout well past each test's pytest timeout
MiB = 1 << 20
PEAK_LIMIT = 32 * MiB  # the old code allocated the announced length (256 MiB) up front


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False  # the machine's proxies and .netrc stay out of it
        yield s


@pytest.fixture
def release(serve: Serve) -> Iterator[threading.Event]:
    """Set at teardown (before the servers stop): handlers that hold a connection open, or
    send without end, wait on it."""
    event = threading.Event()
    yield event
    event.set()


@contextlib.contextmanager
def traced_peak() -> Iterator[list[int]]:
    """Trace Python's allocations in the block; the list then holds their peak, in bytes."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


# -- item 2: memory follows the bytes received -------------------------------------------------


def short_body(length: str, sent: int) -> Handler:
    """Read the request, announce ``Content-Length: length``, send ``sent`` bytes, close."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n".encode()
            conn.sendall(head + b"x" * sent)

    return handle


@pytest.mark.parametrize("stream", [False, True], ids=["content", "stream-then-content"])
def test_announced_256_mib_with_300_kb_sent_costs_little_memory(
    serve: Serve, session: requests.Session, stream: bool
) -> None:
    """A 256 MiB Content-Length cut short after 300 KB: a short body, no 256 MiB buffer."""
    server = serve(short_body(str(256 * MiB), 300_000))
    with traced_peak() as peak, pytest.raises(ChunkedEncodingError):
        with session.get(server.url, timeout=LONG, stream=stream) as r:
            r.content  # noqa: B018
    assert peak[0] < PEAK_LIMIT, f"peak {peak[0] / MiB:.0f} MiB"


def test_twenty_digit_content_length_is_a_protocol_error(
    serve: Serve, session: requests.Session
) -> None:
    """A Content-Length of 20 digits raises RemoteProtocolError, not OverflowError."""
    server = serve(short_body("99999999999999999999", 100))
    with pytest.raises(RemoteProtocolError) as info:
        session.get(server.url, timeout=LONG)
    assert isinstance(info.value, requests.exceptions.ConnectionError)
    assert isinstance(info.value, requests.exceptions.RequestException)


def test_thirteen_digit_content_length_cut_short_is_a_short_body(
    serve: Serve, session: requests.Session
) -> None:
    """A 13-digit Content-Length with 100 bytes sent: ChunkedEncodingError, not MemoryError."""
    server = serve(short_body("1234567890123", 100))
    with traced_peak() as peak, pytest.raises(ChunkedEncodingError):
        session.get(server.url, timeout=LONG)
    assert peak[0] < PEAK_LIMIT, f"peak {peak[0] / MiB:.0f} MiB"


def test_streamed_huge_chunk_size_follows_the_bytes_received(
    serve: Serve, session: requests.Session
) -> None:
    """iter_content(1 << 40) over a 2**40 promise cut at 300 KB: a short body, little memory."""
    server = serve(short_body(str(1 << 40), 300_000))
    with traced_peak() as peak, pytest.raises(ChunkedEncodingError):
        with session.get(server.url, timeout=LONG, stream=True) as r:
            for _ in r.iter_content(chunk_size=1 << 40):
                pass
    assert peak[0] < PEAK_LIMIT, f"peak {peak[0] / MiB:.0f} MiB"


# -- item 7: deflate costs linear CPU ----------------------------------------------------------

# Empty stored blocks that keep a deflate stream going with no output (the old decoder, still
# deciding between zlib-wrapped and raw deflate, decoded everything again at every piece).
# Repeated zlib Z_SYNC_FLUSHes would make them, but zlib writes nothing for a flush with no
# input since the last one, so they are written out: BFINAL=0, BTYPE=00 (padded to a byte),
# LEN=0, NLEN=0xFFFF. 600,000 of them, 3 MB: the old code takes seconds, the new milliseconds.
EMPTY_STORED_BLOCK = b"\x00\x00\x00\xff\xff"
EMPTY_BLOCKS = 600_000
PIECE = 4096


@functools.cache
def silent_deflate_pieces() -> list[bytes]:
    """A zlib-wrapped deflate stream of b"hello" behind 3 MB that decode to nothing, in 4 KiB
    pieces."""
    c = zlib.compressobj()
    body = c.compress(b"") + c.flush(zlib.Z_SYNC_FLUSH)  # the zlib header, byte-aligned
    body += EMPTY_STORED_BLOCK * EMPTY_BLOCKS
    body += c.compress(b"hello") + c.flush()
    assert zlib.decompress(body) == b"hello"
    return [body[i : i + PIECE] for i in range(0, len(body), PIECE)]


def chunked_deflate(pieces: list[bytes]) -> Handler:
    """Answer one request with ``pieces`` as a chunked, deflate-encoded body (a chunk each)."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            for piece in pieces:
                conn.sendall(b"%x\r\n%b\r\n" % (len(piece), piece))
            conn.sendall(b"0\r\n\r\n")

    return handle


@pytest.mark.timeout(60)
def test_deflate_decoding_costs_linear_cpu(serve: Serve, session: requests.Session) -> None:
    """3 MB of deflate that yields nothing until the end: CPU near a plain zlib loop's."""
    pieces = silent_deflate_pieces()
    server = serve(chunked_deflate(pieces))
    started = time.thread_time()
    with session.get(server.url, timeout=LONG) as r:
        content = r.content
    client = time.thread_time() - started
    started = time.thread_time()
    d = zlib.decompressobj()
    for piece in pieces:
        d.decompress(piece)
    plain = time.thread_time() - started
    assert content == b"hello"
    assert client < 25 * plain + 0.05, f"client {client:.3f} s, zlib alone {plain:.4f} s"


# -- item 8: endless 1xx answers are bounded ---------------------------------------------------

EARLY_HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def endless(answer: bytes, release: threading.Event) -> Handler:
    """Read a request head, then send ``answer`` over and over (a few at a time) until a
    send fails or ``release`` is set; never a final response."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        read_head(conn)
        while not release.is_set():
            conn.sendall(answer * 16)

    return handle


@pytest.mark.timeout(15)
def test_endless_103_while_expecting_100_continue_is_refused(
    serve: Serve, session: requests.Session, release: threading.Event
) -> None:
    """Expect: 100-continue met by endless 103 Early Hints: RemoteProtocolError, no hang."""
    server = serve(endless(EARLY_HINTS, release))
    with pytest.raises(RemoteProtocolError) as info:
        session.post(server.url, data=b"x" * 10, headers={"Expect": "100-continue"}, timeout=LONG)
    assert isinstance(info.value, requests.exceptions.ConnectionError)
    assert "informational" in str(info.value)


@pytest.mark.timeout(15)
def test_endless_100_in_answer_to_connect_is_a_proxy_error(
    serve: Serve, session: requests.Session, release: threading.Event
) -> None:
    """A proxy answering CONNECT with endless 100 Continue: ProxyError, no hang."""
    proxy = serve(endless(CONTINUE, release))
    with pytest.raises(ProxyError):
        session.get("https://example.test/", proxies={"https": proxy.url}, timeout=LONG)
    assert proxy.accepted == 1


@pytest.mark.timeout(15)
def test_endless_103_answering_a_plain_get_is_refused(
    serve: Serve, session: requests.Session, release: threading.Event
) -> None:
    """Regression (passes on the old code too): endless 103s for a GET: RemoteProtocolError."""
    server = serve(endless(EARLY_HINTS, release))
    with pytest.raises(RemoteProtocolError) as info:
        session.get(server.url, timeout=LONG)
    assert "informational" in str(info.value)


# -- item 16: an answer that is not HTTP fails at once -----------------------------------------


def say_then_hold(data: bytes, release: threading.Event) -> Handler:
    """Read the request, send ``data``, then hold the connection open until ``release``."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        if server.read(conn):
            conn.sendall(data)
            release.wait(30)

    return handle


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "data", [b"SSH-2.0-OpenSSH_9.6\r\n", b"SSH-2.0"], ids=["ssh-banner", "ssh-no-newline"]
)
def test_ssh_banner_held_open_fails_at_once(
    serve: Serve, session: requests.Session, release: threading.Event, data: bytes
) -> None:
    """An SSH banner (a line or less) on a connection held open: ConnectionError at once."""
    server = serve(say_then_hold(data, release))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(server.url, timeout=LONG)


@pytest.mark.timeout(10)
def test_binary_answer_held_open_fails_at_once(
    serve: Serve, session: requests.Session, release: threading.Event
) -> None:
    """Regression (passes on the old code too: h11 refuses a first byte below 0x21 at once)."""
    server = serve(say_then_hold(b"\x00\x01\x02\x03\x04", release))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(server.url, timeout=LONG)


def split_answer(first: bytes, rest: bytes) -> Handler:
    """Read the request, send ``first``, wait 50 ms (the fault), then send ``rest``."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if server.read(conn):
            conn.sendall(first)
            time.sleep(0.05)
            conn.sendall(rest)

    return handle


@pytest.mark.timeout(10)
@pytest.mark.parametrize("cut", [3, len(b"HTTP/1.1 2")], ids=["HTT", "HTTP/1.1 2"])
def test_status_line_arriving_in_pieces_still_works(
    serve: Serve, session: requests.Session, cut: int
) -> None:
    """Regression (passes on the old code too): a status line split by a delay is read whole."""
    answer = response(b"ok")  # HTTP/1.1 200 OK, Content-Length: 2, "ok"
    server = serve(split_answer(answer[:cut], answer[cut:]))
    with session.get(server.url, timeout=LONG) as r:
        assert r.status_code == 200
        assert r.text == "ok"
