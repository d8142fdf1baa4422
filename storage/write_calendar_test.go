package storage_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

func vevent(uid string, lines ...string) string {
	return "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:" + uid + "\nDTSTAMP:20250601T000000Z\n" +
		strings.Join(lines, "\n") + "\nEND:VEVENT\nEND:VCALENDAR\n"
}

func vtodo(uid string, lines ...string) string {
	return "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VTODO\nUID:" + uid + "\nDTSTAMP:20250601T000000Z\n" +
		strings.Join(lines, "\n") + "\nEND:VTODO\nEND:VCALENDAR\n"
}

func payload(t *testing.T, e storage.OutboxEntry) map[string]any {
	t.Helper()
	var m map[string]any
	must(t, json.Unmarshal([]byte(e.Payload), &m))
	return m
}

// record reads a mirror row's record by rid.
func record(t *testing.T, s *storage.Store, e mapping.Entity, rid int64) (any, storage.Envelope) {
	t.Helper()
	return readRecord(t, s, func(ctx context.Context, tx *storage.Tx) (any, storage.Envelope, error) {
		return tx.Record(ctx, e, rid)
	})
}

// recordByRef reads a mirror row's record by PSA id.
func recordByRef(t *testing.T, s *storage.Store, e mapping.Entity, ref int64) (any, storage.Envelope) {
	t.Helper()
	return readRecord(t, s, func(ctx context.Context, tx *storage.Tx) (any, storage.Envelope, error) {
		return tx.RecordByRef(ctx, e, ref)
	})
}

func readRecord(t *testing.T, s *storage.Store, read func(context.Context, *storage.Tx) (any, storage.Envelope, error)) (any, storage.Envelope) {
	t.Helper()
	var rec any
	var env storage.Envelope
	must(t, s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		var err error
		rec, env, err = read(ctx, tx)
		return err
	}))
	return rec, env
}

func TestPSAAppointmentWriteBack(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		served := f.get(t, f.aliceCal, "appointment-1.ics")
		// Moved by an hour: the mirror and the outbox get the new times.
		moved := strings.NewReplacer("DTSTART;TZID=Europe/Berlin:20250602T100000", "DTSTART;TZID=Europe/Berlin:20250602T110000",
			"DTEND;TZID=Europe/Berlin:20250602T110000", "DTEND;TZID=Europe/Berlin:20250602T120000").Replace(served)
		res, err := f.put(t, f.alice, f.aliceCal, "appointment-1.ics", moved)
		must(t, err)
		rec, env := recordByRef(t, f.s, mapping.EntityAppointments, 1)
		a := rec.(*mapping.Appointment)
		if !a.StartDateTime.Equal(ts("2025-06-02T09:00:00Z")) || !a.EndDateTime.Equal(ts("2025-06-02T10:00:00Z")) || a.Title != "Review" {
			t.Fatalf("mirror after move: %+v", a)
		}
		if !strings.Contains(env.Raw, `"2025-06-02T08:00:00Z"`) || env.SyncState != storage.SyncPushPending {
			t.Errorf("raw or sync state touched by the client write: %s %d", env.Raw, env.SyncState)
		}
		ob := f.outbox(t, mapping.EntityAppointments)
		if len(ob) != 1 || ob[0].Op != storage.OpUpdate || ob[0].FieldMask != "endDateTime,startDateTime" || *ob[0].AsResourceID != 100 {
			t.Fatalf("outbox after move: %+v", ob)
		}
		if p := payload(t, ob[0]); p["startDateTime"] != "2025-06-02T09:00:00Z" || p["endDateTime"] != "2025-06-02T10:00:00Z" {
			t.Fatalf("payload %v", p)
		}
		if res.ETag != "" || res.Created {
			t.Errorf("PUT answer %+v", res)
		}
		// A new title (and a reminder): lenient mode keeps the PSA title, no
		// write-back, no ETag; the reminder is kept.
		served = f.get(t, f.aliceCal, "appointment-1.ics")
		retitled := strings.Replace(served, "SUMMARY:Review", "SUMMARY:My own title", 1)
		retitled = strings.Replace(retitled, "END:VEVENT", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT", 1)
		res, err = f.put(t, f.alice, f.aliceCal, "appointment-1.ics", retitled)
		must(t, err)
		after := f.get(t, f.aliceCal, "appointment-1.ics")
		contains(t, "after a title change", after, "SUMMARY:Review", "TRIGGER:-PT15M")
		if res.ETag != "" || len(f.outbox(t, mapping.EntityAppointments)) != 1 {
			t.Fatalf("lenient title change: %+v, outbox %d", res, len(f.outbox(t, mapping.EntityAppointments)))
		}
		// Strict mode refuses it, naming the field.
		must(t, f.s.SetSetting(ctx, "write-back-mode", "strict"))
		_, err = f.put(t, f.alice, f.aliceCal, "appointment-1.ics", strings.Replace(after, "SUMMARY:Review", "SUMMARY:Mine", 1))
		if r := refusal(err); r == nil || r.Code != mapping.RefuseReadOnlyField || strings.Join(r.Fields, ",") != "SUMMARY" {
			t.Fatalf("strict title change: %v", err)
		}
		// The reminder survives a later PSA change of the time.
		upsert(t, f.s, mapping.EntityAppointments, &mapping.Appointment{ID: 1, ResourceID: 100, Title: "Review", Description: "Agenda",
			StartDateTime: ts("2025-06-03T08:00:00Z"), EndDateTime: ts("2025-06-03T09:00:00Z")})
		contains(t, "after a PSA move", f.get(t, f.aliceCal, "appointment-1.ics"),
			"DTSTART;TZID=Europe/Berlin:20250603T100000", "BEGIN:VALARM", "TRIGGER:-PT15M")
		// The calendar to-do moves the same way.
		todo := f.get(t, f.aliceCal, "todo-5.ics")
		_, err = f.put(t, f.alice, f.aliceCal, "todo-5.ics", strings.Replace(todo, "DTEND;TZID=Europe/Berlin:20250604T110000",
			"DTEND;TZID=Europe/Berlin:20250604T113000", 1))
		must(t, err)
		if ob := f.outbox(t, mapping.EntityCompanyToDos); len(ob) != 1 || ob[0].FieldMask != "endDateTime" {
			t.Fatalf("to-do outbox: %+v", ob)
		}
	})
}

