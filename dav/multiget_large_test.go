package dav_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psadav/psadav/dav"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// A large book: n PSA contacts, rendered as psadav renders them, in the
// book of user "carl". The objects are loaded straight into the table
// the DAV layer serves from (storagetest.BulkObjects): importing 100,000
// records through the projection takes minutes under -race, and these
// tests are about the read path.
type largeBook struct {
	srv   *httptest.Server
	book  string
	names []string // the members' resource names
}

func newLargeBook(t testing.TB, s *storage.Store, n int) *largeBook {
	t.Helper()
	ctx := context.Background()
	st := storage.DefaultUserSettings()
	st.ContactsScope = storage.ScopeAll
	acct, err := s.CreateAccount(ctx, "carl", "carl-pw", nil, st)
	must(t, err)
	coll, err := s.UserCollection(ctx, acct.ID, storage.CollContacts)
	must(t, err)
	lb := &largeBook{book: "/dav/addressbooks/carl/contacts/", names: make([]string, n)}
	company := &mapping.Company{ID: 1, CompanyName: "Acme"}
	storagetest.BulkObjects(t, s, coll.ID, n, func(i int) storagetest.BulkObject {
		id := int64(100000 + i)
		card := mapping.RenderContact(mapping.ContactView{Company: company, Contact: mapping.Contact{ID: id, CompanyID: 1, IsActive: 1,
			FirstName: "First", LastName: fmt.Sprint("Last", i), EmailAddress: fmt.Sprintf("p%d@example.com", i), Phone: "+1 555 0100"}})
		lb.names[i] = mapping.Href(mapping.KindContact, id)
		return storagetest.BulkObject{Href: lb.names[i], UID: mapping.UID(mapping.KindContact, id, ""), Comp: "VCARD", Body: mapping.EncodeCard(card)}
	})
	lb.srv = httptest.NewServer(dav.New(dav.Options{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(lb.srv.Close)
	return lb
}

// vdirsyncerMultiget is the body vdirsyncer 0.19 sends for every card it
// has not got (vdirsyncer/storage/dav.py, CardDAVStorage.get_multi_template
// and get_multi: one request, the hrefs of a Python set, one per line).
func vdirsyncerMultiget(hrefs []string) string {
	lines := make([]string, len(hrefs))
	for i, h := range hrefs {
		lines[i] = "<href>" + h + "</href>"
	}
	return vdirsyncerHead + strings.Join(lines, "\n") + vdirsyncerTail
}

const (
	vdirsyncerHead = `<?xml version="1.0" encoding="utf-8" ?>
            <C:addressbook-multiget xmlns="DAV:"
                    xmlns:C="urn:ietf:params:xml:ns:carddav">
                <prop>
                    <getetag/>
                    <C:address-data/>
                </prop>
                `
	vdirsyncerTail = `
            </C:addressbook-multiget>`
)

// report sends a REPORT with body read from r, and returns the status and
// what the answer held: responses, their hrefs in order (when keep), and
// 404s.
func (lb *largeBook) report(t testing.TB, r io.Reader, keep bool) (status int, hrefs []string, found, missing int, body string) {
	t.Helper()
	req, err := http.NewRequest("REPORT", lb.srv.URL+lb.book, r)
	must(t, err)
	req.SetBasicAuth("carl", "carl-pw")
	req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	req.Header.Set("Depth", "1")
	resp, err := lb.srv.Client().Do(req)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, nil, 0, 0, string(b)
	}
	c := &responseCounter{keep: keep}
	if _, err := io.Copy(c, resp.Body); err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	if c.other > 0 {
		t.Fatalf("%d responses without address-data and ETag", c.other)
	}
	return resp.StatusCode, c.hrefs, c.found, c.missing, ""
}

// responseCounter reads a multistatus a response at a time, so a large
// answer is never held whole.
type responseCounter struct {
	keep                  bool
	partial               []byte
	hrefs                 []string
	found, missing, other int
}

func (c *responseCounter) Write(p []byte) (int, error) {
	c.partial = append(c.partial, p...)
	for {
		end := bytes.Index(c.partial, []byte("</d:response>"))
		if end < 0 {
			return len(p), nil
		}
		resp := c.partial[:end]
		c.partial = c.partial[end+len("</d:response>"):]
		resp = resp[bytes.Index(resp, []byte("<d:response>")):]
		if c.keep {
			href := resp[len("<d:response><d:href>"):]
			c.hrefs = append(c.hrefs, string(href[:bytes.IndexByte(href, '<')]))
		}
		switch {
		case bytes.Contains(resp, []byte("404 Not Found")):
			c.missing++
		case bytes.Contains(resp, []byte("<card:address-data>BEGIN:VCARD")) && bytes.Contains(resp, []byte(`<d:getetag>"`)):
			c.found++
		default:
			c.other++
		}
	}
}

// TestMultigetOfAWholeBook is the Seen case: vdirsyncer's first sync of a
// 20,000-card book is one addressbook-multiget naming every card, about
// 1.4 MB, and got 413 (REPORT bodies were capped at 1 MiB) on every sync.
func TestMultigetOfAWholeBook(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		lb := newLargeBook(t, s, 20000)
		hrefs := make([]string, len(lb.names))
		for i, n := range lb.names {
			hrefs[i] = lb.book + n
		}
		rand.Shuffle(len(hrefs), func(i, j int) { hrefs[i], hrefs[j] = hrefs[j], hrefs[i] })
		body := vdirsyncerMultiget(hrefs)
		start := time.Now()
		status, got, found, missing, out := lb.report(t, strings.NewReader(body), true)
		t.Logf("%s: multiget of %d hrefs (%d bytes) answered in %v", s.Dialect(), len(hrefs), len(body), time.Since(start).Round(time.Millisecond))
		if status != http.StatusMultiStatus || found != len(hrefs) || missing != 0 {
			t.Fatalf("multiget of the whole book: %d, %d found, %d missing %s", status, found, missing, out)
		}
		for i := range hrefs {
			if got[i] != hrefs[i] {
				t.Fatalf("answer %d is %s, asked %s", i, got[i], hrefs[i])
			}
		}
	})
}

