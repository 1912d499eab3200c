"""``backbeat-validate --file`` on a 1,000,000-line ``.jsonl`` against an orjson + jsonschema-rs
loop over the same lines: seconds (as ratios) and peak memory, measured side by side.

The file (``bench/.data/``, gitignored, made once and deterministically) cycles through every
valid example of the three kinds, compacted to one line, with ``beat_index`` (or ``to_beat``)
and ``hlc`` varied per line (ids such as ``cluster_id`` and ``window_id`` repeat, as in a
stream); every 100th line is an invalid example instead (1%), its bytes kept with their
newlines turned into spaces. The loop is the floor a Python program gets from two Rust engines:
``orjson.loads`` each line, pick the jsonschema-rs validator (formats asserted) by ``type``, call
``is_valid``. It is not as strict as ``backbeat-validate`` (orjson keeps the last of duplicate
keys, jsonschema-rs knows no cross-field rule), so the two invalid counts are printed side by
side. Each side is a whole process, start-up included.

The machine is shared, so one timing says little: :data:`ROUNDS` rounds each run every side once,
in turns, and each round's ratios are taken within the round (a side's seconds over the floor's
of the same round). The median wall-time ratio is the result, printed with the lowest and
highest of the rounds (the spread), beside the same for CPU time (user + system, which other
processes' load disturbs less) and the load average before and after; peak memory is the
highest ``VmHWM`` (Linux) any round saw, read from ``/proc`` while the process runs.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple

from side_env import side_python

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA = ROOT / "bench" / ".data"
BIN = Path(sys.executable).parent
LINES = 1_000_000
INVALID_EVERY = 100
#: Bump when the file's recipe changes, so an old file is not reused.
RECIPE = 2
STREAM = DATA / f"stream-{LINES}-r{RECIPE}.jsonl"
SIDE_PACKAGES = {"orjson": "3.13.0", "jsonschema-rs": "0.61.2"}
TARGET_RATIO = 3.0
MEMORY_LIMIT_MIB = 100
ROUNDS = 5
#: Repeats of the in-process per-line timings (each the best of them).
REPEATS = 3
VARIED = ("beat_index", "to_beat")
FLOOR_SIDE = "orjson + jsonschema-rs loop"

#: The floor: ``python -c FLOOR SCHEMAS FILE`` prints ``{"valid": N, "invalid": M}``.
FLOOR = """
import glob, json, sys
import jsonschema_rs, orjson
validators = {}
for path in sorted(glob.glob(sys.argv[1] + "/*.schema.json")):
    schema = json.load(open(path, encoding="utf-8"))
    validators[schema["properties"]["type"]["const"]] = jsonschema_rs.validator_for(
        schema, validate_formats=True
    )
valid = invalid = 0
with open(sys.argv[2], "rb") as lines:
    for line in lines:
        if line.isspace():
            continue
        try:
            message = orjson.loads(line)
        except orjson.JSONDecodeError:
            invalid += 1
            continue
        check = validators.get(message.get("type")) if isinstance(message, dict) else None
        if check is not None and check.is_valid(message):
            valid += 1
        else:
            invalid += 1
print(json.dumps({"valid": valid, "invalid": invalid}))
"""


def _templates() -> tuple[list[dict[str, Any]], list[bytes]]:
    """The valid examples (as objects) and the invalid ones as single lines (the empty file,
    which would be a blank line, left out)."""
    valid = [json.loads(p.read_bytes()) for p in sorted(EXAMPLES.glob("valid/*.json"))]
    invalid = [
        p.read_bytes().replace(b"\n", b" ").replace(b"\r", b" ")
        for p in sorted(EXAMPLES.glob("invalid/*.json"))
    ]
    return valid, [line for line in invalid if not line.isspace() and line]


def _line(number: int, valid: list[dict[str, Any]], invalid: list[bytes]) -> bytes:
    if number % INVALID_EVERY == INVALID_EVERY - 1:
        return invalid[(number // INVALID_EVERY) % len(invalid)]
    message = dict(valid[number % len(valid)])
    for name in VARIED:
        if name in message:
            message[name] = message.get("from_beat", 0) + number
            break
    if "hlc" in message:  # a new clock reading every message, as in a real stream
        message["hlc"] = f"{number >> 16:04x}:{number & 0xFFFF:04x}:{message['hlc'][-4:]}"
    return json.dumps(message, ensure_ascii=False).encode()


def stream_file() -> Path:
    """The benchmark's line file, written once (about 300 MB)."""
    if STREAM.exists():
        return STREAM
    DATA.mkdir(parents=True, exist_ok=True)
    print(f"  writing {STREAM.relative_to(ROOT)} ({LINES:,} lines, once)", flush=True)
    valid, invalid = _templates()
    partial = STREAM.with_suffix(".partial")
    with open(partial, "wb") as out:
        for number in range(LINES):
            out.write(_line(number, valid, invalid) + b"\n")
    partial.replace(STREAM)
    return STREAM


def _hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return 0


