package autotask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/psadav/psadav/backend/atjson"
)

// Exchange is one request the connector made and the answer it got, as
// --autotask-record writes it and the replay tests (atreplay) serve it.
// Nothing secret is in it: the credential headers are never written, and
// string values that may be personal data are replaced (Redact).
type Exchange struct {
	Seq      int              `json:"seq,omitempty"`
	Source   string           `json:"source,omitempty"` // where a hand-made exchange's shape comes from
	Request  RecordedRequest  `json:"request"`
	Response RecordedResponse `json:"response"`
	// Optional: a replay may leave it unused (an answer to a request a
	// correct connector does not make, kept to document the tenant).
	Optional bool `json:"optional,omitempty"`
}

// RecordedRequest is a request without its credentials.
type RecordedRequest struct {
	Method string `json:"method"`
	// Path is below the zone root as sent ("v1.0/Contacts/query",
	// "V1.0/Contacts/query/next" for a next page), or "zoneInformation".
	Path        string          `json:"path"`
	Query       string          `json:"query,omitempty"`
	Impersonate string          `json:"impersonate,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
	// MatchBody: a replay answers with this exchange only when the request
	// body is the same JSON (after redaction).
	MatchBody bool `json:"matchBody,omitempty"`
}

// RecordedResponse is an answer: JSON in Body, anything else in Text.
type RecordedResponse struct {
	Status      int             `json:"status"`
	ContentType string          `json:"contentType,omitempty"`
	RetryAfter  string          `json:"retryAfter,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
	Text        string          `json:"text,omitempty"`
}

// RecordedHost stands for the tenant's zone host in recorded URLs.
const RecordedHost = "https://zone.invalid"

// recorder writes exchanges to a directory, one file each, in order;
// file names start with the time the run started, so runs recorded into
// one directory (probe, then serve) keep apart and in order.
type recorder struct {
	dir     string
	run     string
	secrets []string
	seq     atomic.Int64
	once    sync.Once
}

func newRecorder(dir string, cfg Config) (*recorder, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("autotask: record directory: %w", err)
	}
	var secrets []string
	for _, s := range []string{cfg.Secret, cfg.Username, cfg.IntegrationCode} {
		if len(s) >= 4 {
			secrets = append(secrets, s)
		}
	}
	return &recorder{dir: dir, run: time.Now().UTC().Format("20060102T150405.000"), secrets: secrets}, nil
}

// exchange records one call; a nil recorder records nothing. A failure to
// write is logged once by the caller's logger and never fails the call.
func (r *recorder) exchange(req *http.Request, sent []byte, resp *http.Response, body []byte) {
	if r == nil {
		return
	}
	ex := Exchange{Seq: int(r.seq.Add(1))}
	ex.Request = RecordedRequest{Method: req.Method, Path: relativePath(req.URL.Path),
		Impersonate: req.Header.Get("ImpersonationResourceId")}
	ex.Request.Query = redactQuery(req.URL.Query())
	if len(sent) > 0 {
		ex.Request.Body = Redact(ex.Request.Path, sent, true)
	}
	ex.Response = RecordedResponse{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
		RetryAfter: resp.Header.Get("Retry-After")}
	if json.Valid(body) && len(bytes.TrimSpace(body)) > 0 {
		ex.Response.Body = Redact(ex.Request.Path, body, false)
	} else {
		ex.Response.Text = string(body)
	}
	b, _ := json.MarshalIndent(ex, "", "  ")
	b = r.scrub(b)
	name := fmt.Sprintf("%s-%06d-%s-%s.json", r.run, ex.Seq, ex.Request.Method, fileSafe(endpointOf(ex.Request.Path)))
	if err := os.WriteFile(filepath.Join(r.dir, name), append(b, '\n'), 0o600); err != nil {
		r.once.Do(func() { fmt.Fprintf(os.Stderr, "autotask: recording %s: %v (recording goes on)\n", name, err) })
	}
}

// scrub removes the credentials wherever they might still appear.
func (r *recorder) scrub(b []byte) []byte {
	for _, s := range r.secrets {
		b = bytes.ReplaceAll(b, []byte(s), []byte("[redacted]"))
	}
	return b
}

func fileSafe(s string) string {
	if s == "" {
		return "zone"
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

// relativePath is a URL path below the zone root: from the version segment
// on, as sent (its case kept), or "zoneInformation".
func relativePath(p string) string {
	lower := strings.ToLower(p)
	if strings.Contains(lower, "zoneinformation") {
		return "zoneInformation"
	}
	if i := strings.Index(lower, "v1.0/"); i >= 0 {
		return p[i:]
	}
	return strings.TrimPrefix(p, "/")
}

// redactQuery keeps a paging token (positions only) and hides the rest
// (the user name of zone discovery, a GET query's search).
func redactQuery(q url.Values) string {
	out := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			switch strings.ToLower(k) {
			case "paging":
				out.Add(k, v)
			case "search":
				out.Add(k, string(Redact("query", []byte(v), true)))
			default:
				out.Add(k, "[redacted]")
			}
		}
	}
	return out.Encode()
}

// Redact replaces what may be personal data in a request or answer body
// with same-length stand-ins, keeping its shape: every key, every number,
// boolean and null, datetimes (the semantics replay tests need), the query
// language (op, field, IncludeFields), Autotask's error messages (e-mail
// addresses removed), the field metadata of entityInformation answers,
// and URLs with the zone host replaced by RecordedHost. Any other string
// becomes as many "x" as it had characters, so length limits still bite.
func Redact(path string, body []byte, isRequest bool) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return json.RawMessage(`"[not JSON]"`)
	}
	meta := !isRequest && strings.Contains(strings.ToLower(path), "entityinformation")
	v = redactValue(v, "", meta)
	b, _ := json.Marshal(v)
	return b
}

var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+`)

func redactValue(v any, key string, meta bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = redactValue(val, k, meta)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = redactValue(val, key, meta)
		}
		return out
	case string:
		return redactString(x, key, meta)
	}
	return v
}

func redactString(s, key string, meta bool) string {
	k := strings.ToLower(key)
	switch {
	case s == "":
		return s
	case meta, k == "op", k == "field", k == "includefields", k == "zonename", k == "datatype":
		return s
	case k == "errors" || k == "message":
		return emailPattern.ReplaceAllString(s, "someone@example.invalid")
	case k == "url" || k == "weburl" || k == "nextpageurl" || k == "prevpageurl":
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			return RecordedHost + u.RequestURI()
		}
	}
	if _, err := atjson.ParseTime(s); err == nil && len(s) >= 10 {
		return s
	}
	return strings.Repeat("x", utf8.RuneCountInString(s))
}
