package mapping

import (
	"strings"
	"testing"
	"time"
)

func la(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// clientToDo is a client's VTODO with the given properties.
func clientToDo(lines ...string) []byte {
	return crlf(append(append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//client//EN", "BEGIN:VTODO",
		"UID:client-1", "DTSTAMP:20250101T000000Z", "SUMMARY:Mine"}, lines...), "END:VTODO", "END:VCALENDAR")...)
}

// renderedToDo is psadav's rendering of to-do 5 in the user's zone.
func renderedToDo(t *testing.T, loc *time.Location, start, end string, done *time.Time) []byte {
	t.Helper()
	b, err := RenderToDo(ToDoView{ToDo: ToDo{ID: 5, StartDateTime: utc(start), EndDateTime: utc(end), CompletedDate: done},
		ActionType: &ActionType{Name: "Phone Call"}}, true, CalendarContext{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hasAll(t *testing.T, what string, body []byte, want, not []string) {
	t.Helper()
	flat := strings.ReplaceAll(string(body), "\r\n ", "")
	for _, w := range want {
		if !strings.Contains(flat, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, body)
		}
	}
	_, item, _ := strings.Cut(flat, "\r\nBEGIN:V"+map[bool]string{true: "TODO", false: "EVENT"}[strings.Contains(flat, "BEGIN:VTODO")])
	for _, w := range not { // in the item, not its VTIMEZONEs
		if strings.Contains(item, w) {
			t.Errorf("%s has %q:\n%s", what, w, body)
		}
	}
}

func TestSourceBytes(t *testing.T) {
	loc := la(t)
	clean := clientToDo("DUE;VALUE=DATE:20251210")
	o := mustParse(t, clean, loc)
	if b, err := o.SourceBytes(clean); err != nil || string(b) != string(clean) {
		t.Fatalf("a clean body is stored as sent: %v\n%s", err, b)
	}
	for name, body := range map[string][]byte{
		"LF line ends":     []byte(strings.ReplaceAll(string(clean), "\r\n", "\n")),
		"no DTSTAMP":       []byte(strings.Replace(string(clean), "DTSTAMP:20250101T000000Z\r\n", "", 1)),
		"psadav's times":   []byte(strings.Replace(string(clean), "VERSION:2.0", "VERSION:2.0\r\nX-PSADAV-PSA-TIMES:20250101T000000Z/20250101T000000Z", 1)),
		"trailing junk":    append(append([]byte(nil), clean...), "\r\n"...),
		"lower-case names": []byte(strings.Replace(string(clean), "SUMMARY:Mine", "summary:Mine", 1)),
		"lower-case BEGIN": []byte(strings.Replace(strings.Replace(string(clean), "BEGIN:VTODO", "BEGIN:vtodo", 1), "END:VTODO", "END:vtodo", 1)),
	} {
		o := mustParse(t, body, loc)
		b, err := o.SourceBytes(body)
		if err != nil || string(b) == string(body) || strings.Contains(string(b), "X-PSADAV") || !strings.Contains(string(b), "DTSTAMP") {
			t.Errorf("%s: stored as %v\n%s", name, err, b)
		}
	}
	// The kept data carries exactly one base, psadav's, and gives the
	// client's bytes back.
	forged := []byte(strings.Replace(string(clean), "VERSION:2.0", "VERSION:2.0\r\nX-PSADAV-PSA-TIMES:19990101T000000Z/19990101T000000Z", 1))
	data, err := KeepClientObject(mustParse(t, forged, loc), forged, PSATimes{utc("2025-12-10T08:00:00Z"), utc("2025-12-10T08:00:00Z")})
	if err != nil || strings.Count(data, "X-PSADAV-PSA-TIMES") != 1 || strings.Contains(data, "1999") {
		t.Fatalf("kept data of a forged base: %v\n%s", err, data)
	}
	data, _ = KeepClientObject(mustParse(t, clean, loc), clean, PSATimes{utc("2025-12-10T08:00:00Z"), utc("2025-12-10T08:00:00Z")})
	own, base, ok := splitBase(data)
	if !ok || string(own) != string(clean) || !base.Start.Equal(utc("2025-12-10T08:00:00Z")) {
		t.Fatalf("splitBase: %v %v\n%s", ok, base, own)
	}
}

func TestOverlayClientToDoForms(t *testing.T) {
	loc := la(t)
	done := utc("2025-12-12T18:00:00Z")
	cases := []struct {
		name       string
		client     []string
		base       [2]string // "" : data kept before psadav recorded a base
		psa        [2]string
		done       *time.Time
		want, not  []string
		sameAsSent bool
	}{
		{name: "unchanged DATE", client: []string{"DUE;VALUE=DATE:20251210"}, base: [2]string{"2025-12-10T08:00:00Z", "2025-12-10T08:00:00Z"},
			psa: [2]string{"2025-12-10T08:00:00Z", "2025-12-10T08:00:00Z"}, sameAsSent: true},
		{name: "DATE kept before the base was recorded", client: []string{"DUE;VALUE=DATE:20251210"},
			psa: [2]string{"2025-12-10T08:00:00Z", "2025-12-10T08:00:00Z"}, sameAsSent: true},
		{name: "undated kept before the base was recorded", client: nil,
			psa: [2]string{"2025-06-01T12:00:00Z", "2025-06-01T12:00:00Z"}, sameAsSent: true},
		{name: "DATE moved to a time of day", client: []string{"DUE;VALUE=DATE:20251210"}, base: [2]string{"2025-12-10T08:00:00Z", "2025-12-10T08:00:00Z"},
			psa:  [2]string{"2025-12-10T17:00:00Z", "2025-12-10T17:00:00Z"},
			want: []string{"DUE;TZID=America/Los_Angeles:20251210T090000", "BEGIN:VTIMEZONE", "TZID:America/Los_Angeles"}, not: []string{"DTSTART", "VALUE=DATE"}},
		{name: "DATE start and DURATION moved by a day", client: []string{"DTSTART;VALUE=DATE:20251210", "DURATION:P2D"},
			base: [2]string{"2025-12-10T08:00:00Z", "2025-12-12T08:00:00Z"}, psa: [2]string{"2025-12-11T08:00:00Z", "2025-12-13T08:00:00Z"},
			want: []string{"DTSTART;VALUE=DATE:20251211", "DURATION:P2D"}, not: []string{"DUE", "BEGIN:VTIMEZONE"}},
		{name: "DATE start and DURATION moved to a time", client: []string{"DTSTART;VALUE=DATE:20251210", "DURATION:P1D"},
			base: [2]string{"2025-12-10T08:00:00Z", "2025-12-11T08:00:00Z"}, psa: [2]string{"2025-12-10T17:00:00Z", "2025-12-10T18:30:00Z"},
			want: []string{"DTSTART;TZID=America/Los_Angeles:20251210T090000", "DURATION:PT1H30M"}, not: []string{"DUE", "VALUE=DATE"}},
		{name: "start only, the PSA gives it a length", client: []string{"DTSTART:20251210T100000Z"},
			base: [2]string{"2025-12-10T10:00:00Z", "2025-12-10T10:00:00Z"}, psa: [2]string{"2025-12-10T11:00:00Z", "2025-12-10T12:00:00Z"},
			want: []string{"DTSTART:20251210T110000Z", "DUE;TZID=America/Los_Angeles:20251210T040000"}},
		{name: "floating due moved", client: []string{"DUE:20251210T170000"}, base: [2]string{"2025-12-11T01:00:00Z", "2025-12-11T01:00:00Z"},
			psa: [2]string{"2025-12-11T02:00:00Z", "2025-12-11T02:00:00Z"}, want: []string{"DUE:20251210T180000"}, not: []string{"TZID", "DTSTART"}},
		{name: "in process stays while the PSA has it open", client: []string{"STATUS:IN-PROCESS", "PERCENT-COMPLETE:40"},
			psa: [2]string{"2025-06-01T12:00:00Z", "2025-06-01T12:00:00Z"}, sameAsSent: true},
		{name: "completed in the PSA", client: []string{"STATUS:IN-PROCESS"}, psa: [2]string{"2025-06-01T12:00:00Z", "2025-06-01T12:00:00Z"},
			done: &done, want: []string{"STATUS:COMPLETED", "COMPLETED:20251212T180000Z", "PERCENT-COMPLETE:100"}, not: []string{"IN-PROCESS", "DTSTART"}},
		{name: "re-opened in the PSA", client: []string{"STATUS:COMPLETED", "COMPLETED:20251201T000000Z"}, psa: [2]string{"2025-06-01T12:00:00Z", "2025-06-01T12:00:00Z"},
			want: []string{"STATUS:NEEDS-ACTION"}, not: []string{"COMPLETED:", "DTSTART"}},
	}
	for _, c := range cases {
		sent := clientToDo(c.client...)
		o := mustParse(t, sent, loc)
		data := string(sent)
		if c.base[0] != "" {
			var err error
			if data, err = KeepClientObject(o, sent, PSATimes{utc(c.base[0]), utc(c.base[1])}); err != nil {
				t.Fatal(err)
			}
		}
		out, err := OverlayClientToDo(renderedToDo(t, loc, c.psa[0], c.psa[1], c.done), data, loc)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.sameAsSent && string(out) != string(sent) {
			t.Errorf("%s: served\n%s\nwant what was sent", c.name, out)
		}
		hasAll(t, c.name, out, append(c.want, "SUMMARY:Mine", "UID:client-1"), c.not)
		mustParse(t, out, loc)
	}
}

func TestKeptWithForms(t *testing.T) {
	loc := berlin(t)
	appt, _ := served(t)
	base := PSATimes{utc("2025-06-02T08:00:00Z"), utc("2025-06-02T09:00:00Z")}
	// psadav's own form is not kept.
	if kept, err := KeptWithForms("", mustParse(t, appt, loc), base); err != nil || kept != "" {
		t.Fatalf("render form kept: %v %q", err, kept)
	}
	// A UTC form is the client's own for a user in Berlin: kept, and served
	// while the PSA keeps the times; moved, in UTC still.
	inUTC := edit(appt, "DTSTART;TZID=Europe/Berlin:20250602T100000", "DTSTART:20250602T080000Z",
		"DTEND;TZID=Europe/Berlin:20250602T110000", "DTEND:20250602T090000Z")
	kept, err := KeptWithForms("", mustParse(t, inUTC, loc), base)
	if err != nil || !strings.Contains(kept, "X-PSADAV-PSA-TIMES:20250602T080000Z/20250602T090000Z") {
		t.Fatalf("UTC form: %v\n%s", err, kept)
	}
	merged, err := MergeKeptCalendar(appt, kept, loc)
	if err != nil {
		t.Fatal(err)
	}
	hasAll(t, "UTC form served", merged, []string{"DTSTART:20250602T080000Z", "DTEND:20250602T090000Z"}, []string{"TZID", "X-PSADAV"})
	later, _ := RenderAppointment(AppointmentView{Appointment: Appointment{ID: 77, Title: "Review",
		StartDateTime: utc("2025-06-05T08:00:00Z"), EndDateTime: utc("2025-06-05T09:30:00Z")}}, CalendarContext{Location: loc})
	merged, err = MergeKeptCalendar(later, kept, loc)
	if err != nil {
		t.Fatal(err)
	}
	hasAll(t, "UTC form moved", merged, []string{"DTSTART:20250605T080000Z", "DTEND:20250605T093000Z"}, []string{"TZID", "X-PSADAV"})
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "PT0S", 90 * time.Minute: "PT1H30M", 24 * time.Hour: "P1D",
		26 * time.Hour: "P1DT2H", 45 * time.Second: "PT45S", 49*time.Hour + time.Second: "P2DT1H1S"} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %s, want %s", d, got, want)
		}
	}
}

