package main

import (
	"errors"
	"math"
	"strings"
)

func (c checker) beatframe() error {
	m := c.msg
	clusterID := m["cluster_id"]
	if s, ok := clusterID.(string); ok && c.bugs.TrimClusterID {
		clusterID = strings.TrimSpace(s) // BUG: "chorus-prod\n" passes
	}
	return run(
		func() error {
			return c.need("cluster_id", "beat_index", "downbeat", "phase", "hlc", "deadline_at", "tempo_bpm", "window_id")
		},
		func() error { return checkString(clusterID, "cluster_id", text{1, 64, clusterPattern}) },
		func() error { return checkCount(m["beat_index"], "beat_index") },
		func() error {
			if _, ok := m["downbeat"].(bool); !ok {
				return errors.New("downbeat must be a boolean")
			}
			return nil
		},
		func() error { return checkEnum(m["phase"], "phase", "plan", "execute", "review") },
		func() error { return checkString(m["hlc"], "hlc", text{0, 0, hlcPattern}) },
		func() error { return checkDateTime(m["deadline_at"], "deadline_at") },
		func() error { return checkNumber(m["tempo_bpm"], "tempo_bpm", 0.1, 10000) },
		func() error { return checkString(m["window_id"], "window_id", text{0, 0, windowPattern}) },
	)
}

func (c checker) progress(v any) error {
	if err := checkNumber(v, "progress", 0, 1); err != nil {
		return err
	}
	if c.bugs.ProgressBelowOne && v.(float64) >= 1 {
		return errors.New("progress must be below 1") // BUG: 1.0 is valid
	}
	return nil
}

func (c checker) statusclaim() error {
	m := c.msg
	return run(
		func() error { return c.need("agent_id", "beat_index", "state", "hlc") },
		func() error { return checkString(m["agent_id"], "agent_id", text{1, 256, nil}) },
		func() error { return checkCount(m["beat_index"], "beat_index") },
		func() error {
			return checkEnum(m["state"], "state", "idle", "planning", "executing", "reviewing", "completed", "failed", "blocked", "helping")
		},
		func() error { return checkString(m["hlc"], "hlc", text{0, 0, hlcPattern}) },
		c.optional("task_id", func(v any) error { return checkString(v, "task_id", text{0, 256, nil}) }),
		c.optional("beats_left", func(v any) error { return checkCount(v, "beats_left") }),
		c.optional("progress", c.progress),
		c.optional("notes", func(v any) error { return checkString(v, "notes", text{0, 4096, nil}) }),
	)
}

func issue(v any) error {
	item, ok := v.(Object)
	if !ok {
		return errors.New("issue must be an object")
	}
	c := checker{msg: item}
	return run(
		func() error { return c.need("code", "severity", "message") },
		func() error { return checkString(item["code"], "code", text{0, 64, codePattern}) },
		func() error { return checkEnum(item["severity"], "severity", "info", "warning", "error", "critical") },
		func() error { return checkString(item["message"], "message", text{0, 1024, nil}) },
		c.optional("agent_id", func(v any) error { return checkString(v, "issue agent_id", text{1, 256, nil}) }),
		c.optional("beat_index", func(v any) error { return checkCount(v, "issue beat_index") }),
	)
}

var counts = []string{"from_beat", "to_beat", "agents_reporting", "on_time_reviews", "help_promises_fulfilled"}

func (c checker) issues() error {
	list, ok := c.msg["issues"].([]any)
	if !ok || len(list) > 1000 {
		return errors.New("issues must be an array of at most 1000")
	}
	var seen [100]string
	for i, v := range list {
		if err := issue(v); err != nil {
			return err
		}
		if c.bugs.FixedIssueBuffer {
			seen[i] = "checked" // BUG: more than 100 issues panics
		}
	}
	return nil
}

func (c checker) barreport() error {
	m := c.msg
	checks := []func() error{
		func() error {
			return c.need(append([]string{"window_id", "secret_rotations_ok", "tempo_drift_ms", "issues"}, counts...)...)
		},
		func() error { return checkString(m["window_id"], "window_id", text{0, 0, windowPattern}) },
	}
	for _, name := range counts {
		name := name
		checks = append(checks, func() error { return checkCount(m[name], name) })
	}
	checks = append(checks,
		func() error {
			if _, ok := m["secret_rotations_ok"].(bool); !ok {
				return errors.New("secret_rotations_ok must be a boolean")
			}
			return nil
		},
		func() error { return checkNumber(m["tempo_drift_ms"], "tempo_drift_ms", math.Inf(-1), math.Inf(1)) },
		c.issues,
		func() error {
			if m["from_beat"].(float64) > m["to_beat"].(float64) {
				return errors.New("from_beat > to_beat")
			}
			if m["on_time_reviews"].(float64) > m["agents_reporting"].(float64) {
				return errors.New("on_time_reviews > agents_reporting")
			}
			return nil
		},
	)
	return run(checks...)
}

// Validate returns nil for a valid BACKBEAT v1 message and the first problem otherwise.
func Validate(message []byte, bugs Bugs) error {
	v, err := Parse(message)
	if err != nil {
		return err
	}
	msg, ok := v.(Object)
	if !ok {
		return errors.New("not a JSON object")
	}
	c := checker{msg: msg, bugs: bugs}
	kind, present := msg["type"]
	if !present {
		return errors.New("type field is required")
	}
	switch kind {
	case "backbeat.beatframe.v1":
		return c.beatframe()
	case "backbeat.statusclaim.v1":
		return c.statusclaim()
	case "backbeat.barreport.v1":
		return c.barreport()
	}
	return errors.New("unknown type")
}
