"""The server the benchmark runs against: nginx from Debian when it is there (installed
with apt-get when it is not and we are root), else the built-in fallback server, or any
server given with ``--server URL`` (it must serve the same paths).

nginx runs from a generated config in a temp dir, in the foreground as our subprocess,
and is stopped by its pid: it touches neither /etc/nginx nor a system daemon.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .scenarios import BIG_SIZE, PAYLOAD_BYTES, SMALL_BODY, big_body

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEMPLATE = HERE / "nginx.conf.template"


@dataclass
class Server:
    base_url: str
    kind: str  # "nginx", "fallback" or "external"
    description: str
    notes: list[str] = field(default_factory=list)


def note(message: str) -> None:
    print(f"note: {message}", flush=True)


# -- nginx ------------------------------------------------------------------------------


def find_nginx() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def install_nginx() -> str | None:
    """``apt-get install -y nginx`` when we are root on a machine with apt; None on any
    failure (the caller falls back)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    note("nginx is not installed: installing it with apt-get (we are root)")
    install = ["apt-get", "install", "-y", "-q", "nginx"]
    if _quietly(install) or (_quietly(["apt-get", "update", "-q"]) and _quietly(install)):
        return find_nginx()
    return None


def _quietly(command: list[str]) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(command, env=env, capture_output=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        note(f"{' '.join(command)} failed: {exc}")
        return False
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip()[-300:]
        note(f"{' '.join(command)} failed ({done.returncode}): {tail}")
    return done.returncode == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.05)
    return False


def write_nginx_tree(tmp: Path, port: int) -> Path:
    """The config and the files it serves, all under ``tmp``; readable by nginx's worker,
    which runs as ``nobody`` when we are root."""
    tmp.chmod(0o755)
    www = tmp / "www"
    www.mkdir(mode=0o755)
    (www / "big.bin").write_bytes(big_body())
    (www / "big.bin").chmod(0o644)
    conf = TEMPLATE.read_text().replace("@TMP@", str(tmp)).replace("@PORT@", str(port))
    path = tmp / "nginx.conf"
    path.write_text(conf)
    return path


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def nginx_server(binary: str) -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="httpcore-lite-bench-") as name:
        tmp = Path(name)
        port = free_port()
        conf = write_nginx_tree(tmp, port)
        log = tmp / "error.log"
        command = [binary, "-e", str(log), "-c", str(conf), "-p", f"{tmp}/", "-g", "daemon off;"]
        with (tmp / "stderr.log").open("wb") as stderr:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            if not wait_for_port(port, process):
                stop_process(process)
                errors = (tmp / "stderr.log").read_text() + (
                    log.read_text() if log.exists() else ""
                )
                raise RuntimeError(f"nginx did not start: {errors.strip()[-500:]}")
            version = nginx_version(binary)
            yield Server(f"http://127.0.0.1:{port}", "nginx", f"{version} (worker_processes 1)")
        finally:
            stop_process(process)


def nginx_version(binary: str) -> str:
    done = subprocess.run([binary, "-v"], capture_output=True, check=False)
    return (done.stderr or done.stdout).decode().strip().replace("nginx version: ", "")


# -- the fallback server ----------------------------------------------------------------


def _read_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The first line the process prints (select, then one readline: it prints one)."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        raise RuntimeError("the fallback server did not start in time")
    return process.stdout.readline().decode().strip()


