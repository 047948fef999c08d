"""The fallback server, for machines without nginx: an asyncio Protocol with canned
responses, on uvloop when it is installed. Run in its own process:

    python -m benchmarks.fallback [--port N]

prints ``PORT <n> <loop>`` once listening on 127.0.0.1 (the loop is ``uvloop`` or
``asyncio``), and serves until SIGTERM or SIGINT.
It speaks just enough HTTP/1.1 for the benchmark: keep-alive, pipelining, request bodies
with Content-Length (read and dropped), ``Connection: close`` and HTTP/1.0.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import cast

from .scenarios import JSON_BODY, POST_REPLY, SMALL_BODY, big_body

_MAX_HEAD = 64 * 1024


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nServer: bench-fallback\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


ROUTES = {
    (b"GET", b"/small"): _response("200 OK", "text/plain", SMALL_BODY),
    (b"GET", b"/json"): _response("200 OK", "application/json", JSON_BODY),
    (b"GET", b"/big"): _response("200 OK", "application/octet-stream", big_body()),
    (b"POST", b"/post"): _response("200 OK", "application/json", POST_REPLY),
}
NOT_FOUND = _response("404 Not Found", "text/plain", b"not found")
BAD_REQUEST = _response("400 Bad Request", "text/plain", b"bad request")


def parse_head(head: bytes) -> tuple[bytes, int, bool]:
    """The canned response for a request head, its body length, and whether to close."""
    line_end = head.find(b"\r\n")
    request_line = head if line_end < 0 else head[:line_end]
    parts = request_line.split(b" ")
    if len(parts) != 3:
        return BAD_REQUEST, 0, True
    method, target, version = parts
    response = ROUTES.get((method, target.partition(b"?")[0]), NOT_FOUND)
    lower = head.lower()
    length = 0
    start = lower.find(b"\r\ncontent-length:")
    if start >= 0:
        start += 17
        end = lower.find(b"\r\n", start)
        try:
            length = int(head[start:] if end < 0 else head[start:end])
        except ValueError:
            return BAD_REQUEST, 0, True
    if b"\r\ntransfer-encoding:" in lower:
        return BAD_REQUEST, 0, True  # chunked request bodies are not needed here
    close = b"\r\nconnection: close" in lower or version == b"HTTP/1.0"
    return response, length, close


class HttpProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but quack alike.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        transport = self.transport
        assert transport is not None
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    transport.close()
                return
            response, length, close = parse_head(bytes(buffer[:end]))
            total = end + 4 + length
            if len(buffer) < total:
                return
            del buffer[:total]
            transport.write(response)
            if close:
                transport.close()
                return


async def serve(port: int, loop_name: str) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HttpProtocol, "127.0.0.1", port, backlog=1024)
    stop = loop.create_future()

    def on_signal() -> None:
        if not stop.done():
            stop.set_result(None)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)
    print(f"PORT {server.sockets[0].getsockname()[1]} {loop_name}", flush=True)
    async with server:
        await stop


def new_loop() -> tuple[asyncio.AbstractEventLoop, str]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop(), "asyncio"
    return uvloop.new_event_loop(), "uvloop"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fallback")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    loop, name = new_loop()
    try:
        loop.run_until_complete(serve(args.port, name))
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
