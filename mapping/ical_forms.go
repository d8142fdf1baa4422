package mapping

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// Date forms (README: "Calendar and tasks"). A client writes an item's
// times in a form of its own — a DATE, a TZID of its choosing with its
// VTIMEZONE, a floating time, DURATION instead of an end, or no date at
// all — and reads them back in that form. The PSA holds only a start and
// an end instant (Autotask to-dos need both), derived in the user's zone.
//
// psadav therefore keeps the client's date properties together with the
// PSA times they stood for when the client wrote them (the base). While
// the PSA still has those times, the client's own properties are served.
// Once the PSA changes them, the new times are written in the client's
// form where it can express them — a DATE stays a DATE on a midnight of
// the user's zone, a TZID time stays in its zone, DURATION stays
// DURATION, an end left out stays out while the length is unchanged —
// and as psadav renders them where it cannot (an undated to-do the PSA
// dated shows the PSA's date).

// PSATimes are an item's start and end as the PSA holds them.
type PSATimes struct{ Start, End time.Time }

func (a PSATimes) equal(b PSATimes) bool {
	return a.Start.Truncate(time.Second).Equal(b.Start.Truncate(time.Second)) &&
		a.End.Truncate(time.Second).Equal(b.End.Truncate(time.Second))
}

func (a PSATimes) String() string {
	return a.Start.UTC().Format("20060102T150405Z") + "/" + a.End.UTC().Format("20060102T150405Z")
}

func parsePSATimes(v string) (PSATimes, bool) {
	s, e, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return PSATimes{}, false
	}
	start, err1 := time.Parse("20060102T150405Z", s)
	end, err2 := time.Parse("20060102T150405Z", e)
	return PSATimes{start, end}, err1 == nil && err2 == nil
}

// psaTimesProp is the VCALENDAR property of kept data that holds the base.
// It is psadav's own: a client's is removed before anything is kept.
const psaTimesProp = "X-PSADAV-PSA-TIMES"

// datePropNames are the properties that carry an item's times.
var datePropNames = []string{ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDue, ical.PropDuration}

// calendarPrefix starts every stored calendar object.
const calendarPrefix = "BEGIN:VCALENDAR\r\n"

// SourceBytes is what psadav stores of a client's object: the bytes the
// client sent when they are a clean iCalendar stream that needed no repair
// (so a GET answers exactly them and the PUT can answer with the ETag,
// RFC 4791 §5.3.4), else psadav's encoding of the object.
func (o *CalendarObject) SourceBytes(raw []byte) ([]byte, error) {
	if o.Cal.Props.Get(psaTimesProp) != nil {
		o.Cal.Props.Del(psaTimesProp)
		o.repaired = true
	}
	if !o.repaired && cleanStream(raw) {
		return raw, nil
	}
	b, err := EncodeCalendar(o.Cal)
	if err != nil {
		return nil, refuse(RefuseInvalidData, "%v", err)
	}
	return b, nil
}

// cleanStream reports whether raw is one VCALENDAR in valid UTF-8 with
// CRLF line ends, nothing before or after it, names and BEGIN/END values
// in upper case (as psadav writes them, and as code that scans stored
// bodies for "\nRRULE" or "\nDTEND" expects), and none of psadav's own
// properties.
func cleanStream(raw []byte) bool {
	if !bytes.HasPrefix(raw, []byte(calendarPrefix)) || !bytes.HasSuffix(raw, []byte("\r\nEND:VCALENDAR\r\n")) ||
		!utf8.Valid(raw) || bytes.IndexByte(raw, 0) >= 0 || bytes.Contains(bytes.ToUpper(raw), []byte("X-PSADAV-")) {
		return false
	}
	if bytes.Count(raw, []byte("\n")) != bytes.Count(raw, []byte("\r\n")) || bytes.Count(raw, []byte("\r")) != bytes.Count(raw, []byte("\r\n")) {
		return false
	}
	for _, line := range bytes.Split(raw[:len(raw)-2], []byte("\r\n")) {
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			continue // a folded line's continuation
		}
		name := line
		if i := bytes.IndexAny(line, ";:"); i >= 0 {
			name = line[:i]
			if n := string(name); n == "BEGIN" || n == "END" {
				name = line[i+1:]
			}
		}
		if !bytes.Equal(name, bytes.ToUpper(name)) {
			return false
		}
	}
	return true
}

