"""Write a deterministic examples folder: valid and invalid messages of every kind and rule.

The layout is the one of the project's own ``examples/`` (``valid/<kind>-<n>.json`` and
``invalid/<kind>--<rule>--<hash>.json``), so ``python -m backbeat_fuzz.examples check DIR``
and ``backbeat-validate --dir DIR/valid`` work on it, and other projects can seed their test
suites from it. The same seed and count write the same files.

Every rule gets its files, even the few no message can break alone: an empty ``cluster_id``
also breaks its pattern, and a BarReport count of -1 (or of 2^53) also breaks a cross-field
rule. Each file is named after every rule the reference validator reports for it, its own rule
first (``beatframe--cluster_id.minLength+cluster_id.pattern--<hash>.json``), so every file of
the folder passes ``examples check``. Probes (``json.too_deep``: a limit the contract does not
state) go to ``probes/``, not ``invalid/``: a consumer may accept them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from .corpus import write_atomic
from .model import Mutant, canonical_text
from .session import Session
from .strategies import invalid_messages, mutation_catalogue, valid_messages
from .validator import MessageValidator

__all__ = ["seed_examples"]


def _collect(
    strategy: st.SearchStrategy[Any],
    count: int,
    campaign_seed: int,
    key: Callable[[Any], bytes],
    keep: Callable[[Any], bool] = lambda example: True,
) -> list[Any]:
    found: dict[bytes, Any] = {}

    @seed(campaign_seed)
    @settings(
        settings.get_profile("default"),
        max_examples=count * 5,
        database=None,
        derandomize=False,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(strategy)
    def collect(example: Any) -> None:
        if len(found) < count and keep(example):
            found.setdefault(key(example), example)

    collect()
    return list(found.values())


def _names_its_rule(validator: MessageValidator) -> Callable[[Mutant], bool]:
    """Keep a mutant only if its rule is reported when the file is judged by its own ``type``.

    A ``type.const`` mutant may carry another kind's type: broken as a beatframe, it is judged
    as a statusclaim by whoever reads the file (``examples check`` included), so its name would
    not say what is wrong with it.
    """
    return lambda mutant: mutant.rule in validator.validate_message_string(mutant.data).rules


def _rule_names(rule: str, broken: set[str]) -> str:
    """The name part for a mutant of *rule* that breaks *broken*: ``rule[+other...]``."""
    return "+".join([rule, *sorted(broken - {rule})])


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:8]


def seed_examples(
    out: str | Path,
    *,
    count: int = 3,
    campaign_seed: int = 0,
    kinds: list[str] | None = None,
    schemas_dir: str | Path | None = None,
) -> list[Path]:
    """Write *count* valid messages per kind and *count* mutants per rule into *out*.

    Returns:
        The files written, sorted.
    """
    root = Path(out)
    session = Session.load(schemas_dir)
    contract, validator = session.contract, session.validator
    written: list[Path] = []
    for kind in [contract.kind(k).name for k in kinds] if kinds else list(contract.kinds):
        valid = _collect(
            valid_messages(kind, session=session),
            count,
            campaign_seed,
            lambda m: canonical_text(m).encode(),
        )
        for number, message in enumerate(valid, start=1):
            path = root / "valid" / f"{kind}-{number:03d}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, (canonical_text(message) + "\n").encode())
            written.append(path)
        for info in mutation_catalogue(kind, session=session):
            strategy = invalid_messages(kind, rules=[info.rule], session=session)
            mutants: list[Mutant] = _collect(
                strategy, count, campaign_seed, lambda m: m.data, _names_its_rule(validator)
            )
            for mutant in mutants:
                named = _rule_names(info.rule, validator.validate_message_string(mutant.data).rules)
                folder = "probes" if info.probe else "invalid"  # either verdict is right
                path = root / folder / f"{kind}--{named}--{_digest(mutant.data)}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, mutant.data)
                written.append(path)
    return sorted(written)
