"""The official JSON-Schema-Test-Suite (draft 2020-12): where it is, what of it runs, its tests.

Shared by the oracle's conformance tests (``test_suite_conformance.py``) and the compiled
engine's (``test_compiled.py``). The suite is vendored in ``tests/json-schema-test-suite/`` (with
its MIT licence and a README saying which commit it is); ``BACKBEAT_JSON_SCHEMA_TEST_SUITE``
points at another copy. Cases that cannot pass are skipped by name from :data:`SKIPS`, each
with its reason.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SUITE = Path(
    os.environ.get("BACKBEAT_JSON_SCHEMA_TEST_SUITE")
    or Path(__file__).resolve().parent / "json-schema-test-suite"
)
DRAFT = SUITE / "draft2020-12"

#: The optional files we run beside every required one (the ones our oracle has semantics for).
OPTIONAL_FILES = [
    "optional/bignum.json",
    "optional/ecmascript-regex.json",
    "optional/float-overflow.json",
    "optional/format-assertion.json",
    "optional/non-bmp-regex.json",
    "optional/format/date-time.json",
    "optional/format/date.json",
    "optional/format/email.json",
    "optional/format/time.json",
    "optional/format/uuid.json",
]

_REMOTE = "needs a remote document (the suite's remotes/, served at localhost:1234), not included"
_ASSERTED = (
    "by design: the contract asserts format, and so does the oracle for date-time, date, time, "
    "uuid and email, where this case expects annotation only (its non-string tests also run in "
    "optional/format/)"
)
_VOCABULARY = (
    "by design: $vocabulary is not implemented (the custom metaschema is a remote document, "
    "not included)"
)
_FORMAT_ASSERTION = (
    "by design: the format-assertion vocabulary is not implemented and ipv4 is not an asserted "
    "format (the custom metaschema is a remote document, not included)"
)

#: (file, case description) -> why the case is skipped.
SKIPS: dict[tuple[str, str], str] = {
    **{
        ("refRemote.json", case): _REMOTE
        for case in [
            "remote ref",
            "fragment within remote ref",
            "anchor within remote ref",
            "ref within remote ref",
            "base URI change",
            "base URI change - change folder",
            "base URI change - change folder in subschema",
            "root ref in remote ref",
            "remote ref with ref to defs",
            "Location-independent identifier in remote ref",
            "retrieved nested refs resolve relative to their URI not $id",
            "remote HTTP ref with different $id",
            "remote HTTP ref with different URN $id",
            "remote HTTP ref with nested absolute ref",
            "$ref to $ref finds detached $anchor",
        ]
    },
    **{
        ("dynamicRef.json", case): _REMOTE
        for case in [
            "strict-tree schema, guards against misspelled properties",
            "tests for implementation dynamic anchor and reference link",
            "$ref and $dynamicAnchor are independent of order - $defs first",
            "$ref and $dynamicAnchor are independent of order - $ref first",
            "$ref to $dynamicRef finds detached $dynamicAnchor",
        ]
    },
    **{
        ("format.json", f"{name} format"): _ASSERTED
        for name in ["date-time", "date", "time", "uuid", "email"]
    },
    (
        "vocabulary.json",
        "schema that uses custom metaschema with with no validation vocabulary",
    ): _VOCABULARY,
    (
        "optional/format-assertion.json",
        "schema that uses custom metaschema with format-assertion: false",
    ): _FORMAT_ASSERTION,
    (
        "optional/format-assertion.json",
        "schema that uses custom metaschema with format-assertion: true",
    ): _FORMAT_ASSERTION,
}


@dataclass(frozen=True)
class SuiteTest:
    """One test of one case of one suite file."""

    file: str
    case: str
    description: str
    schema: Any
    data: Any
    valid: bool

    @property
    def id(self) -> str:
        return f"{self.file}::{self.case}::{self.description}"


def files() -> list[str]:
    """Every suite file we run: each required one, then :data:`OPTIONAL_FILES` present."""
    required = sorted(p.name for p in DRAFT.glob("*.json"))
    return required + [f for f in OPTIONAL_FILES if (DRAFT / f).is_file()]


def cases(file: str) -> list[dict[str, Any]]:
    """The cases of one suite file."""
    return json.loads((DRAFT / file).read_text(encoding="utf-8"))


def tests() -> list[SuiteTest]:
    """Every test of every case of :func:`files`, skipped ones included."""
    return [
        SuiteTest(
            file,
            case["description"],
            test["description"],
            case["schema"],
            test["data"],
            test["valid"],
        )
        for file in files()
        for case in cases(file)
        for test in case["tests"]
    ]


def require_suite() -> None:
    """Fail (or skip, with ``BACKBEAT_ALLOW_MISSING_SUITE=1``) when the suite is missing."""
    if DRAFT.is_dir():
        return
    message = (
        f"JSON-Schema-Test-Suite not found at {DRAFT}: put the suite's draft2020-12 folder "
        "there, or set BACKBEAT_JSON_SCHEMA_TEST_SUITE to the folder that holds draft2020-12/ "
        "(BACKBEAT_ALLOW_MISSING_SUITE=1 skips instead)"
    )
    if os.environ.get("BACKBEAT_ALLOW_MISSING_SUITE") == "1":
        pytest.skip(message)
    pytest.fail(message)
