"""A correct-looking stdio consumer that dies (exit 3, nothing on stderr) at its Nth message,
whatever the message: a failure of its state (a leak, a counter), not of any field."""

import sys

every = int(sys.argv[1])
count = 0
for line in sys.stdin.buffer:
    sys.stdin.buffer.read(int(line) + 1)  # the message and its newline
    count += 1
    if count == every:
        sys.exit(3)
    sys.stdout.write("accept\n")
    sys.stdout.flush()
