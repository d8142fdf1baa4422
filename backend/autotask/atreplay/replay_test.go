package atreplay_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/autotask/atreplay"
	"github.com/psadav/psadav/backend/autotask/fakeautotask"
	"github.com/psadav/psadav/mapping"
)

const (
	user   = "api@example.com"
	secret = "s3cr3t-value-never-written"
	code   = "INTEGRATION-CODE-42"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// replay serves a testdata file and connects to it.
func replay(t *testing.T, file string, tweak func(*autotask.Config)) (*autotask.Connector, *atreplay.Server) {
	t.Helper()
	ex, err := atreplay.Load(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	srv := atreplay.Start(ex)
	t.Cleanup(srv.Close)
	cfg := autotask.Config{Username: user, Secret: secret, IntegrationCode: code, ZoneURL: srv.ZoneURL(),
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }, Timeout: 5 * time.Second}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := autotask.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

// done checks that the conversation went as the tenant expects it.
func done(t *testing.T, srv *atreplay.Server) {
	t.Helper()
	if u := srv.Unmatched(); len(u) > 0 {
		t.Errorf("requests the tenant would not have answered so: %v", u)
	}
	if u := srv.Unused(); len(u) > 0 {
		t.Errorf("exchanges never asked for: %v", u)
	}
}

func pull(t *testing.T, c *autotask.Connector, q backend.Query) []backend.Record {
	t.Helper()
	var out []backend.Record
	if err := c.Pull(context.Background(), q, func(p backend.Page) error { out = append(out, p.Records...); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// WYRE-AI/autotask-mcp PR #170: the next page of a POST query is POSTed
// with the query body; GET is answered 405.
func TestReplayNextPageIsPosted(t *testing.T) {
	for _, method := range []string{"", "GET"} {
		c, srv := replay(t, "next_page_post.json", func(cfg *autotask.Config) { cfg.Paging, cfg.NextPageMethod = "next", method })
		recs := pull(t, c, backend.Query{Entity: mapping.EntityCompanies})
		if len(recs) != 3 || recs[2].ID != 175 || recs[2].Rec.(*mapping.Company).IsActive {
			t.Fatalf("configured %q: read %d companies: %+v", method, len(recs), recs)
		}
		done(t, srv)
	}
}

// Servosity/msp-skills #257: no filter is a 500, an empty one no rows; an
// always-true condition reads and counts everything.
func TestReplayQueriesCarryACondition(t *testing.T) {
	for _, mode := range []string{"next", "keyset"} {
		file := "empty_filter.json"
		c, srv := replay(t, file, func(cfg *autotask.Config) { cfg.Paging = mode })
		n, err := c.Count(context.Background(), backend.Query{Entity: mapping.EntityResources})
		if err != nil || n != 3 {
			t.Fatalf("%s: counted %d resources (%v), the tenant has 3", mode, n, err)
		}
		if mode == "keyset" {
			continue // keyset reads carry their own id condition (> -1), not in this file
		}
		if recs := pull(t, c, backend.Query{Entity: mapping.EntityResources}); len(recs) != 3 {
			t.Fatalf("read %d resources", len(recs))
		}
		done(t, srv)
	}
}

// CompanyNotesEntity: name and note, created through the company with the
// fields Autotask requires.
func TestReplayCompanyNotes(t *testing.T) {
	c, srv := replay(t, "company_notes.json", nil)
	r, err := c.Get(context.Background(), mapping.EntityCompanyNotes, 30)
	if err != nil {
		t.Fatal(err)
	}
	n := r.Rec.(*mapping.CompanyNote)
	if n.Name != strings.Repeat("x", 12) || len(n.Note) != 32 || n.ContactID == nil || *n.ContactID != 30682902 {
		t.Fatalf("note decoded as %+v", n)
	}
	tech := int64(29682885)
	res, err := c.Push(context.Background(), backend.Change{Entity: mapping.EntityCompanyNotes, Op: backend.OpCreate, AsResource: &tech,
		Fields: map[string]any{"companyID": 174, "contactID": 30682902, "actionType": 3, "name": "Continued note", "note": "the rest of the text"}})
	if err != nil || res.ID != 31 {
		t.Fatalf("create: %+v %v", res, err)
	}
	done(t, srv)
}

// One zone's HTML 404 to a PATCH is a refusal with its own words, and a
// 404 to a GET by id is no proof of a deletion.
func TestReplayHTMLNotFound(t *testing.T) {
	c, srv := replay(t, "patch_html_404.json", nil)
	ctx := context.Background()
	_, err := c.Push(ctx, backend.Change{Entity: mapping.EntityContacts, Op: backend.OpUpdate, ID: 30682902,
		Current: &mapping.Contact{ID: 30682902, CompanyID: 174}, Fields: map[string]any{"title": "x"}})
	var e *backend.Error
	if !errors.As(err, &e) || e.Status != 404 || !strings.Contains(e.Message, "HTML page") {
		t.Fatalf("PATCH answered with an HTML 404: %v", err)
	}
	if _, err := c.Get(ctx, mapping.EntityContacts, 30682902); backend.KindOf(err) == backend.KindNotFound {
		t.Fatalf("an HTML 404 to a GET was taken for a missing record: %v", err)
	}
	if _, err := c.Get(ctx, mapping.EntityContacts, 424242); backend.KindOf(err) != backend.KindNotFound {
		t.Fatalf("{\"item\": null}: %v", err)
	}
	done(t, srv)
}

// A conversation recorded from a tenant (the fake here) holds no secret
// and no personal data, and replays to the same reads.
func TestRecordThenReplay(t *testing.T) {
	ft := fakeautotask.New(fakeautotask.Options{Username: user, Secret: secret, IntegrationCode: code, APIResourceID: 29999999,
		Now: func() time.Time { return now }}).Start()
	defer ft.Close()
	ft.LoadDemo(now, 700)
	dir := t.TempDir()
	ctx := context.Background()
	cfg := autotask.Config{Username: user, Secret: secret, IntegrationCode: code, DiscoveryURL: ft.DiscoveryURL(), Paging: "next",
		RecordDir: dir, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	c, err := autotask.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	live := pull(t, c, backend.Query{Entity: mapping.EntityContacts})
	liveN, err := c.Count(ctx, backend.Query{Entity: mapping.EntityCountries})
	if err != nil || len(live) != 700 {
		t.Fatalf("live: %d contacts, %v", len(live), err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 4 { // zone, query, next page, count
		t.Fatalf("%d files recorded: %v", len(files), files)
	}
	var all strings.Builder
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all.Write(b)
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is readable by others: %v", f, fi.Mode())
		}
	}
	rec, _ := ft.Record(mapping.EntityContacts, live[123].ID)
	for _, leak := range []string{secret, user, code, rec["lastName"].(string), rec["emailAddress"].(string), rec["firstName"].(string)} {
		if strings.Contains(all.String(), leak) {
			t.Errorf("the recording holds %q", leak)
		}
	}
	if !strings.Contains(all.String(), `"op": "gte"`) || !strings.Contains(all.String(), "ATServicesRest/V1.0/Contacts/query/next") {
		t.Error("the recording lost the query's shape")
	}

	ex, err := atreplay.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := atreplay.Start(ex)
	defer srv.Close()
	cfg.DiscoveryURL, cfg.RecordDir = srv.DiscoveryURL(), ""
	c, _ = autotask.NewConnector(cfg)
	replayed := pull(t, c, backend.Query{Entity: mapping.EntityContacts})
	n, err := c.Count(ctx, backend.Query{Entity: mapping.EntityCountries})
	if err != nil || n != liveN || len(replayed) != len(live) || replayed[699].ID != live[699].ID {
		t.Fatalf("replayed %d contacts and %d countries (%v); live %d and %d", len(replayed), n, err, len(live), liveN)
	}
	if got := replayed[123].Rec.(*mapping.Contact).LastName; got != strings.Repeat("x", len([]rune(rec["lastName"].(string)))) {
		t.Fatalf("redacted last name %q for %q", got, rec["lastName"])
	}
	done(t, srv)
}
