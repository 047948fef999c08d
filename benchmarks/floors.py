"""The two floors: the fastest a Python client can go, written as tightly as we can.

``floor-raw``: a socket, pre-built request bytes, ``recv_into`` a reused buffer and a
minimal Content-Length parse. No client in Python can beat it by much.

``floor-h11``: a bare ``h11.Connection`` over a socket, pre-built ``h11.Request`` and
``h11.Data`` events, ``recv_into`` a reused buffer. No h11-based client (httpcore_lite
included) can beat it: it is what h11 itself costs.

Both speak plain HTTP only, and assume the server sends a Content-Length (nginx and the
fallback server do).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .clients import Bench, Factory
from .scenarios import BIG_SIZE, PAYLOAD_BYTES, STREAM_CHUNK

_SMALL_BUFFER = 1 << 16
_BIG_BUFFER = BIG_SIZE + (1 << 16)
_H11_BUFFER = 1 << 20
_STREAM_BUFFER = 1 << 20
_HEADER = b"\r\nContent-Length:"
_HEADER_LOWER = b"\r\ncontent-length:"


def _address(url: str) -> tuple[tuple[str, int], str, str]:
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise ValueError(f"the floors speak plain http only, not {parts.scheme}")
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    ip = str(socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0])
    return (ip, port), parts.netloc, parts.path or "/"


def _connect(address: tuple[str, int]) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.connect(address)
    return sock


def _request_bytes(method: str, netloc: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {netloc}\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


def content_length(buf: bytearray, end: int) -> int:
    """The Content-Length of the head ``buf[:end]``: the usual spelling, else any case."""
    start = buf.find(_HEADER, 0, end)
    if start < 0:
        start = bytes(buf[:end]).lower().find(_HEADER_LOWER)
        if start < 0:
            raise ValueError("the floors need a Content-Length in the response")
    start += len(_HEADER)
    return int(buf[start : buf.find(b"\r\n", start)])


# -- floor-raw --------------------------------------------------------------------------


def _raw_reader(sock: socket.socket, size: int, whole: bool) -> Callable[[], int]:
    """Reads one response into a reused buffer; ``whole`` reads the body in as few calls
    as the kernel allows (S3a), else as the buffer allows, handing it out in
    STREAM_CHUNK views (S3b)."""
    buf = bytearray(size)
    view = memoryview(buf)
    recv_into = sock.recv_into
    find = buf.find

    def read() -> int:
        n = recv_into(buf)
        end = find(b"\r\n\r\n", 0, n)
        while end < 0:
            got = recv_into(view[n:])
            if not got:
                raise ConnectionError("the server closed the connection")
            n += got
            end = find(b"\r\n\r\n", 0, n)
        length = content_length(buf, end)
        if whole:
            total = end + 4 + length
            while n < total:
                got = recv_into(view[n:])
                if not got:
                    raise ConnectionError("the server closed the connection")
                n += got
            return length
        left = length - (n - end - 4)
        while left > 0:
            got = recv_into(buf)
            if not got:
                raise ConnectionError("the server closed the connection")
            for start in range(0, got, STREAM_CHUNK):  # hand out 64 KiB views, no copies
                left -= len(view[start : start + STREAM_CHUNK])
        return length

    return read


def _raw_keepalive(url: str, method: str, body: bytes, size: int, whole: bool) -> Bench:
    address, netloc, path = _address(url)
    sock = _connect(address)
    request = _request_bytes(method, netloc, path, body)
    send = sock.sendall
    read = _raw_reader(sock, size, whole)

    def op() -> int:
        send(request)
        return read()

    return Bench(op, sock.close)


def raw_s1(url: str) -> Bench:
    return _raw_keepalive(url, "GET", b"", _SMALL_BUFFER, True)


def raw_s2(url: str) -> Bench:
    return _raw_keepalive(url, "POST", PAYLOAD_BYTES, _SMALL_BUFFER, True)


def raw_s3a(url: str) -> Bench:
    return _raw_keepalive(url, "GET", b"", _BIG_BUFFER, True)


def raw_s3b(url: str) -> Bench:
    return _raw_keepalive(url, "GET", b"", _STREAM_BUFFER, False)


def raw_s5(url: str) -> Bench:
    address, netloc, path = _address(url)
    request = _request_bytes("GET", netloc, path)

    def op() -> int:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.connect(address)
            sock.sendall(request)
            return _raw_reader(sock, _SMALL_BUFFER, True)()

    return Bench(op)


# -- floor-h11 --------------------------------------------------------------------------


def _h11_events(method: str, netloc: str, path: str, body: bytes) -> list[Any]:
    import h11

    headers = [("Host", netloc)]
    if body:
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    events: list[Any] = [h11.Request(method=method, target=path, headers=headers)]
    if body:
        events.append(h11.Data(data=body))
    events.append(h11.EndOfMessage())
    return events


def _h11_exchange(sock: socket.socket, events: list[Any], join: bool) -> Callable[[], int]:
    """One request/response over a bare h11.Connection; ``join`` builds the body as
    bytes (as ``.content`` must), else hands each Data event out in STREAM_CHUNK views
    (as streaming does) and keeps none."""
    import h11

    conn: Any = h11.Connection(h11.CLIENT)  # Any: h11's stubs want bytes, not memoryviews
    buf = bytearray(_H11_BUFFER)
    view = memoryview(buf)
    need_data, data_type, end_type = h11.NEED_DATA, h11.Data, h11.EndOfMessage
    closed_type = h11.ConnectionClosed
    send, next_event, receive = conn.send, conn.next_event, conn.receive_data
    sendall, recv_into = sock.sendall, sock.recv_into

    def op() -> int:
        sendall(b"".join([send(event) for event in events]))
        receive(view[: recv_into(buf)])  # the response is due: skip asking h11 first
        chunks: list[bytes] = []
        count = 0
        while True:
            event = next_event()
            kind = type(event)
            if kind is data_type:
                if join:
                    chunks.append(event.data)
                else:  # hand out 64 KiB views, no copies
                    data = memoryview(event.data)
                    for start in range(0, len(data), STREAM_CHUNK):
                        count += len(data[start : start + STREAM_CHUNK])
            elif kind is end_type:
                break
            elif event is need_data:
                receive(view[: recv_into(buf)])
            elif kind is closed_type:
                raise ConnectionError("the server closed the connection")
        conn.start_next_cycle()
        return len(b"".join(chunks)) if join else count

    return op


def _h11_keepalive(url: str, method: str, body: bytes, join: bool) -> Bench:
    address, netloc, path = _address(url)
    sock = _connect(address)
    return Bench(_h11_exchange(sock, _h11_events(method, netloc, path, body), join), sock.close)


def h11_s1(url: str) -> Bench:
    return _h11_keepalive(url, "GET", b"", True)


def h11_s2(url: str) -> Bench:
    return _h11_keepalive(url, "POST", PAYLOAD_BYTES, True)


def h11_s3b(url: str) -> Bench:
    return _h11_keepalive(url, "GET", b"", False)


def h11_s5(url: str) -> Bench:
    address, netloc, path = _address(url)
    events = _h11_events("GET", netloc, path, b"")

    def op() -> int:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.connect(address)
            return _h11_exchange(sock, events, True)()

    return Bench(op)


def registry() -> dict[str, dict[str, Factory]]:
    return {
        "floor-raw": {"S1": raw_s1, "S2": raw_s2, "S3a": raw_s3a, "S3b": raw_s3b, "S5": raw_s5},
        "floor-h11": {"S1": h11_s1, "S2": h11_s2, "S3a": h11_s1, "S3b": h11_s3b, "S5": h11_s5},
    }
