package autotask

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psadav/psadav/backend"
)

// DefaultDiscoveryURL is where zone discovery starts (docs/autotask.md A13).
const DefaultDiscoveryURL = "https://webservices2.autotask.net/atservicesrest/"

// Config is what the client needs to reach a tenant.
type Config struct {
	Username        string // the API-only user
	Secret          string
	IntegrationCode string // the API tracking identifier
	// ZoneURL is the tenant zone's REST root (…/atservicesrest/); empty:
	// discovered from DiscoveryURL and cached.
	ZoneURL      string
	DiscoveryURL string
	HTTPClient   *http.Client
	// Timeout bounds every call (a deadline is set on each); 60s when 0.
	Timeout time.Duration
	// PerEndpoint is how many calls may run at once per endpoint: 3 for
	// integrations created since 2023.1 (docs/autotask.md A8).
	PerEndpoint int
	// Paging: "keyset" (id > last id, 500 a page; the default) or "next"
	// (follow pageDetails.nextPageUrl). Keyset falls back to nextPageUrl
	// by itself when a full page does not come in id order.
	Paging string
	// NextPageMethod is the verb nextPageUrl is followed with: POST with
	// the query body (the default: a real tenant answers GET with 405,
	// docs/autotask.md A1), or GET, kept for configurations that name it;
	// a GET answered 405 is sent again as POST, and POST is used from then on.
	NextPageMethod string
	// RecordDir, when set, receives every request and answer, secrets and
	// personal data redacted (record.go), for turning a tenant's
	// conversation into a replay test.
	RecordDir string
	// TimeOffTimes says how TimeOffRequests' startTime and endTime are read:
	// "utc" (the default: REST datetimes are UTC) or "local:ZONE" (wall-clock
	// times of that IANA zone, as a date-only field would be; timeoff.go).
	TimeOffTimes string
	// Impersonate writes as the technician who made a change
	// (ImpersonationResourceId), falling back to the API user when refused.
	Impersonate bool
	// ZoneTTL is how long a discovered zone is trusted; 24h when 0.
	ZoneTTL time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
}

// Zone is the answer of zoneInformation.
type Zone struct {
	ZoneName string `json:"zoneName"`
	URL      string `json:"url"`    // REST root, e.g. https://webservices5.autotask.net/atservicesrest/
	WebURL   string `json:"webUrl"` // the web UI, for links into the PSA
	CI       int    `json:"ci"`
}

// Client is a typed Autotask REST client. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
	log  *slog.Logger

	mu            sync.Mutex
	zone          *Zone
	zoneAt        time.Time
	sems          map[string]chan struct{}
	refusals      map[string]time.Time // entity → when impersonation was refused
	webhookSecret func() string
	apiResource   int64 // the API user's resource, once found
	noteDefaults  *noteDefaults

	nextMethod  atomic.Value // string: the verb next pages are read with
	rec         *recorder
	timeOffZone *time.Location // nil: time-off times are UTC

	requests, failures, throttled atomic.Int64
}

