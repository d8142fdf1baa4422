// Package atreplay serves recorded Autotask conversations back to the
// connector: the exchanges psadav --autotask-record wrote from a real
// tenant, or hand-made ones in the shapes the vendor's pages and live-
// tenant reports document (testdata/, each naming its source). A replay
// answers a request with the first unused exchange of the same method
// and path (and query, and body when the exchange asks for it), so a
// connector that sends what the tenant did not expect gets no answer the
// tenant would not have given, and a test sees what went unanswered.
//
// It imports autotask (the Exchange shape and its redaction); the
// connector never imports it.
package atreplay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/psadav/psadav/backend/autotask"
)

// Load reads exchanges: a directory of recorded files (in name order) or
// one file holding an array of them.
func Load(path string) ([]autotask.Exchange, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var out []autotask.Exchange
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("atreplay: %s: %w", path, err)
		}
		return out, nil
	}
	names, err := filepath.Glob(filepath.Join(path, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []autotask.Exchange
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var ex autotask.Exchange
		if err := json.Unmarshal(b, &ex); err != nil {
			return nil, fmt.Errorf("atreplay: %s: %w", n, err)
		}
		out = append(out, ex)
	}
	return out, nil
}

// Server is a replaying tenant.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	exchanges []autotask.Exchange
	used      []bool
	unmatched []string
}

// Start serves exchanges on a local test server; Close stops it.
func Start(exchanges []autotask.Exchange) *Server {
	s := &Server{exchanges: exchanges, used: make([]bool, len(exchanges))}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// ZoneURL is the zone root to configure the connector with.
func (s *Server) ZoneURL() string { return s.srv.URL + "/atservicesrest/" }

// DiscoveryURL is where zone discovery starts.
func (s *Server) DiscoveryURL() string { return s.srv.URL + "/atservicesrest/" }

// Unused lists the exchanges no request asked for (optional ones aside).
func (s *Server) Unused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for i, ex := range s.exchanges {
		if !s.used[i] && !ex.Optional {
			out = append(out, ex.Request.Method+" "+ex.Request.Path)
		}
	}
	return out
}

// Unmatched lists the requests no exchange answered.
func (s *Server) Unmatched() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unmatched...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		body, _ = readAll(r)
	}
	path := relative(r.URL.Path)
	s.mu.Lock()
	i := s.match(r, path, body)
	if i < 0 {
		s.unmatched = append(s.unmatched, r.Method+" "+path+"?"+r.URL.RawQuery+" "+string(body))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotImplemented)
		w.Write([]byte(`{"errors":["atreplay: no recorded answer for this request"]}`))
		return
	}
	s.used[i] = true
	ex := s.exchanges[i]
	s.mu.Unlock()
	resp := ex.Response
	if resp.ContentType != "" {
		w.Header().Set("Content-Type", resp.ContentType)
	}
	if resp.RetryAfter != "" {
		w.Header().Set("Retry-After", resp.RetryAfter)
	}
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	out := []byte(resp.Text)
	if len(resp.Body) > 0 {
		if resp.ContentType == "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		// Recorded URLs name a stand-in host: this server is the zone now.
		out = bytes.ReplaceAll(resp.Body, []byte(autotask.RecordedHost), []byte(s.srv.URL))
	}
	w.WriteHeader(status)
	w.Write(out)
}

// match finds the first unused exchange answering a request; s.mu is held.
func (s *Server) match(r *http.Request, path string, body []byte) int {
	for i, ex := range s.exchanges {
		q := ex.Request
		if s.used[i] || !strings.EqualFold(q.Method, r.Method) || !strings.EqualFold(relative(q.Path), path) {
			continue
		}
		if q.Query != "" && !sameQuery(q.Query, r.URL.Query()) {
			continue
		}
		if q.MatchBody && !sameJSON(q.Body, autotask.Redact(path, body, true), len(body) > 0) {
			continue
		}
		return i
	}
	return -1
}

// relative is a path below the zone root, "v1.0/…" in lower case for the
// version, or "zoneInformation".
func relative(p string) string {
	lower := strings.ToLower(p)
	if strings.Contains(lower, "zoneinformation") {
		return "zoneInformation"
	}
	if i := strings.Index(lower, "v1.0/"); i >= 0 {
		return "v1.0/" + p[i+len("v1.0/"):]
	}
	return strings.TrimPrefix(p, "/")
}

// sameQuery compares a recorded query with a request's; redacted values
// match anything.
func sameQuery(recorded string, got url.Values) bool {
	want, err := url.ParseQuery(recorded)
	if err != nil {
		return false
	}
	for k, vs := range want {
		for _, v := range vs {
			if v != "[redacted]" && got.Get(k) != v {
				return false
			}
		}
	}
	return true
}

// sameJSON compares two JSON documents by value; a recorded exchange with
// no body matches a request without one.
func sameJSON(recorded, got json.RawMessage, hasBody bool) bool {
	if len(recorded) == 0 {
		return !hasBody
	}
	if !hasBody {
		return false
	}
	var a, b any
	if json.Unmarshal(recorded, &a) != nil || json.Unmarshal(got, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

func readAll(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, 8<<20))
	return buf.Bytes(), err
}
