package mapping

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/teambition/rrule-go"
)

// Expanding in a calendar moved by whole 400-year cycles must give exactly
// what rrule-go gives in the real one: the same weekdays, leap days, week
// numbers and set positions.
func TestShiftedExpansionIsExact(t *testing.T) {
	rules := []string{
		"FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;WKST=SU",
		"FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH", "FREQ=YEARLY;BYYEARDAY=366",
		"FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
		"FREQ=MONTHLY;INTERVAL=7;BYDAY=2SU", "FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0,30", "FREQ=YEARLY;BYWEEKNO=1,-1;BYDAY=MO",
		"FREQ=MONTHLY;COUNT=40;BYMONTHDAY=-1", "FREQ=WEEKLY;UNTIL=20400101T000000Z", "FREQ=YEARLY;BYDAY=20MO",
	}
	starts := []time.Time{
		time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 8, 0, 0, 0, time.UTC),
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 12, 31, 23, 30, 0, 0, time.UTC),
	}
	for _, rule := range rules {
		for _, start := range starts {
			horizon := start.AddDate(60, 0, 0)
			opt, err := rrule.StrToROption(rule)
			if err != nil {
				t.Fatal(err)
			}
			opt.Dtstart = start
			direct, err := rrule.NewRRule(*opt)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			next := direct.Iterator()
			for t, ok := next(); ok && !t.After(horizon) && len(want) < 500; t, ok = next() {
				want = append(want, t.Format(time.RFC3339))
			}
			rec, err := parseRecurrence(rule, start, false, locZone{time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			next = rec.iterator(false)
			for t, ok := next(); ok && !t.After(horizon) && len(got) < 500; t, ok = next() {
				got = append(got, t.Format(time.RFC3339))
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s from %s:\n got %d %.300v\nwant %d %.300v", rule, start, len(got), got, len(want), want)
			}
		}
	}
}

// event is a VEVENT at 2 June 2025 08:00 UTC with the given lines.
func event(lines ...string) []byte {
	return crlf(append(append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VEVENT", "UID:a",
		"DTSTAMP:20250101T000000Z", "DTSTART:20250602T080000Z", "DTEND:20250602T083000Z"}, lines...), "END:VEVENT", "END:VCALENDAR")...)
}

func numbers(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i)
	}
	return strings.Join(parts, ",")
}

