package dav_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// easternVTimezone is a calendar-query's timezone (CalDAVTester's
// floating/1.txt) under a TZID Go does not know, so its own rules count.
const easternVTimezone = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:Custom Eastern\r\n" +
	"BEGIN:DAYLIGHT\r\nDTSTART:20070311T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\nDTSTART:20071104T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\n" +
	"END:VTIMEZONE\r\nEND:VCALENDAR\r\n"

// Seen: floating times ignored the query's CALDAV:timezone (RFC 4791
// §9.8): they were read in the user's zone (UTC here) for time ranges and
// expansion alike.
func TestFloatingTimesInTheQueryZone(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		day := e.day.AddDate(0, 0, 10)
		wall := day.Add(10 * time.Hour).Format("20060102T150405") // 10:00 floating
		resp, body := e.do("PUT", aliceCal+"floating-1.ics", "alice", "alice-pw",
			"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:floating-1\r\nDTSTAMP:20250101T000000Z\r\n"+
				"DTSTART:"+wall+"\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=2\r\nSUMMARY:Floating\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			"Content-Type", "text/calendar", "If-None-Match", "*")
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT: %d %s", resp.StatusCode, body)
		}
		offset := 5 * time.Hour // Eastern standard time
		if day.Add(15 * time.Hour).In(mustLoad(t, "America/New_York")).IsDST() {
			offset = 4 * time.Hour
		}
		// 10:00 Eastern is 14:00 or 15:00 UTC: one hour from there.
		at := day.Add(10*time.Hour + offset)
		query := func(zone, expand string) (*http.Response, string) {
			return e.do("REPORT", aliceCal, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data>`+expand+`</C:calendar-data></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
 <C:time-range start="`+fmtUTC(at)+`" end="`+fmtUTC(at.Add(time.Hour))+`"/>
</C:comp-filter></C:comp-filter></C:filter>`+zone+`</C:calendar-query>`, "Depth", "1")
		}
		if _, body := query("", ""); strings.Contains(body, "floating-1.ics") {
			t.Fatalf("in the user's zone (UTC) 10:00 is not %s: %s", fmtUTC(at), body)
		}
		for _, zone := range []string{
			"<C:timezone>" + easternVTimezone + "</C:timezone>",
			"<C:timezone-id>America/New_York</C:timezone-id>",
		} {
			resp, body := query(zone, `<C:expand start="`+fmtUTC(day)+`" end="`+fmtUTC(day.AddDate(0, 0, 1))+`"/>`)
			if resp.StatusCode != http.StatusMultiStatus || !strings.Contains(body, "floating-1.ics") ||
				!strings.Contains(body, "DTSTART:"+fmtUTC(at)) || strings.Count(body, "BEGIN:VEVENT") != 1 {
				t.Fatalf("%s: %d %s", zone, resp.StatusCode, body)
			}
		}
		if resp, body := query("<C:timezone>BEGIN:VCALENDAR\r\nEND:VCALENDAR</C:timezone>", ""); resp.StatusCode != http.StatusForbidden ||
			!strings.Contains(body, "valid-calendar-data") {
			t.Fatalf("a timezone without VTIMEZONE: %d %s", resp.StatusCode, body)
		}
	})
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	must(t, err)
	return loc
}
