"""Every example in docs/ runs, and shows what it really prints.

- In the pages, a ```pycon block is a doctest: its output is checked (``...`` matches
  anything, whitespace is normalised). A ```python block is run and must not raise. The
  blocks of a page run in order in one namespace, as a reader would type them.
- In the API reference (the ``::: module.object`` directives that mkdocstrings renders),
  every docstring example of a public object is a doctest too.

They run against httpbin.org and api.github.com served on loopback (see world.py).
"""

from __future__ import annotations

import doctest
import importlib
import io
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from .world import World

pytestmark = pytest.mark.timeout(120)

DOCS = Path(__file__).resolve().parents[2] / "docs"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
_DIRECTIVE = re.compile(r"^:::\s+(?P<path>[\w.]+)\s*$", re.MULTILINE)


class Block(NamedTuple):
    line: int  # of the first line of code, 1-based
    language: str
    code: str


def code_blocks(text: str) -> Iterator[Block]:
    """The fenced code blocks of a Markdown text (indented ones too, inside lists)."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        fence, indent = opening["fence"], opening["indent"]
        language = opening["info"].strip().split(" ")[0].lower()
        start = index
        while index < len(lines) and not lines[index].strip().startswith(fence):
            index += 1
        body = "\n".join(
            line[len(indent) :] if line.startswith(indent) else line.lstrip()
            for line in lines[start:index]
        )
        index += 1
        yield Block(start + 1, language, textwrap.dedent(body) + "\n")


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _runner() -> doctest.DocTestRunner:
    return doctest.DocTestRunner(optionflags=FLAGS, verbose=False)


def run_doctest(text: str, globs: dict[str, Any], name: str, path: str, line: int) -> str:
    """Run ``text`` as a doctest in ``globs``; the failure report, or "" when it passed."""
    test = doctest.DocTestParser().get_doctest(text, globs, name, path, line - 1)
    report = io.StringIO()
    result = _runner().run(test, out=report.write, clear_globs=False)
    globs.update(test.globs)  # (DocTest works on a copy): later blocks see these names
    return report.getvalue() if result.failed else ""


def run_page(page: Path) -> list[str]:
    """Run every python and pycon block of ``page`` in order; the failures."""
    globs: dict[str, Any] = {"__name__": "__docs__"}
    failures = []
    relative = str(page.relative_to(DOCS.parent))
    for block in code_blocks(page.read_text(encoding="utf-8")):
        where = f"{relative}:{block.line}"
        if block.language == "pycon":
            report = run_doctest(block.code, globs, where, relative, block.line)
            if report:
                failures.append(report)
        elif block.language in ("python", "py"):
            try:
                exec(compile(block.code, where, "exec"), globs)  # our own docs
            except Exception as exc:  # reported with where it happened
                failures.append(f"{where}: {type(exc).__name__}: {exc}")
    return failures


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(DOCS)))
def test_the_examples_of_a_page(page: Path, in_world: World) -> None:
    failures = run_page(page)
    assert not failures, "\n\n".join(failures)


def reference_targets() -> list[str]:
    """The objects the API reference renders (``::: dotted.path`` directives)."""
    found: set[str] = set()
    for page in pages():
        found.update(m["path"] for m in _DIRECTIVE.finditer(page.read_text(encoding="utf-8")))
    return sorted(found)


def _resolve(dotted: str) -> Any:
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            target = getattr(target, attribute)
        return target
    raise ImportError(dotted)


def docstring_examples(dotted: str) -> list[doctest.DocTest]:
    """The doctests in the docstrings of ``dotted`` and its public members."""
    target = _resolve(dotted)
    module = importlib.import_module(getattr(target, "__module__", None) or dotted)
    tests = doctest.DocTestFinder(exclude_empty=True).find(target, dotted, module=module)
    public = [t for t in tests if not any(p.startswith("_") for p in t.name.split(".")[1:])]
    return [t for t in public if t.examples]


@pytest.mark.parametrize("dotted", reference_targets())
def test_the_docstring_examples_of_the_reference(dotted: str, in_world: World) -> None:
    import httpcore_lite

    failures = []
    for test in docstring_examples(dotted):
        test.globs = {**test.globs, "httpcore_lite": httpcore_lite, "requests": httpcore_lite}
        report = io.StringIO()
        if _runner().run(test, out=report.write).failed:
            failures.append(report.getvalue())
    assert not failures, "\n\n".join(failures)


def test_fences_are_found_in_lists_too() -> None:
    text = "1. Step:\n\n   ```pycon\n   >>> 1 + 1\n   2\n   ```\n\n```console\n$ ls\n```\n"
    blocks = list(code_blocks(text))
    assert [(b.language, b.code) for b in blocks] == [
        ("pycon", ">>> 1 + 1\n2\n"),
        ("console", "$ ls\n"),
    ]


def test_a_wrong_output_fails(in_world: World) -> None:
    report = run_doctest(">>> 1 + 1\n3\n", {}, "check", "check.md", 1)
    assert "Expected:" in report
