"""Decompression bombs from a real server on loopback: ``.content`` stops them with the
default limits, streaming comes in bounded pieces, the limits can be lifted per response,
a chain of more than five codings is refused, and a redirect's body is never decoded.

The raw server answers each request from a table of canned responses by path; nothing
sleeps. Bombs are megabytes of zeros, a few KiB on the wire (built once, see the unit tests).
"""

from __future__ import annotations

import gzip
import socket
from collections.abc import Callable
from typing import Any

import pytest

import httpcore_lite as requests
from httpcore_lite import _raw
from httpcore_lite._decoders import DECODED_PIECE
from httpcore_lite._limits import RATIO_FLOOR
from httpcore_lite.exceptions import ContentDecodingError, DecompressionBombError

from ..servers import RawServer, response
from ..unit.test_decompression_limits import bomb

pytestmark = pytest.mark.timeout(60)

Serve = Callable[..., RawServer]
TIMEOUT = (3, 10)
MiB = 1 << 20
# Past the 64 MiB floor of the ratio guard: what the default limits see first.
BOMB_MIB = 80


def routes(table: dict[str, bytes]) -> Callable[[socket.socket, RawServer], None]:
    """Answer each request on a connection with ``table[path]`` (404 for other paths)."""

    def handle(conn: socket.socket, server: RawServer) -> None:
        while request := server.read(conn):
            path = request.split(b" ", 2)[1].decode("latin-1")
            conn.sendall(table.get(path, response(b"no such path", "404 Not Found")))

    return handle


def encoded(body: bytes, coding: str, status: str = "200 OK", **extra: str) -> bytes:
    headers = [("Content-Encoding", coding), *extra.items()]
    return response(body, status, headers=headers)