@contextlib.contextmanager
def fallback_server() -> Iterator[Server]:
    command = [sys.executable, "-m", "benchmarks.fallback"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    try:
        line = _read_line(process, 30).split()
        if len(line) != 3 or line[0] != "PORT":
            raise RuntimeError(f"the fallback server did not start (it said {line})")
        _, port, loop = line
        yield Server(f"http://127.0.0.1:{port}", "fallback", f"built-in asyncio server ({loop})")
    finally:
        stop_process(process)


# -- choosing one -----------------------------------------------------------------------


@contextlib.contextmanager
def serving(url: str | None, force_fallback: bool, install: bool) -> Iterator[Server]:
    """The server to run against, started, checked, and stopped at the end."""
    if url:
        server = Server(url.rstrip("/"), "external", "given with --server")
        try:
            server.notes += check(server.base_url)
        except Unusable as exc:
            raise SystemExit(f"--server: {exc}") from exc
        yield server
        return
    with contextlib.ExitStack() as stack:
        nginx = None if force_fallback else _try_nginx(stack, install)
        if nginx is not None:
            yield nginx
            return
        if not force_fallback:
            note("using the built-in fallback server (asyncio/uvloop) instead of nginx")
        fallback = stack.enter_context(fallback_server())
        problems = check(fallback.base_url)
        if problems:
            raise RuntimeError(f"the fallback server failed its checks: {problems}")
        yield fallback


def _try_nginx(stack: contextlib.ExitStack, install: bool) -> Server | None:
    binary = find_nginx() or (install_nginx() if install else None)
    if binary is None:
        note("nginx is not installed (and could not be installed)")
        return None
    try:
        server = stack.enter_context(nginx_server(binary))
    except (OSError, RuntimeError) as exc:
        note(f"nginx failed: {exc}")
        return None
    try:
        problems = check(server.base_url)
    except Unusable as exc:
        problems = [str(exc)]
    if problems:
        note(f"nginx failed its checks: {'; '.join(problems)}")
        stack.close()
        return None
    return server


# -- checks -----------------------------------------------------------------------------


def _connection(base_url: str) -> http.client.HTTPConnection:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    if parts.scheme == "https":
        context = ssl._create_unverified_context()
        return http.client.HTTPSConnection(host, port, timeout=30, context=context)
    return http.client.HTTPConnection(host, port, timeout=30)


def _post_apart(conn: http.client.HTTPConnection) -> tuple[int, bytes]:
    """A POST whose body arrives 20 ms after its head, as requests and urllib3 send it."""
    conn.putrequest("POST", "/post")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(len(PAYLOAD_BYTES)))
    conn.endheaders()
    time.sleep(0.02)
    conn.send(PAYLOAD_BYTES)
    response = conn.getresponse()
    return response.status, response.read()


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


class Unusable(RuntimeError):
    """The server does not answer GET /small as it should: nothing can be measured."""


def check(base_url: str) -> list[str]:
    """What is wrong with the server, if anything: the paths, and keep-alive after POSTs
    with a body (two on one connection, then a GET on the same connection).

    Raises:
        Unusable: GET /small failed.
    """
    conn = _connection(base_url)
    try:
        try:
            status, body = _get(conn, "/small")
        except (OSError, http.client.HTTPException) as exc:
            raise Unusable(f"GET {base_url}/small failed: {exc}") from exc
        if (status, body) != (200, SMALL_BODY):
            raise Unusable(f"GET {base_url}/small gave {status} {body[:40]!r}")
        return _check_more(conn)
    finally:
        conn.close()


def _check_more(conn: http.client.HTTPConnection) -> list[str]:
    problems = []
    sock = conn.sock  # http.client reconnects silently: compare sockets to see reuse
    try:
        status, body = _get(conn, "/big")
        if status != 200 or len(body) != BIG_SIZE:
            problems.append(f"GET /big gave {status} with {len(body)} bytes, not {BIG_SIZE}")
        for index in (1, 2):
            status, body = _post_apart(conn)
            if status != 200:
                problems.append(f"POST /post #{index} on one connection gave {status}")
        status, body = _get(conn, "/small")
        if status != 200:
            problems.append(f"GET /small after two POSTs on one connection gave {status}")
        if conn.sock is not sock:
            problems.append("the server closed a keep-alive connection (after /big or a POST)")
    except (OSError, http.client.HTTPException) as exc:
        problems.append(f"{type(exc).__name__}: {exc}")
    return problems
