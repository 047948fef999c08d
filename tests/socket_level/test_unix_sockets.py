"""HTTP over Unix domain sockets: http+unix:// URLs (the path percent-encoded as the host)
and HTTPAdapter(uds=path), against a real server on a socket file."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

import httpcore_lite
from httpcore_lite.adapters import HTTPAdapter

from ..servers import read_request, response


class UnixServer:
    """Answers every request on each connection with its own request line and Host."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.connections = 0
        self.requests: list[bytes] = []
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(path)
        self._listener.listen(8)
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._answer, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _answer(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            while request := read_request(conn):
                self.requests.append(request)
                line = request.split(b"\r\n", 1)[0]
                host = next(
                    (
                        h.split(b":", 1)[1].strip()
                        for h in request.split(b"\r\n")
                        if h.lower().startswith(b"host:")
                    ),
                    b"",
                )
                conn.sendall(response(line + b" via " + host))

    def close(self) -> None:
        self._listener.close()
        for thread in self._threads:
            thread.join(5)


@pytest.fixture
def unix_server(tmp_path: Path) -> Iterator[UnixServer]:
    server = UnixServer(str(tmp_path / "api.sock"))
    yield server
    server.close()


def test_an_http_unix_url_names_its_socket(unix_server: UnixServer) -> None:
    url = f"http+unix://{quote(unix_server.path, safe='')}/info?x=1"
    with httpcore_lite.Session() as s:
        first = s.get(url)
        second = s.get(url)
    assert first.text == "GET /info?x=1 HTTP/1.1 via localhost"
    assert second.ok
    assert unix_server.connections == 1  # kept alive and reused
    assert first.url == url


def test_an_adapter_bound_to_a_socket(unix_server: UnixServer) -> None:
    with httpcore_lite.Session() as s:
        s.mount("http://docker/", HTTPAdapter(uds=unix_server.path))
        r = s.post("http://docker/containers/create", json={"Image": "alpine"})
    assert r.text == "POST /containers/create HTTP/1.1 via docker"
    assert unix_server.requests[0].endswith(b'{"Image": "alpine"}')


def test_a_missing_socket_is_a_connection_error_naming_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "nothing.sock")
    with pytest.raises(httpcore_lite.ConnectionError) as info:
        httpcore_lite.get(f"http+unix://{quote(missing, safe='')}/")
    assert f"connecting to {missing}" in str(info.value)
    assert info.value.phase == "connecting to"


def test_module_level_calls_take_http_unix_too(unix_server: UnixServer) -> None:
    r = httpcore_lite.get(f"http+unix://{quote(unix_server.path, safe='')}/ping")
    assert r.text == "GET /ping HTTP/1.1 via localhost"


def test_a_url_without_a_socket_path_is_refused() -> None:
    with pytest.raises(httpcore_lite.exceptions.InvalidURL, match="socket path"):
        httpcore_lite.get("http+unix:///info")
