package dav_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psadav/psadav/dav"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// Benchmarks of the request hot paths over a store holding n contacts in
// one user's book, each on SQLite and on PostgreSQL (PSADAV_TEST_POSTGRES).
// Run:
//
//	go test -run XXX -bench . -benchmem ./dav/
type benchEnv struct {
	srv   *httptest.Server
	hrefs []string
	book  string
	token string
}

// onEachDatabase runs bench once per database, as sub-benchmarks "sqlite"
// and "postgres" (skipped when no test PostgreSQL is configured).
func onEachDatabase(b *testing.B, bench func(b *testing.B, open func(testing.TB, ...storagetest.Options) *storage.Store)) {
	b.Run("sqlite", func(b *testing.B) { bench(b, storagetest.OpenSQLite) })
	b.Run("postgres", func(b *testing.B) { bench(b, storagetest.OpenPostgres) })
}

func newBenchEnv(b *testing.B, s *storage.Store, n int) *benchEnv {
	b.Helper()
	ctx := context.Background()
	must(b, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		owner := int64(100)
		if _, err := tx.UpsertPSA(ctx, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", OwnerResourceID: &owner, IsActive: true}, nil); err != nil {
			return err
		}
		for i := range n {
			c := &mapping.Contact{ID: int64(1000 + i), CompanyID: 1, IsActive: 1, FirstName: "First", LastName: fmt.Sprint("Last", i),
				Title: "Office Manager", EmailAddress: fmt.Sprintf("p%d@example.com", i), Phone: "+1 555 0100", Extension: "12",
				MobilePhone: "+1 555 0199", AddressLine: "1 Main Street", City: "Springfield", ZipCode: "62701"}
			if _, err := tx.UpsertPSA(ctx, mapping.EntityContacts, c, nil); err != nil {
				return err
			}
		}
		return nil
	}))
	st := storage.DefaultUserSettings()
	st.ContactsScope = storage.ScopeAll
	if _, err := s.CreateAccount(ctx, "bench", "bench-pw", nil, st); err != nil {
		b.Fatal(err)
	}
	cacheObjects(b, s)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &benchEnv{srv: httptest.NewServer(dav.New(dav.Options{Store: s, Logger: log})), book: "/dav/addressbooks/bench/contacts/"}
	b.Cleanup(e.srv.Close)
	for i := range n {
		e.hrefs = append(e.hrefs, fmt.Sprintf("%scontact-%d.vcf", e.book, 1000+i))
	}
	_, body := e.request(b, "REPORT", e.book, `<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`)
	e.token = tokenRe.FindStringSubmatch(body)[1]
	return e
}

// cacheObjects turns the GET cache on as psadav serve does (PostgreSQL
// only) and waits for its listener.
func cacheObjects(b *testing.B, s *storage.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	s.CacheObjects(ctx)
	for deadline := time.Now().Add(5 * time.Second); s.Dialect() == storage.Postgres; time.Sleep(time.Millisecond) {
		if s.ObjectCacheState().Live {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the object cache's listener did not connect")
		}
	}
}

func (e *benchEnv) request(b testing.TB, method, path, body string, headers ...string) (*http.Response, string) {
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.SetBasicAuth("bench", "bench-pw")
	if body != "" {
		req.Header.Set("Content-Type", "application/xml")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(out)
}

func BenchmarkGET(b *testing.B) {
	onEachDatabase(b, func(b *testing.B, open func(testing.TB, ...storagetest.Options) *storage.Store) {
		e := newBenchEnv(b, open(b), 2000)
		var n atomic.Int64
		b.SetParallelism(8)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := n.Add(1)
				if resp, _ := e.request(b, "GET", e.hrefs[int(i)%len(e.hrefs)], ""); resp.StatusCode != 200 {
					b.Fatal(resp.Status)
				}
			}
		})
	})
}

func BenchmarkMultiget100(b *testing.B) {
	onEachDatabase(b, func(b *testing.B, open func(testing.TB, ...storagetest.Options) *storage.Store) {
		e := newBenchEnv(b, open(b), 2000)
		var q strings.Builder
		q.WriteString(`<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data/></d:prop>`)
		for _, h := range e.hrefs[:100] {
			q.WriteString("<d:href>" + h + "</d:href>")
		}
		q.WriteString("</c:addressbook-multiget>")
		body := q.String()
		b.ResetTimer()
		for b.Loop() {
			if resp, _ := e.request(b, "REPORT", e.book, body); resp.StatusCode != 207 {
				b.Fatal(resp.Status)
			}
		}
	})
}

