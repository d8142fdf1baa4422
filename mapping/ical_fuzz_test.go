package mapping

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

// Fuzzing the iCalendar reader and the rules over it: no input may panic,
// and whatever is accepted must encode, read back and be judged the same.
// The seed corpus is every client fixture and golden file plus bodies that
// once broke go-ical's decoder; `go test` runs the seeds.

func addCorpus(f *testing.F) {
	for _, dir := range []string{"testdata/clients", "testdata/golden"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.ics"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, s := range []string{
		"BEGIN:VCALENDAR\r\nX;A=b",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=\"x:y\":20250101T000000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20250101T000000Z\r\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:a\r\nDURATION:PT1H\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=X:20250101T000000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	} {
		f.Add([]byte(s))
	}
}

func FuzzParseCalendarObject(f *testing.F) {
	addCorpus(f)
	loc, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := ParseCalendarObject(body, loc)
		if err != nil {
			if _, ok := err.(*Refusal); !ok {
				t.Fatalf("error is not a refusal: %T %v", err, err)
			}
			return
		}
		out, err := EncodeCalendar(o.Cal)
		if err != nil {
			t.Fatalf("accepted but cannot encode: %v", err)
		}
		again, err := ParseCalendarObject(out, loc)
		if err != nil {
			t.Fatalf("encoded object does not parse back: %v\n%s", err, out)
		}
		from, to := now.AddDate(0, -3, 0), now.AddDate(1, 0, 0)
		o.Occurrences(from, to)
		o.Span()
		o.BusyPeriods(from, to)
		if _, err := o.Expand(from, to); err != nil {
			t.Fatalf("expand: %v", err)
		}
		u, err := PSAItemUpdate(again, o, ItemRules{Times: true, CompleteToDos: true}, now)
		if err != nil || u.Start != nil || u.End != nil || u.Complete != nil || u.Reopen {
			t.Fatalf("an object judged against itself changed: %+v %v", u, err)
		}
		// Judged as a read-only item whose rendering it is: no change.
		if ro, err := PSAItemUpdate(again, o, ItemRules{Rendered: again}, now); err != nil || ro.TimesDiscarded ||
			slices.ContainsFunc(ro.Discarded, func(p string) bool { return p != ical.PropRecurrenceRule }) {
			t.Fatalf("an object judged against itself as read-only changed: %+v %v", ro, err)
		}
		if u.Kept != "" {
			if _, err := MergeKeptCalendar(out, u.Kept, loc); err != nil {
				t.Fatalf("merging kept properties: %v", err)
			}
		}
		// The object's date forms kept, then merged into a "rendering" that
		// has moved (itself an hour later).
		base := psaTimesOf(again)
		kept, err := KeptWithForms(u.Kept, o, base)
		if err != nil {
			t.Fatalf("keeping date forms: %v", err)
		}
		if _, err := MergeKeptCalendar(out, kept, loc); err != nil {
			t.Fatalf("merging kept date forms: %v", err)
		}
		if o.Kind == "VTODO" {
			ClientToDoFields(o, true, now)
			data, err := KeepClientObject(again, out, PSATimes{base.Start.Add(-time.Hour), base.End.Add(-time.Hour)})
			if err != nil {
				t.Fatalf("keeping the client's object: %v", err)
			}
			served, err := OverlayClientToDo(out, data, loc)
			if err != nil {
				t.Fatalf("overlay: %v", err)
			}
			if _, err := ParseCalendarObject(served, loc); err != nil {
				t.Fatalf("overlay served an object that does not parse: %v\n%s", err, served)
			}
		}
	})
}
