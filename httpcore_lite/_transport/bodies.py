"""The body of one response: ResponseBody, one type with one implementation per framing engine.

A connection that has read a response head hands up a ResponseBody; the Response (and its
``raw``) reads from it directly. The body owns what is left of the exchange. When its last
byte has been handed out to the caller (``read`` returned b"", ``read_rest`` returned, or
the reader says it handed out everything it read: ``release_if_complete``), or when it is
closed or fails, it tells its connection (``finish``: the connection decides whether it can
carry another exchange), then hands the connection back through the callback the pool gave
it (``give_back``). Both happen once.

Two engines:
- ``ContentLengthBody`` (here): a body framed by Content-Length, read from the stream
  exactly as announced, past h11 (h11 would copy every byte three times). Its state is its
  own: the bytes that came with the head, how many are still to come.
- ``H11Body`` (http11.py, the one module that imports h11): everything else, chunked bodies
  and bodies that end with the connection, as h11 parses them.

``tests/property/test_body_engines.py`` holds the two to the same body, the same errors and
the same keep-alive decision for any split of any response.
"""

from __future__ import annotations

import abc
import io
from collections.abc import Callable
from typing import Final

from ..exceptions import ChunkedEncodingError, Phase, RequestException
from ..metrics import ExchangeRecord
from ..timeouts import Deadline
from .network import Stream, peer, read_exactly_into_by_parts, with_context

# Phase members used on every request, looked up once: in Python 3.11 an attribute of
# an Enum class costs 0.1 us (EnumType.__getattr__ slows every lookup on the class).
_READING_BODY: Final = Phase.READING_BODY

# One recv fills at most READ_SIZE; a connection starts with a smaller buffer and grows it
# to the full size the first time a read fills it (a large body is streaming in). Large
# reads keep the per-piece cost low on big bodies; small responses never pay for them.
READ_SIZE: Final = 1024 * 1024
FIRST_READ_SIZE: Final = 64 * 1024
# From this size on, read_rest() reads the rest of a body straight into its bytes object.
LARGE_BODY: Final = 256 * 1024

# ``finish(complete, received)``: the body ended (``complete``: its last byte was read; else
# it was closed early or failed), having read ``received`` bytes from the stream itself.
Finish = Callable[[bool, int], None]
GiveBack = Callable[[], None]


def not_pooled() -> None:
    """The ``give_back`` of a connection used without a pool: nothing to hand back to."""


class ReadBuffer:
    """A connection's receive buffer, shared by its exchanges and their bodies: 64 KiB,
    grown to 1 MiB the first time a read fills it (the reader asks: ``count == len(view)``,
    then ``grow()``)."""

    __slots__ = ("view",)

    def __init__(self) -> None:
        self.view = memoryview(bytearray(FIRST_READ_SIZE))

    def grow(self) -> None:
        """A read filled the buffer: a large body is streaming in."""
        if len(self.view) < READ_SIZE:
            self.view = memoryview(bytearray(READ_SIZE))


