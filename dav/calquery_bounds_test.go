package dav_test

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
)

// A time-range query answered from the stored bounds (the fast path) must
// give exactly what parsing every object gives: the same query with a
// filter the fast path does not take (a prop-filter that always holds) is
// the reference.
func TestCalendarQueryBoundsMatchParsing(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2)
		from, to := day.Add(10*time.Hour), day.Add(12*time.Hour)
		// Events around the range's edges: ending at its start, starting
		// at its end, zero-length at either edge, inside, spanning it.
		spans := [][2]time.Time{
			{from.Add(-time.Hour), from}, {to, to.Add(time.Hour)}, {from, from}, {to, to},
			{from.Add(30 * time.Minute), from.Add(time.Hour)}, {from.Add(-time.Hour), to.Add(time.Hour)},
			{from.Add(-time.Second), from.Add(time.Second)}, {to.Add(-time.Second), to.Add(time.Minute)},
		}
		for i, sp := range spans {
			e.upsert(mapping.EntityAppointments, &mapping.Appointment{ID: int64(900 + i), ResourceID: 100,
				Title: fmt.Sprint("edge ", i), StartDateTime: sp[0], EndDateTime: sp[1]})
		}
		query := func(extra string) []string {
			f := "20060102T150405Z"
			_, body := e.do("REPORT", "/dav/calendars/alice/calendar/", "alice", "alice-pw",
				`<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>`+
					`<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="`+from.Format(f)+
					`" end="`+to.Format(f)+`"/>`+extra+`</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`, "Depth", "1")
			var hrefs []string
			for _, m := range regexp.MustCompile(`<d:href>([^<]*)</d:href>`).FindAllStringSubmatch(body, -1) {
				hrefs = append(hrefs, m[1])
			}
			slices.Sort(hrefs)
			return hrefs
		}
		fast := query("")
		slow := query(`<c:prop-filter name="UID"/>`)
		if !slices.Equal(fast, slow) || len(fast) == 0 {
			t.Fatalf("bounds say %v, parsing says %v", fast, slow)
		}
		// RFC 4791 §9.9, DTEND present: start < E and end > S. Events that
		// only touch the range, and zero-length ones at its edges, are out.
		want := []string{"appointment-904.ics", "appointment-905.ics", "appointment-906.ics", "appointment-907.ics"}
		for i, w := range want {
			want[i] = "/dav/calendars/alice/calendar/" + w
		}
		if !slices.Equal(fast, want) {
			t.Fatalf("time-range answer %v, want %v", fast, want)
		}
	})
}
