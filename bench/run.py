"""Run the benchmark sections: every ``bench/bench_*.py`` module's ``run()``, in name order.

Usage: ``python bench/run.py [SECTION ...]``. A section is a module's name without the
``bench_`` prefix (``bench/bench_validate.py`` is ``validate``); with no argument every section
runs. A section is a module exposing ``run() -> None`` that prints its own lines; add one by
dropping a ``bench/bench_<name>.py`` beside this file. Exit 0 done, 2 unknown section.
"""

from __future__ import annotations

import difflib
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


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
    for name in argv or list(known):
        print(f"== {name} ==", flush=True)
        start = time.perf_counter()
        _runner(name)()
        print(f"-- {name}: {time.perf_counter() - start:.1f}s in all", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
