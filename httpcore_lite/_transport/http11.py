"""HTTP11Connection: one HTTP/1.1 exchange at a time over a Stream, driven by h11.

The only module that imports h11. Its errors become ours here, once: a response that breaks
HTTP/1.1 raises RemoteProtocolError while the head is read and ChunkedEncodingError while
the body is read, each with h11's own account of what was wrong.

The life of a connection: NEW -> ACTIVE (one exchange) -> IDLE (reusable) -> ACTIVE -> ...
-> CLOSED. It goes back to IDLE only when both sides finished their messages cleanly and no
unasked bytes followed the response; anything else closes it.

Sending a request returns the response head and its body, a ResponseBody (bodies.py) of
one of two engines: H11Body (here) for what h11 frames, ContentLengthBody for a body framed
by Content-Length, read past h11 (h11 copies every body byte three times on its way through
its receive buffer). h11 still parses every head and decides whether the connection may stay
open (after a "Connection: close" or an HTTP/1.0 response its ``our_state`` is already
MUST_CLOSE); after a body read past h11 the next exchange starts with a fresh h11.Connection.
The body tells the connection when it is over (``_end_past_h11``, ``_end_through_h11``).
"""

from __future__ import annotations

import enum
import operator
import time
from collections.abc import Iterable
from typing import Final, NamedTuple, TypeGuard

import h11

from ..exceptions import (
    ChunkedEncodingError,
    ConnectionError,
    InvalidHeader,
    Phase,
    ReadTimeout,
    RemoteProtocolError,
    RequestException,
)
from ..metrics import ExchangeRecord
from ..timeouts import Deadline
from .bodies import (
    FIRST_READ_SIZE,
    READ_SIZE,
    ContentLengthBody,
    Finish,
    GiveBack,
    ReadBuffer,
    ResponseBody,
    not_pooled,
)
from .network import Stream, peer, with_context

# Phase members used on every request, looked up once: in Python 3.11 an attribute of
# an Enum class costs 0.1 us (EnumType.__getattr__ slows every lookup on the class).
_WAITING: Final = Phase.WAITING
_READING_BODY: Final = Phase.READING_BODY

# h11 refuses a response head larger than this (its default is 16 KiB; real servers send
# large cookies and CSP headers). http.client allows 64 KiB per header line and 100 lines;
# a whole head of 64 KiB is stricter than requests, and generous for any honest server.
MAX_RESPONSE_HEAD: Final = 64 * 1024
# http.client's limit (so requests' too): more fields than this is no honest response.
MAX_RESPONSE_HEADERS: Final = 100
# 1xx heads before the final one: each is bounded in size, their number must be too, or a
# server could keep a client waiting forever within every read timeout.
MAX_INFORMATIONAL_RESPONSES: Final = 100
# No body can be longer (curl's limit too: a signed 64-bit size); more is a framing error.
MAX_CONTENT_LENGTH: Final = 2**63 - 1
_NO_BODY_STATUSES: Final = frozenset({204, 304})  # RFC 9110 section 6.4.1
# Every response head starts so (RFC 9112 section 4; h11 and http.client accept nothing
# before it, not even an empty line).
_STATUS_LINE_START: Final = b"HTTP/"
# How long a request with "Expect: 100-continue" waits for the server's word before it sends
# its body anyway (curl waits 1 s too).
CONTINUE_WAIT: Final = 1.0
# Bodies up to this size go out in the same write as the head: one syscall, one packet.
_COALESCE_LIMIT: Final = 64 * 1024

