"""Helpers behind the models, under requests' own names where requests has them
(``requests.utils``): header validation, encodings, Link headers, line splitting."""

from __future__ import annotations

import codecs
import functools
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from .exceptions import InvalidHeader
from .structures import CaseInsensitiveDict

# requests' header validation, plus NUL, which no header may carry (RFC 9110 section 5.5).
_VALID_NAME: Final = re.compile(r"[^:\s][^:\r\n\x00]*\Z")
_VALID_VALUE: Final = re.compile(r"(\S[^\r\n\x00]*)?\Z")
_VALID_NAME_BYTES: Final = re.compile(rb"[^:\s][^:\r\n\x00]*\Z")
_VALID_VALUE_BYTES: Final = re.compile(rb"(\S[^\r\n\x00]*)?\Z")


def check_header_validity(header: tuple[Any, Any]) -> None:
    """Refuse a header that could split the request or smuggle another one.

    ``header`` is a (name, value) pair, as in requests.

    Raises:
        InvalidHeader: a name or value that is not str/bytes, or holds CR, LF or NUL, or
            starts with whitespace.
    """
    name, value = header
    for part, kind, str_check, bytes_check in (
        (name, "name", _VALID_NAME, _VALID_NAME_BYTES),
        (value, "value", _VALID_VALUE, _VALID_VALUE_BYTES),
    ):
        ok: object
        if isinstance(part, str):
            ok = str_check.match(part)
        elif isinstance(part, bytes):
            ok = bytes_check.match(part)
        else:
            raise InvalidHeader(
                f"Header part ({part!r}) from {(name, value)} must be of type str or bytes, "
                f"not {type(part)}"
            )
        if not ok:
            raise InvalidHeader(
                "Invalid leading whitespace, reserved character(s), or return character(s) "
                f"in header {kind}: {part!r}"
            )


def headers_valid(pairs: Iterable[tuple[Any, Any]]) -> bool:
    """Whether ``check_header_validity`` passes every pair (a value of None fails: it
    stands for a header to drop)."""
    try:
        check_header_pairs(pairs)
    except InvalidHeader:
        return False
    return True


def check_header_pairs(pairs: Iterable[tuple[Any, Any]]) -> None:
    """``check_header_validity`` for every pair.

    Raises:
        InvalidHeader: as ``check_header_validity``.
    """
    for pair in pairs:
        check_header_validity(pair)


def get_auth_from_url(url: str) -> tuple[str, str]:
    """The (username, password) in ``url``, percent-decoded; empty strings when either is
    absent (as requests: a user name alone is no credential)."""
    parts = urlsplit(url)
    if parts.username is None or parts.password is None:
        return "", ""
    return unquote(parts.username), unquote(parts.password)


def iter_slices(data: bytes, size: int | None) -> Iterator[bytes]:
    if size is None or size <= 0:
        size = len(data) or 1
    for start in range(0, len(data), size):
        yield data[start : start + size]


# Codecs that Python finds by a charset name but that are no character encodings: a server
# naming one must not get to run it over a body (punycode, say, costs quadratic time).
_NOT_CHARSETS: Final = frozenset({"idna", "punycode", "undefined"})
# What a codec raises for a body it cannot decode even with errors="replace": UnicodeError
# (a ValueError) from idna or a BOM-less utf-16 stream, AssertionError and TypeError from
# the bytes-to-bytes codecs' incremental decoders.
_DECODING_ERRORS: Final = (ValueError, LookupError, TypeError, AssertionError)
# What text falls back to when a body's charset cannot decode it (requests' fallback for an
# unknown charset).
FALLBACK_ENCODING: Final = "utf-8"