// KeepClientObject is the kept data of a client's own object (a to-do it
// created): its stored bytes with the PSA times they stand for.
func KeepClientObject(o *CalendarObject, raw []byte, base PSATimes) (string, error) {
	b, err := o.SourceBytes(raw)
	if err != nil {
		return "", err
	}
	return calendarPrefix + psaTimesProp + ":" + base.String() + "\r\n" + string(b[len(calendarPrefix):]), nil
}

// splitBase takes the base out of kept data: the object as stored, and
// the base when there is one (data kept before psadav recorded it has none).
func splitBase(data string) ([]byte, PSATimes, bool) {
	head := calendarPrefix + psaTimesProp + ":"
	if !strings.HasPrefix(data, head) {
		return []byte(data), PSATimes{}, false
	}
	line, rest, ok := strings.Cut(data[len(head):], "\r\n")
	base, valid := parsePSATimes(line)
	if !ok || !valid {
		return []byte(data), PSATimes{}, false
	}
	return []byte(calendarPrefix + rest), base, true
}

// KeptWithForms adds a client's date forms to what the rules keep of its
// PUT of a PSA item (kept, from PSAItemUpdate), with base, the PSA's times
// after the PUT. Forms that are psadav's own rendering (the user's TZID,
// or UTC for a UTC user) are not kept: the rendering gives them.
func KeptWithForms(kept string, client *CalendarObject, base PSATimes) (string, error) {
	c := client.Master
	if client.renderForm(c) {
		return kept, nil
	}
	var cal *ical.Calendar
	var k *ical.Component
	if kept != "" {
		var err error
		if cal, err = DecodeCalendar([]byte(kept)); err != nil {
			return "", refuse(RefuseInvalidData, "%v", err)
		}
		k = mainComponent(cal)
	} else {
		cal = ical.NewCalendar()
		setRaw(cal.Component, ical.PropProductID, ProductID)
		setRaw(cal.Component, ical.PropVersion, "2.0")
		k = ical.NewComponent(c.Name)
		setRaw(k, ical.PropUID, "kept")
		setRaw(k, ical.PropDateTimeStamp, keptStamp)
		cal.Children = []*ical.Component{k}
	}
	for _, name := range datePropNames {
		if ps := c.Props[name]; len(ps) > 0 {
			k.Props[name] = append([]ical.Prop(nil), ps...)
		}
	}
	addTimezones(cal, client.Cal, tzidsOf(k))
	setRaw(cal.Component, psaTimesProp, base.String())
	b, err := EncodeCalendar(cal)
	if err != nil {
		return "", refuse(RefuseInvalidData, "%v", err)
	}
	return string(b), nil
}

// renderForm reports whether a component's times are written the way
// psadav renders PSA items for the user: DTSTART and DTEND (DUE for a
// VTODO) as DATE-TIMEs with the user's TZID (UTC for a UTC user).
func (o *CalendarObject) renderForm(c *ical.Component) bool {
	end := ical.PropDateTimeEnd
	if c.Name == ical.CompToDo {
		end = ical.PropDue
	}
	if c.Props.Get(ical.PropDuration) != nil || c.Props.Get(ical.PropDateTimeStart) == nil || c.Props.Get(end) == nil {
		return false
	}
	loc := o.Floating()
	utc := loc == time.UTC || loc.String() == "UTC"
	for _, name := range []string{ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDue} {
		for _, p := range c.Props[name] {
			v := strings.ToUpper(strings.TrimSpace(p.Value))
			tzid := strings.TrimSpace(p.Params.Get(ical.PropTimezoneID))
			switch {
			case isDate(&p):
				return false
			case utc && (tzid != "" || !strings.HasSuffix(v, "Z")):
				return false
			case !utc && (tzid != loc.String() || strings.HasSuffix(v, "Z")):
				return false
			}
		}
	}
	return true
}

