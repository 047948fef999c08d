"""The API reference documents every public callable: a docstring, an example, and the
exceptions it raises.

The reference renders the objects that the ``::: dotted.path`` directives of docs/ name
(mkdocstrings). They are walked here as it renders them, underscore names skipped: a
module's ``__all__`` (or its public names) defined in the module itself; a class, then its
methods and properties, with those it inherits from our own classes.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import io
import re
import textwrap
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import httpcore_lite

from .test_examples import _resolve, _runner, reference_targets
from .world import World

PACKAGE = "httpcore_lite"

# Modules whose every public class and function belongs in the reference (beyond ``__all__``).
COMPLETE_MODULES = ("httpcore_lite.api", "httpcore_lite.exceptions")

# Callables whose source has a ``raise`` but whose docstring need not say so, and why.
RAISES_EXEMPT: dict[str, str] = {}

_SECTION = re.compile(r"^(?P<indent>\s*)(?P<title>[A-Z][A-Za-z ]*):\s*$")
# "Name: when", "Name, Other: when": what griffe's Google parser reads as a Raises item.
_RAISES_ITEM = re.compile(r"^[A-Z][\w.]*(, [A-Z][\w.]*)*: \S")


def _ours(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def _function_of(value: Any) -> Callable[..., Any] | None:
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        value = value.fget
    return value if inspect.isfunction(value) else None


def _walk(name: str, obj: Any) -> Iterator[tuple[str, Any]]:
    if inspect.isfunction(obj):
        yield name, obj
    elif inspect.isclass(obj):
        yield name, obj
        seen: set[str] = set()
        for klass in obj.__mro__:
            if not _ours(klass):
                continue
            for attribute, value in vars(klass).items():
                if attribute.startswith("_") or attribute in seen:
                    continue
                seen.add(attribute)
                function = _function_of(value)
                if function is not None and _ours(function):
                    yield f"{name}.{attribute}", value
    # Anything else (DEFAULT_TIMEOUT, codes) is data: its page says what it is.


def documented(dotted: str) -> Iterator[tuple[str, Any]]:
    """The public callables that the directive ``::: dotted`` renders, by dotted name."""
    target = _resolve(dotted)
    if not isinstance(target, types.ModuleType):
        yield from _walk(dotted, target)
        return
    names = getattr(target, "__all__", None) or [n for n in vars(target) if n[0] != "_"]
    for name in names:
        value = getattr(target, name)
        if getattr(value, "__module__", None) == target.__name__:
            yield from _walk(f"{dotted}.{name}", value)


def _docstring_of(obj: Any) -> str:
    """The docstring mkdocstrings shows: a class's own with its ``__init__``'s merged in
    (``merge_init_into_class``), never one inherited from a base class."""
    if inspect.isclass(obj):
        init = vars(obj).get("__init__")
        parts = [vars(obj).get("__doc__"), getattr(init, "__doc__", None) if init else None]
        return "\n\n".join(inspect.cleandoc(p) for p in parts if p)
    function = _function_of(obj)
    doc = function.__doc__ if function is not None else None
    return inspect.cleandoc(doc) if doc else ""


def _sources(obj: Any) -> list[Callable[..., Any]]:
    """The code whose ``raise`` statements the docstring answers for: a function, a
    property's getter and setter, a class's own ``__init__``."""
    if inspect.isclass(obj):
        init = vars(obj).get("__init__")
        return [init] if inspect.isfunction(init) else []
    if isinstance(obj, property):
        return [f for f in (obj.fget, obj.fset) if f is not None]
    function = _function_of(obj)
    return [function] if function is not None else []


def raised_names(obj: Any) -> tuple[bool, set[str]]:
    """Whether ``obj``'s code has a ``raise`` statement, and the exception classes it
    raises by name (``raise Name(...)``; ``raise error`` of a variable names none)."""
    has_raise, names = False, set()
    for function in _sources(obj):
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Raise):
                continue
            has_raise = True
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(raised, ast.Attribute):
                raised = ast.Name(raised.attr)
            if isinstance(raised, ast.Name) and raised.id[:1].isupper():
                names.add(raised.id)
    return has_raise, names


def sections(doc: str) -> dict[str, list[str]]:
    """The Google-style sections of a docstring (``Raises:``, ``Example:``...): the lines
    indented under each title, dedented."""
    found: dict[str, list[str]] = {}
    lines = doc.splitlines()
    index = 0
    while index < len(lines):
        heading = _SECTION.match(lines[index])
        index += 1
        if heading is None:
            continue
        depth, body = len(heading["indent"]), []
        while index < len(lines) and (
            not lines[index].strip() or len(lines[index]) - len(lines[index].lstrip()) > depth
        ):
            body.append(lines[index])
            index += 1
        section_lines = textwrap.dedent("\n".join(body)).strip().splitlines()
        found.setdefault(heading["title"], []).extend(section_lines)  # a class's and its __init__'s
    return found


def problems(name: str, obj: Any) -> list[str]:
    """What the docstring of ``obj`` lacks: a docstring, an example in an ``Examples:``
    section, a Raises section naming what the code raises (in griffe's ``Name: when`` form).

    ``Examples:``, not ``Example:``: griffe's Google parser reads only the plural as code
    (a pycon block); the singular is an admonition of Markdown text, where ``>>>`` renders
    as nested block quotes.
    """
    doc = _docstring_of(obj)
    if not doc:
        return [f"{name}: no docstring"]
    found = []
    parts = sections(doc)
    if not any(line.startswith(">>>") for line in parts.get("Examples", [])):
        found.append(f"{name}: no example (a '>>>' line in an 'Examples:' section)")
    raises = parts.get("Raises", [])
    items = [line for line in raises if line and not line[0].isspace()]
    for item in items:
        if not _RAISES_ITEM.match(item):
            found.append(f"{name}: Raises item not in the form 'Name: when': {item!r}")
    has_raise, names = raised_names(obj)
    if not raises:
        if has_raise and name not in RAISES_EXEMPT:
            found.append(f"{name}: raises, but has no Raises section")
        return found
    listed = " ".join(item.partition(":")[0] for item in items)
    for missing in sorted(n for n in names if not re.search(rf"\b{n}\b", listed)):
        found.append(f"{name}: raises {missing}, which its Raises section does not name")
    return found


def rendered() -> dict[str, Any]:
    """Every public callable the reference renders, by dotted name."""
    return {name: obj for target in reference_targets() for name, obj in documented(target)}


@pytest.mark.parametrize("dotted", reference_targets())
def test_the_reference_documents_each_public_callable(dotted: str) -> None:
    found = [problem for name, obj in documented(dotted) for problem in problems(name, obj)]
    assert not found, "\n".join(found)


def _required() -> set[str]:
    """The classes and functions the reference must render: the package's ``__all__``, the
    ``__all__`` of each module it renders from, and everything public in COMPLETE_MODULES."""
    modules = {importlib.import_module(name) for name in COMPLETE_MODULES}
    for target in reference_targets():
        obj = _resolve(target)
        module = obj if isinstance(obj, types.ModuleType) else inspect.getmodule(obj)
        if module is not None:
            modules.add(module)
    spaces: list[tuple[Any, list[str]]] = [(httpcore_lite, list(httpcore_lite.__all__))]
    for module in modules:
        if module.__name__ in COMPLETE_MODULES:
            spaces.append((module, [n for n in vars(module) if not n.startswith("_")]))
        elif hasattr(module, "__all__"):
            spaces.append((module, list(module.__all__)))
    required = set()
    for space, names in spaces:
        for name in names:
            value = getattr(space, name)
            if (inspect.isclass(value) or inspect.isfunction(value)) and _ours(value):
                required.add(f"{value.__module__}.{value.__qualname__}")
    return required


def test_every_public_class_and_function_is_in_the_reference() -> None:
    missing = sorted(_required() - set(rendered()))
    assert not missing, f"not in the API reference: {missing}"


def test_the_examples_of_inherited_members(in_world: World) -> None:
    """test_examples runs the examples of what a rendered class defines; a member it shows
    from a base class of ours (``inherited_members``) is run here."""
    callables = rendered()
    failures, ran = [], 0
    for name, obj in callables.items():
        function = _function_of(obj)
        owner, _, attribute = name.rpartition(".")
        if function is None or not inspect.isclass(callables.get(owner)):
            continue
        if attribute in vars(callables[owner]):
            continue  # the class's own: test_examples runs it
        module = importlib.import_module(function.__module__)
        for test in doctest.DocTestFinder().find(function, name, module=module):
            ran += 1
            test.globs = {**test.globs, "httpcore_lite": httpcore_lite, "requests": httpcore_lite}
            report = io.StringIO()
            if _runner().run(test, out=report.write).failed:
                failures.append(report.getvalue())
    assert not failures, "\n\n".join(failures)
    assert ran, "no inherited member was found: is the walk still right?"


def test_the_check_finds_what_is_missing() -> None:
    def bare(x: int) -> int:
        if x < 0:
            raise ValueError(x)
        return x

    def exampled() -> None:
        """Do nothing.

        Examples:
            >>> exampled()
        """
        raise KeyError("no")

    def raising() -> None:
        """Raise.

        Examples:
            >>> raising()

        Raises:
            ValueError: always.
            everything else
        """
        raise ValueError

    assert problems("bare", bare) == ["bare: no docstring"]
    assert problems("exampled", exampled) == ["exampled: raises, but has no Raises section"]
    assert problems("raising", raising) == [
        "raising: Raises item not in the form 'Name: when': 'everything else'"
    ]
    for doc in ("Return x.\n\n>>> bare(1)\n1\n", "Return x.\n\nExample:\n    >>> bare(1)\n"):
        bare.__doc__ = doc
        assert problems("bare", bare) == [
            "bare: no example (a '>>>' line in an 'Examples:' section)",
            "bare: raises, but has no Raises section",
        ]
    raising.__doc__ = "Raise.\n\nExamples:\n    >>> raising()\n\nRaises:\n    KeyError: no.\n"
    assert problems("raising", raising) == [
        "raising: raises ValueError, which its Raises section does not name"
    ]


def test_the_walk_sees_methods_properties_and_inherited_members() -> None:
    names = dict(documented("httpcore_lite.models.Request"))
    assert "httpcore_lite.models.Request.prepare" in names
    assert "httpcore_lite.models.Request.register_hook" in names  # from RequestHooksMixin
    response = dict(documented("httpcore_lite.models.Response"))
    assert isinstance(response["httpcore_lite.models.Response.ok"], property)
    assert not any(name.rpartition(".")[2].startswith("_") for name in response)
