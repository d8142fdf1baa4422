package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/storage"
)

// python3-caldav (Debian's, run by /usr/bin/python3) drives discovery, a
// date search, CRUD of an event and a task, incremental sync by token and
// free-busy; testdata/caldav_client.py reports what it saw.

type caldavReport struct {
	Calendars          map[string][]string `json:"calendars"`
	Next30             []string            `json:"next30"`
	Tasks              []string            `json:"tasks"`
	InitialSyncCount   int                 `json:"initial_sync_count"`
	CreatedEvent       string              `json:"created_event"`
	SyncAfterCreate    []string            `json:"sync_after_create"`
	ReadSummary        string              `json:"read_summary"`
	ReadHasAlarm       bool                `json:"read_has_alarm"`
	MovedStart         string              `json:"moved_start"`
	ExpectedMovedStart string              `json:"expected_moved_start"`
	SyncAfterUpdate    []string            `json:"sync_after_update"`
	SyncAfterDelete    []string            `json:"sync_after_delete"`
	DeletedEventGone   bool                `json:"deleted_event_gone"`
	CreatedTodo        string              `json:"created_todo"`
	TodoStatus         string              `json:"todo_status"`
	TodoCompleted      bool                `json:"todo_completed"`
	FreeBusy           []string            `json:"freebusy"`
}

func TestPythonCaldav(t *testing.T) {
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		requireTool(t, "python3-caldav")
	}
	if out, err := (&e2eServer{dir: t.TempDir()}).try("", python, "-c", "import caldav"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-caldav is not installed: CI must run the real-client tests\n%s", out)
		}
		t.Skip("python3-caldav is not installed (Debian package python3-caldav)")
	}
	script, err := filepath.Abs("testdata/caldav_client.py")
	if err != nil {
		t.Fatal(err)
	}
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		out := srv.run(t, "", python, script, srv.url+"/", tech1, tech1Password)
		t.Logf("caldav_client.py: %s", out)
		var rep caldavReport
		if err := json.Unmarshal([]byte(out[strings.LastIndex(out, "\n{")+1:]), &rep); err != nil {
			t.Fatalf("caldav_client.py printed no report: %v\n%s", err, out)
		}
		if strings.Join(rep.Calendars["PSA calendar"], ",") != "VEVENT" || strings.Join(rep.Calendars["PSA tasks"], ",") != "VTODO" {
			t.Errorf("discovered calendars %v", rep.Calendars)
		}
		// tech1's items of the next 30 days in the fixture: appointments
		// (not 604, 60 days out; not 603, tech2's), calendar to-dos (View
		// Calendar and Calendar and To-Do; not the To-Do and Neither ones),
		// the service call tech1 works on (not the cancelled one), time off
		// approved and pending (not the rejected one).
		want := []string{"appointment-601.ics", "appointment-602.ics", "service-call-3001.ics", "time-off-5001.ics",
			"time-off-5002.ics", "todo-701.ics", "todo-703.ics"}
		if !slices.Equal(rep.Next30, want) {
			t.Errorf("date search over the next 30 days: %v, want %v", rep.Next30, want)
		}
		if !slices.Equal(rep.Tasks, []string{"todo-702.ics", "todo-705.ics"}) {
			t.Errorf("tasks: %v", rep.Tasks)
		}
		if rep.InitialSyncCount != srv.objectCount(t, tech1, storage.CollCalendar) {
			t.Errorf("initial sync listed %d objects, the server has %d", rep.InitialSyncCount, srv.objectCount(t, tech1, storage.CollCalendar))
		}
		if rep.CreatedEvent == "" || !slices.Contains(rep.SyncAfterCreate, rep.CreatedEvent) || len(rep.SyncAfterCreate) != 1 {
			t.Errorf("sync after create: %v (created %s)", rep.SyncAfterCreate, rep.CreatedEvent)
		}
		if rep.ReadSummary != "Planning with caldav" || !rep.ReadHasAlarm {
			t.Errorf("read back: summary %q, alarm %v", rep.ReadSummary, rep.ReadHasAlarm)
		}
		if rep.MovedStart != rep.ExpectedMovedStart {
			t.Errorf("moved start %s, want %s", rep.MovedStart, rep.ExpectedMovedStart)
		}
		if !slices.Equal(rep.SyncAfterUpdate, []string{rep.CreatedEvent}) {
			t.Errorf("sync after update: %v", rep.SyncAfterUpdate)
		}
		if !rep.DeletedEventGone || !slices.Equal(rep.SyncAfterDelete, []string{rep.CreatedEvent}) {
			t.Errorf("after the delete: gone %v, sync lists %v", rep.DeletedEventGone, rep.SyncAfterDelete)
		}
		if rep.TodoStatus != "COMPLETED" || !rep.TodoCompleted {
			t.Errorf("completed task: status %q, COMPLETED set %v", rep.TodoStatus, rep.TodoCompleted)
		}
		fb := strings.Join(rep.FreeBusy, "\n")
		day := func(n int) string { return fixtureDay().AddDate(0, 0, n).Format("20060102") }
		for _, busy := range []string{day(1) + "T090000Z/" + day(1) + "T100000Z", day(2) + "T160000Z/" + day(2) + "T170000Z",
			"BUSY-TENTATIVE:" + day(8) + "T080000Z/" + day(8) + "T120000Z"} {
			if !strings.Contains(fb, busy) {
				t.Errorf("free-busy lacks %s (appointment, service call, pending time off): %v", busy, rep.FreeBusy)
			}
		}
		if strings.Contains(fb, day(9)+"T080000Z") {
			t.Errorf("free-busy shows the rejected time off: %v", rep.FreeBusy)
		}

		// What reached the PSA: the event created, moved and deleted; the
		// task created, completed and deleted.
		var ops []string
		for _, e := range srv.outbox(t) {
			ops = append(ops, e.Entity+" "+e.Op.String())
		}
		slices.Sort(ops)
		wantOps := []string{"Appointments create", "Appointments delete", "Appointments update", "CompanyToDos create", "CompanyToDos delete", "CompanyToDos update"}
		if !slices.Equal(ops, wantOps) {
			t.Errorf("outbox %v, want %v", ops, wantOps)
		}
		for _, e := range srv.outbox(t) {
			if e.Entity == "CompanyToDos" && e.Op == storage.OpUpdate && !strings.Contains(e.Payload, `"completedDate":"`+time.Now().UTC().Format("2006-01-02")) {
				t.Errorf("completing the task did not send completedDate: %s", e.Payload)
			}
		}
	})
}
