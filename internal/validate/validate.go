// Package validate is the one error type for a value a person gave that
// Scribe does not accept, whether it came from a command-line flag or a
// web form. The error names the input in the domain's words ("note
// template", "client alias") and says what would be accepted; each adapter
// may render it in its reader's words (cmd/scribe as the flag, internal/web
// as the form label), and its own message never names a flag or a Go
// identifier. internal/app re-exports it as app.ValidationError.
//
// It owns no rules: the checks live beside what they protect (a session's
// choices in internal/pipeline, a provider in internal/store).
package validate

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Field names an input in the domain's words ("note template", "client
// alias"): never a command-line flag, a form field's name or a Go
// identifier. cmd/scribe maps it to its flag, internal/web to its label.
type Field string

// Error is a refused input: which one, the value as given (empty when it
// was missing), what is wrong with it and what is allowed, in words a
// person can act on.
type Error struct {
	Field Field
	Value string
	// Problem says what is wrong ("is in the past"); empty means the value
	// is missing or not accepted.
	Problem string
	// Allowed lists the accepted values when they are a closed set (roles,
	// consent scopes, programs); adapters may offer them as choices.
	Allowed []string
	// Hint says what would be accepted, in words ("use mh or sud").
	Hint string
	// Problems lists every problem of an input that is a whole record (a
	// consent missing several elements), each in words; Hint is then their
	// summary.
	Problems []string
	// Hidden keeps Value out of the message (a client alias is PHI-adjacent
	// and never echoed back).
	Hidden bool
	// Err is the refusal this error reports, when a lower layer made one
	// (an adapter may look for it with errors.As).
	Err error
}

func (e *Error) Error() string { return e.Phrase(string(e.Field)) }

func (e *Error) Unwrap() error { return e.Err }

// Phrase says what was wrong, naming the input as name ("--template" on the
// command line, "Note template" on a page). It is always one line.
func (e *Error) Phrase(name string) string {
	hint := e.Hint
	if hint == "" && len(e.Problems) > 0 {
		hint = strings.Join(e.Problems, "; ")
	}
	if hint == "" && len(e.Allowed) > 0 {
		hint = "use " + List(e.Allowed)
	}
	switch {
	case e.Problem != "":
		if e.Hidden || e.Value == "" {
			return oneLine(fmt.Sprintf("%s %s: %s", name, e.Problem, hint))
		}
		return oneLine(fmt.Sprintf("%s %q %s: %s", name, e.Value, e.Problem, hint))
	case e.Value == "":
		return oneLine(fmt.Sprintf("%s is required: %s", name, hint))
	case e.Hidden:
		return oneLine(fmt.Sprintf("%s is not accepted: %s", name, hint))
	default:
		return oneLine(fmt.Sprintf("%s %q is not accepted: %s", name, e.Value, hint))
	}
}

func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// OneOf accepts value when it is one of allowed (exactly; callers normalise
// case first).
func OneOf(f Field, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return &Error{Field: f, Value: value, Allowed: allowed}
}

// List joins choices as "a, b or c".
func List(choices []string) string {
	switch len(choices) {
	case 0:
		return ""
	case 1:
		return choices[0]
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}

// Duration accepts d in [lo, hi].
func Duration(f Field, d, lo, hi time.Duration) error {
	if d < lo || d > hi {
		return &Error{Field: f, Value: d.String(), Hint: fmt.Sprintf("use a duration from %s to %s", short(lo), short(hi))}
	}
	return nil
}

// Int accepts n in [lo, hi].
func Int(f Field, n, lo, hi int) error {
	if n < lo || n > hi {
		return &Error{Field: f, Value: fmt.Sprint(n), Hint: fmt.Sprintf("use a whole number from %d to %d", lo, hi)}
	}
	return nil
}

// short prints 10m0s as 10m and 1h0m0s as 1h.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
