"""The world the documentation's examples run in: httpbin.org and api.github.com, served on
loopback.

The examples name the real hosts, as a reader would type them. Here ``socket.getaddrinfo``
(the one part that cannot be real: these machines have no internet) answers for those names
with loopback addresses and the ports of local servers: httpbin on cheroot, over http and
https, and a small imitation of the GitHub API (``github_app``). Everything else is real:
TCP, TLS with certificates for those names from a trustme CA (trusted through
REQUESTS_CA_BUNDLE, as a reader would trust a corporate CA), and the HTTP in between.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import trustme

from ..servers import WSGIServer
from .github_app import app as github_app

HOSTS = ("httpbin.org", "api.github.com")


def _redirect_to_https(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    host = environ.get("HTTP_HOST", "api.github.com")
    target = f"https://{host}{environ.get('PATH_INFO', '/')}"
    start_response("301 Moved Permanently", [("Location", target), ("Content-Length", "0")])
    return [b""]


class World:
    """The servers, the CA bundle that trusts them, and where each host:port leads."""

    def __init__(self, directory: Path) -> None:
        from httpbin import app as httpbin_app

        ca = trustme.CA()
        cert = ca.issue_cert(*HOSTS)
        self.ca_bundle = str(directory / "ca.pem")
        ca.cert_pem.write_to_path(self.ca_bundle)
        certfile, keyfile = str(directory / "cert.pem"), str(directory / "key.pem")
        cert.private_key_pem.write_to_path(keyfile)
        with open(certfile, "wb") as f:
            for pem in cert.cert_chain_pems:
                f.write(pem.bytes())
        self.servers = {
            ("httpbin.org", 80): WSGIServer(httpbin_app),
            ("httpbin.org", 443): WSGIServer(httpbin_app, certfile, keyfile),
            ("api.github.com", 80): WSGIServer(_redirect_to_https),
            ("api.github.com", 443): WSGIServer(github_app, certfile, keyfile),
        }

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        """Resolve the documented hosts to the local servers, and trust their CA."""
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            key = (host.decode() if isinstance(host, bytes) else host, int(port or 0))
            server = self.servers.get(key)
            if server is None:
                if key[0] in HOSTS:
                    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
                return real(host, port, *args, **kwargs)
            address = ("127.0.0.1", server.port)
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]

        saved = {name: os.environ.get(name) for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
        socket.getaddrinfo = getaddrinfo
        os.environ["REQUESTS_CA_BUNDLE"] = self.ca_bundle
        os.environ.pop("CURL_CA_BUNDLE", None)
        try:
            yield
        finally:
            socket.getaddrinfo = real
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@contextlib.contextmanager
def running_world() -> Iterator[World]:
    with tempfile.TemporaryDirectory() as directory:
        world = World(Path(directory))
        try:
            yield world
        finally:
            world.stop()
