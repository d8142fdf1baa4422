package mapping

import (
	"strings"
	"testing"
	"time"
)

// served is what psadav serves for PSA appointment 77 and to-do 5.
func served(t *testing.T) (appt, task []byte) {
	t.Helper()
	ctx := CalendarContext{Location: berlin(t), LinkTemplate: testLinks}
	appt, err := RenderAppointment(AppointmentView{Appointment: Appointment{ID: 77, Title: "Review", Description: "Agenda",
		StartDateTime: utc("2025-06-02T08:00:00Z"), EndDateTime: utc("2025-06-02T09:00:00Z")}}, ctx)
	if err != nil {
		t.Fatal(err)
	}
	task, err = RenderToDo(ToDoView{ToDo: ToDo{ID: 5, StartDateTime: utc("2025-06-03T08:00:00Z"), EndDateTime: utc("2025-06-03T09:00:00Z")},
		ActionType: &ActionType{Name: "Phone Call"}, Company: acme}, true, ctx)
	if err != nil {
		t.Fatal(err)
	}
	return appt, task
}

// edit changes lines of a served body the way a client would.
func edit(body []byte, replace ...string) []byte {
	s := string(body)
	for i := 0; i+1 < len(replace); i += 2 {
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	return []byte(s)
}

func TestPSAItemUpdate(t *testing.T) {
	appt, task := served(t)
	loc := berlin(t)
	stored := mustParse(t, appt, loc)
	now := utc("2025-06-01T12:00:00Z")

	// Unchanged: nothing flows back, nothing is kept.
	u, err := PSAItemUpdate(stored, mustParse(t, appt, loc), ItemRules{Times: true, CompleteToDos: true}, now)
	if err != nil || u.Start != nil || u.End != nil || len(u.Discarded) != 0 || u.Kept != "" {
		t.Fatalf("unchanged: %+v %v", u, err)
	}
	// Moved by an hour, written in UTC by the client: both times flow back.
	moved := edit(appt, "DTSTART;TZID=Europe/Berlin:20250602T100000", "DTSTART:20250602T090000Z",
		"DTEND;TZID=Europe/Berlin:20250602T110000", "DTEND:20250602T100000Z")
	u, _ = PSAItemUpdate(stored, mustParse(t, moved, loc), ItemRules{Times: true, CompleteToDos: true}, now)
	if u.Start == nil || !u.Start.Equal(utc("2025-06-02T09:00:00Z")) || u.End == nil || !u.End.Equal(utc("2025-06-02T10:00:00Z")) {
		t.Fatalf("moved: %+v", u)
	}
	// DURATION instead of DTEND: only the end moves.
	longer := edit(appt, "DTEND;TZID=Europe/Berlin:20250602T110000", "DURATION:PT2H")
	u, _ = PSAItemUpdate(stored, mustParse(t, longer, loc), ItemRules{Times: true, CompleteToDos: true}, now)
	if u.Start != nil || u.End == nil || !u.End.Equal(utc("2025-06-02T10:00:00Z")) {
		t.Fatalf("longer: %+v", u)
	}
	// A new title and a reminder: the title is not the client's to change,
	// the reminder is kept.
	retitled := edit(appt, "SUMMARY:Review", "SUMMARY:My review", "END:VEVENT",
		"CATEGORIES:Work\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT")
	u, _ = PSAItemUpdate(stored, mustParse(t, retitled, loc), ItemRules{Times: true, CompleteToDos: true}, now)
	if strings.Join(u.Discarded, ",") != "SUMMARY" || !strings.Contains(u.Kept, "TRIGGER:-PT15M") || !strings.Contains(u.Kept, "CATEGORIES:Work") {
		t.Fatalf("retitled: %+v", u)
	}
	// The kept reminder survives a later PSA change of the time.
	later, _ := RenderAppointment(AppointmentView{Appointment: Appointment{ID: 77, Title: "Review", Description: "Agenda",
		StartDateTime: utc("2025-06-05T08:00:00Z"), EndDateTime: utc("2025-06-05T09:00:00Z")}}, CalendarContext{Location: loc, LinkTemplate: testLinks})
	merged, err := MergeKeptCalendar(later, u.Kept, loc)
	if err != nil {
		t.Fatal(err)
	}
	m := mustParse(t, merged, loc)
	if len(m.Master.Children) != 1 || propText(m.Master, "SUMMARY") != "Review" || !strings.Contains(string(merged), "20250605T100000") {
		t.Fatalf("merged:\n%s", merged)
	}
	// A client may not turn a PSA appointment into a series.
	series := edit(appt, "END:VEVENT", "RRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT")
	if u, _ = PSAItemUpdate(stored, mustParse(t, series, loc), ItemRules{Times: true, CompleteToDos: true}, now); strings.Join(u.Discarded, ",") != "RRULE" {
		t.Fatalf("series: %+v", u)
	}
	// Nor change the UID.
	if _, err := PSAItemUpdate(stored, mustParse(t, edit(appt, "UID:psadav-appointment-77", "UID:other"), loc), ItemRules{Times: true, CompleteToDos: true}, now); refusalCode(err) != RefuseUIDConflict {
		t.Fatalf("uid change: %v", err)
	}

	// To-dos: each of the three ways to say "done" completes it.
	st := mustParse(t, task, loc)
	for _, done := range []string{"STATUS:COMPLETED", "COMPLETED:20250603T100000Z\r\nSTATUS:NEEDS-ACTION", "PERCENT-COMPLETE:100\r\nSTATUS:NEEDS-ACTION"} {
		c := edit(task, "STATUS:NEEDS-ACTION", done)
		u, _ := PSAItemUpdate(st, mustParse(t, c, loc), ItemRules{Times: true, CompleteToDos: true}, now)
		if u.Complete == nil || u.Reopen {
			t.Errorf("%q did not complete: %+v", done, u)
		}
		if strings.HasPrefix(done, "COMPLETED:") && !u.Complete.Equal(utc("2025-06-03T10:00:00Z")) {
			t.Errorf("completion time %s", u.Complete)
		}
		if done == "STATUS:COMPLETED" && !u.Complete.Equal(now) {
			t.Errorf("completion without COMPLETED at %s, want now", u.Complete)
		}
		// With the org setting off, completion is not the client's to make.
		if u, _ := PSAItemUpdate(st, mustParse(t, c, loc), ItemRules{Times: true}, now); u.Complete != nil || strings.Join(u.Discarded, ",") != "STATUS" {
			t.Errorf("completion with complete-todos off: %+v", u)
		}
	}
	doneTask, _ := RenderToDo(ToDoView{ToDo: ToDo{ID: 5, StartDateTime: utc("2025-06-03T08:00:00Z"), EndDateTime: utc("2025-06-03T09:00:00Z"),
		CompletedDate: tp("2025-06-03T10:00:00Z")}, ActionType: &ActionType{Name: "Phone Call"}, Company: acme}, true, CalendarContext{Location: loc, LinkTemplate: testLinks})
	reopened := edit(doneTask, "STATUS:COMPLETED", "STATUS:NEEDS-ACTION", "COMPLETED:20250603T100000Z\r\n", "", "PERCENT-COMPLETE:100\r\n", "")
	if u, _ := PSAItemUpdate(mustParse(t, doneTask, loc), mustParse(t, reopened, loc), ItemRules{Times: true, CompleteToDos: true}, now); !u.Reopen {
		t.Errorf("re-opening: %+v", u)
	}
	// A new due time flows back as the end.
	due := edit(task, "DUE;TZID=Europe/Berlin:20250603T110000", "DUE;TZID=Europe/Berlin:20250603T120000")
	if u, _ := PSAItemUpdate(st, mustParse(t, due, loc), ItemRules{Times: true, CompleteToDos: true}, now); u.End == nil || !u.End.Equal(utc("2025-06-03T10:00:00Z")) || u.Start != nil {
		t.Errorf("due: %+v", u)
	}
}

// TestReadOnlyItemUpdate: of a service call or time off nothing flows
// back; what psadav renders of it is the PSA's (LOCATION, STATUS, TRANSP
// as well as the times and texts), the rest is kept.
func TestReadOnlyItemUpdate(t *testing.T) {
	loc := berlin(t)
	now := utc("2025-06-01T12:00:00Z")
	ctx := CalendarContext{Location: loc, LinkTemplate: testLinks}
	call, err := RenderServiceCall(ServiceCallView{Call: ServiceCall{ID: 9, Description: "Replace the disk",
		StartDateTime: utc("2025-06-10T07:00:00Z"), EndDateTime: utc("2025-06-10T09:00:00Z")}, Company: acme}, ctx)
	if err != nil {
		t.Fatal(err)
	}
	rendered := mustParse(t, call, loc)
	rules := ItemRules{Rendered: rendered}
	edit := func(body []byte, replace ...string) []byte {
		t.Helper()
		for i := 0; i < len(replace); i += 2 {
			if !strings.Contains(string(body), replace[i]) {
				t.Fatalf("no %q in\n%s", replace[i], body)
			}
		}
		return edit(body, replace...)
	}
	judge := func(body []byte) ItemUpdate {
		t.Helper()
		u, err := PSAItemUpdate(rendered, mustParse(t, body, loc), rules, now)
		if err != nil {
			t.Fatal(err)
		}
		if u.Start != nil || u.End != nil {
			t.Fatalf("times flowed back from a read-only item: %+v", u)
		}
		return u
	}
	if u := judge(call); len(u.Discarded) != 0 || u.Kept != "" || u.TimesDiscarded {
		t.Fatalf("unchanged: %+v", u)
	}
	// An alarm and categories are kept; a new location is not the client's.
	alarm := "CATEGORIES:Work\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT"
	u := judge(edit(call, "LOCATION:1 Main Street\\, 62701 Springfield\\, IL", "LOCATION:Home", "END:VEVENT", alarm))
	if strings.Join(u.Discarded, ",") != "LOCATION" || !strings.Contains(u.Kept, "TRIGGER:-PT15M") || !strings.Contains(u.Kept, "CATEGORIES:Work") ||
		strings.Contains(u.Kept, "LOCATION") {
		t.Fatalf("location and alarm: %+v", u)
	}
	// Moved, in UTC: both times are discarded and the client's forms stand
	// for nothing. Written in UTC unmoved: no change.
	moved := edit(call, "DTSTART;TZID=Europe/Berlin:20250610T090000", "DTSTART:20250610T080000Z",
		"DTEND;TZID=Europe/Berlin:20250610T110000", "DTEND:20250610T100000Z")
	if u := judge(moved); strings.Join(u.Discarded, ",") != "DTSTART,DTEND" || !u.TimesDiscarded {
		t.Fatalf("moved: %+v", u)
	}
	same := edit(call, "DTSTART;TZID=Europe/Berlin:20250610T090000", "DTSTART:20250610T070000Z",
		"DTEND;TZID=Europe/Berlin:20250610T110000", "DTEND:20250610T090000Z")
	if u := judge(same); len(u.Discarded) != 0 || u.TimesDiscarded {
		t.Fatalf("the same times in UTC: %+v", u)
	}
	// A URL left out is a change; so is one of time off's STATUS or TRANSP,
	// but not their case, nor leaving out time off's empty DESCRIPTION.
	if u := judge(edit(call, "URL:https://psa.example.com/OpenServiceCall?id=9\r\n", "")); strings.Join(u.Discarded, ",") != "URL" {
		t.Fatalf("URL left out: %+v", u)
	}
	off, err := RenderTimeOff(TimeOffView{Request: TimeOffRequest{ID: 31, Hours: 8, StartTime: tp("2025-06-20T07:00:00Z"),
		EndTime: tp("2025-06-20T15:00:00Z")}, State: TimeOffApproved}, ctx)
	if err != nil {
		t.Fatal(err)
	}
	rendered = mustParse(t, off, loc)
	rules = ItemRules{Rendered: rendered}
	if u := judge(edit(off, "STATUS:CONFIRMED", "STATUS:confirmed", "DESCRIPTION:\r\n", "")); len(u.Discarded) != 0 {
		t.Fatalf("time off in other case, without its empty DESCRIPTION: %+v", u)
	}
	if u := judge(edit(off, "STATUS:CONFIRMED", "STATUS:CANCELLED", "TRANSP:OPAQUE", "TRANSP:TRANSPARENT")); strings.Join(u.Discarded, ",") != "STATUS,TRANSP" {
		t.Fatalf("time off cancelled and free: %+v", u)
	}
}

func TestClientToDoFields(t *testing.T) {
	loc := berlin(t)
	now := utc("2025-03-10T09:17:42Z")
	f := ClientToDoFields(mustParse(t, fixture(t, "davx5-task.ics"), loc), true, now)
	if f.Description != "Call back Ann about the backup report\n\nShe asked twice.\nPhone: +1 555 0100" ||
		!f.Start.Equal(utc("2025-03-14T16:00:00Z")) || !f.End.Equal(f.Start) || f.Completed != nil {
		t.Errorf("DAVx5 task: %+v", f)
	}
	f = ClientToDoFields(mustParse(t, fixture(t, "ios-task-completed.ics"), loc), true, now)
	if f.Completed == nil || !f.Completed.Equal(utc("2025-03-11T09:12:00Z")) || !f.Start.Equal(utc("2025-03-10T23:00:00Z")) {
		t.Errorf("iOS task: %+v", f)
	}
	if f = ClientToDoFields(mustParse(t, fixture(t, "ios-task-completed.ics"), loc), false, now); f.Completed != nil {
		t.Errorf("completion with complete-todos off: %+v", f)
	}
	f = ClientToDoFields(mustParse(t, crlf("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VTODO", "UID:t", "DTSTAMP:20250101T000000Z",
		"SUMMARY:No dates", "END:VTODO", "END:VCALENDAR"), loc), true, now)
	if !f.Start.Equal(utc("2025-03-10T09:17:00Z")) || !f.End.Equal(f.Start) {
		t.Errorf("task without dates: %+v", f)
	}
}

func TestRenderClientEvent(t *testing.T) {
	loc := berlin(t)
	body := fixture(t, "davx5-recurring-private-event.ics")
	o := mustParse(t, body, loc)
	occ := o.Occurrences(time.Time{}, time.Time{})
	// Nothing changed in the PSA: the client's object as stored.
	var links []SeriesLink
	for _, oc := range occ {
		links = append(links, SeriesLink{RecurrenceID: oc.RecurrenceID, Start: oc.Start, End: oc.End, Title: oc.Title})
	}
	same, err := RenderClientEvent(body, loc, links, nil)
	if err != nil || string(same) != string(body) {
		t.Fatalf("unchanged series re-rendered (%v)", err)
	}
	// The PSA moved the second occurrence and deleted the third.
	links[1].Start, links[1].End = links[1].Start.Add(2*time.Hour), links[1].End.Add(2*time.Hour)
	links[2].Deleted = true
	out, err := RenderClientEvent(body, loc, links, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := mustParse(t, out, loc)
	var got []string
	for _, oc := range r.Occurrences(time.Time{}, time.Time{}) {
		got = append(got, oc.Start.Format("01-02T15:04"))
	}
	if strings.Join(got, ",") != "03-13T08:00,04-10T07:00,04-17T07:00,03-27T10:00" {
		t.Fatalf("after PSA changes: %v\n%s", got, out)
	}
	if len(r.Overrides) != 1 || propText(r.Overrides[0], "CLASS") != "PRIVATE" {
		t.Errorf("override lost the master's properties:\n%s", out)
	}
	// A single event the PSA deleted disappears; one it moved moves.
	single := fixture(t, "ios-event.ics")
	if out, err := RenderClientEvent(single, loc, []SeriesLink{{Deleted: true}}, nil); out != nil || err != nil {
		t.Errorf("deleted single event: %s %v", out, err)
	}
	out, _ = RenderClientEvent(single, loc, []SeriesLink{{Start: utc("2025-03-12T12:00:00Z"), End: utc("2025-03-12T13:00:00Z"),
		Title: "Kundentermin Müller"}}, nil)
	if !strings.Contains(string(out), "DTSTART;TZID=Europe/Berlin:20250312T130000") || !strings.Contains(string(out), "TRIGGER:-PT15M") {
		t.Errorf("moved single event:\n%s", out)
	}
}

func TestFreeBusyAndExpand(t *testing.T) {
	loc := berlin(t)
	from, to := utc("2025-03-01T00:00:00Z"), utc("2025-05-01T00:00:00Z")
	var busy []Period
	for _, f := range []string{"davx5-recurring-private-event.ics", "thunderbird-allday-free-event.ics", "ios-event.ics"} {
		busy = append(busy, mustParse(t, fixture(t, f), loc).BusyPeriods(from, to)...)
	}
	tentative := mustParse(t, edit(fixture(t, "ios-event.ics"), "TRANSP:OPAQUE", "STATUS:TENTATIVE"), loc)
	busy = append(busy, tentative.BusyPeriods(from, to)...)
	b, err := RenderFreeBusy(from, to, utc("2025-02-01T00:00:00Z"), "fb-1", busy)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "\r\n ", "")
	// Five team meetings (private: busy, without details), one iOS event;
	// the free all-day event is not busy; the tentative one is its own type.
	if !strings.Contains(s, "FREEBUSY:20250312T090000Z/20250312T100000Z,20250313T080000Z/20250313T090000Z,20250327T080000Z/") ||
		!strings.Contains(s, "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20250312T090000Z/20250312T100000Z") ||
		strings.Contains(s, "20250316T230000Z") || strings.Contains(s, "Team") {
		t.Fatalf("free/busy:\n%s", s)
	}
	ex, err := mustParse(t, fixture(t, "davx5-recurring-private-event.ics"), loc).Expand(utc("2025-03-25T00:00:00Z"), utc("2025-04-05T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	e := string(ex)
	if strings.Count(e, "BEGIN:VEVENT") != 2 || strings.Contains(e, "RRULE") || strings.Contains(e, "VTIMEZONE") ||
		!strings.Contains(e, "RECURRENCE-ID:20250327T080000Z") || !strings.Contains(e, "DTSTART:20250403T070000Z") {
		t.Fatalf("expanded:\n%s", e)
	}
}
