package mapping

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// Time zones. psadav serves PSA times (UTC) in each user's zone with a
// VTIMEZONE generated from Go's time zone database, and reads client
// times whose TZID is defined by a VTIMEZONE in the object or names an
// IANA zone (clients send bare IANA TZIDs; RFC 7809 lets servers accept
// them).
//
// Local times are handled as "wall clocks": a time.Time in UTC whose
// fields are the local date and time. Recurrence rules are expanded on
// wall clocks (so a weekly 9:00 stays at 9:00 across a DST change) and
// each occurrence is then turned into an instant by its zone.

// zone turns wall clocks into instants and back.
type zone interface {
	instant(wall time.Time) time.Time
	wall(t time.Time) time.Time
}

// locZone is a zone from Go's database (or UTC, or a fixed offset).
type locZone struct{ loc *time.Location }

func (z locZone) instant(w time.Time) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, z.loc).UTC()
}

func (z locZone) wall(t time.Time) time.Time { return wallOf(t.In(z.loc)) }

// wallOf drops a time's zone, keeping its fields.
func wallOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// LoadIANA resolves a TZID naming an IANA zone. It accepts the prefixed
// forms some clients write ("/mozilla.org/20070129_1/Europe/Berlin",
// "/citadel.org/20190914_1/Europe/Berlin").
func LoadIANA(tzid string) (*time.Location, bool) {
	tzid = strings.TrimSpace(tzid)
	try := func(name string) (*time.Location, bool) {
		switch name {
		case "", "Local", "localtime", "posixrules", "Factory":
			return nil, false
		}
		if strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
			return nil, false
		}
		loc, err := time.LoadLocation(name)
		return loc, err == nil
	}
	if loc, ok := try(tzid); ok {
		return loc, true
	}
	parts := strings.Split(strings.Trim(tzid, "/"), "/")
	for n := 3; n >= 2; n-- {
		if len(parts) > n {
			if loc, ok := try(strings.Join(parts[len(parts)-n:], "/")); ok {
				return loc, true
			}
		}
	}
	return nil, false
}

// vtimezone builds the VTIMEZONE of loc for the calendar years from
// covers through to covers: every offset change in those years, and the
// one in force when they begin, so any time of theirs is defined.
func vtimezone(loc *time.Location, from, to time.Time) *ical.Component {
	tz := ical.NewComponent(ical.CompTimezone)
	setRaw(tz, ical.PropTimezoneID, loc.String())
	begin := time.Date(from.In(loc).Year(), 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(to.In(loc).Year()+1, 1, 1, 0, 0, 0, 0, loc)
	changes := offsetChanges(loc, begin.AddDate(-2, 0, 0), end)
	// Keep the last change before the span and all inside it.
	first := 0
	for i, c := range changes {
		if c.at.Before(begin) {
			first = i
		}
	}
	if len(changes) > 0 && changes[first].at.Before(begin) {
		changes = changes[first:]
	} else {
		name, off := begin.Zone()
		changes = append([]offsetChange{{at: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(off) * time.Second),
			from: off, to: off, name: name, dst: begin.IsDST()}}, changes...)
	}
	for _, c := range changes {
		kind := ical.CompTimezoneStandard
		if c.dst {
			kind = ical.CompTimezoneDaylight
		}
		obs := ical.NewComponent(kind)
		setRaw(obs, ical.PropDateTimeStart, c.at.Add(time.Duration(c.from)*time.Second).UTC().Format("20060102T150405"))
		setRaw(obs, ical.PropTimezoneOffsetFrom, utcOffset(c.from))
		setRaw(obs, ical.PropTimezoneOffsetTo, utcOffset(c.to))
		if c.name != "" {
			setText(obs, ical.PropTimezoneName, c.name)
		}
		tz.Children = append(tz.Children, obs)
	}
	return tz
}

type offsetChange struct {
	at       time.Time // the instant the new offset starts
	from, to int       // seconds east of UTC
	name     string
	dst      bool
}

