"""Content-Encoding decoders: incremental, so that a streamed body is never held whole.

gzip and deflate come from zlib (loaded on first use). Each decoder takes pieces of the
encoded body and returns what they decode to; ``flush`` returns the rest at the end.
Corrupt data raises ContentDecodingError.
"""

from __future__ import annotations

import zlib
from typing import Final, Protocol

from .exceptions import ContentDecodingError

# RFC 9110 section 8.4.1: a sender may apply several codings; more than this is abuse.
MAX_ENCODINGS: Final = 5
ACCEPT_ENCODING: Final = "gzip, deflate"


class Decoder(Protocol):
    def decode(self, data: bytes | bytearray) -> bytes: ...
    def flush(self) -> bytes: ...


class _ZlibDecoder:
    """gzip (with any number of members) or zlib-wrapped deflate."""

    def __init__(self, wbits: int, name: str) -> None:
        self._wbits = wbits
        self._name = name
        self._zlib: zlib._Decompress = zlib.decompressobj(wbits)

    def decode(self, data: bytes | bytearray) -> bytes:
        out = []
        try:
            while data:
                out.append(self._zlib.decompress(data))
                data = self._zlib.unused_data
                if data:  # another gzip member follows (RFC 1952 section 2.2)
                    self._zlib = zlib.decompressobj(self._wbits)
        except zlib.error as exc:
            raise ContentDecodingError(f"Failed to decode {self._name} body: {exc}") from exc
        return b"".join(out)

    def flush(self) -> bytes:
        return self._zlib.flush()


class _DeflateDecoder:
    """'deflate' is zlib-wrapped by the RFC but raw deflate from some servers. Which one it
    is shows only once zlib either decodes something or rejects the header, so until then
    the body is kept and decoded again from the start (as urllib3 does)."""

    def __init__(self) -> None:
        self._inner: _ZlibDecoder | None = None
        self._seen = b""  # the body so far, while the format is undecided

    def decode(self, data: bytes | bytearray) -> bytes:
        if self._inner is not None:
            return self._inner.decode(data)
        self._seen += data
        trial = _ZlibDecoder(zlib.MAX_WBITS, "deflate")
        try:
            out = trial.decode(self._seen)
        except ContentDecodingError:
            trial = _ZlibDecoder(-zlib.MAX_WBITS, "deflate")
            out, self._inner = trial.decode(self._seen), trial
            self._seen = b""
            return out
        if out:
            self._inner, self._seen = trial, b""
        return out

    def flush(self) -> bytes:
        if self._inner is None:
            return self.decode(b"") if self._seen else b""
        return self._inner.flush()


class _ChainDecoder:
    """Codings are listed in the order applied; undo them last first."""

    def __init__(self, decoders: list[Decoder]) -> None:
        self._decoders = decoders

    def decode(self, data: bytes | bytearray) -> bytes:
        out = bytes(data)
        for decoder in reversed(self._decoders):
            out = decoder.decode(out)
        return out

    def flush(self) -> bytes:
        # What an outer decoder still held is input for the inner one.
        out = b""
        for decoder in reversed(self._decoders):
            out = decoder.decode(out) + decoder.flush()
        return out


def decoder_for(content_encoding: str | None) -> Decoder | None:
    """The decoder for a Content-Encoding header value, or None when there is nothing to
    undo. Unknown codings are left alone, as requests does: the body is passed through.

    Raises:
        ContentDecodingError: more than MAX_ENCODINGS codings.
    """
    if not content_encoding:
        return None
    names = [n.strip().lower() for n in content_encoding.split(",") if n.strip()]
    if len(names) > MAX_ENCODINGS:
        raise ContentDecodingError(
            f"Too many content encodings ({len(names)} > {MAX_ENCODINGS}): {content_encoding!r}"
        )
    decoders = [d for d in map(_one_decoder, names) if d is not None]
    if not decoders:
        return None
    return decoders[0] if len(decoders) == 1 else _ChainDecoder(decoders)


def _one_decoder(name: str) -> Decoder | None:
    if name in ("gzip", "x-gzip"):
        return _ZlibDecoder(16 + zlib.MAX_WBITS, "gzip")
    if name == "deflate":
        return _DeflateDecoder()
    return None
