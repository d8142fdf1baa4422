package autotask_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
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

const (
	user   = "api@example.com"
	secret = "s3cr3t-value"
	code   = "INTEGRATION-CODE"
	apiRes = 29999999
)

var day = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newTenant(t *testing.T) *fakeautotask.Tenant {
	t.Helper()
	ft := fakeautotask.New(fakeautotask.Options{Username: user, Secret: secret, IntegrationCode: code, APIResourceID: apiRes,
		Now: func() time.Time { return day }}).Start()
	t.Cleanup(ft.Close)
	return ft
}

func connect(t *testing.T, ft *fakeautotask.Tenant, tweak func(*autotask.Config)) *autotask.Connector {
	t.Helper()
	cfg := autotask.Config{Username: user, Secret: secret, IntegrationCode: code, DiscoveryURL: ft.DiscoveryURL(), Impersonate: true,
		Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := autotask.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pullAll(t *testing.T, c *autotask.Connector, q backend.Query) []backend.Record {
	t.Helper()
	var out []backend.Record
	if err := c.Pull(context.Background(), q, func(p backend.Page) error {
		out = append(out, p.Records...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPagingKeysetAndNextPage(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 2600)
	for _, mode := range []string{"keyset", "next", "shuffled"} {
		t.Run(mode, func(t *testing.T) {
			ft.ResetLog()
			ft.ShufflePages(mode == "shuffled")
			defer ft.ShufflePages(false)
			c := connect(t, ft, func(cfg *autotask.Config) {
				if mode == "next" {
					cfg.Paging = "next"
				}
			})
			recs := pullAll(t, c, backend.Query{Entity: mapping.EntityContacts})
			if len(recs) != ft.Len(mapping.EntityContacts) {
				t.Fatalf("read %d contacts, tenant has %d", len(recs), ft.Len(mapping.EntityContacts))
			}
			seen := map[int64]bool{}
			for _, r := range recs {
				if seen[r.ID] {
					t.Fatalf("contact %d read twice", r.ID)
				}
				seen[r.ID] = true
				if r.Rec.(*mapping.Contact).ID != r.ID || len(r.Raw) == 0 {
					t.Fatalf("record %+v", r)
				}
			}
			queries := ft.Count(func(r fakeautotask.Request) bool { return r.Endpoint == "Contacts" })
			if want := (ft.Len(mapping.EntityContacts) + 499) / 500; queries != want {
				t.Errorf("%s: %d requests for %d contacts, want %d pages of 500", mode, queries, ft.Len(mapping.EntityContacts), want)
			}
		})
	}
}

func TestQueryFiltersSinceAndWindow(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 0)
	c := connect(t, ft, nil)
	ctx := context.Background()
	w := backend.Window{From: day.AddDate(0, 0, -7), To: day.AddDate(0, 0, 7)}
	recs := pullAll(t, c, backend.Query{Entity: mapping.EntityAppointments, Window: &w})
	if len(recs) == 0 {
		t.Fatal("no appointments in the window")
	}
	for _, r := range recs {
		a := r.Rec.(*mapping.Appointment)
		if !a.StartDateTime.Before(w.To) || !a.EndDateTime.After(w.From) {
			t.Fatalf("appointment outside the window: %+v", a)
		}
	}
	total, err := c.Count(ctx, backend.Query{Entity: mapping.EntityAppointments})
	if err != nil || total <= len(recs) {
		t.Fatalf("count %d (%v) vs %d in window", total, err, len(recs))
	}
	// A change moves both stamps; since-queries see it and only it.
	since := day.Add(time.Minute)
	id := ft.IDs(mapping.EntityContacts)[3]
	if err := ft.Update(mapping.EntityContacts, id, map[string]any{"title": "Chief Tester"}, 1); err != nil {
		t.Fatal(err)
	}
	recs = pullAll(t, c, backend.Query{Entity: mapping.EntityContacts, Since: &since})
	if len(recs) != 0 {
		t.Fatalf("the tenant clock did not move, yet %d changed", len(recs))
	}
	before := day.Add(-time.Minute)
	recs = pullAll(t, c, backend.Query{Entity: mapping.EntityContacts, Since: &before})
	if len(recs) != 1 || recs[0].ID != id || recs[0].Rec.(*mapping.Contact).Title != "Chief Tester" || recs[0].Stamp == nil {
		t.Fatalf("changed since: %+v", recs)
	}
	// Scoped reads by id lists.
	ids := ft.IDs(mapping.EntityContacts)[:3]
	recs = pullAll(t, c, backend.Query{Entity: mapping.EntityContacts, Field: "id", In: ids})
	if len(recs) != 3 {
		t.Fatalf("by ids: %d", len(recs))
	}
	var sweep []int64
	if err := c.Pull(ctx, backend.Query{Entity: mapping.EntityCompanies, IDsOnly: true}, func(p backend.Page) error {
		sweep = append(sweep, p.IDs...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(sweep) != ft.Len(mapping.EntityCompanies) || sweep[0] != 0 {
		t.Fatalf("sweep ids: %d of %d, first %v (company 0 is the PSA's own)", len(sweep), ft.Len(mapping.EntityCompanies), sweep[:1])
	}
}

func TestErrorsAndZone(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 0)
	ctx := context.Background()
	bad := connect(t, ft, func(cfg *autotask.Config) { cfg.Secret = "wrong" })
	if _, err := bad.Budget(ctx); backend.KindOf(err) != backend.KindAuth {
		t.Fatalf("wrong secret: %v", err)
	}
	c := connect(t, ft, nil)
	if _, err := c.Budget(ctx); err != nil {
		t.Fatal(err)
	}
	// The tenant moves zone: one 401, a new discovery, and the call succeeds.
	ft.MoveZone()
	ft.ResetLog()
	if _, err := c.Budget(ctx); err != nil {
		t.Fatalf("after a zone move: %v", err)
	}
	if n := ft.Count(func(r fakeautotask.Request) bool { return r.Kind == "zone" }); n != 1 {
		t.Errorf("zone looked up %d times after the 401, want 1", n)
	}
	ft.Throttle(1, 42)
	_, err := c.Budget(ctx)
	var e *backend.Error
	if !errors.As(err, &e) || e.Kind != backend.KindThrottled || e.RetryAfter != 42*time.Second {
		t.Fatalf("429: %#v", err)
	}
	ft.SetOutage(true)
	if _, err := c.Budget(ctx); backend.KindOf(err) != backend.KindTransient || !backend.Retryable(err) {
		t.Fatalf("503: %v", err)
	}
	ft.SetOutage(false)
	if _, err := c.Get(ctx, mapping.EntityContacts, 424242); backend.KindOf(err) != backend.KindNotFound {
		t.Fatalf("missing id: %v", err)
	}
}

func TestPushPathsAndImpersonation(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 0)
	c := connect(t, ft, nil)
	ctx := context.Background()
	tech := int64(29682901)
	res, err := c.Push(ctx, backend.Change{Entity: mapping.EntityContacts, Op: backend.OpCreate, AsResource: &tech,
		Fields: map[string]any{"companyID": 174, "firstName": "Nia", "lastName": "New", "isActive": 1}})
	if err != nil || res.ID == 0 || !res.Impersonated {
		t.Fatalf("create: %+v %v", res, err)
	}
	reqs := ft.Requests()
	last := reqs[len(reqs)-1]
	if last.Method != "POST" || last.Path != "v1.0/Companies/174/Contacts" || last.Impersonate != "29682901" {
		t.Fatalf("create went to %s %s as %q", last.Method, last.Path, last.Impersonate)
	}
	cur := &mapping.Contact{ID: res.ID, CompanyID: 174}
	_, err = c.Push(ctx, backend.Change{Entity: mapping.EntityContacts, Op: backend.OpUpdate, ID: res.ID, Current: cur,
		Fields: map[string]any{"title": "CTO"}})
	if err != nil {
		t.Fatal(err)
	}
	reqs = ft.Requests()
	last = reqs[len(reqs)-1]
	if last.Method != "PATCH" || last.Path != "v1.0/Companies/174/Contacts" || !strings.Contains(last.Body, `"title":"CTO"`) ||
		strings.Count(last.Body, ":") != 2 {
		t.Fatalf("update: %s %s %s", last.Method, last.Path, last.Body)
	}
	// Over-long values come back as a validation refusal with the PSA's words.
	_, err = c.Push(ctx, backend.Change{Entity: mapping.EntityContacts, Op: backend.OpUpdate, ID: res.ID, Current: cur,
		Fields: map[string]any{"title": strings.Repeat("x", 51)}})
	var e *backend.Error
	if !errors.As(err, &e) || e.Kind != backend.KindValidation || !strings.Contains(e.Message, "maximum length of 50") {
		t.Fatalf("too long: %v", err)
	}
	// Impersonation refused: written as the API user, and remembered.
	ft.RefuseImpersonation(true)
	res, err = c.Push(ctx, backend.Change{Entity: mapping.EntityContacts, Op: backend.OpUpdate, ID: res.ID, Current: cur,
		AsResource: &tech, Fields: map[string]any{"title": "CIO"}})
	if err != nil || res.Impersonated || !strings.Contains(res.Note, "refused") {
		t.Fatalf("impersonation fallback: %+v %v", res, err)
	}
	ft.ResetLog()
	if _, err := c.Push(ctx, backend.Change{Entity: mapping.EntityContacts, Op: backend.OpUpdate, ID: res.ID, Current: cur,
		AsResource: &tech, Fields: map[string]any{"title": "CEO"}}); err != nil {
		t.Fatal(err)
	}
	if n := ft.Count(nil); n != 1 {
		t.Errorf("a remembered refusal still costs %d requests", n)
	}
	ft.DenyWrites(mapping.EntityContacts, "The logged in Resource does not have the adequate permissions to update this entity.")
	_, err = c.Push(ctx, backend.Change{Entity: mapping.EntityContacts, Op: backend.OpUpdate, ID: res.ID, Current: cur,
		Fields: map[string]any{"title": "CFO"}})
	if backend.KindOf(err) != backend.KindPermission {
		t.Fatalf("permission: %v", err)
	}
	if _, err := c.Push(ctx, backend.Change{Entity: mapping.EntityContacts, Op: backend.OpUpdate, ID: 1, Fields: map[string]any{"title": "x"}}); err == nil {
		t.Fatal("a contact update without its company was sent")
	}
}

// TestSignature checks the escaping against a body escaped by hand.
func TestSignature(t *testing.T) {
	body := []byte(`{"Action":"Update","Fields":{"lastName":"Müller & <Söhne> 'x' \"q\" a+b ` + "`" + `😀","n":5}}`)
	escaped := `{"Action":"Update","Fields":{"lastName":"M\u00FCller \u0026 \u003CS\u00F6hne\u003E \u0027x\u0027 \u0022q\u0022 a\u002Bb \u0060\uD83D\uDE00","n":5}}`
	if got := string(autotask.EscapeForSignature(body)); got != escaped {
		t.Fatalf("escaped:\n%s\nwant\n%s", got, escaped)
	}
	m := hmac.New(sha1.New, []byte("key"))
	m.Write([]byte(escaped))
	want := "sha1=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
	if got := autotask.Sign("key", body); got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	if !autotask.ValidSignature("key", body, want) || autotask.ValidSignature("other", body, want) ||
		autotask.ValidSignature("key", append(body, ' '), want) {
		t.Fatal("signature check")
	}
}

func TestCredentialsStayOnTheZoneHost(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.Header.Get("Secret"))
		mu.Unlock()
		w.Write([]byte(`{"items":[],"pageDetails":{}}`))
	}))
	defer evil.Close()
	zone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"items":[{"id":1,"name":"x"}],"pageDetails":{"count":1,"nextPageUrl":"` + evil.URL + `/v1.0/Countries/query/next"}}`))
	}))
	defer zone.Close()
	c, _ := autotask.NewConnector(autotask.Config{Username: user, Secret: secret, IntegrationCode: code, ZoneURL: zone.URL + "/", Paging: "next"})
	err := c.Pull(context.Background(), backend.Query{Entity: mapping.EntityCountries}, func(backend.Page) error { return nil })
	if err == nil || len(leaked) != 0 {
		t.Fatalf("nextPageUrl to another host: err=%v, secrets sent there: %d", err, len(leaked))
	}
}

func TestCheckReportsHiddenTimeOff(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 100)
	c := connect(t, ft, nil)
	w := backend.Window{From: day.AddDate(0, 0, -90), To: day.AddDate(0, 0, 365)}
	find := func(items []autotask.CheckItem, what string) autotask.CheckItem {
		for _, it := range items {
			if it.What == what {
				return it
			}
		}
		t.Fatalf("no finding for %s in %+v", what, items)
		return autotask.CheckItem{}
	}
	items := c.Check(context.Background(), w)
	if it := find(items, "TimeOffRequests"); it.Level != autotask.CheckOK {
		t.Fatalf("time off visible: %+v", it)
	}
	if it := find(items, "credentials"); it.Level != autotask.CheckOK {
		t.Fatalf("credentials: %+v", it)
	}
	ft.HideTimeOff(true)
	items = c.Check(context.Background(), w)
	if it := find(items, "TimeOffRequests"); it.Level != autotask.CheckWarn || !strings.Contains(it.Detail, "Proxy time entry") {
		t.Fatalf("hidden time off: %+v", it)
	}
	bad := connect(t, ft, func(cfg *autotask.Config) { cfg.Secret = "nope" })
	if it := find(bad.Check(context.Background(), w), "credentials"); it.Level != autotask.CheckFail {
		t.Fatalf("bad secret: %+v", it)
	}
}

// At most three calls run at once per endpoint (Autotask's thread limit),
// while different endpoints proceed side by side.
func TestThreeCallsPerEndpoint(t *testing.T) {
	var mu sync.Mutex
	inFlight, peak := map[string]int{}, map[string]int{}
	total, totalPeak := 0, 0
	zone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1.0/"), "/")[0]
		mu.Lock()
		inFlight[ep]++
		total++
		peak[ep] = max(peak[ep], inFlight[ep])
		totalPeak = max(totalPeak, total)
		mu.Unlock()
		time.Sleep(40 * time.Millisecond)
		mu.Lock()
		inFlight[ep]--
		total--
		mu.Unlock()
		w.Write([]byte(`{"item":{"id":1}}`))
	}))
	defer zone.Close()
	c, _ := autotask.NewConnector(autotask.Config{Username: user, Secret: secret, IntegrationCode: code, ZoneURL: zone.URL + "/",
		Logger: slog.New(slog.DiscardHandler)})
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		for _, e := range []mapping.Entity{mapping.EntityContacts, mapping.EntityCompanies} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.Get(context.Background(), e, 1)
			}()
		}
	}
	wg.Wait()
	if peak["Contacts"] != 3 || peak["Companies"] != 3 || totalPeak < 4 {
		t.Fatalf("peak in flight: %v, overall %d", peak, totalPeak)
	}
}

func TestToDoWritesGoThroughTheCompany(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 100)
	c := connect(t, ft, nil)
	ctx := context.Background()
	var todo map[string]any
	for _, id := range ft.IDs(mapping.EntityCompanyToDos) {
		todo, _ = ft.Record(mapping.EntityCompanyToDos, id)
		break
	}
	cur := &mapping.ToDo{}
	if err := json.Unmarshal(mustJSON(todo), cur); err != nil {
		t.Fatal(err)
	}
	id := cur.ID
	// Completing, then re-opening (completedDate null).
	for _, v := range []any{day.Format(time.RFC3339), nil} {
		if _, err := c.Push(ctx, backend.Change{Entity: mapping.EntityCompanyToDos, Op: backend.OpUpdate, ID: id, Current: cur,
			Fields: map[string]any{"completedDate": v}}); err != nil {
			t.Fatal(err)
		}
		reqs := ft.Requests()
		last := reqs[len(reqs)-1]
		if last.Path != fmt.Sprintf("v1.0/Companies/%d/ToDos", cur.CompanyID) {
			t.Fatalf("to-do update went to %s", last.Path)
		}
		rec, _ := ft.Record(mapping.EntityCompanyToDos, id)
		if (v == nil) != (rec["completedDate"] == nil) {
			t.Fatalf("completedDate after sending %v: %v", v, rec["completedDate"])
		}
	}
	ft.ForbidReads(mapping.EntityOpportunities)
	err := c.Pull(ctx, backend.Query{Entity: mapping.EntityOpportunities}, func(backend.Page) error { return nil })
	if backend.KindOf(err) != backend.KindPermission {
		t.Fatalf("403: %v", err)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func errorsAs(err error, target **backend.Error) bool { return errors.As(err, target) }