class ResponseBody(abc.ABC):
    """The body of one response, read once. ``read`` hands out pieces, b"" at the end;
    ``read_rest`` the rest in one bytes object; ``close`` stops (an unfinished body closes
    its connection: it cannot be skipped safely); ``at_end`` says the body is over.

    A reader that keeps what it read to hand it out later (``RawResponse``) calls
    ``release_if_complete`` once it has handed out everything: a body read to its last
    byte then ends, before anyone asks for the empty end. (Until then a close closes the
    connection, as the reader may not have taken the whole body.)

    Example:
        >>> head, body = conn.send_request(RequestHead(b"GET", b"/", ((b"Host", b"x"),)), None, 5.0)
        >>> body.read_rest(), body.at_end
        (b'hello', True)
    """

    __slots__ = ("_deadline", "_ended", "_finish", "_give_back", "_timeout", "record")

    # Each engine's __init__ sets these itself: a super().__init__ call costs 0.17 us, on
    # every response (0.4% of S1).
    _timeout: float | None  # each wait for bytes
    _deadline: Deadline | None  # the exchange's, if it has one: every wait is cut to it
    _finish: Finish  # the connection's: the body is over (complete or not)
    _give_back: GiveBack  # the pool's: hand the connection back
    _ended: bool
    record: ExchangeRecord  # the exchange's stamps: Response.timings and .metrics

    @property
    def at_end(self) -> bool:
        """Whether the body is over: read to its last byte, closed, or failed."""
        return self._ended

    @abc.abstractmethod
    def read(self, amount: int = 0) -> bytes | bytearray:
        """The next piece of the body, never empty before the end; b"" at the end.

        ``amount``: how many bytes the caller wants (0: as they come). An engine that
        reads straight from the socket reads exactly that many (fewer only at the end);
        others hand out pieces as they arrive.

        Raises:
            ChunkedEncodingError: the body ended early or its framing was broken.
            ReadTimeout: the server sent nothing within the read timeout, or the total
                deadline passed.
            ConnectionError: the connection was reset.
        """

    def read_rest(self) -> bytes:
        """The rest of the body in one bytes object.

        Raises:
            ChunkedEncodingError, ReadTimeout, ConnectionError: as ``read``.
        """
        first = self.read()
        if not first:
            return b""
        second = self.read()
        if not second:
            return bytes(first)  # the usual small body: one piece
        pieces = [first, second]
        while piece := self.read():
            pieces.append(piece)
        return b"".join(pieces)

    @abc.abstractmethod
    def release_if_complete(self) -> None:
        """The reader has handed out everything it read: end now if that was the whole
        body, so that its connection goes back."""

    def close(self) -> None:
        """Stop reading: an unfinished body closes its connection."""
        if not self._ended:
            self._end(False)

    def _end(self, complete: bool, received: int = 0) -> None:
        self._ended = True
        try:
            self._finish(complete, received)
        finally:
            self._give_back()

    def __del__(self) -> None:
        # Dropped unread (a streamed response nobody closed): close rather than leak.
        if not self._ended:
            self.close()


