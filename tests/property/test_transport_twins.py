"""Each fast path of the transport against its slow twin (docs/architecture.md lists the
pairs): on the same input, the cheap route must give what the general route gives. Both
routes are forced without touching the library: h11 alone on the same bytes, reads by parts
beside a buffered reader, a Python timeout beside the kernel's, a Content-Encoding of
identity beside none."""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import itertools
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import h11
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import httpcore_lite as requests
from httpcore_lite._transport import ResponseBody, http11
from httpcore_lite._transport.bodies import LARGE_BODY
from httpcore_lite._transport.http11 import HTTP11Connection, PreparedHeads, RequestHead
from httpcore_lite._transport.network import (
    NetworkStream,
    read_exactly_by_parts,
    read_exactly_into_by_parts,
)
from httpcore_lite.exceptions import ChunkedEncodingError, Phase
from httpcore_lite.timeouts import Deadline, kernel_timed

from ..bodies import ChunkSource, split_at
from ..servers import RawServer, raw_server, read_head, response
from ._twins import outcome

MiB = 1 << 20
IDLE, CLOSED = http11.ConnectionState.IDLE, http11.ConnectionState.CLOSED
GET = RequestHead(b"GET", b"/", ((b"Host", b"example.test"),))
SOME_NAMES = ("Content-Encoding", "Set-Cookie", "X-Content-Encoding", "Set-Cookie2", "Server")
Handler = Callable[[socket.socket, RawServer], None]


