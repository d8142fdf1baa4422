package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// A PUT of a PSA item no client may change in the PSA (a service call,
// time off) or of a PSA item whose fields mostly stay the PSA's: what the
// PSA has no field for (an alarm) is kept for that user, a change to a PSA
// field is discarded (lenient, answered without an ETag) or refused
// (strict, naming it), and nothing goes to the PSA (README "Calendar and
// tasks").

// reminder is what a phone adds to an event it sets an alarm on.
const reminder = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\n"

// withAlarm gives an object's main component one alarm (instead of any it
// has), as the last thing in it (where clients put it).
func withAlarm(body, trigger string) string {
	if i := strings.Index(body, "BEGIN:VALARM\r\n"); i >= 0 {
		j := strings.Index(body, "END:VALARM\r\n")
		body = body[:i] + body[j+len("END:VALARM\r\n"):]
	}
	a := strings.Replace(reminder, "-PT30M", trigger, 1)
	for _, end := range []string{"END:VEVENT\r\n", "END:VTODO\r\n"} {
		if strings.Contains(body, end) {
			return strings.Replace(body, end, a+end, 1)
		}
	}
	return body
}

// noWriteBacks fails when anything was queued for the PSA.
func (f *calFixture) noWriteBacks(t *testing.T, what string) {
	t.Helper()
	es, err := f.s.Outbox(context.Background(), storage.OutboxFilter{})
	must(t, err)
	if len(es) != 0 {
		t.Fatalf("%s queued write-backs: %+v", what, es)
	}
}

// TestReadOnlyItemKeepsAlarm is the Seen case: adding an alarm to a
// service call on a phone (or vdirsyncer uploading a local edit of one)
// got 403 on every sync, for good.
func TestReadOnlyItemKeepsAlarm(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		for _, mode := range []string{"lenient", "strict"} {
			must(t, f.s.SetSetting(ctx, "write-back-mode", mode))
			for i, href := range []string{"service-call-9.ics", "time-off-31.ics"} {
				served := f.get(t, f.aliceCal, href)
				trigger := []string{"-PT30M", "-PT10M"}[i]
				if mode == "strict" {
					trigger = []string{"-PT5M", "-PT1H"}[i]
				}
				sent := withAlarm(served, trigger)
				res, err := f.put(t, f.alice, f.aliceCal, href, sent)
				if err != nil {
					t.Fatalf("%s: PUT of %s with an alarm: %v", mode, href, err)
				}
				after := f.get(t, f.aliceCal, href)
				// Stored exactly as sent: answered with the ETag, so the
				// client downloads nothing.
				if after != sent || res.ETag == "" || res.Created {
					t.Fatalf("%s: PUT of %s with an alarm answered %+v; served now:\n%s\nsent:\n%s", mode, href, res, after, sent)
				}
				// The same again: the ETag, nothing else.
				if res, err := f.put(t, f.alice, f.aliceCal, href, after); err != nil || res.ETag == "" {
					t.Fatalf("%s: a PUT of %s as served: %+v %v", mode, href, res, err)
				}
			}
		}
		f.noWriteBacks(t, "alarms on read-only items")
		// Other users do not see alice's alarm.
		lacks(t, "bob's service call", f.get(t, f.bobCal, "service-call-9.ics"), "BEGIN:VALARM")
		// The alarm survives PSA changes of the items.
		upsert(t, f.s, mapping.EntityServiceCalls, &mapping.ServiceCall{ID: 9, CompanyID: 1, CompanyLocationID: i64(3), Description: "Replace both disks",
			Status: i64(71), StartDateTime: ts("2025-06-10T08:00:00Z"), EndDateTime: ts("2025-06-10T10:00:00Z")})
		upsert(t, f.s, mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 31, ResourceID: 100, Status: 42, Hours: 4, RequestDate: ts("2025-06-20T00:00:00Z"),
			StartTime: tsp("2025-06-20T07:00:00Z"), EndTime: tsp("2025-06-20T11:00:00Z")})
		contains(t, "the service call after a PSA change", f.get(t, f.aliceCal, "service-call-9.ics"),
			"DTSTART;TZID=Europe/Berlin:20250610T100000", "Replace both disks", "BEGIN:VALARM", "TRIGGER:-PT5M")
		contains(t, "the time off after a PSA change", f.get(t, f.aliceCal, "time-off-31.ics"),
			"SUMMARY:Time Off Request - 4.00 hours", "BEGIN:VALARM", "TRIGGER:-PT1H")
		f.noWriteBacks(t, "PSA changes")
	})
}

