package mapping

import (
	"bytes"
	"unicode/utf8"
)

// CheckText refuses object data that is not UTF-8, or that holds a NUL:
// vCard 4.0 and iCalendar are UTF-8 (RFC 6350 §3.1, RFC 5545 §3.1.4) and
// psadav keeps vCard 3.0 the same way; a NUL is no character of either
// format (and PostgreSQL cannot store it in text). Decoding such bytes
// would put U+FFFD where the user wrote a letter, so the client is told
// which line to fix instead.
func CheckText(data []byte) error {
	bad := -1
	if !utf8.Valid(data) {
		for i := 0; i < len(data); {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				bad = i
				break
			}
			i += n
		}
	}
	if nul := bytes.IndexByte(data, 0); nul >= 0 && (bad < 0 || nul < bad) {
		return refuse(RefuseEncoding, "the data holds a NUL character on line %d, which no vCard or iCalendar value may", lineOf(data, nul))
	}
	if bad >= 0 {
		return refuse(RefuseEncoding, "the data is not UTF-8: byte 0x%02X on line %d; save it as UTF-8 and send it again", data[bad], lineOf(data, bad))
	}
	return nil
}

// lineOf is the 1-based line number of byte offset i.
func lineOf(data []byte, i int) int { return bytes.Count(data[:i], []byte{'\n'}) + 1 }