RequestBody = bytes | Iterable[bytes] | None
_END_OF_MESSAGE: Final = h11.EndOfMessage()  # immutable: one serves every request
_NO_SETUP: Final = (0.0, 0.0, 0.0)  # a reused connection was opened for an earlier exchange
_field_name: Final = operator.itemgetter(0)
_field_value: Final = operator.itemgetter(1)
# h11's grammar of request header fields (h11/_abnf.py): the bytes of a token, and the
# whitespace (Python's \s for bytes) that no field value may hold but for inner spaces and
# tabs.
_TOKEN_BYTES: Final = (
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
_NOT_FIELD_VALUE: Final = b"\n\r\x0b\x0c"


class ConnectionState(enum.Enum):
    NEW = "NEW"
    ACTIVE = "ACTIVE"
    IDLE = "IDLE"
    CLOSED = "CLOSED"


Headers = tuple[tuple[bytes, bytes], ...]


class RequestHead(NamedTuple):
    """The request line and headers, encoded, Host included. Hashable: a client sends the
    same head again and again, and h11's validation of it is done once (``PreparedHeads``).
    (Tuples, not frozen dataclasses: these are built on every request.)
    """

    method: bytes
    target: bytes
    headers: Headers


class ResponseHead(NamedTuple):
    status_code: int
    reason: str
    headers: list[tuple[bytes, bytes]]
    http_version: str
    # Found in the one pass over the fields that framing needs anyway, so that the layers
    # above need not look again: a Content-Encoding to undo, Set-Cookie fields to store.
    content_encoded: bool = False
    sets_cookies: bool = False


class HTTP11Connection:
    """One HTTP/1.1 connection: send a request, read the response head, hand up its body.

    ``read_past_h11=False`` has h11 read every body (the slow twin of ContentLengthBody, for
    the tests that hold the two engines to the same results).

    Example:
        >>> conn = HTTP11Connection(connect_tcp("127.0.0.1", 8080, 3.0))
        >>> head, body = conn.send_request(RequestHead(b"GET", b"/", ((b"Host", b"x"),)), None, 5.0)
        >>> head.status_code, body.read_rest()
        (200, b'hello')
    """

    __slots__ = (
        "_buffer",
        "_h11",
        "_heads",
        "_informational",
        "_next_h11",
        "_read_past_h11",
        "_request_method",
        "_response_bytes",
        "_state",
        "_stream",
        "_suspect_framing",
        "exchanges",
        "idle_since",
        "record",
        "request_started_writing",
    )

    def __init__(
        self, stream: Stream, heads: PreparedHeads | None = None, *, read_past_h11: bool = True
    ) -> None:
        self._stream = stream
        self._read_past_h11 = read_past_h11
        # The heads this connection's pool has prepared (its own, when it has no pool).
        self._heads = PreparedHeads() if heads is None else heads
        self._h11 = _new_h11()
        # The h11 connection the next exchange starts with after a body read past h11,
        # made while the server works on a request (see send_prepared).
        self._next_h11: h11.Connection | None = None
        self._state = ConnectionState.NEW
        # When the last exchange finished (time.monotonic()), or the connection opened.
        self.idle_since = time.monotonic()
        self._buffer = ReadBuffer()
        self._response_bytes = 0  # of the current exchange's response, head and body
        self._informational = 0  # 1xx heads received in this exchange
        self._request_method = b""
        self._suspect_framing = False
        # The stamps of the current (or last) exchange; each exchange gets a new one.
        self.record = ExchangeRecord(self.idle_since, False, _NO_SETUP)
        self.exchanges = 0  # finished request/response exchanges
        self.request_started_writing = False

    def __repr__(self) -> str:
        return (
            f"<HTTP11Connection [{self._state.value}, {self.exchanges} exchanges] "
            f"{peer(self._stream.host, self._stream.port)}>"
        )

    # -- questions the pool asks --------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        return self._state

    def is_idle(self) -> bool:
        return self._state is ConnectionState.IDLE

    def is_reused(self) -> bool:
        """Whether an earlier exchange ran on this connection (so it may have gone stale)."""
        return self.exchanges > 0

    def is_readable(self) -> bool:
        """An idle connection with something to read was closed by the server, or got
        bytes nobody asked for: it must not carry another request."""
        return self._stream.is_readable()

    def received_response_bytes(self) -> bool:
        """Whether any byte of the current exchange's response arrived."""
        return self._response_bytes > 0

    # -- one exchange --------------------------------------------------------------------

    def send_request(
        self,
        request: RequestHead,
        body: RequestBody,
        timeout: float | None,
        deadline: Deadline | None = None,
    ) -> tuple[ResponseHead, ResponseBody]:
        """Send the request head and body, then read the response head; return it with the
        response's body. Every wait of the exchange, the body's included, is cut to what
        is left of ``deadline``.

        A server that answers before reading the whole body (a 413, say) is still heard:
        when writing the body fails, the response is read if one arrived.

        Raises:
            InvalidHeader: h11 refused a header that got past validation (the connection
                is closed, nothing was sent).
            ConnectionError: the connection broke, or the server closed it without a response.
            RemoteProtocolError: the response head broke HTTP/1.1.
            ReadTimeout: the server sent nothing within ``timeout``.
        """
        try:
            prepared = self._heads.prepare(request)
        except InvalidHeader:
            self.close()
            raise
        return self.send_prepared(prepared, body, timeout, deadline)

    def send_prepared(
        self,
        request: PreparedHead,
        body: RequestBody,
        timeout: float | None,
        deadline: Deadline | None = None,
        give_back: GiveBack = not_pooled,
    ) -> tuple[ResponseHead, ResponseBody]:
        """``send_request`` for a head prepared already (the pool prepares a head before it
        takes a connection, so that one h11 refuses opens none). The body calls
        ``give_back`` once it is over (read to the end, closed, or failed), after this
        connection decided whether it can carry another exchange.

        Raises:
            ConnectionError, RemoteProtocolError, ReadTimeout: as ``send_request``.
        """
        self._state = ConnectionState.ACTIVE
        stream = self._stream
        reused = stream.reused = self.exchanges > 0
        record = self.record = ExchangeRecord(
            time.monotonic(), reused, _NO_SETUP if reused else stream.setup
        )
        self._response_bytes = 0
        self._informational = 0
        self._request_method = request.method
        self.request_started_writing = False
        try:
            early = self._write_request(request, body, timeout, deadline)
        except ConnectionError as write_error:
            event = self._response_after_failed_write(write_error, timeout, deadline)
        except RequestException:
            self.close()
            raise
        else:
            record.sent = time.monotonic()
            if self._next_h11 is None:
                # The server is working on the request: time this thread would spend
                # waiting anyway, so the next exchange's h11 connection is made now.
                self._next_h11 = _new_h11()
            event = self._read_response_head(timeout, deadline) if early is None else early
        head, length = self._response_head(event)
        record.headed = time.monotonic()
        return head, self._body(head.status_code, length, timeout, deadline, give_back)

    def close(self) -> None:
        self._state = ConnectionState.CLOSED
        self._stream.close()

    # -- writing the request -------------------------------------------------------------

    def _write_request(
        self,
        prepared: PreparedHead,
        body: RequestBody,
        timeout: float | None,
        deadline: Deadline | None,
    ) -> h11.Response | None:
        """Write the request; a final response that came instead of a 100 Continue (the
        body then stays unsent), else None."""
        if body is None or prepared.frames(body):
            # No body, or one its Content-Length frames: h11 would write the head (the same
            # bytes every time, as every exchange starts with h11 in the same state) and the
            # body as it is. A head sent before goes out at once, and h11 takes the events
            # (writing the same bytes again) while the server works on the request, time
            # this thread would spend waiting.
            head = prepared.data
            known = head is not None
            if head is None:
                head = prepared.data = self._start_message(prepared.event)
            data = head if not body else head + body
            self._stream.write(data, timeout, deadline)
            self.request_started_writing = True
            if known:
                self._start_message(prepared.event)
            if body:
                self._frame(h11.Data(data=body))
            self._end_message(len(data), timeout, deadline)
            return None
        head = prepared.data = self._start_message(prepared.event)
        self.record.bytes_sent = 0
        if prepared.expects_continue:
            self._write(head, timeout, deadline)
            early = self._await_continue(timeout, deadline)
            if early is not None:
                return early
            self._write_body(body, timeout, deadline)
        elif isinstance(body, bytes):
            self._write_whole(head, body, timeout, deadline)
        else:
            self._write(head, timeout, deadline)
            self._write_body(body, timeout, deadline)
        return None

    def _start_message(self, event: h11.Request) -> bytes:
        try:
            data = self._h11.send(event)
        except h11.LocalProtocolError as exc:
            self.close()
            raise InvalidHeader(f"Refused to send an invalid request head: {exc}") from exc
        assert data is not None
        return data

    def _end_message(self, written: int, timeout: float | None, deadline: Deadline | None) -> None:
        # After a whole body framed by Content-Length, or none, a message ends with nothing,
        # unless its head announced chunked framing (or a Content-Length that no body
        # follows: then h11 refuses).
        tail = self._frame(_END_OF_MESSAGE)
        if tail:
            self._stream.write(tail, timeout, deadline)
        self.record.bytes_sent = written + len(tail)

    def _write_body(
        self, body: bytes | Iterable[bytes], timeout: float | None, deadline: Deadline | None
    ) -> None:
        for piece in (body,) if isinstance(body, bytes) else body:
            if piece:
                self._write(self._frame(h11.Data(data=piece)), timeout, deadline)
        self._write(self._frame(_END_OF_MESSAGE), timeout, deadline)

    def _await_continue(
        self, timeout: float | None, deadline: Deadline | None
    ) -> h11.Response | None:
        """After a head with ``Expect: 100-continue``: wait (briefly) for the server's word
        before the body goes. None: send it (a 100 Continue came, or nothing in time, as
        RFC 9110 section 10.1.1 allows); or the final response the server sent instead
        (a 417, a 401, a 413...), and the body is never sent."""
        wait = CONTINUE_WAIT if timeout is None else min(CONTINUE_WAIT, timeout)
        while True:
            event = self.next_event(_WAITING)
            if event is h11.NEED_DATA:
                self._check_status_line_start()
                try:
                    self.receive(wait, _WAITING, deadline, closes_on_timeout=False)
                except ReadTimeout:
                    return None  # no word from the server: the body goes
            elif type(event) is h11.Response:
                return event
            elif type(event) is h11.InformationalResponse:
                self._count_informational()
                if event.status_code == 100:
                    return None
                # Any other 1xx (103 Early Hints): the server's word is still to come.
            else:  # no answer at all (h11 saw the connection end): reading one will say so
                return None

    def _write_whole(
        self, head: bytes, body: bytes, timeout: float | None, deadline: Deadline | None
    ) -> None:
        tail = self._frame(h11.Data(data=body)) if body else b""
        tail += self._frame(_END_OF_MESSAGE)
        if len(body) <= _COALESCE_LIMIT:
            self._write(head + tail, timeout, deadline)
        else:
            self._write(head, timeout, deadline)
            self._write(tail, timeout, deadline)

    def _frame(self, event: h11.Data | h11.EndOfMessage) -> bytes:
        try:
            data = self._h11.send(event)
        except h11.LocalProtocolError as exc:
            # The body disagrees with the Content-Length the caller declared.
            self.close()
            raise RequestException(f"The request body does not match its headers: {exc}") from exc
        return data or b""

    def _write(self, data: bytes, timeout: float | None, deadline: Deadline | None) -> None:
        if data:
            self._stream.write(data, timeout, deadline)
            self.request_started_writing = True
            self.record.bytes_sent += len(data)

    # -- reading the response head -------------------------------------------------------

    def _response_after_failed_write(
        self, write_error: ConnectionError, timeout: float | None, deadline: Deadline | None
    ) -> h11.Response:
        # A server may answer (413, 401...) and close before reading the whole body; our
        # write then fails. The answer may already be waiting, so listen before giving up.
        if not self.request_started_writing:
            self.close()
            raise write_error
        try:
            return self._read_response_head(timeout, deadline)
        except RequestException:
            self.close()
            raise write_error from None

    def _read_response_head(self, timeout: float | None, deadline: Deadline | None) -> h11.Response:
        # h11 enforces its size limit only on an incomplete event: a head larger than the
        # limit that arrives in one read would pass. Never letting h11 hold more than the
        # limit (+1) while the head is incomplete makes it see the overflow.
        if not self._response_bytes:
            # Nothing has arrived, so h11's buffer is empty (an exchange starts so): read
            # at once, without asking h11 for an event it cannot have.
            self.receive(timeout, _WAITING, deadline, MAX_RESPONSE_HEAD + 1)
        while True:
            event = self.next_event(_WAITING)
            if event is h11.NEED_DATA:
                buffered = self._check_status_line_start()
                self.receive(timeout, _WAITING, deadline, MAX_RESPONSE_HEAD + 1 - buffered)
            elif type(event) is h11.Response:
                return event
            else:  # InformationalResponse (100 Continue, 103 Early Hints): the answer follows
                self._count_informational()

    def _check_status_line_start(self) -> int:
        """(A head is incomplete.) Refuse at once what cannot begin an HTTP status line (an
        SSH banner, a TLS alert, garbage): waiting for the rest of a head that will never
        come would cost the whole read timeout. Returns how many bytes h11 holds.

        Raises:
            RemoteProtocolError: the bytes so far cannot start ``HTTP/`` (connection closed).
        """
        buffered = self._h11.trailing_data[0]
        if _may_start_status_line(buffered):
            return len(buffered)
        first_line = bytes(buffered.split(b"\n", 1)[0][:64])
        raise self._invalid_head(
            f"the response does not start with an HTTP status line: {first_line!r}"
        )

    def _count_informational(self) -> None:
        """One more 1xx head in this exchange: each is bounded in size, and their number too
        (CPython's CVE-2021-3737 was this loop without a bound).

        Raises:
            RemoteProtocolError: more than MAX_INFORMATIONAL_RESPONSES (the connection is
                closed).
        """
        self._informational += 1
        if self._informational > MAX_INFORMATIONAL_RESPONSES:
            raise self._invalid_head(
                f"more than {MAX_INFORMATIONAL_RESPONSES} informational (1xx) responses"
            )

    def _invalid_head(self, reason: str) -> RemoteProtocolError:
        """The connection is closed; the error says why the head was refused."""
        self.close()
        where = peer(self._stream.host, self._stream.port)
        error = RemoteProtocolError(f"Invalid response while {_WAITING} {where}: {reason}")
        return with_context(error, _WAITING, self._stream.reused)

    def _response_head(self, event: h11.Response) -> tuple[ResponseHead, int | None]:
        """The head, and the length a Content-Length frames its body by (None: chunked, or
        no Content-Length)."""
        headers = event.headers.raw_items()  # a list: h11's Headers iterates slowly
        if len(headers) > MAX_RESPONSE_HEADERS:
            raise self._invalid_head(
                f"{len(headers)} header fields, more than the limit of {MAX_RESPONSE_HEADERS}"
            )
        # The names, lower-cased, in one pass of C code rather than a loop over the fields.
        # (h11 validated them, so none holds a newline; it kept one Content-Length at most.)
        names = b"\n".join(map(_field_name, headers)).lower().split(b"\n")
        length = None
        if b"content-length" in names:
            length = int(headers[names.index(b"content-length")][1])
            if length > MAX_CONTENT_LENGTH:
                raise self._invalid_head(f"Content-Length {length} is larger than any body can be")
        chunked = b"transfer-encoding" in names
        # Both framings at once (RFC 9112 section 6.3): chunked wins, but the message smells
        # of smuggling or a broken intermediary; the connection is not trusted again.
        self._suspect_framing = chunked and length is not None
        head = ResponseHead(
            event.status_code,
            event.reason.decode("latin-1"),
            headers,
            event.http_version.decode("ascii"),
            b"content-encoding" in names,
            b"set-cookie" in names,
        )
        return head, None if chunked else length

    # -- the body ------------------------------------------------------------------------

    def _body(
        self,
        status: int,
        length: int | None,
        timeout: float | None,
        deadline: Deadline | None,
        give_back: GiveBack,
    ) -> ResponseBody:
        """The engine for this response's body: past h11 when a Content-Length frames it
        and h11 holds no more than the body (more is left to h11, which refuses it)."""
        if self._read_past_h11 and not (
            length is None or self._request_method == b"HEAD" or status in _NO_BODY_STATUSES
        ):
            first = self._h11.trailing_data[0]  # body bytes that came with the head
            if len(first) <= length:
                return ContentLengthBody(
                    self._stream,
                    self._buffer,
                    first,
                    length,
                    timeout,
                    deadline,
                    self._end_past_h11,
                    give_back,
                    self.record,
                )
        return H11Body(self, timeout, deadline, self._end_through_h11, give_back, self.record)

    def next_event(self, phase: Phase) -> object:
        """(For the h11 loop: the head here, the body in H11Body.) h11's next event; its
        errors become ours, and close the connection.

        Raises:
            ChunkedEncodingError: in the body; RemoteProtocolError or ConnectionError:
                in the head (see ``_protocol_error``).
        """
        try:
            return self._h11.next_event()
        except h11.RemoteProtocolError as exc:
            self.close()
            raise self._protocol_error(exc, phase) from exc

    def _protocol_error(self, exc: h11.RemoteProtocolError, phase: Phase) -> RequestException:
        # h11 has one error type; what went wrong is read from its state, never its words:
        # more bytes than its limit held; the server's end seen in the middle of an event
        # (bytes held, none to come). With nothing held, h11's own account stands ("incomplete
        # chunked read", "received 3 bytes, expected 10").
        where = peer(self._stream.host, self._stream.port)
        buffered, closed = self._h11.trailing_data
        in_body = phase is _READING_BODY
        if len(buffered) > MAX_RESPONSE_HEAD:
            reason = (
                f"a chunk-size line or trailer longer than {MAX_RESPONSE_HEAD} bytes"
                if in_body
                else f"response head larger than {MAX_RESPONSE_HEAD} bytes"
            )
        elif closed and buffered:
            part = "body" if in_body else "head"
            reason = f"the server closed the connection in the middle of the response {part}"
        elif (
            not in_body
            and len(buffered) == self._response_bytes  # h11 took nothing yet: the start
            and not _may_start_status_line(buffered)
        ):
            reason = "the response does not start with an HTTP status line"
        else:
            reason = str(exc)
        error: RequestException
        if in_body:
            error = ChunkedEncodingError(f"Broken response body while {phase} {where}: {reason}")
        elif self._response_bytes == 0:
            error = ConnectionError(
                f"The server closed the connection without sending a response, while {phase} "
                f"{where}"
            )
        else:
            error = RemoteProtocolError(f"Invalid response while {phase} {where}: {reason}")
        return with_context(error, phase, self._stream.reused)  # as network.py's errors

    def receive(
        self,
        timeout: float | None,
        phase: Phase,
        deadline: Deadline | None,
        max_bytes: int = READ_SIZE,
        *,
        closes_on_timeout: bool = True,
    ) -> None:
        """(For the h11 loop.) Read what has arrived (``max_bytes`` at most) and hand it
        to h11. A failed read closes the connection; a timeout too, unless the caller only
        waited briefly (for a 100 Continue) and goes on.

        Raises:
            ReadTimeout, ConnectionError: from the stream.
        """
        buffer = self._buffer
        view = buffer.view if max_bytes >= len(buffer.view) else buffer.view[:max_bytes]
        try:
            count = self._stream.read_into(view, timeout, phase, deadline)
        except ReadTimeout:
            if closes_on_timeout:
                self.close()
            raise
        except RequestException:
            self.close()
            raise
        self._response_bytes += count
        # An empty chunk tells h11 the server closed: it then ends an HTTP/1.0 body, or
        # raises the error that says what was cut short. h11 copies what it is given into
        # its own buffer, so a view of our reused buffer saves a copy.
        self._h11.receive_data(view[:count])  # type: ignore[arg-type]
        if count == len(buffer.view):
            buffer.grow()

    def _end_past_h11(self, complete: bool, received: int) -> None:
        """A ContentLengthBody is over. h11 never saw the body, so its connection cannot go
        on: the next exchange starts with a new one. h11 still decided whether the
        connection may stay open: after "Connection: close", HTTP/1.0, or a request body it
        did not finish sending, its ``our_state`` is MUST_CLOSE, not DONE."""
        self._response_bytes += received
        self._end_record()
        if not complete or self._h11.our_state is not h11.DONE:
            self.close()
            return
        self._h11 = self._next_h11 or _new_h11()
        self._next_h11 = None
        self._state = ConnectionState.IDLE

    def _end_through_h11(self, complete: bool, received: int) -> None:
        """An H11Body is over: the connection stays only if both sides finished cleanly
        and nothing followed the response."""
        self._end_record()
        h11_conn = self._h11
        if complete and h11_conn.our_state is h11.DONE and h11_conn.their_state is h11.DONE:
            h11_conn.start_next_cycle()
            # Bytes after the response were never asked for: the framing cannot be trusted.
            # And a body that ended with the connection leaves nothing to reuse.
            trailing, closed = h11_conn.trailing_data
            if not trailing and not closed and not self._suspect_framing:
                self._state = ConnectionState.IDLE
                return
        self.close()

    def _end_record(self) -> None:
        # The body's last byte is in (or the body was given up): the exchange is over,
        # whatever happens to the connection now.
        self.exchanges += 1
        now = self.idle_since = time.monotonic()
        self.record.ended = now
        self.record.bytes_received = self._response_bytes


class H11Body(ResponseBody):
    """A body as h11 parses it: chunked, or ending with the connection (or none at all:
    HEAD, 204, 304). Pieces are h11's own buffers (bytearray), handed over without a copy.
    """

    __slots__ = ("_conn", "_held")

    def __init__(
        self,
        conn: HTTP11Connection,
        timeout: float | None,
        deadline: Deadline | None,
        finish: Finish,
        give_back: GiveBack,
        record: ExchangeRecord,
    ) -> None:
        self._timeout, self._deadline, self.record = timeout, deadline, record
        self._finish, self._give_back, self._ended = finish, give_back, False
        self._conn = conn
        # What release_if_complete found in h11, for the next read to hand out: a piece, or
        # the error h11 raised.
        self._held: bytes | bytearray | RequestException | None = None

    def read(self, amount: int = 0) -> bytes | bytearray:
        """(See ResponseBody.read.) Pieces as h11 parses them; ``amount`` is not heeded."""
        held = self._held
        if held is not None:
            self._held = None
            if isinstance(held, RequestException):
                raise held
            return held
        if self._ended:
            return b""
        conn = self._conn
        try:
            while (event := conn.next_event(_READING_BODY)) is h11.NEED_DATA:
                conn.receive(self._timeout, _READING_BODY, self._deadline)
        except RequestException:
            self._end(False)
            raise
        if type(event) is h11.Data:
            data: bytes | bytearray = event.data
            return data
        self._end(True)  # EndOfMessage (or the connection's end, after it)
        return b""

    def release_if_complete(self) -> None:
        """(See ResponseBody.release_if_complete.) h11 tells of the end only when asked for
        more, so it is asked, without reading the socket: what it holds ends the body, or is
        kept for the next ``read`` (a piece, or an error)."""
        if self._ended or self._held is not None:
            return
        try:
            event = self._conn.next_event(_READING_BODY)
        except RequestException as error:
            self._held = error
            self._end(False)
            return
        if type(event) is h11.Data:
            self._held = event.data
        elif event is not h11.NEED_DATA:  # EndOfMessage: every byte is handed out
            self._end(True)


def request_tunnel(
    stream: Stream,
    authority: bytes,
    headers: Headers,
    timeout: float | None,
    deadline: Deadline | None,
) -> ResponseHead:
    """Ask a proxy for a tunnel to ``authority`` (``host:port``) with CONNECT (RFC 9110
    section 9.3.6), and return the head of its answer. After a 2xx answer ``stream`` carries
    the tunnel; after any other, the caller closes it (the answer's body is never read).

    ``headers`` go to the proxy only (Proxy-Authorization); Host, which HTTP/1.1 requires,
    is the authority (RFC 9112 section 3.2).

    Raises:
        InvalidHeader: h11 refused the request (a header that got past validation).
        RemoteProtocolError: the answer broke HTTP/1.1, or bytes followed a 2xx answer.
        ConnectionError: the proxy closed the connection without answering.
        ConnectTimeout: no answer within ``timeout`` (setting up is connecting).
    """
    conn = _new_h11()
    try:
        request = h11.Request(
            method=b"CONNECT", target=authority, headers=[(b"Host", authority), *headers]
        )
        data = (conn.send(request) or b"") + (conn.send(_END_OF_MESSAGE) or b"")
    except h11.LocalProtocolError as exc:
        raise InvalidHeader(f"Refused to send an invalid CONNECT request: {exc}") from exc
    stream.write(data, timeout, deadline)
    where = f"the proxy {peer(stream.host, stream.port)}"
    view = memoryview(bytearray(FIRST_READ_SIZE))
    received = informational = 0
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as exc:
            if received == 0:
                raise ConnectionError(
                    f"{where} closed the connection without answering CONNECT"
                ) from exc
            raise RemoteProtocolError(f"Invalid answer to CONNECT from {where}: {exc}") from exc
        if event is h11.NEED_DATA:
            count = stream.read_into(view, timeout, Phase.OPENING_TUNNEL, deadline)
            received += count
            conn.receive_data(view[:count])  # type: ignore[arg-type]  # h11 copies it
        elif type(event) is h11.Response:
            if 200 <= event.status_code < 300 and conn.trailing_data[0]:
                # Nothing may come before our TLS handshake: these bytes are not the origin's.
                raise RemoteProtocolError(f"{where} sent data before the tunnel was used")
            return ResponseHead(
                event.status_code,
                event.reason.decode("latin-1"),
                event.headers.raw_items(),
                event.http_version.decode("ascii"),
            )
        elif type(event) is h11.InformationalResponse:  # 1xx: the final answer follows
            informational += 1
            if informational > MAX_INFORMATIONAL_RESPONSES:
                raise RemoteProtocolError(
                    f"Invalid answer to CONNECT from {where}: more than "
                    f"{MAX_INFORMATIONAL_RESPONSES} informational (1xx) responses"
                )
        else:
            raise ConnectionError(f"{where} closed the connection without answering CONNECT")


def _may_start_status_line(buffered: bytes) -> bool:
    """Whether ``buffered``, the start of a response, can still begin ``HTTP/``."""
    return _STATUS_LINE_START.startswith(buffered[: len(_STATUS_LINE_START)])


def _new_h11() -> h11.Connection:
    return h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_RESPONSE_HEAD)


