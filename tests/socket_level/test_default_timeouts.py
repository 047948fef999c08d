"""The timeout a call gets when it passes none: Session.timeout, HTTPCORE_LITE_TIMEOUT."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

import httpcore_lite as requests
from httpcore_lite.timeouts import Timeout, default_timeout

from ..servers import RawServer, response

Serve = Callable[..., RawServer]


@pytest.fixture
def silent(serve: Serve) -> Iterator[RawServer]:
    """Reads the request, then says nothing until the test ends."""
    done = threading.Event()

    def hold(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        done.wait(10)

    yield serve(hold)
    done.set()


def test_without_the_variable_a_session_waits_as_requests_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HTTPCORE_LITE_TIMEOUT", raising=False)
    with requests.Session() as s:
        assert s.timeout is None


def test_the_session_timeout_applies_when_none_is_passed(silent: RawServer) -> None:
    with requests.Session() as s:
        s.timeout = 0.2
        with pytest.raises(requests.exceptions.ReadTimeout, match=r"after 0\.2 s"):
            s.get(silent.url)


def test_the_environment_sets_the_default(
    silent: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPCORE_LITE_TIMEOUT", "5,0.2")
    with pytest.raises(requests.exceptions.ReadTimeout, match=r"after 0\.2 s"):
        requests.get(silent.url)  # a module-level call: a new Session, the same rule


def test_a_timeout_passed_beats_the_session_one(silent: RawServer) -> None:
    with requests.Session() as s:
        s.timeout = 30
        with pytest.raises(requests.exceptions.ReadTimeout, match=r"after 0\.25 s"):
            s.get(silent.url, timeout=0.25)


def test_an_explicit_none_waits_for_a_slow_answer(serve: Serve) -> None:
    def slow(conn: socket.socket, server: RawServer) -> None:
        server.read(conn)
        threading.Event().wait(0.4)  # slower than the Session's timeout
        conn.sendall(response(b"late but fine"))

    server = serve(slow)
    with requests.Session() as s:
        s.timeout = 0.1
        assert s.get(server.url, timeout=None).content == b"late but fine"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("5", Timeout(connect=5, read=5)),
        ("3.05, 27", Timeout(connect=3.05, read=27)),
        ("none", None),
        ("None,30", Timeout(connect=None, read=30)),
    ],
)
def test_environment_values(value: str | None, expected: Timeout | None) -> None:
    environ = {} if value is None else {"HTTPCORE_LITE_TIMEOUT": value}
    assert default_timeout(environ) == expected


@pytest.mark.parametrize("value", ["soon", "1,2,3", "-1", "0"])
def test_bad_environment_values_name_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match="HTTPCORE_LITE_TIMEOUT"):
        default_timeout({"HTTPCORE_LITE_TIMEOUT": value})
