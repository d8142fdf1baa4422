package mapping

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A parameter value's cost in go-ical's decoder grows with the square of
// its length (a 200 KB one took 11 s): long ones are refused before it
// runs, quickly, and what clients really send still passes.
func TestParameterSizesAreBounded(t *testing.T) {
	head := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250101T000000Z\r\n"
	tail := "END:VEVENT\r\nEND:VCALENDAR\r\n"
	fold := func(s string) string {
		var b strings.Builder
		for len(s) > 74 {
			b.WriteString(s[:74] + "\r\n ")
			s = s[74:]
		}
		return b.String() + s
	}
	refused := map[string]string{
		"one long value":        "X-A;X-P=" + strings.Repeat("a", 3<<20) + ":v",
		"one long quoted value": `X-A;X-P="` + strings.Repeat("a;:,", 1<<18) + `":v`,
		"folded long value":     fold("X-A;X-P=" + strings.Repeat("a", 3000) + ":v"),
		"many values in a list": "X-A;X-P=" + strings.Repeat("abcdefghi,", 300000) + ":v",
		"many parameters":       "X-A" + strings.Repeat(";X-P=a", 100) + ":v",
		"many lines":            strings.Repeat("X-A;X-P="+strings.Repeat("a", 2000)+":v\r\n", 20),
	}
	for name, lines := range refused {
		start := time.Now()
		_, err := DecodeCalendar([]byte(head + lines + "\r\n" + tail))
		took := time.Since(start)
		t.Logf("%s: %v in %v", name, err, took)
		if !errors.Is(err, ErrNotICalendar) || !strings.Contains(err.Error(), "parameter") {
			t.Errorf("%s: %v, want a refusal naming the parameters", name, err)
		}
	}
	accepted := []string{
		"X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS=\"1 Infinite Loop\\nCupertino CA 95014\\nUnited States\";X-APPLE-RADIUS=141.17;X-TITLE=\"Apple Campus\":geo:37.331741,-122.030333",
		fold("ATTENDEE;CN=\"" + strings.Repeat("Long Name ", 150) + "\";ROLE=REQ-PARTICIPANT:mailto:a@example.com"),
		"DESCRIPTION;ALTREP=\"cid:part1.0001@example.org\":" + strings.Repeat("text with ; and : and \" inside ", 1000),
	}
	for _, l := range accepted {
		if _, err := DecodeCalendar([]byte(head + l + "\r\n" + tail)); err != nil {
			t.Errorf("%.60s…: %v", l, err)
		}
	}
}
