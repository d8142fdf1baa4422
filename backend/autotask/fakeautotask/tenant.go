package fakeautotask

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Options configure a tenant.
type Options struct {
	// The credentials the tenant accepts.
	Username, Secret, IntegrationCode string
	// APIResourceID is the resource of the API user (it makes changes
	// through the API; webhooks can exclude it).
	APIResourceID int64
	Now           func() time.Time // the tenant's clock; time.Now when nil
	// Threshold is the requests allowed per hour (ThresholdInformation); 10,000 when 0.
	Threshold int
}

// Request is one logged API request.
type Request struct {
	At          time.Time
	Method      string
	Path        string // below the zone root: v1.0/Contacts/query
	Endpoint    string // Contacts, ThresholdInformation, zoneInformation, …
	Kind        string // query, next, count, get, create, update, delete, info, fields, threshold, zone, other
	Status      int
	Impersonate string // the ImpersonationResourceId header
	Body        string // the request body (queries and writes)
}

// Delivery is one webhook delivery the tenant made.
type Delivery struct {
	URL    string
	Body   string
	Status int // 0: the receiver could not be reached
}

// Tenant is a fake Autotask database with its API.
type Tenant struct {
	opts Options

	mu     sync.Mutex
	zone   int
	tables map[string]*table
	fields map[string]map[string]fieldMeta // entity → lower-case name → metadata
	pick   map[string]map[string][]pickValue
	// hookFields limits the fields callouts may subscribe to, per entity.
	hookFields map[string]map[string]bool
	nextID     int64
	log        []Request
	outage     int  // answer 503 while set
	throttle   int  // answer 429 to the next n requests
	retryIn    int  // Retry-After seconds for those
	shuffle    bool // answer query pages out of id order
	deny       map[string]string
	forbid     map[string]bool // answer 403 to reads (a security level without access)
	noProxy    bool            // hide time-off requests (the "Proxy time entry" setting off)
	refuseAs   bool            // refuse ImpersonationResourceId on writes
	// htmlPatch404 answers every PATCH with an HTML 404 page, as one zone
	// does for collection-level PATCH (docs/autotask.md A5).
	htmlPatch404 bool
	extUsage     int
	hooks        []*webhook
	seq          int64
	sent         []Delivery
	wg           sync.WaitGroup
	client       *http.Client
	srv          *httptest.Server
}

// New returns a tenant that is not listening yet (see Start, Handler).
func New(opts Options) *Tenant {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Threshold == 0 {
		opts.Threshold = 10000
	}
	t := &Tenant{opts: opts, zone: 5, tables: map[string]*table{}, fields: map[string]map[string]fieldMeta{},
		pick: map[string]map[string][]pickValue{}, hookFields: map[string]map[string]bool{}, nextID: 900000, deny: map[string]string{}, forbid: map[string]bool{}, client: &http.Client{Timeout: 10 * time.Second}}
	for _, e := range mapping.Entities {
		t.tables[string(e)] = newTable()
		t.fields[string(e)] = recordFields(e)
	}
	for _, e := range webhookEntities {
		t.tables[e.name] = newTable()
		t.tables[e.name+"Fields"] = newTable()
		t.tables[e.name+"ExcludedResources"] = newTable()
	}
	return t
}

// Start serves the tenant on a local test server; Close stops it.
func (t *Tenant) Start() *Tenant {
	t.srv = httptest.NewServer(t.Handler())
	return t
}

// Close stops the test server and waits for webhook deliveries.
func (t *Tenant) Close() {
	t.WaitWebhooks()
	if t.srv != nil {
		t.srv.Close()
	}
}

// URL is the server's address (discovery is at URL/atservicesrest/).
func (t *Tenant) URL() string { return t.srv.URL }

// DiscoveryURL is where zone discovery starts.
func (t *Tenant) DiscoveryURL() string { return t.srv.URL + "/atservicesrest/" }

func (t *Tenant) now() time.Time { return t.opts.Now().UTC() }

// Requests returns the request log.
func (t *Tenant) Requests() []Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Request(nil), t.log...)
}

// Count counts logged requests that match.
func (t *Tenant) Count(match func(Request) bool) int {
	n := 0
	for _, r := range t.Requests() {
		if match == nil || match(r) {
			n++
		}
	}
	return n
}

// ResetLog empties the request log.
func (t *Tenant) ResetLog() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.log = nil
}

// Summary counts the logged requests by endpoint and kind, for reports.
func (t *Tenant) Summary() string {
	counts := map[string]int{}
	for _, r := range t.Requests() {
		counts[r.Endpoint+" "+r.Kind]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(itoa(int64(counts[k])))
		b.WriteString("\n")
	}
	return b.String()
}

// SetOutage makes every API call (zone discovery aside) answer 503 while on.
func (t *Tenant) SetOutage(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.outage = 0
	if on {
		t.outage = http.StatusServiceUnavailable
	}
}

// Throttle answers the next n calls with 429 and Retry-After seconds.
func (t *Tenant) Throttle(n, retryAfterSeconds int) {
	t.locked(func() { t.throttle, t.retryIn = n, retryAfterSeconds })
}

// DenyWrites refuses creates, updates and deletes of an entity with an
// HTTP 500 permission message ("" allows them again).
func (t *Tenant) DenyWrites(entity mapping.Entity, message string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if message == "" {
		delete(t.deny, string(entity))
		return
	}
	t.deny[string(entity)] = message
}

// PatchHTML404 answers every PATCH with an HTML 404 page while on, the
// record untouched, as one zone answers collection-level PATCH.
func (t *Tenant) PatchHTML404(on bool) { t.locked(func() { t.htmlPatch404 = on }) }

// RefuseImpersonation refuses writes that carry ImpersonationResourceId.
func (t *Tenant) RefuseImpersonation(on bool) { t.locked(func() { t.refuseAs = on }) }

// HideTimeOff makes time-off queries answer nothing, as a tenant with the
// "Proxy time entry" setting disabled does.
func (t *Tenant) HideTimeOff(on bool) { t.locked(func() { t.noProxy = on }) }

// ShufflePages answers query pages out of id order.
func (t *Tenant) ShufflePages(on bool) { t.locked(func() { t.shuffle = on }) }

// SetExternalUsage adds requests other integrations made this hour to
// ThresholdInformation.
func (t *Tenant) SetExternalUsage(n int) { t.locked(func() { t.extUsage = n }) }

// MoveZone moves the tenant to another zone: the old zone's URL answers 401.
func (t *Tenant) MoveZone() { t.locked(func() { t.zone++ }) }

// locked runs f with the tenant locked.
func (t *Tenant) locked(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f()
}

// ForbidReads answers queries and reads of an entity with 403, as for an
// API user whose security level has no access to it.
func (t *Tenant) ForbidReads(e mapping.Entity) { t.locked(func() { t.forbid[string(e)] = true }) }
