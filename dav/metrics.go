package dav

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/psadav/psadav/storage"
)

// Metrics are the HTTP and DAV counters psadav exports for Prometheus:
// requests by method, route class and status with their latency,
// requests by client, REPORTs by kind, sync-collection answers, and
// logins. Label values come from fixed sets (never a path, a login or a
// raw User-Agent), so a client cannot grow the series.
type Metrics struct {
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	clients  *prometheus.CounterVec
	reports  *prometheus.CounterVec
	syncs    *prometheus.CounterVec
	auth     *prometheus.CounterVec
}

// NewMetrics registers the DAV server's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "psadav_http_request_duration_seconds",
			Help:    "HTTP requests by method, route class and status, and how long they took",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "psadav_http_requests_in_flight",
			Help: "HTTP requests being answered"}),
		clients: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "psadav_http_requests_by_client_total",
			Help: "HTTP requests by client family (from the User-Agent)"}, []string{"client"}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "psadav_dav_reports_total",
			Help: "DAV REPORT requests by kind"}, []string{"kind"}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "psadav_dav_sync_answers_total",
			Help: "sync-collection answers: initial (no token), changes, no_change, token_refused (the client must resync), error"},
			[]string{"outcome"}),
		auth: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "psadav_auth_total",
			Help: "request authentication by outcome: success, failure (wrong login or password), throttled (429), busy (503), none (no credentials)"},
			[]string{"outcome"}),
	}
	reg.MustRegister(m.duration, m.inFlight, m.clients, m.reports, m.syncs, m.auth)
	return m
}

// Instrument counts every request h answers (the whole HTTP mux, webhooks
// included). The DAV handlers add what only they know to the request's
// note: the REPORT kind, the sync answer, the login outcome.
func (m *Metrics) Instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		n := &note{}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			m.observe(r, n, status, time.Since(start))
		}()
		h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), noteKey, n)))
	})
}

func (m *Metrics) observe(r *http.Request, n *note, status int, d time.Duration) {
	m.duration.WithLabelValues(methodLabel(r.Method), routeClass(r.URL), strconv.Itoa(status)).Observe(d.Seconds())
	m.clients.WithLabelValues(ClientFamily(r.UserAgent())).Inc()
	if n.report != "" {
		m.reports.WithLabelValues(n.report).Inc()
	}
	if n.report == "sync-collection" {
		outcome := n.sync.Load()
		switch {
		case outcome != nil && *outcome == syncTokenRefused:
			m.syncs.WithLabelValues(syncTokenRefused).Inc() // DAV:valid-sync-token, RFC 6578 §3.2
		case status >= 400 || outcome == nil:
			m.syncs.WithLabelValues("error").Inc()
		default:
			m.syncs.WithLabelValues(*outcome).Inc()
		}
	}
	if n.auth != "" {
		m.auth.WithLabelValues(n.auth).Inc()
	}
}

// note is what a request's handlers found out, for its metrics.
type note struct {
	report string
	auth   string
	sync   atomic.Pointer[string]
}

const noteKey ctxKey = 2

func noteFrom(ctx context.Context) *note {
	n, _ := ctx.Value(noteKey).(*note)
	return n
}

// noteReport records a REPORT's kind (its root element).
func noteReport(r *http.Request, root xml.Name) {
	if n := noteFrom(r.Context()); n != nil {
		switch root.Local {
		case "sync-collection", "addressbook-multiget", "calendar-multiget", "addressbook-query", "calendar-query",
			"free-busy-query", "expand-property", "principal-property-search", "principal-search-property-set":
			n.report = root.Local
		default:
			n.report = "other"
		}
	}
}

// noteSync records what a validated sync-collection will answer.
func noteSync(ctx context.Context, initial bool, scan *storage.ChangeScan) {
	n := noteFrom(ctx)
	if n == nil {
		return
	}
	outcome := "changes"
	switch {
	case initial:
		outcome = "initial"
	case scan.Unchanged():
		outcome = "no_change"
	}
	n.sync.Store(&outcome)
}

// syncTokenRefused is the sync outcome of a token we cannot continue from
// (403, or 400 to Thunderbird: tokenRefused).
const syncTokenRefused = "token_refused"

// noteTokenRefused records that the sync token was refused.
func noteTokenRefused(ctx context.Context) {
	if n := noteFrom(ctx); n != nil {
		outcome := syncTokenRefused
		n.sync.Store(&outcome)
	}
}

// noteAuth records how the request's authentication ended.
func noteAuth(r *http.Request, err error) {
	n := noteFrom(r.Context())
	if n == nil {
		return
	}
	var tooMany *tooManyFailures
	var de *davError
	switch {
	case err == nil:
		n.auth = "success"
	case errors.As(err, &tooMany):
		n.auth = "throttled"
	case errors.Is(err, storage.ErrBusy):
		n.auth = "busy"
	case errors.As(err, &de) && de.status == http.StatusUnauthorized:
		if _, _, ok := r.BasicAuth(); ok {
			n.auth = "failure"
		} else {
			n.auth = "none"
		}
	default:
		n.auth = "error"
	}
}

// methodLabel keeps the method label to the methods psadav knows.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPost,
		"PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "MKCALENDAR", "MOVE", "COPY", "LOCK", "UNLOCK":
		return m
	}
	return "other"
}

// routeClass names the kind of resource a request went to.
func routeClass(u *url.URL) string {
	p := u.Path
	switch {
	case p == "/healthz" || p == "/readyz":
		return strings.TrimPrefix(p, "/")
	case strings.HasPrefix(p, "/.well-known/"):
		return "well-known"
	case strings.HasPrefix(p, "/hooks/"):
		return "webhook"
	}
	switch parsePath(u.EscapedPath()).kind {
	case resRoot:
		return "root"
	case resPrincipals, resPrincipal:
		return "principal"
	case resAddressHome, resCalendarHome, resHomesRoot:
		return "home"
	case resCollection:
		return "collection"
	case resObject:
		return "object"
	}
	return "other"
}

// statusWriter remembers the status of a response; Flush and Unwrap keep
// streaming answers and http.ResponseController working through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
