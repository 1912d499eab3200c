"""The official JSON-Schema-Test-Suite (draft 2020-12) run through the oracle, case by case.

The suite is vendored in ``tests/json-schema-test-suite/`` (``BACKBEAT_JSON_SCHEMA_TEST_SUITE``
points at another copy). A missing suite fails the run, unless
``BACKBEAT_ALLOW_MISSING_SUITE=1`` turns that into a skip. Cases that cannot pass are skipped by
name from :data:`SKIPS`, each with its reason; a test keeps that table honest.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from _suite import DRAFT, OPTIONAL_FILES, SKIPS, SuiteTest
from _suite import cases as _cases
from _suite import files as _files
from _suite import require_suite as _require_suite
from _suite import tests as _tests

from backbeat_fuzz.oracle import SchemaOracle


def _params() -> list[Any]:
    if not DRAFT.is_dir():
        return [pytest.param(None, id="suite-missing")]
    return [
        pytest.param(
            test,
            id=test.id,
            marks=[pytest.mark.skip(reason=SKIPS[key])]
            if (key := (test.file, test.case)) in SKIPS
            else [],
        )
        for test in _tests()
    ]


@pytest.mark.parametrize("test", _params())
def test_suite_case(test: SuiteTest | None) -> None:
    _require_suite()
    assert test is not None
    oracle = SchemaOracle(test.schema)
    assert oracle.is_valid(test.data) is test.valid
    assert (oracle.violations(test.data) == []) is test.valid


def test_the_suite_holds_every_file_we_run() -> None:
    _require_suite()
    assert len([f for f in _files() if "/" not in f]) >= 40
    assert [f for f in OPTIONAL_FILES if not (DRAFT / f).is_file()] == []


def test_every_skip_names_an_existing_case() -> None:
    _require_suite()
    existing = {(file, case["description"]) for file in _files() for case in _cases(file)}
    assert sorted(set(SKIPS) - existing) == []


def _fails(test: SuiteTest) -> bool:
    try:
        oracle = SchemaOracle(test.schema)
        return oracle.is_valid(test.data) is not test.valid
    except Exception:  # an unresolvable remote $ref, for instance
        return True


def test_every_skipped_case_still_fails() -> None:
    """A skip whose case now passes is stale: delete it from SKIPS."""
    _require_suite()
    failing = {(t.file, t.case) for t in _tests() if (t.file, t.case) in SKIPS and _fails(t)}
    assert sorted(set(SKIPS) - failing) == []


def test_the_vendored_suite_carries_its_licence_and_origin() -> None:
    """The copy in tests/ is what a fresh clone runs: it says where it came from (MIT)."""
    vendored = Path(__file__).resolve().parent / "json-schema-test-suite"
    assert "Permission is hereby granted" in (vendored / "LICENSE").read_text(encoding="utf-8")
    readme = (vendored / "README.md").read_text(encoding="utf-8")
    assert "json-schema-org/JSON-Schema-Test-Suite" in readme
    assert re.search(r"commit `[0-9a-f]{40}`", readme)
    assert (vendored / "draft2020-12").is_dir()
