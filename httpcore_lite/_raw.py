"""RawResponse: the file-like ``Response.raw``, over the pieces a transport hands up.

It knows nothing of sockets: any ``BodySource`` (a pooled response, a mock) will do. By
default ``read`` returns the body as sent (still gzip-encoded, say), as requests' raw does;
``Response.iter_content`` and ``Response.content`` ask for decoded bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any, Protocol

from ._decoders import Decoder, decoder_for  # zlib: loaded with the first raw body
from .structures import CaseInsensitiveDict

_STREAM_READ = 1024 * 1024  # what a streamed body asks a capable source for at a time


class BodySource(Protocol):
    """Where body pieces come from: ``read`` gives the next one, b"" at the end.

    A source may also offer ``read_rest() -> bytes``, the whole rest in one object, and
    ``read_piece(max_bytes)``, a piece of at most that size, when it can do better than
    joining or cutting its own pieces (a pooled response reads a large body that way);
    and ``release_if_complete()``, called once everything read has been handed out.
    """

    def read(self) -> bytes | bytearray: ...
    def close(self) -> None: ...
    @property
    def is_finished(self) -> bool: ...


class RawResponse(io.IOBase):
    """The undecoded response body as a binary file object.

    Example:
        >>> r = httpcore_lite.get(url, stream=True)
        >>> r.raw.read(10)
        b'\\x1f\\x8b\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x03'

    Raises:
        ChunkedEncodingError, ReadTimeout, ConnectionError: from the connection, on read.
        ContentDecodingError: a corrupt body, when reading decoded.
    """

    def __init__(
        self,
        source: BodySource,
        headers: CaseInsensitiveDict[str],
        status: int,
        reason: str,
        version: int = 11,
    ) -> None:
        self._source = source
        self.headers = headers
        self.status = status
        self.reason = reason
        self.version = version
        self.decode_content = False
        self._decoder: Decoder | None = None
        self._decoder_ready = False
        # Decoded (or raw) bytes read from the source but not yet handed out, from
        # ``_offset`` on. Kept here, never in a generator's locals: a reader may stop
        # iterating half-way and read the rest another way.
        self._pending: bytes | bytearray = b""
        self._offset = 0
        self._position = 0

    # -- io.IOBase -------------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Stop reading; an unfinished body closes its connection instead of reusing it."""
        if not self.closed:
            self._source.close()
        super().close()

    def tell(self) -> int:
        """How many bytes of the (undecoded) body have been read from the connection."""
        return self._position

    def release_conn(self) -> None:
        self.close()

    def isclosed(self) -> bool:
        return self._source.is_finished

    # -- reading -------------------------------------------------------------------------

    def read(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        """Read ``amt`` bytes (all when None or negative); fewer only at the end of the body.

        Raises:
            ChunkedEncodingError, ReadTimeout, ConnectionError, ContentDecodingError.
        """
        decode = self.decode_content if decode_content is None else decode_content
        if amt is None or amt < 0:
            return self.read_all(decode)
        while self._available() < amt:
            piece = self._next_piece(decode)
            if piece is None:
                break
            self._keep(piece)
        return self._take(amt)

    def read_all(self, decode: bool = True) -> bytes:
        """The rest of the body in one bytes object (the pieces are joined once)."""
        pieces: list[bytes | bytearray] = (
            [self._take(self._available())] if self._available() else []
        )
        while (piece := self._next_piece(decode)) is not None:
            pieces.append(piece)
        if len(pieces) == 1 and type(pieces[0]) is bytes:
            return pieces[0]
        return b"".join(pieces)

    def stream(
        self, amt: int | None = 2**16, decode_content: bool | None = None
    ) -> Iterator[bytes]:
        """Pieces of ``amt`` bytes (the last may be shorter); with None (or 0 or less),
        pieces as they come.

        Raises:
            ChunkedEncodingError, ReadTimeout, ConnectionError, ContentDecodingError.
        """
        decode = self.decode_content if decode_content is None else decode_content
        if amt is None or amt <= 0:
            if self._available():
                yield self._take(self._available())
            while (piece := self._next_piece(decode)) is not None:
                yield bytes(piece)
            return
        yield from self._rechunk(amt, decode)

    def _rechunk(self, amt: int, decode: bool) -> Iterator[bytes]:
        # Pieces of exactly ``amt`` bytes. A source that can read large pieces directly is
        # asked for big ones (fewer system calls), which are cut through a view: each byte
        # is copied once, unless a part-chunk has to be joined to the next piece.
        want = max(amt, _STREAM_READ)
        while True:
            available = self._available()
            if available >= amt:
                yield self._take(amt)
                continue
            piece = self._next_piece(decode, want)
            if piece is None:
                break
            need = amt - available
            if not available or len(piece) < need:
                self._keep(piece)  # nothing to join, or a small piece: joined cheaply
                continue
            # A part-chunk is pending: complete it from the head of the new piece, and keep
            # the piece itself (uncopied) for the chunks that follow.
            chunk = self._take(available) + bytes(memoryview(piece)[:need])
            self._pending, self._offset = piece, need
            yield chunk
        if self._available():
            yield self._take(amt)

    def _available(self) -> int:
        return len(self._pending) - self._offset

    def _keep(self, piece: bytes | bytearray) -> None:
        """Add ``piece`` after what is pending."""
        if not self._available():
            self._pending, self._offset = piece, 0
            return
        joined = bytearray(memoryview(self._pending)[self._offset :])
        joined += piece
        self._pending, self._offset = joined, 0

    def _take(self, count: int) -> bytes:
        """Up to ``count`` pending bytes, as a new bytes object (or the pending one whole)."""
        pending, start = self._pending, self._offset
        end = min(start + count, len(pending))
        if start == 0 and end == len(pending) and type(pending) is bytes:
            chunk = pending  # all of it: no copy
        else:
            with memoryview(pending) as view:
                chunk = bytes(view[start:end])
        if end == len(pending):
            self._pending, self._offset = b"", 0
            # All handed out: if that was the body's last byte, the connection may go back.
            release = getattr(self._source, "release_if_complete", None)
            if release is not None:
                release()
        else:
            self._offset = end
        return chunk

    def _next_piece(self, decode: bool, want: int = 0) -> bytes | bytearray | None:
        """The next non-empty piece, decoded if asked; None at the end of the body.

        ``want``: how many bytes the caller would like, for a source that can read a piece
        of that size directly (``read_piece``); others hand out pieces of their own size.
        """
        read_piece = getattr(self._source, "read_piece", None) if want else None
        while True:
            raw = read_piece(want) if read_piece is not None else self._source.read()
            self._position += len(raw)
            decoder = self._body_decoder() if decode else None
            if not raw:
                tail = decoder.flush() if decoder is not None else b""
                return tail or None
            if decoder is None:
                return raw
            decoded = decoder.decode(raw)
            if decoded:
                return decoded

    def _body_decoder(self) -> Decoder | None:
        if not self._decoder_ready:
            self._decoder = decoder_for(self.headers.get("content-encoding"))
            self._decoder_ready = True
        return self._decoder

    def __getstate__(self) -> Any:
        raise TypeError("A live response body cannot be pickled; read .content first.")


__all__ = ["BodySource", "RawResponse"]
