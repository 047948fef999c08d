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
    line: int = 0


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
            for statement in node.body:
                visit(statement, True)
            for statement in node.orelse:
                visit(statement, guarded)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, guarded, line=node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(module, is_package, node)
            found.extend(
                Import(f"{base}.{alias.name}", guarded, base, node.lineno) for alias in node.names
            )
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(tree, False)
    return found


PATHS: dict[str, Path] = {module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}
MODULES: dict[str, list[Import]] = {module: imports_of(path) for module, path in PATHS.items()}


def _imported_module(imp: Import) -> str | None:
    if imp.target in MODULES:
        return imp.target  # "import x.y" or "from x import y" with y a submodule
    if imp.base in MODULES:
        return imp.base  # "from x import name": the module x
    return None


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    line: int
    type_checking_only: bool

    def __str__(self) -> str:
        where = f"{PATHS[self.importer].relative_to(PACKAGE_DIR.parent)}:{self.line}"
        guard = ", under TYPE_CHECKING" if self.type_checking_only else ""
        return f"{self.importer} -> {self.imported} ({where}{guard})"


# Every import of a package module by another (guarded or not), once per import statement.
EDGES = list(
    dict.fromkeys(
        Edge(module, imported, imp.line, imp.type_checking_only)
        for module, imports in MODULES.items()
        for imp in imports
        if (imported := _imported_module(imp)) is not None and imported != module
    )
)


def internal_deps(module: str) -> set[str]:
    """The package modules ``module`` imports directly (any import, guarded or not)."""
    return {edge.imported for edge in EDGES if edge.importer == module}


def listing(edges: list[Edge]) -> str:
    return "\n".join(str(edge) for edge in edges)


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
    assert "httpcore_lite._transport.pool" in reachable("httpcore_lite.adapters")
    assert "httpcore_lite._transport.network" in internal_deps("httpcore_lite._transport.pool")
    assert runtime_importers("h11")  # somebody does import it


# The layers of docs/architecture.md, top to bottom (names relative to the package; "__init__"
# is the package itself, "_transport" the transport's __init__, its front door). A module
# imports only modules of lower layers, and of its own layer where that layer is in
# OPEN_LAYERS.
LAYERS: list[tuple[str, ...]] = [
    ("__init__", "__main__"),
    ("cli",),
    ("pytest_plugin",),
    ("testing",),
    ("api",),
    ("sessions",),
    ("adapters",),
    ("_redirects", "_proxies", "retry"),
    ("models",),
    ("auth", "hooks"),
    ("cookies",),
    ("_netrc",),
    ("status_codes",),
    ("utils",),
    ("_raw",),
    ("_body", "_multipart"),
    ("_decoders",),
    ("_limits",),
    ("_transport",),
    ("_transport.pool",),
    ("_transport.proxy",),
    ("_transport.http11",),
    ("_transport.bodies",),
    ("_transport.network",),
    ("_transport.tls",),
    ("_urls",),
    ("_json_error",),
    ("timeouts", "metrics", "exceptions", "structures", "_version"),
]
OPEN_LAYERS = {("_body", "_multipart")}  # _multipart builds on _body's EncodedBody
# Upward edges that exist for annotations only (never run): the helpers models calls name
# the models' types in their signatures. Each is listed here; any other upward edge fails.
# exceptions.JSONDecodeError is defined on first use (it needs json: 2 ms of start-up) by
# _json_error, which builds on exceptions: the one upward edge that runs, lazily.
LAZY_UPWARD = {(f"{PACKAGE}.exceptions", f"{PACKAGE}._json_error")}
TYPE_ONLY_UPWARD = {
    (f"{PACKAGE}._body", f"{PACKAGE}.models"),  # rewind_body(request: PreparedRequest)
    (f"{PACKAGE}.auth", f"{PACKAGE}.models"),  # AuthBase.__call__(r: PreparedRequest)
    (f"{PACKAGE}.cookies", f"{PACKAGE}.models"),  # MockRequest over a PreparedRequest
}


def _full_name(name: str) -> str:
    return PACKAGE if name == "__init__" else f"{PACKAGE}.{name}"


RANK = {_full_name(name): rank for rank, layer in enumerate(LAYERS) for name in layer}


def test_every_module_is_in_exactly_one_layer() -> None:
    placed = [_full_name(name) for layer in LAYERS for name in layer]
    twice = sorted({name for name in placed if placed.count(name) > 1})
    assert twice == [], f"placed in more than one layer: {twice}"
    unplaced = sorted(set(MODULES) - set(placed))
    assert unplaced == [], f"not placed in LAYERS: {unplaced}"
    unknown = sorted(set(placed) - set(MODULES))
    assert unknown == [], f"placed in LAYERS but not a module of the package: {unknown}"


def test_imports_run_downward() -> None:
    def allowed(edge: Edge) -> bool:
        importer, imported = RANK[edge.importer], RANK[edge.imported]
        if (edge.importer, edge.imported) in LAZY_UPWARD:
            return True
        if edge.type_checking_only and (edge.importer, edge.imported) in TYPE_ONLY_UPWARD:
            return True
        return importer < imported or (importer == imported and LAYERS[importer] in OPEN_LAYERS)

    placed = [edge for edge in EDGES if {edge.importer, edge.imported} <= RANK.keys()]
    upward = [edge for edge in placed if not allowed(edge)]
    assert not upward, "imports up or across the layers:\n" + listing(upward)


FRONT_DOOR = f"{PACKAGE}._transport"


def _in_transport(module: str) -> bool:
    return module == FRONT_DOOR or module.startswith(FRONT_DOOR + ".")


INTO_TRANSPORT = [e for e in EDGES if _in_transport(e.imported) and not _in_transport(e.importer)]


def test_the_transport_is_entered_by_its_front_door_only() -> None:
    behind = [edge for edge in INTO_TRANSPORT if edge.imported != FRONT_DOOR]
    assert not behind, f"import {FRONT_DOOR} itself, not its submodules:\n" + listing(behind)


def test_only_the_adapter_enters_the_transport() -> None:
    others = [edge for edge in INTO_TRANSPORT if edge.importer != f"{PACKAGE}.adapters"]
    assert not others, f"only {PACKAGE}.adapters imports the transport:\n" + listing(others)


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