class ContentLengthBody(ResponseBody):
    """A body framed by Content-Length, read from the stream exactly as announced.

    ``first`` is what came with the head. Nothing past the body is ever read: the next
    response may follow it on the connection.

    Memory follows the bytes received, never the length announced: a large read grows its
    buffer as the bytes arrive (``_read_growing``).
    """

    __slots__ = (
        "_buffer",
        "_first",
        "_length",
        "_received",
        "_remaining",
        "_stream",
    )

    def __init__(
        self,
        stream: Stream,
        buffer: ReadBuffer,
        first: bytes,
        length: int,
        timeout: float | None,
        deadline: Deadline | None,
        finish: Finish,
        give_back: GiveBack,
        record: ExchangeRecord,
    ) -> None:
        self._timeout, self._deadline, self.record = timeout, deadline, record
        self._finish, self._give_back, self._ended = finish, give_back, False
        self._stream = stream
        self._buffer = buffer
        self._first = first
        self._length = length
        self._remaining = length - len(first)  # still to come from the stream
        self._received = 0  # read from the stream (past what came with the head)

    def read(self, amount: int = 0) -> bytes | bytearray:
        """(See ResponseBody.read.) Exactly ``amount`` bytes, fewer only at the end (or
        what is left of the bytes that came with the head)."""
        if self._ended:  # read to the end, or closed early
            return b""
        first = self._first
        if first:
            piece, self._first = (first, b"") if not amount else (first[:amount], first[amount:])
            return piece
        remaining = self._remaining
        if not remaining:
            self._end(True, self._received)
            return b""
        count = min(amount, remaining) if amount else 0
        if count > READ_SIZE:
            # A large piece asked for: its buffer grows with the bytes, as read_rest's does.
            return self._read_growing(b"", count)
        return self._read_stream(count, remaining)

    def release_if_complete(self) -> None:
        """(See ResponseBody.release_if_complete.)"""
        if not self._ended and not self._first and not self._remaining:
            self._end(True, self._received)

    def close(self) -> None:
        """(See ResponseBody.close.) The bytes read so far still count."""
        if not self._ended:
            self._end(False, self._received)

    def read_rest(self) -> bytes:
        """(See ResponseBody.read_rest.) A large rest comes straight from the socket into
        its result, copied once at most."""
        if self._ended:
            return b""
        first, self._first = self._first, b""
        remaining = self._remaining
        if not remaining:  # the usual small body: it came with the head
            self._end(True, self._received)
            return first
        if len(first) + remaining < LARGE_BODY:
            pieces: list[bytes | bytearray] = [first]
            while piece := self.read():
                pieces.append(piece)
            return b"".join(pieces)
        body = self._read_growing(first, remaining)
        self._end(True, self._received)
        return body

    def _read_stream(self, count: int, remaining: int) -> bytes:
        """``count`` bytes (0: what has arrived, at most the buffer's size)."""
        try:
            if count:
                data = self._stream.read_exactly(
                    count, self._timeout, _READING_BODY, self._deadline
                )
            else:
                data = self._read_available(remaining)
        except RequestException:
            self._end(False, self._received)
            raise
        self._count(len(data))
        if not data or (count and len(data) < count):
            raise self._short_body()
        return data

    def _read_available(self, remaining: int) -> bytes:
        buffer = self._buffer
        view = buffer.view
        if remaining < len(view):
            view = view[:remaining]  # never read past the body: the next response follows
        got = self._stream.read_into(view, self._timeout, _READING_BODY, self._deadline)
        data = bytes(view[:got])
        if got == len(buffer.view):
            buffer.grow()
        return data

    def _read_growing(self, first: bytes, count: int) -> bytes:
        """``first`` and the next ``count`` bytes of the body, in one bytes object; fewer
        only if the server closes first (ChunkedEncodingError).

        The bytes go straight from the socket into the buffer of a BytesIO, whose getvalue()
        hands that buffer over as bytes, uncopied (CPython does so when no view is held):
        one copy, the kernel's. The buffer grows with what has arrived, doubling from
        READ_SIZE, never to the announced length before the bytes are there: a server that
        announces 256 MiB and sends 300 KB costs 1 MiB (CPython's CVE-2025-13836 in
        http.client was that up-front allocation).

        Raises:
            ChunkedEncodingError, ReadTimeout, ConnectionError: the connection is closed.
        """
        body = io.BytesIO()
        body.write(first)
        filled, end = len(first), len(first) + count
        while filled < end:
            size = min(end, max(READ_SIZE, 2 * filled))
            body.seek(size - 1)
            body.write(b"\0")  # the buffer now spans up to ``size``
            with body.getbuffer() as view:
                try:
                    got = read_exactly_into_by_parts(
                        self._stream,
                        view[filled:size],
                        self._timeout,
                        _READING_BODY,
                        self._deadline,
                    )
                except RequestException:
                    self._end(False, self._received)
                    raise
            filled += got
            self._count(got)
            if filled < size:
                raise self._short_body()
        return body.getvalue()

    def _count(self, count: int) -> None:
        self._received += count
        self._remaining -= count

    def _short_body(self) -> ChunkedEncodingError:
        self._end(False, self._received)
        received = self._length - self._remaining
        # The same words as h11's, so that both engines read alike.
        stream = self._stream
        error = ChunkedEncodingError(
            f"Broken response body while {_READING_BODY} {peer(stream.host, stream.port)}: "
            "peer closed connection without sending complete message body "
            f"(received {received} bytes, expected {self._length})"
        )
        return with_context(error, _READING_BODY, stream.reused)


__all__ = [
    "FIRST_READ_SIZE",
    "LARGE_BODY",
    "READ_SIZE",
    "ContentLengthBody",
    "ReadBuffer",
    "ResponseBody",
    "not_pooled",
]
