package dav_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/emersion/go-webdav/carddav"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// syncResult is a parsed sync-collection answer.
type syncResult struct {
	status    int
	changed   []string // hrefs with a propstat
	removed   []string // hrefs answered 404
	truncated bool
	token     string
	body      string
}

var (
	responseRe = regexp.MustCompile(`(?s)<d:response>(.*?)</d:response>`)
	hrefRe     = regexp.MustCompile(`<d:href>([^<]*)</d:href>`)
	tokenRe    = regexp.MustCompile(`<d:sync-token>([^<]*)</d:sync-token>`)
)

func (e *env) sync(login, password, coll, token string, extra string) syncResult {
	e.t.Helper()
	body := `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>` + token +
		`</d:sync-token><d:sync-level>1</d:sync-level>` + extra + `<d:prop><d:getetag/></d:prop></d:sync-collection>`
	resp, out := e.do("REPORT", coll, login, password, body)
	res := syncResult{status: resp.StatusCode, body: out}
	for _, m := range responseRe.FindAllStringSubmatch(out, -1) {
		href := hrefRe.FindStringSubmatch(m[1])[1]
		switch {
		case strings.Contains(m[1], "507 Insufficient Storage"):
			res.truncated = true
		case strings.Contains(m[1], "<d:propstat>"):
			res.changed = append(res.changed, href[strings.LastIndex(href, "/")+1:])
		case strings.Contains(m[1], "404 Not Found"):
			res.removed = append(res.removed, href[strings.LastIndex(href, "/")+1:])
		}
	}
	if m := tokenRe.FindStringSubmatch(out); m != nil {
		res.token = m[1]
	}
	sort.Strings(res.changed)
	sort.Strings(res.removed)
	return res
}

func (e *env) upsert(entity mapping.Entity, rec mapping.Record) {
	e.t.Helper()
	must(e.t, e.s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		_, err := tx.UpsertPSA(ctx, entity, rec, nil)
		return err
	}))
}

func TestSyncCollectionTokens(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		book := "/dav/addressbooks/bob/all-contacts/"
		first := e.sync("bob", "bob-pw", book, "", "")
		if first.status != 207 || strings.Join(first.changed, ",") != "contact-11.vcf,contact-12.vcf,contact-21.vcf" || len(first.removed) != 0 || first.token == "" {
			t.Fatalf("initial sync: %+v", first)
		}
		// Nothing changed: nothing listed, the same token back.
		again := e.sync("bob", "bob-pw", book, first.token, "")
		if len(again.changed)+len(again.removed) != 0 || again.token != first.token {
			t.Fatalf("no-change sync: %+v", again)
		}
		// The collection property agrees with the report.
		_, props := e.do("PROPFIND", book, "bob", "bob-pw",
			`<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><d:sync-token/><cs:getctag/></d:prop></d:propfind>`, "Depth", "0")
		if !strings.Contains(props, "<d:sync-token>"+first.token+"</d:sync-token>") {
			t.Fatalf("sync-token property differs from the report's %s: %s", first.token, props)
		}

		// A change, a deactivation (leaves the book) and a new contact.
		e.upsert(mapping.EntityContacts, &mapping.Contact{ID: 12, CompanyID: 1, IsActive: 1, FirstName: "Art", LastName: "Acme", Title: "CEO"})
		e.upsert(mapping.EntityContacts, &mapping.Contact{ID: 21, CompanyID: 2, IsActive: 0, FirstName: "Gil", LastName: "Globex"})
		e.upsert(mapping.EntityContacts, &mapping.Contact{ID: 22, CompanyID: 2, IsActive: 1, FirstName: "Gwen", LastName: "Globex"})
		// The token from before the changes returns exactly them.
		delta := e.sync("bob", "bob-pw", book, first.token, "")
		if strings.Join(delta.changed, ",") != "contact-12.vcf,contact-22.vcf" || strings.Join(delta.removed, ",") != "contact-21.vcf" {
			t.Fatalf("replayed token: changed %v removed %v", delta.changed, delta.removed)
		}
		if delta.token == first.token {
			t.Fatal("token did not move")
		}
		// Replaying it once more gives the same answer (tokens are stateless).
		if replay := e.sync("bob", "bob-pw", book, first.token, ""); strings.Join(replay.changed, ",") != strings.Join(delta.changed, ",") {
			t.Fatalf("second replay differs: %+v", replay)
		}
		// An initial sync lists only live members.
		if full := e.sync("bob", "bob-pw", book, "", ""); len(full.removed) != 0 || len(full.changed) != 3 {
			t.Fatalf("full resync: %+v", full)
		}
	})
}

