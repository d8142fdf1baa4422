package autotask_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/autotask/fakeautotask"
	"github.com/psadav/psadav/mapping"
)

// Tests of what a real tenant does that the connector once got wrong
// (docs/autotask.md lists each behaviour with its source).

// queryBodies are the bodies of the query requests the tenant received.
func queryBodies(t *testing.T, ft *fakeautotask.Tenant) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range ft.Requests() {
		if r.Kind != "query" && r.Kind != "next" && r.Kind != "count" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
			t.Fatalf("%s %s sent no JSON body: %q", r.Method, r.Path, r.Body)
		}
		out = append(out, m)
	}
	return out
}

// A query always carries a condition: without "filter" a tenant answers
// 500, with "filter": [] zero rows — counts of 0 and empty reads.
func TestQueriesAlwaysCarryACondition(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 100)
	ctx := context.Background()
	for _, mode := range []string{"keyset", "next"} {
		t.Run(mode, func(t *testing.T) {
			ft.ResetLog()
			c := connect(t, ft, func(cfg *autotask.Config) { cfg.Paging = mode })
			for _, e := range []mapping.Entity{mapping.EntityCountries, mapping.EntityResources, mapping.EntityActionTypes} {
				n, err := c.Count(ctx, backend.Query{Entity: e})
				if err != nil || n != ft.Len(e) || n == 0 {
					t.Fatalf("%s: counted %d (%v), the tenant has %d", e, n, err, ft.Len(e))
				}
				if recs := pullAll(t, c, backend.Query{Entity: e}); len(recs) != ft.Len(e) {
					t.Fatalf("%s: read %d of %d", e, len(recs), ft.Len(e))
				}
			}
			n, err := c.QueryCount(ctx, "Countries", nil)
			if err != nil || n != ft.Len(mapping.EntityCountries) {
				t.Fatalf("QueryCount without conditions: %d %v", n, err)
			}
			for _, b := range queryBodies(t, ft) {
				if f, ok := b["filter"].([]any); !ok || len(f) == 0 {
					t.Fatalf("a query went out without a condition: %v", b)
				}
			}
		})
	}
}

// Next pages are POSTed with the query body: the tenant answers GET 405.
func TestNextPagesArePostedWithTheQuery(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 1200)
	for _, method := range []string{"", "GET"} {
		t.Run("configured "+method, func(t *testing.T) {
			ft.ResetLog()
			c := connect(t, ft, func(cfg *autotask.Config) { cfg.Paging, cfg.NextPageMethod = "next", method })
			recs := pullAll(t, c, backend.Query{Entity: mapping.EntityContacts})
			if len(recs) != 1200 {
				t.Fatalf("read %d of 1200 contacts", len(recs))
			}
			var next []fakeautotask.Request
			for _, r := range ft.Requests() {
				if r.Kind == "next" {
					next = append(next, r)
				}
			}
			// 1,200 contacts: a query and two next pages (and, when GET was
			// configured, its one 405 before POST takes over).
			want := 2
			if method == "GET" {
				want = 3
			}
			if len(next) != want {
				t.Fatalf("%d next-page requests, want %d: %+v", len(next), want, next)
			}
			for _, r := range next[len(next)-2:] {
				if r.Method != http.MethodPost || r.Status != http.StatusOK || !strings.Contains(r.Body, `"filter":[`) {
					t.Fatalf("next page: %s %s → %d, body %q", r.Method, r.Path, r.Status, r.Body)
				}
			}
		})
	}
}

// A next-page URL (absolute, …/ATServicesRest/V1.0/Contacts/…) counts
// against its entity's limit of three calls at a time like the query
// that led to it.
func TestNextPagesShareTheirEndpointsLimit(t *testing.T) {
	var mu sync.Mutex
	inFlight, peak := map[string]int{}, map[string]int{}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.ToLower(r.URL.Path)
		ep := strings.Split(path[strings.Index(path, "v1.0/")+len("v1.0/"):], "/")[0]
		mu.Lock()
		inFlight[ep]++
		peak[ep] = max(peak[ep], inFlight[ep])
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		inFlight[ep]--
		mu.Unlock()
		if strings.HasSuffix(path, "/next") {
			w.Write([]byte(`{"items":[{"id":2,"firstName":"B","lastName":"B","companyID":1,"isActive":1}],"pageDetails":{"count":1,"nextPageUrl":null}}`))
			return
		}
		fmt.Fprintf(w, `{"items":[{"id":1,"firstName":"A","lastName":"A","companyID":1,"isActive":1}],"pageDetails":{"count":1,"nextPageUrl":"%s/ATServicesRest/V1.0/Contacts/query/next?paging=%%7B%%7D"}}`, srv.URL)
	}))
	defer srv.Close()
	c, _ := autotask.NewConnector(autotask.Config{Username: user, Secret: secret, IntegrationCode: code, ZoneURL: srv.URL + "/atservicesrest/",
		Paging: "next", Logger: slog.New(slog.DiscardHandler)})
	var wg sync.WaitGroup
	for i := 0; i < 9; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Pull(context.Background(), backend.Query{Entity: mapping.EntityContacts}, func(backend.Page) error { return nil })
		}()
	}
	wg.Wait()
	if peak["contacts"] > 3 {
		t.Fatalf("%d calls to Contacts at once (queries and next pages together), at most 3 allowed", peak["contacts"])
	}
	if peak["contacts"] < 2 {
		t.Fatalf("peak %d: the test did not run calls side by side", peak["contacts"])
	}
}

