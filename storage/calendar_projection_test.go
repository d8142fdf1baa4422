package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

func TestCalendarPlacement(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		// Appointment 2 is beyond the window; to-do 8's View is Neither; call
		// 10 is cancelled; time off 33/34 are rejected/cancelled, 35 has no times.
		eq(t, "alice calendar", hrefs(t, f.s, f.aliceCal), []string{"appointment-1.ics", "service-call-9.ics",
			"time-off-31.ics", "time-off-32.ics", "todo-5.ics", "todo-7.ics"})
		eq(t, "alice tasks", hrefs(t, f.s, f.aliceTasks), []string{"todo-6.ics"})
		// Bob is a resource on the call's task only.
		eq(t, "bob calendar", hrefs(t, f.s, f.bobCal), []string{"appointment-3.ics", "service-call-9.ics"})

		appt := f.get(t, f.aliceCal, "appointment-1.ics")
		contains(t, "alice's appointment", appt, "BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "DTSTART;TZID=Europe/Berlin:20250602T100000",
			"SUMMARY:Review", "UID:psadav-appointment-1", "URL:https://ww1.autotask.net/", "OpenAppointment&AppointmentID=1")
		contains(t, "bob's appointment", f.get(t, f.bobCal, "appointment-3.ics"), "DTSTART:20250603T080000Z")
		lacks(t, "bob's appointment", f.get(t, f.bobCal, "appointment-3.ics"), "VTIMEZONE")
		contains(t, "calendar to-do", f.get(t, f.aliceCal, "todo-5.ics"), "BEGIN:VEVENT", "SUMMARY:Meeting: Acme", "Company: Acme")
		contains(t, "task", f.get(t, f.aliceTasks, "todo-6.ics"), "BEGIN:VTODO", "SUMMARY:Phone Call: Acme",
			"Contact: Ann Acme\\, +1 555 0100", "DUE;TZID=Europe/Berlin:20250605T103000", "STATUS:NEEDS-ACTION")
		call := f.get(t, f.aliceCal, "service-call-9.ics")
		contains(t, "service call", call, "SUMMARY:Service Call: Acme", "LOCATION:Warehouse\\, 9 Dock Road\\, Springfield",
			"Organization: Acme", "T20250601.0001 NAS degraded", "Test the restore", "Status: Scheduled", "OpenServiceCall")
		contains(t, "approved time off", f.get(t, f.aliceCal, "time-off-31.ics"), "SUMMARY:Time Off Request - 8.00 hours",
			"DESCRIPTION:\r\n", "TRANSP:OPAQUE", "STATUS:CONFIRMED")
		contains(t, "pending time off", f.get(t, f.aliceCal, "time-off-32.ics"), "SUMMARY:Time Off Request - 4.00 hours", "STATUS:TENTATIVE")

		// Service calls and time off are read-only objects; appointments are not.
		must(t, f.s.ListObjects(ctx, f.aliceCal.ID, func(o storage.ObjectInfo) error {
			ro := o.Href == "service-call-9.ics" || o.Href == "time-off-31.ics" || o.Href == "time-off-32.ics"
			if o.ReadOnly != ro {
				t.Errorf("%s read-only %v", o.Href, o.ReadOnly)
			}
			return nil
		}))
		// Time bounds let a range query skip objects in SQL.
		objs, err := f.s.ObjectsInRange(ctx, f.aliceCal.ID, ts("2025-06-04T00:00:00Z").Unix(), ts("2025-06-07T00:00:00Z").Unix(), false)
		must(t, err)
		var in []string
		for _, o := range objs {
			in = append(in, o.Href)
		}
		eq(t, "objects in range", in, []string{"todo-5.ics", "todo-7.ics"})
	})
}

