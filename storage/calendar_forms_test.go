package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// What a client reads back keeps its own date forms (README: Calendar and
// tasks): no date where it gave none, DATE as DATE, its TZID (and
// VTIMEZONE), floating as floating, DURATION as DURATION; the PSA gets
// start and end derived in the user's zone. A PSA change of the times is
// shown in the client's form where it can be.

// crlf is a body as the test client sends it.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// addUser links a new user with a time zone to a new PSA resource.
func (f *calFixture) addUser(t *testing.T, login string, resource int64, zone string) storage.Account {
	t.Helper()
	upsert(t, f.s, mapping.EntityResources, &mapping.Resource{ID: resource, UserName: login, IsActive: true})
	settings := storage.DefaultUserSettings()
	settings.TimeZone = zone
	a, err := f.s.CreateAccount(context.Background(), login, "secret-"+login, i64(resource), settings)
	must(t, err)
	return a
}

// lastOutbox is the newest write-back for an entity.
func (f *calFixture) lastOutbox(t *testing.T, e mapping.Entity) storage.OutboxEntry {
	t.Helper()
	ob := f.outbox(t, e)
	if len(ob) == 0 {
		t.Fatal("the outbox is empty")
	}
	return ob[len(ob)-1]
}

// psaMovesToDo gives a client-created to-do a PSA id (as if the PSA had
// accepted it) and then changes its times as the PSA would.
func (f *calFixture) psaMovesToDo(t *testing.T, rid, psaID int64, start, end string) {
	t.Helper()
	ctx := context.Background()
	rec, env := record(t, f.s, mapping.EntityCompanyToDos, rid)
	if env.PSAID == nil {
		must(t, f.s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			return tx.AcceptForTest(ctx, mapping.EntityCompanyToDos, rid, psaID)
		}))
	}
	td := *rec.(*mapping.ToDo)
	td.ID, td.StartDateTime, td.EndDateTime = psaID, ts(start), ts(end)
	upsert(t, f.s, mapping.EntityCompanyToDos, &td)
}