func TestSyncCollectionLimitAndBadTokens(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		book := "/dav/addressbooks/bob/all-contacts/"
		var got []string
		token := ""
		for i := 0; i < 5; i++ {
			page := e.sync("bob", "bob-pw", book, token, "<d:limit><d:nresults>2</d:nresults></d:limit>")
			if page.status != 207 {
				t.Fatalf("page %d: %d %s", i, page.status, page.body)
			}
			got = append(got, page.changed...)
			token = page.token
			if !page.truncated {
				break
			}
			if len(page.changed) != 2 {
				t.Fatalf("truncated page with %d members", len(page.changed))
			}
		}
		sort.Strings(got)
		if strings.Join(got, ",") != "contact-11.vcf,contact-12.vcf,contact-21.vcf" {
			t.Fatalf("paged sync collected %v", got)
		}
		for _, bad := range []string{"http://psadav.org/ns/sync/999999", "urn:other:token", "http://psadav.org/ns/sync/-4"} {
			res := e.sync("bob", "bob-pw", book, bad, "")
			if res.status != http.StatusForbidden || !strings.Contains(res.body, "<d:valid-sync-token/>") {
				t.Errorf("token %q: %d %s", bad, res.status, res.body)
			}
		}
		// A token issued before tombstones were purged is too old.
		first := e.sync("bob", "bob-pw", book, "", "")
		e.upsert(mapping.EntityContacts, &mapping.Contact{ID: 21, CompanyID: 2, IsActive: 0, FirstName: "Gil", LastName: "Globex"})
		n, err := e.s.PurgeTombstones(context.Background(), storageFarFuture())
		must(t, err)
		if n == 0 {
			t.Fatal("nothing purged")
		}
		if res := e.sync("bob", "bob-pw", book, first.token, ""); res.status != http.StatusForbidden || !strings.Contains(res.body, "valid-sync-token") {
			t.Fatalf("token older than a purge: %d %s", res.status, res.body)
		}
	})
}

func TestProppatchStoresPerUser(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		patch := `<?xml version="1.0"?><A:propertyupdate xmlns:A="DAV:" xmlns:I="http://apple.com/ns/ical/" xmlns:C="urn:ietf:params:xml:ns:caldav">
<A:set><A:prop><A:displayname>Work &amp; more</A:displayname><I:calendar-color>#FF2968FF</I:calendar-color><I:calendar-order>3</I:calendar-order>
<C:calendar-description>Mine</C:calendar-description></A:prop></A:set></A:propertyupdate>`
		resp, body := e.do("PROPPATCH", "/dav/calendars/alice/calendar/", "alice", "alice-pw", patch)
		if resp.StatusCode != 207 || strings.Count(body, "200 OK") != 1 || strings.Contains(body, "403") {
			t.Fatalf("PROPPATCH: %d %s", resp.StatusCode, body)
		}
		q := `<d:propfind xmlns:d="DAV:" xmlns:i="http://apple.com/ns/ical/" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:displayname/><i:calendar-color/><i:calendar-order/><c:calendar-description/></d:prop></d:propfind>`
		_, body = e.do("PROPFIND", "/dav/calendars/alice/calendar/", "alice", "alice-pw", q, "Depth", "0")
		for _, want := range []string{"<d:displayname>Work &amp; more</d:displayname>", "<ical:calendar-color>#FF2968FF</ical:calendar-color>",
			"<ical:calendar-order>3</ical:calendar-order>", "<cal:calendar-description>Mine</cal:calendar-description>"} {
			if !strings.Contains(body, want) {
				t.Errorf("PROPFIND lacks %s: %s", want, body)
			}
		}
		// Bob's calendar keeps its own name.
		_, body = e.do("PROPFIND", "/dav/calendars/bob/calendar/", "bob", "bob-pw", q, "Depth", "0")
		if !strings.Contains(body, "<d:displayname>PSA calendar</d:displayname>") {
			t.Fatalf("bob's calendar renamed by alice: %s", body)
		}
		// me-card on the address-book home (macOS sends it) is accepted and kept.
		resp, body = e.do("PROPPATCH", "/dav/addressbooks/alice/", "alice", "alice-pw",
			`<d:propertyupdate xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:set><d:prop><cs:me-card><d:href>/dav/addressbooks/alice/contacts/contact-11.vcf</d:href></cs:me-card></d:prop></d:set></d:propertyupdate>`)
		if resp.StatusCode != 207 || !strings.Contains(body, "200 OK") {
			t.Fatalf("me-card: %d %s", resp.StatusCode, body)
		}
		_, body = e.do("PROPFIND", "/dav/addressbooks/alice/", "alice", "alice-pw",
			`<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:me-card/></d:prop></d:propfind>`, "Depth", "0")
		if !strings.Contains(body, "<cs:me-card><d:href>/dav/addressbooks/alice/contacts/contact-11.vcf</d:href></cs:me-card>") {
			t.Fatalf("me-card not returned: %s", body)
		}
		// Removing a property brings the default back.
		e.do("PROPPATCH", "/dav/calendars/alice/calendar/", "alice", "alice-pw",
			`<d:propertyupdate xmlns:d="DAV:"><d:remove><d:prop><d:displayname/></d:prop></d:remove></d:propertyupdate>`)
		_, body = e.do("PROPFIND", "/dav/calendars/alice/calendar/", "alice", "alice-pw", q, "Depth", "0")
		if !strings.Contains(body, "<d:displayname>PSA calendar</d:displayname>") {
			t.Fatalf("removed display name: %s", body)
		}
	})
}