func TestPSAToDoCompletion(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		served := f.get(t, f.aliceTasks, "todo-6.ics")
		done := strings.Replace(served, "STATUS:NEEDS-ACTION", "STATUS:COMPLETED\r\nCOMPLETED:20250601T110000Z\r\nPERCENT-COMPLETE:100", 1)
		_, err := f.put(t, f.alice, f.aliceTasks, "todo-6.ics", done)
		must(t, err)
		rec, _ := recordByRef(t, f.s, mapping.EntityCompanyToDos, 6)
		if c := rec.(*mapping.ToDo).CompletedDate; c == nil || !c.Equal(ts("2025-06-01T11:00:00Z")) {
			t.Fatalf("completedDate %v", c)
		}
		ob := f.outbox(t, mapping.EntityCompanyToDos)
		if len(ob) != 1 || payload(t, ob[0])["completedDate"] != "2025-06-01T11:00:00Z" {
			t.Fatalf("outbox after completion: %+v", ob)
		}
		contains(t, "completed task", f.get(t, f.aliceTasks, "todo-6.ics"), "STATUS:COMPLETED", "COMPLETED:20250601T110000Z")
		// Re-opening clears it.
		reopened := f.get(t, f.aliceTasks, "todo-6.ics")
		reopened = strings.NewReplacer("STATUS:COMPLETED", "STATUS:NEEDS-ACTION", "COMPLETED:20250601T110000Z\r\n", "",
			"PERCENT-COMPLETE:100\r\n", "").Replace(reopened)
		_, err = f.put(t, f.alice, f.aliceTasks, "todo-6.ics", reopened)
		must(t, err)
		rec, _ = recordByRef(t, f.s, mapping.EntityCompanyToDos, 6)
		ob = f.outbox(t, mapping.EntityCompanyToDos)
		if rec.(*mapping.ToDo).CompletedDate != nil || len(ob) != 2 || ob[1].Payload != `{"completedDate":null}` {
			t.Fatalf("after re-opening: %+v %+v", rec, ob)
		}
		// With complete-todos off, completion stays with the PSA.
		must(t, f.s.SetSetting(ctx, "complete-todos", "off"))
		_, err = f.put(t, f.alice, f.aliceTasks, "todo-6.ics", strings.Replace(f.get(t, f.aliceTasks, "todo-6.ics"),
			"STATUS:NEEDS-ACTION", "STATUS:COMPLETED", 1))
		must(t, err)
		rec, _ = recordByRef(t, f.s, mapping.EntityCompanyToDos, 6)
		if rec.(*mapping.ToDo).CompletedDate != nil || len(f.outbox(t, mapping.EntityCompanyToDos)) != 2 {
			t.Fatal("completion flowed back with complete-todos off")
		}
	})
}