func TestClientToDoDateForms(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		carol := f.addUser(t, "carol", 300, "America/Los_Angeles")
		carolTasks := collection(t, f.s, carol.ID, storage.CollTasks)

		// An undated to-do stays undated; the PSA gets now (its to-dos need
		// a start and an end). What is stored is what was sent: the ETag.
		undated := crlf(vtodo("undated-1", "SUMMARY:Buy milk"))
		res, err := f.put(t, f.alice, f.aliceTasks, "undated.ics", undated)
		must(t, err)
		served := f.get(t, f.aliceTasks, "undated.ics")
		lacks(t, "undated to-do", served, "DTSTART", "DUE")
		if served != undated || res.ETag == "" {
			t.Errorf("undated to-do stored as %q (ETag %q), sent %q", served, res.ETag, undated)
		}
		create := f.lastOutbox(t, mapping.EntityCompanyToDos)
		if p := payload(t, create); p["startDateTime"] != "2025-06-01T12:00:00Z" || p["endDateTime"] != "2025-06-01T12:00:00Z" {
			t.Fatalf("undated create payload %v", p)
		}
		undatedRID := create.RID
		// Edited later (a new title), it still gives the PSA no new times.
		*f.clock = f.clock.Add(3 * time.Hour)
		_, err = f.put(t, f.alice, f.aliceTasks, "undated.ics", strings.Replace(undated, "Buy milk", "Buy oat milk", 1))
		must(t, err)
		if e := f.lastOutbox(t, mapping.EntityCompanyToDos); e.Op != storage.OpUpdate || e.FieldMask != "activityDescription" {
			t.Fatalf("editing an undated to-do queued %s %q", e.Op, e.FieldMask)
		}
		lacks(t, "edited undated to-do", f.get(t, f.aliceTasks, "undated.ics"), "DTSTART", "DUE")

		// A date-only due date west of UTC: DATE for the client, the user's
		// midnight for the PSA.
		dated := crlf(vtodo("date-1", "SUMMARY:Renew domain", "DUE;VALUE=DATE:20251210"))
		res, err = f.put(t, carol, carolTasks, "date.ics", dated)
		must(t, err)
		create = f.lastOutbox(t, mapping.EntityCompanyToDos)
		if p := payload(t, create); p["startDateTime"] != "2025-12-10T08:00:00Z" || p["endDateTime"] != "2025-12-10T08:00:00Z" {
			t.Fatalf("date-only create payload %v", p)
		}
		served = f.get(t, carolTasks, "date.ics")
		contains(t, "date-only to-do", served, "DUE;VALUE=DATE:20251210")
		lacks(t, "date-only to-do", served, "DTSTART", "T080000Z", "America/Los_Angeles")
		if served != dated || res.ETag == "" {
			t.Errorf("date-only to-do stored as %q (ETag %q)", served, res.ETag)
		}
		dateRID := create.RID

		// A TZID other than the user's stays, for both times.
		zoned := crlf(vtodo("tz-1", "SUMMARY:Call New York", "DTSTART;TZID=America/New_York:20250607T090000",
			"DUE;TZID=America/New_York:20250607T170000"))
		_, err = f.put(t, f.alice, f.aliceTasks, "tz.ics", zoned)
		must(t, err)
		create = f.lastOutbox(t, mapping.EntityCompanyToDos)
		if p := payload(t, create); p["startDateTime"] != "2025-06-07T13:00:00Z" || p["endDateTime"] != "2025-06-07T21:00:00Z" {
			t.Fatalf("TZID create payload %v", p)
		}
		served = f.get(t, f.aliceTasks, "tz.ics")
		contains(t, "TZID to-do", served, "DTSTART;TZID=America/New_York:20250607T090000", "DUE;TZID=America/New_York:20250607T170000")
		lacks(t, "TZID to-do", served, "Europe/Berlin", "T130000Z")
		zonedRID := create.RID

		// DURATION stays DURATION.
		lasting := crlf(vtodo("dur-1", "SUMMARY:Write report", "DTSTART;TZID=Europe/Berlin:20250608T090000", "DURATION:PT2H"))
		_, err = f.put(t, f.alice, f.aliceTasks, "dur.ics", lasting)
		must(t, err)
		create = f.lastOutbox(t, mapping.EntityCompanyToDos)
		if p := payload(t, create); p["startDateTime"] != "2025-06-08T07:00:00Z" || p["endDateTime"] != "2025-06-08T09:00:00Z" {
			t.Fatalf("DURATION create payload %v", p)
		}
		served = f.get(t, f.aliceTasks, "dur.ics")
		contains(t, "DURATION to-do", served, "DURATION:PT2H", "DTSTART;TZID=Europe/Berlin:20250608T090000")
		lacks(t, "DURATION to-do", served, "DUE")
		lastingRID := create.RID

		// The PSA moves them: each is shown in its client's form.
		f.psaMovesToDo(t, dateRID, 9201, "2025-12-11T08:00:00Z", "2025-12-11T08:00:00Z")
		served = f.get(t, carolTasks, "date.ics")
		contains(t, "date-only to-do moved by a day", served, "DUE;VALUE=DATE:20251211", "SUMMARY:Renew domain")
		lacks(t, "date-only to-do moved by a day", served, "DTSTART", "20251210")

		f.psaMovesToDo(t, zonedRID, 9202, "2025-06-07T14:00:00Z", "2025-06-07T22:00:00Z")
		served = f.get(t, f.aliceTasks, "tz.ics")
		contains(t, "TZID to-do moved", served, "DTSTART;TZID=America/New_York:20250607T100000", "DUE;TZID=America/New_York:20250607T180000")
		lacks(t, "TZID to-do moved", served, "Europe/Berlin")

		f.psaMovesToDo(t, lastingRID, 9203, "2025-06-08T07:00:00Z", "2025-06-08T10:00:00Z")
		served = f.get(t, f.aliceTasks, "dur.ics")
		contains(t, "DURATION to-do lengthened", served, "DTSTART;TZID=Europe/Berlin:20250608T090000", "DURATION:PT3H")
		lacks(t, "DURATION to-do lengthened", served, "DUE", "PT2H")

		f.psaMovesToDo(t, undatedRID, 9204, "2025-06-20T08:00:00Z", "2025-06-20T09:00:00Z")
		served = f.get(t, f.aliceTasks, "undated.ics")
		contains(t, "undated to-do the PSA dated", served, "DTSTART;TZID=Europe/Berlin:20250620T100000",
			"DUE;TZID=Europe/Berlin:20250620T110000", "TZID:Europe/Berlin", "SUMMARY:Buy oat milk")

		// Sending back what it was served changes nothing in the PSA, and
		// is stored as sent.
		n := len(f.outbox(t, mapping.EntityCompanyToDos))
		for _, c := range []struct {
			who  storage.Account
			coll storage.Collection
			href string
		}{{f.alice, f.aliceTasks, "tz.ics"}, {f.alice, f.aliceTasks, "dur.ics"}, {carol, carolTasks, "date.ics"}, {f.alice, f.aliceTasks, "undated.ics"}} {
			body := f.get(t, c.coll, c.href)
			res, err := f.put(t, c.who, c.coll, c.href, body)
			must(t, err)
			if res.ETag == "" || f.get(t, c.coll, c.href) != body {
				t.Errorf("%s sent back as served: ETag %q, now\n%s", c.href, res.ETag, f.get(t, c.coll, c.href))
			}
		}
		if m := len(f.outbox(t, mapping.EntityCompanyToDos)); m != n {
			t.Fatalf("sending back the served to-dos queued %d write-backs: %+v", m-n, f.outbox(t, mapping.EntityCompanyToDos)[n:])
		}
	})
}

