package mapping

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "clients", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, body []byte, loc *time.Location) *CalendarObject {
	t.Helper()
	o, err := ParseCalendarObject(body, loc)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
	return o
}

func crlf(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n") + "\r\n") }

func TestClientFixtures(t *testing.T) {
	cases := []struct {
		file, kind  string
		start, end  string // first occurrence in UTC
		occurrences int
		private     bool
		free        bool
	}{
		{"ios-event.ics", "VEVENT", "2025-03-12T09:00:00Z", "2025-03-12T10:00:00Z", 1, false, false},
		{"davx5-recurring-private-event.ics", "VEVENT", "2025-03-13T08:00:00Z", "2025-03-13T09:00:00Z", 5, true, false},
		{"thunderbird-allday-free-event.ics", "VEVENT", "2025-03-16T23:00:00Z", "2025-03-18T23:00:00Z", 1, false, true},
		{"outlook-caldavsynchronizer-private-event.ics", "VEVENT", "2025-06-16T12:30:00Z", "2025-06-16T13:30:00Z", 1, true, false},
		{"ios-task-completed.ics", "VTODO", "", "", 0, false, false},
		{"davx5-task.ics", "VTODO", "", "", 0, false, false},
		{"thunderbird-task.ics", "VTODO", "", "", 0, false, false},
		{"outlook-caldavsynchronizer-task.ics", "VTODO", "", "", 0, false, false},
	}
	loc := berlin(t)
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			o := mustParse(t, fixture(t, c.file), loc)
			if o.Kind != c.kind || o.UID == "" {
				t.Fatalf("kind %s uid %q", o.Kind, o.UID)
			}
			if c.kind == "VEVENT" {
				occ := o.Occurrences(time.Time{}, time.Time{})
				if len(occ) != c.occurrences {
					t.Fatalf("%d occurrences, want %d", len(occ), c.occurrences)
				}
				if !occ[0].Start.Equal(utc(c.start)) || !occ[0].End.Equal(utc(c.end)) {
					t.Errorf("first occurrence %s – %s, want %s – %s", occ[0].Start, occ[0].End, c.start, c.end)
				}
				if occ[0].Private != c.private || occ[0].Free != c.free {
					t.Errorf("private %v free %v", occ[0].Private, occ[0].Free)
				}
				if c.private && (occ[0].Title != PrivateTitle || occ[0].Description != "") {
					t.Errorf("private occurrence carries details: %+v", occ[0])
				}
			}
			// What psadav stores of it reads back the same.
			b, err := EncodeCalendar(o.Cal)
			if err != nil {
				t.Fatal(err)
			}
			checkFolded(t, b)
			again := mustParse(t, b, loc)
			if again.UID != o.UID || len(again.Instances(time.Time{}, time.Time{})) != len(o.Instances(time.Time{}, time.Time{})) {
				t.Errorf("round trip changed the object:\n%s", b)
			}
		})
	}
}

func TestRecurrenceAcrossDST(t *testing.T) {
	// Weekly at 09:00 Berlin from 2025-03-20: 08:00 UTC before the change
	// on 30 March, 07:00 after; the EXDATE and the override apply.
	o := mustParse(t, crlf("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VEVENT", "UID:w", "DTSTAMP:20250101T000000Z",
		"DTSTART;TZID=Europe/Berlin:20250320T090000", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;UNTIL=20250417T070000Z",
		"EXDATE;TZID=Europe/Berlin:20250403T090000", "SUMMARY:Weekly", "END:VEVENT",
		"BEGIN:VEVENT", "UID:w", "DTSTAMP:20250101T000000Z", "RECURRENCE-ID;TZID=Europe/Berlin:20250410T090000",
		"DTSTART;TZID=Europe/Berlin:20250410T140000", "DTEND;TZID=Europe/Berlin:20250410T150000", "SUMMARY:Moved", "END:VEVENT",
		"END:VCALENDAR"), time.UTC)
	var got []string
	for _, oc := range o.Occurrences(time.Time{}, time.Time{}) {
		got = append(got, oc.Start.Format("01-02T15:04")+" "+oc.Title)
	}
	want := "03-20T08:00 Weekly|03-27T08:00 Weekly|04-17T07:00 Weekly|04-10T12:00 Moved"
	if strings.Join(got, "|") != want {
		t.Fatalf("occurrences\n%v\nwant\n%v", strings.Join(got, "|"), want)
	}
	start, end := o.Span()
	if !start.Equal(utc("2025-03-20T08:00:00Z")) || end == nil || !end.Equal(utc("2025-04-17T08:00:00Z")) {
		t.Errorf("span %s – %v", start, end)
	}
	// Only what touches a range; an open-ended series has no end.
	if n := len(o.Occurrences(utc("2025-03-26T00:00:00Z"), utc("2025-03-28T00:00:00Z"))); n != 1 {
		t.Errorf("%d occurrences in one week", n)
	}
	open := mustParse(t, crlf("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VEVENT", "UID:o", "DTSTAMP:20250101T000000Z",
		"DTSTART:20250320T090000Z", "RRULE:FREQ=DAILY", "END:VEVENT", "END:VCALENDAR"), time.UTC)
	if _, end := open.Span(); end != nil {
		t.Errorf("open-ended series has end %v", end)
	}
}

