// A BACKBEAT consumer served as a backbeat-fuzz target: go build -o my-consumer ./cmd/my-consumer
// and then stdio:./my-consumer
package main

import (
	"encoding/json"
	"fmt"

	"backbeatstdio"
)

var kinds = map[string]bool{
	"backbeat.beatframe.v1":   true,
	"backbeat.statusclaim.v1": true,
	"backbeat.barreport.v1":   true,
}

// handle is your handler: nil accepts, an error rejects (its text is the reason), and a panic
// is a crash: backbeat-fuzz reports it and starts the program again.
func handle(message []byte) error {
	var fields map[string]any
	if err := json.Unmarshal(message, &fields); err != nil {
		return err // not a JSON object
	}
	if kind, _ := fields["type"].(string); !kinds[kind] {
		return fmt.Errorf("unknown type %q", fields["type"])
	}
	return nil
}

func main() { backbeatstdio.Main(handle) }