// PSATimes reads the PSA times from psadav's rendering of an item (the
// base of a client's date forms for an item whose times stay the PSA's).
func (o *CalendarObject) PSATimes() PSATimes { return psaTimesOf(o) }

// psaTimesOf reads the PSA times from psadav's rendering of an item.
func psaTimesOf(r *CalendarObject) PSATimes {
	in := r.instance(r.Master, time.Time{}, time.Time{})
	return PSATimes{in.Start, in.End}
}

// reform is the date properties to serve for a component whose client
// wrote them as fc (read through o) when the PSA had base and has psa
// now; rendered is psadav's rendering, for what the client's form cannot
// express. A nil entry means the property is left out.
func (o *CalendarObject) reform(fc *ical.Component, base, psa PSATimes, rendered *ical.Component) map[string]*ical.Prop {
	endName := ical.PropDateTimeEnd
	if fc.Name == ical.CompToDo {
		endName = ical.PropDue
	}
	fs, fe, fd := fc.Props.Get(ical.PropDateTimeStart), fc.Props.Get(endName), fc.Props.Get(ical.PropDuration)
	rs, re := rendered.Props.Get(ical.PropDateTimeStart), rendered.Props.Get(endName)
	out := map[string]*ical.Prop{}
	if psa.equal(base) {
		out[ical.PropDateTimeStart], out[endName], out[ical.PropDuration] = fs, fe, fd
		return out
	}
	asRendered := map[string]*ical.Prop{ical.PropDateTimeStart: rs, endName: re}
	if fs == nil && fe == nil && fd == nil {
		return asRendered // an undated item the PSA has (re)dated
	}
	var start, end, dur *ical.Prop
	switch {
	case fs != nil:
		if p, ok := o.inForm(ical.PropDateTimeStart, psa.Start, fs); ok {
			start = p
		} else {
			start = rs
		}
	case !psa.Start.Equal(base.Start) && psa.End.Sub(psa.Start) != base.End.Sub(base.Start):
		start = rs // the start moved apart from the end: no longer implied
	}
	startDate := start != nil && isDate(start)
	switch {
	case fd != nil:
		d := psa.End.Sub(psa.Start)
		if d < 0 || startDate && d%(24*time.Hour) != 0 {
			return asRendered // RFC 5545 §3.8.2.5: a DATE start takes whole days
		}
		dur = ical.NewProp(ical.PropDuration)
		dur.Value = formatDuration(d)
	case fe != nil:
		if p, ok := o.inForm(endName, psa.End, fe); ok {
			end = p
		} else {
			end = re
		}
	case psa.End.Sub(psa.Start) != base.End.Sub(base.Start):
		end = re
	}
	if start != nil && end != nil && isDate(start) != isDate(end) {
		return asRendered // RFC 5545 §3.6.1: DTSTART and DTEND share a value type
	}
	out[ical.PropDateTimeStart], out[endName], out[ical.PropDuration] = start, end, dur
	return out
}

// setDateProps replaces a component's date properties with props.
func setDateProps(c *ical.Component, props map[string]*ical.Prop) {
	set := map[string]ical.Prop{}
	for name, p := range props {
		if p != nil {
			set[name] = *p
		}
	}
	for _, name := range datePropNames {
		c.Props.Del(name)
		if p, ok := set[name]; ok {
			c.Props.Set(&p)
		}
	}
}

// clientBase is the base of a client's to-do kept before psadav recorded
// one: the times its form gives the PSA, or (undated) the PSA's own.
func (o *CalendarObject) clientBase(psa PSATimes) PSATimes {
	f := ClientToDoFields(o, false, time.Time{})
	if f.Undated {
		return psa
	}
	return PSATimes{f.Start, f.End}
}