// A dead property keeps the xml:lang in scope when it was set, its own or
// an ancestor's, and returns it (RFC 4918 §4.3); a later set without one
// drops it; a language over any tag's length is refused, changing nothing.
func TestProppatchKeepsXMLLang(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		coll := "/dav/calendars/alice/calendar/"
		patch := func(body string) (int, string) {
			resp, b := e.do("PROPPATCH", coll, "alice", "alice-pw", `<?xml version="1.0"?>`+body)
			return resp.StatusCode, b
		}
		read := func() string {
			_, b := e.do("PROPFIND", coll, "alice", "alice-pw",
				`<d:propfind xmlns:d="DAV:" xmlns:x="urn:x"><d:prop><x:details/><x:notes/></d:prop></d:propfind>`, "Depth", "0")
			return b
		}
		if code, b := patch(`<D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x" xml:lang="fr"><D:set><D:prop>` +
			`<x:details xml:lang="en">My Name</x:details><x:notes>Mes notes</x:notes></D:prop></D:set></D:propertyupdate>`); code != 207 || strings.Contains(b, "403") {
			t.Fatalf("PROPPATCH: %d %s", code, b)
		}
		b := read()
		if !strings.Contains(b, `<details xmlns="urn:x" xml:lang='en'>My Name</details>`) ||
			!strings.Contains(b, `<notes xmlns="urn:x" xml:lang='fr'>Mes notes</notes>`) {
			t.Fatalf("xml:lang not kept: %s", b)
		}
		patch(`<D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop><x:details>Plain</x:details></D:prop></D:set></D:propertyupdate>`)
		if b := read(); !strings.Contains(b, `<details xmlns="urn:x">Plain</details>`) {
			t.Fatalf("a set without xml:lang kept the old one: %s", b)
		}
		if code, _ := patch(`<D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop><x:details xml:lang="` +
			strings.Repeat("a", 65) + `">Long</x:details></D:prop></D:set></D:propertyupdate>`); code != http.StatusBadRequest {
			t.Fatalf("an overlong xml:lang: %d", code)
		}
		if b := read(); !strings.Contains(b, `>Plain</details>`) {
			t.Fatalf("a refused PROPPATCH changed the property: %s", b)
		}
	})
}

