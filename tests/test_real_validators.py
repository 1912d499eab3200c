"""Real JSON Schema validators as consumers: no false report, and exactly the documented ones.

Three validators users pick, each fed the packaged schemas and run as a campaign target:
``jsonschema`` Draft 2020-12 with its format checker, ``jsonschema-rs``, and ajv 2020 with
ajv-formats behind the Node.js ``stdio:`` adapter (the persistent form of a ``cmd:`` target; the
npm packages are installed once per machine from ``tests/consumers/ajv/package-lock.json``).

For each: no ``json.too_deep`` finding (a probe: nesting past 64 is an implementation limit,
either verdict is right), every finding is true by the reference validator, and the set of
findings is exactly the table below, so a new kind of finding fails the test. What each gets
wrong, and why, is in docs/integration-guide.md ("What real validators get wrong").
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _fuzzing import CONSUMERS, TESTS, assert_findings_are_true

from backbeat_fuzz import load_contract
from backbeat_fuzz.contract import packaged_schemas_dir
from backbeat_fuzz.findings import field_group
from backbeat_fuzz.generate.jsontext import TEXT_MUTATIONS
from backbeat_fuzz.harness import CampaignConfig, run_campaign
from backbeat_fuzz.model import Verdict
from backbeat_fuzz.targets import load_target

AJV_DIR = CONSUMERS / "ajv"
PROBE = "json.too_deep"

#: Python's json.loads takes what the strict JSON-text rules of the contract forbid.
_JSON_LOADS = {
    ("false_accept", kind, "json.duplicate_key")
    for kind in ("beatframe", "statusclaim", "barreport")
} | {("false_accept", "statusclaim", "json.lone_surrogate")}
#: The cross-field rules (rules-v1.json) are not JSON Schema: no validator knows them.
_CROSS_FIELD = {
    ("false_accept", "barreport", "rules.from_beat_le_to_beat"),
    ("false_accept", "barreport", "rules.on_time_reviews_le_agents_reporting"),
}

#: (outcome, kind, field group of the rule, or "valid <fields>" for a valid message), each
#: with why the validator gets it wrong.
EXPECTED: dict[str, set[tuple[str, str, str]]] = {
    "jsonschema": _JSON_LOADS
    | _CROSS_FIELD
    | {
        # re's $ matches before a trailing "\n": "chorus-prod\n" passes ^...$ patterns
        ("false_accept", "beatframe", "cluster_id"),
        ("false_accept", "beatframe", "hlc"),
        ("false_accept", "beatframe", "window_id"),
        ("false_accept", "statusclaim", "hlc"),
        ("false_accept", "barreport", "window_id"),
        ("false_accept", "barreport", "issues[]"),
        # rfc3339-validator: its regex ends in $ (a trailing newline passes), and it refuses
        # the leap second 23:59:60 that RFC 3339 allows
        ("false_accept", "beatframe", "deadline_at"),
        ("false_reject", "beatframe", "valid deadline_at"),
        # json.loads makes NaN, Infinity and 1e400 floats; comparisons with NaN are false and
        # tempo_drift_ms ("any finite number") has no bound, so they pass "type": "number"
        ("false_accept", "beatframe", "json.nan"),
        ("false_accept", "statusclaim", "json.nan"),
        ("false_accept", "barreport", "json.nan"),
        ("false_accept", "barreport", "json.infinity"),
        ("false_accept", "barreport", "json.number_overflow"),
    },
    # Rust's regex $ is the end of text, its date-time check is strict, and NaN/inf become
    # null (not a number); a 400-digit integer stays an exact int, a valid "number"
    "jsonschema-rs": _JSON_LOADS
    | _CROSS_FIELD
    | {("false_accept", "barreport", "json.number_overflow")},
    # JSON.parse keeps the last duplicate key, takes "\ud800", and reads a 400-digit integer
    # as Infinity, which ajv's "number" takes; ajv-formats' date-time takes a space for T, an
    # offset without a colon (+0000) and an hour-only offset (+01)
    "ajv": {*_JSON_LOADS, *_CROSS_FIELD}
    | {
        ("false_accept", "beatframe", "deadline_at"),
        ("false_accept", "barreport", "json.number_overflow"),
    },
}


@dataclass(frozen=True)
class RealValidator:
    """One real validator as a target: its name and its ``--target`` spec."""

    name: str
    target: str


def _npm_install(folder: Path) -> Path:
    """Install the locked ajv packages into *folder* (once); return its ``node_modules``."""
    modules = folder / "node_modules"
    if (modules / "ajv-formats" / "package.json").is_file():
        return modules
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail(
            "node and npm are needed for the ajv consumer: install Node.js (apt nodejs npm)"
        )
    staging = folder.with_name(folder.name + f".{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(AJV_DIR / name, staging / name)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(staging)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return modules


@pytest.fixture(scope="session")
def ajv_modules(request: pytest.FixtureRequest) -> Path:
    """ajv and ajv-formats at the locked versions, cached by the lock file's hash."""
    lock = hashlib.sha256((AJV_DIR / "package-lock.json").read_bytes()).hexdigest()[:12]
    return _npm_install(request.config.cache.mkdir(f"ajv-{lock}"))


