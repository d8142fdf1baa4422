package dav_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/psadav/psadav/dav"
)

const csp = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// Any HTML the server sends gets security headers, whether its handler
// labels it or net/http would sniff it; every response says nosniff.
func TestSecurityHeadersOnHTML(t *testing.T) {
	for _, c := range []struct {
		name    string
		handler http.HandlerFunc
		status  int
		ctype   string
		csp     string
	}{
		{"labelled HTML", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<p>hello</p>")
		}, 200, "text/html; charset=utf-8", csp},
		{"sniffed HTML", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<html><body><script>alert(1)</script>")
		}, 200, "text/html; charset=utf-8", csp},
		{"sniffed HTML after WriteHeader", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "<!DOCTYPE html><title>x</title>")
		}, 404, "text/html; charset=utf-8", csp},
		{"a page's own policy is kept", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Security-Policy", "default-src 'self'")
			w.WriteHeader(http.StatusOK)
		}, 200, "text/html", "default-src 'self'"},
		{"XML", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
			w.WriteHeader(207)
			io.WriteString(w, "<d:multistatus/>")
		}, 207, "application/xml; charset=utf-8", ""},
		{"plain error", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "nope", http.StatusForbidden)
		}, 403, "text/plain; charset=utf-8", ""},
		{"streamed", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/calendar")
			io.WriteString(w, "BEGIN:VCALENDAR\r\n")
			w.(http.Flusher).Flush()
			io.WriteString(w, "END:VCALENDAR\r\n")
		}, 200, "text/calendar", ""},
	} {
		rec := httptest.NewRecorder()
		dav.SecurityHeaders(c.handler).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		h := rec.Result().Header
		if rec.Code != c.status || h.Get("Content-Type") != c.ctype || h.Get("Content-Security-Policy") != c.csp {
			t.Errorf("%s: %d %q CSP %q", c.name, rec.Code, h.Get("Content-Type"), h.Get("Content-Security-Policy"))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", c.name)
		}
		if html := c.csp != ""; html != (h.Get("X-Frame-Options") == "DENY") || html != (h.Get("Referrer-Policy") == "no-referrer") {
			t.Errorf("%s: X-Frame-Options %q, Referrer-Policy %q", c.name, h.Get("X-Frame-Options"), h.Get("Referrer-Policy"))
		}
	}
}