// Rules stored before the limits (or written to cost as much as possible)
// cost every later report a bounded walk, and show at least their
// DTSTART. The times are logged, not asserted; BenchmarkExpandStoredRule
// measures them.
func TestStoredRulesStayBounded(t *testing.T) {
	from, to := utc("2025-06-01T00:00:00Z"), utc("2025-07-01T00:00:00Z")
	cases := []struct {
		name, rule string
		want       int // instances in June 2025
	}{
		{"30 February", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", 1},
		{"30 February, yearly", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", 1},
		{"every second of every day", "RRULE:FREQ=DAILY;BYHOUR=" + numbers(24) + ";BYMINUTE=" + numbers(60) + ";BYSECOND=" + numbers(60), 1},
		{"every second, yearly", "RRULE:FREQ=YEARLY;BYHOUR=" + numbers(24) + ";BYMINUTE=" + numbers(60) + ";BYSECOND=" + numbers(60), 1},
		{"repeated values", "RRULE:FREQ=DAILY;BYHOUR=8" + strings.Repeat(",8", 2000) + ";BYMINUTE=0" + strings.Repeat(",0", 2000), 29},
		{"a billion days", "RRULE:FREQ=DAILY;COUNT=1000000000", 29},
		{"BYEASTER out of range", "RRULE:FREQ=YEARLY;BYEASTER=100000", 1},
		{"a huge interval", "RRULE:FREQ=DAILY;INTERVAL=999999999999", 1},
		{"every set position of an impossible set", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS=" + numbers(367)[2:], 1},
		{"hourly", "RRULE:FREQ=HOURLY", 1},
		{"secondly, impossible", "RRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30", 1},
	}
	for _, c := range cases {
		start := time.Now()
		o := mustParse(t, event(c.rule), time.UTC)
		n := len(o.Occurrences(from, to))
		o.Span()
		o.BusyPeriods(from, to)
		if _, err := o.Expand(from, to); err != nil {
			t.Errorf("%s: expand: %v", c.name, err)
		}
		link := SeriesLink{RecurrenceID: utc("2025-06-20T08:00:00Z"), Start: utc("2025-06-20T09:00:00Z"), End: utc("2025-06-20T09:30:00Z")}
		if _, err := RenderClientEvent(event(c.rule), time.UTC, []SeriesLink{link}, nil); err != nil {
			t.Errorf("%s: render: %v", c.name, err)
		}
		t.Logf("%s: %d instances in June, every expansion in %v", c.name, n, time.Since(start).Round(time.Microsecond))
		if n != c.want {
			t.Errorf("%s: %d instances in June 2025, want %d", c.name, n, c.want)
		}
	}
	// A series that began long ago is walked from its start, up to
	// maxVisits instances: a daily one from 1800 still reaches 2025.
	o := mustParse(t, bytesReplace(event("RRULE:FREQ=DAILY"), "20250602T08", "18000602T08"), time.UTC)
	if n := len(o.Occurrences(from, to)); n != 30 {
		t.Errorf("a daily series from 1800: %d instances in June 2025", n)
	}
	// One from the year 1000 has more instances before 2025 than a walk
	// visits: it shows none there, quickly.
	o = mustParse(t, bytesReplace(event("RRULE:FREQ=DAILY"), "20250602T08", "10000602T08"), time.UTC)
	start := time.Now()
	if n := len(o.Occurrences(from, to)); n != 0 {
		t.Errorf("a daily series from the year 1000: %d instances in June 2025", n)
	}
	t.Logf("a daily series from the year 1000, June 2025: %v", time.Since(start).Round(time.Microsecond))
}

func bytesReplace(b []byte, old, new string) []byte {
	return []byte(strings.ReplaceAll(string(b), old, new))
}

// BenchmarkExpandStoredRule is a calendar-query's work on one stored
// series: parse it and list its instances in a month. (It uses only what
// the code before the expansion budget had, to compare the two.)
func BenchmarkExpandStoredRule(b *testing.B) {
	for _, c := range []struct{ name, rule string }{
		{"weekly", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE"},
		{"30-february-daily", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"},
		{"30-february-yearly", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
		{"daily-since-1990", "RRULE:FREQ=DAILY"},
	} {
		body := event(c.rule)
		if c.name == "daily-since-1990" {
			body = bytesReplace(body, "20250602T08", "19900602T08")
		}
		from, to := utc("2025-06-01T00:00:00Z"), utc("2025-07-01T00:00:00Z")
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				o, err := ParseCalendarObject(body, time.UTC)
				if err != nil {
					b.Fatal(err)
				}
				o.Instances(from, to)
			}
		})
	}
}

// A VTIMEZONE observance's rule is expanded at every conversion of a time
// in its zone: one that never happens (30 February) walked to the year
// 9999 each time, seconds for a series of ten. It is walked once now, must
// repeat yearly, and an object has at most maxZoneRules of them.
func TestVTimezoneRulesBounded(t *testing.T) {
	zone := func(rules ...string) []string {
		lines := []string{"BEGIN:VTIMEZONE", "TZID:X"}
		for _, r := range rules {
			lines = append(lines, "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0100", r, "END:STANDARD")
		}
		return append(lines, "END:VTIMEZONE")
	}
	body := func(z []string) []byte {
		lines := append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x"}, z...)
		return crlf(append(lines, "BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z", "DTSTART;TZID=X:20250602T080000",
			"DTEND;TZID=X:20250602T083000", "RRULE:FREQ=WEEKLY;COUNT=10", "END:VEVENT", "END:VCALENDAR")...)
	}
	start := time.Now()
	o := mustParse(t, body(zone("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")), time.UTC)
	occ := o.Occurrences(time.Time{}, time.Time{})
	t.Logf("ten instances in a zone whose rule never happens: %v", time.Since(start).Round(time.Microsecond))
	if len(occ) != 10 || !occ[0].Start.Equal(utc("2025-06-02T07:00:00Z")) {
		t.Fatalf("occurrences %+v", occ)
	}
	if _, err := ParseCalendarObject(body(zone("RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")), time.UTC); refusalCode(err) != RefuseInvalidData {
		t.Errorf("a daily observance: %v", err)
	}
	many := make([]string, maxZoneRules+1)
	for i := range many {
		many[i] = "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"
	}
	if _, err := ParseCalendarObject(body(zone(many...)), time.UTC); refusalCode(err) != RefuseInvalidData {
		t.Errorf("%d recurring observances: %v", len(many), err)
	}
}
