package dav_test

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav/carddav"
)

const aliceBook = "/dav/addressbooks/alice/contacts/"

// go-webdav's CardDAV client creates, reads, queries, syncs and deletes a
// contact as a client would.
func TestCardDAVClientContacts(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		cd, err := carddav.NewClient(e.client("alice", "alice-pw"), e.srv.URL)
		must(t, err)
		card := vcard.Card{}
		card.SetValue(vcard.FieldVersion, "3.0")
		card.SetValue(vcard.FieldUID, "go-webdav-1")
		card.SetValue(vcard.FieldFormattedName, "Linh Nguyen")
		card.SetValue(vcard.FieldOrganization, "ACME")
		card.Add(vcard.FieldTelephone, &vcard.Field{Value: "+1 555 0177", Params: vcard.Params{"TYPE": {"HOME"}}})
		card.SetValue(vcard.FieldBirthday, "1985-04-12")
		ao, err := cd.PutAddressObject(ctx, aliceBook+"linh.vcf", card)
		must(t, err)
		if ao.ETag != "" {
			t.Errorf("PUT answered ETag %q for a card the server rewrote", ao.ETag)
		}
		got, err := cd.GetAddressObject(ctx, aliceBook+"linh.vcf")
		must(t, err)
		for prop, want := range map[string]string{"UID": "go-webdav-1", "ORG": "Acme", "BDAY": "1985-04-12", "N": "Nguyen;Linh;;;", "X-PSA-COMPANY-ID": "1"} {
			if v := got.Card.Value(prop); v != want {
				t.Errorf("%s = %q, want %q", prop, v, want)
			}
		}
		if tel := got.Card.Get("TEL"); tel == nil || tel.Value != "+1 555 0177" || !tel.Params.HasType("HOME") {
			t.Errorf("home phone: %+v", tel)
		}

		found, err := cd.QueryAddressBook(ctx, aliceBook, &carddav.AddressBookQuery{
			DataRequest: carddav.AddressDataRequest{AllProp: true},
			PropFilters: []carddav.PropFilter{{Name: "ORG", TextMatches: []carddav.TextMatch{{Text: "acme", MatchType: carddav.MatchEquals}}}},
		})
		must(t, err)
		var paths []string
		for _, o := range found {
			paths = append(paths, o.Path)
		}
		sort.Strings(paths)
		if strings.Join(paths, " ") != aliceBook+"contact-11.vcf "+aliceBook+"contact-12.vcf "+aliceBook+"linh.vcf" {
			t.Fatalf("ORG equals acme: %v", paths)
		}

		sync, err := cd.SyncCollection(ctx, aliceBook, &carddav.SyncQuery{})
		must(t, err)
		if len(sync.Updated) != 3 {
			t.Fatalf("sync: %+v", sync)
		}
		must(t, cd.RemoveAll(ctx, aliceBook+"linh.vcf"))
		if _, err := cd.GetAddressObject(ctx, aliceBook+"linh.vcf"); err == nil {
			t.Fatal("deleted card still served")
		}
		again, err := cd.SyncCollection(ctx, aliceBook, &carddav.SyncQuery{SyncToken: sync.SyncToken})
		must(t, err)
		if len(again.Deleted) != 1 || again.Deleted[0] != aliceBook+"linh.vcf" {
			t.Fatalf("sync after delete: %+v", again)
		}
	})
}

var hrefRE = regexp.MustCompile(`<d:href>([^<]*)</d:href>`)

