"""One contract, loaded once, with its validator and its compiled kinds: a :class:`Session`.

The CLI, the pytest plugin and the library entry points load the contract where the user names
it (``--schemas``, ``schemas_dir=``) and pass this one object down; nothing below them reads a
schemas folder again or keeps a cache keyed by its path. A kind is compiled into a
:class:`~backbeat_fuzz.generate.plan.KindPlan` the first time it is asked for, and kept here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from .contract import Contract, load_contract
from .generate.plan import KindPlan, compile_kind
from .generate.values import Options
from .validator import MessageValidator

__all__ = ["Session", "packaged_session"]


@dataclass
class Session:
    """A contract, its reference validator and its compiled kinds (by kind and options).

    Attributes:
        contract: the contract.
        validator: the reference validator over that contract.
    """

    contract: Contract
    validator: MessageValidator
    _plans: dict[tuple[str, Options], KindPlan] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, contract: Contract) -> Session:
        """The session of an already loaded *contract*."""
        return cls(contract, MessageValidator(contract=contract))

    @classmethod
    def load(cls, schemas_dir: str | Path | None = None) -> Session:
        """The session of the contract in *schemas_dir* (the packaged one when None: shared).

        Raises:
            SchemaError: the folder is missing, empty, or holds an invalid document.
        """
        if schemas_dir is None:
            return packaged_session()
        return cls.of(load_contract(schemas_dir))

    def plan(self, kind: str, options: Options | None = None) -> KindPlan:
        """The compiled plan of *kind* (short name or ``type``), compiled on first use.

        Raises:
            UsageError: unknown kind.
            UnsupportedSchemaError: the schema uses something the generators cannot honour.
        """
        options = options or Options()
        key = (self.contract.kind(kind).name, options)
        if key not in self._plans:
            self._plans[key] = compile_kind(key[0], self.validator, options)
        return self._plans[key]


@functools.cache
def packaged_session() -> Session:
    """The session of the packaged contract, built on first use and shared (the package's own
    files do not change while it runs)."""
    return Session.of(load_contract())
