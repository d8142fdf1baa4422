package dav_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// Seen: an object holding only overridden instances — what iOS stores
// when invited to some instances of another's series — was refused. It
// is a client event: served back as sent, each override an appointment
// of its own in the PSA. A task needs its master.
func TestOnlyOverriddenInstances(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		ctx := context.Background()
		first, second := e.day.AddDate(0, 0, 11).Add(9*time.Hour), e.day.AddDate(0, 0, 18).Add(9*time.Hour)
		override := func(rid, start time.Time, summary string) string {
			return "BEGIN:VEVENT\r\nUID:invite-1\r\nDTSTAMP:20250101T000000Z\r\nRECURRENCE-ID:" + fmtUTC(rid) + "\r\n" +
				"DTSTART:" + fmtUTC(start) + "\r\nDURATION:PT1H\r\nSUMMARY:" + summary + "\r\nEND:VEVENT\r\n"
		}
		body := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//iOS 17//EN\r\n" +
			override(first, first, "Weekly review") + override(second, second.Add(2*time.Hour), "Weekly review (late)") + "END:VCALENDAR\r\n"
		resp, out := e.do("PUT", aliceCal+"invite-1.ics", "alice", "alice-pw", body, "Content-Type", "text/calendar", "If-None-Match", "*")
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT: %d %s", resp.StatusCode, out)
		}
		if resp, got := e.do("GET", aliceCal+"invite-1.ics", "alice", "alice-pw", ""); resp.StatusCode != http.StatusOK || got != body {
			t.Fatalf("GET: %d\n%s", resp.StatusCode, got)
		}
		ob, err := e.s.Outbox(ctx, storage.OutboxFilter{Entity: string(mapping.EntityAppointments)})
		must(t, err)
		var starts []string
		for _, o := range ob {
			if o.Op == storage.OpCreate {
				starts = append(starts, o.Payload)
			}
		}
		if len(starts) != 2 || !strings.Contains(strings.Join(starts, " "), second.Add(2*time.Hour).Format("2006-01-02T15:04")) {
			t.Fatalf("PSA appointments: %+v", ob)
		}
		// The moved instance is found at its own time, and expands with its
		// RECURRENCE-ID.
		resp, out = e.do("REPORT", aliceCal, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data>
 <C:expand start="`+fmtUTC(second)+`" end="`+fmtUTC(second.AddDate(0, 0, 1))+`"/></C:calendar-data></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
 <C:time-range start="`+fmtUTC(second.Add(2*time.Hour))+`" end="`+fmtUTC(second.Add(3*time.Hour))+`"/>
</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, "Depth", "1")
		if !strings.Contains(out, "invite-1.ics") || !strings.Contains(out, "RECURRENCE-ID:"+fmtUTC(second)) || strings.Count(out, "BEGIN:VEVENT") != 1 {
			t.Fatalf("query: %d %s", resp.StatusCode, out)
		}
		todo := strings.NewReplacer("VEVENT", "VTODO", "DURATION:PT1H\r\n", "").Replace(body)
		if resp, out := e.do("PUT", aliceTasks+"invite-2.ics", "alice", "alice-pw", strings.ReplaceAll(todo, "invite-1", "invite-2"),
			"Content-Type", "text/calendar"); resp.StatusCode/100 != 4 || !strings.Contains(out, "master") {
			t.Fatalf("a task without its master: %d %s", resp.StatusCode, out)
		}
	})
}