class PreparedHead:
    """A request head as h11 accepts it: its event, validated once; the bytes h11 wrote for
    it the first time it was sent (every exchange starts with h11 in the same state, so they
    are always the same); whether it asks for 100-continue (RFC 9110 section 10.1.1, opt-in:
    the caller sets ``Expect: 100-continue``); and the length of a body its Content-Length
    frames, when such a body can follow it at once (no chunked framing, no Expect:
    100-continue, small enough to join the head).

    Raises:
        InvalidHeader: h11 refuses the method, target or a header.
    """

    __slots__ = ("_body_rules", "_headers", "data", "event", "method")

    def __init__(self, request: RequestHead) -> None:
        headers = request.headers
        try:
            # Fields that pass h11's own grammar (checked in a few passes of C code) are
            # given to h11 as it gives those it parsed, which spares its two regular
            # expressions per field; anything else meets h11's checks, and its words.
            self.event = h11.Request(
                method=request.method,
                target=request.target,
                headers=list(headers),
                _parsed=fields_follow_h11_grammar(headers),
            )
        except h11.LocalProtocolError as exc:
            raise InvalidHeader(f"Refused to send an invalid request head: {exc}") from exc
        self.method = request.method
        self.data: bytes | None = None
        self._headers = headers
        self._body_rules: tuple[bool, int | None] | None = None  # worked out for a body

    @property
    def expects_continue(self) -> bool:
        return self._rules()[0]

    @property
    def framed_length(self) -> int | None:
        return self._rules()[1]

    def _rules(self) -> tuple[bool, int | None]:
        # Only a request with a body asks (most have none): found then, once.
        rules = self._body_rules
        if rules is None:
            rules = self._body_rules = _body_rules(self._headers)
        return rules

    def frames(self, body: bytes | Iterable[bytes]) -> TypeGuard[bytes]:
        """Whether ``body`` is whole and as long as the head says: h11 would then write it
        as it is, after the head, and end the message with nothing."""
        return type(body) is bytes and len(body) == self.framed_length


