package mapping

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// CalendarObject is one calendar object resource (RFC 4791 §4.1) as psadav
// reads it: one UID, one kind of component, a master and its overridden
// instances, and the zones its TZIDs name.
type CalendarObject struct {
	Cal  *ical.Calendar
	Kind string // VEVENT or VTODO
	UID  string
	// Master is the component without RECURRENCE-ID; nil when the object
	// holds only overridden instances (what iOS stores for an invitation
	// to some instances of a series: RFC 6638 §3.2.3 allows it).
	Master    *ical.Component
	Overrides []*ical.Component
	zones     map[string]zone
	floating  zone // for floating times and dates: the user's zone
	repaired  bool // complete() added what the client left out

	// The master's recurrence, read once (ical_instances.go): a report
	// asks for it several times, and a rule that yields nothing costs a
	// walk to find out. It makes an object (like its VTIMEZONEs' walks)
	// one goroutine's: each request parses its own.
	rec      *recurrence
	recZone  zone
	recKnown bool
}

// ParseCalendarObject reads and checks a client's (or a stored) calendar
// object. floating is the zone of times without TZID (the user's zone).
// A body that breaks the rules is refused with a *Refusal saying why.
func ParseCalendarObject(body []byte, floating *time.Location) (*CalendarObject, error) {
	cal, err := DecodeCalendar(body)
	if err != nil {
		return nil, refuse(RefuseInvalidData, "%v", err)
	}
	if floating == nil {
		floating = time.UTC
	}
	o := &CalendarObject{Cal: cal, zones: map[string]zone{}, floating: locZone{floating}}
	if err := o.check(); err != nil {
		return nil, err
	}
	o.complete()
	if _, err := EncodeCalendar(cal); err != nil {
		return nil, refuse(RefuseInvalidData, "%v", err)
	}
	return o, nil
}

// complete adds what RFC 5545 requires and some clients leave out: PRODID,
// VERSION, and a DTSTAMP (from LAST-MODIFIED, CREATED or DTSTART).
func (o *CalendarObject) complete() {
	if o.Cal.Props.Get(ical.PropProductID) == nil {
		setRaw(o.Cal.Component, ical.PropProductID, ProductID)
		o.repaired = true
	}
	if o.Cal.Props.Get(ical.PropVersion) == nil {
		setRaw(o.Cal.Component, ical.PropVersion, "2.0")
		o.repaired = true
	}
	for _, c := range o.components() {
		if c.Props.Get(ical.PropDateTimeStamp) != nil {
			continue
		}
		o.repaired = true
		stamp := time.Unix(0, 0)
		for _, name := range []string{ical.PropLastModified, ical.PropCreated, ical.PropDateTimeStart} {
			if p := c.Props.Get(name); p != nil {
				// A stamp must be writable as a DATE-TIME: year 1 or later in UTC.
				if t, _, err := o.PropTime(p); err == nil && t.UTC().Year() >= 1 {
					stamp = t
					break
				}
			}
		}
		setUTC(c, ical.PropDateTimeStamp, stamp)
	}
}

