package mapping

import (
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// What CalDAV reports need of an object besides matching: its instances
// expanded into separate components (RFC 4791 §9.6.5) and its busy time
// (RFC 4791 §7.10).

// overlaps reports whether an instance touches [from, to) (zero bounds
// are open); a zero-length instance touches the range it starts in.
func (in Instance) overlaps(from, to time.Time) bool {
	start, end := in.Start, in.End
	if start.IsZero() {
		start = end
	}
	if !to.IsZero() && !start.Before(to) {
		return false
	}
	if from.IsZero() {
		return true
	}
	return end.After(from) || (!end.After(start) && !start.Before(from))
}

// Expand writes the object's instances that touch [from, to) as separate
// components with a RECURRENCE-ID (for a series) and every DATE-TIME in
// UTC, without VTIMEZONE (RFC 4791 §9.6.5). An all-day series keeps its
// dates: the RECURRENCE-ID is a DATE like the DTSTART it stands for.
func (o *CalendarObject) Expand(from, to time.Time) ([]byte, error) {
	cal := ical.NewCalendar()
	for name, props := range o.Cal.Props {
		cal.Props[name] = props
	}
	// Overrides without their master keep their RECURRENCE-IDs too.
	recurs := o.Recurs() || o.OnlyOverrides()
	for _, in := range o.Instances(from, to) {
		if !in.overlaps(from, to) {
			continue
		}
		c := ical.NewComponent(in.Comp.Name)
		for name, props := range in.Comp.Props {
			switch name {
			case ical.PropRecurrenceRule, ical.PropRecurrenceDates, ical.PropExceptionDates, ical.PropRecurrenceID:
				continue
			}
			for _, p := range props {
				q := o.inUTC(p)
				c.Props.Add(&q)
			}
		}
		c.Children = in.Comp.Children
		if recurs {
			o.setRecurrenceID(c, in.RecurrenceID)
			o.moveInstance(c, in)
		}
		cal.Children = append(cal.Children, c)
	}
	if len(cal.Children) == 0 {
		// An empty VCALENDAR cannot be encoded; the master stands for the series.
		return EncodeCalendar(o.Cal)
	}
	return EncodeCalendar(cal)
}

// setRecurrenceID names the occurrence c stands for: a DATE when the
// series' DTSTART is one (RFC 5545 §3.8.4.4: the same value type), else
// a UTC DATE-TIME.
func (o *CalendarObject) setRecurrenceID(c *ical.Component, rid time.Time) {
	var like *ical.Prop
	if o.Master != nil {
		like = o.Master.Props.Get(ical.PropDateTimeStart)
	} else if len(o.Overrides) > 0 {
		like = o.Overrides[0].Props.Get(ical.PropRecurrenceID)
	}
	if p := like; p != nil && isDate(p) {
		q := ical.NewProp(ical.PropRecurrenceID)
		q.Params.Set(ical.ParamValue, "DATE")
		q.Value = o.floating.wall(rid).Format("20060102")
		c.Props.Set(q)
		return
	}
	setUTC(c, ical.PropRecurrenceID, rid)
}

// moveInstance moves the copy c of an instance's component to the
// instance's start: the master's DTSTART, DTEND and DUE by how far its
// occurrence lies from the first, a THISANDFUTURE override's likewise for
// the later instances it stands for. An override's own instance stays.
func (o *CalendarObject) moveInstance(c *ical.Component, in Instance) {
	own, _, ok := o.Start(in.Comp)
	if !ok || in.Start.IsZero() || own.Equal(in.Start) {
		return
	}
	shift := in.Start.Sub(own)
	for _, name := range []string{ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDue} {
		p := in.Comp.Props.Get(name)
		if p == nil {
			continue
		}
		moved := o.inUTC(*p)
		if isDate(p) {
			// Whole days: a shift between two midnights of the floating
			// zone is not one across a change of its offset.
			days := int(o.floating.wall(in.Start).Sub(o.floating.wall(own)).Round(24*time.Hour) / (24 * time.Hour))
			moved.Value = o.floating.wall(o.mustTime(p)).AddDate(0, 0, days).Format("20060102")
		} else {
			moved.Value = o.mustTime(p).Add(shift).UTC().Format("20060102T150405Z")
		}
		c.Props.Set(&moved)
	}
}

// inUTC is a copy of p with a DATE-TIME value (TZID or floating) in UTC.
func (o *CalendarObject) inUTC(p ical.Prop) ical.Prop {
	q := ical.Prop{Name: p.Name, Params: ical.Params{}, Value: p.Value}
	for k, v := range p.Params {
		q.Params[k] = v
	}
	switch p.Name {
	case ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDue, ical.PropRecurrenceID, ical.PropCompleted,
		ical.PropCreated, ical.PropLastModified, ical.PropDateTimeStamp:
	default:
		return q
	}
	if isDate(&p) {
		return q
	}
	if t, _, err := o.PropTime(&p); err == nil {
		q.Params.Del(ical.PropTimezoneID)
		q.Value = t.UTC().Format("20060102T150405Z")
	}
	return q
}

// TimeBounds is what the store keeps to prefilter time-range queries
// (Unix seconds): the span of the object's occurrences (Span), with no end
// for an endless series. ok is false when the object has no bounds: a
// VTODO without DTSTART and DUE matches ranges by COMPLETED and CREATED,
// or every range (RFC 4791 §9.9), so it must never be skipped.
func (o *CalendarObject) TimeBounds() (start int64, end *int64, ok bool) {
	for _, c := range o.components() {
		if c.Props.Get(ical.PropDateTimeStart) == nil && c.Props.Get(ical.PropDue) == nil {
			return 0, nil, false
		}
	}
	s, e := o.Span()
	if e != nil {
		end = new(e.Unix())
	}
	return s.Unix(), end, true
}

func (o *CalendarObject) mustTime(p *ical.Prop) time.Time {
	t, _, _ := o.PropTime(p)
	return t
}

func setUTC(c *ical.Component, name string, t time.Time) {
	setRaw(c, name, t.UTC().Format("20060102T150405Z"))
}

// BusyType is a FREEBUSY FBTYPE (RFC 5545 §3.2.9).
type BusyType string

const (
	Busy          BusyType = "BUSY"
	BusyTentative BusyType = "BUSY-TENTATIVE"
)

// Period is busy time.
type Period struct {
	Start, End time.Time
	Type       BusyType
}

// BusyPeriods is the busy time of a VEVENT object inside [from, to): every
// instance but the free (TRANSP:TRANSPARENT) and cancelled ones,
// tentative ones as BUSY-TENTATIVE. A private event is busy like any
// other; free/busy never carries details.
func (o *CalendarObject) BusyPeriods(from, to time.Time) []Period {
	if o.Kind != ical.CompEvent {
		return nil
	}
	var out []Period
	for _, in := range o.Instances(from, to) {
		c := in.Comp
		if !in.overlaps(from, to) || !in.End.After(in.Start) ||
			strings.EqualFold(strings.TrimSpace(propText(c, ical.PropTransparency)), "TRANSPARENT") {
			continue
		}
		typ := Busy
		switch strings.ToUpper(strings.TrimSpace(propText(c, ical.PropStatus))) {
		case "CANCELLED":
			continue
		case "TENTATIVE":
			typ = BusyTentative
		}
		out = append(out, Period{Start: maxT(in.Start, from), End: minT(in.End, to), Type: typ})
	}
	return out
}

// RenderFreeBusy answers a free-busy-query: one VFREEBUSY for [from, to)
// with the busy periods merged per type (RFC 4791 §7.10).
func RenderFreeBusy(from, to, now time.Time, uid string, periods []Period) ([]byte, error) {
	cal := ical.NewCalendar()
	setRaw(cal.Component, ical.PropProductID, ProductID)
	setRaw(cal.Component, ical.PropVersion, "2.0")
	fb := ical.NewComponent(ical.CompFreeBusy)
	setText(fb, ical.PropUID, uid)
	setUTC(fb, ical.PropDateTimeStamp, now)
	setUTC(fb, ical.PropDateTimeStart, from)
	setUTC(fb, ical.PropDateTimeEnd, to)
	for _, typ := range []BusyType{Busy, BusyTentative} {
		var ps []Period
		for _, p := range periods {
			if p.Type == typ {
				ps = append(ps, p)
			}
		}
		merged := mergePeriods(ps)
		if len(merged) == 0 {
			continue
		}
		vals := make([]string, len(merged))
		for i, p := range merged {
			vals[i] = p.Start.UTC().Format("20060102T150405Z") + "/" + p.End.UTC().Format("20060102T150405Z")
		}
		prop := ical.NewProp(ical.PropFreeBusy)
		if typ != Busy {
			prop.Params.Set(ical.ParamFreeBusyType, string(typ))
		}
		prop.Value = strings.Join(vals, ",")
		fb.Props.Add(prop)
	}
	cal.Children = []*ical.Component{fb}
	return EncodeCalendar(cal)
}

// mergePeriods sorts periods and joins those that overlap or touch.
func mergePeriods(ps []Period) []Period {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Start.Before(ps[j].Start) })
	var out []Period
	for _, p := range ps {
		if n := len(out); n > 0 && !p.Start.After(out[n-1].End) {
			if p.End.After(out[n-1].End) {
				out[n-1].End = p.End
			}
			continue
		}
		out = append(out, p)
	}
	return out
}

func minT(a, b time.Time) time.Time {
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
