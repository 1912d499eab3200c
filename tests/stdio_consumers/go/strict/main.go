// A strict consumer of the whole BACKBEAT v1 contract through the Go adapter, written from
// README's "The contract", docs/validate.md and the schemas alone (standard library only):
// "correct" or "buggy". The buggy one has three planted bugs (Bugs, each marked BUG where it
// acts): a false reject of progress 1.0, a false accept of a cluster_id with surrounding
// whitespace, a panic (a crash) on more than 100 issues. The correct one must get no finding
// at all: any would be a false report.
package main

import (
	"fmt"
	"os"

	"backbeatstdio"
)

func main() {
	modes := map[string]Bugs{
		"correct": {},
		"buggy":   {ProgressBelowOne: true, TrimClusterID: true, FixedIssueBuffer: true},
	}
	bugs, ok := modes[os.Args[len(os.Args)-1]]
	if !ok || len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: strict correct|buggy")
		os.Exit(2)
	}
	backbeatstdio.Main(func(message []byte) error { return Validate(message, bugs) })
}
