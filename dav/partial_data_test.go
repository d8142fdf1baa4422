package dav_test

import (
	"net/http"
	"strings"
	"testing"
)

// Partial retrieval (RFC 4791 §9.6, RFC 6352 §10.4) is the Seen case:
// calendar-data with comp/prop and address-data with prop came back as
// the whole object in every report.

// eventSelection asks for VEVENT's SUMMARY (without value) and UID, and
// for no VCALENDAR property: CalDAVTester's reports/multiget/5 and
// filtereddata/1.
const eventSelection = `<C:calendar-data><C:comp name="VCALENDAR">
 <C:comp name="VEVENT"><C:prop name="SUMMARY" novalue="yes"/><C:prop name="UID"/></C:comp><C:comp name="VTIMEZONE"/>
</C:comp></C:calendar-data>`

// checkEventSelection checks an answer holding appointment-41 cut by
// eventSelection, its ETag the whole object's.
func checkEventSelection(t *testing.T, what string, resp *http.Response, body, etag string) {
	t.Helper()
	if resp.StatusCode != http.StatusMultiStatus || !strings.Contains(body, "SUMMARY:&#13;") || !strings.Contains(body, "UID:") ||
		!strings.Contains(body, "BEGIN:VEVENT") || !strings.Contains(body, etag) {
		t.Fatalf("%s: %d %s", what, resp.StatusCode, body)
	}
	for _, s := range []string{"Review", "DTSTAMP", "DTSTART", "VERSION", "PRODID"} {
		if strings.Contains(body, s) {
			t.Fatalf("%s: %s was not asked for: %s", what, s, body)
		}
	}
}

func TestCalendarDataSelection(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		href := aliceCal + "appointment-41.ics"
		head, _ := e.do("HEAD", href, "alice", "alice-pw", "")
		etag := strings.Trim(head.Header.Get("ETag"), `"`)
		resp, body := e.do("REPORT", aliceCal, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/>`+eventSelection+`</D:prop>
 <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
  <C:prop-filter name="SUMMARY"><C:text-match>review</C:text-match></C:prop-filter>
 </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>`, "Depth", "1")
		checkEventSelection(t, "calendar-query", resp, body, etag)

		multiget := `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/>` + eventSelection + `</D:prop>
 <D:href>` + href + `</D:href></C:calendar-multiget>`
		resp, body = e.do("REPORT", aliceCal, "alice", "alice-pw", multiget, "Depth", "1")
		checkEventSelection(t, "calendar-multiget", resp, body, etag)
		// A multiget over 1 MiB is read as a stream (report_body.go): the
		// selection must survive it.
		pad := strings.Repeat("<!--"+strings.Repeat("x", 100<<10)+"-->", 12)
		resp, body = e.do("REPORT", aliceCal, "alice", "alice-pw", strings.Replace(multiget, "<D:href>", pad+"<D:href>", 1), "Depth", "1")
		checkEventSelection(t, "spooled calendar-multiget", resp, body, etag)

		// allprop and allcomp give the whole object back.
		resp, body = e.do("REPORT", aliceCal, "alice", "alice-pw", strings.Replace(multiget, eventSelection,
			`<C:calendar-data><C:comp name="VCALENDAR"><C:allprop/><C:allcomp/></C:comp></C:calendar-data>`, 1), "Depth", "1")
		if resp.StatusCode != http.StatusMultiStatus || !strings.Contains(body, "SUMMARY:Review") || !strings.Contains(body, "PRODID") {
			t.Fatalf("allprop/allcomp: %d %s", resp.StatusCode, body)
		}
		// go-webdav's client asks for everything with a nameless comp.
		resp, body = e.do("REPORT", aliceCal, "alice", "alice-pw", strings.Replace(multiget, eventSelection,
			`<C:calendar-data><C:comp name=""><C:allprop/></C:comp></C:calendar-data>`, 1), "Depth", "1")
		if resp.StatusCode != http.StatusMultiStatus || !strings.Contains(body, "SUMMARY:Review") {
			t.Fatalf("nameless top-level comp: %d %s", resp.StatusCode, body)
		}
		// A nameless comp inside one is the client's error.
		resp, body = e.do("REPORT", aliceCal, "alice", "alice-pw", strings.Replace(multiget, eventSelection,
			`<C:calendar-data><C:comp name="VCALENDAR"><C:comp/></C:comp></C:calendar-data>`, 1), "Depth", "1")
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("comp without a name: %d %s", resp.StatusCode, body)
		}
	})
}

func TestAddressDataSelection(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		const sel = `<C:address-data><C:prop name="FN"/><C:prop name="EMAIL" novalue="yes"/></C:address-data>`
		check := func(what string, resp *http.Response, body string) {
			t.Helper()
			if resp.StatusCode != http.StatusMultiStatus || !strings.Contains(body, "FN:Ann Acme") || !strings.Contains(body, "EMAIL;") ||
				!strings.Contains(body, "BEGIN:VCARD") || strings.Contains(body, "ann@acme.example") || strings.Contains(body, "TEL") ||
				strings.Contains(body, "VERSION") {
				t.Fatalf("%s: %d %s", what, resp.StatusCode, body)
			}
		}
		resp, body := e.do("REPORT", aliceBook, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/>`+sel+`</D:prop>
 <C:filter><C:prop-filter name="FN"><C:text-match>ann</C:text-match></C:prop-filter></C:filter>
</C:addressbook-query>`, "Depth", "1")
		check("addressbook-query", resp, body)
		resp, body = e.do("REPORT", aliceBook, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/>`+sel+`</D:prop>
 <D:href>`+aliceBook+`contact-11.vcf</D:href></C:addressbook-multiget>`, "Depth", "1")
		check("addressbook-multiget", resp, body)
		// In vCard 4.0 too: the selection cuts the converted card.
		resp, body = e.do("REPORT", aliceBook, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop>
 <C:address-data content-type="text/vcard" version="4.0"><C:prop name="VERSION"/><C:prop name="FN"/></C:address-data></D:prop>
 <D:href>`+aliceBook+`contact-11.vcf</D:href></C:addressbook-multiget>`, "Depth", "1")
		if !strings.Contains(body, "VERSION:4.0") || !strings.Contains(body, "FN:Ann Acme") || strings.Contains(body, "\nN:") {
			t.Fatalf("vCard 4.0 selection: %d %s", resp.StatusCode, body)
		}
	})
}
