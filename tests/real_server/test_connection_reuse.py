"""Keep-alive: a Session reuses its connection; separate calls and unread bodies do not."""

from __future__ import annotations

import pytest

import httpcore_lite
from tests.servers import WSGIServer

TIMEOUT = (3, 10)


def test_session_reuses_one_connection(httpbin_both: WSGIServer, ca_bundle: str) -> None:
    httpbin_both.reset_connections()
    with httpcore_lite.Session() as s:
        for i in range(5):
            r = s.get(
                httpbin_both + "/get", params={"i": str(i)}, verify=ca_bundle, timeout=TIMEOUT
            )
            assert r.json()["args"] == {"i": str(i)}
    assert httpbin_both.connections == 1


def test_session_reuses_across_methods(httpbin: WSGIServer) -> None:
    httpbin.reset_connections()
    with httpcore_lite.Session() as s:
        assert s.post(httpbin + "/post", json={"a": 1}, timeout=TIMEOUT).json()["json"] == {"a": 1}
        assert s.put(httpbin + "/put", data=b"x", timeout=TIMEOUT).status_code == 200
        assert s.head(httpbin + "/get", timeout=TIMEOUT).status_code == 200
        assert s.get(httpbin + "/status/404", timeout=TIMEOUT).status_code == 404
        assert s.delete(httpbin + "/delete", timeout=TIMEOUT).status_code == 200
        assert len(s.get(httpbin + "/bytes/100000", timeout=TIMEOUT).content) == 100000
    assert httpbin.connections == 1


def test_module_level_calls_use_one_connection_each(httpbin: WSGIServer) -> None:
    httpbin.reset_connections()
    assert httpcore_lite.get(httpbin + "/get", timeout=TIMEOUT).status_code == 200
    assert httpcore_lite.get(httpbin + "/get", timeout=TIMEOUT).status_code == 200
    assert httpbin.connections == 2


def test_reset_connections_counts_from_zero(httpbin: WSGIServer) -> None:
    httpcore_lite.get(httpbin + "/get", timeout=TIMEOUT)
    httpbin.reset_connections()
    assert httpbin.connections == 0


def test_streamed_body_read_to_the_end_returns_the_connection(httpbin: WSGIServer) -> None:
    httpbin.reset_connections()
    with httpcore_lite.Session() as s:
        with s.get(httpbin + "/stream/10", stream=True, timeout=TIMEOUT) as r:
            assert len(list(r.iter_lines())) == 10
        assert s.get(httpbin + "/get", timeout=TIMEOUT).status_code == 200
    assert httpbin.connections == 1


def test_streamed_body_closed_early_is_not_reused(httpbin: WSGIServer) -> None:
    httpbin.reset_connections()
    with httpcore_lite.Session() as s:
        with s.get(httpbin + "/bytes/100000", stream=True, timeout=TIMEOUT) as r:
            assert len(r.raw.read(10)) == 10
        # Reusing that connection would read the rest of the old body as the next response.
        r2 = s.get(httpbin + "/get", timeout=TIMEOUT)
        assert r2.json()["url"] == httpbin + "/get"
    assert httpbin.connections == 2


def test_concurrent_streams_use_separate_connections(httpbin: WSGIServer) -> None:
    httpbin.reset_connections()
    with httpcore_lite.Session() as s:
        first = s.get(httpbin + "/stream/3", stream=True, timeout=TIMEOUT)
        second = s.get(httpbin + "/stream/4", stream=True, timeout=TIMEOUT)
        with first, second:
            assert len(list(second.iter_lines())) == 4
            assert len(list(first.iter_lines())) == 3
        # Both went back to the pool; the next two requests need no new connection.
        for _ in range(2):
            assert s.get(httpbin + "/get", timeout=TIMEOUT).ok
    assert httpbin.connections == 2


def test_http_and_https_do_not_share(
    httpbin: WSGIServer, httpbin_secure: WSGIServer, ca_bundle: str
) -> None:
    httpbin.reset_connections()
    httpbin_secure.reset_connections()
    with httpcore_lite.Session() as s:
        for _ in range(3):
            assert s.get(httpbin + "/get", timeout=TIMEOUT).ok
            assert s.get(httpbin_secure + "/get", verify=ca_bundle, timeout=TIMEOUT).ok
    assert httpbin.connections == 1
    assert httpbin_secure.connections == 1


@pytest.mark.parametrize("close_between", [True, False])
def test_session_close_drops_idle_connections(httpbin: WSGIServer, close_between: bool) -> None:
    httpbin.reset_connections()
    with httpcore_lite.Session() as s:
        s.get(httpbin + "/get", timeout=TIMEOUT)
        if close_between:
            s.close()  # the Session stays usable, with a new connection
        s.get(httpbin + "/get", timeout=TIMEOUT)
    assert httpbin.connections == (2 if close_between else 1)
