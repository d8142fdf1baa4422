package dav_test

import (
	"strings"
	"testing"
)

// Seen: CalDAVTester's CardDAV errorcondition asked for address-data as
// text/vcards version 2.0 and got a 207 with vCard 3.0 in it. A media type
// or version psadav cannot serve is 403 with supported-address-data (or
// supported-calendar-data); the ones it serves still answer 207.
func TestUnsupportedDataFormatsAreRefused(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		const cal = aliceCal
		cardQuery := func(data string) string {
			return `<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/>` + data + `</D:prop></C:addressbook-query>`
		}
		cardMultiget := func(data string) string {
			return `<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop>` + data + `</D:prop><D:href>` + aliceBook + `contact-11.vcf</D:href></C:addressbook-multiget>`
		}
		calQuery := func(data string) string {
			return `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>` + data + `</D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`
		}
		for _, c := range []struct {
			method, path, body string
			want               int
			cond               string
		}{
			{"REPORT", aliceBook, cardQuery(`<C:address-data content-type="text/vcards" version="2.0"/>`), 403, "<card:supported-address-data/>"},
			{"REPORT", aliceBook, cardMultiget(`<C:address-data content-type="text/vcard" version="2.1"/>`), 403, "<card:supported-address-data/>"},
			{"PROPFIND", aliceBook, `<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><C:address-data content-type="text/x-vcard"/></D:prop></D:propfind>`, 403, "<card:supported-address-data/>"},
			{"REPORT", cal, calQuery(`<C:calendar-data content-type="application/calendar+json"/>`), 403, "<cal:supported-calendar-data/>"},
			{"REPORT", cal, calQuery(`<C:calendar-data content-type="text/calendar" version="1.0"/>`), 403, "<cal:supported-calendar-data/>"},
			{"REPORT", aliceBook, cardMultiget(`<C:address-data content-type="text/vcard" version="4.0"/>`), 207, "VERSION:4.0"},
			{"REPORT", aliceBook, cardQuery(`<C:address-data/>`), 207, "VERSION:3.0"},
			{"REPORT", cal, calQuery(`<C:calendar-data content-type="text/calendar" version="2.0"/>`), 207, "<d:multistatus"},
		} {
			resp, body := e.do(c.method, c.path, "alice", "alice-pw", c.body, "Depth", "1")
			if resp.StatusCode != c.want || !strings.Contains(body, c.cond) {
				t.Errorf("%s %s: %d, want %d with %s\n%s", c.method, c.body, resp.StatusCode, c.want, c.cond, body)
			}
		}
	})
}