// check enforces RFC 4791 §4.1 and what psadav needs to read the times.
func (o *CalendarObject) check() error {
	cal := o.Cal
	rules := 0
	if cal.Props.Get(ical.PropMethod) != nil {
		return refuse(RefuseInvalidObject, "a calendar object resource must not carry METHOD (RFC 4791 §4.1); send the object without it")
	}
	if v := cal.Props.Get(ical.PropVersion); v != nil && strings.TrimSpace(v.Value) != "2.0" {
		return refuse(RefuseInvalidData, "VERSION %q: only iCalendar 2.0 is supported", v.Value)
	}
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone {
			continue
		}
		tzid := strings.TrimSpace(propText(c, ical.PropTimezoneID))
		if tzid == "" {
			return refuse(RefuseInvalidData, "a VTIMEZONE has no TZID")
		}
		if loc, ok := LoadIANA(tzid); ok {
			o.zones[tzid] = locZone{loc} // Go's rules for a zone it knows
			continue
		}
		z, err := parseVTimezone(c)
		if err != nil {
			return refuse(RefuseInvalidData, "VTIMEZONE %q: %v", tzid, err)
		}
		if rules += z.rules(); rules > maxZoneRules {
			return refuse(RefuseInvalidData, "the object's VTIMEZONEs have more than %d recurring observances", maxZoneRules)
		}
		o.zones[tzid] = z
	}
	rids := map[int64]bool{}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			continue
		}
		switch {
		case c.Name != ical.CompEvent && c.Name != ical.CompToDo:
			return refuse(RefuseUnsupportedComponent, "%s components are not supported here; psadav holds VEVENT and VTODO", c.Name)
		case o.Kind == "":
			o.Kind = c.Name
		case o.Kind != c.Name:
			return refuse(RefuseInvalidObject, "one calendar object holds %s and %s; RFC 4791 §4.1 allows one component type per object", o.Kind, c.Name)
		}
		uid := strings.TrimSpace(propText(c, ical.PropUID))
		switch {
		case uid == "":
			return refuse(RefuseInvalidObject, "a %s has no UID", c.Name)
		case o.UID == "":
			o.UID = uid
		case o.UID != uid:
			return refuse(RefuseInvalidObject, "one calendar object holds UIDs %q and %q; RFC 4791 §4.1 wants one UID per object", o.UID, uid)
		}
		if err := o.checkZones(c); err != nil {
			return err
		}
		if err := o.checkTimes(c); err != nil {
			return err
		}
		rid := c.Props.Get(ical.PropRecurrenceID)
		if rid == nil {
			if o.Master != nil {
				return refuse(RefuseInvalidObject, "two %s components without RECURRENCE-ID share UID %q", c.Name, uid)
			}
			o.Master = c
			continue
		}
		t, _, err := o.PropTime(rid)
		if err != nil {
			return refuse(RefuseInvalidData, "RECURRENCE-ID: %v", err)
		}
		if rids[t.Unix()] {
			return refuse(RefuseInvalidObject, "two overrides of the instance %s", t.Format(time.RFC3339))
		}
		rids[t.Unix()] = true
		o.Overrides = append(o.Overrides, c)
	}
	if o.Kind == "" {
		return refuse(RefuseInvalidData, "the calendar holds no VEVENT or VTODO")
	}
	if o.Master == nil {
		return nil // only overridden instances: each is an event of its own
	}
	if p := o.Master.Props.Get(ical.PropRecurrenceRule); p != nil {
		w, z, date, err := o.wallStart(o.Master)
		if err != nil {
			return refuse(RefuseInvalidData, "%v", err)
		}
		if w.IsZero() {
			return refuse(RefuseInvalidData, "a recurring %s needs a DTSTART", o.Kind)
		}
		if _, err := parseRecurrence(p.Value, w, date, z); err != nil {
			return refuse(RefuseInvalidData, "%v", err)
		}
	}
	return nil
}

// checkZones makes sure every TZID the component uses can be read.
func (o *CalendarObject) checkZones(c *ical.Component) error {
	for name, props := range c.Props {
		for _, p := range props {
			tzid := strings.TrimSpace(p.Params.Get(ical.PropTimezoneID))
			if tzid == "" || o.zones[tzid] != nil {
				continue
			}
			loc, ok := LoadIANA(tzid)
			if !ok {
				return &Refusal{Code: RefuseUnknownTimeZone, Fields: []string{name},
					Message: fmt.Sprintf("%s names the time zone %q, which the object does not define with a VTIMEZONE and which is not an IANA time zone", name, tzid)}
			}
			o.zones[tzid] = locZone{loc}
		}
	}
	for _, child := range c.Children {
		if err := o.checkZones(child); err != nil {
			return err
		}
	}
	return nil
}

// checkTimes reads every date and time of a component once.
func (o *CalendarObject) checkTimes(c *ical.Component) error {
	for _, name := range []string{ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDue, ical.PropCompleted,
		ical.PropCreated, ical.PropDateTimeStamp, ical.PropLastModified, ical.PropExceptionDates, ical.PropRecurrenceDates} {
		for i := range c.Props.Values(name) {
			if _, err := o.propTimes(&c.Props[name][i]); err != nil {
				return refuse(RefuseInvalidData, "%s: %v", name, err)
			}
		}
	}
	start, _, hasStart := o.Start(c)
	if c.Name == ical.CompEvent && !hasStart {
		return refuse(RefuseInvalidData, "a VEVENT needs a DTSTART")
	}
	if p := c.Props.Get(ical.PropDuration); p != nil && (strings.HasSuffix(p.Value, "DT") || strings.HasSuffix(p.Value, "WT")) {
		// "P1DT": a time part without time, as old Apple iCal wrote; RFC
		// 5545 §3.3.6 needs a figure after T. Read as the day part alone.
		p.Value = strings.TrimSuffix(p.Value, "T")
		o.repaired = true
	}
	if c.Props.Get(ical.PropDuration) != nil {
		if c.Props.Get(ical.PropDateTimeEnd) != nil || c.Props.Get(ical.PropDue) != nil {
			return refuse(RefuseInvalidData, "%s has DURATION and also DTEND or DUE; RFC 5545 allows one", c.Name)
		}
		if !hasStart {
			return refuse(RefuseInvalidData, "%s has DURATION but no DTSTART", c.Name)
		}
		if _, err := c.Props.Get(ical.PropDuration).Duration(); err != nil {
			return refuse(RefuseInvalidData, "DURATION: %v", strings.TrimPrefix(err.Error(), "ical: "))
		}
	}
	for _, name := range []string{ical.PropDateTimeEnd, ical.PropDue} {
		if p := c.Props.Get(name); p != nil && hasStart {
			end, _, _ := o.PropTime(p)
			if end.Before(start) {
				return refuse(RefuseInvalidData, "%s is before DTSTART", name)
			}
		}
	}
	return nil
}

