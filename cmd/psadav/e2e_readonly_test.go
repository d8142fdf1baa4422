package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestVdirsyncerEditsAServiceCall: a local edit of a service call (read-only
// in the PSA) never leaves vdirsyncer stuck. An added alarm is kept for
// the user and stored as sent, so the PUT is answered with the ETag and the
// next sync is quiet; a changed SUMMARY is discarded (write-back-mode
// lenient, the default): the sync succeeds, the next brings the server's
// version down once — the PSA's SUMMARY with the client's alarm — and then
// nothing moves. Nothing goes to the PSA. vdirsyncer got 403 for the
// upload and failed on every later sync, for good.
func TestVdirsyncerEditsAServiceCall(t *testing.T) {
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		v := srv.vdirsyncer(t, tech1, tech1Password)
		v.sync(t)
		if moved := v.sync(t); moved != "" {
			t.Fatalf("a second sync transferred: %s", moved)
		}
		call := filepath.Join("calendars", "calendar", "psadav-service-call-3001.ics")
		served := v.read(t, call)
		if !strings.Contains(served, "SUMMARY:Service Call: ") || strings.Contains(served, "BEGIN:VALARM") {
			t.Fatalf("the service call as first synced:\n%s", served)
		}
		alarm := "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Service call\r\nTRIGGER:-PT1H\r\nEND:VALARM\r\n"
		withAlarm := strings.Replace(served, "END:VEVENT\r\n", alarm+"END:VEVENT\r\n", 1)

		// An alarm: uploaded, stored as sent, the next sync is quiet.
		v.put(t, call, strings.TrimRight(withAlarm, "\r\n"))
		if moved := v.sync(t); !strings.Contains(moved, "item psadav-service-call-3001 to remote") {
			t.Fatalf("the alarm was not uploaded: %q", moved)
		}
		if moved := v.sync(t); moved != "" {
			t.Fatalf("the sync after the alarm transferred: %s", moved)
		}

		// A new title with another alarm: the title stays the PSA's.
		edited := strings.Replace(strings.Replace(withAlarm, "TRIGGER:-PT1H", "TRIGGER:-PT2H", 1), "SUMMARY:", "SUMMARY:Mine, not ", 1)
		v.put(t, call, strings.TrimRight(edited, "\r\n"))
		if moved := v.sync(t); !strings.Contains(moved, "item psadav-service-call-3001 to remote") {
			t.Fatalf("the edit was not uploaded: %q", moved)
		}
		if moved := v.sync(t); !strings.Contains(moved, "item psadav-service-call-3001 to local") || strings.Count(moved, "\n") != 0 {
			t.Fatalf("the server's version did not come down once: %q", moved)
		}
		want := strings.Replace(withAlarm, "TRIGGER:-PT1H", "TRIGGER:-PT2H", 1)
		if got := v.read(t, call); got != want {
			t.Fatalf("after the edit the client holds:\n%s\nwant the PSA's version with the client's alarm:\n%s", got, want)
		}
		if moved := v.sync(t); moved != "" {
			t.Fatalf("the third sync transferred: %s", moved)
		}
		if es := srv.outbox(t); len(es) != 0 {
			t.Fatalf("edits of a service call queued write-backs: %+v", es)
		}
	})
}