def text_codec(encoding: str | None) -> str | None:
    """The codec for a charset name when it decodes bytes to text; None for an unknown
    name, a codec that is no text encoding (base64, zlib, rot13...) or no character
    encoding at all (idna, punycode).

    Examples:
        >>> text_codec("UTF8"), text_codec("latin_1"), text_codec("base64"), text_codec("x")
        ('utf-8', 'iso8859-1', None, None)
    """
    if not encoding:
        return None
    try:
        info = codecs.lookup(encoding)
    except (LookupError, TypeError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def decode_text(content: bytes, encoding: str | None) -> str:
    """``content`` as text in ``encoding``, undecodable bytes replaced; UTF-8 (with
    replacement) when the encoding is unknown, no text encoding, or fails on the body.

    Examples:
        >>> decode_text(b"caf\xc3\xa9", "no-such-charset")
        'café'
    """
    codec = text_codec(encoding)
    if codec is not None:
        try:
            return str(content, codec, errors="replace")
        except _DECODING_ERRORS:
            pass
    return str(content, FALLBACK_ENCODING, errors="replace")


def decode_unicode_stream(chunks: Iterable[bytes], encoding: str | None) -> Iterator[Any]:
    """Text pieces of ``chunks`` decoded incrementally with ``encoding`` (bytes as they are
    when it is None, as requests does). An encoding that is unusable, or whose decoder fails
    on the body, gives way to UTF-8 with replacement from that chunk on."""
    if encoding is None:
        yield from chunks
        return
    decoder = _incremental_decoder(text_codec(encoding) or FALLBACK_ENCODING)
    for chunk in chunks:
        try:
            text = decoder.decode(chunk)
        except _DECODING_ERRORS:
            held = _held_bytes(decoder)  # what the failed decoder kept of earlier chunks
            decoder = _incremental_decoder(FALLBACK_ENCODING)
            text = decoder.decode(held + chunk)
        if text:
            yield text
    try:
        tail = decoder.decode(b"", final=True)
    except _DECODING_ERRORS:
        tail = "\ufffd"  # an incomplete sequence at the end, as errors="replace" gives
    if tail:
        yield tail


def _incremental_decoder(codec: str) -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder(codec)(errors="replace")


def _held_bytes(decoder: codecs.IncrementalDecoder) -> bytes:
    try:
        held = decoder.getstate()[0]
    except _DECODING_ERRORS:
        return b""
    return held if isinstance(held, bytes) else b""


def split_lines(chunks: Iterable[Any]) -> Iterator[Any]:
    # splitlines() per chunk, holding back an incomplete last line, and a lone trailing CR
    # whose LF may start the next chunk (requests #3980).
    pending = None
    for chunk in chunks:
        data = chunk if pending is None else pending + chunk
        lines = data.splitlines(keepends=True)
        pending = lines.pop() if lines else None
        if pending is not None and _ends_line(pending) and not _ends_with_cr(pending):
            lines.append(pending)
            pending = None
        for line in lines:
            yield _without_terminator(line)
    if pending:
        yield _without_terminator(pending)


def _without_terminator(line: Any) -> Any:
    # Whatever splitlines() split on (CR, LF, CR LF, and for text also VT, FF, U+2028...).
    return line.splitlines()[0] if line else line


def _ends_line(piece: Any) -> bool:
    return bool(piece) and piece.splitlines() != [piece]


def _ends_with_cr(piece: Any) -> bool:
    return bool(piece.endswith("\r" if isinstance(piece, str) else b"\r"))


def split_on_delimiter(chunks: Iterable[Any], delimiter: str | bytes) -> Iterator[Any]:
    pending = None
    for chunk in chunks:
        data = chunk if pending is None else pending + chunk
        lines = data.split(delimiter)
        pending = lines.pop()
        yield from lines
    if pending:
        yield pending


_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def guess_encoding(content: bytes) -> str:
    """The encoding a body suggests without a declared charset: a BOM; UTF-16 or UTF-32
    by the NUL bytes of ASCII text; UTF-8 if it decodes; else windows-1252 when it holds
    bytes 0x80-0x9F (C1 controls, which text in ISO-8859-1 never uses), else ISO-8859-1."""
    if not content:
        return "utf-8"
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name
    if b"\x00" in content[:64]:
        utf = guess_json_utf(content)  # the same NUL patterns, for any mostly-ASCII text
        if utf is not None:
            return utf
    if content.isascii():
        return "ascii"
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1252" if _has_c1_bytes(content) else "ISO-8859-1"
    return "utf-8"


def _has_c1_bytes(content: bytes) -> bool:
    # windows-1252 leaves five of 0x80-0x9F undefined: such a body is not windows-1252.
    c1 = set(content.translate(None, bytes(range(0x80))).translate(None, bytes(range(0xA0, 0x100))))
    return bool(c1) and not c1 & {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def guess_json_utf(data: bytes) -> str | None:
    """The UTF flavour of a JSON text from its first four bytes (RFC 4627 section 3):
    JSON starts with two ASCII characters, so the NUL pattern gives the encoding away."""
    sample = data[:4]
    if sample in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        return "utf-32"
    if sample[:3] == codecs.BOM_UTF8:
        return "utf-8-sig"
    if sample[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    nulls = sample.count(b"\x00")
    if nulls == 0:
        return "utf-8"
    if nulls == 2:
        if sample[::2] == b"\x00\x00":
            return "utf-16-be"
        if sample[1::2] == b"\x00\x00":
            return "utf-16-le"
    if nulls == 3:
        if sample[:3] == b"\x00\x00\x00":
            return "utf-32-be"
        if sample[1:] == b"\x00\x00\x00":
            return "utf-32-le"
    return None


def parse_header_links(value: str) -> list[dict[str, str]]:
    """Parse a Link header: ``<url>; rel="next", <url2>; rel="last"``."""
    links: list[dict[str, str]] = []
    replace_chars = " '\""
    value = value.strip(replace_chars)
    if not value:
        return links
    for val in re.split(", *<", value):
        url, _, params = val.partition(";")
        link = {"url": url.strip("<> '\"")}
        for param in params.split(";"):
            key, sep, param_value = param.partition("=")
            if not sep:
                continue
            link[key.strip(replace_chars)] = param_value.strip(replace_chars)
        links.append(link)
    return links


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    """``text/html; charset=UTF-8`` -> ("text/html", {"charset": "UTF-8"})."""
    media_type, *params = value.split(";")
    parsed = {}
    for param in params:
        key, sep, param_value = param.strip().partition("=")
        if key:
            parsed[key.strip().lower()] = param_value.strip(" '\"") if sep else "true"
    return media_type.strip(), parsed


def get_encoding_from_headers(headers: Mapping[str, str]) -> str | None:
    """requests' rule: the charset parameter; else ISO-8859-1 for text/*; UTF-8 for JSON."""
    content_type = headers.get("content-type")
    return _encoding_of(content_type) if content_type else None


def _encoding_of(content_type: str) -> str | None:
    media_type, params = parse_content_type(content_type)
    if "charset" in params:
        return params["charset"]
    if "text" in media_type:
        return "ISO-8859-1"
    if "application/json" in media_type:
        return "utf-8"
    return None


def decode_headers(raw: Iterable[tuple[bytes, bytes]]) -> CaseInsensitiveDict[str]:
    """Header fields as received (latin-1 bytes) as a CaseInsensitiveDict. Repeated fields
    are joined with ", " (RFC 9110 section 5.3), as requests shows them."""
    pairs: dict[str, tuple[str, str]] = {}
    for name_bytes, value_bytes in raw:
        name = name_bytes.decode("latin-1")
        value = value_bytes.decode("latin-1")
        lower = name.lower()
        if lower in pairs:
            name, first = pairs[lower]  # the first spelling of the name stays, as in requests
            value = f"{first}, {value}"
        pairs[lower] = (name, value)
    return CaseInsensitiveDict.from_pairs(pairs.values())


def environment_values(names: tuple[str, ...]) -> dict[str, str]:
    """The variables of ``names`` that are set in ``os.environ``, with their values.

    Examples:
        >>> os.environ["GREETING"] = "hello"
        >>> environment_values(("GREETING", "NO_SUCH_VARIABLE"))
        {'GREETING': 'hello'}
    """
    # os.environ.get() raises and catches a KeyError for each unset name (about 0.5 us);
    # a new Session (so every module-level get()) asks for a dozen names, nearly all unset.
    # The encoded dict under os.environ answers in tens of nanoseconds.
    environ = os.environ
    data = getattr(environ, "_data", None)
    if not isinstance(data, dict):  # pragma: no cover  # not CPython's os.environ
        return {name: value for name in names if (value := environ.get(name)) is not None}
    found = {}
    for name, key in zip(names, _environment_keys(names), strict=True):
        raw = data.get(key)
        if raw is not None:
            found[name] = environ.decodevalue(raw)
    return found


def raw_environment(names: tuple[str, ...]) -> tuple[object, ...]:
    """What ``os.environ`` holds for ``names`` as it stores them (None when unset): not to
    read, but to tell cheaply whether any of them changed since the last look.

    Examples:
        >>> raw_environment(("NO_SUCH_VARIABLE",))
        (None,)
    """
    environ = os.environ
    data = getattr(environ, "_data", None)
    if not isinstance(data, dict):  # pragma: no cover  # not CPython's os.environ
        return tuple(map(environ.get, names))
    return tuple(map(data.get, _environment_keys(names)))


@functools.lru_cache(maxsize=8)
def _environment_keys(names: tuple[str, ...]) -> tuple[object, ...]:
    return tuple(os.environ.encodekey(name) for name in names)