// zoneOf is the zone a date or time property is read in.
func (o *CalendarObject) zoneOf(p *ical.Prop) zone {
	if tzid := strings.TrimSpace(p.Params.Get(ical.PropTimezoneID)); tzid != "" {
		if z := o.zones[tzid]; z != nil {
			return z
		}
	}
	return o.floating
}

// propTimes reads a DATE or DATE-TIME property (a list for EXDATE and
// RDATE; a PERIOD counts by its start) as instants.
func (o *CalendarObject) propTimes(p *ical.Prop) ([]time.Time, error) {
	var out []time.Time
	for _, v := range strings.Split(p.Value, ",") {
		v, _, _ = strings.Cut(v, "/") // PERIOD: start/end or start/duration
		w, utc, err := parseWall(v)
		if err != nil {
			return nil, err
		}
		if utc {
			out = append(out, w)
		} else {
			out = append(out, o.zoneOf(p).instant(w))
		}
	}
	return out, nil
}

// PropTime reads a DATE or DATE-TIME property as an instant (a DATE is
// midnight in the floating zone) and reports whether it is a DATE.
func (o *CalendarObject) PropTime(p *ical.Prop) (time.Time, bool, error) {
	ts, err := o.propTimes(p)
	if err != nil {
		return time.Time{}, false, err
	}
	return ts[0], isDate(p), nil
}

func isDate(p *ical.Prop) bool {
	return strings.EqualFold(p.Params.Get(ical.ParamValue), "DATE") || len(strings.TrimSpace(p.Value)) == 8
}

// Start is a component's DTSTART, whether it is a DATE, and whether it has one.
func (o *CalendarObject) Start(c *ical.Component) (t time.Time, date, ok bool) {
	p := c.Props.Get(ical.PropDateTimeStart)
	if p == nil {
		return time.Time{}, false, false
	}
	t, date, err := o.PropTime(p)
	return t, date, err == nil
}

// wallStart is a component's DTSTART as a wall clock with its zone.
func (o *CalendarObject) wallStart(c *ical.Component) (time.Time, zone, bool, error) {
	p := c.Props.Get(ical.PropDateTimeStart)
	if p == nil {
		return time.Time{}, nil, false, nil
	}
	w, utc, err := parseWall(p.Value)
	if err != nil {
		return time.Time{}, nil, false, err
	}
	if utc {
		return w, locZone{time.UTC}, false, nil
	}
	return w, o.zoneOf(p), isDate(p), nil
}

// Duration is a component's length: DTEND (or DUE) − DTSTART, DURATION,
// one day for a DATE event and zero otherwise (RFC 5545 §3.6.1).
func (o *CalendarObject) Duration(c *ical.Component) time.Duration {
	start, date, ok := o.Start(c)
	if !ok {
		return 0
	}
	for _, name := range []string{ical.PropDateTimeEnd, ical.PropDue} {
		if p := c.Props.Get(name); p != nil {
			if end, _, err := o.PropTime(p); err == nil {
				return end.Sub(start)
			}
		}
	}
	if p := c.Props.Get(ical.PropDuration); p != nil {
		if d, err := p.Duration(); err == nil {
			return d
		}
	}
	if date && c.Name == ical.CompEvent {
		return 24 * time.Hour
	}
	return 0
}

// Recurs reports whether the master has a recurrence rule or dates.
func (o *CalendarObject) Recurs() bool {
	return o.Master != nil && (o.Master.Props.Get(ical.PropRecurrenceRule) != nil || o.Master.Props.Get(ical.PropRecurrenceDates) != nil)
}

// OnlyOverrides reports whether the object holds overridden instances
// without their master.
func (o *CalendarObject) OnlyOverrides() bool { return o.Master == nil }

// components are the master (when there is one) and the overrides.
func (o *CalendarObject) components() []*ical.Component {
	if o.Master == nil {
		return o.Overrides
	}
	return append([]*ical.Component{o.Master}, o.Overrides...)
}

// Floating is the zone floating times are read in.
func (o *CalendarObject) Floating() *time.Location {
	if z, ok := o.floating.(locZone); ok {
		return z.loc
	}
	return time.UTC
}
