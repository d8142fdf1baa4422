package atjson

import (
	"bytes"
	"strconv"
)

// BadEscape finds \u escapes in an item's JSON that PostgreSQL's JSONB (the
// mirror's raw column) refuses though Go's decoder accepts them: \u0000,
// and a UTF-16 surrogate without its other half. "" when there are none.
func BadEscape(raw []byte) string {
	if !bytes.Contains(raw, []byte(`\u`)) {
		return ""
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // skip the escaped character, so \\u0000 is text, not an escape
			continue
		}
		r, ok := hex4(raw, i+2)
		switch {
		case !ok:
		case r == 0:
			return `contains a NUL character (\u0000), which the database cannot store`
		case r >= 0xD800 && r <= 0xDBFF:
			if lo, ok := hex4(raw, i+8); !ok || raw[i+6] != '\\' || raw[i+7] != 'u' || lo < 0xDC00 || lo > 0xDFFF {
				return "contains a broken UTF-16 surrogate escape (\\u" + string(raw[i+2:i+6]) + "), which the database cannot store"
			}
			i += 6
		case r >= 0xDC00 && r <= 0xDFFF:
			return "contains a broken UTF-16 surrogate escape (\\u" + string(raw[i+2:i+6]) + "), which the database cannot store"
		}
		i += 5
	}
	return ""
}

func hex4(b []byte, at int) (rune, bool) {
	if at < 0 || at+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(n), err == nil
}