def fields_follow_h11_grammar(headers: Headers) -> bool:
    """Whether every field passes the checks h11 makes of a request's fields (h11/_abnf.py):
    a name is a token (RFC 9110 section 5.1), a value is field-vchars, any byte but NUL and
    whitespace, with spaces and tabs only between them. All the fields at once, in C code:
    h11 makes two regular-expression matches per field.

    Example:
        >>> fields_follow_h11_grammar(((b"Accept", b"*/*"), (b"X-Bad", b"trailing ")))
        False
    """
    names = b"".join(map(_field_name, headers))
    if names.translate(None, _TOKEN_BYTES) or not all(map(_field_name, headers)):
        return False
    # NUL cannot be in a value, so it marks where each starts and ends: then a space or
    # tab next to one is a value's first or last byte.
    values = b"\0" + b"\0".join(map(_field_value, headers)) + b"\0"
    return (
        values.count(b"\0") == len(headers) + 1
        and len(values.translate(None, _NOT_FIELD_VALUE)) == len(values)
        and b"\0 " not in values
        and b" \0" not in values
        and b"\0\t" not in values
        and b"\t\0" not in values
    )


def _body_rules(headers: Headers) -> tuple[bool, int | None]:
    """Whether the head expects 100-continue, and the length of a body it frames that can
    follow it at once. (h11 has checked the names: none holds a newline.)"""
    lowered = b"\n".join(map(_field_name, headers)).lower().split(b"\n")
    expects_continue = b"expect" in lowered and any(
        value.strip().lower() == b"100-continue"
        for name, value in zip(lowered, map(_field_value, headers), strict=True)
        if name == b"expect"
    )
    return expects_continue, None if expects_continue else _framed_length(lowered, headers)


