"""Bodies for tests of Response reading without a network: the Body protocol (``_raw.Body``)
is a seam of the library's own, so feeding it fixed pieces is honest."""

from __future__ import annotations

from httpcore_lite import Response
from httpcore_lite._raw import RawResponse
from httpcore_lite.structures import CaseInsensitiveDict


class ChunkSource:
    """A Body that hands out the given pieces, then b"" (pieces as they come, as h11's
    body does: ``amount`` is not heeded)."""

    def __init__(self, *pieces: bytes) -> None:
        self._pieces = list(pieces)
        self.closed = False

    @property
    def at_end(self) -> bool:
        return not self._pieces

    def read(self, amount: int = 0) -> bytes:
        return self._pieces.pop(0) if self._pieces else b""

    def read_rest(self) -> bytes:
        rest, self._pieces = b"".join(self._pieces), []
        return rest

    def release_if_complete(self) -> None:
        """Nothing to release: there is no connection."""

    def close(self) -> None:
        self.closed = True
        self._pieces = []


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at ``cuts`` (taken modulo its length + 1) into non-empty pieces, as reads
    from a connection come. No piece is empty: b"" is how a Body says the body ended."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, start = [], 0
    for point in [*points, len(data)]:
        pieces.append(data[start:point])
        start = point
    return [piece for piece in pieces if piece]


def response_over(
    pieces: list[bytes], headers: dict[str, str] | None = None, encoding: str | None = None
) -> Response:
    """A 200 Response whose body arrives in ``pieces``."""
    r = Response()
    r.status_code = 200
    r.headers = CaseInsensitiveDict(headers or {})
    r.encoding = encoding
    r.raw = RawResponse(ChunkSource(*pieces), r.headers, 200, "OK")
    return r
