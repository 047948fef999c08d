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
    joining or cutting its own pieces (a pooled response reads a large body that way).
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
        self._pending = b""  # read past what a read(amt) asked for
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
        """Read ``amt`` bytes (all when None); fewer only at the end of the body.

        Raises:
            ChunkedEncodingError, ReadTimeout, ConnectionError, ContentDecodingError.
        """
        decode = self.decode_content if decode_content is None else decode_content
        if amt is None:
            return self.read_all(decode)
        if amt < 0:
            raise ValueError("amt must be None or a non-negative number")
        pieces: list[bytes | bytearray] = [self._pending] if self._pending else []
        have = len(self._pending)
        while have < amt:
            piece = self._next_piece(decode)
            if piece is None:
                break
            pieces.append(piece)
            have += len(piece)
        data = b"".join(pieces)
        self._pending = data[amt:]
        return data[:amt]

    def read_all(self, decode: bool = True) -> bytes:
        """The rest of the body in one bytes object (the pieces are joined once)."""
        pieces: list[bytes | bytearray] = [self._pending] if self._pending else []
        self._pending = b""
        while (piece := self._next_piece(decode)) is not None:
            pieces.append(piece)
        if len(pieces) == 1 and type(pieces[0]) is bytes:
            return pieces[0]
        return b"".join(pieces)

    def stream(
        self, amt: int | None = 2**16, decode_content: bool | None = None
    ) -> Iterator[bytes]:
        """Pieces of ``amt`` bytes (the last may be shorter); with None, pieces as they come.

        Raises:
            ChunkedEncodingError, ReadTimeout, ConnectionError, ContentDecodingError.
        """
        decode = self.decode_content if decode_content is None else decode_content
        if amt is None:
            if self._pending:
                yield self._pending
                self._pending = b""
            while (piece := self._next_piece(decode)) is not None:
                yield bytes(piece)
            return
        yield from self._rechunk(amt, decode)

    def _rechunk(self, amt: int, decode: bool) -> Iterator[bytes]:
        # Pieces of exactly ``amt`` bytes, each byte copied once: a source that can read
        # large pieces directly is asked for big ones (fewer system calls), which are cut
        # through a view; a part-chunk waits in a small buffer for the rest.
        buffer = bytearray(self._pending)
        self._pending = b""
        want = max(amt, _STREAM_READ)
        while (piece := self._next_piece(decode, want)) is not None:
            if not buffer and len(piece) == amt:
                yield bytes(piece)  # exactly one chunk: no copy
                continue
            with memoryview(piece) as view:
                start = 0
                if buffer:
                    start = min(amt - len(buffer), len(view))
                    buffer += view[:start]
                    if len(buffer) < amt:
                        continue
                    yield bytes(buffer)
                    buffer.clear()
                whole = start + (len(view) - start) // amt * amt
                for offset in range(start, whole, amt):
                    yield bytes(view[offset : offset + amt])
                buffer += view[whole:]
        if buffer:
            yield bytes(buffer)

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
