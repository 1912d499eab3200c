"""Every module lists its public names in ``__all__``, and ``__all__`` tells the truth.

For each module of :mod:`backbeat_fuzz`: ``__all__`` exists, every name in it exists, and every
function or class the module defines at top level without a leading underscore is in it, unless
it is listed in :data:`INTERNAL` with the reason it is public to the package only. Read from the
source (:mod:`ast`), so what is imported into a module is not mistaken for what it defines.
The documented API (docs/api.md) is exactly the ``__all__`` of the modules it lists, and every
import the README and the docs show is of a documented name.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import backbeat_fuzz

PACKAGE = Path(backbeat_fuzz.__file__).parent
ROOT = PACKAGE.parent


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _modules()

#: module -> {name: why it is public (no underscore) yet not exported}.
INTERNAL: dict[str, dict[str, str]] = {
    "backbeat_fuzz.ci_snippets": {"main": "the click command of backbeat-fuzz ci-snippets"},
    "backbeat_fuzz.examples": {"check_command": "the click command of backbeat-fuzz examples"},
    "backbeat_fuzz.pytest_plugin": {
        "pytest_addoption": "a pytest hook: pytest finds it by name",
        "pytest_collection_modifyitems": "a pytest hook: pytest finds it by name",
        "pytest_configure": "a pytest hook: pytest finds it by name",
        "pytest_report_header": "a pytest hook: pytest finds it by name",
    },
}


def _private(module: str) -> bool:
    return any(part.startswith("_") and part != "__init__" for part in module.split("."))


PUBLIC = [m for m in MODULES if not _private(m)]


def _source(module: str) -> ast.Module:
    path = PACKAGE.parent / Path(*module.split("."))
    file = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return ast.parse(file.read_text(encoding="utf-8"))


def _defined(tree: ast.Module) -> set[str]:
    """Functions and classes the module defines at top level (``if`` blocks included)."""
    found: set[str] = set()
    nodes = list(tree.body)
    while nodes:
        node = nodes.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.If | ast.Try):
            nodes += [*node.body, *node.orelse]
    return found


@pytest.mark.parametrize("name", PUBLIC)
def test_all_lists_the_public_names_and_only_existing_ones(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what does not exist: {missing}"
    public = {n for n in _defined(_source(name)) if not n.startswith("_")}
    left_out = public - set(exported) - set(INTERNAL.get(name, {}))
    assert not left_out, f"{name} defines public names not in __all__: {sorted(left_out)}"


def test_private_modules_export_nothing() -> None:
    """A module whose name starts with ``_`` is the package's own (its names are for the module
    that imports it, not for users): it has no ``__all__``, or an empty one, so nothing reads
    it as API and ``from backbeat_fuzz._compiled import *`` offers nothing."""
    private = [m for m in MODULES if _private(m)]
    exporting = {m: getattr(importlib.import_module(m), "__all__", []) for m in private}
    assert "backbeat_fuzz._compiled" in private
    assert not any(exporting.values()), {m: a for m, a in exporting.items() if a}


def test_the_internal_list_names_only_what_exists() -> None:
    for name, reasons in INTERNAL.items():
        assert set(reasons) <= _defined(_source(name)), name
        assert all(reasons.values()), name


def _documented() -> dict[str, list[str]]:
    """docs/api.md: module (a ``## `name``` heading) -> the names listed under it, in order."""
    documented: dict[str, list[str]] = {}
    module = None
    for line in (ROOT / "docs" / "api.md").read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"## `([\w.]+)`", line)
        listed = re.match(r"- `(\w+)`:", line)
        if heading:
            module = documented.setdefault(heading[1], [])
        elif listed and module is not None:
            module.append(listed[1])
    return documented


DOCUMENTED = _documented()


def test_the_documented_api_is_each_modules_all() -> None:
    assert set(DOCUMENTED) == {"backbeat_fuzz", "backbeat_fuzz.strategies"}
    for name, listed in DOCUMENTED.items():
        exported = importlib.import_module(name).__all__
        assert len(set(listed)) == len(listed), f"docs/api.md lists a name twice under {name}"
        assert set(listed) == set(exported), (
            f"{name}: in __all__ but not docs/api.md: {sorted(set(exported) - set(listed))}; "
            f"in docs/api.md but not __all__: {sorted(set(listed) - set(exported))}"
        )


_IMPORT = re.compile(r"^from (backbeat_fuzz[\w.]*) import ([\w, ]+)$", re.MULTILINE)


def _shown_imports() -> list[tuple[str, str, str]]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [
        (page.name, module, name.strip())
        for page in pages
        for module, names in _IMPORT.findall(page.read_text(encoding="utf-8"))
        for name in names.split(",")
    ]


def test_every_import_the_docs_show_is_of_a_documented_name() -> None:
    shown = _shown_imports()
    assert len(shown) >= 5, shown  # the README's examples are found at all
    undocumented = [s for s in shown if s[2] not in DOCUMENTED.get(s[1], [])]
    assert not undocumented, f"(page, module, name) not in docs/api.md: {undocumented}"