func BenchmarkSyncCollectionNoChange(b *testing.B) {
	onEachDatabase(b, func(b *testing.B, open func(testing.TB, ...storagetest.Options) *storage.Store) {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprint(n), func(b *testing.B) {
				e := newBenchEnv(b, open(b), n)
				body := `<d:sync-collection xmlns:d="DAV:"><d:sync-token>` + e.token + `</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`
				b.ResetTimer()
				for b.Loop() {
					if resp, out := e.request(b, "REPORT", e.book, body); resp.StatusCode != 207 || strings.Contains(out, "<d:response>") {
						b.Fatal(resp.Status, out)
					}
				}
			})
		}
	})
}

func BenchmarkPropfindDepth1(b *testing.B) {
	onEachDatabase(b, func(b *testing.B, open func(testing.TB, ...storagetest.Options) *storage.Store) {
		e := newBenchEnv(b, open(b), 10000)
		q := `<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`
		b.ResetTimer()
		for b.Loop() {
			if resp, _ := e.request(b, "PROPFIND", e.book, q, "Depth", "1"); resp.StatusCode != 207 {
				b.Fatal(resp.Status)
			}
		}
	})
}

// BenchmarkPUTIfMatch rewrites PSA contacts with a changing property the
// PSA has no field for (kept for the user), as psadav bench does.
func BenchmarkPUTIfMatch(b *testing.B) {
	onEachDatabase(b, func(b *testing.B, open func(testing.TB, ...storagetest.Options) *storage.Store) {
		e := newBenchEnv(b, open(b), 500)
		type member struct{ etag, body string }
		members := make([]member, len(e.hrefs))
		for i, h := range e.hrefs {
			resp, body := e.request(b, "GET", h, "")
			members[i] = member{resp.Header.Get("ETag"), body}
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			m := &members[i%len(members)]
			body := strings.Replace(m.body, "END:VCARD", fmt.Sprintf("X-BENCH:%d\r\nEND:VCARD", i), 1)
			resp, out := e.request(b, "PUT", e.hrefs[i%len(members)], body, "Content-Type", "text/vcard", "If-Match", m.etag)
			if resp.StatusCode != 204 {
				b.Fatal(resp.Status, out)
			}
			if et := resp.Header.Get("ETag"); et != "" {
				m.etag = et
			} else {
				head, _ := e.request(b, "HEAD", e.hrefs[i%len(members)], "")
				m.etag = head.Header.Get("ETag")
			}
		}
	})
}

// BenchmarkCalendarQueryMonth asks for one month of a 20,000-event calendar.
func BenchmarkCalendarQueryMonth(b *testing.B) {
	onEachDatabase(b, func(b *testing.B, open func(testing.TB, ...storagetest.Options) *storage.Store) {
		s := open(b)
		ctx := context.Background()
		day := time.Now().UTC().Truncate(24 * time.Hour)
		const n = 20000
		step := 360 * 24 * time.Hour / n
		must(b, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			for i := range n {
				start := day.Add(-60 * 24 * time.Hour).Add(time.Duration(i) * step).Truncate(time.Minute)
				a := &mapping.Appointment{ID: int64(1 + i), ResourceID: 100, Title: fmt.Sprint("Visit ", i),
					Description: "Agenda: review open tickets", StartDateTime: start, EndDateTime: start.Add(30 * time.Minute)}
				if _, err := tx.UpsertPSA(ctx, mapping.EntityAppointments, a, nil); err != nil {
					return err
				}
			}
			return nil
		}))
		if _, err := s.CreateAccount(ctx, "bench", "bench-pw", ptr64(100), storage.DefaultUserSettings()); err != nil {
			b.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		e := &benchEnv{srv: httptest.NewServer(dav.New(dav.Options{Store: s, Logger: log}))}
		b.Cleanup(e.srv.Close)
		from := day.AddDate(0, 1, 0)
		f := "20060102T150405Z"
		q := `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>` +
			`<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="` + from.Format(f) +
			`" end="` + from.AddDate(0, 1, 0).Format(f) + `"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`
		b.ResetTimer()
		for b.Loop() {
			if resp, out := e.request(b, "REPORT", "/dav/calendars/bench/calendar/", q, "Depth", "1"); resp.StatusCode != 207 || strings.Count(out, "<d:response>") < 1000 {
				b.Fatal(resp.Status, strings.Count(out, "<d:response>"))
			}
		}
	})
}

func ptr64(v int64) *int64 { return &v }