class Run(NamedTuple):
    """One run of one side: wall and CPU seconds, peak resident KiB, stdout (when captured)."""

    seconds: float
    cpu: float
    peak_kib: int
    output: str


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(command: list[str], stdout: Any) -> Run:
    """One run of *command* (the only child running: its CPU time is what the children's
    total grew by)."""
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _hwm_kib(proc.pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    watcher.join()
    if proc.returncode not in (0, 1) or b"Traceback" in err:
        raise SystemExit(f"{command[0]} failed (exit {proc.returncode}): {err[-300:]!r}")
    return Run(elapsed, _children_cpu() - cpu, peak[0], (out or b"").decode())


def _sides(path: Path, side: Path) -> dict[str, tuple[list[str], bool]]:
    """Side name -> (command, whether its stdout is captured; else it goes to /dev/null)."""
    validate = [str(BIN / "backbeat-validate"), "--file", str(path)]
    return {
        "backbeat-validate --file F --quiet": ([*validate, "--quiet"], True),
        "backbeat-validate --file F (text to /dev/null)": (validate, False),
        "backbeat-validate --file F --json (to /dev/null)": ([*validate, "--json"], False),
        FLOOR_SIDE: ([str(side), "-c", FLOOR, str(ROOT / "schemas"), str(path)], True),
    }


def _rounds(sides: dict[str, tuple[list[str], bool]]) -> list[dict[str, Run]]:
    """:data:`ROUNDS` rounds, each running every side once, in turns."""
    rounds = []
    with open(os.devnull, "wb") as devnull:
        for number in range(ROUNDS):
            done = {}
            for name, (command, captured) in sides.items():
                done[name] = measured(command, subprocess.PIPE if captured else devnull)
            floor = done[FLOOR_SIDE].seconds
            shown = ", ".join(
                f"{r.seconds / floor:.2f}x" for n, r in done.items() if n != FLOOR_SIDE
            )
            print(f"  round {number + 1}/{ROUNDS}: floor {floor:.2f}s; sides {shown}", flush=True)
            rounds.append(done)
    return rounds


def _invalid(name: str, output: str) -> str:
    if name == FLOOR_SIDE:
        return str(json.loads(output)["invalid"])
    found = re.search(r"(\d+) invalid", output)
    return found[1] if found else "?"


def _ratios(rounds: list[dict[str, Run]], name: str, field: str) -> list[float]:
    """*name*'s *field* (``seconds`` or ``cpu``) over the floor's, round by round."""
    return [getattr(r[name], field) / getattr(r[FLOOR_SIDE], field) for r in rounds]


def _spread(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}x)"


def _report(rounds: list[dict[str, Run]]) -> None:
    """Each side's median ratio to the floor, wall and CPU (their spreads over the rounds),
    median seconds and highest peak memory, then the verdicts (on wall time)."""
    print(f"  {'side':48s} {'wall':>7s}  {'wall ratio':22s} {'CPU ratio':22s}")
    for name in rounds[0]:
        seconds = statistics.median(r[name].seconds for r in rounds)
        peak = max(r[name].peak_kib for r in rounds) / 1024
        output = rounds[-1][name].output
        invalid = _invalid(name, output) if output else "-"
        wall, cpu = (
            ("floor", "floor")
            if name == FLOOR_SIDE
            else (_spread(_ratios(rounds, name, "seconds")), _spread(_ratios(rounds, name, "cpu")))
        )
        print(
            f"  {name:48s} {seconds:6.2f}s  {wall:22s} {cpu:22s} "
            f"peak {peak:5.1f} MiB  invalid: {invalid}"
        )
    for name in rounds[0]:
        if name != FLOOR_SIDE:
            ratio = statistics.median(_ratios(rounds, name, "seconds"))
            peak = max(r[name].peak_kib for r in rounds) / 1024
            verdict = "meets" if ratio <= TARGET_RATIO else "misses"
            memory = "meets" if peak < MEMORY_LIMIT_MIB else "misses"
            print(
                f"  {name}: {verdict} the {TARGET_RATIO:.0f}x target (median wall ratio), "
                f"{memory} the {MEMORY_LIMIT_MIB} MiB one"
            )


def _per_line(path: Path, count: int = 20_000) -> str:
    """Where the time of a line goes, in microseconds, in this process (best of REPEATS): the
    fast path's parse and check on valid lines, and the strict path on the invalid ones."""
    from backbeat_fuzz import MessageValidator
    from backbeat_fuzz._fastparse import parse_plain

    validator = MessageValidator()
    with open(path, "rb") as lines:
        sample = [line.rstrip(b"\r\n") for _, line in zip(range(count), lines, strict=False)]
    valid = [line for line in sample if validator.accepts(line) is not None]
    invalid = [line for line in sample if validator.accepts(line) is None]

    def best(action: Any, items: list[bytes]) -> float:
        times = []
        for _ in range(REPEATS):
            start = time.process_time()
            for item in items:
                action(item)
            times.append(time.process_time() - start)
        return min(times) / max(len(items), 1) * 1e6

    parse = best(parse_plain, valid)
    accepts = best(validator.accepts, valid)
    strict = best(lambda line: validator.validate_message_string(line, fast=True), invalid)
    return (
        f"valid line: parse {parse:.1f} + check {accepts - parse:.1f} us; "
        f"invalid line (fast path, then strict): {strict:.0f} us (CPU time, {count:,} lines)"
    )


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def run() -> None:
    """Make the file and the side environment, time the sides in rounds, print the ratios
    (median and spread), peak memory and where a line's time goes."""
    side = side_python(SIDE_PACKAGES)
    if side is None:
        print("  the orjson + jsonschema-rs side environment is unavailable: nothing compared")
        return
    path = stream_file()
    size = path.stat().st_size / 1e6
    print(f"  {LINES:,} lines, {size:.0f} MB, 1 in {INVALID_EVERY} invalid; {ROUNDS} rounds")
    before = _load()
    rounds = _rounds(_sides(path, side))
    print(f"  ratios: median of the rounds (lowest-highest); load average {before} -> {_load()}")
    _report(rounds)
    print(f"  in-process: {_per_line(path)}")
