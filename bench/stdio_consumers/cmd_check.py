"""trivial_check.check as a cmd: program: the message on stdin, exit 0 accepts, 1 rejects."""

import sys

from trivial_check import check

try:
    check(sys.stdin.buffer.read())
except ValueError:
    sys.exit(1)