// A next-page URL on another host is refused, whatever its case.
func TestNextPageHostCheckIgnoresCase(t *testing.T) {
	zone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"items":[{"id":1,"name":"x"}],"pageDetails":{"count":1,"nextPageUrl":"HTTP://EVIL.INVALID/ATServicesRest/V1.0/Countries/query/next"}}`))
	}))
	defer zone.Close()
	c, _ := autotask.NewConnector(autotask.Config{Username: user, Secret: secret, IntegrationCode: code, ZoneURL: zone.URL + "/",
		Paging: "next", Logger: slog.New(slog.DiscardHandler)})
	err := c.Pull(context.Background(), backend.Query{Entity: mapping.EntityCountries}, func(backend.Page) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not the tenant's zone") {
		t.Fatalf("next page on another host: %v", err)
	}
}

// CompanyNotes carry name and note; a journal entry is created through
// its company with the fields Autotask requires.
func TestCompanyNotesInTheRealShape(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 100)
	c := connect(t, ft, nil)
	ctx := context.Background()
	notes := pullAll(t, c, backend.Query{Entity: mapping.EntityCompanyNotes})
	if len(notes) == 0 {
		t.Fatal("no notes read")
	}
	for _, r := range notes {
		n := r.Rec.(*mapping.CompanyNote)
		if n.Name == "" || n.Note == "" || !strings.Contains(string(r.Raw), `"note":`) {
			t.Fatalf("note %d decoded without its text: %+v from %s", r.ID, n, r.Raw)
		}
	}
	contact := pullAll(t, c, backend.Query{Entity: mapping.EntityContacts, Field: "id", In: ft.IDs(mapping.EntityContacts)[:1]})[0].Rec.(*mapping.Contact)
	tech := int64(29682901)
	for _, as := range []*int64{&tech, nil} {
		ft.ResetLog()
		res, err := c.Push(ctx, backend.Change{Entity: mapping.EntityCompanyNotes, Op: backend.OpCreate, AsResource: as,
			Fields: map[string]any{"companyID": contact.CompanyID, "contactID": contact.ID, "name": "Continued from the vCard NOTE",
				"note": strings.Repeat("Long text. ", 40)}})
		if err != nil || res.ID == 0 {
			t.Fatalf("journal entry: %+v %v", res, err)
		}
		var create fakeautotask.Request
		for _, r := range ft.Requests() {
			if r.Kind == "create" {
				create = r
			}
		}
		if create.Method != http.MethodPost || create.Path != fmt.Sprintf("v1.0/Companies/%d/Notes", contact.CompanyID) {
			t.Fatalf("created with %s %s", create.Method, create.Path)
		}
		rec, ok := ft.Record(mapping.EntityCompanyNotes, res.ID)
		if !ok {
			t.Fatal("the note is not in the tenant")
		}
		wantRes := int64(apiRes)
		if as != nil {
			wantRes = tech
		}
		if fmt.Sprint(rec["contactID"]) != fmt.Sprint(contact.ID) || rec["name"] != "Continued from the vCard NOTE" ||
			fmt.Sprint(rec["assignedResourceID"]) != fmt.Sprint(wantRes) || rec["actionType"] == nil || rec["startDateTime"] == nil {
			t.Fatalf("the note as the tenant has it: %v", rec)
		}
		got, err := c.Get(ctx, mapping.EntityCompanyNotes, res.ID)
		if err != nil || got.Rec.(*mapping.CompanyNote).Note != strings.Repeat("Long text. ", 40) {
			t.Fatalf("read back: %+v %v", got, err)
		}
	}
	// Without the company it cannot be written, and says so.
	if _, err := c.Push(ctx, backend.Change{Entity: mapping.EntityCompanyNotes, Op: backend.OpCreate,
		Fields: map[string]any{"contactID": contact.ID, "note": "x"}}); backend.KindOf(err) != backend.KindValidation {
		t.Fatalf("a note without its company: %v", err)
	}
}

// A tenant whose time-off times are wall-clock times is read that way
// when told so; UTC is the default.
func TestTimeOffTimes(t *testing.T) {
	ft := newTenant(t)
	start, end := time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC), time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	ft.Load(mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 77, ResourceID: 29682901, RequestDate: start.Truncate(24 * time.Hour),
		StartTime: &start, EndTime: &end, Hours: 4, Status: 42})
	ctx := context.Background()
	for _, tc := range []struct{ setting, want string }{
		{"", "2026-03-04T08:00:00Z"}, {"utc", "2026-03-04T08:00:00Z"},
		{"local:Europe/Berlin", "2026-03-04T07:00:00Z"}, {"local:America/New_York", "2026-03-04T13:00:00Z"},
	} {
		c := connect(t, ft, func(cfg *autotask.Config) { cfg.TimeOffTimes = tc.setting })
		r, err := c.Get(ctx, mapping.EntityTimeOffRequests, 77)
		if err != nil {
			t.Fatal(err)
		}
		got := r.Rec.(*mapping.TimeOffRequest)
		if s := got.StartTime.Format(time.RFC3339); s != tc.want || got.EndTime.Sub(*got.StartTime) != 4*time.Hour {
			t.Errorf("%q: start %s end %s, want start %s", tc.setting, s, got.EndTime, tc.want)
		}
		if !strings.Contains(string(r.Raw), `"startTime":"2026-03-04T08:00:00`) {
			t.Errorf("%q: the raw record changed: %s", tc.setting, r.Raw)
		}
	}
	for _, bad := range []string{"local:", "local:Mars/Olympus", "berlin"} {
		if _, err := autotask.NewConnector(autotask.Config{Username: user, Secret: secret, IntegrationCode: code, TimeOffTimes: bad}); err == nil {
			t.Errorf("time-off times %q accepted", bad)
		}
	}
}

