"""Tables, ratios, targets and the JSON file.

Every ratio is ours / theirs: httpcore_lite's median over the other client's median. For
throughput (req/s, MB/s) higher is better, so > 1 means httpcore_lite is faster; for import
time and peak RSS lower is better, so < 1 means httpcore_lite is lighter.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .runner import BASELINES, Samples
from .scenarios import CASES, OURS

Results = dict[str, dict[str, Samples]]  # case -> client -> samples


@dataclass(frozen=True)
class Target:
    case: str
    peer: str
    bound: float  # ours / peer must be >= bound (throughput) or <= bound (import, rss)

    @property
    def text(self) -> str:
        sign = ">=" if CASES[self.case].higher_is_better else "<="
        return f"{sign} {self.bound:g}x"

    def met(self, ratio: float) -> bool:
        if CASES[self.case].higher_is_better:
            return ratio >= self.bound
        return ratio <= self.bound


TARGETS = (
    Target("S1", "floor-h11", 0.8),
    Target("S1", "requests", 4),
    Target("S1", "urllib3", 1.6),
    Target("S1", "httpx", 3),
    Target("S2", "requests", 3.5),
    Target("S3a", "requests", 2),
    Target("S3b", "requests", 1),
    Target("S4", "requests", 4),
    Target("S5", "requests", 3),
    Target("import", "requests", 0.4),
    Target("rss", "requests", 0.7),
)


@dataclass
class Verdict:
    case: str
    peer: str
    target: str
    ratio: float | None
    status: str  # PASS, FAIL, or SKIP (a side was not measured)


def ratio(samples: dict[str, Samples], peer: str) -> float | None:
    ours, theirs = samples.get(OURS), samples.get(peer)
    if not ours or not theirs or not ours.values or not theirs.values or not theirs.median:
        return None
    return ours.median / theirs.median


def verdicts(results: Results) -> list[Verdict]:
    out = []
    for target in (target for target in TARGETS if target.case in results):
        value = ratio(results.get(target.case, {}), target.peer)
        status = "SKIP" if value is None else ("PASS" if target.met(value) else "FAIL")
        out.append(Verdict(target.case, target.peer, target.text, value, status))
    return out


# -- tables -----------------------------------------------------------------------------


def _number(value: float, unit: str) -> str:
    if unit in ("ms", "MiB") or abs(value) < 100:
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def _row(case: str, client: str, samples: dict[str, Samples]) -> list[str]:
    unit = CASES[case].unit
    entry = samples[client]
    if not entry.values:
        return [client, "-", "-", "", f"skipped: {(entry.error or 'no samples')[:50]}"]
    spread = f"{_number(entry.low, unit)} - {_number(entry.high, unit)}"
    value = ratio(samples, client) if client not in (OURS, *BASELINES) else None
    shown = "" if value is None else f"{value:.2f}x"
    target = next((t for t in TARGETS if t.case == case and t.peer == client), None)
    verdict = ""
    if target and value is not None:
        verdict = f"{target.text} {'PASS' if target.met(value) else 'FAIL'}"
    return [client, _number(entry.median, unit), spread, shown, verdict]


def table(case: str, samples: dict[str, Samples]) -> str:
    spec = CASES[case]
    better = "higher" if spec.higher_is_better else "lower"
    count = max((len(s.values) for s in samples.values()), default=0)
    head = f"{spec.name}: {spec.title}  [{spec.unit}, {better} is better, {count} runs]"
    rows = [["client", "median", "min - max", "ours/it", "target"]]
    order = [OURS, *(client for client in samples if client != OURS)]
    rows += [_row(case, client, samples) for client in order if client in samples]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [head]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def summary(found: list[Verdict]) -> str:
    lines = ["Targets (ours/theirs of the medians; for import and rss lower is better):"]
    for v in found:
        shown = "n/a" if v.ratio is None else f"{v.ratio:.2f}x"
        lines.append(f"  {v.status}  {v.case:<6} vs {v.peer:<10} {shown:>7}  (target {v.target})")
    counts = {s: sum(v.status == s for v in found) for s in ("PASS", "FAIL", "SKIP")}
    lines.append("  " + (", ".join(f"{n} {s}" for s, n in counts.items()) if found else "none"))
    return "\n".join(lines)


# -- JSON -------------------------------------------------------------------------------


def _samples_json(entry: Samples) -> dict[str, Any]:
    if not entry.values:
        return {"values": [], "error": entry.error}
    return {
        "values": entry.values,
        "median": entry.median,
        "min": entry.low,
        "max": entry.high,
        "error": entry.error,
    }


def to_json(path: Path, meta: dict[str, Any], results: Results) -> None:
    cases = {}
    for case, samples in results.items():
        cases[case] = {
            "title": CASES[case].title,
            "unit": CASES[case].unit,
            "clients": {client: _samples_json(entry) for client, entry in samples.items()},
            "ratios": {c: ratio(samples, c) for c in samples if c not in (OURS, *BASELINES)},
        }
    document = {"meta": meta, "cases": cases, "targets": [asdict(v) for v in verdicts(results)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
