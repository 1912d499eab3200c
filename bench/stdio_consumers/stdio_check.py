"""trivial_check.check served through the Python stdio adapter."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "adapters" / "python"))

from backbeat_stdio import serve
from trivial_check import check

serve(check)
