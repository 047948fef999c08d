"""IPv6 literals, and trying every address the resolver returns."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

import httpcore_lite as requests

from ..servers import RawServer, keep_alive_handler
from ._helpers import free_port

Serve = Callable[..., RawServer]


def test_ipv6_literal(serve: Serve) -> None:
    server = serve(keep_alive_handler(b"six"), host="::1")
    with requests.Session() as s:
        assert s.get(f"http://[::1]:{server.port}/a", timeout=5).content == b"six"
        assert s.get(f"http://[::1]:{server.port}/b", timeout=5).content == b"six"
    assert server.accepted == 1
    assert f"\r\nHost: [::1]:{server.port}\r\n".encode() in server.requests[0]


def _resolver_returning(
    *addresses: tuple[str, int],
) -> Callable[..., list[tuple[object, ...]]]:
    # The machine's resolver gives one address for localhost; a host with both an IPv6 and
    # an IPv4 address needs this stand-in. The sockets behind the addresses are real.
    def getaddrinfo(
        host: str, port: int, *args: object, **kwargs: object
    ) -> list[tuple[object, ...]]:
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, ip_port, 0, 0) if ":" in ip else (ip, ip_port),
            )
            for ip, ip_port in addresses
        ]

    return getaddrinfo


def test_every_address_is_tried_in_order(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    server = serve(keep_alive_handler(b"four"))
    dead_v6 = ("::1", free_port())
    monkeypatch.setattr(
        socket, "getaddrinfo", _resolver_returning(dead_v6, ("127.0.0.1", server.port))
    )
    r = requests.get(f"http://dual.test:{server.port}/", timeout=5)
    assert r.content == b"four"
    assert b"\r\nHost: dual.test:" in server.requests[0]


def test_all_addresses_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        socket, "getaddrinfo", _resolver_returning(("::1", free_port()), ("127.0.0.1", free_port()))
    )
    with pytest.raises(requests.ConnectionError, match="refused") as info:
        requests.get("http://dual.test/", timeout=5)
    assert not isinstance(info.value, requests.Timeout)


def test_unresolvable_name_is_a_connection_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> list[tuple[object, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(requests.ConnectionError, match=r"Failed to resolve 'nowhere\.test'"):
        requests.get("http://nowhere.test/", timeout=5)