def _seeded(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _digest(data: bytes) -> tuple[int, str]:
    return len(data), hashlib.sha256(data).hexdigest()[:16]


def _cased(name: str, rnd: random.Random) -> str:
    return "".join(rnd.choice((c.lower(), c.upper())) for c in name)


class Script:
    """A Stream that hands out scripted pieces, one per read (as the kernel may cut them)."""

    host, port, setup, reused = "example.test", 80, (0.0, 0.0, 0.0), False
    write = close = staticmethod(lambda *args: None)

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces, self.offset = [piece for piece in pieces if piece], 0

    def unread(self) -> bytes:
        return b"".join(self.pieces)[self.offset :]

    def read_into(
        self, buffer: memoryview, timeout: float | None, phase: Phase, deadline: Deadline | None
    ) -> int:
        piece, start = (self.pieces or [b""])[0], self.offset
        count = min(len(buffer), len(piece) - start)
        buffer[:count] = piece[start : start + count]
        self.offset += count
        if self.pieces and self.offset == len(piece):
            self.pieces, self.offset = self.pieces[1:], 0
        return count

    def read_exactly(
        self, count: int, timeout: float | None, phase: Phase, deadline: Deadline | None
    ) -> bytes:
        return read_exactly_by_parts(self, count, timeout, phase, deadline)  # type: ignore[arg-type]


def _h11_reads(wire: bytes, closes: bool) -> tuple[Any, bytes, str | None, bool, bytes]:
    """The slow twin: what h11 alone makes of ``wire``: head, body, error, whether both sides
    are DONE, and the bytes after the message."""
    conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=http11.MAX_RESPONSE_HEAD)
    conn.send(h11.Request(method=b"GET", target=b"/", headers=[(b"Host", b"example.test")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(wire)
    if closes:
        conn.receive_data(b"")
    head, body = None, bytearray()
    try:
        while type(event := conn.next_event()) is not h11.EndOfMessage:
            assert event is not h11.NEED_DATA  # (the script holds a whole response)
            head = event if type(event) is h11.Response else head
            body += event.data if type(event) is h11.Data else b""
    except h11.RemoteProtocolError as exc:
        return head, bytes(body), str(exc), False, b""
    done = conn.our_state is h11.DONE and conn.their_state is h11.DONE
    return head, bytes(body), None, done, bytes(conn.trailing_data[0])


def _read(body: ResponseBody, mode: str, size: int) -> bytes:
    # (Never asking again once the end was handed out: the connection may carry another.)
    if mode == "rest":
        return body.read_rest()
    if mode == "piece+rest":
        first = bytes(body.read(size))
        return first + body.read_rest() if first else b""
    read = functools.partial(body.read, size) if mode == "piece" else body.read
    return b"".join(bytes(piece) for piece in iter(read, b""))


RESPONSES = st.tuples(
    st.integers(0, 300) | st.sampled_from([LARGE_BODY - 1, LARGE_BODY + 7, 2 * MiB + 3]),
    st.sampled_from(["length", "chunked", "close", "both"]),  # framing
    st.sampled_from(["1.1", "1.0"]),
    st.lists(st.sampled_from(SOME_NAMES), max_size=4),  # other fields
    st.randoms(use_true_random=False),  # casing, chunk sizes
    st.lists(st.integers(min_value=0), max_size=8),  # where reads are cut
    st.none() | st.floats(0, 0.99),  # where the body is cut short
    st.sampled_from([b"", b"HTTP/1.1 200 OK\r\n\r\n"]),  # bytes after the response
    st.sampled_from(["body", "piece", "rest", "piece+rest"]),  # how it is read
    st.integers(1, 5000) | st.sampled_from([MiB + 1, MiB + 65536, 3 * MiB]),  # piece size
)
LARGE_PIECE: tuple[Any, ...] = (
    2 * MiB + 3,
    "length",
    "1.1",
    [],
    random.Random(0),
    [],
    None,
    b"",
    "piece",
    MiB + 1,
)
SHORT_REST: tuple[Any, ...] = (
    2 * MiB + 3,
    "length",
    "1.1",
    [],
    random.Random(0),
    [9],
    0.7,
    b"",
    "rest",
    1,
)


@settings(max_examples=150, deadline=None)
@given(RESPONSES)
@example(LARGE_PIECE)
@example(SHORT_REST)
def test_the_transport_reads_a_response_as_h11_alone_does(case: tuple[Any, ...]) -> None:
    """Fast paths: Content-Length bodies read past h11 (ContentLengthBody.read, read(n),
    read_rest and its growing buffer, _read_growing), framing fields found in one pass of C
    code, the first read made without asking h11, the next exchange's h11 made ahead. Slow
    twin: h11 alone on the same bytes. Same head and flags, same body or error counts, and
    the connection kept only when h11 would keep it (bytes after the body left unread, for
    the pool's check)."""
    length, framing, version, names, rnd, cuts, short, extra, mode, size = case
    body = _seeded(length, length)
    fields = [(_cased(name, rnd), "v") for name in names]
    if framing in ("length", "both"):
        fields.append((_cased("Content-Length", rnd), str(len(body))))
    payload = body
    if framing in ("chunked", "both"):
        fields.append((_cased("Transfer-Encoding", rnd), "chunked"))
        pieces = split_at(body, [rnd.randrange(len(body) + 1) for _ in range(3)])
        payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    closes = framing == "close" or short is not None
    payload = payload if short is None else payload[: int(len(payload) * short)]
    head = f"HTTP/{version} 200 OK\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields) + "\r\n"
    wire = head.encode() + payload + (b"" if closes else extra)
    twin_head, twin_body, twin_error, done, trailing = _h11_reads(wire, closes)
    size = size if len(body) < LARGE_BODY else max(size, 65536)  # (keeps the test fast)
    conn = HTTP11Connection(script := Script(split_at(wire, cuts)))  # type: ignore[arg-type]
    got, response_body = conn.send_request(GET, None, 1.0)
    assert (got.status_code, got.headers) == (twin_head.status_code, twin_head.headers.raw_items())
    lowered = {name.lower() for name, _ in got.headers}
    flags = (b"content-encoding" in lowered, b"set-cookie" in lowered)
    assert (got.content_encoded, got.sets_cookies) == flags
    if twin_error is not None:
        with pytest.raises(ChunkedEncodingError) as info:
            _read(response_body, mode, size)
        # Where h11 counts what came, the counts agree (and the words: see _short_direct_body);
        # other reasons are reworded for people ("... in the middle of the response body").
        counts = re.findall(r"received \d+ bytes, expected \d+", twin_error)
        assert all(count in str(info.value) for count in counts)
        assert conn.state is CLOSED
        return
    read = _read(response_body, mode, size)
    assert (len(read), read) == (len(twin_body), twin_body)
    keep = done and not trailing and framing != "both"
    if keep and closes:  # kept or not, the pool's check sees the end of the stream
        assert conn.state in (IDLE, CLOSED)
    elif keep:
        assert conn.state is IDLE
        script.pieces.append(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        again, again_body = conn.send_request(GET, None, 1.0)
        assert (again.status_code, again_body.read_rest()) == (200, b"ok")
    else:  # closed, or the bytes after it left unread for the pool's check to find
        assert conn.state is CLOSED or script.unread() == trailing != b""


def _drain(sock: socket.socket) -> bytes:
    chunks = []
    with contextlib.suppress(ConnectionResetError):  # (after what the peer sent)
        while chunk := sock.recv(MiB):
            chunks.append(chunk)
    return b"".join(chunks)


def _send_once(heads: PreparedHeads, head: RequestHead, body: Any) -> tuple[Any, ...]:
    client, peer = socket.socketpair()
    conn = HTTP11Connection(NetworkStream(client, "example.test", 80), heads)
    peer.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(_drain(peer)))
    reader.start()  # (read while the client writes: no write waits for room)
    bodies: list[ResponseBody] = []  # (unread, kept open until the state is taken)

    def send() -> tuple[Any, int]:
        response_head, response_body = conn.send_request(head, body, 1.0)
        bodies.append(response_body)
        return response_head, conn.record.bytes_sent

    result = outcome(send)
    state = conn.state
    conn.close()
    reader.join()
    peer.close()
    return result, state, received[0]


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from([b"GET", b"POST"]),
    st.none() | st.binary(max_size=40) | st.just(b"L" * 70_000),
    st.sampled_from(["exact", "other", "zero", "none"]),  # the Content-Length
    st.booleans(),  # chunked too
    st.booleans(),  # the body as an iterator
)
def test_a_head_sent_again_goes_out_as_h11_first_wrote_it(
    method: bytes, body: bytes | None, length: str, chunked: bool, iterate: bool
) -> None:
    """Fast paths: a head h11 wrote once goes out before h11 takes its event
    (PreparedHead.data), with a body its Content-Length frames (PreparedHead.frames), in one
    write. Slow twin: the first sending, all through h11. The peer gets the same bytes, the
    caller the same answer or error, and the connection ends in the same state."""
    headers = [(b"Host", b"h")]
    declared = {"exact": len(body or b""), "other": len(body or b"") + 1, "zero": 0}
    if length in declared:
        headers.append((b"Content-Length", b"%d" % declared[length]))
    if chunked:
        headers.append((b"Transfer-Encoding", b"chunked"))
    head, heads = RequestHead(method, b"/twin", tuple(headers)), PreparedHeads()
    sent = [_send_once(heads, head, iter([body]) if iterate and body else body) for _ in "123"]
    assert sent[0] == sent[1] == sent[2]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 300_000), st.binary(max_size=20), st.booleans())
