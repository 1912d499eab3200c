"""A side virtualenv for tools a benchmark compares with, never installed in the project's own.

``bench/.side-env`` (gitignored) is made once; :func:`side_python` installs the pinned packages a
section asks for with pip, only when they are missing or at another version. Sections that need
different packages share the environment (their pins must not conflict).
"""

from __future__ import annotations

import json
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIDE_ENV = ROOT / "bench" / ".side-env"
SIDE_PYTHON = SIDE_ENV / "bin" / "python"


def installed(python: Path, packages: dict[str, str]) -> dict[str, str]:
    """Package -> version, for those of *packages* installed in the environment of *python*."""
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        f"for name in {list(packages)!r}:\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    return json.loads(proc.stdout) if proc.returncode == 0 else {}


def side_python(packages: dict[str, str]) -> Path | None:
    """The side environment's python with *packages* (name -> exact version) installed; None
    (and why, printed) if pip cannot install them."""
    if not SIDE_PYTHON.exists():
        print(f"  making {SIDE_ENV.relative_to(ROOT)} (once)", flush=True)
        venv.create(SIDE_ENV, with_pip=True, clear=True)
    if installed(SIDE_PYTHON, packages) != packages:
        wanted = [f"{name}=={version}" for name, version in packages.items()]
        print(f"  pip install {' '.join(wanted)} into the side env", flush=True)
        command = [str(SIDE_PYTHON), "-m", "pip", "install", "--quiet", *wanted]
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-1:]
            print(f"  pip failed (exit {proc.returncode}): {tail}")
            return None
    return SIDE_PYTHON
