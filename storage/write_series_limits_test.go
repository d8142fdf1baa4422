package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// list is "0,1,…,n-1".
func list(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i)
	}
	return strings.Join(parts, ",")
}

// A client's rule is judged by what it expands to (README: Limits on what
// clients write). The first three are the rules seen as weapons: accepted
// after a minute of server time, thousands of PSA creates queued, or an
// impossible rule every later REPORT paid for.
func TestClientRulesJudgedByWhatTheyExpandTo(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		refused := []struct{ name, rule string }{
			{"every second of every day", "RRULE:FREQ=DAILY;BYHOUR=" + list(24) + ";BYMINUTE=" + list(60) + ";BYSECOND=" + list(60)},
			{"a billion days", "RRULE:FREQ=DAILY;COUNT=1000000000"},
			{"30 February", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"},
			{"twice a day", "RRULE:FREQ=DAILY;BYHOUR=9,17;COUNT=10"},
			{"hourly", "RRULE:FREQ=HOURLY;COUNT=5"},
			{"two RDATEs on one day", "RDATE:20250610T080000Z,20250610T090000Z"},
			{"a rule whose instances are all excluded", "RRULE:FREQ=DAILY;COUNT=2\nEXDATE:20250602T080000Z,20250603T080000Z"},
		}
		for _, c := range refused {
			start := time.Now()
			_, err := f.put(t, f.alice, f.aliceCal, "rule.ics", vevent("rule", "SUMMARY:x", "DTSTART:20250602T080000Z",
				"DTEND:20250602T083000Z", c.rule))
			t.Logf("%s: answered in %v: %v", c.name, time.Since(start).Round(time.Millisecond), err)
			if r := refusal(err); r == nil || r.Code != mapping.RefuseRecurrence {
				t.Errorf("%s: %v, want a recurrence refusal", c.name, err)
			}
		}
		if f.get(t, f.aliceCal, "rule.ics") != "" || len(f.outbox(t, mapping.EntityAppointments)) != 0 {
			t.Fatal("a refused rule left an object or queued write-backs")
		}
		// An override is an instance too: one moved next to another is
		// refused when no rule instance stands in its place.
		orphan := vevent("rule", "SUMMARY:x", "DTSTART:20250602T080000Z", "DTEND:20250602T083000Z", "RRULE:FREQ=WEEKLY;COUNT=3") +
			""
		orphan = strings.Replace(orphan, "END:VCALENDAR", "BEGIN:VEVENT\nUID:rule\nDTSTAMP:20250601T000000Z\nRECURRENCE-ID:20250602T120000Z\n"+
			"DTSTART:20250602T120000Z\nDTEND:20250602T123000Z\nSUMMARY:extra\nEND:VEVENT\nEND:VCALENDAR", 1)
		if _, err := f.put(t, f.alice, f.aliceCal, "rule.ics", orphan); refusal(err) == nil || refusal(err).Code != mapping.RefuseRecurrence {
			t.Errorf("an extra instance as an override: %v", err)
		}
		// Ordinary series pass: weekdays, a daily one that ends, one that
		// does not (366 instances in the window ahead: within the default
		// 400), a moved instance of a daily one (its slot stays where the
		// rule put it).
		ok := []string{
			"RRULE:FREQ=DAILY",
			"RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
			"RRULE:FREQ=DAILY;COUNT=30",
			"RRULE:FREQ=YEARLY",
			"RRULE:FREQ=MONTHLY;BYDAY=-1FR",
		}
		for i, rule := range ok {
			href := fmt.Sprintf("ok-%d.ics", i)
			if _, err := f.put(t, f.alice, f.aliceCal, href, vevent(href, "SUMMARY:x", "DTSTART:20250602T080000Z", "DTEND:20250602T083000Z", rule)); err != nil {
				t.Errorf("%s: %v", rule, err)
			}
			*f.clock = f.clock.Add(time.Hour) // each series leaves the next the hour's write budget
		}
		moved := vevent("moved", "SUMMARY:x", "DTSTART:20250602T080000Z", "DTEND:20250602T083000Z", "RRULE:FREQ=DAILY;COUNT=5")
		moved = strings.Replace(moved, "END:VCALENDAR", "BEGIN:VEVENT\nUID:moved\nDTSTAMP:20250601T000000Z\nRECURRENCE-ID:20250603T080000Z\n"+
			"DTSTART:20250603T100000Z\nDTEND:20250603T103000Z\nSUMMARY:later\nEND:VEVENT\nEND:VCALENDAR", 1)
		if _, err := f.put(t, f.alice, f.aliceCal, "moved.ics", moved); err != nil {
			t.Errorf("a daily series with one instance moved by two hours: %v", err)
		}
		// The limits are settings.
		ctx := context.Background()
		must(t, f.s.SetSetting(ctx, "min-occurrence-gap", "8h"))
		if _, err := f.put(t, f.alice, f.aliceCal, "twice.ics", vevent("twice", "SUMMARY:x", "DTSTART:20250602T090000Z",
			"DTEND:20250602T093000Z", "RRULE:FREQ=DAILY;BYHOUR=9,17;COUNT=10")); err != nil {
			t.Errorf("twice a day with min-occurrence-gap 8h: %v", err)
		}
		must(t, f.s.SetSetting(ctx, "max-series-occurrences", "300"))
		daily := vevent("daily", "SUMMARY:x", "DTSTART:20250602T080000Z", "DTEND:20250602T083000Z", "RRULE:FREQ=DAILY")
		_, err := f.put(t, f.alice, f.aliceCal, "daily.ics", daily)
		if r := refusal(err); r == nil || !strings.Contains(r.Message, "max-series-occurrences") {
			t.Fatalf("every day without end under max-series-occurrences 300: %v", err)
		}
		*f.clock = f.clock.Add(time.Hour)
		if _, err := f.put(t, f.alice, f.aliceCal, "daily.ics", strings.Replace(daily, "FREQ=DAILY", "FREQ=DAILY;COUNT=300", 1)); err != nil {
			t.Fatalf("300 days under max-series-occurrences 300: %v", err)
		}
	})
}

