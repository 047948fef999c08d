"""The world the documentation's examples run in: httpbin.org and api.github.com, served on
loopback, and a few more places the topic pages need.

The examples name the real hosts, as a reader would type them. Here ``socket.getaddrinfo``
(the one part that cannot be real: these machines have no internet) answers for those names
with loopback addresses and the ports of local servers: httpbin on cheroot, over http and
https, and a small imitation of the GitHub API (``github_app``). Everything else is real:
TCP, TLS with certificates for those names from a trustme CA (trusted through
REQUESTS_CA_BUNDLE, as a reader would trust a corporate CA), and the HTTP in between.

For the topic pages (timeouts, retries, pooling, TLS, proxies) there are also:

- ``proxy.example``: a forward proxy (``tests/proxy_server.py``) on three ports: ``3128``
  open, ``8080`` asking for Basic credentials ``user:pass``, and ``3129`` behind TLS (an
  https:// proxy). Like Squid, it adds ``Via: 1.1 proxy.example:<port>`` to the answers it
  forwards, so a page can show that a request went through it.
- ``flaky.example``: a service that fails the first requests to each URL, then answers
  (``FlakyApp``); its counts start again each time the world is entered.
- ``10.255.255.1``, ports 80 and 3128: an address that never answers (the listener's queue
  is full, so the kernel drops the SYN): a connect timeout.
- ``localhost:8080``: a port where nobody listens (bound, not listening): connection refused.
- badssl.com's ``expired``, ``wrong.host`` and ``untrusted-root`` hosts, whose certificates
  are what their names say, and ``client``, which asks for a client certificate signed by
  the world's CA; ``client.pem`` and ``client.key``, next to the CA bundle, are one.

While the world is entered, the proxy variables and HTTPCORE_LITE_TIMEOUT of the machine
are set aside (and whatever an example sets is undone), so that the pages see what a reader
with a clean environment sees.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs

import trustme

from ..proxy_server import ProxyServer
from ..servers import WSGIServer
from .github_app import app as github_app

# badssl.com's hosts, each wrong in the way its name says (client.badssl.com asks for a
# client certificate), for the TLS page's errors.
BADSSL_HOSTS = (
    "expired.badssl.com",
    "wrong.host.badssl.com",
    "untrusted-root.badssl.com",
    "client.badssl.com",
)
HOSTS = ("httpbin.org", "api.github.com", "proxy.example", "flaky.example", *BADSSL_HOSTS)
BLACKHOLE = ("10.255.255.1", 80)
REFUSED = ("localhost", 8080)
PROXY_CREDENTIALS = ("user", "pass")

# Set aside while the world is entered, and restored after: the examples may set them.
_ENVIRONMENT = (
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HTTPCORE_LITE_TIMEOUT",
    *(f"{name}_proxy" for name in ("http", "https", "all", "no")),
    *(f"{name}_PROXY" for name in ("HTTP", "HTTPS", "ALL", "NO")),
)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _Server(Protocol):
    port: int

    def stop(self) -> None: ...


def _redirect_to_https(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    host = environ.get("HTTP_HOST", "api.github.com")
    target = f"https://{host}{environ.get('PATH_INFO', '/')}"
    start_response("301 Moved Permanently", [("Location", target), ("Content-Length", "0")])
    return [b""]


class FlakyApp:
    """A service that fails at first: ``GET /status/503?fails=2`` answers 503 twice, then
    200. Counted per URL (path and query), so every example gets its own count.

    - ``/status/<code>?fails=N``: the first N requests get ``<code>``; ``retry_after=S``
      adds ``Retry-After: S`` to those answers.
    - ``/slow?fails=N&seconds=S``: the first N requests wait S seconds before answering.

    The answer that finally succeeds is JSON: which attempt it was, the method, and the
    length of the request body it received.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        query_string = environ.get("QUERY_STRING", "")
        query = {name: values[-1] for name, values in parse_qs(query_string).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        received = len(environ["wsgi.input"].read(length)) if length else 0
        with self._lock:
            key = f"{path}?{query_string}"
            attempt = self._counts[key] = self._counts.get(key, 0) + 1
        failing = attempt <= int(query.get("fails", "0"))
        if path.startswith("/status/") and failing:
            status = int(path.rpartition("/")[2])
            headers = [("Retry-After", query["retry_after"])] if "retry_after" in query else []
            return _json(start_response, status, {"attempt": attempt, "status": status}, headers)
        if path == "/slow" and failing:
            time.sleep(float(query.get("seconds", "1")))
        if path.startswith("/status/") or path == "/slow":
            body = {"attempt": attempt, "method": environ["REQUEST_METHOD"], "received": received}
            return _json(start_response, 200, body)
        return _json(start_response, 404, {"message": "Not Found"})


def _json(
    start_response: StartResponse,
    status: int,
    body: object,
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    data = json.dumps(body).encode()
    fields = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response(f"{status} {HTTPStatus(status).phrase}", fields + (headers or []))
    return [data]


def _badssl_page(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    host = environ.get("HTTP_HOST", "badssl.com")
    page = f"<!DOCTYPE html>\n<title>{host}</title>\n<h1>{host}</h1>\n".encode()
    start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(page)))])
    return [page]


