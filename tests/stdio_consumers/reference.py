"""The reference validator served through the Python adapter: a correct stdio: consumer."""

import _adapter_path  # noqa: F401  (puts backbeat_stdio on sys.path)
from backbeat_stdio import Reject, serve

from backbeat_fuzz import MessageValidator

VALIDATOR = MessageValidator()


def handle(message: bytes) -> None:
    """Accept a valid message; reject an invalid one, naming the first rule it breaks."""
    result = VALIDATOR.validate_message_string(message)
    if not result.valid:
        raise Reject(result.errors[0].rule)


serve(handle)