// TestMultigetLimits: beyond 1 MiB a multiget may name as many hrefs as
// its collection has members, and a margin; more hrefs get 507, a larger
// body 413, each with a DAV:error naming the limit. Other bodies keep the
// 1 MiB cap, and a body within its size is still parsed in bounded pieces.
func TestMultigetLimits(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		book := "/dav/addressbooks/alice/contacts/"
		hrefs := func(n int) []string {
			out := make([]string, n)
			for i := range out {
				out[i] = fmt.Sprintf("%scontact-%d.vcf", book, 11+i%2)
			}
			return out
		}
		// 2 members: up to 1,002 hrefs in up to 1 MiB + 1,002 KiB.
		mib1 := strings.Repeat("<!-- padding -->", 1<<20/16)
		resp, body := e.do("REPORT", book, "alice", "alice-pw", vdirsyncerMultiget(hrefs(1002))+mib1)
		if resp.StatusCode != http.StatusMultiStatus || strings.Count(body, "<card:address-data>") != 1002 {
			t.Fatalf("1,002 hrefs in 1 MiB and more: %d %.300s", resp.StatusCode, body)
		}
		resp, body = e.do("REPORT", book, "alice", "alice-pw", vdirsyncerMultiget(hrefs(1003))+mib1)
		if resp.StatusCode != http.StatusInsufficientStorage || !strings.Contains(body, "<d:number-of-matches-within-limits/>") ||
			!strings.Contains(body, "<psadav:max-hrefs>1002</psadav:max-hrefs>") {
			t.Fatalf("1,003 hrefs: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("REPORT", book, "alice", "alice-pw", vdirsyncerMultiget(hrefs(10))+mib1+mib1+mib1)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "<psadav:max-request-body-size>2074624</psadav:max-request-body-size>") {
			t.Fatalf("a 3 MiB multiget of a 2-member book: %d %s", resp.StatusCode, body)
		}
		// Within its size, a body still cannot hold one huge token or
		// deep nesting.
		for what, b := range map[string]string{
			"a long comment": strings.Replace(vdirsyncerMultiget(hrefs(2)), "<prop>", "<!--"+strings.Repeat("x", 1<<20)+"--><prop>", 1),
			"deep nesting":   strings.Replace(vdirsyncerMultiget(hrefs(2)), "<prop>", strings.Repeat("<a>", 40)+strings.Repeat("</a>", 40)+"<prop>", 1) + mib1,
			"a second root":  vdirsyncerMultiget(hrefs(2)) + "<href/>" + mib1,
		} {
			if resp, body := e.do("REPORT", book, "alice", "alice-pw", b); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: %d %.300s", what, resp.StatusCode, body)
			}
		}
		// Other bodies keep their 1 MiB.
		pad := strings.Repeat(" ", 1<<20)
		for _, c := range []struct{ method, body string }{
			{"PROPFIND", `<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop>` + pad + `</d:propfind>`},
			{"PROPPATCH", `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>x</d:displayname></d:prop></d:set>` + pad + `</d:propertyupdate>`},
			{"REPORT", `<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop>` + pad + `</d:sync-collection>`},
		} {
			resp, body := e.do(c.method, book, "alice", "alice-pw", c.body, "Depth", "1")
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "<psadav:max-request-body-size>1048576</psadav:max-request-body-size>") {
				t.Errorf("%s over 1 MiB: %d %s", c.method, resp.StatusCode, body)
			}
		}
		// calendar-multiget takes the same path.
		resp, body = e.do("REPORT", "/dav/calendars/alice/calendar/", "alice", "alice-pw", `<C:calendar-multiget xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`+
			`<prop><getetag/></prop><href>/dav/calendars/alice/calendar/nothing.ics</href>`+mib1+`</C:calendar-multiget>`)
		if resp.StatusCode != http.StatusMultiStatus || !strings.Contains(body, "nothing.ics</d:href><d:status>HTTP/1.1 404") {
			t.Fatalf("a large calendar-multiget: %d %.300s", resp.StatusCode, body)
		}
	})
}