func TestListingsWithoutBodiesMinimalAndGzip(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		q := `<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/><d:getcontentlength/><d:resourcetype/><d:nonexistent/></d:prop></d:propfind>`
		_, body := e.do("PROPFIND", "/dav/addressbooks/bob/all-contacts/", "bob", "bob-pw", q, "Depth", "1")
		if strings.Count(body, "<d:getetag>") != 3 || !strings.Contains(body, "<d:getcontenttype>text/vcard; charset=utf-8</d:getcontenttype>") ||
			!strings.Contains(body, "404 Not Found") || strings.Contains(body, "BEGIN:VCARD") {
			t.Fatalf("member listing: %s", body)
		}
		_, minimalBody := e.do("PROPFIND", "/dav/addressbooks/bob/all-contacts/", "bob", "bob-pw", q, "Depth", "1", "Prefer", "return=minimal")
		if strings.Contains(minimalBody, "404 Not Found") || strings.Count(minimalBody, "<d:getetag>") != 3 {
			t.Fatalf("Prefer: return=minimal still lists 404s: %s", minimalBody)
		}

		req, _ := http.NewRequest("PROPFIND", e.srv.URL+"/dav/addressbooks/bob/all-contacts/", strings.NewReader(q))
		req.SetBasicAuth("bob", "bob-pw")
		req.Header.Set("Depth", "1")
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		must(t, err)
		defer resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("no gzip: %v", resp.Header)
		}
		zr, err := gzip.NewReader(resp.Body)
		must(t, err)
		unzipped, err := io.ReadAll(zr)
		must(t, err)
		if !bytes.Equal(unzipped, []byte(body)) {
			t.Fatalf("gzipped listing differs from the plain one")
		}
	})
}

func TestConditionalGetAndBodyLimit(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		card := "/dav/addressbooks/alice/contacts/contact-11.vcf"
		resp, body := e.do("GET", card, "alice", "alice-pw", "")
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || etag == "" || resp.Header.Get("Content-Length") == "" {
			t.Fatalf("GET: %d %v", resp.StatusCode, resp.Header)
		}
		resp, _ = e.do("GET", card, "alice", "alice-pw", "", "If-None-Match", etag)
		if resp.StatusCode != http.StatusNotModified {
			t.Fatalf("If-None-Match with the current ETag: %d", resp.StatusCode)
		}
		// The ETag is the hash of exactly the served bytes.
		if etag != `"`+storage.ETagOf([]byte(body))+`"` {
			t.Fatalf("ETag %s is not the hash of the body", etag)
		}
		resp, v4 := e.do("GET", card, "alice", "alice-pw", "", "Accept", "text/vcard; version=4.0")
		if !strings.Contains(v4, "VERSION:4.0\r\n") || resp.Header.Get("ETag") != etag {
			t.Fatalf("vCard 4.0 by Accept: %s %s", resp.Header.Get("ETag"), v4)
		}
		big := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nNOTE:" + strings.Repeat("x", 70<<10) + "\r\nEND:VCARD\r\n"
		resp, body = e.do("PUT", "/dav/addressbooks/alice/contacts/big.vcf", "alice", "alice-pw", big, "Content-Type", "text/vcard")
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "max-resource-size") {
			t.Fatalf("oversized PUT: %d %s", resp.StatusCode, body)
		}
		_, props := e.do("PROPFIND", "/dav/addressbooks/alice/contacts/", "alice", "alice-pw",
			`<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><card:max-resource-size/></d:prop></d:propfind>`, "Depth", "0")
		if !strings.Contains(props, "<card:max-resource-size>65536</card:max-resource-size>") {
			t.Fatalf("max-resource-size not advertised: %s", props)
		}
	})
}

func TestMultigetVersionsAndMissing(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		cd, err := carddav.NewClient(e.client("alice", "alice-pw"), e.srv.URL)
		must(t, err)
		book := "/dav/addressbooks/alice/contacts/"
		objs, err := cd.MultiGetAddressBook(context.Background(), book, &carddav.AddressBookMultiGet{
			Paths: []string{book + "contact-12.vcf", book + "contact-11.vcf"}})
		must(t, err)
		if len(objs) != 2 || objs[0].Path != book+"contact-12.vcf" || objs[1].Card.PreferredValue("FN") != "Ann Acme" {
			t.Fatalf("multiget returned %+v", objs)
		}
		_, body := e.do("REPORT", book, "alice", "alice-pw", `<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
<d:prop><d:getetag/><card:address-data version="4.0"/></d:prop><d:href>`+book+`contact-11.vcf</d:href><d:href>`+book+`missing.vcf</d:href></card:addressbook-multiget>`)
		if !strings.Contains(body, "VERSION:4.0") || !strings.Contains(body, "<d:href>"+book+"missing.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status>") {
			t.Fatalf("multiget 4.0 / missing: %s", body)
		}
		if !strings.Contains(body, "tel:+1-555-0100;ext=12") {
			t.Fatalf("vCard 4.0 phone with extension as a tel URI: %s", body)
		}
		if !strings.Contains(body, "&#13;\n") {
			t.Fatalf("CR of CRLF not preserved in REPORT data: %q", body[:200])
		}
	})
}
