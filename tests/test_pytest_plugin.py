"""The pytest plugin, as a user meets it: a fresh project, its handler, and ``pytest --backbeat-*``.

The runs that load the plugin through its ``pytest11`` entry point (as an installed
backbeat-fuzz does) are subprocesses, so the campaign, Hypothesis profiles and worker processes
never touch this test session.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from backbeat_fuzz.contract import packaged_schemas_dir
from backbeat_fuzz.corpus import Corpus, CorpusEntry, Expected
from backbeat_fuzz.model import Outcome

pytest_plugins = ["pytester"]

#: A handler with two planted bugs: a trailing newline in ``hlc`` is dropped before validation
#: (so ``"7ffd:0001:abcd\n"`` is accepted), and the optional ``progress`` of a StatusClaim is
#: read as if it were required (a valid claim without it crashes).
BUGGY = r"""
import json
import re

from backbeat_fuzz import MessageValidator

_VALIDATOR = MessageValidator()


def handle(text):
    text = re.sub(r'("hlc":"[^"]*)\\n"', r'\1"', text)
    result = _VALIDATOR.validate_message_string(text)
    if not result.valid:
        raise ValueError(result.errors[0].message)
    message = json.loads(text)
    if message["type"] == "backbeat.statusclaim.v1":
        float(message["progress"])
"""

#: The same consumer without the bugs: it accepts exactly what the reference validator accepts.
CORRECT = """
from backbeat_fuzz import MessageValidator

_VALIDATOR = MessageValidator()


def handle(text):
    result = _VALIDATOR.validate_message_string(text)
    if not result.valid:
        raise ValueError(result.errors[0].message)