func TestOutlookZoneFromVTimezone(t *testing.T) {
	// "W. Europe Standard Time" is no IANA name: the VTIMEZONE decides.
	o := mustParse(t, fixture(t, "outlook-caldavsynchronizer-private-event.ics"), time.UTC)
	start, _, _ := o.Start(o.Master)
	if !start.Equal(utc("2025-06-16T12:30:00Z")) {
		t.Fatalf("summer time start %s", start)
	}
	winter := strings.ReplaceAll(string(fixture(t, "outlook-caldavsynchronizer-private-event.ics")), "20250616T", "20251216T")
	o = mustParse(t, []byte(winter), time.UTC)
	if start, _, _ := o.Start(o.Master); !start.Equal(utc("2025-12-16T13:30:00Z")) {
		t.Fatalf("winter time start %s", start)
	}
}

func refusalCode(err error) RefusalCode {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	return 0
}

func TestParseRefusals(t *testing.T) {
	event := func(extra ...string) []byte {
		lines := append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x"}, extra...)
		return crlf(append(lines, "END:VCALENDAR")...)
	}
	ev := []string{"BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z", "DTSTART:20250101T100000Z", "END:VEVENT"}
	cases := []struct {
		name string
		body []byte
		want RefusalCode
	}{
		{"not iCalendar", []byte("BEGIN:VCARD\r\nEND:VCARD\r\n"), RefuseInvalidData},
		{"empty", nil, RefuseInvalidData},
		{"broken param", []byte("BEGIN:VCALENDAR\r\nX;A=b"), RefuseInvalidData},
		{"unclosed", []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"), RefuseInvalidData},
		{"METHOD", event(append([]string{"METHOD:REQUEST"}, ev...)...), RefuseInvalidObject},
		{"two types", event(append(ev, "BEGIN:VTODO", "UID:a", "DTSTAMP:20250101T000000Z", "END:VTODO")...), RefuseInvalidObject},
		{"two UIDs", event(append(ev, "BEGIN:VEVENT", "UID:b", "DTSTAMP:20250101T000000Z", "DTSTART:20250101T100000Z", "END:VEVENT")...), RefuseInvalidObject},
		{"no UID", event("BEGIN:VEVENT", "DTSTAMP:20250101T000000Z", "DTSTART:20250101T100000Z", "END:VEVENT"), RefuseInvalidObject},
		{"journal", event("BEGIN:VJOURNAL", "UID:a", "DTSTAMP:20250101T000000Z", "END:VJOURNAL"), RefuseUnsupportedComponent},
		{"unknown TZID", event("BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z", "DTSTART;TZID=Mars/Olympus:20250101T100000", "END:VEVENT"), RefuseUnknownTimeZone},
		{"end before start", event("BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z", "DTSTART:20250101T100000Z", "DTEND:20250101T090000Z", "END:VEVENT"), RefuseInvalidData},
		{"bad date", event("BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z", "DTSTART:2025-01-01", "END:VEVENT"), RefuseInvalidData},
		{"bad rule", event("BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z", "DTSTART:20250101T100000Z", "RRULE:FREQ=SOMETIMES", "END:VEVENT"), RefuseInvalidData},
		{"two summaries", event("BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z", "DTSTART:20250101T100000Z", "SUMMARY:a", "SUMMARY:b", "END:VEVENT"), RefuseInvalidData},
		{"no DTSTART", event("BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z", "END:VEVENT"), RefuseInvalidData},
	}
	for _, c := range cases {
		_, err := ParseCalendarObject(c.body, time.UTC)
		if got := refusalCode(err); got != c.want {
			t.Errorf("%s: refusal %d (%v), want %d", c.name, got, err, c.want)
		}
	}
	// An IANA TZID without VTIMEZONE is what clients send: accepted.
	o, err := ParseCalendarObject(event("BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z",
		"DTSTART;TZID=America/New_York:20250101T100000", "END:VEVENT"), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if s, _, _ := o.Start(o.Master); !s.Equal(utc("2025-01-01T15:00:00Z")) {
		t.Errorf("New York start %s", s)
	}
	// Old Thunderbird prefixes the zone name.
	if _, ok := LoadIANA("/mozilla.org/20070129_1/Europe/Berlin"); !ok {
		t.Error("prefixed TZID not recognised")
	}
	for _, bad := range []string{"Local", "", "../../etc/passwd", "/etc/localtime"} {
		if _, ok := LoadIANA(bad); ok {
			t.Errorf("LoadIANA(%q) accepted", bad)
		}
	}
}

// Seen: CalDAVTester's "PUT with relaxed parsing" (an all-day event with
// DURATION:P1DT, as old Apple iCal wrote it) was refused; it is read as
// P1D and stored repaired.
func TestDurationWithEmptyTimePart(t *testing.T) {
	o := mustParse(t, crlf("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", "UID:p1dt",
		"DTSTAMP:20260101T000000Z", "DTSTART;VALUE=DATE:20260427", "DURATION:P1DT", "SUMMARY:all day",
		"END:VEVENT", "END:VCALENDAR"), time.UTC)
	ev := o.Cal.Children[0]
	if v := ev.Props.Get("DURATION").Value; v != "P1D" || !o.repaired {
		t.Fatalf("DURATION %q, repaired %v", v, o.repaired)
	}
	if d, err := ev.Props.Get("DURATION").Duration(); err != nil || d != 24*time.Hour {
		t.Fatalf("duration %v, %v", d, err)
	}
	for _, bad := range []string{"PT", "-PT"} {
		_, err := ParseCalendarObject(crlf("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", "UID:bad",
			"DTSTAMP:20260101T000000Z", "DTSTART:20260427T100000Z", "DURATION:"+bad, "END:VEVENT", "END:VCALENDAR"), time.UTC)
		var ref *Refusal
		if !errors.As(err, &ref) {
			t.Errorf("DURATION:%s accepted: %v", bad, err)
		}
	}
}