// TestRenderClientEventKeepsDuration: a series with DURATION whose one
// occurrence the PSA moved gets an override with DURATION, not DTEND.
func TestRenderClientEventKeepsDuration(t *testing.T) {
	loc := berlin(t)
	body := crlf("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VEVENT", "UID:s", "DTSTAMP:20250101T000000Z",
		"DTSTART;TZID=Europe/Berlin:20250602T090000", "DURATION:PT30M", "RRULE:FREQ=DAILY;COUNT=3", "SUMMARY:Daily", "END:VEVENT", "END:VCALENDAR")
	out, err := RenderClientEvent(body, loc, []SeriesLink{{RecurrenceID: utc("2025-06-03T07:00:00Z"),
		Start: utc("2025-06-03T08:00:00Z"), End: utc("2025-06-03T08:45:00Z"), Title: "Daily"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hasAll(t, "series with a moved occurrence", out, []string{"RECURRENCE-ID;TZID=Europe/Berlin:20250603T090000",
		"DTSTART;TZID=Europe/Berlin:20250603T100000", "DURATION:PT45M", "DURATION:PT30M"}, []string{"DTEND"})
}

func TestTimeBounds(t *testing.T) {
	loc := la(t)
	if _, _, ok := mustParse(t, clientToDo(), loc).TimeBounds(); ok {
		t.Error("an undated to-do has time bounds")
	}
	if _, _, ok := mustParse(t, clientToDo("COMPLETED:20251201T000000Z", "CREATED:20251101T000000Z"), loc).TimeBounds(); ok {
		t.Error("a to-do with only COMPLETED and CREATED has time bounds")
	}
	s, e, ok := mustParse(t, clientToDo("DUE;VALUE=DATE:20251210"), loc).TimeBounds()
	if !ok || e == nil || s != utc("2025-12-10T08:00:00Z").Unix() || *e != s {
		t.Errorf("a date-only due in Los Angeles: %v %v %v", s, e, ok)
	}
}
