// A StatusClaim consumer's state check through the Go adapter: "correct" or "buggy".
// The buggy one has three planted bugs (each marked BUG); the correct one also logs each
// message with fmt.Println, which must not reach the protocol.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"backbeatstdio"
)

var states = map[string]bool{
	"idle": true, "planning": true, "executing": true, "reviewing": true,
	"completed": true, "failed": true, "blocked": true, "helping": true,
}

var errUnknown = errors.New("state is not one of the known states")

func correct(message []byte) error {
	fmt.Println("got", len(message), "bytes") // the adapter points os.Stdout at stderr
	var fields map[string]any
	if err := json.Unmarshal(message, &fields); err != nil {
		return err
	}
	if state, ok := fields["state"].(string); !ok || !states[state] {
		return errUnknown
	}
	return nil
}

func buggy(message []byte) error {
	var fields map[string]any
	if err := json.Unmarshal(message, &fields); err != nil {
		return err
	}
	state := fields["state"].(string) // BUG: a panic (a crash) when state is missing or not a string
	if state == "helping" {
		return errors.New("state helping is not supported") // BUG: a false reject
	}
	if !states[strings.ToLower(state)] { // BUG: IDLE accepted
		return errUnknown
	}
	return nil
}

func main() {
	backbeatstdio.Main(map[string]backbeatstdio.Handler{"correct": correct, "buggy": buggy}[os.Args[1]])
}