// query sends an addressbook-query with the given filter (and extra
// elements) and returns the status, the hrefs answered and the body.
func (e *env) query(book, filter, extra string) (int, []string, string) {
	e.t.Helper()
	resp, body := e.do("REPORT", book, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
  <D:prop><D:getetag/><C:address-data/></D:prop>
  <C:filter`+filter+`</C:filter>`+extra+`
</C:addressbook-query>`, "Depth", "1")
	var hrefs []string
	for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
		hrefs = append(hrefs, strings.TrimPrefix(m[1], book))
	}
	return resp.StatusCode, hrefs, body
}

func TestAddressbookQueryFilters(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		cases := []struct {
			name, filter string
			want         string
		}{
			{"email equals, case-insensitive", `><C:prop-filter name="EMAIL"><C:text-match match-type="equals">ANN@acme.example</C:text-match></C:prop-filter>`, "contact-11.vcf"},
			{"i;octet is case-sensitive", `><C:prop-filter name="EMAIL"><C:text-match collation="i;octet">ANN</C:text-match></C:prop-filter>`, ""},
			{"ascii-casemap", `><C:prop-filter name="EMAIL"><C:text-match collation="i;ascii-casemap">ANN</C:text-match></C:prop-filter>`, "contact-11.vcf"},
			{"tel contains", `><C:prop-filter name="TEL"><C:text-match>555 0100</C:text-match></C:prop-filter>`, "contact-11.vcf"},
			{"fn starts-with", `><C:prop-filter name="FN"><C:text-match match-type="starts-with">art</C:text-match></C:prop-filter>`, "contact-12.vcf"},
			{"fn ends-with", `><C:prop-filter name="fn"><C:text-match match-type="ends-with">ACME</C:text-match></C:prop-filter>`, "contact-11.vcf contact-12.vcf"},
			{"org", `><C:prop-filter name="ORG"><C:text-match>acm</C:text-match></C:prop-filter>`, "contact-11.vcf contact-12.vcf"},
			{"negate", `><C:prop-filter name="FN"><C:text-match negate-condition="yes">Ann</C:text-match></C:prop-filter>`, "contact-12.vcf"},
			{"anyof", ` test="anyof"><C:prop-filter name="FN"><C:text-match>Ann</C:text-match></C:prop-filter><C:prop-filter name="FN"><C:text-match>Art</C:text-match></C:prop-filter>`, "contact-11.vcf contact-12.vcf"},
			{"allof with is-not-defined", ` test="allof"><C:prop-filter name="FN"><C:text-match>acme</C:text-match></C:prop-filter><C:prop-filter name="EMAIL"><C:is-not-defined/></C:prop-filter>`, "contact-12.vcf"},
			{"prop-filter allof", `><C:prop-filter name="FN" test="allof"><C:text-match>ann</C:text-match><C:text-match>art</C:text-match></C:prop-filter>`, ""},
			{"param-filter", `><C:prop-filter name="TEL"><C:param-filter name="type"><C:text-match match-type="equals">work</C:text-match></C:param-filter></C:prop-filter>`, "contact-11.vcf"},
			{"property exists", `><C:prop-filter name="EMAIL"/>`, "contact-11.vcf"},
			{"no filter", `>`, "contact-11.vcf contact-12.vcf"},
		}
		for _, c := range cases {
			status, hrefs, body := e.query(aliceBook, c.filter, "")
			sort.Strings(hrefs)
			if status != http.StatusMultiStatus || strings.Join(hrefs, " ") != c.want {
				t.Errorf("%s: %d %v, want %q\n%s", c.name, status, hrefs, c.want, body)
			}
		}

		// Limits: one result, then 507 for the collection.
		_, hrefs, body := e.query(aliceBook, `><C:prop-filter name="FN"><C:text-match>acme</C:text-match></C:prop-filter>`,
			`<C:limit><C:nresults>1</C:nresults></C:limit>`)
		if len(hrefs) != 2 || hrefs[1] != "" || !strings.Contains(body, "507 Insufficient Storage") || !strings.Contains(body, "<d:number-of-matches-within-limits/>") {
			t.Fatalf("limit: %v\n%s", hrefs, body)
		}
		_, hrefs, _ = e.query(aliceBook, `>`, `<D:limit><D:nresults>5</D:nresults></D:limit>`)
		if len(hrefs) != 2 {
			t.Fatalf("limit above the matches: %v", hrefs)
		}

		// vCard 4.0 when address-data asks for it.
		_, body = e.do("REPORT", aliceBook, "alice", "alice-pw", `<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
<D:prop><C:address-data content-type="text/vcard" version="4.0"/></D:prop>
<C:filter><C:prop-filter name="EMAIL"/></C:filter></C:addressbook-query>`, "Depth", "1")
		if !strings.Contains(body, "VERSION:4.0") || !strings.Contains(body, "VALUE=uri:tel:+1-555-0100;ext=12") {
			t.Fatalf("4.0 address-data:\n%s", body)
		}

		for _, bad := range []struct {
			filter, extra string
			status        int
			cond          string
		}{
			{`><C:prop-filter name="FN"><C:text-match collation="i;x-bogus">a</C:text-match></C:prop-filter>`, "", 403, "supported-collation"},
			{`><C:prop-filter name="FN"><C:text-match match-type="sounds-like">a</C:text-match></C:prop-filter>`, "", 403, "supported-filter"},
			{` test="someof">`, "", 400, ""},
			{`><C:prop-filter/>`, "", 400, ""},
			{`>`, `<C:limit><C:nresults>none</C:nresults></C:limit>`, 400, ""},
		} {
			status, _, body := e.query(aliceBook, bad.filter, bad.extra)
			if status != bad.status || !strings.Contains(body, bad.cond) {
				t.Errorf("%s%s: %d\n%s", bad.filter, bad.extra, status, body)
			}
		}
		resp, _ := e.do("REPORT", "/dav/calendars/alice/calendar/", "alice", "alice-pw",
			`<C:addressbook-query xmlns:C="urn:ietf:params:xml:ns:carddav"><C:filter/></C:addressbook-query>`)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("addressbook-query on a calendar: %d", resp.StatusCode)
		}
	})
}

// Refused writes answer with a clear status and DAV:error, and change
// nothing.
func TestContactWriteErrors(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		path := aliceBook + "contact-11.vcf"
		resp, card := e.do("GET", path, "alice", "alice-pw", "")
		etag := resp.Header.Get("ETag")
		withTitle := strings.Replace(card, "END:VCARD", "TITLE:"+strings.Repeat("x", 300)+"\r\nEND:VCARD", 1)
		for _, c := range []struct {
			name, path, body string
			headers          []string
			status           int
			want             []string
		}{
			{"too long", path, withTitle, nil, 403, []string{"<psadav:field-too-long><psadav:property>TITLE</psadav:property><psadav:limit>50</psadav:limit>", "TITLE is longer"}},
			{"malformed", path, "BEGIN:VCARD\r\nFN:x\r\n", nil, 403, []string{"<card:valid-address-data/>"}},
			{"no name", path, "BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:a@b.example\r\nEND:VCARD\r\n", nil, 403, []string{"<card:valid-address-data/>", "no name"}},
			{"stale If-Match", path, card, []string{"If-Match", `"stale"`}, 412, nil},
			{"If-None-Match on an existing card", path, card, []string{"If-None-Match", "*"}, 412, nil},
			{"the same UID elsewhere", aliceBook + "copy.vcf", card, nil, 403, []string{"<card:no-uid-conflict><d:href>" + path + "</d:href>"}},
			{"wrong media type", path, card, []string{"Content-Type", "text/calendar"}, 403, []string{"supported-address-data"}},
			{"unknown country", path, strings.Replace(card, "END:VCARD", "ADR;TYPE=WORK:;;1 Main St;Springfield;;1;Freedonia\r\nEND:VCARD", 1), nil, 409, []string{"<psadav:unknown-country>", "Freedonia"}},
			{"a group", aliceBook + "group.vcf", "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:g\r\nKIND:group\r\nFN:Team\r\nEND:VCARD\r\n", nil, 403, []string{"valid-address-data", "groups"}},
		} {
			headers := append([]string{"Content-Type", "text/vcard; charset=utf-8"}, c.headers...)
			resp, body := e.do("PUT", c.path, "alice", "alice-pw", c.body, headers...)
			if resp.StatusCode != c.status {
				t.Errorf("%s: %d, want %d\n%s", c.name, resp.StatusCode, c.status, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: body lacks %q:\n%s", c.name, w, body)
				}
			}
		}
		if resp, after := e.do("GET", path, "alice", "alice-pw", ""); resp.Header.Get("ETag") != etag || after != card {
			t.Fatal("a refused PUT changed the card")
		}
		// psa-master: an edit is accepted without an ETag, the client re-reads.
		resp, _ = e.do("PUT", path, "alice", "alice-pw", strings.Replace(card, "END:VCARD", "TITLE:Boss\r\nNICKNAME:Annie\r\nEND:VCARD", 1),
			"Content-Type", "text/vcard", "If-Match", etag)
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("ETag") != "" {
			t.Fatalf("psa-master PUT: %d ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
		}
		if _, after := e.do("GET", path, "alice", "alice-pw", ""); strings.Contains(after, "TITLE") || !strings.Contains(after, "NICKNAME:Annie") {
			t.Fatalf("after the psa-master PUT:\n%s", after)
		}
	})
}

// A read-only address book says so and refuses writes.
func TestReadOnlyAddressBook(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		must(t, e.s.SetSetting(context.Background(), "read-only-books", "all-contacts"))
		privs := func(book string) string {
			_, body := e.do("PROPFIND", book, "bob", "bob-pw",
				`<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-privilege-set/></d:prop></d:propfind>`, "Depth", "0")
			return body
		}
		if p := privs("/dav/addressbooks/bob/all-contacts/"); strings.Contains(p, "<d:write/>") || !strings.Contains(p, "<d:read/>") {
			t.Fatalf("read-only book privileges: %s", p)
		}
		if p := privs("/dav/addressbooks/bob/contacts/"); !strings.Contains(p, "<d:write/>") {
			t.Fatalf("writable book privileges: %s", p)
		}
		path := "/dav/addressbooks/bob/all-contacts/contact-21.vcf"
		_, card := e.do("GET", path, "bob", "bob-pw", "")
		resp, body := e.do("PUT", path, "bob", "bob-pw", card, "Content-Type", "text/vcard")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<d:need-privileges>") {
			t.Errorf("PUT on a read-only book: %d %s", resp.StatusCode, body)
		}
		// A DELETE hides the card for bob (lenient) or is refused (strict).
		must(t, e.s.SetSetting(context.Background(), "write-back-mode", "strict"))
		resp, body = e.do("DELETE", path, "bob", "bob-pw", "")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<d:need-privileges>") {
			t.Errorf("DELETE on a read-only book, strict: %d %s", resp.StatusCode, body)
		}
		must(t, e.s.SetSetting(context.Background(), "write-back-mode", "lenient"))
		if resp, body = e.do("DELETE", path, "bob", "bob-pw", ""); resp.StatusCode != http.StatusNoContent {
			t.Errorf("DELETE on a read-only book, lenient: %d %s", resp.StatusCode, body)
		}
		if resp, _ = e.do("GET", path, "bob", "bob-pw", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the hidden card: %d", resp.StatusCode)
		}
		resp, body = e.do("PUT", "/dav/addressbooks/bob/all-contacts/new.vcf", "bob", "bob-pw",
			"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:n\r\nFN:New Person\r\nEND:VCARD\r\n", "Content-Type", "text/vcard")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("create in a read-only book: %d %s", resp.StatusCode, body)
		}
	})
}