// A series stored while the limits were wider keeps working: its client
// may change what is not its dates without being judged again, a change
// of its dates is judged, and the moving window creates no more of its
// appointments than max-series-occurrences.
func TestSeriesStoredBeforeTheLimits(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		creates := func() int {
			n := 0
			for _, e := range f.outbox(t, mapping.EntityAppointments) {
				if e.Op == storage.OpCreate {
					n++
				}
			}
			return n
		}
		must(t, f.s.SetSetting(ctx, "max-series-occurrences", "1000"))
		daily := vevent("daily", "SUMMARY:Pills", "DTSTART:20250602T080000Z", "DTEND:20250602T081500Z", "RRULE:FREQ=DAILY")
		_, err := f.put(t, f.alice, f.aliceCal, "daily.ics", daily)
		must(t, err)
		before := creates()
		if before != 365 {
			t.Fatalf("%d appointments for a daily series from tomorrow over the window", before)
		}
		must(t, f.s.SetSetting(ctx, "max-series-occurrences", "300"))
		*f.clock = f.clock.Add(2 * time.Hour) // out of the hour's write budget
		if _, err := f.put(t, f.alice, f.aliceCal, "daily.ics", strings.Replace(daily, "Pills", "Vitamins", 1)); err != nil {
			t.Fatalf("a new title for a series stored before the limit: %v", err)
		}
		if n := creates(); n != before {
			t.Fatalf("the new title created %d appointments", n-before)
		}
		_, err = f.put(t, f.alice, f.aliceCal, "daily.ics", strings.NewReplacer("T080000Z", "T090000Z", "T081500Z", "T091500Z").Replace(daily))
		if r := refusal(err); r == nil || r.Code != mapping.RefuseRecurrence {
			t.Fatalf("a new time for it: %v", err)
		}
		// Ten days on, the window holds ten more of its days: none is sent.
		*f.clock = f.clock.AddDate(0, 0, 10)
		_, err = f.s.AdvanceCalendarWindow(ctx)
		must(t, err)
		if n := creates(); n != before {
			t.Fatalf("the moving window created %d appointments over the limit", n-before)
		}
		// Under a wider limit again, it catches up.
		must(t, f.s.SetSetting(ctx, "max-series-occurrences", "1000"))
		_, err = f.s.AdvanceCalendarWindow(ctx)
		must(t, err)
		if n := creates(); n != before+10 {
			t.Fatalf("after widening the limit: %d new appointments, want 10", n-before)
		}
	})
}
