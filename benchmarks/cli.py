"""httpcore_lite's benchmarks against requests, httpx, urllib3, http.client and two
floors (a raw socket; a bare h11 connection), one local server, one run.

Each measurement runs in a fresh process, after a warm-up, for a fixed time; the clients
take turns (A B C A B C ...) and each figure is the median of the repeats, with min-max.
Ratios are httpcore_lite / peer, from the same run: they hold on a noisy machine, the
absolute figures do not.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from . import report, runner, server
from .scenarios import CASES, CLIENTS, MODULES, OURS, PREVIOUS, PREVIOUS_DIR_VARIABLE
from .server import note

QUICK = runner.Settings(repeats=3, warmup=0.1, duration=0.25, import_runs=7, rss_runs=2)
DEFAULT = runner.Settings(repeats=5, warmup=0.5, duration=1.5, import_runs=21, rss_runs=3)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="about a minute: fewer, shorter runs")
    add("--scenarios", help=f"comma-separated cases (default all): {','.join(CASES)}")
    add("--clients", help=f"comma-separated clients (default all): {','.join(CLIENTS)}")
    add("--repeats", type=int, help="runs per client per case (default 5, quick 3)")
    add("--duration", type=float, help="seconds per measurement (default 1.5, quick 0.25)")
    add("--warmup", type=float, help="seconds of warm-up per measurement (default 0.5)")
    add("--import-runs", type=int, help="runs per client of the import-time case")
    add("--server", metavar="URL", help="use this server (same paths) instead of starting one")
    add("--fallback-server", action="store_true", help="use the built-in server, not nginx")
    add("--no-install", action="store_true", help="never apt-get install nginx")
    add("--no-capacity", action="store_true", help="skip measuring the server's capacity")
    add("--json", metavar="FILE", type=Path, help="write every sample and ratio to FILE")
    add(
        "--previous",
        metavar="DIR",
        type=Path,
        help="also measure the httpcore_lite of this checkout (e.g. a git worktree of the "
        "previous main) as the client 'previous': A/B ratios from one run",
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> runner.Settings:
    base = QUICK if args.quick else DEFAULT
    return runner.Settings(
        repeats=args.repeats or base.repeats,
        warmup=base.warmup if args.warmup is None else args.warmup,
        duration=args.duration or base.duration,
        import_runs=args.import_runs or base.import_runs,
        rss_runs=base.rss_runs,
    )


def _pick(text: str | None, known: tuple[str, ...], what: str) -> list[str]:
    if not text:
        return list(known)
    spelled = {item.lower(): item for item in known}
    chosen = [spelled.get(item.strip().lower(), item.strip()) for item in text.split(",")]
    chosen = [item for item in chosen if item]
    unknown = [item for item in chosen if item not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return [item for item in known if item in chosen]


def available_clients(chosen: list[str]) -> list[str]:
    """The chosen clients that can be imported here; a note for each that cannot."""
    found = []
    for client in chosen:
        if importlib.util.find_spec(MODULES[client].split(".")[0]) is None:
            note(f"{client} is not installed: skipped (pip install -e '.[bench]')")
        else:
            found.append(client)
    return found


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def meta(
    settings: runner.Settings, srv: server.Server, capacity: dict[str, float]
) -> dict[str, Any]:
    libraries = ("httpcore_lite", "h11", "requests", "httpx", "urllib3", "uvloop")
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "settings": vars(settings),
        "argv": sys.argv[1:],
        "server": {"kind": srv.kind, "url": srv.base_url, "description": srv.description},
        "server_capacity_req_s": capacity,
        "versions": {name: _version(name) for name in libraries},
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _print_header(settings: runner.Settings, info: dict[str, Any]) -> None:
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v != "-")
    print(f"python {info['python']} on {info['platform']}")
    print(f"libraries: {versions}")
    print(
        f"each figure: median of {settings.repeats} runs, each a fresh process: "
        f"{settings.warmup:g} s warm-up, then {settings.duration:g} s measured",
        flush=True,
    )


def _print_capacity(capacity: dict[str, float], results: report.Results) -> None:
    if not capacity:
        return
    shown = ", ".join(f"{rate:,.0f} req/s ({how})" for how, rate in capacity.items())
    print(f"server capacity, GET /small: {shown}")
    best = [s.median for s in results.get("S1", {}).values() if s.values]
    if best:
        share = max(best) / max(capacity.values())
        print(f"  the fastest single S1 client used {share:.0%} of it")


def _check_port_reuse() -> None:
    """S5 opens thousands of connections a second, each leaving a TIME_WAIT socket behind;
    without tcp_tw_reuse (Linux's default 2 allows it on loopback) ports may run out."""
    try:
        reuse = Path("/proc/sys/net/ipv4/tcp_tw_reuse").read_text().strip()
    except OSError:
        return
    if reuse == "0":
        note("net.ipv4.tcp_tw_reuse is 0: S5 may run out of local ports (sysctl it to 2)")


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    cases = _pick(args.scenarios, tuple(CASES), "scenarios")
    clients = available_clients(_pick(args.clients, CLIENTS, "clients"))
    if args.previous is not None:
        clients = _with_previous(clients, args.previous)
    if OURS not in clients:
        note("httpcore_lite is not among the clients: no ratios")
    if "S5" in cases:
        _check_port_reuse()
    results: report.Results = {}
    with server.serving(args.server, args.fallback_server, not args.no_install) as srv:
        print(f"server: {srv.kind}: {srv.description} at {srv.base_url}", flush=True)
        for problem in srv.notes:
            note(f"server check: {problem}")
        capacity = {} if args.no_capacity else runner.capacity(srv.base_url, settings)
        info = meta(settings, srv, capacity)
        _print_header(settings, info)
        _print_capacity(capacity, results)
        for name in cases:
            results[name] = _run_one(name, clients, srv.base_url, settings)
            print(report.table(name, results[name]) + "\n", flush=True)
    _print_capacity(capacity, results)
    print(report.summary(report.verdicts(results)))
    if args.json:
        report.to_json(args.json, info, results)
        print(f"wrote {args.json}")
    return 0


def _with_previous(clients: list[str], previous: Path) -> list[str]:
    """``clients`` with 'previous' right after httpcore_lite (interleaved like the others),
    importing httpcore_lite from ``previous``."""
    if not (previous / "httpcore_lite" / "__init__.py").is_file():
        raise SystemExit(f"--previous {previous}: no httpcore_lite package there")
    os.environ[PREVIOUS_DIR_VARIABLE] = str(previous.resolve())  # the workers inherit it
    at = clients.index(OURS) + 1 if OURS in clients else 0
    return [*clients[:at], PREVIOUS, *clients[at:]]


def _run_one(
    name: str, clients: list[str], base: str, settings: runner.Settings
) -> dict[str, runner.Samples]:
    case = CASES[name]
    print(f"{name}: {case.title} ...", flush=True)
    if name == "import":
        return runner.import_times(clients, settings.import_runs)
    if name == "rss":
        return runner.peak_rss(clients, base, settings.rss_runs)
    from .clients import registry

    table = registry()
    able = [client for client in clients if name in table.get(client, {})]
    return runner.run_case(case, able, base, settings)


def main(argv: list[str] | None = None) -> int:
    # Installed packages have bytecode (pip compiles at install); an editable checkout gets
    # it only when Python may write it. Without this, httpcore_lite alone would be compiled
    # from source in every measured process, and its import time would count compiling.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        return run(parse_args(argv))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
