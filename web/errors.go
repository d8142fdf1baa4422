package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psadav/psadav/storage"
)

// apiError is the client's fault, answered with its status and a JSON
// body {"error": "...", "field": "..."}; field names the input at fault.
type apiError struct {
	status     int
	msg, field string
	retryAfter time.Duration
}

func (e *apiError) Error() string { return e.msg }

func errBadInput(field, format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, field: field, msg: fmt.Sprintf(format, args...)}
}

func errNotFound(format string, args ...any) error {
	return &apiError{status: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

func errForbidden(msg string) error { return &apiError{status: http.StatusForbidden, msg: msg} }

func errUnauthorized(msg string) error { return &apiError{status: http.StatusUnauthorized, msg: msg} }

// retryAfterer is a login refused for now (dav.LoginThrottled).
type retryAfterer interface{ RetryAfter() time.Duration }

// statusOf turns an error into a status and the message the client may
// read; 500 means ours, and the message is then generic.
func statusOf(err error) *apiError {
	var ae *apiError
	var ra retryAfterer
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ra):
		return &apiError{status: http.StatusTooManyRequests, msg: "too many failed logins; try again later", retryAfter: ra.RetryAfter()}
	case errors.Is(err, storage.ErrBadCredentials):
		return &apiError{status: http.StatusUnauthorized, msg: "wrong login or password"}
	case errors.Is(err, storage.ErrBusy):
		return &apiError{status: http.StatusServiceUnavailable, msg: "the server is busy; try again shortly", retryAfter: 5 * time.Second}
	case errors.Is(err, storage.ErrNotFound):
		return &apiError{status: http.StatusNotFound, msg: "not found"}
	case errors.Is(err, storage.ErrConflict):
		return &apiError{status: http.StatusConflict, msg: userText(err)}
	}
	return &apiError{status: http.StatusInternalServerError, msg: "internal error; the server log has the details"}
}

// userText is a storage error as a person reads it, without the
// package's prefixes (the CLI shows the same words).
func userText(err error) string {
	msg := err.Error()
	for _, s := range []error{storage.ErrConflict, storage.ErrNotFound} {
		msg = strings.ReplaceAll(msg, s.Error()+": ", "")
	}
	return strings.ReplaceAll(msg, "storage: ", "")
}

// writeError answers err as JSON.
func writeError(w http.ResponseWriter, _ *http.Request, err error) {
	ae := statusOf(err)
	if ae.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(max(ae.retryAfter, time.Second).Round(time.Second)/time.Second)))
	}
	if ae.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="psadav API"`)
	}
	body := map[string]string{"error": ae.msg}
	if ae.field != "" {
		body["field"] = ae.field
	}
	writeJSON(w, ae.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// maxJSONBody bounds a request body of the API.
const maxJSONBody = 64 << 10

// readJSON decodes a request's JSON object into dst, refusing unknown
// fields, trailing data and bodies that are not JSON.
func readJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return &apiError{status: http.StatusUnsupportedMediaType, msg: "send the body as application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var mbe *http.MaxBytesError
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return &apiError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("the body must be at most %d bytes", maxJSONBody)}
		case errors.As(err, &ute):
			return errBadInput(ute.Field, "%s must be a %s", ute.Field, jsonType(ute.Type.Kind().String()))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return errBadInput(field, "unknown field %q", field)
		}
		return errBadInput("", "the body is not a JSON object: %v", err)
	}
	if dec.More() {
		return errBadInput("", "the body must be one JSON object")
	}
	return nil
}

func jsonType(kind string) string {
	switch {
	case kind == "bool":
		return "boolean"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "ptr":
		return "value of another type"
	}
	return kind
}
