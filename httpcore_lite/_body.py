"""Request bodies: ``data`` and ``json`` -> bytes or an iterator, with the headers they imply.

requests' rules: a dict or list of pairs is form-encoded; str and bytes go as they are; a
file is streamed with a Content-Length from its size; any other iterable is streamed with
``Transfer-Encoding: chunked``; ``json`` is used only when ``data`` is not given.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, NamedTuple
from urllib.parse import urlencode

from ._urls import iter_pairs
from .exceptions import InvalidJSONError, UnrewindableBodyError

if TYPE_CHECKING:  # pragma: no cover
    from .models import PreparedRequest

FORM_CONTENT_TYPE: Final = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE: Final = "application/json"
FILE_CHUNK: Final = 64 * 1024

BodyInput = Any  # what requests accepts for ``data``: too many shapes to spell out


# json.dumps(value, allow_nan=False) builds an encoder on every call; one serves all (it
# holds only its settings, so threads may share it). Same output, byte for byte.
@functools.cache
def _json_encoder() -> Any:
    import json  # on first use: 2 ms of start-up that a program without json= never pays

    return json.JSONEncoder(allow_nan=False)


class EncodedBody(NamedTuple):
    """A body ready to send, and the framing headers it needs."""

    body: bytes | str | Iterable[bytes] | None
    content_type: str | None
    content_length: int | None  # None with a body: send it chunked


def encode_body(data: BodyInput, json: Any) -> EncodedBody:
    """Encode ``data`` (or, when there is no data, ``json``) as requests does.

    Example:
        >>> encode_body({"a": "1"}, None).body
        'a=1'
        >>> encode_body(None, {"key": "value"}).body
        b'{"key": "value"}'

    Raises:
        InvalidJSONError: ``json`` holds NaN or Infinity, or is not serialisable.
    """
    if not data and json is not None:
        return _encode_json(json)
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if data is None or (not data and isinstance(data, (Mapping, list, tuple, str, bytes))):
        return EncodedBody(None, None, None)
    if isinstance(data, (str, bytes)):
        return EncodedBody(data, None, _byte_length(data))
    if hasattr(data, "read"):
        return EncodedBody(data, None, stream_length(data))
    if isinstance(data, (Mapping, list, tuple)):
        form = urlencode(list(iter_pairs(data)), doseq=True)
        return EncodedBody(form, FORM_CONTENT_TYPE, len(form))
    if isinstance(data, Iterable):
        return EncodedBody(data, None, None)
    raise TypeError(f"Unsupported request body type: {type(data).__name__}")


def is_stream(data: Any) -> bool:
    """Whether ``data`` is sent as a stream: an iterable that is not a str, bytes, list,
    tuple or mapping (a generator, a file object...)."""
    return hasattr(data, "__iter__") and not isinstance(
        data, (str, bytes, bytearray, list, tuple, Mapping)
    )


def _encode_json(value: Any) -> EncodedBody:
    try:
        text = _json_encoder().encode(value)
    except ValueError as exc:  # NaN or a cycle; a TypeError (not serialisable) stays one
        raise InvalidJSONError(exc) from exc
    body = text.encode("utf-8")
    return EncodedBody(body, JSON_CONTENT_TYPE, len(body))


def _byte_length(data: str | bytes) -> int:
    return len(data) if isinstance(data, bytes) else len(data.encode("utf-8"))


def stream_length(stream: Any) -> int | None:
    """Bytes left to read in a file-like object, or None when it cannot be told."""
    try:
        total = os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        total = None
    try:
        position = stream.tell()
    except (AttributeError, OSError):
        return total
    if total is None:
        try:
            stream.seek(0, os.SEEK_END)
            total = int(stream.tell())
            stream.seek(position)
        except (AttributeError, OSError):
            return None
    return max(0, total - int(position))


def body_to_send(body: bytes | str | Iterable[bytes] | None) -> bytes | Iterator[bytes] | None:
    """What the transport writes: bytes, or an iterator of bytes for streamed bodies."""
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return _read_chunks(body)
    return (piece.encode("utf-8") if isinstance(piece, str) else piece for piece in body)


def _read_chunks(stream: Any) -> Iterator[bytes]:
    while True:
        piece = stream.read(FILE_CHUNK)
        if not piece:
            return
        yield piece.encode("utf-8") if isinstance(piece, str) else piece


def rewind_body(request: PreparedRequest) -> None:
    """Make ``request``'s body readable from its start again, for a second sending.

    Bytes and strings need nothing. A file goes back to where it was when the request was
    prepared; a multipart body rewinds its files.

    Raises:
        UnrewindableBodyError: a stream that cannot seek, or an iterator (it is used up).
    """
    body = request.body
    if body is None or isinstance(body, (bytes, str)):
        return
    rewind = getattr(body, "rewind", None)
    if rewind is not None:  # a multipart body
        rewind()
        return
    position = request._body_position
    seek = getattr(body, "seek", None)
    if seek is None or not isinstance(position, int):
        raise UnrewindableBodyError("Unable to rewind the request body to send it again.")
    try:
        seek(position)
    except OSError as exc:
        raise UnrewindableBodyError(
            "An error occurred when rewinding the request body to send it again."
        ) from exc