def text(mib: int) -> bytes:
    """Ordinary text, about 5:1 under gzip."""
    line = b"%07d the quick brown fox jumps over the lazy dog, %07d times\n"
    return b"".join(line % (i, i * 7) for i in range(mib * MiB // 60))[: mib * MiB]


# -- the default guards -----------------------------------------------------------------------


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd", "gzip, gzip"])
def test_content_of_a_bomb_stops_at_the_ratio_guard(serve: Serve, coding: str) -> None:
    server = serve(routes({"/bomb": encoded(bomb(coding, BOMB_MIB), coding)}))
    with requests.Session() as s:
        with pytest.raises(DecompressionBombError) as info:
            s.get(server.url + "/bomb", timeout=TIMEOUT)
        # Session._read_body attaches both; the response is closed, its connection dropped.
        assert info.value.response is not None
        assert info.value.response.status_code == 200
        assert info.value.request is not None
        assert "looks like a decompression bomb" in str(info.value)
        assert s.get(server.url + "/missing", timeout=TIMEOUT).status_code == 404
    assert server.accepted == 2


def test_a_stream_of_a_bomb_comes_in_bounded_pieces_until_the_guard(serve: Serve) -> None:
    server = serve(routes({"/bomb": encoded(bomb("gzip", BOMB_MIB), "gzip")}))
    sizes: list[int] = []
    with (
        requests.Session() as s,
        s.get(server.url + "/bomb", stream=True, timeout=TIMEOUT) as r,
        pytest.raises(DecompressionBombError),
    ):
        sizes.extend(len(piece) for piece in r.iter_content(None))
    assert max(sizes) <= DECODED_PIECE
    assert RATIO_FLOOR - DECODED_PIECE < sum(sizes) <= RATIO_FLOOR


def test_a_legitimate_compressed_body_is_untouched(serve: Serve) -> None:
    body = text(8)
    server = serve(routes({"/text": encoded(gzip.compress(body), "gzip")}))
    with requests.Session() as s:
        assert s.get(server.url + "/text", timeout=TIMEOUT).content == body
        with s.get(server.url + "/text", stream=True, timeout=TIMEOUT) as r:
            assert b"".join(r.iter_content(65536)) == body
    assert server.accepted == 1  # read to the end both times: the connection went back


# -- lifting and lowering the limits ----------------------------------------------------------


def test_per_response_limits_with_stream(serve: Serve) -> None:
    zeros = bomb("zstd", BOMB_MIB)
    body = text(4)
    server = serve(
        routes({"/bomb": encoded(zeros, "zstd"), "/text": encoded(gzip.compress(body), "gzip")})
    )
    with requests.Session() as s:
        with s.get(server.url + "/bomb", stream=True, timeout=TIMEOUT) as r:
            r.max_decoded_ratio = None
            assert r.content == bytes(BOMB_MIB * MiB)
        with s.get(server.url + "/text", stream=True, timeout=TIMEOUT) as r:
            r.max_decoded_size = MiB
            with pytest.raises(DecompressionBombError, match="max_decoded_size = 1048576"):
                r.content  # noqa: B018
        with s.get(server.url + "/text", stream=True, timeout=TIMEOUT) as r:
            r.max_decoded_size = None
            assert r.content == body


def test_limits_from_a_response_hook_apply_without_stream(serve: Serve) -> None:
    # A response hook runs before the Session reads the body: a way to set limits for
    # every response of a Session.
    server = serve(routes({"/text": encoded(gzip.compress(text(4)), "gzip")}))

    def lower(r: requests.Response, **kwargs: Any) -> None:
        r.max_decoded_size = MiB

    with requests.Session() as s:
        s.hooks["response"].append(lower)
        with pytest.raises(DecompressionBombError):
            s.get(server.url + "/text", timeout=TIMEOUT)


def test_the_ratio_floor_is_where_the_guard_starts(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 16 MiB of zeros is far below the floor: it passes, however high its ratio.
    server = serve(routes({"/small": encoded(bomb("gzip", 16), "gzip")}))
    with requests.Session() as s:
        assert s.get(server.url + "/small", timeout=TIMEOUT).content == bytes(16 * MiB)
        monkeypatch.setattr(_raw, "RATIO_FLOOR", MiB)
        with pytest.raises(DecompressionBombError, match="checked past 64 MiB"):
            s.get(server.url + "/small", timeout=TIMEOUT)


# -- at most five codings ---------------------------------------------------------------------


def test_five_codings_are_decoded_six_are_refused(serve: Serve) -> None:
    five = b"five layers deep"
    for _ in range(5):
        five = gzip.compress(five)
    six_fields = response(
        gzip.compress(five),
        headers=[
            ("Content-Encoding", "gzip, gzip, gzip"),
            ("Content-Encoding", "gzip, gzip, gzip"),
        ],
    )
    server = serve(
        routes({"/five": encoded(five, "gzip, gzip, gzip, gzip, gzip"), "/six": six_fields})
    )
    with requests.Session() as s:
        assert s.get(server.url + "/five", timeout=TIMEOUT).content == b"five layers deep"
        with pytest.raises(ContentDecodingError, match=r"Too many content encodings \(6 > 5\)"):
            s.get(server.url + "/six", timeout=TIMEOUT)


# -- a redirect's body is not decoded --------------------------------------------------------


@pytest.fixture
def decoders_made(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The Content-Encoding of every body that RawResponse set out to decode."""
    made: list[str | None] = []
    real = _raw.decoder_for

    def recording(content_encoding: str | None) -> Any:
        made.append(content_encoding)
        return real(content_encoding)

    monkeypatch.setattr(_raw, "decoder_for", recording)
    return made


REDIRECT_BODIES: dict[str, Callable[[], tuple[bytes, str]]] = {
    # 32 KiB on the wire: read whole, so the connection is reused.
    "a small zstd bomb": lambda: (bomb("zstd", 1024), "zstd"),
    # 80 KiB on the wire, past what a redirect's body is read for: the connection is dropped.
    "a large gzip bomb": lambda: (bomb("gzip", BOMB_MIB), "gzip"),
    "a corrupt gzip body": lambda: (b"\x1f\x8b this is no gzip member", "gzip"),
}


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("kind", REDIRECT_BODIES)
def test_a_redirect_body_is_never_decoded(
    serve: Serve, decoders_made: list[str | None], kind: str, stream: bool
) -> None:
    body, coding = REDIRECT_BODIES[kind]()
    server = serve(
        routes(
            {
                "/go": encoded(body, coding, "302 Found", Location="/final"),
                "/final": response(b"arrived"),
            }
        )
    )
    with requests.Session() as s, s.get(server.url + "/go", stream=stream, timeout=TIMEOUT) as r:
        assert r.status_code == 200
        assert r.content == b"arrived"
        assert [hop.status_code for hop in r.history] == [302]
        assert r.history[0].content == b""  # kept undecoded is kept not at all
    assert decoders_made == []
    assert server.accepted == (2 if kind == "a large gzip bomb" else 1)


def test_a_redirect_not_followed_is_guarded_when_read(
    serve: Serve, decoders_made: list[str | None]
) -> None:
    server = serve(
        routes({"/go": encoded(bomb("gzip", BOMB_MIB), "gzip", "302 Found", Location="/")})
    )
    with requests.Session() as s:
        with pytest.raises(DecompressionBombError):
            s.get(server.url + "/go", allow_redirects=False, timeout=TIMEOUT)
    assert decoders_made == ["gzip"]
