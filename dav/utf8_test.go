package dav_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/psadav/psadav/storage"
)

// Text is UTF-8 or refused (vCard 4.0 and iCalendar are UTF-8, RFC 6350
// §3.1, RFC 5545 §3.1.4; psadav stores vCard 3.0 the same way): a body in
// another encoding is refused with the protocol's data precondition and a
// message, never stored with U+FFFD in place of what the user wrote.
func TestNonUTF8DataIsRefused(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		latin1 := func(s string) string { return strings.ReplaceAll(s, "ü", "\xfc") }
		for _, c := range []struct {
			path, ctype, body, cond string
		}{
			{"/dav/addressbooks/alice/contacts/j.vcf", "text/vcard",
				latin1("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:j-1\r\nN:Müller;Jürgen;;;\r\nFN:Jürgen Müller\r\nORG:Acme\r\nEND:VCARD\r\n"), "<card:valid-address-data/>"},
			{aliceCal + "m.ics", "text/calendar", latin1("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:m-1\r\nDTSTAMP:20250101T000000Z\r\n" +
				"DTSTART:" + fmtUTC(e.day.AddDate(0, 0, 3).Add(9*3600e9)) + "\r\nDURATION:PT1H\r\nSUMMARY:Büro\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), "<cal:valid-calendar-data/>"},
			{"/dav/addressbooks/alice/contacts/nul.vcf", "text/vcard",
				"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:n-1\r\nN:Null;Nina;;;\r\nFN:Nina\x00 Null\r\nEND:VCARD\r\n", "<card:valid-address-data/>"},
			{aliceTasks + "m.ics", "text/calendar; charset=iso-8859-1", latin1("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:m-2\r\n" +
				"DTSTAMP:20250101T000000Z\r\nSUMMARY:Küche\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"), "<cal:valid-calendar-data/>"},
		} {
			resp, body := e.do("PUT", c.path, "alice", "alice-pw", c.body, "Content-Type", c.ctype)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, c.cond) || !strings.Contains(body, "line ") {
				t.Errorf("PUT %s: %d %s", c.path, resp.StatusCode, body)
			}
			if resp, got := e.do("GET", c.path, "alice", "alice-pw", ""); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s after the refused PUT: %d %q", c.path, resp.StatusCode, got)
			}
		}
		// An existing object is not changed by a refused update.
		_, before := e.do("GET", aliceCal+"appointment-41.ics", "alice", "alice-pw", "")
		resp, _ := e.do("PUT", aliceCal+"appointment-41.ics", "alice", "alice-pw", strings.Replace(before, "SUMMARY:Review", "SUMMARY:R\xe9view", 1),
			"Content-Type", "text/calendar")
		if _, after := e.do("GET", aliceCal+"appointment-41.ics", "alice", "alice-pw", ""); resp.StatusCode != http.StatusForbidden || after != before {
			t.Errorf("a non-UTF-8 update: %d, stored %q", resp.StatusCode, after)
		}
		ob, err := e.s.Outbox(context.Background(), storage.OutboxFilter{})
		must(t, err)
		if len(ob) != 0 {
			t.Fatalf("refused writes queued write-backs: %+v", ob)
		}
	})
}

// TestNonUTF8RequestsAreRefused: the same for XML bodies, property values,
// resource names and credentials: a 4xx, never a 500 (PostgreSQL refuses
// to store or even compare text that is not UTF-8), and nothing stored.
func TestNonUTF8RequestsAreRefused(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		book := "/dav/addressbooks/alice/contacts/"
		for _, c := range []struct {
			method, path, body string
			headers            []string
			want               int
		}{
			{"PROPPATCH", book, `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>B` + "\xfc" + `cher</d:displayname></d:prop></d:set></d:propertyupdate>`, nil, http.StatusBadRequest},
			{"PROPPATCH", book, `<?xml version="1.0" encoding="iso-8859-1"?><d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>B` + "\xfc" + `cher</d:displayname></d:prop></d:set></d:propertyupdate>`, nil, http.StatusBadRequest},
			{"PROPFIND", book, `<d:propfind xmlns:d="DAV:"><d:prop><d:getetag` + "\xfc" + `/></d:prop></d:propfind>`, []string{"Depth", "0"}, http.StatusBadRequest},
			{"REPORT", book, `<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop><d:href>` + book + "\xfc.vcf</d:href></card:addressbook-multiget>", nil, http.StatusBadRequest},
			{"PUT", book + "%FC.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x-1\r\nN:Person;Some;;;\r\nFN:Some Person\r\nEND:VCARD\r\n", []string{"Content-Type", "text/vcard"}, http.StatusBadRequest},
			{"GET", book + "%FC.vcf", "", nil, http.StatusBadRequest},
			{"DELETE", book + "%FC.vcf", "", nil, http.StatusBadRequest},
		} {
			resp, body := e.do(c.method, c.path, "alice", "alice-pw", c.body, c.headers...)
			if resp.StatusCode != c.want {
				t.Errorf("%s %s: %d %s", c.method, c.path, resp.StatusCode, body)
			}
		}
		// A multiget naming a non-UTF-8 resource (percent-encoded) gets 404 for it.
		resp, body := e.do("REPORT", book, "alice", "alice-pw", `<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">`+
			`<d:prop><d:getetag/></d:prop><d:href>`+book+`%FC.vcf</d:href><d:href>`+book+`contact-11.vcf</d:href></card:addressbook-multiget>`)
		if resp.StatusCode != http.StatusMultiStatus || !strings.Contains(body, "404 Not Found") || !strings.Contains(body, "contact-11.vcf</d:href><d:propstat>") {
			t.Errorf("multiget of a non-UTF-8 name: %d %s", resp.StatusCode, body)
		}
		// Credentials that are not UTF-8 are wrong credentials.
		if resp, body := e.do("PROPFIND", book, "al\xfcce", "alice-pw", "", "Depth", "0"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a non-UTF-8 login: %d %s", resp.StatusCode, body)
		}
		props, err := e.s.Props(context.Background(), e.alice.ID, "contacts")
		must(t, err)
		if len(props) != 0 {
			t.Fatalf("a refused PROPPATCH stored %+v", props)
		}
	})
}
