"""RawResponse: the file-like ``Response.raw``, over the body a transport hands up.

It knows nothing of sockets: any ``Body`` (the transport's ResponseBody, a mock's) will do. By
default ``read`` returns the body as sent (still gzip-encoded, say), as requests' raw does;
``Response.iter_content`` and ``Response.content`` ask for decoded bytes.

Decoding is bounded: a piece of the encoded body is decoded a bounded piece at a time
(``DECODED_PIECE``, or the larger chunk a reader asked for), and the decompression-bomb
guards are checked after each: ``max_decoded_size`` for whole-body reads, and
``max_decoded_ratio`` for every decoded read. A body without a Content-Encoding meets none
of this.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any, Protocol

from ._decoders import DECODED_PIECE, Decoder, decoder_for, too_compressed, too_large
from ._limits import MAX_DECODED_RATIO, MAX_DECODED_SIZE, RATIO_FLOOR
from .structures import CaseInsensitiveDict

_STREAM_READ = 1024 * 1024  # what a streamed body asks its Body for at a time


class Body(Protocol):
    """A response body as the layers above the transport read it (the transport's
    ``ResponseBody``; ``FileBody``, a file given to ``Response.attach_body``).

    ``read(amount)`` gives the next piece, never empty before the end, b"" at the end; with
    ``amount``, a body that reads straight from the socket reads exactly that many (fewer
    only at the end), others hand out pieces as they come. ``read_rest()`` gives the whole
    rest in one bytes object. ``close()`` stops reading (an unfinished body closes its
    connection). ``at_end`` says the body is over: read to its end, closed or failed. A
    reader that keeps pieces to hand out later calls ``release_if_complete()`` once it has
    handed out everything it read: a body read to its last byte then gives its connection
    back.
    """

    @property
    def at_end(self) -> bool: ...
    def read(self, amount: int = 0) -> bytes | bytearray: ...
    def read_rest(self) -> bytes: ...
    def release_if_complete(self) -> None: ...
    def close(self) -> None: ...


class FileBody:
    """A binary file object as a Body (what ``Response.attach_body`` makes of one)."""

    __slots__ = ("_file", "at_end")

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.at_end = False

    def read(self, amount: int = 0) -> bytes:
        data = self._file.read(amount or DECODED_PIECE)
        if not data:
            self.at_end = True
        return data

    def read_rest(self) -> bytes:
        data = self._file.read()
        self.at_end = True
        return data

    def release_if_complete(self) -> None:
        """Nothing to release: a file holds no connection."""

    def close(self) -> None:
        self.at_end = True
        self._file.close()


class RawResponse(io.IOBase):
    """The undecoded response body as a binary file object.

    Example:
        >>> r = httpcore_lite.get(url, stream=True)
        >>> r.raw.read(10)
        b'\\x1f\\x8b\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x03'

    Raises:
        ChunkedEncodingError, ReadTimeout, ConnectionError: from the connection, on read.
        ContentDecodingError: a corrupt body, when reading decoded.
        DecompressionBombError: a body that decodes past the limits below.
    """

    # Decompression-bomb guards (see _decoders), None: no limit. Response sets them from its
    # own before it reads; set them here when reading ``raw`` yourself.
    max_decoded_size: int | None = MAX_DECODED_SIZE  # whole-body reads
    max_decoded_ratio: float | None = MAX_DECODED_RATIO  # every decoded read, past 64 MiB
    _decoded = 0  # decoded bytes made so far
    _source_ended = False  # the source said b"": only the decoder may have more

    def __init__(
        self,
        source: Body,
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
        return self._source.at_end

    # -- reading -------------------------------------------------------------------------

    def read(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        """Read ``amt`` bytes (all when None or negative); fewer only at the end of the body.

        Raises:
            ChunkedEncodingError, ReadTimeout, ConnectionError, ContentDecodingError.
            DecompressionBombError: decoding, past ``max_decoded_size`` (reading all) or
                ``max_decoded_ratio``.
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
        """The rest of the body in one bytes object (the pieces are joined once).

        Raises:
            ChunkedEncodingError, ReadTimeout, ConnectionError, ContentDecodingError.
            DecompressionBombError: decoding, past ``max_decoded_size`` or
                ``max_decoded_ratio``.
        """
        max_size = self.max_decoded_size if decode else None
        pieces: list[bytes | bytearray] = (
            [self._take(self._available())] if self._available() else []
        )
        while (piece := self._next_piece(decode, 0, max_size)) is not None:
            pieces.append(piece)
        return b"".join(pieces)  # (one bytes piece is returned as it is, uncopied)

    def stream(
        self, amt: int | None = 2**16, decode_content: bool | None = None
    ) -> Iterator[bytes]:
        """Pieces of ``amt`` bytes (the last may be shorter); with None (or 0 or less),
        pieces as they come (decoded ones of at most 1 MiB).

        Raises:
            ChunkedEncodingError, ReadTimeout, ConnectionError, ContentDecodingError.
            DecompressionBombError: decoding, past ``max_decoded_ratio``.
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
        """Up to ``count`` pending bytes, as a new bytes object."""
        pending, start = self._pending, self._offset
        end = min(start + count, len(pending))
        with memoryview(pending) as view:
            chunk = bytes(view[start:end])
        if end == len(pending):
            self._pending, self._offset = b"", 0
            # All handed out: if that was the body's last byte, the connection may go back.
            self._source.release_if_complete()
        else:
            self._offset = end
        return chunk

    def _next_piece(
        self, decode: bool, want: int = 0, max_size: int | None = None
    ) -> bytes | bytearray | None:
        """The next non-empty piece, decoded if asked; None at the end of the body.

        ``want``: how many bytes the caller would like, for a body that can read a piece
        of that size directly; others hand out pieces of their own size.
        ``max_size``: the decoded size a whole-body read may reach.
        """
        decoder = self._body_decoder() if decode else None
        if decoder is not None:
            return self._next_decoded(decoder, want, max_size)
        raw = self._source.read(want)
        self._position += len(raw)
        return raw or None

    def _next_decoded(self, decoder: Decoder, want: int, max_size: int | None) -> bytes | None:
        """The next decoded piece, at most ``want`` (or DECODED_PIECE) bytes. The decoder is
        fed only once it has handed out all it could make of what it had."""
        max_length = want or DECODED_PIECE
        while True:
            if not decoder.needs_input:
                decoded = decoder.decode(b"", max_length)
            elif self._source_ended:
                decoded = decoder.flush(max_length)
                if not decoded:
                    return None
            else:
                raw = self._source.read(want)
                self._position += len(raw)
                if not raw:
                    self._source_ended = True
                    continue
                decoded = decoder.decode(raw, max_length)
            if decoded:
                self._decoded += len(decoded)
                if self._decoded > RATIO_FLOOR or (
                    max_size is not None and self._decoded > max_size
                ):
                    self._check_limits(max_size)
                return decoded

    def _check_limits(self, max_size: int | None) -> None:
        coding = self.headers.get("content-encoding", "")
        if max_size is not None and self._decoded > max_size:
            raise too_large(coding, self._decoded, self._position, max_size)
        ratio = self.max_decoded_ratio
        if (
            ratio is not None
            and self._decoded > RATIO_FLOOR
            and self._decoded > ratio * self._position
        ):
            raise too_compressed(coding, self._decoded, self._position, ratio)

    def _body_decoder(self) -> Decoder | None:
        if not self._decoder_ready:
            self._decoder = decoder_for(self.headers.get("content-encoding"))
            self._decoder_ready = True
        return self._decoder

    def __getstate__(self) -> Any:
        raise TypeError("A live response body cannot be pickled; read .content first.")


__all__ = ["Body", "FileBody", "RawResponse"]
