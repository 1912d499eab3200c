"""Put the Python adapter (examples/adapters/python) on sys.path for the consumers here."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "adapters" / "python"))