func TestPSAItemDateForms(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		dateLines := strings.NewReplacer("DTSTART;TZID=Europe/Berlin:20250602T100000", "DTSTART;VALUE=DATE:20250603",
			"DTEND;TZID=Europe/Berlin:20250602T110000", "DTEND;VALUE=DATE:20250604")
		// A PSA appointment made all-day on the phone: the PSA gets the
		// user's midnights, the client keeps its DATEs.
		_, err := f.put(t, f.alice, f.aliceCal, "appointment-1.ics", dateLines.Replace(f.get(t, f.aliceCal, "appointment-1.ics")))
		must(t, err)
		rec, _ := recordByRef(t, f.s, mapping.EntityAppointments, 1)
		if a := rec.(*mapping.Appointment); !a.StartDateTime.Equal(ts("2025-06-02T22:00:00Z")) || !a.EndDateTime.Equal(ts("2025-06-03T22:00:00Z")) {
			t.Fatalf("all-day appointment in the mirror: %v – %v", a.StartDateTime, a.EndDateTime)
		}
		served := f.get(t, f.aliceCal, "appointment-1.ics")
		contains(t, "all-day PSA appointment", served, "DTSTART;VALUE=DATE:20250603", "DTEND;VALUE=DATE:20250604", "SUMMARY:Review")
		lacks(t, "all-day PSA appointment", served, "DTSTART;TZID", "DTEND;TZID")
		// The PSA moves it a day on: still all-day.
		upsert(t, f.s, mapping.EntityAppointments, &mapping.Appointment{ID: 1, ResourceID: 100, Title: "Review", Description: "Agenda",
			StartDateTime: ts("2025-06-03T22:00:00Z"), EndDateTime: ts("2025-06-04T22:00:00Z")})
		served = f.get(t, f.aliceCal, "appointment-1.ics")
		contains(t, "all-day PSA appointment moved", served, "DTSTART;VALUE=DATE:20250604", "DTEND;VALUE=DATE:20250605")
		// Sent back as served: nothing for the PSA.
		n := len(f.outbox(t, mapping.EntityAppointments))
		_, err = f.put(t, f.alice, f.aliceCal, "appointment-1.ics", served)
		must(t, err)
		if m := len(f.outbox(t, mapping.EntityAppointments)); m != n {
			t.Fatalf("sending back the served appointment queued %d write-backs", m-n)
		}

		// A calendar to-do moved in a zone the client defines itself
		// (Outlook's names): its TZID and VTIMEZONE stay.
		eastern := "BEGIN:VTIMEZONE\nTZID:Eastern Standard Time\nBEGIN:STANDARD\nDTSTART:16011104T020000\n" +
			"RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nEND:STANDARD\n" +
			"BEGIN:DAYLIGHT\nDTSTART:16010311T020000\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\nTZOFFSETFROM:-0500\n" +
			"TZOFFSETTO:-0400\nEND:DAYLIGHT\nEND:VTIMEZONE\n"
		todo := f.get(t, f.aliceCal, "todo-5.ics")
		todo = strings.NewReplacer("DTSTART;TZID=Europe/Berlin:20250604T100000", "DTSTART;TZID=Eastern Standard Time:20250604T050000",
			"DTEND;TZID=Europe/Berlin:20250604T110000", "DTEND;TZID=Eastern Standard Time:20250604T060000",
			"BEGIN:VEVENT", strings.ReplaceAll(eastern, "\n", "\r\n")+"BEGIN:VEVENT").Replace(todo)
		_, err = f.put(t, f.alice, f.aliceCal, "todo-5.ics", todo)
		must(t, err)
		rec, _ = recordByRef(t, f.s, mapping.EntityCompanyToDos, 5)
		if td := rec.(*mapping.ToDo); !td.StartDateTime.Equal(ts("2025-06-04T09:00:00Z")) || !td.EndDateTime.Equal(ts("2025-06-04T10:00:00Z")) {
			t.Fatalf("to-do in the mirror: %v – %v", td.StartDateTime, td.EndDateTime)
		}
		served = f.get(t, f.aliceCal, "todo-5.ics")
		contains(t, "to-do with the client's zone", served, "DTSTART;TZID=Eastern Standard Time:20250604T050000",
			"DTEND;TZID=Eastern Standard Time:20250604T060000", "TZID:Eastern Standard Time", "TZOFFSETTO:-0400")
		// The PSA moves it an hour on: the client's zone still.
		td := *rec.(*mapping.ToDo)
		td.ID, td.StartDateTime, td.EndDateTime = 5, ts("2025-06-04T10:00:00Z"), ts("2025-06-04T11:00:00Z")
		upsert(t, f.s, mapping.EntityCompanyToDos, &td)
		contains(t, "to-do with the client's zone moved", f.get(t, f.aliceCal, "todo-5.ics"),
			"DTSTART;TZID=Eastern Standard Time:20250604T060000", "DTEND;TZID=Eastern Standard Time:20250604T070000")

		// Floating times stay floating (read in the user's zone).
		visit := f.get(t, f.aliceCal, "todo-7.ics")
		visit = strings.NewReplacer("DTSTART;TZID=Europe/Berlin:20250606T100000", "DTSTART:20250606T110000",
			"DTEND;TZID=Europe/Berlin:20250606T120000", "DTEND:20250606T130000").Replace(visit)
		_, err = f.put(t, f.alice, f.aliceCal, "todo-7.ics", visit)
		must(t, err)
		rec, _ = recordByRef(t, f.s, mapping.EntityCompanyToDos, 7)
		if td := rec.(*mapping.ToDo); !td.StartDateTime.Equal(ts("2025-06-06T09:00:00Z")) {
			t.Fatalf("floating start in the mirror: %v", td.StartDateTime)
		}
		contains(t, "floating to-do", f.get(t, f.aliceCal, "todo-7.ics"), "DTSTART:20250606T110000", "DTEND:20250606T130000")

		// A task given only a due date keeps it, without a DTSTART; the
		// PSA's start stays where it was.
		task := f.get(t, f.aliceTasks, "todo-6.ics")
		task = strings.NewReplacer("DTSTART;TZID=Europe/Berlin:20250605T100000\r\n", "",
			"DUE;TZID=Europe/Berlin:20250605T103000", "DUE;VALUE=DATE:20250606").Replace(task)
		_, err = f.put(t, f.alice, f.aliceTasks, "todo-6.ics", task)
		must(t, err)
		rec, _ = recordByRef(t, f.s, mapping.EntityCompanyToDos, 6)
		if td := rec.(*mapping.ToDo); !td.StartDateTime.Equal(ts("2025-06-05T08:00:00Z")) || !td.EndDateTime.Equal(ts("2025-06-05T22:00:00Z")) {
			t.Fatalf("task in the mirror: %v – %v", td.StartDateTime, td.EndDateTime)
		}
		served = f.get(t, f.aliceTasks, "todo-6.ics")
		contains(t, "task with a due date", served, "DUE;VALUE=DATE:20250606")
		lacks(t, "task with a due date", served, "DTSTART", "DUE;TZID")
		// The PSA moves the end a day on: the due date follows, still a DATE.
		td = *rec.(*mapping.ToDo)
		td.ID, td.EndDateTime = 6, ts("2025-06-06T22:00:00Z")
		upsert(t, f.s, mapping.EntityCompanyToDos, &td)
		served = f.get(t, f.aliceTasks, "todo-6.ics")
		contains(t, "task with a due date moved", served, "DUE;VALUE=DATE:20250607")
		lacks(t, "task with a due date moved", served, "DTSTART")

		// DURATION on a PSA appointment (bob, UTC) stays DURATION.
		appt := f.get(t, f.bobCal, "appointment-3.ics")
		appt = strings.Replace(appt, "DTEND:20250603T090000Z", "DURATION:PT1H30M", 1)
		_, err = f.put(t, f.bob, f.bobCal, "appointment-3.ics", appt)
		must(t, err)
		rec, _ = recordByRef(t, f.s, mapping.EntityAppointments, 3)
		if a := rec.(*mapping.Appointment); !a.EndDateTime.Equal(ts("2025-06-03T09:30:00Z")) {
			t.Fatalf("DURATION end in the mirror: %v", a.EndDateTime)
		}
		served = f.get(t, f.bobCal, "appointment-3.ics")
		contains(t, "appointment with DURATION", served, "DTSTART:20250603T080000Z", "DURATION:PT1H30M")
		lacks(t, "appointment with DURATION", served, "DTEND")
	})
}