// TestReadOnlyItemFieldChanges: a change to what the PSA renders of a
// read-only item is discarded in lenient mode (no ETag: the client
// re-reads the PSA's version, with its alarm) and refused in strict mode,
// naming the properties; nothing is queued either way.
func TestReadOnlyItemFieldChanges(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		changes := []struct {
			href, from, to string
			fields         string
		}{
			{"service-call-9.ics", "SUMMARY:Service Call: Acme", "SUMMARY:Fix the NAS", "SUMMARY"},
			{"service-call-9.ics", "LOCATION:Warehouse", "LOCATION:Home office", "LOCATION"},
			{"service-call-9.ics", "Description: Replace the disk", "Description: Replace the fan", "DESCRIPTION"},
			{"service-call-9.ics", "DTSTART;TZID=Europe/Berlin:20250610T090000", "DTSTART;TZID=Europe/Berlin:20250610T083000", "DTSTART"},
			{"service-call-9.ics", "DTEND;TZID=Europe/Berlin:20250610T110000", "DURATION:PT3H", "DTEND"},
			{"time-off-31.ics", "TRANSP:OPAQUE", "TRANSP:TRANSPARENT", "TRANSP"},
			{"time-off-31.ics", "STATUS:CONFIRMED", "STATUS:CANCELLED", "STATUS"},
			{"time-off-31.ics", "SUMMARY:Time Off Request - 8.00 hours", "SUMMARY:Holiday", "SUMMARY"},
			{"time-off-31.ics", "DESCRIPTION:\r\n", "DESCRIPTION:Beach\r\n", "DESCRIPTION"},
		}
		for _, c := range changes {
			served := f.get(t, f.aliceCal, c.href)
			if !strings.Contains(served, c.from) {
				t.Fatalf("%s lacks %q:\n%s", c.href, c.from, served)
			}
			edited := withAlarm(strings.Replace(served, c.from, c.to, 1), "-PT15M")
			must(t, f.s.SetSetting(ctx, "write-back-mode", "strict"))
			_, err := f.put(t, f.alice, f.aliceCal, c.href, edited)
			if r := refusal(err); r == nil || r.Code != mapping.RefuseReadOnlyField || strings.Join(r.Fields, ",") != c.fields {
				t.Fatalf("strict: %s → %s: %v (%+v)", c.from, c.to, err, r)
			}
			if f.get(t, f.aliceCal, c.href) != served {
				t.Fatalf("strict: the refused PUT (%s) changed %s", c.to, c.href)
			}
			must(t, f.s.SetSetting(ctx, "write-back-mode", "lenient"))
			res, err := f.put(t, f.alice, f.aliceCal, c.href, edited)
			if err != nil || res.ETag != "" {
				t.Fatalf("lenient: %s → %s: %+v %v", c.from, c.to, res, err)
			}
			after := f.get(t, f.aliceCal, c.href)
			contains(t, "after "+c.to, after, c.from, "TRIGGER:-PT15M")
			if strings.Contains(after, c.to) {
				t.Fatalf("lenient: the change %q reached %s:\n%s", c.to, c.href, after)
			}
			// What the client then holds is what it reads back.
			if res, err := f.put(t, f.alice, f.aliceCal, c.href, after); err != nil || res.ETag == "" {
				t.Fatalf("the PSA's version back: %+v %v", res, err)
			}
			must(t, f.s.SetSetting(ctx, "write-back-mode", "strict"))
			if res, err := f.put(t, f.alice, f.aliceCal, c.href, after); err != nil || res.ETag == "" {
				t.Fatalf("strict: the PSA's version back: %+v %v", res, err)
			}
			must(t, f.s.SetSetting(ctx, "write-back-mode", "lenient"))
		}
		f.noWriteBacks(t, "changes to read-only items")
		// A series or a new UID is no way around it either.
		served := f.get(t, f.aliceCal, "service-call-9.ics")
		_, err := f.put(t, f.alice, f.aliceCal, "service-call-9.ics", strings.Replace(served, "END:VEVENT", "RRULE:FREQ=DAILY;COUNT=3\r\nEND:VEVENT", 1))
		if err != nil {
			t.Fatalf("lenient: a series of a service call: %v", err)
		}
		lacks(t, "the service call after a series", f.get(t, f.aliceCal, "service-call-9.ics"), "RRULE")
		_, err = f.put(t, f.alice, f.aliceCal, "service-call-9.ics", strings.Replace(served, "UID:psadav-service-call-9", "UID:other", 1))
		if r := refusal(err); r == nil || r.Code != mapping.RefuseUIDChanged {
			t.Fatalf("a new UID for a service call: %v", err)
		}
		f.noWriteBacks(t, "a series of a read-only item")
	})
}

