package mapping

import (
	"strings"
	"testing"
	"time"
)

func calendarOf(lines ...string) []byte {
	return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VCALENDAR\r\n")
}

// Seen: an expanded all-day series carried RECURRENCE-ID as a UTC
// date-time; RFC 4791 §9.6.5 keeps the DTSTART's value type, a DATE.
// Across a change of the floating zone's offset the dates stay whole days.
func TestExpandAllDaySeries(t *testing.T) {
	body := calendarOf("BEGIN:VEVENT", "UID:allday-1", "DTSTAMP:20250101T000000Z",
		"DTSTART;VALUE=DATE:20250320", "DTEND;VALUE=DATE:20250321", "RRULE:FREQ=WEEKLY;COUNT=4", "SUMMARY:Off",
		"END:VEVENT",
		"BEGIN:VEVENT", "UID:allday-1", "DTSTAMP:20250101T000000Z", "RECURRENCE-ID;VALUE=DATE:20250403",
		"DTSTART;VALUE=DATE:20250404", "DTEND;VALUE=DATE:20250405", "SUMMARY:Off (moved)", "END:VEVENT")
	ex, err := mustParse(t, body, berlin(t)).Expand(utc("2025-03-01T00:00:00Z"), utc("2025-05-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	e := string(ex)
	for _, want := range []string{
		"RECURRENCE-ID;VALUE=DATE:20250320", "RECURRENCE-ID;VALUE=DATE:20250327", "RECURRENCE-ID;VALUE=DATE:20250403",
		"RECURRENCE-ID;VALUE=DATE:20250410", "DTSTART;VALUE=DATE:20250327", "DTEND;VALUE=DATE:20250328",
		"DTSTART;VALUE=DATE:20250410", "DTEND;VALUE=DATE:20250411", "DTSTART;VALUE=DATE:20250404",
	} {
		if !strings.Contains(e, want) {
			t.Errorf("no %s in\n%s", want, e)
		}
	}
	if strings.Contains(e, "RECURRENCE-ID:2025") || strings.Count(e, "BEGIN:VEVENT") != 4 {
		t.Errorf("expanded:\n%s", e)
	}
}

// dailyStandup is six daily 9:00 standups from 3 March 2025, those from
// the 5th moved to 14:00 for 30 minutes and renamed by a THISANDFUTURE
// override.
func dailyStandup(later string) []byte {
	return calendarOf("BEGIN:VEVENT", "UID:taf-1", "DTSTAMP:20250101T000000Z",
		"DTSTART:20250303T090000Z", "DTEND:20250303T100000Z", "RRULE:FREQ=DAILY;COUNT=6", "SUMMARY:Standup",
		"END:VEVENT",
		"BEGIN:VEVENT", "UID:taf-1", "DTSTAMP:20250101T000000Z", "RECURRENCE-ID;RANGE=THISANDFUTURE:20250305T090000Z",
		"DTSTART:20250305T140000Z", "DTEND:20250305T143000Z", "SUMMARY:"+later, "END:VEVENT")
}

// Seen: an override with RANGE=THISANDFUTURE changed only its own
// instance. RFC 5545 §3.2.13: it stands for every later instance too, moved
// as far as it moved — in expansion and in time-range matching.
func TestThisAndFutureOverride(t *testing.T) {
	o := mustParse(t, dailyStandup("Standup (afternoon)"), nil)
	ex, err := o.Expand(utc("2025-03-01T00:00:00Z"), utc("2025-04-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	e := string(ex)
	for _, want := range []string{
		"DTSTART:20250304T090000Z", // before the override: as the master
		"RECURRENCE-ID:20250306T090000Z", "DTSTART:20250306T140000Z", "DTEND:20250306T143000Z",
		"DTSTART:20250308T140000Z", "DTEND:20250308T143000Z",
	} {
		if !strings.Contains(e, want) {
			t.Errorf("no %q in\n%s", want, e)
		}
	}
	if n := strings.Count(e, "SUMMARY:Standup (afternoon)"); n != 4 {
		t.Errorf("%d afternoon instances, want 4:\n%s", n, e)
	}
	if strings.Contains(e, "DTSTART:20250307T090000Z") || strings.Contains(e, "RANGE=") {
		t.Errorf("a later instance kept the master's time:\n%s", e)
	}
	// Time ranges see the moved instances: the afternoon of the 7th holds
	// one, its morning none.
	if got := o.Instances(utc("2025-03-07T13:00:00Z"), utc("2025-03-07T15:00:00Z")); !anyOverlaps(got, utc("2025-03-07T13:00:00Z"), utc("2025-03-07T15:00:00Z")) {
		t.Error("no instance in the afternoon of the 7th")
	}
	if got := o.Instances(utc("2025-03-07T08:00:00Z"), utc("2025-03-07T11:00:00Z")); anyOverlaps(got, utc("2025-03-07T08:00:00Z"), utc("2025-03-07T11:00:00Z")) {
		t.Error("an instance in the morning of the 7th")
	}
}

func anyOverlaps(ins []Instance, from, to time.Time) bool {
	for _, in := range ins {
		if in.overlaps(from, to) {
			return true
		}
	}
	return false
}

// An occurrence the PSA moved that a THISANDFUTURE override stands for
// becomes an override of its own, a copy of that override; the range
// override stays for the others.
func TestThisAndFutureOccurrenceMovedInPSA(t *testing.T) {
	out, err := RenderClientEvent(dailyStandup("Later"), time.UTC, []SeriesLink{{RecurrenceID: utc("2025-03-07T09:00:00Z"),
		Start: utc("2025-03-07T16:00:00Z"), End: utc("2025-03-07T16:30:00Z"), Title: "Later"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := mustParse(t, out, nil)
	if len(o.Overrides) != 2 {
		t.Fatalf("overrides:\n%s", out)
	}
	ex, _ := o.Expand(utc("2025-03-07T00:00:00Z"), utc("2025-03-09T00:00:00Z"))
	e := string(ex)
	if !strings.Contains(e, "DTSTART:20250307T160000Z") || !strings.Contains(e, "DTSTART:20250308T140000Z") || strings.Count(e, "SUMMARY:Later") != 2 {
		t.Fatalf("moved occurrence:\n%s\nexpanded:\n%s", out, e)
	}
}