def test_exact_reads_through_a_buffered_reader_equal_reads_by_parts(
    size: int, after: bytes, short: bool
) -> None:
    """Fast path: NetworkStream.read_exactly through a BufferedReader on the socket (the
    kernel's copy only). Slow twin: one recv at a time (read_exactly_by_parts), taken when a
    deadline is set, and always by read_exactly_into_by_parts. Same bytes, the same short count when
    the peer closes early, and nothing read past the count."""
    sent = _seeded(size, size)[: size // 2] if short else _seeded(size, size) + after
    results = []
    for deadline, into in itertools.product((None, Deadline(30)), (False, True)):
        client, peer = socket.socketpair()
        stream = NetworkStream(client, "example.test", 80)
        writer = threading.Thread(target=lambda p=peer: (p.sendall(sent), p.close()))
        writer.start()
        if into:
            buffer = bytearray(size)
            count = read_exactly_into_by_parts(
                stream, memoryview(buffer), 5, Phase.READING_BODY, deadline
            )
            got = bytes(buffer[:count])
        else:
            got = stream.read_exactly(size, 5, Phase.READING_BODY, deadline)
        writer.join()
        results.append((got, _drain(client)))
        stream.close()
    assert results == [(sent[:size], sent[size:])] * 4


def _answer(first: bytes, drip: bytes = b"") -> Handler:
    def answer(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        conn.sendall(first)
        for byte in drip:  # each wait shorter than the read timeout, all of them longer
            server.state["hold"].wait(0.12)
            conn.sendall(bytes([byte]))
        server.state["hold"].wait(10)

    return answer


STALLED_BODY = response(b"x" * 300_000, headers=[("Content-Length", str(4 * MiB))])


@pytest.mark.parametrize(
    "handler",
    [
        _answer(b""),
        _answer(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", b"drip"),
        _answer(STALLED_BODY),
    ],
    ids=["silent", "drip", "stalled-body"],
)
def test_kernel_timeouts_time_out_where_python_timeouts_do(
    serve: Callable[[Handler], RawServer], handler: Handler
) -> None:
    """Fast path: the default's read timeout is a KernelTimeout, which the kernel enforces
    on a blocking socket (SO_RCVTIMEO: no poll per call). Slow twin: the same number as a
    Python socket timeout. Both bound each wait, "until the response head arrives, and every
    read of the body" (docs/timeouts.md): the same answer or the same error and message, in
    about the same time. (Writing differs: a Python timeout bounds a whole sendall(), as in
    requests; the kernel's, each wait. See docs/architecture.md, fast paths.)"""
    server = serve(handler)
    server.state["hold"] = threading.Event()
    outcomes = []
    try:
        for timeout in (kernel_timed(5, 0.3), (5, 0.3)):
            with requests.Session() as s:
                start = time.monotonic()
                got = outcome(lambda t=timeout: s.post(server.url, timeout=t).content)
                outcomes.append((got, time.monotonic() - start < 2.5))
    finally:
        server.state["hold"].set()
    assert outcomes[0] == outcomes[1], f"kernel: {outcomes[0]!r}\npython: {outcomes[1]!r}"


@pytest.fixture(scope="module")
def body_server() -> Iterator[RawServer]:
    def answer(conn: socket.socket, server: RawServer) -> None:
        while request := read_head(conn):
            query = parse_qs(urlsplit(request.split(b" ", 2)[1].decode()).query)
            size, cut, frame = (int(query[k][0]) for k in ("size", "cut", "frame"))
            body = _seeded(size, size)
            headers = [("Content-Encoding", "identity")] if "identity" in query else []
            headers += [[("Content-Length", str(size))], [], [("Connection", "close")]][frame]
            if frame == 1:
                headers.append(("Transfer-Encoding", "chunked"))
                body = (b"%x\r\n%s\r\n" % (size, body) if size else b"") + b"0\r\n\r\n"
            wire = response(body, headers=headers)
            conn.sendall(wire if cut < 0 else wire[: len(wire) - len(body) + cut])
            if cut >= 0 or frame == 2:
                return

    with raw_server(answer) as server:
        yield server


def _read_by(route: str, chunk: int, s: requests.Session, url: str) -> tuple[int, str]:
    if route not in ("raw", "chunks"):
        return _digest(s.get(url + ("&identity=1" if route == "identity" else "")).content or b"")
    with s.get(url, stream=True) as r:
        return _digest(r.raw.read() if route == "raw" else b"".join(r.iter_content(chunk)))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([0, 1, 1000, LARGE_BODY - 1, LARGE_BODY, 2 * MiB + 5]),
    st.sampled_from([0, 1, 2]),  # Content-Length, chunked, until the connection closes
    st.none() | st.floats(0, 0.99),  # where the body is cut short
    st.sampled_from([4096, 65536, MiB + 1, 3 * MiB]),  # iter_content's chunk size
)
@example(2 * MiB + 5, 0, None, MiB + 1)
def test_content_reads_the_body_every_other_route_reads(
    body_server: RawServer, size: int, frame: int, cut: float | None, chunk: int
) -> None:
    """Fast paths: .content of a body without Content-Encoding read straight from the
    connection (ResponseBody.read_rest: ContentLengthBody.read_rest, one growing buffer
    from LARGE_BODY up, _read_growing); streamed pieces of over 1 MiB read straight into
    their bytes (ContentLengthBody.read(n) -> _read_growing). Slow twins: the same
    body sent with "Content-Encoding: identity" (through RawResponse), raw.read(), and an
    in-memory source. Same bytes or the same error, and the connection reused alike."""
    at = -1 if cut is None else int(size * cut)
    url = f"{body_server.url}/?size={size}&cut={at}&frame={frame}"
    outcomes = []
    for route in ("content", "identity", "raw", "chunks"):
        with requests.Session() as s:
            s.timeout = (5, 5)
            got = outcome(_read_by, route, chunk, s, url)
            s.get(f"{body_server.url}/?size=2&cut=-1&frame=0")
            [counts] = s.pool_statistics().values()
            outcomes.append((route, got, counts["opened"], counts["idle"]))
    assert [o[1:] for o in outcomes[1:]] == [outcomes[0][1:]] * 3, outcomes
    assert at >= 0 or outcomes[0][1] == _digest(_seeded(size, size))
    r = requests.Response()
    r.status_code = 200
    r.attach_body(ChunkSource(*split_at(_seeded(size, size), [size // 3, size // 2])))
    assert _digest(r.content or b"") == _digest(_seeded(size, size))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(SOME_NAMES), unique=True), st.randoms(), st.booleans())
def test_encoding_and_cookie_flags_agree_with_the_fields(
    names: list[str], rnd: random.Random, first: bool
) -> None:
    """Fast paths: the transport notes Content-Encoding and Set-Cookie fields in its scan for
    framing (ResponseHead.content_encoded, .sets_cookies); Response skips RawResponse for a
    body without Content-Encoding, and decodes headers only when asked. Slow twins: the raw
    fields scanned by Response, and the decoded headers. Same verdicts, same content."""
    text = b"twin body " * 20
    encoded = gzip.compress(text)
    fields = b"".join(
        b"%s: %s\r\n" % (_cased(n, rnd).encode(), b"gzip" if "Enc" in n else b"a=1") for n in names
    )
    wire = b"HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n" % (fields, len(encoded)) + encoded
    head, _ = HTTP11Connection(Script([wire])).send_request(GET, None, 1.0)  # type: ignore[arg-type]
    verdicts = ("Content-Encoding" in names, "Set-Cookie" in names)
    assert (head.content_encoded, head.sets_cookies) == verdicts
    for flags in ((head.content_encoded, head.sets_cookies), (None, None)):
        r = requests.Response()
        r.status_code = 200
        r.set_raw_headers(head.headers, *flags)
        r.attach_body(ChunkSource(*split_at(encoded, [rnd.randrange(len(encoded))])))
        if first:
            r.headers  # noqa: B018  # decoded before the body is read
        assert (r.content, r.sets_cookies) == (text if verdicts[0] else encoded, verdicts[1])
        assert ("content-encoding" in r.headers, "set-cookie" in r.headers) == verdicts


_FIELD_BYTES = st.sampled_from(
    [b"a", b"Z", b"0", b"-", b"!", b"~", b"|", b" ", b"\t", b":", b"(", b'"', b"/", b"\x00"]
) | st.sampled_from([b"\n", b"\r", b"\x0b", b"\x0c", b"\x01", b"\x1f", b"\x7f", b"\x80", b"\xff"])
_FIELD = st.lists(_FIELD_BYTES, max_size=6).map(b"".join)


def _h11_accepts(fields: list[tuple[bytes, bytes]]) -> bool:
    try:
        h11.Request(method=b"GET", target=b"/", headers=[(b"Host", b"h"), *fields])
    except h11.LocalProtocolError:
        return False
    return True


_EDGE = st.sampled_from([b"", b" ", b"\t", b"  ", b" \t"])  # around a value: h11 refuses them


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            _FIELD.map(b"x-".__add__) | _FIELD,
            _FIELD | st.tuples(_EDGE, _FIELD, _EDGE).map(b"".join),
        ),
        max_size=4,
    )
)
@example([(b"x-a", b"v\t")])
@example([(b"x-a", b"\tv")])
@example([(b"x(a", b"v")])
def test_header_fields_pass_our_grammar_check_as_they_pass_h11s(
    fields: list[tuple[bytes, bytes]],
) -> None:
    """Fast path: a head's fields checked against h11's grammar in a few passes of C code
    (http11.fields_follow_h11_grammar), the event then built as h11 builds those it parsed.
    Slow twin: h11's two regular expressions per field. The same verdict for any bytes, and
    the same head on the wire (or the same refusal)."""
    head = RequestHead(b"GET", b"/", ((b"Host", b"h"), *fields))
    assert http11.fields_follow_h11_grammar(head.headers) == _h11_accepts(fields)
    try:
        twin: h11.Request | None = h11.Request(
            method=b"GET", target=b"/", headers=list(head.headers)
        )
    except h11.LocalProtocolError:
        twin = None
    fast = outcome(lambda: http11.PreparedHead(head).event)
    if twin is not None:
        assert isinstance(fast, h11.Request)
        written = [h11.Connection(h11.CLIENT).send(event) for event in (fast, twin)]
        assert written[0] == written[1]
    else:
        assert isinstance(fast, tuple)
        assert fast[0] == "InvalidHeader"