"""

CAMPAIGN = (
    "--backbeat-target",
    "svc.handle",
    "--backbeat-seed",
    "1",
    "--backbeat-max-examples",
    "20",
    "--backbeat-database",
    "none",
    "-p",
    "no:cacheprovider",
    "-W",
    "error",
)
SHRUNK_HLC = (
    '  message:   {"type":"backbeat.beatframe.v1","cluster_id":"chorus-prod","beat_index":1337,'
    '"downbeat":false,"phase":"execute","hlc":"7ffd:0001:abcd\\n",'
    '"deadline_at":"2025-09-05T12:30:00Z","tempo_bpm":2.0,'
    '"window_id":"7e9b0e6c4c9a4e59b7f2d9a3c1b2e4d5"}'
)


def _items(output: str) -> list[str]:
    """The node ids ``--collect-only -q`` lists."""
    return [line for line in output.splitlines() if "::" in line]


def test_a_users_planted_bugs_fail_their_items_and_the_fix_passes_them(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(svc=BUGGY)
    found = pytester.runpytest_subprocess(*CAMPAIGN, "-v")
    found.assert_outcomes(failed=3, passed=3)
    found.stdout.fnmatch_lines(
        [
            "backbeat-fuzz: target svc.handle, seed 1 (rerun with --backbeat-seed 1), *",
            "*backbeat::conformance[[]beatframe-valid[]] PASSED*",
            "*backbeat::conformance[[]beatframe-invalid[]] FAILED*",
            "*backbeat::conformance[[]statusclaim-valid[]] FAILED*",
        ]
    )
    output = found.stdout.str()
    # the shrunk message, the rule and the outcome of each planted bug
    assert "false_accept: accepts invalid hlc [hlc], seen on beatframe (hlc.pattern)" in output
    assert SHRUNK_HLC in output
    assert "  signature: false_accept: beatframe hlc\n  outcome:   false_accept\n" in output
    assert "  rule:      hlc.pattern\n" in output
    assert '  changed:   hlc="7ffd:0001:abcd\\n"\n' in output
    assert "  note:      trailing newline" in output
    assert re.search(r"^crash: crashes: KeyError.* \[progress\], seen on statusclaim", output, re.M)
    claim = re.search(r'  message:   (\{"type":"backbeat\.statusclaim\.v1".*\})', output)
    assert claim is not None and '"progress"' not in claim.group(1)
    assert re.search(
        r"^1 finding in \d+ statusclaim valid messages sent to svc\.handle \(seed 1;", output, re.M
    )

    # the findings are in the corpus, and each entry is an item of the next run
    entries = sorted(p.stem for p in pytester.path.glob("corpus/*/*.json") if ".meta" not in p.name)
    assert [name.rsplit("--", 1)[0] for name in entries] == [
        "crash--KeyError_at_svc.py_16_in_handle_progress",
        "false_accept--beatframe_hlc",
        "false_accept--statusclaim_hlc",
    ]
    replayed = pytester.runpytest_subprocess(*CAMPAIGN, "-k", "corpus")
    replayed.assert_outcomes(failed=3, deselected=6)
    replayed.stdout.fnmatch_lines(
        [
            "*backbeat corpus entry false_accept--beatframe_hlc--*",
            "still fails: false_accept: accepts invalid hlc [[]hlc[]], seen on beatframe *",
            "  signature: false_accept: beatframe hlc",
        ]
    )

    pytester.makepyfile(svc=CORRECT)
    fixed = pytester.runpytest_subprocess(*CAMPAIGN, "-v")
    fixed.assert_outcomes(passed=9)
    fixed.stdout.fnmatch_lines([f"*backbeat::corpus[[]{entries[0]}[]] PASSED*"])


def test_k_selects_items_by_kind_and_direction(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(svc=CORRECT)
    beatframe = pytester.runpytest_subprocess(*CAMPAIGN, "--collect-only", "-q", "-k", "beatframe")
    assert _items(beatframe.stdout.str()) == [
        "backbeat::conformance[beatframe-valid]",
        "backbeat::conformance[beatframe-invalid]",
    ]
    claims = pytester.runpytest_subprocess(
        *CAMPAIGN, "-k", "statusclaim and not invalid", "-m", "backbeat"
    )
    claims.assert_outcomes(passed=1, deselected=5)


def test_corpus_entries_of_backbeat_corpus_match_k_by_their_kind(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(svc=CORRECT)
    entry = CorpusEntry(
        "barreport", None, "root.type", Expected.REJECT, Outcome.FALSE_ACCEPT, b"[]"
    )
    not_utf8 = CorpusEntry(
        "beatframe", None, "json.invalid_utf8", Expected.REJECT, Outcome.CRASH, b'{"a":"\xff"}'
    )
    for saved in (entry, not_utf8):
        Corpus(pytester.path / "regressions").save(saved)
    corpus = ("--backbeat-corpus", "regressions")
    result = pytester.runpytest_subprocess(
        *CAMPAIGN, *corpus, "--collect-only", "-q", "-k", "barreport"
    )
    assert _items(result.stdout.str()) == [
        "backbeat::conformance[barreport-valid]",
        "backbeat::conformance[barreport-invalid]",
        f"backbeat::corpus[{entry.stem}]",
    ]
    replayed = pytester.runpytest_subprocess(*CAMPAIGN, *corpus, "-k", "corpus", "-rs")
    replayed.assert_outcomes(passed=1, skipped=1, deselected=6)
    replayed.stdout.fnmatch_lines(
        [f"SKIPPED * corpus entry {not_utf8.stem}.json: not UTF-8, and the target takes text"]
    )


def test_without_a_target_the_plugin_adds_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine="def test_mine():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)
    assert "backbeat" not in result.stdout.str().replace("backbeat-fuzz-", "")
    assert not (pytester.path / "corpus").exists()


def test_strategies_fixture_and_ci_profile_in_a_users_property_tests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_props="""
        from hypothesis import given, settings
        from backbeat_fuzz.strategies import invalid_messages, valid_messages


        def test_the_ci_profile_is_loaded():
            assert settings.get_current_profile_name() == "backbeat-ci"
            assert settings().max_examples == 200 and settings().deadline is None
            assert settings().derandomize and settings().database is None


        @settings(max_examples=20)
        @given(valid_messages("beatframe"))
        def test_valid(backbeat_validator, message):
            assert backbeat_validator.validate_message(message).valid


        @settings(max_examples=20)
        @given(invalid_messages("statusclaim", rules=["hlc"]))
        def test_invalid(backbeat_validator, mutant):
            assert mutant.rule in backbeat_validator.validate_message_string(mutant.data).rules
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-W", "error", "--hypothesis-profile=backbeat-ci"
    )
    result.assert_outcomes(passed=3)


def test_a_conftest_can_load_the_ci_profile_from_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the plugin's docstring shows: the profile exists when conftest.py is imported."""
    pytester.makeconftest(
        """
        import os
        from hypothesis import settings

        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
        """
    )
    pytester.makepyfile(
        test_profile="""
        from hypothesis import settings


        def test_the_ci_profile_is_loaded():
            assert settings.get_current_profile_name() == "backbeat-ci"
        """
    )
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "backbeat-ci")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)


