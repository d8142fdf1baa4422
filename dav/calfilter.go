package dav

import (
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/psadav/psadav/mapping"
)

// Evaluating CalDAV filters (RFC 4791 §9.7) on parsed objects: a recurring
// object matches when one of its instances does. Time ranges follow §9.9
// for VEVENT, VTODO and VALARM.

// matchObject evaluates a filter whose top comp-filter names VCALENDAR.
func matchObject(f compFilter, o *mapping.CalendarObject) bool {
	if f.name != ical.CompCalendar {
		return false
	}
	if f.isNotDefined {
		return false
	}
	if !matchProps(f.props, o, o.Cal.Component) {
		return false
	}
	for _, cf := range f.comps {
		if !matchTopComp(cf, o) {
			return false
		}
	}
	return true
}

// matchTopComp evaluates a comp-filter on the object's VEVENT or VTODO,
// instance by instance.
func matchTopComp(f compFilter, o *mapping.CalendarObject) bool {
	if f.name == ical.CompTimezone {
		has := false
		for _, c := range o.Cal.Children {
			if c.Name == ical.CompTimezone {
				has = true
				if !f.isNotDefined && matchProps(f.props, o, c) {
					return true
				}
			}
		}
		return f.isNotDefined && !has
	}
	if f.name != o.Kind {
		return f.isNotDefined
	}
	if f.isNotDefined {
		return false
	}
	var from, to time.Time
	if f.tr != nil {
		from, to = f.tr.start, f.tr.end
	}
	for _, in := range o.Instances(from, to) {
		if f.tr != nil && !instanceInRange(o, in, *f.tr) {
			continue
		}
		if !matchProps(f.props, o, in.Comp) {
			continue
		}
		ok := true
		for _, cf := range f.comps {
			if !matchSubComp(cf, o, in) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// matchSubComp evaluates a comp-filter on an instance's children (VALARM).
func matchSubComp(f compFilter, o *mapping.CalendarObject, in mapping.Instance) bool {
	seen := false
	for _, c := range in.Comp.Children {
		if c.Name != f.name {
			continue
		}
		seen = true
		if f.isNotDefined {
			return false
		}
		if f.tr != nil && !alarmInRange(o, c, in, *f.tr) {
			continue
		}
		if matchProps(f.props, o, c) {
			return true
		}
	}
	return f.isNotDefined && !seen
}

func matchProps(fs []propFilter, o *mapping.CalendarObject, c *ical.Component) bool {
	for _, f := range fs {
		if !matchProp(f, o, c) {
			return false
		}
	}
	return true
}

func matchProp(f propFilter, o *mapping.CalendarObject, c *ical.Component) bool {
	props := c.Props.Values(f.name)
	if f.isNotDefined {
		return len(props) == 0
	}
	for i := range props {
		p := &props[i]
		if f.tr != nil {
			t, _, err := o.PropTime(p)
			if err != nil || !f.tr.contains(t) {
				continue
			}
		}
		if f.text != nil && !f.text.matches([]string{mapping.TextValue(p)}) {
			continue
		}
		if matchParams(f.params, p) {
			return true
		}
	}
	return false
}

func matchParams(fs []paramFilter, p *ical.Prop) bool {
	for _, f := range fs {
		vals := p.Params.Values(f.name)
		switch {
		case f.isNotDefined:
			if len(vals) > 0 {
				return false
			}
		case len(vals) == 0:
			return false
		case f.text != nil && !f.text.matches(vals):
			return false
		}
	}
	return true
}

// contains: start <= t < end.
func (tr timeRange) contains(t time.Time) bool {
	return (tr.start.IsZero() || !t.Before(tr.start)) && (tr.end.IsZero() || t.Before(tr.end))
}

// Comparisons with open bounds: an open start is before everything, an
// open end after everything.
func (tr timeRange) startBefore(t time.Time) bool { return tr.start.IsZero() || tr.start.Before(t) }
func (tr timeRange) startAtMost(t time.Time) bool { return tr.start.IsZero() || !tr.start.After(t) }
func (tr timeRange) endAfter(t time.Time) bool    { return tr.end.IsZero() || tr.end.After(t) }
func (tr timeRange) endAtLeast(t time.Time) bool  { return tr.end.IsZero() || !tr.end.Before(t) }
func (tr timeRange) overlaps(s, e time.Time) bool { return tr.startBefore(e) && tr.endAfter(s) }
func (tr timeRange) startsIn(s time.Time) bool    { return tr.startAtMost(s) && tr.endAfter(s) }

// instanceInRange is RFC 4791 §9.9 for VEVENT and VTODO.
func instanceInRange(o *mapping.CalendarObject, in mapping.Instance, tr timeRange) bool {
	if in.Comp.Name == ical.CompEvent {
		switch {
		case in.HasEnd:
			return tr.overlaps(in.Start, in.End)
		case in.HasDuration && in.End.After(in.Start):
			return tr.overlaps(in.Start, in.End)
		case in.HasDuration, !in.Date:
			return tr.startsIn(in.Start)
		default: // a DATE without DTEND: one day
			return tr.overlaps(in.Start, in.End)
		}
	}
	hasStart := !in.Start.IsZero()
	switch {
	case hasStart && in.HasDuration:
		return tr.startAtMost(in.End) && (tr.endAfter(in.Start) || tr.endAtLeast(in.End))
	case hasStart && in.HasEnd:
		return (tr.startBefore(in.End) || tr.startAtMost(in.Start)) && (tr.endAfter(in.Start) || tr.endAtLeast(in.End))
	case hasStart:
		return tr.startsIn(in.Start)
	case in.HasEnd:
		return tr.startBefore(in.End) && tr.endAtLeast(in.End)
	}
	completed, hasCompleted := propInstant(o, in.Comp, ical.PropCompleted)
	created, hasCreated := propInstant(o, in.Comp, ical.PropCreated)
	switch {
	case hasCompleted && hasCreated:
		return (tr.startAtMost(created) || tr.startAtMost(completed)) && (tr.endAtLeast(created) || tr.endAtLeast(completed))
	case hasCompleted:
		return tr.startAtMost(completed) && tr.endAtLeast(completed)
	case hasCreated:
		return tr.endAfter(created)
	}
	return true
}

func propInstant(o *mapping.CalendarObject, c *ical.Component, name string) (time.Time, bool) {
	p := c.Props.Get(name)
	if p == nil {
		return time.Time{}, false
	}
	t, _, err := o.PropTime(p)
	return t, err == nil
}

// alarmInRange is RFC 4791 §9.9 for VALARM: a trigger (or one of its
// repetitions) inside the range.
func alarmInRange(o *mapping.CalendarObject, alarm *ical.Component, in mapping.Instance, tr timeRange) bool {
	trig := alarm.Props.Get(ical.PropTrigger)
	if trig == nil {
		return false
	}
	var at time.Time
	if strings.EqualFold(trig.Params.Get(ical.ParamValue), "DATE-TIME") {
		t, _, err := o.PropTime(trig)
		if err != nil {
			return false
		}
		at = t
	} else {
		d, err := trig.Duration()
		if err != nil {
			return false
		}
		base := in.Start
		if strings.EqualFold(trig.Params.Get(ical.ParamRelated), "END") {
			base = in.End
		}
		at = base.Add(d)
	}
	repeat := 0
	var every time.Duration
	if r := alarm.Props.Get(ical.PropRepeat); r != nil {
		if n, err := r.Int(); err == nil && n > 0 && n < 1000 {
			if dp := alarm.Props.Get(ical.PropDuration); dp != nil {
				if d, err := dp.Duration(); err == nil && d > 0 {
					repeat, every = n, d
				}
			}
		}
	}
	for i := 0; i <= repeat; i++ {
		if tr.contains(at.Add(time.Duration(i) * every)) {
			return true
		}
	}
	return false
}
