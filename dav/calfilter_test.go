package dav

import (
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
)

// RFC 4791 §9.9, row by row: which components a time-range [start, end)
// selects.
func TestTimeRangeRules(t *testing.T) {
	obj := func(comp string, lines ...string) *mapping.CalendarObject {
		body := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:" + comp + "\r\nUID:u\r\nDTSTAMP:20250101T000000Z\r\n" +
			strings.Join(lines, "\r\n") + "\r\nEND:" + comp + "\r\nEND:VCALENDAR\r\n"
		o, err := mapping.ParseCalendarObject([]byte(body), time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	at := func(h int) time.Time { return time.Date(2025, 6, 2, h, 0, 0, 0, time.UTC) }
	rng := func(a, b int) timeRange { return timeRange{at(a), at(b)} }
	cases := []struct {
		name string
		o    *mapping.CalendarObject
		tr   timeRange
		want bool
	}{
		{"event DTEND overlapping", obj("VEVENT", "DTSTART:20250602T100000Z", "DTEND:20250602T120000Z"), rng(11, 13), true},
		{"event DTEND ends at start", obj("VEVENT", "DTSTART:20250602T100000Z", "DTEND:20250602T120000Z"), rng(12, 13), false},
		{"event DURATION", obj("VEVENT", "DTSTART:20250602T100000Z", "DURATION:PT2H"), rng(8, 11), true},
		{"event zero DURATION at start", obj("VEVENT", "DTSTART:20250602T100000Z", "DURATION:PT0S"), rng(10, 11), true},
		{"event instant at start", obj("VEVENT", "DTSTART:20250602T100000Z"), rng(10, 11), true},
		{"event instant at end", obj("VEVENT", "DTSTART:20250602T100000Z"), rng(9, 10), false},
		{"event all day", obj("VEVENT", "DTSTART;VALUE=DATE:20250602"), rng(23, 24), true},
		{"event all day next day", obj("VEVENT", "DTSTART;VALUE=DATE:20250601"), rng(1, 2), false},
		{"todo DTSTART+DURATION", obj("VTODO", "DTSTART:20250602T100000Z", "DURATION:PT1H"), rng(11, 12), true},
		{"todo DTSTART+DUE", obj("VTODO", "DTSTART:20250602T100000Z", "DUE:20250602T120000Z"), rng(11, 13), true},
		{"todo DTSTART+DUE after", obj("VTODO", "DTSTART:20250602T100000Z", "DUE:20250602T120000Z"), rng(13, 14), false},
		{"todo DTSTART only", obj("VTODO", "DTSTART:20250602T100000Z"), rng(10, 11), true},
		{"todo DTSTART only, before", obj("VTODO", "DTSTART:20250602T100000Z"), rng(8, 10), false},
		{"todo DUE only, at end", obj("VTODO", "DUE:20250602T100000Z"), rng(9, 10), true},
		{"todo DUE only, at start", obj("VTODO", "DUE:20250602T100000Z"), rng(10, 11), false},
		{"todo COMPLETED and CREATED, inside", obj("VTODO", "CREATED:20250602T080000Z", "COMPLETED:20250602T150000Z"), rng(10, 11), true},
		{"todo COMPLETED and CREATED, after", obj("VTODO", "CREATED:20250602T080000Z", "COMPLETED:20250602T150000Z"), rng(16, 17), false},
		{"todo COMPLETED and CREATED spanning", obj("VTODO", "CREATED:20250602T080000Z", "COMPLETED:20250602T150000Z"), rng(7, 9), true},
		{"todo COMPLETED only", obj("VTODO", "COMPLETED:20250602T100000Z"), rng(10, 11), true},
		{"todo CREATED only", obj("VTODO", "CREATED:20250602T100000Z"), rng(9, 10), false},
		{"todo CREATED only, after", obj("VTODO", "CREATED:20250602T100000Z"), rng(9, 11), true},
		{"todo without dates", obj("VTODO", "SUMMARY:x"), rng(1, 2), true},
	}
	for _, c := range cases {
		in := c.o.Instances(time.Time{}, time.Time{})[0]
		if got := instanceInRange(c.o, in, c.tr); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// An alarm 15 minutes before the start.
	o := obj("VEVENT", "DTSTART:20250602T100000Z", "DURATION:PT1H", "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "END:VALARM")
	in := o.Instances(time.Time{}, time.Time{})[0]
	if !alarmInRange(o, in.Comp.Children[0], in, timeRange{at(9), at(10)}) || alarmInRange(o, in.Comp.Children[0], in, timeRange{at(10), at(11)}) {
		t.Error("VALARM time range")
	}
}
