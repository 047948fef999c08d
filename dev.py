#!/usr/bin/env python3
"""Developer entry points that work on a fresh machine with only Python 3.10+.

    python3 dev.py test [pytest args]   set up .venv, then ruff, mypy --strict, pytest (the
                                        docs' examples included) and mkdocs build --strict
    python3 dev.py bench [args]         set up .venv-bench, then the main job (benchmarks)

Each command creates its own virtual environment on first use and reinstalls into it only
when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _venv_python(directory: Path) -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return directory / scripts / ("python.exe" if os.name == "nt" else "python")


def ensure_venv(name: str, extras: str) -> Path:
    """A virtual environment with the project installed (editable) with ``extras``."""
    directory = ROOT / name
    python = _venv_python(directory)
    if not python.exists():
        print(f"dev.py: creating {name}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(directory)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = directory / ".installed"
    if not stamp.exists() or stamp.read_text() != digest:
        print(f"dev.py: installing httpcore_lite[{extras}] into {name}", flush=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "-e", f".[{extras}]"], cwd=ROOT, check=True)
        stamp.write_text(digest)
    return python


def run(*command: str) -> int:
    print("dev.py: $", " ".join(command), flush=True)
    # (mkdocs-material prints a banner about its successor unless told not to.)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(command, cwd=ROOT, check=False, env=env).returncode


def test(args: list[str]) -> int:
    python = str(ensure_venv(".venv", "test,docs"))
    site = tempfile.mkdtemp(prefix="httpcore_lite-site-")
    steps = [
        (python, "-m", "ruff", "check", "httpcore_lite", "tests", "benchmarks", "dev.py"),
        (
            python,
            "-m",
            "ruff",
            "format",
            "--check",
            "httpcore_lite",
            "tests",
            "benchmarks",
            "dev.py",
        ),
        (python, "-m", "mypy"),
        (python, "-m", "pytest", *args),
        (python, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", site),
    ]
    failed = [" ".join(step[2:4]) for step in steps if run(*step) != 0]
    shutil.rmtree(site, ignore_errors=True)
    if failed:
        print(f"dev.py: FAILED: {', '.join(failed)}", flush=True)
        return 1
    print("dev.py: all checks passed", flush=True)
    return 0


def bench(args: list[str]) -> int:
    python = str(ensure_venv(".venv-bench", "bench"))
    return run(python, "-m", "benchmarks", *args)


def main(argv: list[str]) -> int:
    commands = {"test": test, "bench": bench}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
