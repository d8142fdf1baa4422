package dav

import (
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/psadav/psadav/mapping"
)

// CalDAV filters (RFC 4791 §9.7): comp-filter, prop-filter, param-filter,
// text-match and time-range, evaluated on parsed objects. Time ranges
// follow §9.9 for VEVENT, VTODO and VALARM; a recurring object matches
// when one of its instances does.

type timeRangeXML struct {
	Start string `xml:"start,attr"`
	End   string `xml:"end,attr"`
}

type textMatchXML struct {
	Collation string `xml:"collation,attr"`
	Negate    string `xml:"negate-condition,attr"`
	Text      string `xml:",chardata"`
}

type paramFilterXML struct {
	Name         string        `xml:"name,attr"`
	IsNotDefined *struct{}     `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TextMatch    *textMatchXML `xml:"urn:ietf:params:xml:ns:caldav text-match"`
}

type propFilterXML struct {
	Name         string           `xml:"name,attr"`
	IsNotDefined *struct{}        `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TimeRange    *timeRangeXML    `xml:"urn:ietf:params:xml:ns:caldav time-range"`
	TextMatch    *textMatchXML    `xml:"urn:ietf:params:xml:ns:caldav text-match"`
	Params       []paramFilterXML `xml:"urn:ietf:params:xml:ns:caldav param-filter"`
}

type compFilterXML struct {
	Name         string          `xml:"name,attr"`
	IsNotDefined *struct{}       `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TimeRange    *timeRangeXML   `xml:"urn:ietf:params:xml:ns:caldav time-range"`
	Props        []propFilterXML `xml:"urn:ietf:params:xml:ns:caldav prop-filter"`
	Comps        []compFilterXML `xml:"urn:ietf:params:xml:ns:caldav comp-filter"`
}

// timeRange is a parsed time-range; zero bounds are open.
type timeRange struct{ start, end time.Time }

var condValidFilter = name(nsCalDAV, "valid-filter")

func (x *timeRangeXML) parse() (*timeRange, error) {
	if x == nil {
		return nil, nil
	}
	var tr timeRange
	var err error
	if x.Start == "" && x.End == "" {
		return nil, errCond(http.StatusBadRequest, condValidFilter, "a time-range needs a start or an end")
	}
	if tr.start, err = parseUTC(x.Start); err != nil {
		return nil, err
	}
	if tr.end, err = parseUTC(x.End); err != nil {
		return nil, err
	}
	if !tr.start.IsZero() && !tr.end.IsZero() && !tr.end.After(tr.start) {
		return nil, errCond(http.StatusBadRequest, condValidFilter, "a time-range must end after it starts")
	}
	return &tr, nil
}

// parseUTC reads a time-range bound: a UTC DATE-TIME (RFC 4791 §9.9).
func parseUTC(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("20060102T150405Z", strings.ToUpper(v))
	if err != nil {
		return time.Time{}, errCond(http.StatusBadRequest, condValidFilter, "time %q is not a UTC date-time like 20060102T150405Z", v)
	}
	return t, nil
}

// compFilter is a checked comp-filter.
type compFilter struct {
	name         string
	isNotDefined bool
	tr           *timeRange
	props        []propFilter
	comps        []compFilter
}

type propFilter struct {
	name         string
	isNotDefined bool
	tr           *timeRange
	text         *textMatch
	params       []paramFilter
}

type paramFilter struct {
	name         string
	isNotDefined bool
	text         *textMatch
}

type textMatch struct {
	text   string
	fold   func(string) string
	negate bool
}

func (x *compFilterXML) parse() (compFilter, error) {
	f := compFilter{name: strings.ToUpper(strings.TrimSpace(x.Name)), isNotDefined: x.IsNotDefined != nil}
	if f.name == "" {
		return f, errCond(http.StatusBadRequest, condValidFilter, "a comp-filter needs a name")
	}
	var err error
	if f.tr, err = x.TimeRange.parse(); err != nil {
		return f, err
	}
	for i := range x.Props {
		p, err := x.Props[i].parse()
		if err != nil {
			return f, err
		}
		f.props = append(f.props, p)
	}
	for i := range x.Comps {
		c, err := x.Comps[i].parse()
		if err != nil {
			return f, err
		}
		f.comps = append(f.comps, c)
	}
	return f, nil
}

func (x *propFilterXML) parse() (propFilter, error) {
	f := propFilter{name: strings.ToUpper(strings.TrimSpace(x.Name)), isNotDefined: x.IsNotDefined != nil}
	var err error
	if f.tr, err = x.TimeRange.parse(); err != nil {
		return f, err
	}
	if f.text, err = x.TextMatch.parse(); err != nil {
		return f, err
	}
	for _, p := range x.Params {
		pf := paramFilter{name: strings.ToUpper(strings.TrimSpace(p.Name)), isNotDefined: p.IsNotDefined != nil}
		if pf.text, err = p.TextMatch.parse(); err != nil {
			return f, err
		}
		f.params = append(f.params, pf)
	}
	return f, nil
}

// parse checks the collation (RFC 4791 §7.5): i;ascii-casemap (the
// default, case-insensitive), i;unicode-casemap, or i;octet.
func (x *textMatchXML) parse() (*textMatch, error) {
	if x == nil {
		return nil, nil
	}
	m := &textMatch{negate: strings.EqualFold(strings.TrimSpace(x.Negate), "yes")}
	switch strings.TrimSpace(x.Collation) {
	case "", "i;ascii-casemap":
		m.fold = asciiLower
	case "i;unicode-casemap":
		m.fold = strings.ToLower
	case "i;octet":
		m.fold = func(s string) string { return s }
	default:
		return nil, errCond(http.StatusForbidden, name(nsCalDAV, "supported-collation"), "collation %q is not supported", x.Collation)
	}
	m.text = m.fold(x.Text)
	return m, nil
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func (m *textMatch) matches(values []string) bool {
	found := false
	for _, v := range values {
		if strings.Contains(m.fold(v), m.text) {
			found = true
			break
		}
	}
	return found != m.negate
}

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
