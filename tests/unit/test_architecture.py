"""The layering of the package, read from its source; and what ``import httpcore_lite`` loads.

Imports are read with ``ast``, from every module, including imports inside functions (lazy
imports are still dependencies). Imports under ``if TYPE_CHECKING:`` never run; they count
for the layering, not for which module loads a standard library module at run time.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

import httpcore_lite

PACKAGE_DIR = Path(httpcore_lite.__file__).resolve().parent
PACKAGE = "httpcore_lite"


@dataclass(frozen=True)
class Import:
    target: str  # absolute dotted name: "socket", "httpcore_lite.models", "h11.Request"
    type_checking_only: bool
    # For "from base import name": base, the module the name comes from when ``target``
    # is not itself a module ("from .exceptions import SSLError").
    base: str | None = None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _from_base(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts.pop()
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def imports_of(path: Path) -> list[Import]:
    module = module_name(path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, guarded)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, guarded) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(module, is_package, node)
            found.extend(Import(f"{base}.{alias.name}", guarded, base) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(tree, False)
    return found


MODULES: dict[str, list[Import]] = {
    module_name(path): imports_of(path) for path in sorted(PACKAGE_DIR.rglob("*.py"))
}


def internal_deps(module: str) -> set[str]:
    """The package modules ``module`` imports directly (any import, guarded or not)."""
    deps = set()
    for imp in MODULES[module]:
        if imp.target in MODULES:
            deps.add(imp.target)  # "import x.y" or "from x import y" with y a submodule
        elif imp.base in MODULES:
            deps.add(imp.base)  # "from x import name": the module x
    deps.discard(module)
    return deps


def reachable(module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        for dep in internal_deps(todo.pop()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def runtime_importers(top_level: str) -> set[str]:
    """Package modules that import ``top_level`` (or a submodule of it) at run time."""
    return {
        module
        for module, imports in MODULES.items()
        for imp in imports
        if not imp.type_checking_only
        and (imp.target == top_level or imp.target.startswith(top_level + "."))
    }


def test_the_walk_sees_the_package() -> None:
    # Guard against a walk that finds nothing and so passes every rule below.
    for expected in (
        "httpcore_lite",
        "httpcore_lite.models",
        "httpcore_lite.sessions",
        "httpcore_lite._transport.network",
        "httpcore_lite._transport.http11",
        "httpcore_lite._transport.tls",
        "httpcore_lite._transport.pool",
    ):
        assert expected in MODULES
    assert "httpcore_lite.models" in internal_deps("httpcore_lite.sessions")
    assert "httpcore_lite._transport.pool" in internal_deps("httpcore_lite.adapters")
    assert "httpcore_lite._transport.network" in internal_deps("httpcore_lite._transport.pool")
    assert runtime_importers("h11")  # somebody does import it


TRANSPORT = sorted(m for m in MODULES if m.startswith("httpcore_lite._transport"))
UPPER_LAYERS = {
    f"{PACKAGE}.{name}" for name in ("sessions", "adapters", "models", "api", "auth", "hooks")
}


@pytest.mark.parametrize("module", TRANSPORT)
def test_transport_does_not_import_the_upper_layers(module: str) -> None:
    assert internal_deps(module) & UPPER_LAYERS == set()
    assert reachable(module) & UPPER_LAYERS == set(), "not even indirectly"
    assert f"{PACKAGE}" not in internal_deps(module), "nor the package itself"


def test_models_never_import_the_transport() -> None:
    direct = {m for m in internal_deps(f"{PACKAGE}.models") if m.startswith(f"{PACKAGE}._t")}
    assert direct == set()
    indirect = {m for m in reachable(f"{PACKAGE}.models") if "_transport" in m}
    assert indirect == set()


@pytest.mark.parametrize(
    ("stdlib_or_dep", "owner"),
    [
        ("socket", f"{PACKAGE}._transport.network"),
        ("select", f"{PACKAGE}._transport.network"),
        ("h11", f"{PACKAGE}._transport.http11"),
        ("ssl", f"{PACKAGE}._transport.tls"),
    ],
)
def test_only_one_module_imports(stdlib_or_dep: str, owner: str) -> None:
    assert runtime_importers(stdlib_or_dep) == {owner}


@pytest.mark.parametrize("name", ["certifi", "selectors", "http", "urllib3", "requests"])
def test_modules_not_used_or_confined(name: str) -> None:
    allowed = {
        "certifi": {f"{PACKAGE}._transport.tls"},
        "http": {  # loaded only with cookies, or in tests (reason phrases)
            f"{PACKAGE}.cookies",
            f"{PACKAGE}.testing",
        },
    }.get(name, set())
    assert runtime_importers(name) <= allowed


def _run_fresh(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_loads_no_heavy_modules_and_starts_no_threads() -> None:
    out = _run_fresh(
        """
        import sys, threading
        before = set(sys.modules)
        import httpcore_lite
        assert httpcore_lite.Session is not None
        loaded = set(sys.modules) - before
        heavy = ("urllib3", "requests", "ssl", "_ssl", "certifi", "idna", "charset_normalizer",
                 "chardet", "http.client", "email", "cryptography")
        print(sorted(name for name in heavy if name in sys.modules))
        print(threading.active_count())
        print("httpcore_lite.sessions" in loaded)
        """
    )
    heavy, threads, loaded = out.split("\n")[:3]
    assert loaded == "True"  # the import did happen in that process
    assert heavy == "[]"
    assert threads == "1"


def test_all_lists_exactly_the_public_names() -> None:
    lazy = {"cookies", "JSONDecodeError"}  # made on first use (module __getattr__)
    # Imported by their users only, never by the package: not in __all__.
    on_demand = {"testing", "pytest_plugin", "cli"}
    public = {name for name in vars(httpcore_lite) if not name.startswith("_")} | lazy
    public -= on_demand
    listed = set(httpcore_lite.__all__)
    assert len(listed) == len(httpcore_lite.__all__), "no duplicates in __all__"
    assert listed - {"__version__"} == public
    assert "__version__" in listed
    for name in httpcore_lite.__all__:
        assert hasattr(httpcore_lite, name), name


def test_star_import_gives_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from httpcore_lite import *", namespace)
    names = {name for name in namespace if name != "__builtins__"}
    assert names == set(httpcore_lite.__all__)
