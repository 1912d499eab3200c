"""The package's import graph: no circle among module-level imports, layers only import upward.

Built from the source with :mod:`ast` (nothing is imported). A module-level import runs when the
module is loaded; one inside a function runs when it is called (a deliberate late import, which
may point anywhere without a circle at load time); one under ``if TYPE_CHECKING`` never runs.
The layers are ARCHITECTURE.md's diagram, top to bottom: a module may import its own row and the
rows above it, never a row below.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import backbeat_fuzz

PACKAGE = Path(backbeat_fuzz.__file__).parent
ROOT = PACKAGE.parent

#: ARCHITECTURE.md's rows, top to bottom (module paths relative to the package, no ``.py``).
LAYERS: list[set[str]] = [
    {"errors", "defaults", "vocabulary"},
    {"_re2_syntax"},
    {"jsontext", "formats", "ecma"},
    {"resolver"},
    {"contract", "rules", "rulenames"},
    {"model", "findings", "signature"},
    {"oracle", "_compiled", "_keywords", "_nodes", "_semantics", "_messages"},
    {"validator", "_fastcheck", "_fastparse", "_fastpattern"},
    {"__init__"},
    {"generate/__init__", "generate/canonical"},
    {"generate/formats_values"},
    {"generate/values", "generate/text"},
    {"generate/edits", "generate/formats_violations"},
    {"generate/near_misses"},
    {"generate/violators", "generate/jsontext"},
    {"generate/mutations"},
    {"generate/edges"},
    {"generate/simplest"},
    {"generate/plan"},
    {"generate/boundaries", "generate/coverage"},
    {"generate/lean"},
    {"session", "strategies"},
    {"targets/_worker"},
    {"targets/base"},
    {"targets/_group", "targets/_process", "targets/_program"},
    {"targets/_pyfailures"},
    {"targets/python", "targets/command", "targets/stdio", "targets/http"},
    {"targets/spec", "targets/__init__"},
    {"corpus"},
    {"report/_files", "report/model"},
    {"report/jsonfile", "report/merge", "report/junit", "report/sarif", "report/text"},
    {"report/__init__", "baseline"},
    {"minimize"},
    {"replay", "database"},
    {"campaign/__init__", "campaign/config", "campaign/constants"},
    {"campaign/planning", "campaign/observations"},
    {"campaign/exploration"},
    {"campaign/runner"},
    {"campaign/run", "harness"},
    {"_workqueue", "_campaign_worker", "workers"},
    {"seeding", "compat_report", "compat", "examples"},
    {"ci_snippets", "ci_templates", "demo"},
    {"cli/__init__", "cli/_walk", "cli/_stdin", "cli/_output", "cli/_options"},
    {"cli/catalogue", "cli/_campaign"},
    {"cli/validate", "cli/compat", "cli/subcommands"},
    {"cli/fuzz"},
    {"pytest_items"},
    {"pytest_plugin"},
]


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE).with_suffix("").as_posix()


def _module_file(parts: list[str]) -> str | None:
    """The package module *parts* names (``["targets", "spec"]`` -> ``targets/spec``), if any."""
    target = "/".join(parts)
    if (PACKAGE / f"{target}.py").is_file():
        return target
    if (PACKAGE / target / "__init__.py").is_file():
        return f"{target}/__init__" if target else "__init__"
    return None


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> Iterator[str]:
    """The package modules an import statement in *module* loads for what it takes: ``from .
    import ecma`` takes the module ``ecma``, ``from . import __version__`` the package itself
    (a package is loaded before its modules anyway, so that alone is no dependency)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            parts = alias.name.split(".")
            if parts[0] == "backbeat_fuzz" and (found := _module_file(parts[1:])):
                yield found
        return
    if node.level:
        head = [*module.split("/")[: -node.level], *(node.module or "").split(".")]
    elif (node.module or "").split(".")[0] == "backbeat_fuzz":
        head = node.module.split(".")[1:]  # type: ignore[union-attr]
    else:
        return
    head = [part for part in head if part]
    for alias in node.names:
        found = _module_file([*head, alias.name])
        yield found or _module_file(head) or "/".join(head)


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str, tree: ast.Module) -> tuple[set[str], set[str]]:
    """(module-level, function-level) package imports of *module*; TYPE_CHECKING ones skipped."""
    top: set[str] = set()
    late: set[str] = set()

    def visit(node: ast.AST, inside: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            (late if inside else top).update(t for t in _resolve(module, node) if t != module)
        func = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inside or func)

    visit(tree, False)
    return top, late


GRAPH = {
    _name(path): _imports(_name(path), ast.parse(path.read_text(encoding="utf-8")))
    for path in sorted(PACKAGE.rglob("*.py"))
}


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import circle in *edges*, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_the_graph_sees_the_imports_it_should() -> None:
    top = GRAPH["validator"][0]
    assert {"contract", "oracle", "rulenames"} <= top
    assert "rules" in GRAPH["_fastcheck"][1]  # a late import, inside a function


def test_no_import_circle_among_module_level_imports() -> None:
    assert _cycle({m: top for m, (top, _) in GRAPH.items()}) is None


def test_no_import_circle_even_through_imports_inside_functions() -> None:
    """A late import may point anywhere without a circle at load time, but none closes one:
    the target factory imports the targets, and they import only the base types back."""
    assert {"targets/command", "targets/http", "targets/python"} <= GRAPH["targets/spec"][1]
    assert _cycle({m: top | late for m, (top, late) in GRAPH.items()}) is None


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_every_module_has_a_layer_and_architecture_md_names_it() -> None:
    layered = set().union(*LAYERS)
    assert set(GRAPH) == layered, (set(GRAPH) - layered, layered - set(GRAPH))
    diagram = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    unnamed = [
        m for m in GRAPH if not m.endswith("__init__") and m.rsplit("/", 1)[-1] not in diagram
    ]
    assert not unnamed, f"ARCHITECTURE.md does not show {unnamed}"


_ROW = {module: row for row, modules in enumerate(LAYERS) for module in modules}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_a_module_imports_only_its_own_layer_and_those_above(module: str) -> None:
    top, late = GRAPH[module]
    below = sorted(t for t in top | late if _ROW[t] > _ROW[module])
    assert not below, f"{module} (row {_ROW[module]}) imports from lower rows: {below}"


def test_every_package_is_shipped_in_the_wheel() -> None:
    """pyproject.toml lists the packages setuptools puts in the wheel; a folder left out is
    missing from every installed copy (``No module named 'backbeat_fuzz.campaign'``)."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    packages = {
        ".".join(path.parent.relative_to(ROOT).parts) for path in PACKAGE.rglob("__init__.py")
    }
    assert packages <= listed, sorted(packages - listed)