func TestClientEventDateForms(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		// Floating times: the user's zone for the PSA, floating for the
		// client, and stored as sent.
		lunch := crlf(vevent("float-1", "SUMMARY:Lunch", "DTSTART:20250612T120000", "DTEND:20250612T130000"))
		res, err := f.put(t, f.alice, f.aliceCal, "lunch.ics", lunch)
		must(t, err)
		if p := payload(t, f.lastOutbox(t, mapping.EntityAppointments)); p["startDateTime"] != "2025-06-12T10:00:00Z" || p["endDateTime"] != "2025-06-12T11:00:00Z" {
			t.Fatalf("floating event payload %v", p)
		}
		if served := f.get(t, f.aliceCal, "lunch.ics"); served != lunch || res.ETag == "" {
			t.Errorf("floating event stored as %q (ETag %q)", served, res.ETag)
		}

		// DURATION stays DURATION when the PSA moves the event.
		_, err = f.put(t, f.alice, f.aliceCal, "call.ics", vevent("dur-ev-1", "SUMMARY:Call", "DTSTART;TZID=Europe/Berlin:20250613T090000", "DURATION:PT1H"))
		must(t, err)
		call := f.lastOutbox(t, mapping.EntityAppointments)
		// An all-day event stays all-day when the PSA moves it by a day.
		_, err = f.put(t, f.alice, f.aliceCal, "offsite.ics", vevent("allday-2", "SUMMARY:Offsite", "DTSTART;VALUE=DATE:20250616", "DTEND;VALUE=DATE:20250617"))
		must(t, err)
		offsite := f.lastOutbox(t, mapping.EntityAppointments)
		must(t, f.s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if err := tx.AcceptForTest(ctx, mapping.EntityAppointments, call.RID, 9301); err != nil {
				return err
			}
			return tx.AcceptForTest(ctx, mapping.EntityAppointments, offsite.RID, 9302)
		}))
		upsert(t, f.s, mapping.EntityAppointments, &mapping.Appointment{ID: 9301, ResourceID: 100, Title: "Call",
			StartDateTime: ts("2025-06-13T08:00:00Z"), EndDateTime: ts("2025-06-13T09:30:00Z")})
		upsert(t, f.s, mapping.EntityAppointments, &mapping.Appointment{ID: 9302, ResourceID: 100, Title: "Offsite",
			StartDateTime: ts("2025-06-16T22:00:00Z"), EndDateTime: ts("2025-06-17T22:00:00Z")})
		served := f.get(t, f.aliceCal, "call.ics")
		contains(t, "event with DURATION moved", served, "DTSTART;TZID=Europe/Berlin:20250613T100000", "DURATION:PT1H30M")
		lacks(t, "event with DURATION moved", served, "DTEND", "PT1H\r\n")
		served = f.get(t, f.aliceCal, "offsite.ics")
		contains(t, "all-day event moved", served, "DTSTART;VALUE=DATE:20250617", "DTEND;VALUE=DATE:20250618")
	})
}

// TestToDoTimeBounds: the stored time bounds that calendar-query
// prefilters with follow the object served (RFC 4791 §9.9): an undated
// to-do has none, so it is in every range.
func TestToDoTimeBounds(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		_, err := f.put(t, f.alice, f.aliceTasks, "undated.ics", vtodo("undated-1", "SUMMARY:Buy milk"))
		must(t, err)
		_, err = f.put(t, f.alice, f.aliceTasks, "date.ics", vtodo("date-1", "SUMMARY:Renew", "DUE;VALUE=DATE:20250910"))
		must(t, err)
		inRange := func(from, to string) []string {
			objs, err := f.s.ObjectsInRange(ctx, f.aliceTasks.ID, ts(from).Unix(), ts(to).Unix(), true)
			must(t, err)
			var out []string
			for _, o := range objs {
				out = append(out, o.Href)
			}
			return out
		}
		eq(t, "tasks in September", inRange("2025-09-01T00:00:00Z", "2025-09-30T00:00:00Z"), []string{"date.ics", "undated.ics"})
		eq(t, "tasks in August", inRange("2025-08-01T00:00:00Z", "2025-08-30T00:00:00Z"), []string{"undated.ics"})
	})
}
