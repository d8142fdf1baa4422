package mapping

import (
	"strings"
	"testing"
)

const selectEvent = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
	"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
	"BEGIN:VEVENT\r\nUID:e1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20260105T100000\r\n" +
	"SUMMARY;LANGUAGE=\"en:GB\":A long summary that is folded over\r\n  two lines\r\n" +
	"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Reminder\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// RFC 4791 §9.6: comp and prop pick what comes back; allprop, allcomp
// and novalue do what they say; what is not named is left out.
func TestSelectContentCalendar(t *testing.T) {
	cases := []struct {
		name      string
		sel       *CompSelection
		has, hasN []string
	}{
		{"all", &CompSelection{Name: "VCALENDAR", AllProps: true, AllComps: true},
			[]string{"VERSION:2.0", "BEGIN:VTIMEZONE", "TZOFFSETTO:+0100", "DTSTAMP", "  two lines", "TRIGGER:-PT15M"}, nil},
		{"event props only", &CompSelection{Name: "VCALENDAR", Comps: []*CompSelection{
			{Name: "VEVENT", Props: []PropSelection{{Name: "UID"}, {Name: "summary"}}},
			{Name: "VTIMEZONE"},
		}},
			[]string{"BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin", "BEGIN:VEVENT\r\nUID:e1\r\nSUMMARY", "  two lines\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"},
			[]string{"VERSION", "DTSTAMP", "DTSTART;", "VALARM"}},
		{"novalue and nested alarm", &CompSelection{Name: "VCALENDAR", AllProps: true, Comps: []*CompSelection{
			{Name: "VEVENT", Props: []PropSelection{{Name: "SUMMARY", NoValue: true}, {Name: "UID"}},
				Comps: []*CompSelection{{Name: "VALARM", Props: []PropSelection{{Name: "TRIGGER"}}}}},
		}},
			[]string{"VERSION:2.0", "SUMMARY;LANGUAGE=\"en:GB\":\r\n", "BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nEND:VALARM"},
			[]string{"A long summary", "two lines", "VTIMEZONE", "ACTION", "DTSTAMP"}},
		{"timezone in full", &CompSelection{Name: "VCALENDAR", Comps: []*CompSelection{
			{Name: "VTIMEZONE", AllProps: true, AllComps: true},
		}},
			[]string{"TZID:Europe/Berlin", "BEGIN:STANDARD\r\nDTSTART:19701025T030000"}, []string{"VEVENT", "UID"}},
		{"a comp naming nothing inside comes whole", &CompSelection{Name: "VCALENDAR"},
			[]string{"VERSION:2.0", "BEGIN:VTIMEZONE", "DTSTAMP", "TRIGGER:-PT15M"}, nil},
		{"timezone named alone comes whole", &CompSelection{Name: "VCALENDAR", Comps: []*CompSelection{
			{Name: "VTIMEZONE"},
		}},
			[]string{"TZID:Europe/Berlin", "BEGIN:STANDARD\r\nDTSTART:19701025T030000"}, []string{"VEVENT", "UID"}},
		{"other root", &CompSelection{Name: "VCARD", AllProps: true}, nil, []string{"BEGIN"}},
	}
	for _, c := range cases {
		got := string(SelectContent([]byte(selectEvent), c.sel))
		for _, s := range c.has {
			if !strings.Contains(got, s) {
				t.Errorf("%s: no %q in\n%s", c.name, s, got)
			}
		}
		for _, s := range c.hasN {
			if strings.Contains(got, s) {
				t.Errorf("%s: %q in\n%s", c.name, s, got)
			}
		}
	}
}

// RFC 6352 §10.4: address-data's prop names properties whatever their
// group; the card's BEGIN and END stay.
func TestSelectContentCard(t *testing.T) {
	card := "BEGIN:VCARD\nVERSION:3.0\nFN:Ann Acme\nitem1.EMAIL;TYPE=INTERNET:ann@acme.example\nitem1.X-ABLABEL:work\nTEL:+1 555\nEND:VCARD\n"
	got := string(SelectContent([]byte(card), &CompSelection{Name: "VCARD", Props: []PropSelection{{Name: "FN"}, {Name: "EMAIL"}, {Name: "TEL", NoValue: true}}}))
	want := "BEGIN:VCARD\nFN:Ann Acme\nitem1.EMAIL;TYPE=INTERNET:ann@acme.example\nTEL:\r\nEND:VCARD\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