func TestClientEvents(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		// A private event: the PSA gets "Appointment" without details; the
		// client keeps its own title and description.
		private := vevent("private-1", "SUMMARY:Doctor", "DESCRIPTION:Dr. Who\\, room 5", "CLASS:PRIVATE",
			"DTSTART;TZID=Europe/Berlin:20250605T140000", "DTEND;TZID=Europe/Berlin:20250605T150000", "X-CLIENT-THING:keep me")
		res, err := f.put(t, f.alice, f.aliceCal, "private-1.ics", private)
		must(t, err)
		if !res.Created {
			t.Fatalf("PUT answer %+v", res)
		}
		body := f.get(t, f.aliceCal, "private-1.ics")
		contains(t, "private event for its client", body, "SUMMARY:Doctor", "DESCRIPTION:Dr. Who\\, room 5", "X-CLIENT-THING:keep me", "UID:private-1")
		ob := f.outbox(t, mapping.EntityAppointments)
		if len(ob) != 1 || ob[0].Op != storage.OpCreate {
			t.Fatalf("outbox: %+v", ob)
		}
		p := payload(t, ob[0])
		if p["title"] != "Appointment" || p["description"] != "" || p["startDateTime"] != "2025-06-05T12:00:00Z" ||
			p["endDateTime"] != "2025-06-05T13:00:00Z" || p["resourceID"] != float64(100) {
			t.Fatalf("create payload %v", p)
		}
		rec, env := record(t, f.s, mapping.EntityAppointments, ob[0].RID)
		if a := rec.(*mapping.Appointment); a.Title != "Appointment" || a.Description != "" || env.Origin != storage.OriginClient || env.PSAID != nil {
			t.Fatalf("mirror row %+v %+v", a, env)
		}
		// Its appointment is not a second object in alice's calendar.
		eq(t, "alice calendar", hrefs(t, f.s, f.aliceCal), []string{"appointment-1.ics", "private-1.ics", "service-call-9.ics",
			"time-off-31.ics", "time-off-32.ics", "todo-5.ics", "todo-7.ics"})

		// A free event is stored and served, not sent, unless the org says so.
		free := vevent("free-1", "SUMMARY:Maybe gym", "TRANSP:TRANSPARENT", "DTSTART:20250606T170000Z", "DTEND:20250606T180000Z")
		_, err = f.put(t, f.alice, f.aliceCal, "free-1.ics", free)
		must(t, err)
		contains(t, "free event", f.get(t, f.aliceCal, "free-1.ics"), "TRANSP:TRANSPARENT", "SUMMARY:Maybe gym")
		if n := len(f.outbox(t, mapping.EntityAppointments)); n != 1 {
			t.Fatalf("a free event was sent to the PSA (%d entries)", n)
		}
		must(t, f.s.SetSetting(ctx, "send-free-time", "on"))
		_, err = f.put(t, f.alice, f.aliceCal, "free-1.ics", strings.Replace(free, "Maybe gym", "Gym", 1))
		must(t, err)
		ob = f.outbox(t, mapping.EntityAppointments)
		if len(ob) != 2 || ob[1].Op != storage.OpCreate || payload(t, ob[1])["title"] != "Gym" {
			t.Fatalf("free event with send-free-time on: %+v", ob)
		}
		// An all-day event starts and ends at midnight in the user's zone.
		_, err = f.put(t, f.alice, f.aliceCal, "allday.ics", vevent("allday-1", "SUMMARY:Offsite",
			"DTSTART;VALUE=DATE:20250610", "DTEND;VALUE=DATE:20250612"))
		must(t, err)
		ob = f.outbox(t, mapping.EntityAppointments)
		if p := payload(t, ob[2]); p["startDateTime"] != "2025-06-09T22:00:00Z" || p["endDateTime"] != "2025-06-11T22:00:00Z" {
			t.Fatalf("all-day payload %v", p)
		}
		contains(t, "all-day event", f.get(t, f.aliceCal, "allday.ics"), "DTSTART;VALUE=DATE:20250610")

		// Moving the private event updates its appointment.
		_, err = f.put(t, f.alice, f.aliceCal, "private-1.ics", strings.Replace(strings.Replace(private, "T140000", "T160000", 1), "T150000", "T170000", 1))
		must(t, err)
		ob = f.outbox(t, mapping.EntityAppointments)
		if last := ob[len(ob)-1]; last.Op != storage.OpUpdate || last.FieldMask != "endDateTime,startDateTime" || last.RID != ob[0].RID {
			t.Fatalf("move of a client event: %+v", last)
		}
		// Deleting it deletes the appointment in the PSA.
		must(t, f.del(f.alice, f.aliceCal, "private-1.ics"))
		ob = f.outbox(t, mapping.EntityAppointments)
		if last := ob[len(ob)-1]; last.Op != storage.OpDelete || last.RID != ob[0].RID {
			t.Fatalf("delete of a client event: %+v", last)
		}
		if f.get(t, f.aliceCal, "private-1.ics") != "" {
			t.Fatal("deleted event still served")
		}
		if _, env := record(t, f.s, mapping.EntityAppointments, ob[0].RID); env.Live() {
			t.Fatal("the deleted event's appointment is still live in the mirror")
		}
	})
}

