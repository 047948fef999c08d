"""Timeouts: a server that never answers (read), and one that never accepts (connect)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

import httpcore_lite as requests

from ..servers import RawServer
from ._helpers import full_backlog_listener, slow_handler

Serve = Callable[..., RawServer]


def test_server_that_never_answers_raises_read_timeout(serve: Serve) -> None:
    release = threading.Event()
    server = serve(slow_handler(release))
    try:
        start = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout) as info:
            requests.get(server.url, timeout=(1, 0.3))
        elapsed = time.monotonic() - start
    finally:
        release.set()
    exc = info.value
    assert isinstance(exc, requests.exceptions.Timeout)
    assert not isinstance(exc, requests.exceptions.ConnectionError)
    assert not isinstance(exc, requests.exceptions.ConnectTimeout)
    assert "waiting for the response" in str(exc)
    assert "0.3 s" in str(exc)
    assert 0.25 < elapsed < 0.9  # the read timeout, not the connect timeout, governed
    assert len(server.requests) == 1  # the request was sent; the answer never came


def test_read_timeout_in_a_session_closes_the_connection(serve: Serve) -> None:
    release = threading.Event()
    server = serve(slow_handler(release))
    try:
        with requests.Session() as s:
            with pytest.raises(requests.exceptions.ReadTimeout):
                s.get(server.url, timeout=(1, 0.2))
            with pytest.raises(requests.exceptions.ReadTimeout):
                s.get(server.url, timeout=(1, 0.2))
    finally:
        release.set()
    # A connection that timed out mid-exchange is never reused for the next request.
    assert server.accepted == 2


def test_full_accept_backlog_raises_connect_timeout() -> None:
    with full_backlog_listener() as url:
        start = time.monotonic()
        with pytest.raises(requests.exceptions.ConnectTimeout) as info:
            requests.get(url, timeout=(0.5, 1))
        elapsed = time.monotonic() - start
    exc = info.value
    assert isinstance(exc, requests.exceptions.ConnectionError)
    assert isinstance(exc, requests.exceptions.Timeout)
    assert not isinstance(exc, requests.exceptions.ReadTimeout)
    assert "connecting to 127.0.0.1" in str(exc)
    assert "0.5 s" in str(exc)
    assert 0.4 < elapsed < 0.95  # the connect timeout, not the read timeout, governed
    assert exc.request is not None
    assert exc.request.url == url