// offsetChanges finds where loc's offset or DST flag changes in [a, b):
// a daily scan, each change then narrowed down to the second.
func offsetChanges(loc *time.Location, a, b time.Time) []offsetChange {
	var out []offsetChange
	key := func(t time.Time) (int, bool) {
		_, off := t.In(loc).Zone()
		return off, t.In(loc).IsDST()
	}
	prev := a
	prevOff, prevDST := key(prev)
	for t := a.Add(24 * time.Hour); !prev.After(b); t = t.Add(24 * time.Hour) {
		off, dst := key(t)
		if off != prevOff || dst != prevDST {
			lo, hi := prev, t // key(lo) is the old state, key(hi) the new
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
				if o, d := key(mid); o == prevOff && d == prevDST {
					lo = mid
				} else {
					hi = mid
				}
			}
			if hi.Before(b) {
				name, _ := hi.In(loc).Zone()
				out = append(out, offsetChange{at: hi.UTC(), from: prevOff, to: off, name: name, dst: dst})
			}
			prevOff, prevDST = off, dst
		}
		prev = t
	}
	return out
}

// utcOffset formats an offset as RFC 5545 §3.3.14 wants it (+0100, -0330, +053045).
func utcOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// parseUTCOffset reads a UTC offset value.
func parseUTCOffset(v string) (int, error) {
	v = strings.TrimSpace(v)
	if len(v) != 5 && len(v) != 7 || (v[0] != '+' && v[0] != '-') {
		return 0, fmt.Errorf("invalid UTC offset %q", v)
	}
	n := 0
	for i := 1; i < len(v); i += 2 {
		d, err := strconv.Atoi(v[i : i+2])
		if err != nil {
			return 0, fmt.Errorf("invalid UTC offset %q", v)
		}
		n = n*60 + d
	}
	if len(v) == 5 {
		n *= 60
	}
	if v[0] == '-' {
		n = -n
	}
	return n, nil
}

// vtzZone is a zone defined by a VTIMEZONE in the object (Outlook's
// "W. Europe Standard Time" and the like).
type vtzZone struct {
	obs []observance
}

// maxZoneRules bounds the recurring observances of one object's
// VTIMEZONEs: each costs a walk when a time in its zone is first read.
const maxZoneRules = 100

// rules counts the observances with a rule.
func (z *vtzZone) rules() int {
	n := 0
	for _, o := range z.obs {
		if o.rule != nil {
			n++
		}
	}
	return n
}

type observance struct {
	start    time.Time // onset wall clock, in the from offset
	from, to int
	rule     *recurrence // nil: the onset happens once (plus rdates)
	rdates   []time.Time
}

// parseVTimezone reads the observances of a VTIMEZONE.
func parseVTimezone(tz *ical.Component) (*vtzZone, error) {
	z := &vtzZone{}
	for _, c := range tz.Children {
		if c.Name != ical.CompTimezoneStandard && c.Name != ical.CompTimezoneDaylight {
			continue
		}
		var o observance
		var err error
		if o.from, err = parseUTCOffset(propText(c, ical.PropTimezoneOffsetFrom)); err != nil {
			return nil, err
		}
		if o.to, err = parseUTCOffset(propText(c, ical.PropTimezoneOffsetTo)); err != nil {
			return nil, err
		}
		p := c.Props.Get(ical.PropDateTimeStart)
		if p == nil {
			return nil, fmt.Errorf("a %s observance has no DTSTART", c.Name)
		}
		if o.start, _, err = parseWall(p.Value); err != nil {
			return nil, err
		}
		fixed := fixedZone(o.from)
		if rp := c.Props.Get(ical.PropRecurrenceRule); rp != nil {
			// rrule-go stops 292 years after DTSTART, and Outlook starts
			// its rules in 1601: begin them in 1900 instead.
			if o.start.Year() < 1900 {
				o.start = time.Date(1900, o.start.Month(), o.start.Day(), o.start.Hour(), o.start.Minute(), o.start.Second(), 0, time.UTC)
			}
			if o.rule, err = parseRecurrence(rp.Value, o.start, false, fixed); err != nil {
				return nil, err
			}
			if !o.rule.yearly() {
				return nil, fmt.Errorf("a %s observance's RRULE must repeat yearly, as time zone rules do (README: Limits on what clients write)", c.Name)
			}
		}
		for _, rp := range c.Props.Values(ical.PropRecurrenceDates) {
			for _, v := range strings.Split(rp.Value, ",") {
				w, _, err := parseWall(v)
				if err != nil {
					return nil, err
				}
				o.rdates = append(o.rdates, w)
			}
		}
		z.obs = append(z.obs, o)
	}
	if len(z.obs) == 0 {
		return nil, fmt.Errorf("VTIMEZONE %q has no STANDARD or DAYLIGHT observance", propText(tz, ical.PropTimezoneID))
	}
	return z, nil
}

func fixedZone(off int) zone { return locZone{time.FixedZone("", off)} }

