"""Through a real proxy on loopback (tests/proxy_server.py: forwarding, CONNECT, Basic auth,
TLS): what reaches the proxy, what reaches the origin (httpbin echoes it), errors, pooling.

Requests go through ``Session.send(..., proxies=...)``: the proxies the Session will compute
with ``_proxies.resolve_proxies`` and hand to the adapter, as ``send`` does in requests.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import httpcore_lite
from httpcore_lite._proxies import EnvironmentProxies, resolve_proxies
from httpcore_lite.exceptions import (
    ConnectTimeout,
    InsecureRequestWarning,
    InvalidSchema,
    ProxyError,
)
from tests.proxy_server import ProxyServer
from tests.servers import RawServer, WSGIServer

TIMEOUT = (3, 10)
CREDENTIALS = ("user", "p@ss")  # "@" must be percent-encoded in the URL, and decoded
URL_USERINFO = "user:p%40ss"
BASIC = "Basic " + base64.b64encode(b"user:p@ss").decode()


@pytest.fixture
def proxy() -> Iterator[ProxyServer]:
    server = ProxyServer()
    yield server
    server.stop()


@pytest.fixture
def auth_proxy() -> Iterator[ProxyServer]:
    server = ProxyServer(credentials=CREDENTIALS)
    yield server
    server.stop()


@pytest.fixture
def tls_proxy(tls_files: dict[str, str]) -> Iterator[ProxyServer]:
    """An https:// proxy, with a certificate from the same CA as httpbin_secure's."""
    server = ProxyServer(tls=(tls_files["cert"], tls_files["key"]))
    yield server
    server.stop()


@pytest.fixture
def session() -> Iterator[httpcore_lite.Session]:
    with httpcore_lite.Session() as s:
        yield s


def send(
    session: httpcore_lite.Session,
    url: str,
    proxies: dict[str, str | None],
    method: str = "GET",
    **kwargs: Any,
) -> httpcore_lite.Response:
    headers = kwargs.pop("headers", None)
    data = kwargs.pop("data", None)
    request = session.prepare_request(
        httpcore_lite.Request(method, url, headers=headers, data=data)
    )
    kwargs.setdefault("timeout", TIMEOUT)
    return session.send(request, proxies=proxies, **kwargs)


# -- forwarding: http:// origins --------------------------------------------------------


def test_http_request_goes_to_the_proxy_in_absolute_form(
    session: httpcore_lite.Session, proxy: ProxyServer, httpbin: WSGIServer
) -> None:
    r = send(session, httpbin + "/get?a=1", {"http": proxy.url})
    assert r.status_code == 200
    assert r.json()["args"] == {"a": "1"}  # the origin answered
    [seen] = proxy.requests
    assert (seen.method, seen.target) == ("GET", httpbin + "/get?a=1")
    assert seen.headers["host"] == f"127.0.0.1:{httpbin.port}"
    assert proxy.tunnels == 0


def test_proxy_credentials_from_the_url_go_to_the_proxy(
    session: httpcore_lite.Session, auth_proxy: ProxyServer, httpbin: WSGIServer
) -> None:
    r = send(session, httpbin + "/get", {"http": auth_proxy.url_with(URL_USERINFO)})
    assert r.status_code == 200
    assert auth_proxy.requests[0].headers["proxy-authorization"] == BASIC


def test_a_forwarded_request_refused_by_the_proxy_is_a_407_response(
    session: httpcore_lite.Session, auth_proxy: ProxyServer, httpbin: WSGIServer
) -> None:
    # As in requests: the proxy answered this request itself; there was no tunnel to fail.
    r = send(session, httpbin + "/get", {"http": auth_proxy.url})
    assert r.status_code == 407
    assert r.headers["Proxy-Authenticate"] == 'Basic realm="test"'


def test_two_http_requests_share_one_connection_to_the_proxy(
    session: httpcore_lite.Session, proxy: ProxyServer, httpbin: WSGIServer
) -> None:
    for _ in range(2):
        assert send(session, httpbin + "/get", {"http": proxy.url}).status_code == 200
    assert len(proxy.requests) == 2
    assert proxy.connections == 1


# -- tunnels: https:// origins ------------------------------------------------------------


