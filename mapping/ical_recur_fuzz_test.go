package mapping

import (
	"strings"
	"testing"
	"time"
)

// FuzzClientRRule: whatever rule a client writes, from whatever start,
// judging it and everything a request does with it (instances for a
// calendar-query, its span, free-busy, expansion, serving it back with
// PSA changes) returns within the expansion budget: one second for all of
// them together, which is what a request may spend on one series (README:
// Limits on what clients write). `go test` runs the seeds; run it with
// `go test -fuzz FuzzClientRRule ./mapping`.
func FuzzClientRRule(f *testing.F) {
	for _, rule := range []string{
		"FREQ=DAILY;BYHOUR=" + numbers(24) + ";BYMINUTE=" + numbers(60) + ";BYSECOND=" + numbers(60),
		"FREQ=DAILY;COUNT=1000000000",
		"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYSETPOS=" + numbers(63)[2:],
		"FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH;BYMONTH=1",
		"FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=1000",
		"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20260101T000000Z",
		"FREQ=YEARLY;BYEASTER=-100000",
		"FREQ=SECONDLY;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
		"FREQ=DAILY;INTERVAL=9223372036854775807",
		"FREQ=YEARLY;BYYEARDAY=" + numbers(63)[2:] + ";BYMONTH=2;BYMONTHDAY=31",
	} {
		f.Add(rule, int64(0), false, "")
		f.Add(rule, int64(-700*365*24*3600), true, "20250602T100000Z,20250602T110000Z")
	}
	from, to := utc("2025-03-03T00:00:00Z"), utc("2026-06-01T00:00:00Z")
	lim := SeriesLimits{MinGap: 24 * time.Hour, MaxInWindow: 400, From: from, To: to}
	f.Fuzz(func(t *testing.T, rule string, offset int64, date bool, rdate string) {
		if strings.ContainsAny(rule+rdate, "\r\n") {
			return // another property, not this rule
		}
		start := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC).Add(time.Duration(offset%(8000*365*24*3600)) * time.Second)
		dtstart := "DTSTART:" + start.Format("20060102T150405Z")
		if date {
			dtstart = "DTSTART;VALUE=DATE:" + start.Format("20060102")
		}
		lines := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z",
			dtstart, "RRULE:" + rule}
		if rdate != "" {
			lines = append(lines, "RDATE:"+rdate)
		}
		body := crlf(append(lines, "END:VEVENT", "END:VCALENDAR")...)
		o, err := ParseCalendarObject(body, time.UTC)
		if err != nil {
			return
		}
		begin := time.Now()
		judged := o.JudgeSeries(lim)
		o.Instances(from, to)
		o.Span()
		o.BusyPeriods(from, to)
		if _, err := o.Expand(from, to); err != nil {
			t.Fatalf("expand: %v", err)
		}
		link := SeriesLink{RecurrenceID: utc("2025-09-01T08:00:00Z"), Start: utc("2025-09-01T09:00:00Z"), End: utc("2025-09-01T10:00:00Z")}
		if _, err := RenderClientEvent(body, time.UTC, []SeriesLink{link}, nil); err != nil {
			t.Fatalf("render: %v", err)
		}
		if d := time.Since(begin); d > time.Second {
			t.Fatalf("RRULE:%s from %s (judged: %v) took %v", rule, dtstart, judged, d)
		}
		if judged != nil {
			if r, ok := judged.(*Refusal); !ok || r.Code != RefuseRecurrence {
				t.Fatalf("judged with %T %v", judged, judged)
			}
		}
	})
}
