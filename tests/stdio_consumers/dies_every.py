"""A correct-looking stdio consumer that dies (exit 3, nothing on stderr) at its Nth message,
whatever the message: a failure of its state (a leak, a counter), not of any field."""

import sys

every = int(sys.argv[1])
for count, line in enumerate(sys.stdin.buffer, start=1):
    sys.stdin.buffer.read(int(line) + 1)  # the message and its newline
    if count == every:
        sys.exit(3)
    sys.stdout.write("accept\n")
    sys.stdout.flush()