// inForm writes t as property name in like's form; ok is false when that
// form cannot express t (a DATE for a time that is not a midnight of the
// floating zone).
func (o *CalendarObject) inForm(name string, t time.Time, like *ical.Prop) (*ical.Prop, bool) {
	p := ical.NewProp(name)
	if isDate(like) {
		w := o.floating.wall(t)
		if w.Hour() != 0 || w.Minute() != 0 || w.Second() != 0 {
			return nil, false
		}
		p.Params.Set(ical.ParamValue, "DATE")
		p.Value = w.Format("20060102")
		return p, true
	}
	v := strings.TrimSpace(like.Value)
	switch tzid := like.Params.Get(ical.PropTimezoneID); {
	case tzid != "":
		p.Params.Set(ical.PropTimezoneID, tzid)
		p.Value = o.zoneOf(like).wall(t).Format("20060102T150405")
	case strings.HasSuffix(strings.ToUpper(v), "Z"):
		p.Value = t.UTC().Format("20060102T150405Z")
	default:
		p.Value = o.floating.wall(t).Format("20060102T150405")
	}
	return p, true
}

// formatDuration writes a non-negative duration as RFC 5545 §3.3.6 wants
// it, in whole days where it is (go-ical's SetDuration writes seconds
// only, and a client that wrote PT1H30M should read PT1H30M).
func formatDuration(d time.Duration) string {
	d = d.Truncate(time.Second)
	if d == 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("P")
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dD", days)
		d -= days * 24 * time.Hour
	}
	if d > 0 {
		b.WriteString("T")
		for _, u := range []struct {
			unit time.Duration
			name string
		}{{time.Hour, "H"}, {time.Minute, "M"}, {time.Second, "S"}} {
			if n := d / u.unit; n > 0 {
				fmt.Fprintf(&b, "%d%s", n, u.name)
				d -= n * u.unit
			}
		}
	}
	return b.String()
}

// tzidsOf lists the TZIDs a component's properties name.
func tzidsOf(c *ical.Component) map[string]bool {
	out := map[string]bool{}
	var walk func(c *ical.Component)
	walk = func(c *ical.Component) {
		for _, props := range c.Props {
			for _, p := range props {
				if tzid := strings.TrimSpace(p.Params.Get(ical.PropTimezoneID)); tzid != "" {
					out[tzid] = true
				}
			}
		}
		for _, child := range c.Children {
			walk(child)
		}
	}
	walk(c)
	return out
}

// usedTZIDs lists the TZIDs a calendar's components (not its VTIMEZONEs) name.
func usedTZIDs(cal *ical.Calendar) map[string]bool {
	out := map[string]bool{}
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone {
			for tzid := range tzidsOf(c) {
				out[tzid] = true
			}
		}
	}
	return out
}

// addTimezones gives dst the VTIMEZONEs of src for the TZIDs in want that
// dst does not define yet.
func addTimezones(dst, src *ical.Calendar, want map[string]bool) {
	have := map[string]bool{}
	for _, c := range dst.Children {
		if c.Name == ical.CompTimezone {
			have[propText(c, ical.PropTimezoneID)] = true
		}
	}
	var add []*ical.Component
	for _, c := range src.Children {
		if id := propText(c, ical.PropTimezoneID); c.Name == ical.CompTimezone && want[id] && !have[id] {
			add = append(add, c)
			have[id] = true
		}
	}
	dst.Children = append(add, dst.Children...)
}

// pruneTimezones drops the VTIMEZONEs no property of the calendar names.
func pruneTimezones(cal *ical.Calendar) {
	used := usedTZIDs(cal)
	kept := cal.Children[:0]
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone || used[propText(c, ical.PropTimezoneID)] {
			kept = append(kept, c)
		}
	}
	cal.Children = kept
}
