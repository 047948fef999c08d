"""One function per client per scenario: each builds the client, and returns a ``Bench``
whose ``op`` runs one request and returns the body's length.

The peers are imported inside the functions, so a peer that is not installed costs
nothing until it is asked for. httpcore_lite and requests share the same functions (same
API, same code), which keeps the comparison honest by construction.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from .scenarios import OURS, PAYLOAD, PREVIOUS, STREAM_CHUNK


@dataclass
class Bench:
    """``op`` does one request and returns the number of body bytes it read."""

    op: Callable[[], int]
    close: Callable[[], None] = lambda: None


Factory = Callable[[str], Bench]


# -- the requests API: httpcore_lite and requests ---------------------------------------


def _session(lib: ModuleType) -> Any:
    return lib.Session()


def requests_api_s1(lib: ModuleType, url: str) -> Bench:
    session = _session(lib)
    get = session.get
    return Bench(lambda: len(get(url).content), session.close)


def requests_api_s2(lib: ModuleType, url: str) -> Bench:
    session = _session(lib)
    post = session.post
    return Bench(lambda: len(post(url, json=PAYLOAD).content), session.close)


def requests_api_s3b(lib: ModuleType, url: str) -> Bench:
    session = _session(lib)

    def op() -> int:
        count = 0
        for chunk in session.get(url, stream=True).iter_content(STREAM_CHUNK):
            count += len(chunk)
        return count

    return Bench(op, session.close)


def requests_api_s5(lib: ModuleType, url: str) -> Bench:
    get = lib.get
    return Bench(lambda: len(get(url).content))


# -- httpx (sync Client) ----------------------------------------------------------------


def httpx_s1(url: str) -> Bench:
    import httpx

    client = httpx.Client()
    get = client.get
    return Bench(lambda: len(get(url).content), client.close)


def httpx_s2(url: str) -> Bench:
    import httpx

    client = httpx.Client()
    post = client.post
    return Bench(lambda: len(post(url, json=PAYLOAD).content), client.close)


def httpx_s3b(url: str) -> Bench:
    import httpx

    client = httpx.Client()

    def op() -> int:
        count = 0
        with client.stream("GET", url) as response:
            for chunk in response.iter_bytes(STREAM_CHUNK):
                count += len(chunk)
        return count

    return Bench(op, client.close)


def httpx_s5(url: str) -> Bench:
    import httpx

    return Bench(lambda: len(httpx.get(url).content))


# -- urllib3 (PoolManager) --------------------------------------------------------------


def urllib3_s1(url: str, maxsize: int = 1) -> Bench:
    import urllib3

    pool = urllib3.PoolManager(maxsize=maxsize)
    request = pool.request
    return Bench(lambda: len(request("GET", url).data), pool.clear)


def urllib3_s2(url: str) -> Bench:
    import urllib3

    pool = urllib3.PoolManager()
    request = pool.request
    return Bench(lambda: len(request("POST", url, json=PAYLOAD).data), pool.clear)


def urllib3_s3b(url: str) -> Bench:
    import urllib3

    pool = urllib3.PoolManager()

    def op() -> int:
        count = 0
        response = pool.request("GET", url, preload_content=False)
        for chunk in response.stream(STREAM_CHUNK):
            count += len(chunk)
        response.release_conn()
        return count

    return Bench(op, pool.clear)


def urllib3_s4(url: str) -> Bench:
    # The default maxsize=1 would drop and reopen connections under 8 threads (with a
    # warning per drop): a threaded program sizes the pool, as requests does (10).
    return urllib3_s1(url, maxsize=8)


def urllib3_s5(url: str) -> Bench:
    import urllib3

    def op() -> int:
        # A fresh PoolManager, as requests.get makes a fresh Session: urllib3.request()
        # would reuse its module-level pool, and so its connection.
        with urllib3.PoolManager() as pool:
            return len(pool.request("GET", url).data)

    return Bench(op)


# -- http.client ------------------------------------------------------------------------


def _target(url: str) -> tuple[str, int, str, bool]:
    parts = urlsplit(url)
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    return parts.hostname or "", port, parts.path or "/", tls


def _http_connection(url: str) -> Any:
    import http.client

    host, port, _, tls = _target(url)
    if tls:
        import ssl

        context = ssl._create_unverified_context()
        return http.client.HTTPSConnection(host, port, context=context)
    return http.client.HTTPConnection(host, port)


def http_client_s1(url: str) -> Bench:
    conn = _http_connection(url)
    path = _target(url)[2]

    def op() -> int:
        conn.request("GET", path)
        return len(conn.getresponse().read())

    return Bench(op, conn.close)


def http_client_s2(url: str) -> Bench:
    conn = _http_connection(url)
    path = _target(url)[2]
    headers = {"Content-Type": "application/json"}

    def op() -> int:
        conn.request("POST", path, json.dumps(PAYLOAD).encode(), headers)
        return len(conn.getresponse().read())

    return Bench(op, conn.close)


def http_client_s3b(url: str) -> Bench:
    conn = _http_connection(url)
    path = _target(url)[2]

    def op() -> int:
        conn.request("GET", path)
        response = conn.getresponse()
        count = 0
        while chunk := response.read(STREAM_CHUNK):
            count += len(chunk)
        return count

    return Bench(op, conn.close)


def http_client_s5(url: str) -> Bench:
    path = _target(url)[2]

    def op() -> int:
        conn = _http_connection(url)
        try:
            conn.request("GET", path)
            return len(conn.getresponse().read())
        finally:
            conn.close()

    return Bench(op)


# -- the registry -----------------------------------------------------------------------


def _requests_api(module: str) -> dict[str, Factory]:
    def bind(function: Callable[[ModuleType, str], Bench]) -> Factory:
        return lambda url: function(importlib.import_module(module), url)

    return {
        "S1": bind(requests_api_s1),
        "S2": bind(requests_api_s2),
        "S3a": bind(requests_api_s1),
        "S3b": bind(requests_api_s3b),
        "S4": bind(requests_api_s1),
        "S5": bind(requests_api_s5),
    }


def registry() -> dict[str, dict[str, Factory]]:
    """client -> case -> factory; a case a client lacks is skipped (http.client has no
    thread-safe shared client for S4)."""
    from . import floors

    return {
        OURS: _requests_api("httpcore_lite"),
        PREVIOUS: _requests_api("httpcore_lite"),  # from --previous DIR: see worker.py
        "requests": _requests_api("requests"),
        "httpx": {
            "S1": httpx_s1,
            "S2": httpx_s2,
            "S3a": httpx_s1,
            "S3b": httpx_s3b,
            "S4": httpx_s1,
            "S5": httpx_s5,
        },
        "urllib3": {
            "S1": urllib3_s1,
            "S2": urllib3_s2,
            "S3a": urllib3_s1,
            "S3b": urllib3_s3b,
            "S4": urllib3_s4,
            "S5": urllib3_s5,
        },
        "http.client": {
            "S1": http_client_s1,
            "S2": http_client_s2,
            "S3a": http_client_s1,
            "S3b": http_client_s3b,
            "S5": http_client_s5,
        },
        **floors.registry(),
    }
