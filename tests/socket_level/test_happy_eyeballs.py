"""Happy Eyeballs (RFC 8305) for a name with IPv6 and IPv4 addresses, on loopback: ::1 with
a listener whose accept queue is full (its connects never complete), or none at all (they
are refused), and 127.0.0.1 with one that answers.

The name is the one fake part: ``socket.getaddrinfo`` answers for it with both addresses
(machines here have no name that resolves to both).
"""

from __future__ import annotations

import contextlib
import select
import socket
import time
from collections.abc import Callable, Iterator

import pytest

import httpcore_lite as requests
from httpcore_lite._transport import network

from ..servers import RawServer, response
from ._helpers import answer_each, client_sockets_to

Serve = Callable[..., RawServer]
NAME = "dual.test"


@contextlib.contextmanager
def resolving(monkeypatch: pytest.MonkeyPatch, port: int, v6_first: bool = True) -> Iterator[None]:
    real = socket.getaddrinfo
    v6 = (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("::1", port, 0, 0))
    v4 = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))

    def getaddrinfo(host: str, *args: object, **kwargs: object) -> object:
        if host == NAME:
            return [v6, v4] if v6_first else [v4, v6]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield


@contextlib.contextmanager
def stalled_v6_listener(port: int) -> Iterator[None]:
    """A listener on [::1]:port whose accept queue is full: further SYNs are dropped."""
    listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    filler = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        listener.bind(("::1", port))
        listener.listen(0)
        filler.setblocking(False)
        filler.connect_ex(("::1", port))
        _, writable, _ = select.select([], [filler], [], 5)
        assert writable, "the filler connection did not complete"
        yield
    finally:
        filler.close()
        listener.close()


@pytest.fixture
def v4_server(serve: Serve) -> RawServer:
    return serve(answer_each(response(b"over IPv4")))


def test_a_stalled_ipv6_address_loses_to_ipv4(
    v4_server: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with stalled_v6_listener(v4_server.port), resolving(monkeypatch, v4_server.port):
        sockets = client_sockets_to(v4_server.port)  # the filler of the IPv6 queue
        start = time.monotonic()
        with requests.Session() as s:
            r = s.get(f"http://{NAME}:{v4_server.port}/", timeout=(5, 5))
        elapsed = time.monotonic() - start
        # The IPv6 attempt was closed, and the IPv4 connection with the session.
        assert client_sockets_to(v4_server.port) == sockets
    assert r.text == "over IPv4"
    # The IPv4 attempt started one attempt delay after the IPv6 one, not after the 5 s
    # connect timeout.
    assert network.CONNECTION_ATTEMPT_DELAY <= elapsed < 2
    assert v4_server.accepted == 1


def test_a_refused_ipv6_address_falls_back_at_once(
    v4_server: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with resolving(monkeypatch, v4_server.port):
        start = time.monotonic()
        r = requests.get(f"http://{NAME}:{v4_server.port}/", timeout=(5, 5))
        elapsed = time.monotonic() - start
    assert r.text == "over IPv4"
    assert elapsed < network.CONNECTION_ATTEMPT_DELAY  # no delay after a failure


def test_the_ipv4_first_order_is_kept(
    v4_server: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        stalled_v6_listener(v4_server.port),
        resolving(monkeypatch, v4_server.port, v6_first=False),
    ):
        start = time.monotonic()
        assert requests.get(f"http://{NAME}:{v4_server.port}/", timeout=(5, 5)).ok
        assert time.monotonic() - start < network.CONNECTION_ATTEMPT_DELAY


def test_when_every_address_stalls_it_is_a_connect_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as v4_listener:
        # Both families stalled: a full queue on 127.0.0.1 too.
        v4_listener.bind(("127.0.0.1", 0))
        port = v4_listener.getsockname()[1]
        v4_listener.listen(0)
        with socket.socket() as filler:
            filler.connect(("127.0.0.1", port))
            with stalled_v6_listener(port), resolving(monkeypatch, port):
                start = time.monotonic()
                with pytest.raises(requests.exceptions.ConnectTimeout) as info:
                    requests.get(f"http://{NAME}:{port}/", timeout=(0.6, 5))
                elapsed = time.monotonic() - start
    assert 0.5 < elapsed < 2
    assert f"connecting to {NAME}:{port} after 0.6 s" in str(info.value)
    assert info.value.phase == "connecting to"


def test_when_every_address_refuses_it_is_a_connection_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with resolving(monkeypatch, port), pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(f"http://{NAME}:{port}/", timeout=(2, 2))
    assert not isinstance(info.value, requests.exceptions.ConnectTimeout)
    assert f"Connection refused connecting to {NAME}:{port}" in str(info.value)


def test_families_take_turns_the_first_family_first() -> None:
    def info(family: socket.AddressFamily, host: str) -> network._AddressInfo:
        return (family, socket.SOCK_STREAM, 6, "", (host, 80))

    a6, b6 = info(socket.AF_INET6, "a6"), info(socket.AF_INET6, "b6")
    a4, b4 = info(socket.AF_INET, "a4"), info(socket.AF_INET, "b4")
    assert network._interleaved([a6, b6, a4, b4]) == [a6, a4, b6, b4]
    assert network._interleaved([a4, a6, b6]) == [a4, a6, b6]


def test_a_family_the_host_lacks_moves_on_to_the_next(
    v4_server: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_socket = socket.socket

    def no_ipv6(family: int = socket.AF_INET, *args: object, **kwargs: object) -> socket.socket:
        if family == socket.AF_INET6:
            raise OSError(97, "Address family not supported by protocol")
        return real_socket(family, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(network.socket, "socket", no_ipv6)
    with resolving(monkeypatch, v4_server.port):
        assert requests.get(f"http://{NAME}:{v4_server.port}/", timeout=(5, 5)).ok
