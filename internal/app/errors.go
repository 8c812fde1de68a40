package app

import (
	"errors"

	"github.com/scribe-health/scribe/internal/validate"
)

// The kinds of refusal an operation returns besides a ValidationError.
// Test with errors.Is; the error's own message says what happened in
// words for the person who asked.
var (
	// ErrNotFound: the thing named does not exist (or, for a session, the
	// principal may not know that it does; see ErrForbidden).
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the principal may not do this.
	ErrForbidden = errors.New("not allowed")
	// ErrConflict: the request clashes with the record's state (a session
	// that already ended, an e-mail already taken, an alias in use).
	ErrConflict = errors.New("conflict")
)

// ValidationError is input Scribe does not accept: which input (in the
// domain's words), the value, what is wrong and what is allowed.
type ValidationError = validate.Error

// Field names an input of an operation in the domain's words.
type Field = validate.Field

// refusal is an error of one of the kinds above with a message for a
// person; it may wrap the cause.
type refusal struct {
	kind  error
	msg   string
	cause error
}

func (e *refusal) Error() string { return e.msg }

func (e *refusal) Is(target error) bool { return target == e.kind }

func (e *refusal) Unwrap() error { return e.cause }

func notFound(msg string) error  { return &refusal{kind: ErrNotFound, msg: msg} }
func forbidden(msg string) error { return &refusal{kind: ErrForbidden, msg: msg} }
func conflict(msg string) error  { return &refusal{kind: ErrConflict, msg: msg} }

// as makes cause an error of kind, keeping its message.
func as(kind, cause error) error { return &refusal{kind: kind, msg: cause.Error(), cause: cause} }
