"""Fixtures shared by every test directory: loopback servers and TLS material."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest
import trustme

from .servers import Handler, RawServer, WSGIServer

pytest_plugins = ["httpcore_lite.pytest_plugin"]  # the httpcore_mock fixture


@pytest.fixture
def serve() -> Iterator[Callable[..., RawServer]]:
    """Start raw TCP servers: ``server = serve(handler)``; all are stopped afterwards."""
    started: list[RawServer] = []

    def start(handler: Handler, host: str = "127.0.0.1") -> RawServer:
        server = RawServer(handler, host)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_files(tls_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """CA bundle, server certificate chain and key for 127.0.0.1, localhost and ::1."""
    directory = tmp_path_factory.mktemp("tls")
    cert = tls_ca.issue_cert("127.0.0.1", "localhost", "::1")
    paths = {
        "ca": directory / "ca.pem",
        "cert": directory / "server.pem",
        "key": directory / "server.key",
    }
    tls_ca.cert_pem.write_to_path(str(paths["ca"]))
    cert.private_key_pem.write_to_path(str(paths["key"]))
    with open(paths["cert"], "wb") as f:
        for pem in cert.cert_chain_pems:
            f.write(pem.bytes())
    return {name: str(path) for name, path in paths.items()}


@pytest.fixture(scope="session")
def ca_bundle(tls_files: dict[str, str]) -> str:
    """Path of the CA that signed the test servers' certificates."""
    return tls_files["ca"]


@pytest.fixture(scope="session")
def httpbin_app() -> object:
    from httpbin import app

    return app


@pytest.fixture(scope="session")
def httpbin(httpbin_app: object) -> Iterator[WSGIServer]:
    """httpbin over plain HTTP/1.1 with keep-alive, on loopback."""
    server = WSGIServer(httpbin_app)  # type: ignore[arg-type]
    yield server
    server.stop()


@pytest.fixture(scope="session")
def httpbin_secure(httpbin_app: object, tls_files: dict[str, str]) -> Iterator[WSGIServer]:
    """httpbin over TLS (a trustme certificate for 127.0.0.1), with keep-alive."""
    server = WSGIServer(httpbin_app, tls_files["cert"], tls_files["key"])  # type: ignore[arg-type]
    yield server
    server.stop()


@pytest.fixture(params=["http", "https"])
def httpbin_both(
    request: pytest.FixtureRequest, httpbin: WSGIServer, httpbin_secure: WSGIServer
) -> WSGIServer:
    return httpbin if request.param == "http" else httpbin_secure


@pytest.fixture(autouse=True)
def _collect_leaks() -> Iterator[None]:
    # A socket left unclosed is reported as a ResourceWarning when it is collected; collect
    # now, so that the warning (an error under -W error::ResourceWarning) hits the test
    # that leaked it.
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _no_ca_bundle_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    # Some machines export REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE (this one does); a Session with
    # trust_env then passes that path as ``verify``. Tests that want it set it themselves.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