// Callouts subscribe to the fields psadav maps, never to change stamps;
// a callout that could subscribe to none is not left behind.
func TestWebhookInstallSubscribesMappedFieldsOnly(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 50)
	c := connect(t, ft, nil)
	ctx := context.Background()
	setup := autotask.WebhookSetup{BaseURL: "https://dav.example.com", Secret: "s"}
	hooks, err := c.InstallWebhooks(ctx, setup)
	if err != nil || len(hooks) != 2 {
		t.Fatalf("install: %+v %v", hooks, err)
	}
	fields := ft.WebhookFields(mapping.EntityContacts)
	joined := "," + strings.Join(fields, ",") + ","
	for _, stamp := range []string{"lastmodifieddate", "lastactivitydate", "createdate"} {
		if strings.Contains(joined, ","+stamp+",") {
			t.Errorf("the contact callout subscribes to %s, which moves on every activity: %v", stamp, fields)
		}
	}
	for _, f := range []string{"firstname", "lastname", "emailaddress", "isactive"} {
		if !strings.Contains(joined, ","+f+",") {
			t.Errorf("the contact callout misses %s: %v", f, fields)
		}
	}
	if strings.Contains(","+strings.Join(ft.WebhookFields(mapping.EntityCompanies), ",")+",", ",lasttrackedmodifieddatetime,") {
		t.Error("the company callout subscribes to its change stamp")
	}
	// A tenant that offers only change stamps for webhooks: no callout.
	ft.LimitWebhookFields(mapping.EntityContacts, "lastModifiedDate", "lastActivityDate")
	hooks, err = c.InstallWebhooks(ctx, setup)
	if err == nil || !strings.Contains(err.Error(), "could not subscribe to any field") {
		t.Fatalf("install with no field to subscribe: %+v %v", hooks, err)
	}
	for _, h := range ft.Webhooks() {
		if strings.HasPrefix(h, "Contacts") {
			t.Fatalf("a contact callout without fields was left: %v", ft.Webhooks())
		}
	}
}

// The error envelopes a tenant really uses are read: ASP.NET's
// {"Message": …} and an HTML page.
func TestErrorEnvelopes(t *testing.T) {
	for _, tc := range []struct {
		status      int
		contentType string
		body        string
		kind        backend.ErrorKind
		message     string
	}{
		{405, "application/json", `{"Message":"The requested resource does not support http method 'GET'."}`, backend.KindValidation, "does not support http method 'GET'"},
		{500, "application/json", `{"errors":["Value cannot be null.\r\nParameter name: filters"]}`, backend.KindValidation, "Parameter name: filters"},
		{404, "text/html", `<html><body><h2>404 - File or directory not found.</h2></body></html>`, backend.KindNotFound, "HTML page"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tc.contentType)
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		}))
		c, _ := autotask.NewConnector(autotask.Config{Username: user, Secret: secret, IntegrationCode: code, ZoneURL: srv.URL + "/",
			Logger: slog.New(slog.DiscardHandler)})
		_, err := c.Push(context.Background(), backend.Change{Entity: mapping.EntityAppointments, Op: backend.OpUpdate, ID: 1,
			Fields: map[string]any{"title": "x"}})
		var e *backend.Error
		if !errorsAs(err, &e) || e.Kind != tc.kind || !strings.Contains(e.Message, tc.message) {
			t.Errorf("HTTP %d %s: %v", tc.status, tc.body, err)
		}
		srv.Close()
	}
}