def _framed_length(lowered: list[bytes], headers: Headers) -> int | None:
    # (h11 has checked the head: a Content-Length is digits.)
    if lowered.count(b"content-length") != 1 or b"transfer-encoding" in lowered:
        return None
    length = int(headers[lowered.index(b"content-length")][1])
    return length if length <= _COALESCE_LIMIT else None


class PreparedHeads:
    """The PreparedHead of each distinct request head one pool sends: a client sends the
    same few heads again and again. Owned by the pool (heads carry credentials: they go
    with it), bounded: emptied when full. Threads may share it: a race costs one more
    validation.

    Example:
        >>> heads = PreparedHeads()
        >>> heads.prepare(RequestHead(b"GET", b"/", ((b"Host", b"x"),))).method
        b'GET'
    """

    __slots__ = ("_heads", "_limit")

    def __init__(self, limit: int = 256) -> None:
        self._heads: dict[RequestHead, PreparedHead] = {}
        self._limit = limit

    def prepare(self, request: RequestHead) -> PreparedHead:
        """The PreparedHead for ``request``, validated by h11 the first time.

        Raises:
            InvalidHeader: h11 refuses the method, target or a header.
        """
        prepared = self._heads.get(request)
        if prepared is None:
            prepared = PreparedHead(request)
            if len(self._heads) >= self._limit:
                self._heads.clear()
            self._heads[request] = prepared
        return prepared

    def clear(self) -> None:
        self._heads.clear()


__all__ = [
    "ConnectionState",
    "H11Body",
    "HTTP11Connection",
    "PreparedHead",
    "PreparedHeads",
    "RequestBody",
    "RequestHead",
    "ResponseHead",
    "request_tunnel",
]
