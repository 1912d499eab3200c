"""``backbeat-validate`` against ``check-jsonschema`` on the same 10,000 generated message files,
then ``--file`` on a 1,000,000-line ``.jsonl`` against an orjson + jsonschema-rs loop
(:mod:`validate_stream`).

The files are a deterministic mix (7 valid to 3 invalid) of all three kinds, made from the
examples folder: valid examples with ``beat_index`` (or a count) varied per file, invalid ones
copied byte for byte. ``check-jsonschema`` takes one schema, so the side-by-side comparison runs
both tools on the BeatFrame files with the BeatFrame schema; it asserts ``format: date-time`` by
default (its own RFC 3339 checker) and matches ``pattern`` with ECMA-262 regexes (regress), so
both do comparable work. Both are timed as whole processes, start-up included.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import validate_stream

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCHEMA = ROOT / "schemas" / "beatframe-v1.schema.json"
BIN = Path(sys.executable).parent
TOTAL = 10_000
KINDS = ("beatframe", "statusclaim", "barreport")
#: The field varied per valid file, so no two files are the same.
VARIED = {"beatframe": "beat_index", "statusclaim": "beat_index", "barreport": "to_beat"}
#: Invalid examples left out: check-jsonschema crashes on them (UnicodeDecodeError on invalid
#: UTF-8, UnicodeEncodeError on a lone surrogate escape) instead of reporting them.
EXCLUDED_RULES = ("json.invalid_utf8", "json.lone_surrogate")
TARGET_RATIO = 3.0
#: Each timing is the best of this many runs (the machine's noise, not the tools', is removed).
REPEATS = 3


def _usable(path: Path) -> bool:
    return not any(f"--{rule}--" in path.name for rule in EXCLUDED_RULES)


def _templates(kind: str) -> tuple[list[dict[str, Any]], list[bytes]]:
    valid = [json.loads(p.read_bytes()) for p in sorted(EXAMPLES.glob(f"valid/{kind}-*.json"))]
    invalid = sorted(EXAMPLES.glob(f"invalid/{kind}--*.json"))
    usable = [p.read_bytes() for p in invalid if _usable(p)]
    print(f"  {kind}: {len(valid)} valid and {len(usable)}/{len(invalid)} invalid templates")
    return valid, usable


def _valid_variant(template: dict[str, Any], kind: str, number: int) -> bytes:
    message = {**template, VARIED[kind]: number + template.get("from_beat", 0)}
    return (json.dumps(message, indent=2, ensure_ascii=False) + "\n").encode()


def generate(folder: Path, total: int = TOTAL) -> dict[str, list[Path]]:
    """Write *total* message files below *folder*/<kind>/ and return them by kind."""
    templates = {kind: _templates(kind) for kind in KINDS}
    files: dict[str, list[Path]] = {kind: [] for kind in KINDS}
    for number in range(total):
        kind = KINDS[number % len(KINDS)]
        valid, invalid = templates[kind]
        turn = number // len(KINDS)
        if turn % 10 < 7:
            data = _valid_variant(valid[turn % len(valid)], kind, number)
        else:
            data = invalid[turn % len(invalid)]
        path = folder / kind / f"{number:05d}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        files[kind].append(path)
    return files


def _batches(args: list[str], limit: int) -> list[list[str]]:
    """Split *args* into runs whose total length stays under *limit* bytes."""
    batches: list[list[str]] = [[]]
    size = 0
    for arg in args:
        if batches[-1] and size + len(arg) + 1 > limit:
            batches.append([])
            size = 0
        batches[-1].append(arg)
        size += len(arg) + 1
    return batches


def _timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        raise SystemExit(f"{command[0]} failed (exit {proc.returncode}): {tail}")
    return elapsed, proc


def time_backbeat(folder: Path) -> tuple[float, str]:
    """Best seconds for ``backbeat-validate --dir folder --quiet``, and its summary line."""
    command = [str(BIN / "backbeat-validate"), "--dir", str(folder), "--quiet"]
    runs = [_timed(command) for _ in range(REPEATS)]
    return min(t for t, _ in runs), runs[0][1].stdout.strip().splitlines()[-1]


def time_check_jsonschema(files: list[Path]) -> tuple[float, int]:
    """Best seconds for ``check-jsonschema`` on *files* (batches summed), and the batch count."""
    limit = min(os.sysconf("SC_ARG_MAX") // 2, 1 << 20)
    batches = _batches([str(p) for p in files], limit)
    base = [str(BIN / "check-jsonschema"), "--schemafile", str(SCHEMA)]
    runs = [sum(_timed([*base, *batch])[0] for batch in batches) for _ in range(REPEATS)]
    return min(runs), len(batches)


def _best_of(action: Callable[[], Any]) -> tuple[float, Any]:
    """Best seconds of REPEATS calls of *action*, and its last result."""
    times, result = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def _read_all(files: list[Path]) -> list[bytes]:
    out = []
    for path in files:
        with open(path, "rb", buffering=0) as file:  # as backbeat-validate reads
            out.append(file.readall())
    return out


def _parse_all(data: list[bytes]) -> list[Any]:
    from backbeat_fuzz.jsontext import JsonTextError, parse

    out = []
    for text in data:
        with contextlib.suppress(JsonTextError):
            out.append(parse(text))
    return out


def _per_message(files: list[Path]) -> str:
    """Where backbeat-validate's time goes, in microseconds per message, measured in-process
    (best of REPEATS), and its start-up: one process on one file."""
    from backbeat_fuzz import MessageValidator

    validator = MessageValidator()
    read, data = _best_of(lambda: _read_all(files))
    parsing, _ = _best_of(lambda: _parse_all(data))
    text, _ = _best_of(lambda: [validator.validate_message_string(d) for d in data])
    startup, _ = _best_of(
        lambda: _timed([str(BIN / "backbeat-validate"), "--file", str(files[0]), "--quiet"])
    )
    micro = 1e6 / len(files)
    return (
        f"read {read * micro:.0f}, parse {parsing * micro:.0f}, "
        f"validate {(text - parsing) * micro:.0f} us/message "
        f"(validate_message_string {text * micro:.0f}); start-up {startup:.2f}s"
    )


def _asserts_date_time() -> bool:
    """Whether check-jsonschema rejects a date-only ``deadline_at`` (it asserts formats by
    default; ``--disable-formats`` would turn that off)."""
    date_only = EXAMPLES / "invalid" / "beatframe--deadline_at.format--date-only.json"
    _, proc = _timed([str(BIN / "check-jsonschema"), "--schemafile", str(SCHEMA), str(date_only)])
    return proc.returncode == 1 and "is not a 'date-time'" in proc.stdout


def _invalid_count(summary: str) -> int:
    match = re.search(r"(\d+) invalid", summary)
    return int(match[1]) if match else -1


def run() -> None:
    """Both comparisons: the message files, then the line file."""
    run_files()
    print("  -- a 1,000,000-line .jsonl: backbeat-validate --file vs orjson + jsonschema-rs")
    validate_stream.run()


def run_files() -> None:
    """Generate the files, time both tools on the BeatFrame ones, print seconds and ratio."""
    for tool in ("backbeat-validate", "check-jsonschema"):
        if not (BIN / tool).exists():
            print(f"  {tool} is not installed next to {sys.executable}; run 'make deps'")
            return
    with tempfile.TemporaryDirectory(prefix="backbeat-bench-") as tmp:
        folder = Path(tmp)
        files = generate(folder)
        all_seconds, all_summary = time_backbeat(folder)
        print(f"  backbeat-validate, all {TOTAL} files: {all_seconds:.2f}s ({all_summary})")
        beatframes = files["beatframe"]
        ours, summary = time_backbeat(folder / "beatframe")
        theirs, batches = time_check_jsonschema(beatframes)
        breakdown = _per_message(beatframes)
    count = len(beatframes)
    print(f"  BeatFrame files: {count} ({_invalid_count(summary)} invalid), best of {REPEATS}")
    print(f"  backbeat-validate --dir DIR --quiet:     {ours:.2f}s")
    print(f"  check-jsonschema --schemafile beatframe: {theirs:.2f}s ({batches} batch(es))")
    ratio = theirs / ours
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"  backbeat-validate is {ratio:.1f}x faster ({verdict} the {TARGET_RATIO:.0f}x target)")
    print(f"  backbeat-validate in-process: {breakdown}")
    print(f"  check-jsonschema asserts format date-time: {'yes' if _asserts_date_time() else 'NO'}")