// TestPSAItemAlarmOnly: an alarm added to a PSA appointment or to-do (in
// the calendar or the task list) queues nothing for the PSA, is kept, and
// the PUT is answered with the ETag; so is a PUT of the object as served.
func TestPSAItemAlarmOnly(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		items := []struct {
			coll storage.Collection
			href string
		}{{f.aliceCal, "appointment-1.ics"}, {f.aliceCal, "todo-5.ics"}, {f.aliceTasks, "todo-6.ics"}}
		for _, mode := range []string{"lenient", "strict"} {
			must(t, f.s.SetSetting(ctx, "write-back-mode", mode))
			for _, it := range items {
				served := f.get(t, it.coll, it.href)
				obj, err := f.s.GetObject(ctx, it.coll.ID, it.href)
				must(t, err)
				res, err := f.put(t, f.alice, it.coll, it.href, served)
				if err != nil || res.ETag != obj.ETag {
					t.Fatalf("%s: a PUT of %s as served: %+v %v (ETag %s)", mode, it.href, res, err, obj.ETag)
				}
				trigger := map[string]string{"lenient": "-PT20M", "strict": "-PT2H"}[mode]
				sent := withAlarm(served, trigger)
				res, err = f.put(t, f.alice, it.coll, it.href, sent)
				if err != nil {
					t.Fatalf("%s: an alarm on %s: %v", mode, it.href, err)
				}
				if after := f.get(t, it.coll, it.href); after != sent || res.ETag == "" {
					t.Fatalf("%s: an alarm on %s answered %+v; served now:\n%s\nsent:\n%s", mode, it.href, res, after, sent)
				}
				// The alarm replaced rather than added to: one VALARM.
				if n := strings.Count(f.get(t, it.coll, it.href), "BEGIN:VALARM"); n != 1 {
					t.Fatalf("%s: %s holds %d alarms", mode, it.href, n)
				}
			}
		}
		f.noWriteBacks(t, "alarms on PSA items")
		// A PSA change keeps them.
		upsert(t, f.s, mapping.EntityCompanyToDos, &mapping.ToDo{ID: 5, CompanyID: 1, ActionType: 501, AssignedToResourceID: 100, ActivityDescription: "Meet Ann",
			StartDateTime: ts("2025-06-04T10:00:00Z"), EndDateTime: ts("2025-06-04T11:00:00Z")})
		contains(t, "the calendar to-do after a PSA move", f.get(t, f.aliceCal, "todo-5.ics"),
			"DTSTART;TZID=Europe/Berlin:20250604T120000", "TRIGGER:-PT2H")
	})
}

// TestPSAItemRenderedFields: what psadav renders of a PSA appointment
// beyond its title and times (its URL) is the PSA's too: strict mode
// refuses a change to it, lenient mode discards it.
func TestPSAItemRenderedFields(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		served := f.get(t, f.aliceCal, "appointment-1.ics")
		i := strings.Index(served, "URL:")
		if i < 0 {
			t.Fatalf("no URL in\n%s", served)
		}
		line := served[i : i+strings.Index(served[i:], "\r\n")]
		edited := strings.Replace(served, line, "URL:https://example.com/elsewhere", 1)
		must(t, f.s.SetSetting(ctx, "write-back-mode", "strict"))
		_, err := f.put(t, f.alice, f.aliceCal, "appointment-1.ics", edited)
		if r := refusal(err); r == nil || r.Code != mapping.RefuseReadOnlyField || strings.Join(r.Fields, ",") != "URL" {
			t.Fatalf("strict: a new URL: %v", err)
		}
		must(t, f.s.SetSetting(ctx, "write-back-mode", "lenient"))
		res, err := f.put(t, f.alice, f.aliceCal, "appointment-1.ics", edited)
		if err != nil || res.ETag != "" {
			t.Fatalf("lenient: a new URL: %+v %v", res, err)
		}
		if got := f.get(t, f.aliceCal, "appointment-1.ics"); got != served {
			t.Fatalf("lenient: the URL change was not discarded:\n%s", got)
		}
		f.noWriteBacks(t, "a URL change")
	})
}

