package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psadav/psadav/storage"
)

// TestVdirsyncerDeletesPSAItems: deleting a PSA appointment, a service
// call and a PSA task on the client (write-back-mode lenient, the
// default) hides them for that user: vdirsyncer's sync succeeds, the
// items stay gone, nothing is sent to the PSA, and the next sync is
// quiet. vdirsyncer failed on every sync after such a DELETE (403), and
// aborted the user's other collections with it.
func TestVdirsyncerDeletesPSAItems(t *testing.T) {
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		v := srv.vdirsyncer(t, tech1, tech1Password)
		v.sync(t)
		cal := filepath.Join("calendars", storage.CollCalendar)
		tasks := filepath.Join("calendars", storage.CollTasks)
		gone := []string{filepath.Join(cal, "psadav-appointment-601.ics"), filepath.Join(cal, "psadav-service-call-3001.ics"),
			filepath.Join(tasks, "psadav-todo-702.ics")}
		before := srv.objectCount(t, tech1, storage.CollCalendar)
		for _, f := range gone {
			if err := os.Remove(v.path(f)); err != nil {
				t.Fatal(err)
			}
		}
		moved := v.sync(t) // fails the test if vdirsyncer exits non-zero
		if strings.Count(moved, "Deleting item") != 3 {
			t.Fatalf("the deletes were not sent:\n%s", moved)
		}
		if got := srv.objectCount(t, tech1, storage.CollCalendar); got != before-2 {
			t.Fatalf("the calendar holds %d objects, want %d", got, before-2)
		}
		hidden, err := srv.store.HiddenItems(context.Background(), tech1)
		if err != nil || len(hidden) != 3 {
			t.Fatalf("hidden items: %+v %v", hidden, err)
		}
		if es := srv.outbox(t); len(es) != 0 {
			t.Fatalf("hiding queued write-backs: %+v", es)
		}
		if moved := v.sync(t); moved != "" {
			t.Fatalf("the sync after the deletes transferred: %s", moved)
		}
		for _, f := range gone {
			if _, err := os.Stat(v.path(f)); err == nil {
				t.Fatalf("%s came back", f)
			}
		}
	})
}
