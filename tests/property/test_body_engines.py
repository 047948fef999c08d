"""The two body engines held to each other (issue 15): ContentLengthBody (a Content-Length
body read past h11, the fast engine) and H11Body (h11 reads every body: the slow twin,
``HTTP11Connection(stream, read_past_h11=False)``). For any response framed by Content-Length
and any split of its bytes into reads, both must hand out the same body or raise the same
error (class and words), end the exchange alike (state, exchanges, bytes counted, the pool
given the connection back once) and take the same keep-alive decision; a second request
on a kept connection must read the same second response (neither read past its body).

The stream is scripted (in memory): framing is pure, and only a script controls exactly
where the kernel would cut the bytes, and when the server closes or waits.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from httpcore_lite._transport.bodies import LARGE_BODY, ResponseBody
from httpcore_lite._transport.http11 import (
    ConnectionState,
    HTTP11Connection,
    PreparedHeads,
    RequestHead,
)
from httpcore_lite._transport.network import read_exactly_by_parts
from httpcore_lite.exceptions import Phase, ReadTimeout, RequestException
from httpcore_lite.timeouts import Deadline

MiB: Final = 1 << 20
SECOND: Final = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond"
EXTRAS: Final = (b"X", b"\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
Round = tuple[list[bytes], bool]  # the pieces the server sends, whether it closes after them


class Script:
    """A Stream serving one scripted round per request written: each read hands out at most
    the next piece (and no more than the buffer holds). When a round is used up, a server
    that closes gives b"" / 0; one that keeps the connection waits for the next request, so
    a read raises ReadTimeout (an engine reading past its body would wait forever)."""

    def __init__(self, rounds: list[Round]) -> None:
        self.host, self.port, self.reused = "example.test", 80, False
        self.setup = (0.0, 0.0, 0.0)
        self.rounds, self.sent = rounds, list[bytes]()
        self.pieces, self.server_closed, self.closed, self.consumed = list[bytes](), False, False, 0

    def write(
        self, data: bytes | memoryview, timeout: float | None, deadline: Deadline | None
    ) -> None:
        self.sent.append(bytes(data))
        pieces, closes = self.rounds.pop(0) if self.rounds else ([], True)
        self.pieces += [piece for piece in pieces if piece]  # (after what was left unread)
        self.server_closed = closes

    def read_into(
        self, buffer: memoryview, timeout: float | None, phase: Phase, deadline: Deadline | None
    ) -> int:
        assert not self.closed, "read from a closed stream"
        if not self.pieces:
            if self.server_closed:
                return 0
            raise ReadTimeout(f"Read timed out while {phase} example.test:80 (script waits)")
        piece = self.pieces[0]
        count = min(len(buffer), len(piece))
        buffer[:count] = piece[:count]
        self.pieces[0:1] = [piece[count:]] if count < len(piece) else []
        self.consumed += count
        return count

    def read_exactly(
        self, count: int, timeout: float | None, phase: Phase, deadline: Deadline | None
    ) -> bytes:
        return read_exactly_by_parts(self, count, timeout, phase, deadline)

    def is_readable(self) -> bool:
        return self.closed or bool(self.pieces) or self.server_closed

    def close(self) -> None:
        self.closed = True


@dataclass(frozen=True)
class Case:
    """One response framed by Content-Length, how its bytes are cut, and how it is read."""

    method: bytes  # GET, or HEAD (no body read)
    status: int
    version: str
    close_header: bool
    length: int  # the Content-Length announced
    sent: int  # body bytes sent: fewer than ``length`` is a short body
    server_closes: bool  # after the round (always, after a short body or a close)
    extra: bytes  # stray bytes after the body: unread by a correct engine, or refused
    cuts: tuple[int, ...]  # where the wire is cut into reads
    chop: int  # then each piece chopped to this size (0: not)
    mode: str  # how the body is read
    amount: int  # the n of read(n)
    seed: int

    @property
    def has_body(self) -> bool:
        return self.method != b"HEAD" and self.status not in (204, 304)

    def body(self) -> bytes:
        return random.Random(self.seed).randbytes(self.sent) if self.has_body else b""

    def wire(self) -> bytes:
        reason = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified"}
        head = f"HTTP/{self.version} {self.status} {reason.get(self.status, 'Oops')}\r\n"
        head += "Connection: close\r\n" if self.close_header else ""
        head += f"Content-Length: {self.length}\r\nServer: script\r\n\r\n"
        return head.encode() + self.body() + self.extra

    def pieces(self) -> list[bytes]:
        wire = self.wire()
        bounds = sorted({0, len(wire), *(cut for cut in self.cuts if cut < len(wire))})
        pieces = [wire[a:b] for a, b in itertools.pairwise(bounds)]
        if not self.chop:
            return pieces
        return [p[i : i + self.chop] for p in pieces for i in range(0, len(p), self.chop)]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """Mostly plain 200s with whole bodies; now and then the rest (see Case)."""

    def rarely() -> bool:  # one in four (hypothesis favours the ends of sampled_from)
        return draw(st.booleans()) and draw(st.booleans())

    method = b"HEAD" if rarely() else b"GET"
    status = draw(st.sampled_from([201, 404, 500, 204, 304])) if rarely() else 200
    version, close_header = "1.0" if rarely() else "1.1", rarely()
    length = draw(
        st.integers(0, 300)
        | st.integers(301, 70_000)
        | st.sampled_from([LARGE_BODY - 1, LARGE_BODY, LARGE_BODY + 7, 300_000])
    )
    has_body = method != b"HEAD" and status not in (204, 304)
    sent = (
        length - draw(st.integers(1, length))
        if has_body and length and draw(st.booleans())
        else length
    )
    server_closes = sent < length or close_header or rarely()
    if rarely():  # a short body the server keeps open: the read times out
        server_closes = close_header
    extra = draw(st.sampled_from(EXTRAS)) if sent == length and rarely() else b""
    wire_size = 80 + sent + len(extra)
    cuts = tuple(draw(st.lists(st.integers(0, wire_size), max_size=12)))
    chop = draw(st.sampled_from([0, 0, 1, 3, 17, 1000, 65536]))
    chop = 0 if chop and wire_size // chop > 3000 else chop  # (keeps h11's events few)
    mode = draw(st.sampled_from(["rest", "read", "n", "n+rest", "release", "close"]))
    amount = draw(st.sampled_from([1, 7, 4096, MiB + 1] if sent < 20_000 else [4096, MiB + 1]))
    return Case(
        method,
        status,
        version,
        close_header,
        length,
        sent,
        server_closes,
        extra,
        cuts,
        chop,
        mode,
        amount,
        draw(st.integers(0, 2**16)),
    )


def outcome(call: Callable[..., Any], *args: Any) -> Any:
    """What ``call(*args)`` returns, or the class and words of what it raised."""
    try:
        return call(*args)
    except RequestException as exc:
        return (type(exc).__name__, str(exc))


def read_body(body: ResponseBody, mode: str, amount: int, length: int) -> bytes:
    """The body as ``mode`` reads it (to its end, or closed after one piece: b"")."""
    if mode == "rest":
        return body.read_rest()
    if mode == "n+rest":
        return bytes(body.read(amount)) + body.read_rest()
    if mode == "release":  # as RawResponse: every byte handed out, then the empty end asked
        got = bytearray()
        while len(got) < length and (piece := body.read(amount)):
            got += piece
        body.release_if_complete()
        return bytes(got) + bytes(body.read())
    if mode == "close":  # (a read(n) that meets a short body may fail first: fine too)
        with contextlib.suppress(RequestException):
            body.read(amount)
        body.close()
        return bytes(body.read())
    size = amount if mode == "n" else 0
    return b"".join(bytes(piece) for piece in iter(functools.partial(body.read, size), b""))


def run(case: Case, past_h11: bool, pieces: list[bytes]) -> dict[str, Any]:
    """One exchange (and a second on a kept connection) through one engine."""
    script = Script([(pieces, case.server_closes), ([SECOND[:20], SECOND[20:]], False)])
    conn = HTTP11Connection(script, read_past_h11=past_h11)
    given_back: list[int] = []
    request = RequestHead(case.method, b"/", ((b"Host", b"example.test"),))
    head, body = conn.send_prepared(
        PreparedHeads().prepare(request), None, 5.0, None, functools.partial(given_back.append, 1)
    )
    result = outcome(read_body, body, case.mode, case.amount, len(case.body()))
    assert body.at_end and len(given_back) == 1, "the body ended, and gave back once"
    body.close()  # again, and more asked for: nothing more happens
    body.release_if_complete()
    assert len(given_back) == 1 and body.read() == b"" and body.read_rest() == b""
    # (A timeout part-way loses the fast engine's count: see the xfail below; once fixed,
    # drop ``uncounted``. A body closed part-way counts what it read, but the engines read
    # differently much before the close: one exactly what was asked, the other a piece.)
    uncounted = isinstance(result, tuple) and result[0] == "ReadTimeout"
    assert uncounted or body.record.bytes_received == script.consumed, "counted = read"
    uncounted = uncounted or case.mode == "close"
    seen = {
        "status": head.status_code,
        "result": result,
        "state": conn.state,
        "exchanges": conn.exchanges,
        "received": None if uncounted else body.record.bytes_received,
        "reusable": conn.is_idle() and not conn.is_readable(),
        "requests": script.sent,  # (the second, if any, is appended below)
    }
    if seen["reusable"]:
        head, body = conn.send_prepared(
            PreparedHeads().prepare(RequestHead(b"GET", b"/2", request.headers)), None, 5.0
        )
        seen["second"] = (head.status_code, outcome(body.read_rest), conn.state, conn.exchanges)
    return seen


LARGE_SHORT = Case(b"GET", 200, "1.1", False, 300_000, 299_999, True, b"", (9,), 0, "rest", 1, 1)
BIG = LARGE_BODY + 7  # read(MiB + 1) of a large body: read_exactly's growing buffer
LARGE_PIECES = Case(b"GET", 200, "1.1", False, BIG, BIG, False, b"", (99,), 0, "n", MiB + 1, 2)
WAITS = Case(b"GET", 200, "1.1", False, 5000, 3000, False, b"", (60,), 0, "n", 4096, 4)
STRAY = Case(b"GET", 200, "1.1", False, 5, 5, False, b"X", (), 0, "read", 1, 3)


@settings(max_examples=200, deadline=None)
@given(cases())
@example(LARGE_SHORT)
@example(LARGE_PIECES)
@example(STRAY)
@example(WAITS)
def test_both_engines_read_any_split_alike(case: Case) -> None:
    """Same body or same error (class and words: a short body says "received N bytes,
    expected M" in both), same exchanges, and the same keep-alive decision as the pool sees
    it (idle and nothing to read); the same state and byte count unless stray bytes follow
    the body (h11 may swallow them with its last read and close, the fast engine leaves
    them for the pool's check); a kept connection reads the next response alike. Each is
    also held to what the case says it must be."""
    pieces = case.pieces()
    fast, slow = run(case, True, pieces), run(case, False, pieces)
    if case.extra:
        for key in ("state", "received"):
            del fast[key], slow[key]
    assert fast == slow
    short = case.has_body and case.sent < case.length
    if short and case.mode != "close":
        error = "ChunkedEncodingError" if case.server_closes else "ReadTimeout"
        assert fast["result"][0] == error
    elif case.mode != "close":
        assert fast["result"] == case.body()
    ended_whole = case.mode != "close" or not case.length or not case.has_body
    keeps = case.version == "1.1" and not (case.close_header or case.server_closes)
    assert fast["reusable"] is (ended_whole and keeps and not short and not case.extra)
    assert fast["exchanges"] == 1
    if fast["reusable"]:
        assert fast["second"] == (200, b"second", ConnectionState.IDLE, 2)
    elif not case.extra:
        assert fast["state"] is ConnectionState.CLOSED or case.server_closes


@settings(max_examples=100, deadline=None)
@given(cases().filter(lambda case: case.has_body and case.sent > 1), st.integers(1, 8))
def test_a_body_closed_half_way_closes_the_connection_in_both(case: Case, reads: int) -> None:
    """Closed before its end (some reads taken, whatever their size), a body closes its
    connection in both engines and gives it back once; what was handed out is a prefix."""
    for past_h11 in (True, False):
        script = Script([(case.pieces(), case.server_closes)])
        conn = HTTP11Connection(script, read_past_h11=past_h11)
        given_back: list[int] = []
        head = PreparedHeads().prepare(RequestHead(b"GET", b"/", ((b"Host", b"x"),)))
        give_back = functools.partial(given_back.append, 1)
        _, body = conn.send_prepared(head, None, 5.0, None, give_back)
        got = bytearray()
        for _ in range(reads):
            if len(got) == case.sent:
                break  # all handed out, the end not asked for: still half-way
            piece = outcome(body.read, case.amount)
            if not isinstance(piece, (bytes, bytearray)):
                break  # (a short body failed: closed already)
            got += piece
        body.close()
        assert case.body().startswith(got)
        assert (conn.state, conn.exchanges, len(given_back)) == (ConnectionState.CLOSED, 1, 1)


def _exchange(past_h11: bool, pieces: list[bytes]) -> tuple[Script, HTTP11Connection, ResponseBody]:
    conn = HTTP11Connection(script := Script([(pieces, False)]), read_past_h11=past_h11)
    _, body = conn.send_request(RequestHead(b"GET", b"/", ((b"Host", b"x"),)), None, 5.0)
    return script, conn, body


def test_released_then_closed_both_keep_the_connection() -> None:
    """RawResponse's way: every byte handed out, release_if_complete(), then close() (the
    caller read exactly the body, then closed it). Both engines end the body and keep the
    connection: H11Body asks h11 what it holds (no read), and finds the end."""
    states = []
    for past_h11 in (True, False):
        _, conn, body = _exchange(past_h11, [b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"])
        assert bytes(body.read(5)) == b"hello"
        body.release_if_complete()
        body.close()
        states.append(conn.state)
    assert states == [ConnectionState.IDLE] * 2


@pytest.mark.parametrize(
    "ending",
    [
        pytest.param(
            "timeout",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known limitation (a metric only; the connection is closed): a "
                "ReadTimeout inside read_exactly raises with the bytes it read in hand",
            ),
        ),
        "close",
    ],
)
def test_a_body_ended_early_counts_the_bytes_it_read(ending: str) -> None:
    """3 of 10 body bytes came after the head, then the server waits: a read(10) times out,
    or a read(3) is followed by close(). The record should count the 3 bytes read from the
    stream, as H11Body's does. (The fast engine loses them on a timeout: read_exactly
    raises with them in hand.)"""
    for past_h11 in (True, False):
        pieces = [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", b"abc"]
        script, _, body = _exchange(past_h11, pieces)
        if ending == "timeout":
            with pytest.raises(ReadTimeout):
                while body.read(10):
                    pass
        else:
            assert bytes(body.read(3)) == b"abc"
            body.close()
        assert body.record.bytes_received == script.consumed == 42


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_what_a_release_finds_in_h11_is_handed_out_by_the_next_read() -> None:
    """H11Body.release_if_complete takes h11's next event: a piece found is kept for the
    next read (not lost, not out of order), and the end, once found, ends the body."""
    _, conn, body = _exchange(False, [CHUNKED_HEAD + b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"])
    assert bytes(body.read()) == b"hello"
    body.release_if_complete()
    assert not body.at_end
    assert bytes(body.read()) == b"world"
    body.release_if_complete()
    assert body.at_end
    assert conn.state is ConnectionState.IDLE
    assert body.read() == b""


def test_an_error_a_release_finds_in_h11_is_raised_by_the_next_read() -> None:
    """A broken chunk h11 holds is no silent end: the next read raises it."""
    _, conn, body = _exchange(False, [CHUNKED_HEAD + b"5\r\nhello\r\nzz\r\n"])
    assert bytes(body.read()) == b"hello"
    body.release_if_complete()
    assert conn.state is ConnectionState.CLOSED
    with pytest.raises(RequestException, match="Broken response body"):
        body.read()
