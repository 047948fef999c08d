"""multipart/form-data bodies for ``files=``, laid out as requests (through urllib3) does.

Each part is a head (Content-Disposition, then Content-Type and the part's own headers) and
its content. Parts held in memory make one bytes body; file objects are streamed in pieces,
never read whole, with a Content-Length when every file can tell its size.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from ._body import FILE_CHUNK, EncodedBody, stream_length
from .exceptions import InvalidHeader, UnrewindableBodyError

# The HTML5 form encoding of names and filenames (what browsers and urllib3 send): quotes
# and control characters are percent-encoded, backslashes doubled.
_PARAM_ESCAPES: Final = {'"': "%22", "\\": "\\\\"} | {
    chr(code): f"%{code:02X}" for code in range(0x20) if code != 0x1B
}
_PARAM_ESCAPE_PATTERN: Final = re.compile("|".join(re.escape(c) for c in _PARAM_ESCAPES))
_FIRST_HEADERS: Final = ("Content-Disposition", "Content-Type", "Content-Location")

Content = bytes | Any  # bytes in memory, or a binary (or text) file object


class MultipartBody:
    """A multipart body streamed from its parts: iterate it for the bytes to send.

    ``rewind()`` moves every file back to where it was, so the body can be sent again
    (for a redirect or a retry).
    """

    def __init__(self, pieces: list[Content], content_type: str) -> None:
        self._pieces = pieces
        self.content_type = content_type
        self._starts = {id(p): _tell(p) for p in pieces if not isinstance(p, bytes)}

    def __iter__(self) -> Iterator[bytes]:
        for piece in self._pieces:
            if isinstance(piece, bytes):
                yield piece
                continue
            while chunk := piece.read(FILE_CHUNK):
                yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk

    def __repr__(self) -> str:
        return f"<MultipartBody [{self.content_type}]>"

    @property
    def content_length(self) -> int | None:
        """The body's size in bytes, or None when some file cannot tell its size."""
        total = 0
        for piece in self._pieces:
            size = len(piece) if isinstance(piece, bytes) else stream_length(piece)
            if size is None:
                return None
            total += size
        return total

    def rewind(self) -> None:
        """Move every file back to its starting position.

        Raises:
            UnrewindableBodyError: a file that cannot seek.
        """
        for piece in self._pieces:
            if isinstance(piece, bytes):
                continue
            start = self._starts[id(piece)]
            if start is None:
                raise UnrewindableBodyError("Unable to rewind a file of the multipart body")
            try:
                piece.seek(start)
            except (AttributeError, OSError) as exc:
                raise UnrewindableBodyError(
                    "An error occurred when rewinding a file of the multipart body"
                ) from exc


def encode_files(files: Any, data: Any, boundary: str | None = None) -> EncodedBody:
    """The multipart body of ``data``'s fields, then ``files``.

    A file is ``fileobj``, ``(filename, fileobj)``, ``(filename, fileobj, content_type)`` or
    ``(filename, fileobj, content_type, headers)``; ``fileobj`` may also be str or bytes.

    Raises:
        ValueError: ``data`` is a string (it has no fields to send beside the files).
    """
    if isinstance(data, (str, bytes)):
        raise ValueError("Data must not be a string.")
    boundary = boundary or os.urandom(16).hex()
    pieces: list[Content] = []
    for name, value in _data_fields(data):
        pieces += [_part_head(boundary, name, None, None, None), value, b"\r\n"]
    for name, spec in _key_value_pairs(files):
        filename, content, content_type, headers = _file_field(name, spec)
        if content is None:
            continue
        head = _part_head(boundary, name, filename, content_type, headers)
        pieces += [head, content, b"\r\n"]
    pieces.append(f"--{boundary}--\r\n".encode("ascii"))
    content_type = f"multipart/form-data; boundary={boundary}"
    merged = _merge_bytes(pieces)
    if all(isinstance(piece, bytes) for piece in merged):
        body = b"".join(merged)
        return EncodedBody(body, content_type, len(body))
    streamed = MultipartBody(merged, content_type)
    return EncodedBody(streamed, content_type, streamed.content_length)


