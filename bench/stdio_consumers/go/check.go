// The bench's trivial consumer logic in Go (see trivial_check.py): with the argument "cmd" it
// judges one message on stdin (exit 0 accepts, 1 rejects), otherwise it serves stdio:.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"backbeatstdio"
)

// check decodes into a struct, as Go code does: the whole text is still parsed and checked,
// but only type is kept (decoding into a map[string]any as well costs about 1.5x the time).
func check(message []byte) error {
	var fields struct {
		Type any `json:"type"`
	}
	if err := json.Unmarshal(message, &fields); err != nil {
		return err
	}
	if !strings.HasPrefix(fmt.Sprint(fields.Type), "backbeat.") {
		return errors.New("not a BACKBEAT message")
	}
	return nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "cmd" {
		message, _ := io.ReadAll(os.Stdin)
		if check(message) != nil {
			os.Exit(1)
		}
		return
	}
	backbeatstdio.Main(check)
}
