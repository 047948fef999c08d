"""One measurement in a fresh process:

    python -m benchmarks.worker CLIENT CASE BASE_URL [--warmup S] [--duration S]

builds the client, checks one response, warms up, then runs for ``--duration`` seconds and
prints one JSON line: ``{"requests": N, "bytes": B, "seconds": T}`` (or ``{"error": ...}``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TypedDict

from .clients import Bench, registry
from .scenarios import BIG_SIZE, CASES, PREVIOUS, PREVIOUS_DIR_VARIABLE, SMALL_BODY

_BATCH_SECONDS = 0.01  # the clock is read once per batch of about this long

# Bytes the first response must carry, to fail loudly on a 404 or a truncated body.
_EXPECTED = {"/small": len(SMALL_BODY), "/big": BIG_SIZE}


class Result(TypedDict):
    """One measurement: requests done, body bytes read, and the seconds they took."""

    requests: int
    bytes: int
    seconds: float


def run_sequential(op: Callable[[], int], warmup: float, duration: float) -> Result:
    """Warm up for ``warmup`` seconds (which also sizes the batches), then run batches
    until ``duration`` seconds have passed."""
    start = time.perf_counter()
    done = 0
    while True:
        op()
        done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= warmup:
            break
    batch = max(1, int(_BATCH_SECONDS * done / elapsed))
    count = total = 0
    clock = time.perf_counter
    start = clock()
    deadline = start + duration
    while True:
        for _ in range(batch):
            total += op()
        count += batch
        now = clock()
        if now >= deadline:
            break
    return Result(requests=count, bytes=total, seconds=now - start)


def _threaded_phase(op: Callable[[], int], threads: int, seconds: float) -> Result:
    counts = [0] * threads
    totals = [0] * threads
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)
    deadline = [0.0]

    def loop(index: int) -> None:
        barrier.wait()
        clock, end = time.perf_counter, deadline[0]
        count = total = 0
        try:
            while clock() < end:
                total += op()
                count += 1
        except BaseException as exc:
            errors.append(exc)
        counts[index], totals[index] = count, total

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    start = time.perf_counter()
    deadline[0] = start + seconds
    barrier.wait()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return Result(requests=sum(counts), bytes=sum(totals), seconds=elapsed)


def run_threaded(op: Callable[[], int], threads: int, warmup: float, duration: float) -> Result:
    """``threads`` threads share ``op`` (and so one client): a warm-up phase, then the
    measured one; the clock stops when the last thread has finished its last request."""
    _threaded_phase(op, threads, warmup)
    return _threaded_phase(op, threads, duration)


def measure(client: str, case_name: str, base: str, warmup: float, duration: float) -> Result:
    case = CASES[case_name]
    if client == PREVIOUS:  # the other checkout's httpcore_lite, imported before ours
        sys.path.insert(0, os.environ[PREVIOUS_DIR_VARIABLE])
    factory = registry().get(client, {}).get(case_name)
    if factory is None:
        raise LookupError(f"{client} has no {case_name}")
    bench: Bench = factory(base.rstrip("/") + case.path)
    try:
        length = bench.op()
        expected = _EXPECTED.get(case.path)
        if (expected is not None and length != expected) or length <= 0:
            raise RuntimeError(f"{case.path} gave a {length}-byte body, not {expected}")
        if case.threads > 1:
            return run_threaded(bench.op, case.threads, warmup, duration)
        return run_sequential(bench.op, warmup, duration)
    finally:
        bench.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    parser.add_argument("client")
    parser.add_argument("case", choices=[name for name, c in CASES.items() if c.throughput])
    parser.add_argument("base", help="the server's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=1.5)
    args = parser.parse_args(argv)
    try:
        result = measure(args.client, args.case, args.base, args.warmup, args.duration)
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
