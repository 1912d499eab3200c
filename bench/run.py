"""Run the benchmark sections: every ``bench/bench_*.py`` module's ``run()``, in name order.

Usage: ``python bench/run.py [SECTION ...]``. A section is a module's name without the
``bench_`` prefix (``bench/bench_validate.py`` is ``validate``); with no argument every section
runs. A section is a module exposing ``run() -> None`` that prints its own lines; add one by
dropping a ``bench/bench_<name>.py`` beside this file. Exit 0 done, 2 unknown section.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import io
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: A verdict against a target, as the sections print it.
VERDICT = re.compile(r"target [^:()]*: (meets|misses|met|NOT met)\b")
MISSES = ("misses", "NOT met")


@dataclass
class Verdicts(io.TextIOBase):
    """Passes what is printed on to *out*, keeping each line that holds a verdict."""

    out: io.TextIOBase
    section: str = ""
    lines: list[tuple[str, str, str]] = field(default_factory=list)  # section, verdict, line
    pending: str = ""

    def write(self, text: str) -> int:
        self.out.write(text)
        self.pending += text
        *whole, self.pending = self.pending.split("\n")
        for line in whole:
            for verdict in VERDICT.findall(line):
                self.lines.append((self.section, verdict, line.strip()))
        return len(text)

    def flush(self) -> None:
        self.out.flush()

    def summary(self) -> list[str]:
        """The summary's lines: the count, then every miss."""
        missed = [(s, line) for s, verdict, line in self.lines if verdict in MISSES]
        head = f"== summary: {len(self.lines)} targets checked, {len(missed)} missed =="
        return [head, *(f"  {section}: {line}" for section, line in missed)]


@contextlib.contextmanager
def kept_verdicts() -> Iterator[Verdicts]:
    """sys.stdout through a :class:`Verdicts` for the time of the block."""
    keeper = Verdicts(sys.stdout)  # type: ignore[arg-type]
    before, sys.stdout = sys.stdout, keeper  # type: ignore[assignment]
    try:
        yield keeper
    finally:
        sys.stdout = before


def sections() -> dict[str, Path]:
    """Every section name, in name order, with its module file."""
    return {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}


def _runner(name: str) -> Callable[[], None]:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    module = importlib.import_module(f"bench_{name}")
    return module.run


def _unknown(names: list[str], known: dict[str, Path]) -> str | None:
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            return f"Error: unknown section {name!r}; use one of: {', '.join(known)}.{hint}"
    return None


def main(argv: list[str]) -> int:
    """Run the sections named in *argv* (all when empty) and return the exit code."""
    known = sections()
    problem = _unknown(argv, known)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    with kept_verdicts() as verdicts:
        for name in argv or list(known):
            verdicts.section = name
            print(f"== {name} ==", flush=True)
            start = time.perf_counter()
            _runner(name)()
            print(f"-- {name}: {time.perf_counter() - start:.1f}s in all", flush=True)
    print("\n".join(verdicts.summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