func TestClientSeries(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		// Weekly from 2 June, open-ended: one appointment per week up to the
		// window's end (2026-06-02), none beyond.
		series := vevent("weekly-1", "SUMMARY:Stand-up", "DTSTART;TZID=Europe/Berlin:20250602T090000",
			"DTEND;TZID=Europe/Berlin:20250602T091500", "RRULE:FREQ=WEEKLY;BYDAY=MO")
		_, err := f.put(t, f.alice, f.aliceCal, "weekly.ics", series)
		must(t, err)
		ob := f.outbox(t, mapping.EntityAppointments)
		if len(ob) != 53 {
			t.Fatalf("%d appointments for a weekly series over the window", len(ob))
		}
		if p := payload(t, ob[0]); p["startDateTime"] != "2025-06-02T07:00:00Z" || p["title"] != "Stand-up" {
			t.Fatalf("first occurrence %v", p)
		}
		if p := payload(t, ob[30]); p["startDateTime"] != "2025-12-29T08:00:00Z" {
			t.Fatalf("winter occurrence %v", p)
		}
		served := f.get(t, f.aliceCal, "weekly.ics")
		contains(t, "series for its client", served, "RRULE:FREQ=WEEKLY;BYDAY=MO", "SUMMARY:Stand-up")
		// Deleting one occurrence (EXDATE) deletes that appointment.
		exdated := strings.Replace(series, "RRULE:", "EXDATE;TZID=Europe/Berlin:20250609T090000\nRRULE:", 1)
		_, err = f.put(t, f.alice, f.aliceCal, "weekly.ics", exdated)
		must(t, err)
		ob = f.outbox(t, mapping.EntityAppointments)
		if len(ob) != 54 || ob[53].Op != storage.OpDelete || ob[53].RID != ob[1].RID {
			t.Fatalf("EXDATE: %d entries, last %+v", len(ob), ob[len(ob)-1])
		}
		if _, env := record(t, f.s, mapping.EntityAppointments, ob[1].RID); env.Live() {
			t.Fatal("the excluded occurrence's appointment is still live")
		}
		contains(t, "series after EXDATE", f.get(t, f.aliceCal, "weekly.ics"), "EXDATE;TZID=Europe/Berlin:20250609T090000")
		// A new title updates every linked appointment; nothing is recreated.
		_, err = f.put(t, f.alice, f.aliceCal, "weekly.ics", strings.Replace(exdated, "Stand-up", "Daily scrum", 1))
		must(t, err)
		ob = f.outbox(t, mapping.EntityAppointments)
		if len(ob) != 54+52 || ob[60].Op != storage.OpUpdate || ob[60].FieldMask != "title" {
			t.Fatalf("retitle: %d entries, one %+v", len(ob), ob[60])
		}
		// The series moves to 10:00: updates, not deletes and creates.
		moved := strings.NewReplacer("T090000", "T100000", "T091500", "T101500").Replace(strings.Replace(exdated, "Stand-up", "Daily scrum", 1))
		_, err = f.put(t, f.alice, f.aliceCal, "weekly.ics", moved)
		must(t, err)
		ob = f.outbox(t, mapping.EntityAppointments)
		for _, e := range ob[106:] {
			if e.Op != storage.OpUpdate {
				t.Fatalf("moving the series: %+v", e)
			}
		}
		if len(ob) != 106+52 {
			t.Fatalf("moving the series queued %d entries", len(ob)-106)
		}
		// The PSA moves one occurrence: the series shows an override; the
		// PSA deletes another: the series shows an EXDATE.
		ctx := context.Background()
		must(t, f.s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if err := tx.AcceptForTest(ctx, mapping.EntityAppointments, ob[2].RID, 9002); err != nil {
				return err
			}
			return tx.AcceptForTest(ctx, mapping.EntityAppointments, ob[3].RID, 9003)
		}))
		upsert(t, f.s, mapping.EntityAppointments, &mapping.Appointment{ID: 9002, ResourceID: 100, Title: "Daily scrum",
			StartDateTime: ts("2025-06-16T12:00:00Z"), EndDateTime: ts("2025-06-16T12:15:00Z")})
		must(t, f.s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			return tx.MarkPSADeleted(ctx, mapping.EntityAppointments, 9003)
		}))
		after := f.get(t, f.aliceCal, "weekly.ics")
		contains(t, "series after PSA changes", after, "RECURRENCE-ID;TZID=Europe/Berlin:20250616T100000",
			"DTSTART;TZID=Europe/Berlin:20250616T140000", "EXDATE;TZID=Europe/Berlin:20250623T100000")
		// The client sends that back: nothing flows to the PSA again.
		n := len(f.outbox(t, mapping.EntityAppointments))
		_, err = f.put(t, f.alice, f.aliceCal, "weekly.ics", after)
		must(t, err)
		if m := len(f.outbox(t, mapping.EntityAppointments)); m != n {
			t.Fatalf("re-sending the served series queued %d entries", m-n)
		}
		// Deleting the series deletes every live appointment.
		must(t, f.del(f.alice, f.aliceCal, "weekly.ics"))
		ob = f.outbox(t, mapping.EntityAppointments)
		deletes := 0
		for _, e := range ob[n:] {
			if e.Op == storage.OpDelete {
				deletes++
			}
		}
		if deletes != 51 {
			t.Fatalf("deleting the series queued %d deletes", deletes)
		}
	})
}

