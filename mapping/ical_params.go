package mapping

import "fmt"

// go-ical's decoder builds a parameter value one byte at a time by string
// concatenation, so its cost grows with the square of the value's length
// (docs/performance.md), and a PUT is allowed megabytes. No
// client writes parameters that long (the longest seen, Apple's
// X-APPLE-STRUCTURED-LOCATION X-ADDRESS and X-TITLE, are a few hundred
// bytes), so parameter values are bounded before the body reaches the
// decoder: each, and all of an object's together, so that the decoder's
// work on them stays within milliseconds.
const (
	maxParamValueBytes   = 2 << 10
	maxParamTotalBytes   = 32 << 10
	maxParamsPerProperty = 64
)

// checkParameterSizes scans the content lines of an iCalendar body
// (unfolding as it goes, RFC 5545 §3.1) and refuses parameter values over
// the bounds above. It reads each byte once.
func checkParameterSizes(body []byte) error {
	const (
		inName = iota
		inParamName
		inParamValue
		inValue
	)
	state, line := inName, 1
	quoted := false
	valueLen, total, params := 0, 0, 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\r' || c == '\n' {
			if c == '\r' && i+1 < len(body) && body[i+1] == '\n' {
				i++
			}
			if i+1 < len(body) && (body[i+1] == ' ' || body[i+1] == '\t') {
				i++ // a folded line goes on
				continue
			}
			line++
			state, quoted, valueLen, params = inName, false, 0, 0
			continue
		}
		switch state {
		case inName:
			switch c {
			case ';':
				state, params = inParamName, params+1
			case ':':
				state = inValue
			}
		case inParamName:
			switch c {
			case '=':
				state, valueLen = inParamValue, 0
			case ':':
				state = inValue
			}
		case inParamValue:
			switch {
			case c == '"':
				quoted = !quoted
			case quoted:
			case c == ',':
				valueLen = 0
				continue
			case c == ';':
				state, params = inParamName, params+1
				if params > maxParamsPerProperty {
					return fmt.Errorf("line %d: a property has more than %d parameters", line, maxParamsPerProperty)
				}
				continue
			case c == ':':
				state = inValue
				continue
			}
			valueLen++
			total++
			if valueLen > maxParamValueBytes {
				return fmt.Errorf("line %d: a property parameter value is longer than %d bytes", line, maxParamValueBytes)
			}
			if total > maxParamTotalBytes {
				return fmt.Errorf("line %d: the object's property parameters are longer than %d bytes in all", line, maxParamTotalBytes)
			}
		}
	}
	return nil
}
