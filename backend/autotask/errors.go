package autotask

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psadav/psadav/backend"
)

// defaultRetryAfter is the wait after a 429 without Retry-After (go-autotask's choice).
const defaultRetryAfter = 60 * time.Second

// classify turns an answer that is not a success into a typed error.
// Autotask answers most refusals with HTTP 500 and {"errors": [...]}
// (docs/autotask.md A12): validation, permission and "no matching records"
// alike, so the message decides.
func classify(status int, header http.Header, body []byte, op string) *backend.Error {
	msgs, field := errorMessages(body)
	e := &backend.Error{Status: status, Message: strings.Join(msgs, "; "), Field: field, Op: op}
	if e.Message == "" {
		e.Message = http.StatusText(status)
		if notJSON(header, body) {
			// One zone answers collection-level PATCH with an HTML 404
			// page (docs/autotask.md A5): say so, it is not Autotask's word.
			e.Message += " (an HTML page, not Autotask's JSON answer: the request did not reach the API)"
		}
	}
	switch {
	case status == http.StatusUnauthorized:
		e.Kind = backend.KindAuth
	case status == http.StatusForbidden:
		e.Kind = backend.KindPermission
	case status == http.StatusNotFound:
		e.Kind = backend.KindNotFound
	case status == http.StatusConflict:
		e.Kind = backend.KindConflict
	case status == http.StatusTooManyRequests:
		e.Kind = backend.KindThrottled
		e.RetryAfter = retryAfter(header, defaultRetryAfter)
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity || status == http.StatusMethodNotAllowed:
		e.Kind = backend.KindValidation
	case status == http.StatusInternalServerError && len(msgs) > 0:
		e.Kind = kindOfMessage(e.Message)
		if e.Kind == backend.KindThrottled {
			e.RetryAfter = retryAfter(header, defaultRetryAfter)
		}
	default: // 500 without a message, 502, 503, 504: the PSA or the way to it
		e.Kind = backend.KindTransient
		e.RetryAfter = retryAfter(header, 0)
	}
	return e
}

// kindOfMessage reads what kind of refusal an HTTP 500 message is.
func kindOfMessage(msg string) backend.ErrorKind {
	m := strings.ToLower(msg)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(m, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("permission", "not authorized", "unauthorized", "security level", "access denied", "not allowed to", "impersonat"):
		return backend.KindPermission
	case has("no matching records", "not found", "does not exist", "could not be found"):
		return backend.KindNotFound
	case has("threshold", "too many requests", "request limit", "rate limit"):
		return backend.KindThrottled
	case has("timeout", "timed out", "deadlock", "temporarily unavailable", "try again"):
		return backend.KindTransient
	}
	return backend.KindValidation
}

// notJSON reports whether an answer is something other than JSON.
func notJSON(header http.Header, body []byte) bool {
	ct := strings.ToLower(header.Get("Content-Type"))
	if strings.Contains(ct, "json") {
		return false
	}
	return strings.Contains(ct, "html") || !json.Valid(body)
}

// errorMessages reads Autotask's error envelope: {"errors": ["…"]}, or
// objects {"message", "field"} as some answers have, or ASP.NET's own
// {"Message": "…"} (a 405 to a GET of a next page, docs/autotask.md A12).
func errorMessages(body []byte) (msgs []string, field string) {
	var env struct {
		Errors  []json.RawMessage `json:"errors"`
		Message string            `json:"Message"`
	}
	if json.Unmarshal(body, &env) != nil {
		return nil, ""
	}
	if len(env.Errors) == 0 && strings.TrimSpace(env.Message) != "" {
		return []string{strings.TrimSpace(env.Message)}, ""
	}
	for _, raw := range env.Errors {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if s = strings.TrimSpace(s); s != "" {
				msgs = append(msgs, s)
			}
			continue
		}
		var o struct {
			Message string `json:"message"`
			Field   string `json:"field"`
		}
		if json.Unmarshal(raw, &o) == nil && o.Message != "" {
			msgs = append(msgs, o.Message)
			if field == "" {
				field = o.Field
			}
		}
	}
	return msgs, field
}

// retryAfter reads Retry-After: seconds, or an HTTP date.
func retryAfter(h http.Header, def time.Duration) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return def
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
		return 0
	}
	return def
}
