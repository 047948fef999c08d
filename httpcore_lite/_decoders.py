"""Content-Encoding decoders: incremental, so that a streamed body is never held whole.

gzip and deflate come from zlib; br from the ``brotli`` (or ``brotlicffi``) package and zstd
from Python's ``compression.zstd`` (3.14) or the ``zstandard`` package, when installed. Each
decoder takes pieces of the encoded body and returns what they decode to; ``flush`` returns
the rest at the end. Corrupt or truncated data raises ContentDecodingError.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import zlib
from typing import Any, Final, Protocol

from .exceptions import ContentDecodingError

# RFC 9110 section 8.4.1: a sender may apply several codings; more than this is abuse.
MAX_ENCODINGS: Final = 5
_BROTLI_MODULES: Final = ("brotli", "brotlicffi")
_ZSTD_MODULES: Final = ("compression.zstd", "zstandard")


class Decoder(Protocol):
    def decode(self, data: bytes | bytearray) -> bytes: ...
    def flush(self) -> bytes: ...


class _ZlibDecoder:
    """gzip (with any number of members) or zlib-wrapped deflate."""

    def __init__(self, wbits: int, name: str) -> None:
        self._wbits = wbits
        self._name = name
        self._zlib: zlib._Decompress = zlib.decompressobj(wbits)
        self._later_member = False  # past the first complete gzip member
        self._ignoring = False

    def decode(self, data: bytes | bytearray) -> bytes:
        out = []
        if self._ignoring:
            return b""
        try:
            while data:
                out.append(self._zlib.decompress(data))
                data = self._zlib.unused_data
                if data:  # another gzip member follows (RFC 1952 section 2.2)
                    self._zlib = zlib.decompressobj(self._wbits)
                    self._later_member = True
        except zlib.error as exc:
            if not self._later_member:
                raise ContentDecodingError(f"Failed to decode {self._name} body: {exc}") from exc
            # Bytes after a complete member that are no gzip member: trailing garbage some
            # servers send. Ignored, as urllib3 (and so requests) ignores it.
            self._ignoring = True
        return b"".join(out)

    def flush(self) -> bytes:
        return b"" if self._ignoring else self._zlib.flush()


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


class _BrotliDecoder:
    """br (RFC 7932), through the ``brotli`` or ``brotlicffi`` package."""

    def __init__(self, module: Any) -> None:
        self._error: type[Exception] = module.error
        self._brotli = module.Decompressor()
        # brotli >= 1.0.9 names it process(); older releases and brotlicffi, decompress().
        self._process = getattr(self._brotli, "process", None) or self._brotli.decompress
        self._fed = False

    def decode(self, data: bytes | bytearray) -> bytes:
        self._fed = self._fed or bool(data)
        try:
            return bytes(self._process(bytes(data)))
        except self._error as exc:
            raise ContentDecodingError(f"Failed to decode br body: {exc}") from exc

    def flush(self) -> bytes:
        finished = getattr(self._brotli, "is_finished", None)
        if self._fed and finished is not None and not finished():
            raise ContentDecodingError("Failed to decode br body: the stream ended early")
        return b""


class _ZstdDecoder:
    """zstd (RFC 8878), through Python's ``compression.zstd`` (3.14) or ``zstandard``;
    any number of frames."""

    def __init__(self, new_decompressor: Any, error: type[Exception]) -> None:
        self._new = new_decompressor
        self._error = error
        self._zstd = new_decompressor()
        self._fed = False

    def decode(self, data: bytes | bytearray) -> bytes:
        self._fed = self._fed or bool(data)
        out = []
        try:
            while data:
                out.append(self._zstd.decompress(data))
                data = self._zstd.unused_data if self._zstd.eof else b""
                if data:  # another frame follows
                    self._zstd = self._new()
        except self._error as exc:
            raise ContentDecodingError(f"Failed to decode zstd body: {exc}") from exc
        return b"".join(out)

    def flush(self) -> bytes:
        if self._fed and not self._zstd.eof:
            raise ContentDecodingError("Failed to decode zstd body: the stream ended early")
        return b""


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
    if name == "br":
        brotli = _first_module(_BROTLI_MODULES)
        return None if brotli is None else _BrotliDecoder(brotli)
    if name == "zstd":
        return _zstd_decoder()
    return None


def _zstd_decoder() -> Decoder | None:
    zstd = _first_module(_ZSTD_MODULES)
    if zstd is None:
        return None
    if zstd.__name__ == "zstandard":
        return _ZstdDecoder(lambda: zstd.ZstdDecompressor().decompressobj(), zstd.ZstdError)
    return _ZstdDecoder(zstd.ZstdDecompressor, zstd.ZstdError)


@functools.cache
def _first_module(names: tuple[str, ...]) -> Any:
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


@functools.lru_cache(maxsize=1)
def accept_encoding() -> str:
    """The Accept-Encoding a Session sends: gzip and deflate, then br and zstd when a module
    that decodes them is installed (as requests does through urllib3). Looked up when the
    first Session is made, never at import."""
    codings = ["gzip", "deflate"]
    for coding, names in (("br", _BROTLI_MODULES), ("zstd", _ZSTD_MODULES)):
        if any(_installed(name) for name in names):
            codings.append(coding)
    return ", ".join(codings)


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # "compression" itself is missing before 3.14
        return False
