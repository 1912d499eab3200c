// The strict JSON parser: UTF-8, no duplicate keys, no lone surrogates, numbers within a double.
package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Object is a parsed JSON object; arrays are []any, numbers float64.
type Object map[string]any

type parser struct {
	s []byte
	i int
}

func (p *parser) fail(why string) error { return fmt.Errorf("json: %s at %d", why, p.i) }

func (p *parser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// Parse parses one strict JSON text: UTF-8, no duplicate keys, no lone surrogates, numbers
// within a double, nothing after the value.
func Parse(text []byte) (any, error) {
	if !utf8.Valid(text) {
		return nil, errors.New("not UTF-8")
	}
	p := &parser{s: text}
	p.ws()
	if p.i == len(p.s) {
		return nil, p.fail("empty")
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, p.fail("trailing data")
	}
	return v, nil
}

func (p *parser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, p.fail("truncated")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for word, v := range map[string]any{"true": true, "false": false, "null": nil} {
		if len(p.s)-p.i >= len(word) && string(p.s[p.i:p.i+len(word)]) == word {
			p.i += len(word)
			return v, nil
		}
	}
	return nil, p.fail("unexpected character")
}

func (p *parser) expect(c byte) error {
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != c {
		return p.fail(fmt.Sprintf("expected %q", c))
	}
	p.i++
	return nil
}

func (p *parser) object() (any, error) {
	out := Object{}
	p.i++
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return out, nil
	}
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.fail("expected a key")
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, p.fail("duplicate key " + strconv.Quote(key))
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		p.ws()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out[key] = v
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return out, nil
		}
		if err := p.expect(','); err != nil {
			return nil, err
		}
	}
}

func (p *parser) array() (any, error) {
	out := []any{}
	p.i++
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return out, nil
	}
	for {
		p.ws()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return out, nil
		}
		if err := p.expect(','); err != nil {
			return nil, err
		}
	}
}

func (p *parser) hex4() (rune, bool) {
	if len(p.s)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.s[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

var escapes = map[byte]rune{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func (p *parser) escape() (rune, error) {
	if p.i >= len(p.s) {
		return 0, p.fail("truncated escape")
	}
	c := p.s[p.i]
	p.i++
	if r, ok := escapes[c]; ok {
		return r, nil
	}
	if c != 'u' {
		return 0, p.fail("bad escape")
	}
	r, ok := p.hex4()
	if !ok {
		return 0, p.fail("bad \\u escape")
	}
	if r >= 0xDC00 && r <= 0xDFFF {
		return 0, p.fail("lone surrogate")
	}
	if r >= 0xD800 && r <= 0xDBFF {
		if len(p.s)-p.i < 2 || p.s[p.i] != '\\' || p.s[p.i+1] != 'u' {
			return 0, p.fail("lone surrogate")
		}
		p.i += 2
		low, ok := p.hex4()
		if !ok || low < 0xDC00 || low > 0xDFFF {
			return 0, p.fail("lone surrogate")
		}
		return utf16.DecodeRune(r, low), nil
	}
	return r, nil
}

func (p *parser) str() (string, error) {
	p.i++
	var out []rune
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(out), nil
		case c < 0x20:
			return "", p.fail("raw control character")
		case c == '\\':
			p.i++
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			out = append(out, r)
		default:
			r, size := utf8.DecodeRune(p.s[p.i:])
			out = append(out, r)
			p.i += size
		}
	}
	return "", p.fail("unterminated string")
}

func digits(s []byte, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func (p *parser) number() (any, error) {
	start, i := p.i, p.i
	if p.s[i] == '-' {
		i++
	}
	if i < len(p.s) && p.s[i] == '0' {
		i++
	} else if j := digits(p.s, i); j > i {
		i = j
	} else {
		return nil, p.fail("bad number")
	}
	if i < len(p.s) && p.s[i] == '.' {
		j := digits(p.s, i+1)
		if j == i+1 {
			return nil, p.fail("bad fraction")
		}
		i = j
	}
	if i < len(p.s) && (p.s[i] == 'e' || p.s[i] == 'E') {
		i++
		if i < len(p.s) && (p.s[i] == '+' || p.s[i] == '-') {
			i++
		}
		j := digits(p.s, i)
		if j == i {
			return nil, p.fail("bad exponent")
		}
		i = j
	}
	p.i = i
	f, err := strconv.ParseFloat(string(p.s[start:i]), 64)
	if err != nil && !(errors.Is(err, strconv.ErrRange) && !math.IsInf(f, 0)) {
		return nil, p.fail("number beyond a double")
	}
	return f, nil
}
