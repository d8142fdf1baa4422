package dav_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// The limits on what clients write, over HTTP (README: Limits on what
// clients write): a rule judged by what it expands to is refused with
// CALDAV:valid-calendar-object-resource and a message; a user over the
// PSA write budget gets 503 with Retry-After; a stored series that
// expands to a great deal costs a report a bounded walk.
func TestClientLimitsOverHTTP(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		ctx := context.Background()
		put := func(login, path, body string) (*http.Response, string) {
			return e.do("PUT", path, login, login+"-pw", body, "Content-Type", "text/calendar")
		}
		event := func(uid string, start time.Time, lines ...string) string {
			return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:x\r\n" +
				"DTSTART:" + fmtUTC(start) + "\r\nDURATION:PT30M\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		}
		all := func(n int) string {
			var parts []string
			for i := range n {
				parts = append(parts, strconv.Itoa(i))
			}
			return strings.Join(parts, ",")
		}
		start := e.day.AddDate(0, 0, 1).Add(8 * time.Hour)
		for _, c := range []struct{ name, rule string }{
			{"every second", "RRULE:FREQ=DAILY;BYHOUR=" + all(24) + ";BYMINUTE=" + all(60) + ";BYSECOND=" + all(60)},
			{"a billion days", "RRULE:FREQ=DAILY;COUNT=1000000000"},
			{"30 February", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"},
		} {
			began := time.Now()
			resp, body := put("alice", aliceCal+"rule.ics", event("rule", start, c.rule))
			t.Logf("%s: %d in %v", c.name, resp.StatusCode, time.Since(began).Round(time.Millisecond))
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "valid-calendar-object-resource") ||
				!strings.Contains(body, "<psadav:property>RRULE</psadav:property>") || !strings.Contains(body, "<psadav:message>") {
				t.Errorf("%s: %d %s", c.name, resp.StatusCode, body)
			}
		}

		// A series stored while the limits were wider (24 a day, beyond
		// the window so nothing reaches the PSA) costs a report a bounded
		// walk and shows its instances up to MaxInstances.
		must(t, e.s.SetSetting(ctx, "min-occurrence-gap", "1h"))
		must(t, e.s.SetSetting(ctx, "max-series-occurrences", "100000"))
		later := e.day.AddDate(2, 0, 0)
		resp, body := put("alice", aliceCal+"hourly.ics", event("hourly", later, "RRULE:FREQ=DAILY;BYHOUR="+all(24)))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("a dense series under min-occurrence-gap 1h: %d %s", resp.StatusCode, body)
		}
		must(t, e.s.SetSetting(ctx, "min-occurrence-gap", "24h"))
		must(t, e.s.SetSetting(ctx, "max-series-occurrences", "400"))
		began := time.Now()
		resp, body = e.do("REPORT", aliceCal, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data>
<C:expand start="`+fmtUTC(later)+`" end="`+fmtUTC(later.AddDate(1, 0, 0))+`"/></C:calendar-data></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="`+fmtUTC(later)+`" end="`+fmtUTC(later.AddDate(1, 0, 0))+`"/>
</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, "Depth", "1")
		t.Logf("calendar-query expanding the dense series over a year: %d in %v", resp.StatusCode, time.Since(began).Round(time.Millisecond))
		if n := strings.Count(body, "RECURRENCE-ID"); resp.StatusCode != http.StatusMultiStatus || n != mapping.MaxInstances {
			t.Fatalf("expanded report: %d, %d instances", resp.StatusCode, n)
		}
		began = time.Now()
		resp, _ = e.do("REPORT", aliceCal, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="`+fmtUTC(later)+`" end="`+fmtUTC(later.AddDate(1, 0, 0))+`"/></C:free-busy-query>`)
		t.Logf("free-busy over the dense series: %d in %v", resp.StatusCode, time.Since(began).Round(time.Millisecond))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("free-busy: %d", resp.StatusCode)
		}

		// The write budget: the third write of the hour is refused with
		// when to come back; bob's writes are his own.
		must(t, e.s.SetSetting(ctx, "user-write-budget", "2"))
		for i := range 2 {
			if resp, body := put("alice", aliceCal+fmt.Sprintf("w%d.ics", i), event(fmt.Sprintf("w%d", i), start.Add(time.Duration(i)*time.Hour))); resp.StatusCode != http.StatusCreated {
				t.Fatalf("write %d: %d %s", i, resp.StatusCode, body)
			}
		}
		resp, body = put("alice", aliceCal+"w2.ics", event("w2", start.Add(2*time.Hour)))
		retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusServiceUnavailable || retry < 3500 || retry > 3600 || !strings.Contains(body, "<psadav:write-budget") {
			t.Fatalf("over the budget: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		if resp, body := put("bob", "/dav/calendars/bob/calendar/b.ics", event("b", start)); resp.StatusCode != http.StatusCreated {
			t.Fatalf("bob: %d %s", resp.StatusCode, body)
		}
		es, err := e.s.Outbox(ctx, storage.OutboxFilter{})
		must(t, err)
		if len(es) != 3 || es[0].UserLogin != "bob" || es[1].UserLogin != "alice" {
			t.Fatalf("outbox: %+v", es)
		}
	})
}
