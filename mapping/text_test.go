package mapping

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	for _, c := range []struct {
		in, want string // want: "" accepted, else part of the message
	}{
		{"BEGIN:VCARD\r\nFN:Jürgen Müller 😀\r\nEND:VCARD\r\n", ""},
		{"", ""},
		{"BEGIN:VCARD\r\nFN:J\xfcrgen\r\nEND:VCARD\r\n", "byte 0xFC on line 2"},
		{"BEGIN:VCARD\r\nFN:a\xe2\x82\r\nEND:VCARD\r\n", "byte 0xE2 on line 2"}, // a truncated sequence
		{"BEGIN:VCARD\r\nN:x\r\nFN:a\x00b\r\nEND:VCARD\r\n", "NUL character on line 3"},
		{"\xed\xa0\x80", "byte 0xED on line 1"}, // a surrogate is not UTF-8
	} {
		err := CheckText([]byte(c.in))
		var r *Refusal
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q refused: %v", c.in, err)
		case c.want != "" && (!errors.As(err, &r) || r.Code != RefuseEncoding || !strings.Contains(r.Message, c.want)):
			t.Errorf("%q: %v, want a refusal saying %q", c.in, err, c.want)
		}
	}
}
