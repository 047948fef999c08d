"""Runs the measurements: each in a fresh process, the clients interleaved (A B C A B C
...) so that the machine's noise hits them all alike, and keeps every sample.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .scenarios import CASES, OURS, Case
from .server import ROOT, note


@dataclass
class Settings:
    repeats: int
    warmup: float  # seconds, per measurement
    duration: float  # seconds, per measurement
    import_runs: int
    rss_runs: int


@dataclass
class Samples:
    values: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)


class WorkerError(Exception):
    pass


# -- throughput -------------------------------------------------------------------------


def _worker_command(client: str, case: str, base: str, settings: Settings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "benchmarks.worker",
        client,
        case,
        base,
        "--warmup",
        str(settings.warmup),
        "--duration",
        str(settings.duration),
    ]


def _parse(case: Case, done: subprocess.CompletedProcess[str]) -> float:
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        result = {"error": (done.stderr.strip() or f"exit {done.returncode}")[-400:]}
    if "error" in result:
        raise WorkerError(result["error"])
    if case.unit == "MB/s":
        return float(result["bytes"]) / 1e6 / float(result["seconds"])
    return float(result["requests"]) / float(result["seconds"])


def measure(client: str, case: Case, base: str, settings: Settings) -> float:
    """One measurement in a fresh process: req/s or MB/s."""
    command = _worker_command(client, case.name, base, settings)
    timeout = 60 + 4 * (settings.warmup + settings.duration)
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise WorkerError(f"timed out after {timeout:.0f} s") from exc
    return _parse(case, done)


def run_case(case: Case, clients: list[str], base: str, settings: Settings) -> dict[str, Samples]:
    """``settings.repeats`` rounds; in each, every client once, in the same order."""
    samples = {client: Samples() for client in clients}
    for repeat in range(settings.repeats):
        shown = []
        for client in clients:
            entry = samples[client]
            if entry.error:
                continue
            try:
                value = measure(client, case, base, settings)
            except WorkerError as exc:
                entry.error = str(exc)
                note(f"{case.name} {client}: skipped: {exc}")
                continue
            entry.values.append(value)
            shown.append(f"{client} {value:,.0f}")
        if not shown:
            break
        print(f"  {case.name} {repeat + 1}/{settings.repeats}: {', '.join(shown)}", flush=True)
    return samples


# -- import time and peak RSS -----------------------------------------------------------

IMPORTS = {
    OURS: "httpcore_lite",
    "requests": "requests",
    "httpx": "httpx",
    "urllib3": "urllib3",
    "http.client": "http.client",
}
BASELINE = "bare python"  # the peak-RSS row of a python that imports nothing
PASS = "python -c pass"  # the import-time row that every other row is above
BASELINES = (BASELINE, PASS)


def _wall(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - start


def import_times(clients: list[str], runs: int) -> dict[str, Samples]:
    """Milliseconds of ``python -c 'import X'`` above ``python -c pass``: interleaved
    rounds after one untimed round (which also writes the .pyc files)."""
    names = [client for client in clients if client in IMPORTS]
    codes = {PASS: "pass", **{name: f"import {IMPORTS[name]}" for name in names}}
    walls: dict[str, list[float]] = {name: [] for name in codes}
    for round_ in range(runs + 1):
        for name, code in codes.items():
            seconds = _wall(code)
            if round_:
                walls[name].append(seconds * 1000)
    base = statistics.median(walls[PASS])
    result = {name: Samples([v - base for v in walls[name]]) for name in names}
    result[PASS] = Samples(walls[PASS])  # absolute: what the other rows are above
    return result


# Peak RSS in KiB. VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a
# child's ru_maxrss is at least its parent's peak (ours held /big, 16 MiB, when checking the
# server); VmHWM belongs to the new process image alone. ru_maxrss where there is no /proc.
_RSS_EPILOGUE = """
try:
    with open("/proc/self/status") as status:
        print(next(line for line in status if line.startswith("VmHWM:")).split()[1])
except OSError:
    import resource
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def rss_code(client: str, base: str) -> str:
    """A program that imports the client, does one GET /small, prints its peak RSS."""
    url = f"{base}/small"
    parts = urlsplit(base)
    connection = "HTTPSConnection" if parts.scheme == "https" else "HTTPConnection"
    body = {
        BASELINE: "",
        OURS: f"import httpcore_lite\nhttpcore_lite.get({url!r}).content",
        "requests": f"import requests\nrequests.get({url!r}).content",
        "httpx": f"import httpx\nhttpx.get({url!r}).content",
        "urllib3": f"import urllib3\nurllib3.request('GET', {url!r}).data",
        "http.client": (
            f"import http.client\nc = http.client.{connection}({parts.hostname!r}, {parts.port})"
            "\nc.request('GET', '/small')\nc.getresponse().read()"
        ),
    }[client]
    return body + _RSS_EPILOGUE


def peak_rss(clients: list[str], base: str, runs: int) -> dict[str, Samples]:
    """MiB of peak RSS (VmHWM) of a fresh process that imports the client and does
    one GET; ``bare python`` imports nothing."""
    names = [*(client for client in clients if client in IMPORTS), BASELINE]
    result = {name: Samples() for name in names}
    for _ in range(runs):
        for name in names:
            done = subprocess.run(
                [sys.executable, "-c", rss_code(name, base)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                result[name].error = done.stderr.strip()[-300:] or f"exit {done.returncode}"
                continue
            result[name].values.append(int(done.stdout.split()[-1]) / 1024)
    return result


# -- the server's capacity --------------------------------------------------------------


def capacity(base: str, settings: Settings, parallel: int = 2) -> dict[str, float]:
    """What the server serves when pushed: ``parallel`` raw-socket floors at once (each
    in its own process), and wrk if it is installed. req/s of GET /small."""
    result: dict[str, float] = {}
    command = _worker_command("floor-raw", "S1", base, settings)
    processes = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(parallel)
    ]
    try:
        rates = []
        for process in processes:
            out, err = process.communicate(timeout=60 + 4 * settings.duration)
            done = subprocess.CompletedProcess([], process.returncode, out.decode(), err.decode())
            rates.append(_parse(CASES["S1"], done))
        result[f"{parallel} raw-socket clients"] = sum(rates)
    except (WorkerError, subprocess.TimeoutExpired) as exc:
        note(f"server capacity with raw sockets: {exc}")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    wrk = _wrk(base, max(1.0, settings.duration))
    if wrk:
        result["wrk -t1 -c16"] = wrk
    return result


def _wrk(base: str, seconds: float) -> float | None:
    binary = shutil.which("wrk")
    if binary is None:
        return None
    command = [binary, "-t1", "-c16", f"-d{seconds:.0f}s", f"{base}/small"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    for line in done.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    return None