// TestMultigetOfAHundredThousandHrefs: a multiget naming every member of
// a 100,000-card book is answered, and the server's heap while it answers
// does not grow with the number of hrefs: it peaks about where a 10,000-
// href multiget of the same book does.
func TestMultigetOfAHundredThousandHrefs(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 100,000-card book and sends 110,000 hrefs; skipped with -short")
	}
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		lb := newLargeBook(t, s, 100000)
		peaks := map[int]uint64{}
		for _, n := range []int{10000, 100000} {
			hrefs := make([]string, n)
			for i := range hrefs {
				hrefs[i] = lb.book + lb.names[(i*7919)%len(lb.names)] // a scattered order
			}
			var status, found, missing int
			var out string
			peak, base := peakHeap(func() {
				// The body is generated as it is sent: the client's copy
				// of it stays out of the heap being measured.
				pr, pw := io.Pipe()
				go func() {
					pw.CloseWithError(func() error {
						_, err := io.WriteString(pw, vdirsyncerHead)
						for i := 0; err == nil && i < len(hrefs); i++ {
							_, err = io.WriteString(pw, "\n<href>"+hrefs[i]+"</href>")
						}
						if err == nil {
							_, err = io.WriteString(pw, vdirsyncerTail)
						}
						return err
					}())
				}()
				start := time.Now()
				status, _, found, missing, out = lb.report(t, pr, false)
				t.Logf("%s: multiget of %d hrefs answered in %v", s.Dialect(), n, time.Since(start).Round(time.Millisecond))
			})
			if status != http.StatusMultiStatus || found != n || missing != 0 {
				t.Fatalf("multiget of %d hrefs: %d, %d found, %d missing %s", n, status, found, missing, out)
			}
			peaks[n] = peak - base
			t.Logf("%s: %d hrefs: heap peaked %.1f MiB above the %.1f MiB before the request", s.Dialect(), n, mib(peak-base), mib(base))
		}
		if peaks[100000] > peaks[10000]+16<<20 {
			t.Fatalf("the heap grows with the hrefs: %.1f MiB for 10,000, %.1f MiB for 100,000", mib(peaks[10000]), mib(peaks[100000]))
		}
	})
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// peakHeap runs fn and samples the heap's live and not yet swept objects
// every millisecond; it returns the highest reading and the reading
// before fn (after a collection).
func peakHeap(fn func()) (peak, base uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base = read()
	var max atomic.Uint64
	max.Store(base)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if v := read(); v > max.Load() {
					max.Store(v)
				}
			}
		}
	}()
	fn()
	close(done)
	<-stopped
	return max.Load(), base
}
