package dav

import (
	"bufio"
	"bytes"
	"testing"
)

// writeEscaped streams object data into responses; it must write exactly
// what xmlEscaper does, or REPORT data would differ from GET.
func TestWriteEscapedMatchesTheEscaper(t *testing.T) {
	for _, in := range []string{
		"", "plain", "BEGIN:VCARD\r\nFN:A & B <x>\r\nEND:VCARD\r\n", "&&<<>>\r\r", "ends with &", "<starts",
		"NOTE:caf\u00e9 \u2603 \r\n", "\x00\x01 tail",
	} {
		checkWriteEscaped(t, in)
	}
}

func FuzzWriteEscaped(f *testing.F) {
	f.Add("BEGIN:VCARD\r\nFN:A & B\r\nEND:VCARD\r\n")
	f.Fuzz(checkWriteEscaped)
}

func checkWriteEscaped(t *testing.T, in string) {
	t.Helper()
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	writeEscaped(w, []byte(in))
	w.Flush()
	if want := escapeText(in); out.String() != want {
		t.Errorf("writeEscaped(%q) = %q, want %q", in, out.String(), want)
	}
}
