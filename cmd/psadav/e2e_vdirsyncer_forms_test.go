package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/storage"
)

// TestVdirsyncerKeepsDateForms: to-dos and events a client writes come
// back as it wrote them (README: Calendar and tasks) — an undated to-do, a
// date-only one for a user west of UTC, a TZID with DURATION, an all-day
// and a floating event. Each is stored as sent, so the PUT answers with
// the ETag and the next sync transfers nothing; the local files keep the
// client's bytes.
func TestVdirsyncerKeepsDateForms(t *testing.T) {
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		if _, err := srv.store.UpdateSettings(context.Background(), tech1, func(s *storage.UserSettings) {
			s.TimeZone = "America/Los_Angeles"
		}); err != nil {
			t.Fatal(err)
		}
		v := srv.vdirsyncer(t, tech1, tech1Password)
		v.sync(t)
		if moved := v.sync(t); moved != "" {
			t.Fatalf("a second sync transferred: %s", moved)
		}
		day := fixtureDay()
		date := func(n int) string { return day.AddDate(0, 0, n).Format("20060102") }
		tasks, cal := filepath.Join("calendars", storage.CollTasks), filepath.Join("calendars", storage.CollCalendar)
		item := func(comp, uid string, lines ...string) []string {
			return append(append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//e2e//EN", "BEGIN:" + comp, "UID:" + uid,
				"DTSTAMP:" + date(0) + "T000000Z"}, lines...), "END:"+comp, "END:VCALENDAR")
		}
		files := map[string][]string{
			filepath.Join(tasks, "undated.ics"):  item("VTODO", "vds-undated", "SUMMARY:Someday"),
			filepath.Join(tasks, "date.ics"):     item("VTODO", "vds-date", "SUMMARY:On the day", "DUE;VALUE=DATE:"+date(10)),
			filepath.Join(tasks, "duration.ics"): item("VTODO", "vds-duration", "SUMMARY:Two hours", "DTSTART;TZID=Europe/Berlin:"+date(11)+"T090000", "DURATION:PT2H"),
			filepath.Join(cal, "allday.ics"):     item("VEVENT", "vds-allday", "SUMMARY:Offsite", "DTSTART;VALUE=DATE:"+date(12), "DTEND;VALUE=DATE:"+date(13)),
			filepath.Join(cal, "floating.ics"):   item("VEVENT", "vds-floating", "SUMMARY:Lunch", "DTSTART:"+date(14)+"T120000", "DTEND:"+date(14)+"T130000"),
		}
		for name, lines := range files {
			v.put(t, name, lines...)
		}
		moved := v.sync(t)
		for _, uid := range []string{"vds-undated", "vds-date", "vds-duration", "vds-allday", "vds-floating"} {
			if !strings.Contains(moved, "item "+uid+" to remote") {
				t.Errorf("%s was not uploaded:\n%s", uid, moved)
			}
		}
		if moved := v.sync(t); moved != "" {
			t.Fatalf("the sync after the upload transferred: %s", moved)
		}
		for name, lines := range files {
			if got, want := v.read(t, name), strings.Join(lines, "\r\n")+"\r\n"; got != want {
				t.Errorf("%s locally:\n%s\nwant what the client wrote:\n%s", name, got, want)
			}
		}
		// The PSA got start and end for each, in the user's zone.
		var creates []string
		for _, e := range srv.outbox(t) {
			if e.Op == storage.OpCreate {
				creates = append(creates, e.Payload)
			}
		}
		laMidnight := day.AddDate(0, 0, 10).Add(8 * time.Hour)
		if _, off := day.AddDate(0, 0, 10).In(mustLoad(t, "America/Los_Angeles")).Zone(); off == -7*3600 {
			laMidnight = laMidnight.Add(-time.Hour)
		}
		all := strings.Join(creates, "\n")
		if len(creates) != 5 || !strings.Contains(all, `"endDateTime":"`+laMidnight.Format(time.RFC3339)+`"`) {
			t.Fatalf("creates queued for the PSA:\n%s", all)
		}
	})
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
