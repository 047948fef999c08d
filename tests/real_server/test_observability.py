"""Request hooks, Response.timings and .metrics, and Session.pool_statistics(), against
httpbin and raw servers on loopback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest

import httpcore_lite
from httpcore_lite.adapters import HTTPAdapter
from httpcore_lite.metrics import Metrics, Timings
from httpcore_lite.retry import Retry
from tests.servers import RawServer, WSGIServer, read_request, response

Serve = Callable[..., RawServer]


def test_request_hooks_see_every_request_before_it_goes(httpbin: WSGIServer) -> None:
    seen: list[tuple[str, str | None, Any]] = []

    def observe(request: httpcore_lite.PreparedRequest, **kwargs: Any) -> str:
        seen.append((request.method or "", request.url, kwargs.get("timeout")))
        return "ignored"

    with httpcore_lite.Session() as s:
        s.hooks["request"].append(observe)
        r = s.get(httpbin + "/redirect/2", timeout=7)
    assert r.status_code == 200
    assert [url for _, url, _ in seen] == [
        httpbin + "/redirect/2",
        httpbin + "/relative-redirect/1",
        httpbin + "/get",
    ]
    assert {timeout for _, _, timeout in seen} == {7}


def test_a_request_hook_per_call_and_its_error_stops_the_send(httpbin: WSGIServer) -> None:
    def refuse(request: httpcore_lite.PreparedRequest, **kwargs: Any) -> None:
        raise RuntimeError(f"not sending {request.url}")

    with httpbin_counting(httpbin) as before, pytest.raises(RuntimeError, match="not sending"):
        httpcore_lite.get(httpbin + "/get", hooks={"request": refuse})
    assert httpbin.connections == before  # nothing reached the server


class httpbin_counting:
    def __init__(self, server: WSGIServer) -> None:
        self._server = server

    def __enter__(self) -> int:
        return self._server.connections

    def __exit__(self, *exc: object) -> None:
        return None


def test_timings_and_metrics_of_a_new_then_a_reused_connection(httpbin: WSGIServer) -> None:
    with httpcore_lite.Session() as s:
        first = s.get(httpbin + "/bytes/2000")
        second = s.get(httpbin + "/get")
    for r in (first, second):
        timings = r.timings
        assert isinstance(timings, Timings)
        assert timings.send >= 0 and timings.wait > 0
        assert timings.body is not None and timings.total is not None
        assert timings.total >= timings.send + timings.wait + timings.body
    assert first.timings is not None and first.timings.connect > 0
    assert second.timings is not None and second.timings.connect == 0.0
    assert first.metrics == Metrics(
        bytes_sent=first.metrics.bytes_sent,  # type: ignore[union-attr]
        bytes_received=first.metrics.bytes_received,  # type: ignore[union-attr]
        connection_reused=False,
        retries=0,
    )
    assert second.metrics is not None and second.metrics.connection_reused
    assert first.metrics is not None and first.metrics.bytes_received > 2000
    assert first.metrics.bytes_sent > len("GET /bytes/2000 HTTP/1.1\r\n")


def test_tls_time_is_counted_on_a_new_https_connection(
    httpbin_secure: WSGIServer, ca_bundle: str
) -> None:
    r = httpcore_lite.get(httpbin_secure + "/get", verify=ca_bundle)
    assert r.timings is not None and r.timings.tls > 0


def test_a_streamed_body_has_no_body_time_until_read(httpbin: WSGIServer) -> None:
    with httpcore_lite.Session() as s:
        r = s.get(httpbin + "/bytes/1000", stream=True)
        assert r.timings is not None and r.timings.body is None and r.timings.total is None
        r.content  # noqa: B018
        assert r.timings.body is not None


def test_metrics_count_the_retries(serve: Serve) -> None:
    answers = iter([response(b"busy", "503 Service Unavailable")] * 2 + [response(b"ok")])

    def handler(conn: socket.socket, server: RawServer) -> None:
        while read_request(conn):
            conn.sendall(next(answers))

    server = serve(handler)
    with httpcore_lite.Session() as s:
        s.mount("http://", HTTPAdapter(max_retries=Retry(total=3, status_forcelist=[503])))
        r = s.get(server.url)
    assert r.text == "ok"
    assert r.metrics is not None and r.metrics.retries == 2


def test_pool_statistics_per_origin(httpbin: WSGIServer, serve: Serve) -> None:
    closing = serve(
        lambda conn, srv: (
            read_request(conn) and conn.sendall(response(b"bye", headers=[("Connection", "close")]))
        )
    )
    with httpcore_lite.Session() as s:
        for _ in range(3):
            s.get(httpbin + "/get")
        s.get(closing.url)
        s.get(closing.url)
        stats = s.pool_statistics()
    origin = f"http://127.0.0.1:{httpbin.port}"
    assert stats[origin] == {"idle": 1, "active": 0, "opened": 1, "reused": 2, "discarded": 0}
    closed = stats[f"http://127.0.0.1:{closing.port}"]
    assert (closed["opened"], closed["reused"], closed["discarded"]) == (2, 0, 2)


def test_pool_statistics_count_threads_sharing_a_session(httpbin: WSGIServer) -> None:
    with httpcore_lite.Session() as s:
        threads = [
            threading.Thread(target=lambda: [s.get(httpbin + "/get") for _ in range(10)])
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        stats = s.pool_statistics()[f"http://127.0.0.1:{httpbin.port}"]
    assert stats["active"] == 0
    assert stats["opened"] + stats["reused"] == 40
    assert stats["idle"] == stats["opened"] - stats["discarded"]


def test_a_mock_response_has_no_timings() -> None:
    from httpcore_lite.testing import mocked

    with mocked() as mock:
        mock.add("GET", "https://api.test/", body="x")
        r = httpcore_lite.get("https://api.test/")
    assert r.timings is None and r.metrics is None


def test_session_request_hooks_survive_a_call_with_response_hooks(httpbin: WSGIServer) -> None:
    requests_seen: list[str] = []
    responses_seen: list[int] = []
    with httpcore_lite.Session() as s:
        s.hooks["request"].append(lambda request, **kw: requests_seen.append(request.url))
        s.get(
            httpbin + "/get",
            hooks={"response": lambda r, **kw: responses_seen.append(r.status_code)},
        )
    assert requests_seen == [httpbin + "/get"]
    assert responses_seen == [200]


def test_response_hooks_run_once_on_a_digest_answer(httpbin: WSGIServer) -> None:
    seen: list[int] = []
    r = httpcore_lite.get(
        httpbin + "/digest-auth/auth/user/pass",
        auth=httpcore_lite.auth.HTTPDigestAuth("user", "pass"),
        hooks={"response": lambda response, **kw: seen.append(response.status_code)},
    )
    assert r.status_code == 200
    assert seen == [200]