func TestClientToDos(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		task := vtodo("task-1", "SUMMARY:Order toner", "DESCRIPTION:Two boxes", "DUE;TZID=Europe/Berlin:20250607T170000",
			"CATEGORIES:Office", "X-CLIENT-THING:keep")
		res, err := f.put(t, f.alice, f.aliceTasks, "task-1.ics", task)
		must(t, err)
		if !res.Created {
			t.Fatalf("PUT answer %+v", res)
		}
		ob := f.outbox(t, mapping.EntityCompanyToDos)
		if len(ob) != 1 || ob[0].Op != storage.OpCreate {
			t.Fatalf("outbox %+v", ob)
		}
		p := payload(t, ob[0])
		// The org's defaults: the PSA's own company (0) and the first active To-Do action type.
		if p["companyID"] != float64(0) || p["actionType"] != float64(502) || p["assignedToResourceID"] != float64(100) ||
			p["activityDescription"] != "Order toner\n\nTwo boxes" || p["startDateTime"] != "2025-06-07T15:00:00Z" {
			t.Fatalf("create payload %v", p)
		}
		served := f.get(t, f.aliceTasks, "task-1.ics")
		contains(t, "client task for its client", served, "SUMMARY:Order toner", "CATEGORIES:Office", "X-CLIENT-THING:keep",
			"DUE;TZID=Europe/Berlin:20250607T170000")
		lacks(t, "client task for its client", served, "STATUS") // it sent none
		// Completing it on the client completes the PSA to-do.
		_, err = f.put(t, f.alice, f.aliceTasks, "task-1.ics", strings.Replace(served, "END:VTODO", "STATUS:COMPLETED\r\nEND:VTODO", 1))
		must(t, err)
		rec, _ := record(t, f.s, mapping.EntityCompanyToDos, ob[0].RID)
		if rec.(*mapping.ToDo).CompletedDate == nil {
			t.Fatal("completion of a client to-do not in the mirror")
		}
		contains(t, "completed client task", f.get(t, f.aliceTasks, "task-1.ics"), "STATUS:COMPLETED")
		// The PSA re-opens it: the client reads it open again.
		must(t, f.s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			return tx.AcceptForTest(ctx, mapping.EntityCompanyToDos, ob[0].RID, 9101)
		}))
		reopened := *rec.(*mapping.ToDo)
		reopened.ID, reopened.CompletedDate = 9101, nil
		upsert(t, f.s, mapping.EntityCompanyToDos, &reopened)
		served = f.get(t, f.aliceTasks, "task-1.ics")
		contains(t, "client task the PSA re-opened", served, "STATUS:NEEDS-ACTION", "DUE;TZID=Europe/Berlin:20250607T170000")
		lacks(t, "client task the PSA re-opened", served, "STATUS:COMPLETED")
		// Deleting it deletes the PSA to-do.
		must(t, f.del(f.alice, f.aliceTasks, "task-1.ics"))
		if ob = f.outbox(t, mapping.EntityCompanyToDos); ob[len(ob)-1].Op != storage.OpDelete {
			t.Fatalf("delete: %+v", ob[len(ob)-1])
		}
		// A default action type whose View is not To-Do is refused clearly.
		must(t, f.s.SetSetting(ctx, "default-action-type-id", "501"))
		_, err = f.put(t, f.alice, f.aliceTasks, "task-2.ics", vtodo("task-2", "SUMMARY:x"))
		if r := refusal(err); r == nil || r.Code != mapping.RefuseMissing || !strings.Contains(r.Message, "501") {
			t.Fatalf("default action type with View Calendar: %v", err)
		}
	})
}