def test_https_request_goes_through_a_connect_tunnel(
    session: httpcore_lite.Session,
    proxy: ProxyServer,
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    r = send(session, httpbin_secure + "/get?a=1", {"https": proxy.url}, verify=ca_bundle)
    assert r.json()["args"] == {"a": "1"}
    # The proxy saw the CONNECT and nothing else: the request went inside the tunnel.
    [seen] = proxy.requests
    assert (seen.method, seen.target) == ("CONNECT", f"127.0.0.1:{httpbin_secure.port}")
    assert seen.headers["host"] == f"127.0.0.1:{httpbin_secure.port}"
    assert proxy.tunnels == 1


def test_proxy_credentials_go_on_the_connect_and_never_to_the_origin(
    session: httpcore_lite.Session,
    auth_proxy: ProxyServer,
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    proxies = {"https": auth_proxy.url_with(URL_USERINFO)}
    r = send(session, httpbin_secure + "/headers", proxies, verify=ca_bundle)
    assert auth_proxy.requests[0].headers["proxy-authorization"] == BASIC
    assert "Proxy-Authorization" not in r.json()["headers"]


def test_a_proxy_authorization_header_on_the_request_moves_to_the_connect(
    session: httpcore_lite.Session,
    auth_proxy: ProxyServer,
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    # What HTTPProxyAuth sets: inside a tunnel it would reach the origin (requests'
    # CVE-2023-32681 was a leak of this kind).
    headers = {"Proxy-Authorization": BASIC}
    r = send(
        session,
        httpbin_secure + "/headers",
        {"https": auth_proxy.url},
        headers=headers,
        verify=ca_bundle,
    )
    assert auth_proxy.requests[0].headers["proxy-authorization"] == BASIC
    assert "Proxy-Authorization" not in r.json()["headers"]


def test_a_refused_connect_raises_proxy_error_with_the_status(
    session: httpcore_lite.Session,
    auth_proxy: ProxyServer,
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    with pytest.raises(ProxyError) as info:
        send(session, httpbin_secure + "/get", {"https": auth_proxy.url}, verify=ca_bundle)
    assert "407 Proxy Authentication Required" in str(info.value)
    assert isinstance(info.value, httpcore_lite.ConnectionError)
    assert info.value.request is not None
    assert info.value.request.url == httpbin_secure + "/get"


def test_two_https_requests_share_one_tunnel(
    session: httpcore_lite.Session,
    proxy: ProxyServer,
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    httpbin_secure.reset_connections()
    for _ in range(2):
        r = send(session, httpbin_secure + "/get", {"https": proxy.url}, verify=ca_bundle)
        assert r.status_code == 200
    assert (proxy.connections, proxy.tunnels) == (1, 1)
    assert httpbin_secure.connections == 1


def test_a_tunnel_the_proxy_closed_while_idle_is_replaced(
    session: httpcore_lite.Session,
    proxy: ProxyServer,
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    assert send(session, httpbin_secure + "/get", {"https": proxy.url}, verify=ca_bundle).ok
    proxy.drop_connections()
    # Found closed before reuse, or failing on it: either way a GET is sent on a new tunnel.
    assert send(session, httpbin_secure + "/get", {"https": proxy.url}, verify=ca_bundle).ok
    assert proxy.tunnels == 2


def test_tunnels_are_not_shared_between_tls_settings(
    session: httpcore_lite.Session,
    proxy: ProxyServer,
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    # The pool key holds the origin's TLS settings: an unverified tunnel never carries a
    # request that asked for verification.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureRequestWarning)
        send(session, httpbin_secure + "/get", {"https": proxy.url}, verify=False)
    send(session, httpbin_secure + "/get", {"https": proxy.url}, verify=ca_bundle)
    assert proxy.tunnels == 2


# -- an https:// proxy: TLS to the proxy, TLS in TLS to an https origin -------------------


def test_http_request_through_an_https_proxy(
    session: httpcore_lite.Session,
    tls_proxy: ProxyServer,
    httpbin: WSGIServer,
    ca_bundle: str,
) -> None:
    r = send(session, httpbin + "/get", {"http": tls_proxy.url}, verify=ca_bundle)
    assert r.status_code == 200
    assert tls_proxy.requests[0].target == httpbin + "/get"


def test_https_request_through_an_https_proxy_is_tls_in_tls(
    session: httpcore_lite.Session,
    tls_proxy: ProxyServer,
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    body = bytes(range(256)) * 1600  # 400 KiB each way: many TLS records, the large-body path
    encoded = base64.b64encode(body).decode()
    for _ in range(2):
        r = send(
            session,
            httpbin_secure + "/anything",
            {"https": tls_proxy.url},
            method="POST",
            data=body,
            headers={"Content-Type": "application/octet-stream"},
            verify=ca_bundle,
            stream=True,
        )
        echoed = json.loads(b"".join(r.iter_content(16384)))  # pieces of an exact size
        assert echoed["data"] == "data:application/octet-stream;base64," + encoded
    assert (tls_proxy.connections, tls_proxy.tunnels) == (1, 1)
    assert tls_proxy.requests[0].method == "CONNECT"


def test_an_unverified_https_proxy_warns(
    session: httpcore_lite.Session, tls_proxy: ProxyServer, httpbin: WSGIServer
) -> None:
    with pytest.warns(InsecureRequestWarning, match="127.0.0.1"):
        assert send(session, httpbin + "/get", {"http": tls_proxy.url}, verify=False).ok


def test_an_https_proxy_with_an_untrusted_certificate_is_a_proxy_error(
    session: httpcore_lite.Session, tls_proxy: ProxyServer, httpbin: WSGIServer
) -> None:
    with pytest.raises(ProxyError, match="certificate"):
        send(session, httpbin + "/get", {"http": tls_proxy.url})  # certifi: not our CA


# -- failures reaching the proxy -----------------------------------------------------------


def test_a_proxy_refusing_the_connection_is_a_proxy_error(
    session: httpcore_lite.Session, httpbin: WSGIServer
) -> None:
    with socket.socket() as bound:  # bound, never listening: connecting is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        with pytest.raises(ProxyError, match="Connection refused"):
            send(session, httpbin + "/get", {"http": f"http://127.0.0.1:{port}"})


def test_a_proxy_closing_without_answering_connect_is_a_proxy_error(
    session: httpcore_lite.Session,
    serve: Callable[..., RawServer],
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    server = serve(lambda conn, srv: srv.read(conn))  # read the CONNECT, then close
    with pytest.raises(ProxyError, match="without answering CONNECT"):
        send(session, httpbin_secure + "/get", {"https": server.url}, verify=ca_bundle)


def test_a_proxy_that_never_answers_connect_is_a_connect_timeout(
    session: httpcore_lite.Session,
    serve: Callable[..., RawServer],
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    release = threading.Event()

    def silent(conn: socket.socket, srv: RawServer) -> None:
        srv.read(conn)
        release.wait(10)

    server = serve(silent)
    try:
        with pytest.raises(ConnectTimeout, match="opening a tunnel"):
            send(
                session,
                httpbin_secure + "/get",
                {"https": server.url},
                verify=ca_bundle,
                timeout=(0.2, 5),
            )
    finally:
        release.set()


def test_a_socks_proxy_is_refused_with_a_clear_message(
    session: httpcore_lite.Session, httpbin: WSGIServer
) -> None:
    with pytest.raises(InvalidSchema, match="SOCKS proxies are not supported"):
        send(session, httpbin + "/get", {"http": "socks5://127.0.0.1:1080"})


# -- the environment, as the Session resolves it -------------------------------------------


def test_no_proxy_bypasses_an_environment_proxy(
    session: httpcore_lite.Session, proxy: ProxyServer, httpbin: WSGIServer
) -> None:
    url = httpbin + "/get"
    through = EnvironmentProxies.read({"HTTP_PROXY": proxy.url})
    bypassed = EnvironmentProxies.read({"HTTP_PROXY": proxy.url, "NO_PROXY": "localhost,127.0.0.1"})
    assert send(session, url, resolve_proxies(url, None, None, bypassed, True)).ok
    assert proxy.connections == 0
    assert send(session, url, resolve_proxies(url, None, None, through, True)).ok
    assert proxy.connections == 1


def test_a_none_for_the_scheme_opts_out_of_an_environment_proxy(
    session: httpcore_lite.Session,
    proxy: ProxyServer,
    httpbin_secure: WSGIServer,
    ca_bundle: str,
) -> None:
    url = httpbin_secure + "/get"
    environment = EnvironmentProxies.read({"HTTPS_PROXY": proxy.url})
    proxies = resolve_proxies(url, {"https": None}, None, environment, True)
    assert send(session, url, proxies, verify=ca_bundle).ok
    assert proxy.connections == 0


def test_a_refused_proxy_is_a_connect_phase_error_that_retries(
    httpbin: WSGIServer, caplog: pytest.LogCaptureFixture
) -> None:
    from httpcore_lite.adapters import HTTPAdapter

    from ..socket_level._helpers import free_port

    proxy = f"http://127.0.0.1:{free_port()}"
    with httpcore_lite.Session() as s, caplog.at_level("DEBUG", "httpcore_lite.adapters"):
        s.mount("http://", HTTPAdapter(max_retries=2))
        with pytest.raises(ProxyError) as info:
            s.get(httpbin + "/get", proxies={"http": proxy}, timeout=5)
    assert info.value.phase == "connecting to"
    assert len([r for r in caplog.records if r.getMessage().startswith("Retrying")]) == 2
