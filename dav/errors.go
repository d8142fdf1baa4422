package dav

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// davError is a client-facing failure: a status, optionally a DAV:error
// precondition element, and a message for people.
type davError struct {
	status int
	cond   xml.Name // zero: no precondition element
	inner  string   // inner XML of the precondition element
	extra  string   // more elements after it (the limit a request broke)
	msg    string

	retryAfter time.Duration // sent as Retry-After when set
}

func (e *davError) Error() string { return e.msg }

func errStatus(status int, format string, args ...any) error {
	return &davError{status: status, msg: fmt.Sprintf(format, args...)}
}

func errCond(status int, cond xml.Name, format string, args ...any) error {
	return &davError{status: status, cond: cond, msg: fmt.Sprintf(format, args...)}
}

var (
	condNeedPrivileges  = name(nsDAV, "need-privileges")
	condValidSyncToken  = name(nsDAV, "valid-sync-token")
	condFiniteDepth     = name(nsDAV, "propfind-finite-depth")
	condNumberOfMatches = name(nsDAV, "number-of-matches-within-limits")
)

// fail answers a handler's error. A client that went away is noted at
// info level: nothing failed on our side. After the status line is out an
// error cannot be answered any more: it is logged, and fail reports that
// the connection should be cut so the client sees an incomplete answer as
// one (a listing cut short but well-formed would read as members deleted).
func (s *Server) fail(w http.ResponseWriter, rw *recorder, r *http.Request, id string, err error) (abort bool) {
	if clientGone(r, rw, err) {
		rw.gone = true
		s.log.Info("client closed the connection", "id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		return false
	}
	if rw.wrote {
		s.log.Error("response cut short", "id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		return true
	}
	s.writeError(w, r, err)
	return false
}

// clientGone reports whether err comes from the client having closed the
// connection: a failed write, or the request's context cancelled by
// net/http when the connection closed.
func clientGone(r *http.Request, rw *recorder, err error) bool {
	return rw.writeErr != nil || r.Context().Err() != nil || errors.Is(err, context.Canceled) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// writeError is the one place that turns an error into a response: a
// client's fault gets its status and a DAV:error body saying what is wrong;
// anything else is ours, logged and answered with 500.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	de := s.classify(r, err)
	var ref *mapping.Refusal
	switch {
	case errors.As(err, &ref) && ref.Code == mapping.RefuseWriteBudget:
		// A user's client over its PSA write budget is worth a line for the
		// operator: a broken client, or one the budget is too small for.
		login := ""
		if u := userFrom(r.Context()); u != nil {
			login = u.Login
		}
		s.log.Warn("write refused: the user's PSA write budget is spent", "user", login, "method", r.Method, "path", r.URL.Path,
			"retry_after", de.retryAfter, "msg", ref.Message)
	case de.status >= 500 && !errors.Is(err, storage.ErrBusy):
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	h := w.Header()
	if de.retryAfter > 0 {
		// Whole seconds, rounded up (RFC 9110 §10.2.3).
		h.Set("Retry-After", strconv.FormatInt(int64((de.retryAfter+time.Second-1)/time.Second), 10))
	}
	if de.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="psadav", charset="UTF-8"`)
	}
	if de.cond.Local == "" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(de.status)
		fmt.Fprintln(w, de.msg)
		return
	}
	h.Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(de.status)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n<d:error" + nsDecls + ">")
	b.WriteString(elem(de.cond, de.inner))
	b.WriteString(de.extra)
	if de.msg != "" {
		b.WriteString(textElem(name(nsPSADAV, "message"), de.msg))
	}
	b.WriteString("</d:error>\n")
	w.Write([]byte(b.String()))
}

func (s *Server) classify(r *http.Request, err error) *davError {
	var de *davError
	if errors.As(err, &de) {
		return de
	}
	var tmf *tooManyFailures
	if errors.As(err, &tmf) {
		return &davError{status: http.StatusTooManyRequests, msg: tmf.Error(), retryAfter: tmf.retryAfter}
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &davError{status: http.StatusRequestEntityTooLarge, cond: s.sizeCondition(r),
			inner: "", msg: "request body larger than " + strconv.FormatInt(tooBig.Limit, 10) + " bytes"}
	}
	var ref *mapping.Refusal
	if errors.As(err, &ref) {
		return refusalError(r, ref)
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return &davError{status: http.StatusNotFound, msg: "not found"}
	case errors.Is(err, storage.ErrPreconditionFailed):
		return &davError{status: http.StatusPreconditionFailed, msg: "the resource's ETag does not match the request's If-Match / If-None-Match"}
	case errors.Is(err, storage.ErrSyncTokenGone):
		return &davError{status: http.StatusForbidden, cond: condValidSyncToken, msg: "the sync token is unknown or too old; sync again without a token"}
	case errors.Is(err, storage.ErrForbidden):
		return &davError{status: http.StatusForbidden, cond: condNeedPrivileges, msg: "you may not change this resource"}
	case errors.Is(err, storage.ErrConflict):
		return &davError{status: http.StatusConflict, msg: err.Error()}
	case errors.Is(err, storage.ErrBusy):
		// Password work is bounded (storage/password_pool.go): refuse at
		// once rather than queue without end.
		return &davError{status: http.StatusServiceUnavailable, msg: "the server is busy checking passwords; try again shortly",
			retryAfter: time.Second}
	}
	return &davError{status: http.StatusInternalServerError, msg: "internal error"}
}

// sizeCondition names the max-resource-size precondition of the request's protocol.
func (s *Server) sizeCondition(r *http.Request) xml.Name {
	res := parsePath(r.URL.EscapedPath())
	if res.home == homeAddress {
		return name(nsCardDAV, "max-resource-size")
	}
	return name(nsCalDAV, "max-resource-size")
}

// memberPath makes a refusal's resource name (a sibling of the request's
// object) an absolute path; a path stays as it is.
func memberPath(r *http.Request, href string) string {
	if strings.HasPrefix(href, "/") {
		return href
	}
	res := parsePath(r.URL.EscapedPath())
	return objectPath(res.login, res.coll, href)
}

// refusalError maps a refused write to its status and precondition.
func refusalError(r *http.Request, ref *mapping.Refusal) *davError {
	card := parsePath(r.URL.EscapedPath()).home == homeAddress
	proto := func(cal, carddav string) xml.Name {
		if card {
			return name(nsCardDAV, carddav)
		}
		return name(nsCalDAV, cal)
	}
	e := &davError{msg: ref.Message}
	fields := ""
	for _, f := range ref.Fields {
		fields += textElem(name(nsPSADAV, "property"), f)
	}
	switch ref.Code {
	// RFC 4791 §5.3.2.1 and RFC 6352 §6.3.2.1 name these PUT preconditions;
	// a failed precondition is 403 with its element (RFC 4918 §16).
	case mapping.RefuseInvalidData, mapping.RefuseMissing, mapping.RefuseEncoding:
		e.status, e.cond = http.StatusForbidden, proto("valid-calendar-data", "valid-address-data")
	case mapping.RefuseUnsupportedData:
		e.status, e.cond = http.StatusForbidden, proto("supported-calendar-data", "supported-address-data")
	case mapping.RefuseUnsupportedComponent:
		e.status, e.cond = http.StatusForbidden, proto("supported-calendar-component", "valid-address-data")
	case mapping.RefuseUnknownTimeZone, mapping.RefuseInvalidObject:
		e.status, e.cond = http.StatusForbidden, name(nsCalDAV, "valid-calendar-object-resource")
	case mapping.RefuseRecurrence:
		e.status, e.cond = http.StatusForbidden, name(nsCalDAV, "valid-calendar-object-resource")
		e.inner = fields
	case mapping.RefuseWriteBudget:
		// 503 with Retry-After: DAVx5 (dav4jvm's ServiceUnavailableException)
		// waits that long before it syncs again. A write that alone is
		// larger than the budget never fits: 403.
		e.status, e.cond, e.retryAfter = http.StatusServiceUnavailable, name(nsPSADAV, "write-budget"), ref.RetryAfter
		if ref.RetryAfter <= 0 {
			e.status = http.StatusForbidden
		}
	case mapping.RefuseTooLong:
		e.status, e.cond = http.StatusForbidden, name(nsPSADAV, "field-too-long")
		e.inner = fields + textElem(name(nsPSADAV, "limit"), strconv.Itoa(ref.Limit))
	case mapping.RefuseReadOnlyField:
		e.status, e.cond = http.StatusForbidden, name(nsPSADAV, "read-only-property")
		e.inner = fields
	case mapping.RefuseUnknownCompany:
		e.status, e.cond = http.StatusConflict, name(nsPSADAV, "unknown-company")
		e.inner = fields
	case mapping.RefuseUnknownCountry:
		e.status, e.cond = http.StatusConflict, name(nsPSADAV, "unknown-country")
		e.inner = fields
	case mapping.RefuseUIDConflict:
		e.status, e.cond = http.StatusForbidden, proto("no-uid-conflict", "no-uid-conflict")
		if ref.Href != "" {
			e.inner = hrefElem(memberPath(r, ref.Href))
		}
	case mapping.RefuseUIDChanged:
		// RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1: a PUT must not overwrite an
		// object with a different UID. Not a conflict the client can
		// resolve by retrying: the object keeps its UID (403).
		e.status, e.cond = http.StatusForbidden, proto("no-uid-conflict", "no-uid-conflict")
		e.inner = hrefElem(r.URL.EscapedPath())
	case mapping.RefuseReadOnlyItem:
		e.status, e.cond = http.StatusForbidden, condNeedPrivileges
		e.inner = needPrivilege(r.URL.EscapedPath(), "write-content")
	case mapping.RefuseDelete:
		// DELETE needs unbind on the parent collection (RFC 3744 §3.10).
		e.status, e.cond = http.StatusForbidden, condNeedPrivileges
		res := parsePath(r.URL.EscapedPath())
		e.inner = needPrivilege(collectionPath(res.login, res.coll), "unbind")
	default:
		e.status = http.StatusForbidden
	}
	return e
}

// needPrivilege is the inside of a DAV:need-privileges (RFC 3744 §7.1.1).
func needPrivilege(href, privilege string) string {
	return "<d:resource>" + hrefElem(href) + "<d:privilege><d:" + privilege + "/></d:privilege></d:resource>"
}
