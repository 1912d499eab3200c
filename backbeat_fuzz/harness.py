"""The campaign: feed a consumer valid and invalid messages, report each of its bugs once.

A campaign runs in three phases over units of work (the valid messages of a kind, the mutants
of one rule of a kind):

1. *replay*: the corpus entries of the selected units are sent first; those that still fail
   are findings that are *known*, not new;
2. *coverage*: every mutation variant of every rule, and every valid boundary value of every
   field, is sent once on the schema's README example (deterministic, so rare forms such as a
   ``+24:00`` offset are never left to chance);
3. *exploration*: one Hypothesis run per unit and round; units take turns by kind, in rounds,
   until the budget (``--max-examples``, ``--duration``, or both) is spent.

A wrong verdict becomes a finding keyed by its cause (:class:`~backbeat_fuzz.findings.FindingKey`):
the target's signature for crashes, hangs and rejected valid messages; the field group for
accepted invalid ones. Each new key raises its own exception class inside Hypothesis, so each
bug is shrunk on its own and shrinking keeps the bug; a key already found no longer fails the
run, so exploration goes on hunting for new ones. A last pass (:mod:`.minimize`) resets every
field that does not matter back to the README example and names the fields that do. The
first failing message of a finding is written to the corpus the moment it is seen, and
replaced (same file) by its shrunk form. Hypothesis settings are set explicitly (not from its
``ci`` profile), so a run under ``CI=true`` behaves as its flags say.

The work is done in :mod:`backbeat_fuzz.campaign` (config, planning, observations, exploration,
runner, entry points); this module is its public face, and the names below are the API. A
campaign reads top to bottom: :func:`run_campaign` opens the target, loads the contract once
(a :class:`~backbeat_fuzz.session.Session`, or the caller's), makes one
:class:`~backbeat_fuzz.campaign.planning.Plan` and hands both to a :class:`Runner`; the
pytest plugin's :func:`run_cell` takes the same path for one kind and direction.
"""

from __future__ import annotations

from .campaign.config import CampaignAborted, CampaignConfig, Progress, Unit
from .campaign.observations import Observation
from .campaign.planning import plan_units, split_units
from .campaign.run import run_campaign, run_cell
from .campaign.runner import Runner
from .defaults import DEFAULT_MAX_EXAMPLES
from .replay import judge

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "CampaignAborted",
    "CampaignConfig",
    "Observation",
    "Progress",
    "Runner",
    "Unit",
    "judge",
    "plan_units",
    "run_campaign",
    "run_cell",
    "split_units",
]
