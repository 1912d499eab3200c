"""backbeat-fuzz: the BACKBEAT contracts (schemas, strict reference validator) and a fuzzer.

The pipeline, lowest layer first: :mod:`.contract` (schemas and rules) -> :mod:`.validator`
(the oracle) -> :mod:`.strategies` (valid messages and mutants) -> harness -> corpus and
reports -> CLI. See ARCHITECTURE.md.
"""

from .contract import Contract, MessageKind, load_contract
from .errors import BackbeatFuzzError, SchemaError, UnsupportedSchemaError, UsageError
from .model import EditAction, Mutant, Outcome, Verdict
from .validator import MessageValidator, ValidationResult, Violation

__version__ = "0.1.0"

__all__ = [
    "BackbeatFuzzError",
    "Contract",
    "EditAction",
    "MessageKind",
    "MessageValidator",
    "Mutant",
    "Outcome",
    "SchemaError",
    "UnsupportedSchemaError",
    "UsageError",
    "ValidationResult",
    "Verdict",
    "Violation",
    "__version__",
    "load_contract",
]
