"""What is measured: the cases, the clients, the paths and bodies the server serves.

Imported by the worker processes and the fallback server, so it imports nothing heavy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SMALL_BODY = b"Hello, world!"
JSON_BODY = b'{"hello": "world"}'
POST_REPLY = b'{"ok": true}'
BIG_SIZE = 16 * 1024 * 1024
STREAM_CHUNK = 65536
THREADS = 8


def big_body() -> bytes:
    """The 16 MiB body of ``/big``: the same bytes from nginx and from the fallback server."""
    return bytes(range(256)) * (BIG_SIZE // 256)


def _payload() -> dict[str, object]:
    """A ~1 KiB JSON document with the usual mix of strings, numbers, lists and nesting."""
    items = [
        {"id": i, "name": f"item-{i}", "price": i * 1.25, "tags": ["a", "b"]} for i in range(15)
    ]
    return {"user": "benchmark", "active": True, "count": len(items), "items": items}


PAYLOAD = _payload()
PAYLOAD_BYTES = json.dumps(PAYLOAD).encode()


@dataclass(frozen=True)
class Case:
    """One benchmark case. ``unit`` is ``req/s`` or ``MB/s`` (10**6 bytes per second) for the
    throughput cases, ``ms`` or ``MiB`` for the import-time and memory cases, where lower
    is better."""

    name: str
    title: str
    unit: str
    path: str = "/small"
    threads: int = 1

    @property
    def higher_is_better(self) -> bool:
        return self.unit in ("req/s", "MB/s")

    @property
    def throughput(self) -> bool:
        return self.higher_is_better


CASES: dict[str, Case] = {
    case.name: case
    for case in (
        Case("S1", "sequential GET /small (13 B), one keep-alive connection", "req/s"),
        Case("S2", "sequential POST /post, ~1 KiB body with json=", "req/s", "/post"),
        Case("S3a", "GET /big (16 MiB), read whole as .content", "MB/s", "/big"),
        Case("S3b", "GET /big (16 MiB), streamed in 64 KiB chunks", "MB/s", "/big"),
        Case("S4", f"{THREADS} threads sharing one client, GET /small", "req/s", threads=THREADS),
        Case("S5", "a new connection per request: GET /small", "req/s"),
        Case("import", "import time: python -c 'import X' minus python -c pass", "ms"),
        Case("rss", "peak RSS of a process that imports the client and does one GET", "MiB"),
    )
}

OURS = "httpcore_lite"
# Another checkout of httpcore_lite (``--previous DIR``), measured beside this one for A/B
# ratios; its directory reaches the workers in this environment variable.
PREVIOUS = "previous"
PREVIOUS_DIR_VARIABLE = "BENCHMARKS_PREVIOUS_DIR"
PEERS = ("requests", "httpx", "urllib3", "http.client")
FLOORS = ("floor-raw", "floor-h11")
CLIENTS = (OURS, *PEERS, *FLOORS)

# The module each client needs, to skip a peer that is not installed.
MODULES = {
    OURS: "httpcore_lite",
    PREVIOUS: "httpcore_lite",
    "requests": "requests",
    "httpx": "httpx",
    "urllib3": "urllib3",
    "http.client": "http.client",
    "floor-raw": "socket",
    "floor-h11": "h11",
}
