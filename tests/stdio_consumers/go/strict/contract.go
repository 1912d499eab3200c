package main

import (
	"fmt"
	"math"
	"regexp"
	"unicode/utf8"
)

// Bugs plants mistakes in Validate (all false: the contract as written).
type Bugs struct {
	ProgressBelowOne bool // rejects progress 1.0
	TrimClusterID    bool // accepts a cluster_id with surrounding whitespace
	FixedIssueBuffer bool // panics on more than 100 issues
}

var (
	hlcPattern     = regexp.MustCompile(`^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$`)
	windowPattern  = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
	clusterPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	codePattern    = regexp.MustCompile(`^[a-z][a-z0-9_.-]*$`)
	dateTime       = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))$`)
)

type checker struct {
	msg  Object
	bugs Bugs
}

func (c checker) need(names ...string) error {
	for _, name := range names {
		if _, ok := c.msg[name]; !ok {
			return fmt.Errorf("%s field is required", name)
		}
	}
	return nil
}

type text struct {
	min, max int
	pattern  *regexp.Regexp
}

func checkString(v any, name string, t text) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%s must be a string", name)
	}
	if n := utf8.RuneCountInString(s); n < t.min || (t.max > 0 && n > t.max) {
		return fmt.Errorf("%s has %d characters", name, n)
	}
	if t.pattern != nil && !t.pattern.MatchString(s) {
		return fmt.Errorf("%s does not match %s", name, t.pattern)
	}
	return nil
}

func checkCount(v any, name string) error {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) {
		return fmt.Errorf("%s must be an integer", name)
	}
	if f < 0 || f > 9007199254740991 {
		return fmt.Errorf("%s out of range", name)
	}
	return nil
}

func checkNumber(v any, name string, min, max float64) error {
	f, ok := v.(float64)
	if !ok {
		return fmt.Errorf("%s must be a number", name)
	}
	if f < min || f > max {
		return fmt.Errorf("%s out of range", name)
	}
	return nil
}

func checkEnum(v any, name string, values ...string) error {
	s, _ := v.(string)
	for _, value := range values {
		if s == value && v != nil {
			return nil
		}
	}
	return fmt.Errorf("%s must be one of %v", name, values)
}

var monthDays = [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func checkDateTime(v any, name string) error {
	if err := checkString(v, name, text{max: 64}); err != nil {
		return err
	}
	m := dateTime.FindStringSubmatch(v.(string))
	if m == nil {
		return fmt.Errorf("%s is not an RFC 3339 date-time", name)
	}
	y, mo, d, h, mi, s := atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5]), atoi(m[6])
	oh, om := atoi(m[8]), atoi(m[9])
	if mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 60 || oh > 23 || om > 59 {
		return fmt.Errorf("%s out of range", name)
	}
	days := monthDays[mo-1]
	if mo == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	if d < 1 || d > days {
		return fmt.Errorf("%s day out of range", name)
	}
	if s == 60 {
		sign := 1
		if m[7] == "-" {
			sign = -1
		}
		utc := ((h*60+mi-sign*(oh*60+om))%1440 + 1440) % 1440
		if utc != 23*60+59 {
			return fmt.Errorf("%s leap second not at 23:59 UTC", name)
		}
	}
	return nil
}

func run(checks ...func() error) error {
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c checker) optional(name string, check func(any) error) func() error {
	return func() error {
		if v, ok := c.msg[name]; ok {
			return check(v)
		}
		return nil
	}
}