// TestHiddenItemPutAgain: a client that PUTs back a PSA item its DELETE
// hid (an undo, a restored backup) gets the item back for that user — at
// its own href or the one the client chose — and nothing goes to the PSA.
// It made a new PSA appointment of it, a copy of a service call or of
// somebody's appointment.
func TestHiddenItemPutAgain(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		items := []struct {
			coll       storage.Collection
			href, name string // the item's href, and the one the client puts it back to
		}{
			{f.aliceCal, "service-call-9.ics", "service-call-9.ics"},
			{f.aliceCal, "time-off-31.ics", "restored-time-off.ics"},
			{f.aliceCal, "appointment-1.ics", "psadav-appointment-1.ics"},
			{f.aliceCal, "todo-5.ics", "todo-5.ics"},
			{f.aliceTasks, "todo-6.ics", "psadav-todo-6.ics"},
		}
		for _, it := range items {
			served := f.get(t, it.coll, it.href)
			must(t, f.del(f.alice, it.coll, it.href))
			sent := withAlarm(served, "-PT45M")
			res, err := f.s.PutObject(ctx, storage.PutRequest{Account: f.alice, Collection: it.coll, Href: it.name,
				Body: []byte(sent), ContentType: "text/calendar", IfNoneMatch: "*"})
			if err != nil || !res.Created {
				t.Fatalf("%s put back as %s: %+v %v", it.href, it.name, res, err)
			}
			back := f.get(t, it.coll, it.name)
			contains(t, it.name+" put back", back, "TRIGGER:-PT45M")
			if back == sent && res.ETag == "" || back != sent && res.ETag != "" {
				t.Errorf("%s put back: ETag %q for\n%s", it.name, res.ETag, back)
			}
			if it.name != it.href && f.get(t, it.coll, it.href) != "" {
				t.Errorf("%s is served at its own href as well as at %s", it.href, it.name)
			}
		}
		f.noWriteBacks(t, "putting hidden items back")
		hidden, err := f.s.HiddenItems(ctx, "alice")
		must(t, err)
		if len(hidden) != 0 {
			t.Fatalf("still hidden: %+v", hidden)
		}
		// Put back as it was served, the item moves as a PSA item: the new
		// time goes to the PSA, the title stays the PSA's.
		back := f.get(t, f.aliceCal, "psadav-appointment-1.ics")
		moved := strings.NewReplacer("DTSTART;TZID=Europe/Berlin:20250602T100000", "DTSTART;TZID=Europe/Berlin:20250602T110000",
			"DTEND;TZID=Europe/Berlin:20250602T110000", "DTEND;TZID=Europe/Berlin:20250602T120000", "SUMMARY:Review", "SUMMARY:Mine").Replace(back)
		if _, err := f.put(t, f.alice, f.aliceCal, "psadav-appointment-1.ics", moved); err != nil {
			t.Fatal(err)
		}
		if ob := f.outbox(t, mapping.EntityAppointments); len(ob) != 1 || ob[0].Op != storage.OpUpdate || ob[0].FieldMask != "endDateTime,startDateTime" {
			t.Fatalf("outbox after moving the item put back: %+v", ob)
		}
		contains(t, "the appointment put back and moved", f.get(t, f.aliceCal, "psadav-appointment-1.ics"), "SUMMARY:Review", "TRIGGER:-PT45M")

		// An item that left the collection while hidden cannot come back,
		// and no copy of it goes to the PSA.
		served := f.get(t, f.aliceCal, "time-off-32.ics")
		must(t, f.del(f.alice, f.aliceCal, "time-off-32.ics"))
		upsert(t, f.s, mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 32, ResourceID: 200, Status: 41, Hours: 4,
			RequestDate: ts("2025-06-23T00:00:00Z"), StartTime: tsp("2025-06-23T07:00:00Z"), EndTime: tsp("2025-06-23T11:00:00Z")})
		_, err = f.put(t, f.alice, f.aliceCal, "time-off-32.ics", served)
		if r := refusal(err); r == nil || r.Code != mapping.RefuseUIDConflict {
			t.Fatalf("an item that left the calendar put back: %v", err)
		}
		if f.get(t, f.aliceCal, "time-off-32.ics") != "" || len(f.outbox(t, mapping.EntityAppointments)) != 1 {
			t.Fatal("the refused PUT stored something")
		}
	})
}