func TestCalendarDependents(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		// A View change moves the action type's to-dos between collections.
		upsert(t, f.s, mapping.EntityActionTypes, &mapping.ActionType{ID: 502, Name: "Phone Call", View: 11, IsActive: true})
		eq(t, "tasks after View Calendar", hrefs(t, f.s, f.aliceTasks), nil)
		contains(t, "moved to-do", f.get(t, f.aliceCal, "todo-6.ics"), "BEGIN:VEVENT", "SUMMARY:Phone Call: Acme")
		upsert(t, f.s, mapping.EntityActionTypes, &mapping.ActionType{ID: 502, Name: "Phone Call", View: 14, IsActive: true})
		if f.get(t, f.aliceCal, "todo-6.ics") != "" || len(hrefs(t, f.s, f.aliceTasks)) != 0 {
			t.Fatal("a to-do whose View is Neither is still shown")
		}
		upsert(t, f.s, mapping.EntityActionTypes, &mapping.ActionType{ID: 502, Name: "Call", View: 12, IsActive: true})
		contains(t, "to-do back in tasks", f.get(t, f.aliceTasks, "todo-6.ics"), "SUMMARY:Call: Acme")

		// The contact's phone is in the to-do's DESCRIPTION.
		upsert(t, f.s, mapping.EntityContacts, &mapping.Contact{ID: 11, CompanyID: 1, IsActive: 1, FirstName: "Ann", LastName: "Acme", Phone: "+1 555 0199"})
		contains(t, "to-do after phone change", f.get(t, f.aliceTasks, "todo-6.ics"), "+1 555 0199")
		// A company rename reaches to-dos and service calls.
		upsert(t, f.s, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme Corp", IsActive: true})
		contains(t, "to-do after rename", f.get(t, f.aliceCal, "todo-5.ics"), "SUMMARY:Meeting: Acme Corp")
		contains(t, "call after rename", f.get(t, f.aliceCal, "service-call-9.ics"), "SUMMARY:Service Call: Acme Corp")
		// Tickets, tasks and locations render into the call.
		upsert(t, f.s, mapping.EntityTickets, &mapping.Ticket{ID: 70, TicketNumber: "T20250601.0001", Title: "NAS replaced"})
		upsert(t, f.s, mapping.EntityTasks, &mapping.Task{ID: 80, Title: "Restore tested"})
		upsert(t, f.s, mapping.EntityCompanyLocations, &mapping.CompanyLocation{ID: 3, CompanyID: 1, Name: "Depot", Address1: "9 Dock Road", IsActive: true})
		contains(t, "call after ticket, task and location changes", f.get(t, f.aliceCal, "service-call-9.ics"),
			"NAS replaced", "Restore tested", "LOCATION:Depot\\, 9 Dock Road")
		// Bob leaves the call's task: the call leaves his calendar.
		must(t, f.s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
			return tx.MarkPSADeleted(ctx, mapping.EntityServiceCallTaskResources, 93)
		}))
		eq(t, "bob after leaving the task", hrefs(t, f.s, f.bobCal), []string{"appointment-3.ics"})
		// A cancelled call disappears.
		upsert(t, f.s, mapping.EntityServiceCalls, &mapping.ServiceCall{ID: 9, CompanyID: 1, Status: i64(74),
			StartDateTime: ts("2025-06-10T07:00:00Z"), EndDateTime: ts("2025-06-10T09:00:00Z")})
		if f.get(t, f.aliceCal, "service-call-9.ics") != "" {
			t.Fatal("a cancelled service call is still shown")
		}
		// Time off rejected after approval disappears.
		upsert(t, f.s, mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 31, ResourceID: 100, Status: 43, Hours: 8,
			RequestDate: ts("2025-06-20T00:00:00Z"), StartTime: tsp("2025-06-20T07:00:00Z"), EndTime: tsp("2025-06-20T15:00:00Z")})
		if f.get(t, f.aliceCal, "time-off-31.ics") != "" {
			t.Fatal("rejected time off is still shown")
		}
		// Relabelled picklists re-render what they decide: "Submitted" becomes "Approved".
		must(t, f.s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
			return tx.SavePicklist(ctx, mapping.EntityTimeOffRequests, "status", []mapping.PicklistValue{
				{Value: "41", Label: "Approved"}, {Value: "42", Label: "Approved"}, {Value: "43", Label: "Rejected"}, {Value: "44", Label: "Canceled"}})
		}))
		contains(t, "time off after picklist change", f.get(t, f.aliceCal, "time-off-32.ics"), "STATUS:CONFIRMED")
		// A new time zone re-renders the user's calendar.
		_, err := f.s.UpdateSettings(context.Background(), "alice", func(u *storage.UserSettings) { u.TimeZone = "America/New_York" })
		must(t, err)
		contains(t, "appointment in New York time", f.get(t, f.aliceCal, "appointment-1.ics"), "DTSTART;TZID=America/New_York:20250602T040000")
	})
}

