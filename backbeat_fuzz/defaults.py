"""The defaults a user sees in more than one place, defined once.

The CLI, the pytest plugin, the library entry points and the CI snippets all offer a corpus
folder, an example database, a per-message timeout and an example budget; each takes its default
from here, so ``backbeat-fuzz``, ``pytest --backbeat-*`` and :func:`~backbeat_fuzz.run_campaign`
cannot drift apart.
"""

from __future__ import annotations

__all__ = ["DEFAULT_CORPUS", "DEFAULT_DATABASE", "DEFAULT_MAX_EXAMPLES", "DEFAULT_TIMEOUT"]

#: The folder findings are written to and replayed from (relative to where the tool runs).
DEFAULT_CORPUS = "corpus"
#: Hypothesis's example database, kept between runs (relative to where the tool runs).
DEFAULT_DATABASE = ".backbeat-fuzz/examples"
#: Seconds per message before the verdict is a hang.
DEFAULT_TIMEOUT = 2.0
#: Examples per kind and direction when neither ``max_examples`` nor ``duration`` is given.
DEFAULT_MAX_EXAMPLES = 100