def _data_fields(data: Any) -> Iterator[tuple[str, bytes]]:
    for name, given in _key_value_pairs(data):
        values = (
            [given] if isinstance(given, (str, bytes)) or not hasattr(given, "__iter__") else given
        )
        for value in values:
            if value is None:
                continue
            text_or_bytes = value if isinstance(value, (str, bytes)) else str(value)
            yield (
                name.decode("utf-8") if isinstance(name, bytes) else str(name),
                text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes,
            )


def _key_value_pairs(value: Any) -> list[tuple[Any, Any]]:
    # requests' to_key_val_list: a mapping's items, or a list of pairs as given.
    if not value:
        return []
    return list(value.items()) if isinstance(value, Mapping) else list(value)


def _file_field(name: Any, spec: Any) -> tuple[str | None, Content | None, str | None, Any]:
    content_type = headers = None
    if isinstance(spec, (tuple, list)):
        if len(spec) == 2:
            filename, source = spec
        elif len(spec) == 3:
            filename, source, content_type = spec
        else:
            filename, source, content_type, headers = spec
    else:
        filename, source = guess_filename(spec) or str(name), spec
    if source is None:
        return filename, None, content_type, headers
    if isinstance(source, str):
        content: Content = source.encode("utf-8")
    elif isinstance(source, (bytes, bytearray)):
        content = bytes(source)
    elif hasattr(source, "read"):
        content = source
    else:
        content = str(source).encode("utf-8")
    return filename, content, content_type, headers


def guess_filename(obj: Any) -> str | None:
    """The base name of a file object's ``name``, unless it is a pseudo name like <stdin>."""
    name = getattr(obj, "name", None)
    if name and isinstance(name, str) and name[0] != "<" and name[-1] != ">":
        return os.path.basename(name)
    return None


def _part_head(
    boundary: str,
    name: Any,
    filename: Any,
    content_type: str | None,
    headers: Mapping[str, str] | None,
) -> bytes:
    disposition = "form-data; " + _param("name", name)
    if filename is not None:
        disposition += "; " + _param("filename", filename)
    _check_part_header("Content-Type", content_type)
    for key, value in (headers or {}).items():
        _check_part_header(key, value)
    fields = dict(headers or {})
    fields["Content-Disposition"] = disposition
    fields["Content-Type"] = content_type  # type: ignore[assignment]
    fields["Content-Location"] = fields.get("Content-Location")  # type: ignore[assignment]
    lines = [f"{key}: {fields[key]}" for key in _FIRST_HEADERS if fields.get(key)]
    lines += [
        f"{key}: {value}" for key, value in fields.items() if key not in _FIRST_HEADERS and value
    ]
    return (f"--{boundary}\r\n" + "\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def _check_part_header(name: Any, value: Any) -> None:
    """Refuse a part header that would end its line early: CR, LF or NUL would let a
    content type or a header inject header lines of its own into the part (or end the
    part's head).

    Raises:
        InvalidHeader: the name or value holds CR, LF or NUL (the name also ":").
    """
    for part, forbidden in ((name, "\r\n\x00:"), (value, "\r\n\x00")):
        if part is None:
            continue
        text = part.decode("latin-1") if isinstance(part, bytes) else str(part)
        if any(char in text for char in forbidden):
            raise InvalidHeader(
                f"Invalid multipart part header {name!r}: {value!r} (CR, LF and NUL are "
                "not allowed, nor ':' in a name)"
            )


def _param(key: str, value: Any) -> str:
    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
    escaped = _PARAM_ESCAPE_PATTERN.sub(lambda match: _PARAM_ESCAPES[match.group(0)], text)
    return f'{key}="{escaped}"'


def _merge_bytes(pieces: list[Content]) -> list[Content]:
    # Neighbouring bytes pieces become one: fewer, larger writes.
    merged: list[Content] = []
    for piece in pieces:
        if isinstance(piece, bytes) and merged and isinstance(merged[-1], bytes):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def _tell(stream: Any) -> int | None:
    try:
        return int(stream.tell())
    except (AttributeError, OSError, ValueError):
        return None