func TestCalendarPutRefusals(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		cases := []struct {
			coll storage.Collection
			body string
			want mapping.RefusalCode
		}{
			{f.aliceCal, vtodo("t", "SUMMARY:x"), mapping.RefuseUnsupportedComponent},
			{f.aliceTasks, vevent("e", "DTSTART:20250601T100000Z"), mapping.RefuseUnsupportedComponent},
			{f.aliceCal, vevent("psadav-appointment-1", "DTSTART:20250601T100000Z"), mapping.RefuseUIDConflict},
			{f.aliceCal, vevent("e", "DTSTART;TZID=Nowhere/Special:20250601T100000"), mapping.RefuseUnknownTimeZone},
			{f.aliceCal, strings.Replace(vevent("e", "DTSTART:20250601T100000Z"), "VERSION:2.0", "VERSION:2.0\nMETHOD:PUBLISH", 1), mapping.RefuseInvalidObject},
			{f.aliceCal, "not a calendar", mapping.RefuseInvalidData},
			{f.aliceCal, vevent("e", "DTSTART:20250601T100000Z", "SUMMARY:"+strings.Repeat("x", 257)), mapping.RefuseTooLong},
		}
		for i, c := range cases {
			_, err := f.put(t, f.alice, c.coll, "new.ics", c.body)
			if r := refusal(err); r == nil || r.Code != c.want {
				t.Errorf("case %d: %v, want code %d", i, err, c.want)
			}
		}
		if len(hrefs(t, f.s, f.aliceTasks)) != 1 || len(f.outbox(t, mapping.EntityAppointments)) != 0 {
			t.Fatal("a refused PUT left something behind")
		}
	})
}
