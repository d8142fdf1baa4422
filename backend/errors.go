package backend

import (
	"errors"
	"fmt"
	"time"
)

// ErrorKind classifies a PSA's refusal or failure. The outbox retries only
// Throttled and Transient; the others are answers.
type ErrorKind int

const (
	KindTransient  ErrorKind = iota // the PSA (or the way to it) failed; try again later
	KindThrottled                   // over the PSA's rate or budget; RetryAfter says when
	KindValidation                  // the PSA refused the values (too long, missing, invalid)
	KindPermission                  // the API user (or the impersonated resource) may not do this
	KindNotFound                    // the record is not there
	KindConflict                    // the record changed since the change was made
	KindAuth                        // the credentials are wrong (or the zone moved)
)

func (k ErrorKind) String() string {
	return [...]string{"transient", "throttled", "validation", "permission", "not found", "conflict", "authentication"}[k]
}

// Error is a PSA call that did not succeed, with the PSA's own words.
type Error struct {
	Kind       ErrorKind
	Status     int    // HTTP status, 0 when the PSA did not answer
	Message    string // the PSA's message(s), or what went wrong on the way
	Field      string // the field a validation error names, when the PSA says
	RetryAfter time.Duration
	Op         string // what was tried ("PATCH Contacts")
}

func (e *Error) Error() string {
	op := ""
	if e.Op != "" {
		op = e.Op + ": "
	}
	if e.Status != 0 {
		return fmt.Sprintf("%s%s (HTTP %d): %s", op, e.Kind, e.Status, e.Message)
	}
	return fmt.Sprintf("%s%s: %s", op, e.Kind, e.Message)
}

// Retryable reports whether trying again later may succeed.
func (e *Error) Retryable() bool { return e.Kind == KindTransient || e.Kind == KindThrottled }

// KindOf classifies any error from a connector: a typed *Error by its
// kind; a timeout, a refused connection or a cancelled call as transient.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindTransient
}

// Retryable reports whether an error from a connector is worth retrying.
func Retryable(err error) bool {
	k := KindOf(err)
	return k == KindTransient || k == KindThrottled
}

// RetryAfter is how long the PSA asked to wait, 0 when it did not say.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ErrBadSignature is a webhook delivery whose signature does not match: a
// forgery, or a secret that differs from the one the PSA signs with.
var ErrBadSignature = errors.New("webhook signature does not match")