def _badssl_certificates(ca: trustme.CA, directory: Path) -> dict[str, tuple[str, str]]:
    """(certfile, keyfile) for each badssl host: *.badssl.com, from ``ca`` (which the world
    trusts) but expired, or from a CA nobody trusts; wrong.host's name is two labels deep,
    which the wildcard does not cover."""
    now = datetime.datetime.now(datetime.timezone.utc)
    leaves = {
        "expired.badssl.com": ca.issue_cert(
            "*.badssl.com",
            not_before=now - datetime.timedelta(days=60),
            not_after=now - datetime.timedelta(days=30),
        ),
        "wrong.host.badssl.com": ca.issue_cert("*.badssl.com", "badssl.com"),
        "untrusted-root.badssl.com": trustme.CA().issue_cert("*.badssl.com"),
        "client.badssl.com": ca.issue_cert("*.badssl.com"),
    }
    files = {}
    for host, leaf in leaves.items():
        certfile, keyfile = directory / f"{host}.pem", directory / f"{host}.key"
        leaf.private_key_pem.write_to_path(str(keyfile))
        with open(certfile, "wb") as f:
            for pem in leaf.cert_chain_pems:
                f.write(pem.bytes())
        files[host] = (str(certfile), str(keyfile))
    return files


class _Blackhole:
    """A listener whose accept queue is full and never drained: the kernel drops further
    SYNs, so connecting to it times out, as to a host behind a firewall that drops packets."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.port: int = self._listener.getsockname()[1]
        self._fillers = []
        for _ in range(2):  # backlog 0 queues one connection; the second waits in SYN-SENT
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", self.port))
            self._fillers.append(filler)

    def stop(self) -> None:
        for sock in (*self._fillers, self._listener):
            sock.close()


class _Refusing:
    """A port that is bound but not listening: connecting is refused at once."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]

    def stop(self) -> None:
        self._socket.close()


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
        self.flaky = FlakyApp()
        badssl = _badssl_certificates(ca, directory)
        blackhole = _Blackhole()
        self.servers: dict[tuple[str, int], _Server] = {
            ("httpbin.org", 80): WSGIServer(httpbin_app),
            ("httpbin.org", 443): WSGIServer(httpbin_app, certfile, keyfile),
            ("api.github.com", 80): WSGIServer(_redirect_to_https),
            ("api.github.com", 443): WSGIServer(github_app, certfile, keyfile),
            ("flaky.example", 443): WSGIServer(self.flaky, certfile, keyfile),
            ("proxy.example", 3128): ProxyServer(via="proxy.example:3128"),
            ("proxy.example", 3129): ProxyServer(via="proxy.example:3129", tls=(certfile, keyfile)),
            ("proxy.example", 8080): ProxyServer(
                via="proxy.example:8080", credentials=PROXY_CREDENTIALS
            ),
            **{(host, 443): WSGIServer(_badssl_page, *badssl[host]) for host in BADSSL_HOSTS},
            BLACKHOLE: blackhole,
            (BLACKHOLE[0], 3128): blackhole,  # a proxy there too
            REFUSED: _Refusing(),
        }
        for server in self.servers.values():
            if isinstance(server, WSGIServer):
                # cheroot closes keep-alive connections past 10 (its default), counting those
                # of every page's Sessions: pages that show connection reuse would then
                # depend on the pages before them. httpbin.org keeps them all.
                server._server.keep_alive_conn_limit = None
        self._ask_for_client_certificates(ca, directory)

    def _ask_for_client_certificates(self, ca: trustme.CA, directory: Path) -> None:
        """client.badssl.com wants a certificate from the world's CA; one waits next to the
        CA bundle, where the TLS page finds it, as a reader finds the one their company
        issued them."""
        server = self.servers[("client.badssl.com", 443)]
        assert isinstance(server, WSGIServer)
        context = server._server.ssl_adapter.context
        context.load_verify_locations(cafile=self.ca_bundle)
        context.verify_mode = ssl.CERT_REQUIRED
        client = ca.issue_cert("client.example")
        client.private_key_pem.write_to_path(str(directory / "client.key"))
        client.cert_chain_pems[0].write_to_path(str(directory / "client.pem"))

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        """Resolve the documented hosts to the local servers, trust their CA, and set the
        machine's proxy and timeout settings aside."""
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

        saved = {name: os.environ.get(name) for name in _ENVIRONMENT}
        for name in _ENVIRONMENT:
            os.environ.pop(name, None)
        socket.getaddrinfo = getaddrinfo
        os.environ["REQUESTS_CA_BUNDLE"] = self.ca_bundle
        self.flaky.reset()
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