def test_the_validator_fixture_reads_backbeat_schemas(pytester: pytest.Pytester) -> None:
    schemas = pytester.mkdir("my-schemas")
    source = packaged_schemas_dir()
    for name in ("statusclaim-v1.schema.json", "rules-v1.json"):
        (schemas / name).write_bytes((source / name).read_bytes())
    pytester.makepyfile(
        test_kinds="""
        def test_kinds(backbeat_validator):
            assert list(backbeat_validator.contract.kinds) == ["statusclaim"]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--backbeat-schemas", "my-schemas")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--backbeat-max-examples", "0"],
            "*--backbeat-max-examples: '0' must be a whole number of at least 1, e.g. 100*",
        ),
        (
            ["--backbeat-timeout", "-1"],
            "*--backbeat-timeout: '-1' must be a positive number of seconds, e.g. 2.0*",
        ),
        (["--backbeat-input", "json"], "*--backbeat-input: invalid choice: 'json'*"),
    ],
)
def test_bad_option_values_are_usage_errors(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    result = pytester.runpytest("--backbeat-target", "svc.handle", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_a_bad_schemas_folder_is_a_one_line_collection_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--backbeat-target", "svc.handle", "--backbeat-schemas", "nope"
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["backbeat-fuzz: schemas folder '*nope' does not exist or is *"])
    assert "Traceback" not in result.stdout.str()


def test_a_target_that_cannot_be_loaded_fails_each_item_in_one_line(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--backbeat-target", "svcx.handle", "-k", "beatframe"
    )
    result.assert_outcomes(failed=2, deselected=4)
    result.stdout.fnmatch_lines(
        ["backbeat-fuzz: cannot import target 'svcx.handle': No module named 'svcx'; *"]
    )
    assert "Traceback" not in result.stdout.str()


# -- the worker imports what the user's tests import ------------------------------------------

#: A conftest that records PYTHONPATH at the end of the session (the plugin must restore it).
RECORD_PYTHONPATH = """
import os

START = os.environ.get("PYTHONPATH")


def pytest_sessionfinish(session):
    with open("pythonpath.txt", "w") as file:
        file.write(repr((START, os.environ.get("PYTHONPATH"))))
"""

VALID_ONLY = ("-k", "(valid and not invalid) or own_import")


def test_pytest_pythonpath_setting_reaches_the_worker(pytester: pytest.Pytester) -> None:
    """``pythonpath = src`` (the src layout): the items pass and fail as the handler deserves."""
    pytester.makeini("[pytest]\npythonpath = src\n")
    pytester.mkdir("src")
    (pytester.path / "src" / "svc.py").write_text(BUGGY)
    pytester.makeconftest(RECORD_PYTHONPATH)
    pytester.makepyfile(test_own="import svc\n\ndef test_own_import():\n    assert svc.handle\n")
    result = pytester.runpytest_subprocess(*CAMPAIGN, *VALID_ONLY, "-v")
    result.assert_outcomes(passed=3, failed=1, deselected=3)  # test_own_import and two kinds
    result.stdout.fnmatch_lines(["*conformance[[]statusclaim-valid[]] FAILED*"])
    assert "cannot import target" not in result.stdout.str()
    assert re.search(
        r"^crash: crashes: KeyError.* \[progress\], seen on statusclaim", result.stdout.str(), re.M
    )
    start, end = ast.literal_eval((pytester.path / "pythonpath.txt").read_text())
    assert start == end  # set only while the backbeat items ran

    (pytester.path / "src" / "svc.py").write_text(CORRECT)
    fixed = pytester.runpytest_subprocess(*CAMPAIGN, *VALID_ONLY)
    fixed.assert_outcomes(passed=5, deselected=3)  # the first run's corpus entry passes too


def test_the_rootdir_reaches_the_worker_when_pytest_runs_from_a_subfolder(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(svc=CORRECT)
    tests = pytester.mkdir("tests")
    monkeypatch.chdir(tests)  # pytester puts the current folder on PYTHONPATH: not the root
    result = pytester.runpytest_subprocess(*CAMPAIGN, "-k", "beatframe-valid")
    result.assert_outcomes(passed=1, deselected=5)


# -- the README's own property-test example, on a cold checkout --------------------------------

ROOT = Path(__file__).resolve().parents[1]
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)

#: What the README example assumes around it: a handler that accepts valid messages (returns
#: True) and raises ValueError on invalid ones.
README_PRELUDE = """
import json

import pytest

from backbeat_fuzz import MessageValidator

_VALIDATOR = MessageValidator()


def handle(text):
    result = _VALIDATOR.validate_message_string(text)
    if not result.valid:
        raise ValueError(result.errors[0].message)
    return True
"""


def _readme_given_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [
        b for b in _PYTHON_BLOCK.findall(readme) if '@given(valid_messages("beatframe"))' in b
    ]
    return block


def test_the_readme_example_suppresses_no_health_check() -> None:
    example = _readme_given_example()
    assert "suppress_health_check" not in example and "settings" not in example


def test_the_readme_given_example_passes_on_a_cold_checkout(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``.hypothesis/`` yet, Hypothesis's default health checks: both README tests pass."""
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    monkeypatch.delenv("CI", raising=False)  # the default profile, as on a laptop
    pytester.makepyfile(test_readme=README_PRELUDE + _readme_given_example())
    assert not (pytester.path / ".hypothesis").exists()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    assert "FailedHealthCheck" not in result.stdout.str()
    result.assert_outcomes(passed=2)
