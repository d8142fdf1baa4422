package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-ical"
)

// iCalendar objects are held as go-ical Calendars. DecodeCalendar reads
// with go-ical's decoder, which can panic on some malformed parameter
// lists, so it recovers and reports the body as invalid, and whose work
// grows with the square of a parameter value's length, so parameter
// values are bounded first (ical_params.go). EncodeCalendar
// writes with go-ical's encoder (properties in name order, so the output
// is a function of the object and ETags are stable) and then folds the
// lines at 75 octets (RFC 5545 §3.1), which go-ical does not do.

// ErrNotICalendar is returned for a body that is not one iCalendar object.
var ErrNotICalendar = errors.New("not an iCalendar object")

// MaxCalendarBytes bounds what DecodeCalendar accepts; DAV bodies are bounded earlier.
const MaxCalendarBytes = 4 << 20

// DecodeCalendar parses exactly one VCALENDAR.
func DecodeCalendar(body []byte) (cal *ical.Calendar, err error) {
	if len(body) > MaxCalendarBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrNotICalendar, MaxCalendarBytes)
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if !bytes.HasPrefix(bytes.ToUpper(trimmed[:min(len(trimmed), 15)]), []byte("BEGIN:VCALENDAR")) {
		return nil, fmt.Errorf("%w: it must start with BEGIN:VCALENDAR", ErrNotICalendar)
	}
	if err := checkParameterSizes(trimmed); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotICalendar, err)
	}
	defer func() {
		if p := recover(); p != nil {
			cal, err = nil, fmt.Errorf("%w: %v", ErrNotICalendar, p)
		}
	}()
	dec := ical.NewDecoder(bytes.NewReader(trimmed))
	cal, err = dec.Decode()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotICalendar, strings.TrimPrefix(err.Error(), "ical: "))
	}
	if _, err := dec.Decode(); err != io.EOF {
		return nil, fmt.Errorf("%w: more than one VCALENDAR in the body", ErrNotICalendar)
	}
	return cal, nil
}

// EncodeCalendar writes a calendar with folded lines.
func EncodeCalendar(cal *ical.Calendar) ([]byte, error) {
	var raw bytes.Buffer
	if err := ical.NewEncoder(&raw).Encode(cal); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotICalendar, strings.TrimPrefix(err.Error(), "ical: "))
	}
	var out bytes.Buffer
	out.Grow(raw.Len() + raw.Len()/40)
	for _, line := range strings.Split(strings.TrimSuffix(raw.String(), "\r\n"), "\r\n") {
		writeFolded(&out, line)
	}
	return out.Bytes(), nil
}

// TextValue reads a TEXT property value (RFC 5545 §3.3.11). Unlike
// go-ical's Text it accepts unknown escapes (a Windows path such as
// C:\Users) as the characters they are.
func TextValue(p *ical.Prop) string {
	if p == nil {
		return ""
	}
	v := p.Value
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		case '\\', ';', ',':
			b.WriteByte(v[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// propText is the text of a component's first property of that name.
func propText(c *ical.Component, name string) string { return TextValue(c.Props.Get(name)) }

// setText sets a TEXT property, or removes it when v is empty.
func setText(c *ical.Component, name, v string) {
	if v == "" {
		c.Props.Del(name)
		return
	}
	c.Props.SetText(name, v)
}

// setRaw sets a property whose value needs no escaping (URI, numbers, codes).
func setRaw(c *ical.Component, name, v string) {
	p := ical.NewProp(name)
	p.Value = v
	c.Props.Set(p)
}