@pytest.fixture(scope="session")
def validators(ajv_modules: Path) -> dict[str, RealValidator]:
    """Every real validator as a target spec, by name."""
    node = shlex.join(
        ["node", str(AJV_DIR / "consumer.js"), str(ajv_modules), str(packaged_schemas_dir())]
    )
    return {
        v.name: v
        for v in (
            RealValidator("jsonschema", "consumers.jsonschema_formats:handle"),
            RealValidator("jsonschema-rs", "consumers.jsonschema_rs:handle"),
            RealValidator("ajv", f"stdio:{node}"),
        )
    }


def _keys(finding: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(outcome, kind, field group) of every kind and rule a finding was seen under."""
    fields = " ".join(finding["fields"])
    for shown in [finding, *finding["witnesses"]]:
        rule = shown["rule"]
        yield finding["outcome"], shown["kind"], field_group(rule) if rule else f"valid {fields}"


@pytest.fixture(scope="session")
def reports(validators: dict[str, RealValidator]) -> dict[str, dict[str, Any]]:
    """The JSON report of one small campaign against each validator, by name.

    ``max_examples=20`` after the coverage phase (which sends every mutation variant once); a
    10 s timeout, so a loaded machine cannot turn a slow answer into a hang.
    """
    with pytest.MonkeyPatch.context() as patch:
        _consumers_importable(patch)
        return {name: _campaign(validator) for name, validator in validators.items()}


def _consumers_importable(patch: pytest.MonkeyPatch) -> None:
    """Let target workers import ``consumers.<module>``."""
    paths = [str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])]
    patch.setenv("PYTHONPATH", os.pathsep.join(paths))


def _campaign(validator: RealValidator) -> dict[str, Any]:
    config = CampaignConfig(
        target=validator.target,
        seed=1,
        max_examples=20,
        timeout=10.0,
        corpus_dir=None,
        database=None,
    )
    return run_campaign(config).to_dict()


NAMES = sorted(EXPECTED)


@pytest.mark.parametrize("name", NAMES)
def test_a_real_validator_accepts_the_depth_probe(
    name: str, validators: dict[str, RealValidator], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The premise of the probe check: each validator does accept the 65-deep message."""
    _consumers_importable(monkeypatch)
    with load_target(validators[name].target) as target:
        for kind in load_contract().kinds.values():
            example = kind.schema["examples"][0]
            for edit in TEXT_MUTATIONS[PROBE](example):
                response = target.call(edit.value, None)
                assert response.verdict is Verdict.ACCEPTED, (kind.name, response)


@pytest.mark.parametrize("name", NAMES)
def test_a_real_validator_gets_no_depth_probe_finding(
    name: str, reports: dict[str, dict[str, Any]]
) -> None:
    report = reports[name]
    probed = [f for f in report["findings"] if any(k[2] == PROBE for k in _keys(f))]
    assert probed == []
    assert all(cell["invalid"] > 0 and cell["valid"] > 0 for cell in report["counts"].values())


@pytest.mark.parametrize("name", NAMES)
def test_every_finding_of_a_real_validator_is_true(
    name: str, reports: dict[str, dict[str, Any]]
) -> None:
    assert_findings_are_true(reports[name]["findings"])


@pytest.mark.parametrize("name", NAMES)
def test_a_real_validator_gets_exactly_the_documented_findings(
    name: str, reports: dict[str, dict[str, Any]]
) -> None:
    findings = reports[name]["findings"]
    found = {key for finding in findings for key in _keys(finding)}
    assert found == EXPECTED[name], {
        "unexpected": found - EXPECTED[name],
        "missing": EXPECTED[name] - found,
    }
    assert {f["outcome"] for f in findings} <= {"false_accept", "false_reject"}