// offsetAt is the offset in force at instant t: that of the latest onset
// at or before t, or the first observance's from offset before any.
func (z *vtzZone) offsetAt(t time.Time) int {
	var best time.Time
	off, found := 0, false
	earliest := z.obs[0]
	for _, o := range z.obs {
		if o.start.Add(-time.Duration(o.from) * time.Second).Before(earliest.start.Add(-time.Duration(earliest.from) * time.Second)) {
			earliest = o
		}
		limit := t.Add(time.Duration(o.from) * time.Second) // onset wall ≤ t + from
		var onset time.Time
		if !o.start.After(limit) {
			onset = o.start
		}
		if o.rule != nil {
			if w := o.rule.before(limit); w.After(onset) {
				onset = w
			}
		}
		for _, r := range o.rdates {
			if !r.After(limit) && r.After(onset) {
				onset = r
			}
		}
		if onset.IsZero() {
			continue
		}
		at := onset.Add(-time.Duration(o.from) * time.Second)
		if !found || at.After(best) {
			best, off, found = at, o.to, true
		}
	}
	if !found {
		return earliest.from
	}
	return off
}

func (z *vtzZone) instant(w time.Time) time.Time {
	seen := map[int]bool{}
	for _, o := range z.obs {
		for _, off := range []int{o.to, o.from} {
			if seen[off] {
				continue
			}
			seen[off] = true
			t := w.Add(-time.Duration(off) * time.Second)
			if z.offsetAt(t) == off {
				return t
			}
		}
	}
	// A wall clock in a gap: read it with the offset before the gap.
	return w.Add(-time.Duration(z.offsetAt(w.Add(-24*time.Hour))) * time.Second)
}

func (z *vtzZone) wall(t time.Time) time.Time {
	return t.UTC().Add(time.Duration(z.offsetAt(t)) * time.Second)
}

// parseWall reads a DATE or DATE-TIME value as a wall clock; utc reports
// a trailing Z (the value is then an instant).
func parseWall(v string) (w time.Time, utc bool, err error) {
	v = strings.TrimSpace(v)
	switch {
	case len(v) == 8:
		w, err = time.Parse("20060102", v)
	case len(v) == 15:
		w, err = time.Parse("20060102T150405", v)
	case len(v) == 16 && (v[15] == 'Z' || v[15] == 'z'):
		w, err = time.Parse("20060102T150405", v[:15])
		utc = true
	default:
		err = fmt.Errorf("invalid date or date-time %q", v)
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("invalid date or date-time %q", v)
	}
	return w, utc, nil
}

// QueryZone is the zone a calendar-query reads floating times and dates
// in (RFC 4791 §9.8, RFC 7809 §5.2), in place of the user's.
type QueryZone struct{ z zone }

// ParseQueryZone reads a calendar-query's timezone: an iCalendar object
// with one VTIMEZONE. A TZID Go knows is read by Go's rules, like the
// zones of stored objects (ical_object.go); any other by the VTIMEZONE's.
func ParseQueryZone(text []byte) (QueryZone, error) {
	cal, err := DecodeCalendar(text)
	if err != nil {
		return QueryZone{}, err
	}
	var tz *ical.Component
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone {
			continue
		}
		if tz != nil {
			return QueryZone{}, errors.New("more than one VTIMEZONE")
		}
		tz = c
	}
	if tz == nil {
		return QueryZone{}, errors.New("no VTIMEZONE")
	}
	tzid := strings.TrimSpace(propText(tz, ical.PropTimezoneID))
	if loc, ok := LoadIANA(tzid); ok {
		return QueryZone{locZone{loc}}, nil
	}
	z, err := parseVTimezone(tz)
	if err != nil {
		return QueryZone{}, fmt.Errorf("VTIMEZONE %q: %v", tzid, err)
	}
	if z.rules() > maxZoneRules {
		return QueryZone{}, fmt.Errorf("VTIMEZONE %q has more than %d recurring observances", tzid, maxZoneRules)
	}
	return QueryZone{z}, nil
}

// QueryZoneOf is an IANA zone as a QueryZone (RFC 7809's timezone-id).
func QueryZoneOf(loc *time.Location) QueryZone { return QueryZone{locZone{loc}} }

// ReadFloatingIn makes the object read its floating times and dates in
// q from now on.
func (o *CalendarObject) ReadFloatingIn(q QueryZone) {
	o.floating = q.z
	o.forgetSeries()
}
