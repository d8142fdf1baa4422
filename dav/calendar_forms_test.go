package dav_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/storage"
)

// TestToDoFormsOverHTTP: a to-do comes back as its client wrote it (no
// dates where it gave none, a DATE as a DATE for a user west of UTC), the
// PUT of what is stored as sent answers with the ETag, and RFC 4791 §9.9
// time-ranges match undated and date-only to-dos.
func TestToDoFormsOverHTTP(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		_, err := e.s.UpdateSettings(context.Background(), "alice", func(s *storage.UserSettings) { s.TimeZone = "America/Los_Angeles" })
		must(t, err)
		todo := func(uid string, lines ...string) string {
			return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//vdirsyncer-like//EN\r\nBEGIN:VTODO\r\nUID:" + uid +
				"\r\nDTSTAMP:20250101T000000Z\r\n" + strings.Join(append(lines, ""), "\r\n") + "END:VTODO\r\nEND:VCALENDAR\r\n"
		}
		due := e.day.AddDate(0, 0, 10)
		bodies := map[string]string{
			"undated.ics": todo("undated-1", "SUMMARY:Someday"),
			"date.ics":    todo("date-1", "SUMMARY:On the day", "DUE;VALUE=DATE:"+due.Format("20060102")),
		}
		for name, body := range bodies {
			resp, answer := e.do("PUT", aliceTasks+name, "alice", "alice-pw", body, "Content-Type", "text/calendar", "If-None-Match", "*")
			if resp.StatusCode != http.StatusCreated || resp.Header.Get("ETag") == "" {
				t.Fatalf("PUT %s: %d ETag %q %s", name, resp.StatusCode, resp.Header.Get("ETag"), answer)
			}
			resp, got := e.do("GET", aliceTasks+name, "alice", "alice-pw", "")
			if got != body || resp.Header.Get("ETag") == "" {
				t.Errorf("GET %s:\n%s\nwant what was sent:\n%s", name, got, body)
			}
		}
		r := func(from, to time.Time) string {
			return `<C:comp-filter name="VTODO"><C:time-range start="` + fmtUTC(from) + `" end="` + fmtUTC(to) + `"/></C:comp-filter>`
		}
		// Midnight of the due day in Los Angeles is 07:00 or 08:00 UTC.
		laMidnight := due.Add(7 * time.Hour)
		if _, off := due.In(mustZone(t, "America/Los_Angeles")).Zone(); off == -8*3600 {
			laMidnight = due.Add(8 * time.Hour)
		}
		for _, c := range []struct {
			from, to time.Time
			want     string
		}{
			{e.day.AddDate(1, 0, 0), e.day.AddDate(1, 0, 1), "undated.ics"},
			{laMidnight.Add(-time.Hour), laMidnight.Add(time.Hour), "date.ics undated.ics"},
			{due, laMidnight.Add(-time.Minute), "undated.ics"},
		} {
			if got := joined(e.rawQuery(t, aliceTasks, r(c.from, c.to))); got != c.want {
				t.Errorf("VTODO in [%s, %s): %s, want %s", fmtUTC(c.from), fmtUTC(c.to), got, c.want)
			}
		}
	})
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	must(t, err)
	return loc
}