// New returns a client; it makes no call until one is needed.
func New(cfg Config) (*Client, error) {
	if cfg.Username == "" || cfg.Secret == "" || cfg.IntegrationCode == "" {
		return nil, fmt.Errorf("autotask: user name, secret and integration code are all required")
	}
	if cfg.DiscoveryURL == "" {
		cfg.DiscoveryURL = DefaultDiscoveryURL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.PerEndpoint <= 0 {
		cfg.PerEndpoint = 3
	}
	if cfg.ZoneTTL <= 0 {
		cfg.ZoneTTL = 24 * time.Hour
	}
	switch cfg.Paging {
	case "":
		cfg.Paging = "keyset"
	case "keyset", "next":
	default:
		return nil, fmt.Errorf("autotask: paging must be keyset or next, not %q", cfg.Paging)
	}
	switch strings.ToUpper(cfg.NextPageMethod) {
	case "":
		cfg.NextPageMethod = http.MethodPost
	case http.MethodGet, http.MethodPost:
		cfg.NextPageMethod = strings.ToUpper(cfg.NextPageMethod)
	default:
		return nil, fmt.Errorf("autotask: next page method must be GET or POST, not %q", cfg.NextPageMethod)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	offset, err := parseTimeOffTimes(cfg.TimeOffTimes)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, http: cfg.HTTPClient, log: cfg.Logger, sems: map[string]chan struct{}{}, refusals: map[string]time.Time{},
		timeOffZone: offset}
	c.nextMethod.Store(cfg.NextPageMethod)
	if cfg.RecordDir != "" {
		if c.rec, err = newRecorder(cfg.RecordDir, cfg); err != nil {
			return nil, err
		}
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if cfg.ZoneURL != "" {
		c.zone = &Zone{ZoneName: "configured", URL: withSlash(cfg.ZoneURL)}
	}
	return c, nil
}

func withSlash(u string) string {
	if !strings.HasSuffix(u, "/") {
		return u + "/"
	}
	return u
}

// Stats counts the client's calls since it started.
type Stats struct {
	Requests, Failures, Throttled int64
}

// Stats returns the client's call counters.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.requests.Load(), Failures: c.failures.Load(), Throttled: c.throttled.Load()}
}

// Zone returns the tenant's zone, discovering it when not known (or stale).
func (c *Client) Zone(ctx context.Context) (Zone, error) {
	c.mu.Lock()
	z, at := c.zone, c.zoneAt
	c.mu.Unlock()
	if z != nil && (c.cfg.ZoneURL != "" || c.cfg.Now().Sub(at) < c.cfg.ZoneTTL) {
		return *z, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u := withSlash(c.cfg.DiscoveryURL) + "v1.0/zoneInformation?user=" + url.QueryEscape(c.cfg.Username)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Zone{}, err
	}
	c.requests.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		c.failures.Add(1)
		return Zone{}, &backend.Error{Kind: backend.KindTransient, Message: "zone discovery: " + err.Error(), Op: "zoneInformation"}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	c.rec.exchange(req, nil, resp, body)
	if resp.StatusCode != http.StatusOK {
		c.failures.Add(1)
		e := classify(resp.StatusCode, resp.Header, body, "zoneInformation")
		if resp.StatusCode == http.StatusInternalServerError {
			e.Kind = backend.KindAuth // Autotask answers an unknown user with 500 (docs/autotask.md A13)
		}
		return Zone{}, e
	}
	var zone Zone
	if err := json.Unmarshal(body, &zone); err != nil || zone.URL == "" {
		return Zone{}, &backend.Error{Kind: backend.KindTransient, Message: "zone discovery: no zone URL in the answer", Op: "zoneInformation"}
	}
	zone.URL = withSlash(zone.URL)
	c.mu.Lock()
	c.zone, c.zoneAt = &zone, c.cfg.Now()
	c.mu.Unlock()
	c.log.Info("autotask zone", "zone", zone.ZoneName, "url", zone.URL)
	return zone, nil
}

// forgetZone drops a discovered zone after a 401: the tenant may have moved.
func (c *Client) forgetZone() bool {
	if c.cfg.ZoneURL != "" {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.zone = nil
	return true
}

// request is one API call.
type request struct {
	method string
	path   string // "v1.0/Contacts/query", or an absolute nextPageUrl
	body   any
	as     *int64 // ImpersonationResourceId
}

// do makes a call with a deadline, at most PerEndpoint at a time for its
// endpoint, and decodes a 2xx answer into out. A 401 discovers the zone
// again and retries once.
func (c *Client) do(ctx context.Context, r request, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	sem := c.semaphore(endpointOf(r.path))
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return &backend.Error{Kind: backend.KindTransient, Message: "waiting for a free call slot: " + ctx.Err().Error(), Op: r.op()}
	}
	defer func() { <-sem }()
	for attempt := 0; ; attempt++ {
		status, header, body, err := c.send(ctx, r)
		if err != nil {
			return err
		}
		if status == http.StatusUnauthorized && attempt == 0 && c.forgetZone() {
			c.log.Warn("autotask answered 401; looking the zone up again")
			continue
		}
		if status < 200 || status > 299 {
			c.failures.Add(1)
			e := classify(status, header, body, r.op())
			if e.Kind == backend.KindThrottled {
				c.throttled.Add(1)
			}
			return e
		}
		if out == nil || len(body) == 0 {
			return nil
		}
		if err := json.Unmarshal(body, out); err != nil {
			return &backend.Error{Kind: backend.KindTransient, Status: status, Message: "undecodable answer: " + err.Error(), Op: r.op()}
		}
		return nil
	}
}

func (r request) op() string {
	p := afterVersion(r.path)
	if i := strings.IndexAny(p, "?"); i >= 0 {
		p = p[:i]
	}
	return r.method + " " + p
}

// afterVersion is what follows "v1.0/" in a path or URL, matched
// regardless of case: Autotask writes nextPageUrl with an upper-case
// …/ATServicesRest/V1.0/… (docs/autotask.md A2).
func afterVersion(p string) string {
	if i := strings.Index(strings.ToLower(p), "v1.0/"); i >= 0 {
		return p[i+len("v1.0/"):]
	}
	return p
}

// send makes one HTTP exchange. Credentials go only to the zone's host.
func (c *Client) send(ctx context.Context, r request) (int, http.Header, []byte, error) {
	zone, err := c.Zone(ctx)
	if err != nil {
		return 0, nil, nil, err
	}
	target := r.path
	if u, err := url.Parse(target); err != nil || u.IsAbs() || u.Host != "" {
		// An absolute URL (a nextPageUrl, its scheme in any case) goes
		// out only to the zone's own host.
		if err != nil || !sameOrigin(target, zone.URL) {
			return 0, nil, nil, &backend.Error{Kind: backend.KindValidation, Message: "refusing to send credentials to " + originOf(target) + ", which is not the tenant's zone", Op: r.op()}
		}
	} else {
		target = zone.URL + target
	}
	var rd io.Reader
	var sent []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("autotask: encoding %s: %w", r.op(), err)
		}
		rd, sent = bytes.NewReader(b), b
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("ApiIntegrationCode", c.cfg.IntegrationCode)
	req.Header.Set("UserName", c.cfg.Username)
	req.Header.Set("Secret", c.cfg.Secret)
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.as != nil {
		req.Header.Set("ImpersonationResourceId", fmt.Sprint(*r.as))
	}
	c.requests.Add(1)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.failures.Add(1)
		return 0, nil, nil, &backend.Error{Kind: backend.KindTransient, Message: err.Error(), Op: r.op()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		c.failures.Add(1)
		return 0, nil, nil, &backend.Error{Kind: backend.KindTransient, Message: "reading the answer: " + err.Error(), Op: r.op()}
	}
	c.log.Debug("autotask call", "op", r.op(), "status", resp.StatusCode, "bytes", len(body),
		"duration", time.Since(start).Round(time.Millisecond))
	c.rec.exchange(req, sent, resp, body)
	return resp.StatusCode, resp.Header, body, nil
}

func (c *Client) semaphore(endpoint string) chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sems[endpoint]
	if s == nil {
		s = make(chan struct{}, c.cfg.PerEndpoint)
		c.sems[endpoint] = s
	}
	return s
}

// endpointOf names the object endpoint a path calls (Autotask limits
// concurrency per endpoint): the first segment after v1.0/, in any case,
// so a next page (…/ATServicesRest/V1.0/Contacts/query/next) counts
// against Contacts like the query that led to it.
func endpointOf(path string) string {
	if u, err := url.Parse(path); err == nil && u.Path != "" {
		path = u.Path
	}
	path = afterVersion(path)
	seg, _, _ := strings.Cut(path, "/")
	seg, _, _ = strings.Cut(seg, "?")
	return strings.ToLower(seg)
}

func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && strings.EqualFold(ua.Host, ub.Host)
}

func originOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Scheme + "://" + p.Host
	}
	return "another host"
}