func TestCalendarWindowMoves(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		token, err := f.s.SyncToken(ctx, f.aliceCal)
		must(t, err)
		// The fixture's writes placed the first calendar items and recorded
		// the window they used: the first run has nothing to rebuild.
		res, err := f.s.AdvanceCalendarWindow(ctx)
		must(t, err)
		if res.Moved || !res.From.Equal(ts("2025-03-03T00:00:00Z")) || !res.To.Equal(ts("2026-06-02T00:00:00Z")) {
			t.Fatalf("first run: %+v", res)
		}
		// Without the record (a database older than it) the first run
		// rebuilds the calendars, even after a new item was placed (the
		// others' window is still unknown); unchanged items get no new
		// version.
		must(t, f.s.ForgetCalendarWindowForTest(ctx))
		must(t, f.s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.UpsertPSA(ctx, mapping.EntityAppointments, &mapping.Appointment{ID: 4, ResourceID: 200, Title: "Bob's second",
				StartDateTime: ts("2025-06-04T08:00:00Z"), EndDateTime: ts("2025-06-04T09:00:00Z")}, nil)
			return err
		}))
		if res, err = f.s.AdvanceCalendarWindow(ctx); err != nil || !res.Moved {
			t.Fatalf("first run without a window record: %+v %v", res, err)
		}
		if now, _ := f.s.SyncToken(ctx, f.aliceCal); now != token {
			t.Fatalf("the rebuild changed alice's calendar: token %d -> %d", token, now)
		}
		if res, _ = f.s.AdvanceCalendarWindow(ctx); res.Moved {
			t.Fatal("the window moved without the clock")
		}
		token, err = f.s.SyncToken(ctx, f.aliceCal)
		must(t, err)
		// 40 days on: appointment 2 (2026-07-01) comes into reach; the June
		// items stay (the window reaches 90 days back).
		*f.clock = f.clock.Add(40 * 24 * time.Hour)
		res, err = f.s.AdvanceCalendarWindow(ctx)
		must(t, err)
		if !res.Moved || res.Rows == 0 {
			t.Fatalf("after 100 days: %+v", res)
		}
		if f.get(t, f.aliceCal, "appointment-2.ics") == "" || f.get(t, f.aliceCal, "appointment-1.ics") == "" {
			t.Fatalf("window edges not applied after 40 days: %+v %v", res, hrefs(t, f.s, f.aliceCal))
		}
		cs, err := f.s.Changes(ctx, f.aliceCal, token, 0)
		must(t, err)
		if len(cs.Changes) != 1 || cs.Changes[0].Href != "appointment-2.ics" {
			t.Fatalf("changes after 40 days: %+v", cs.Changes)
		}
		// A free event waits for send-free-time; the hourly run picks the
		// setting up.
		_, err = f.put(t, f.alice, f.aliceCal, "free.ics", vevent("free-2", "SUMMARY:Gym", "TRANSP:TRANSPARENT",
			"DTSTART:20250801T170000Z", "DURATION:PT1H"))
		must(t, err)
		must(t, f.s.SetSetting(ctx, "send-free-time", "on"))
		if n := len(f.outbox(t, mapping.EntityAppointments)); n != 0 {
			t.Fatalf("free event sent before the run: %d", n)
		}
		_, err = f.s.AdvanceCalendarWindow(ctx)
		must(t, err)
		if ob := f.outbox(t, mapping.EntityAppointments); len(ob) != 1 || ob[0].Op != storage.OpCreate {
			t.Fatalf("free event after send-free-time on: %+v", ob)
		}
		// Another 100 days: the June items fall out of the window's past edge.
		*f.clock = f.clock.Add(100 * 24 * time.Hour)
		_, err = f.s.AdvanceCalendarWindow(ctx)
		must(t, err)
		eq(t, "alice calendar after 140 days", hrefs(t, f.s, f.aliceCal), []string{"appointment-2.ics", "free.ics"})
		eq(t, "alice tasks after 140 days", hrefs(t, f.s, f.aliceTasks), nil)
	})
}

func TestReadOnlyCalendarItems(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		// A PUT of one as served changes nothing and is answered with the
		// ETag (readonly_items_test.go has what a PUT may keep).
		for _, href := range []string{"service-call-9.ics", "time-off-31.ics"} {
			body := f.get(t, f.aliceCal, href)
			res, err := f.put(t, f.alice, f.aliceCal, href, body)
			if err != nil || res.ETag == "" || f.get(t, f.aliceCal, href) != body {
				t.Errorf("PUT %s as served: %+v %v", href, res, err)
			}
		}
		// A DELETE of an item the user may not delete in the PSA: refused in
		// strict mode, hidden for the user in lenient mode; never sent.
		items := []struct {
			coll storage.Collection
			href string
		}{{f.aliceCal, "service-call-9.ics"}, {f.aliceCal, "time-off-31.ics"}, {f.aliceCal, "appointment-1.ics"},
			{f.aliceCal, "todo-5.ics"}, {f.aliceTasks, "todo-6.ics"}}
		must(t, f.s.SetSetting(ctx, "write-back-mode", "strict"))
		for _, c := range items {
			if r := refusal(f.del(f.alice, c.coll, c.href)); r == nil || r.Code != mapping.RefuseDelete {
				t.Errorf("strict: DELETE of PSA item %s allowed", c.href)
			}
		}
		must(t, f.s.SetSetting(ctx, "write-back-mode", "lenient"))
		for _, c := range items {
			must(t, f.del(f.alice, c.coll, c.href))
		}
		eq(t, "alice calendar after the deletes", hrefs(t, f.s, f.aliceCal), []string{"time-off-32.ics", "todo-7.ics"})
		eq(t, "alice tasks after the deletes", hrefs(t, f.s, f.aliceTasks), nil)
		if n := len(f.outbox(t, mapping.EntityAppointments)) + len(f.outbox(t, mapping.EntityCompanyToDos)); n != 0 {
			t.Fatalf("refused or hidden deletes queued %d write-backs", n)
		}
	})
}
