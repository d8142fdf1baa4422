package mapping

import (
	"time"

	"github.com/emersion/go-ical"
)

// Kept calendar properties: what a client sent on a PSA item that the PSA
// has no field for (VALARM reminders, CATEGORIES, COLOR, LOCATION of an
// appointment, X- properties, …). They are stored per user as a small
// VCALENDAR holding one component with only those properties and
// children, and merged into that user's object on every render, so a
// reminder set on the phone survives every later PSA change.

// calendarOwned are the properties psadav renders (or derives) for PSA
// items: a client's value is a change the rules judge, never kept.
var calendarOwned = map[string]bool{
	ical.PropUID: true, ical.PropDateTimeStamp: true, ical.PropDateTimeStart: true, ical.PropDateTimeEnd: true,
	ical.PropDuration: true, ical.PropDue: true, ical.PropSummary: true, ical.PropDescription: true, ical.PropURL: true,
	ical.PropCompleted: true, ical.PropPercentComplete: true, ical.PropCreated: true, ical.PropLastModified: true,
	ical.PropRecurrenceRule: true, ical.PropRecurrenceDates: true, ical.PropExceptionDates: true,
	ical.PropRecurrenceID: true,
}

// keptStamp fills the DTSTAMP and UID a kept component needs to be encoded.
const keptStamp = "19700101T000000Z"

// keptFrom extracts what the rules keep of a client's component; "" when
// there is nothing. The properties the rendering has (nil: none) are the
// PSA's (a service call's LOCATION): kept, a client's copy would show once
// the PSA dropped its own.
func keptFrom(c, rendered *ical.Component) (string, error) {
	kept := ical.NewComponent(c.Name)
	n := 0
	for name, props := range c.Props {
		if calendarOwned[name] || (rendered != nil && len(rendered.Props[name]) > 0) {
			continue
		}
		kept.Props[name] = append([]ical.Prop(nil), props...)
		n += len(props)
	}
	for _, child := range c.Children {
		kept.Children = append(kept.Children, child)
		n++
	}
	if n == 0 {
		return "", nil
	}
	setRaw(kept, ical.PropUID, "kept")
	setRaw(kept, ical.PropDateTimeStamp, keptStamp)
	return encodeSingle(kept)
}

// encodeSingle wraps one component in a VCALENDAR and encodes it.
func encodeSingle(c *ical.Component) (string, error) {
	cal := ical.NewCalendar()
	setRaw(cal.Component, ical.PropProductID, ProductID)
	setRaw(cal.Component, ical.PropVersion, "2.0")
	cal.Children = []*ical.Component{c}
	b, err := EncodeCalendar(cal)
	return string(b), err
}

// MergeKeptCalendar folds a user's kept properties into a rendered object:
// a property the rendering has wins, the others are added, and kept
// children (alarms) are appended to the rendered component. Kept date
// forms (KeptWithForms) replace the rendered times as ical_forms.go says;
// loc is the user's zone, which the rendering is in.
func MergeKeptCalendar(body []byte, data string, loc *time.Location) ([]byte, error) {
	cal, keptCal, main, k, err := decodeBoth(body, data)
	if err != nil || main == nil {
		return body, err
	}
	for name, props := range k.Props {
		if calendarOwned[name] || len(main.Props[name]) > 0 {
			continue
		}
		main.Props[name] = props
	}
	main.Children = append(main.Children, k.Children...)
	if p := keptCal.Props.Get(psaTimesProp); p != nil {
		if base, ok := parsePSATimes(p.Value); ok {
			if err := applyKeptForms(cal, main, body, data, base, loc); err != nil {
				return nil, err
			}
		}
	}
	return EncodeCalendar(cal)
}

// applyKeptForms gives main (of cal, the rendering being merged) the
// client's date forms from the kept data.
func applyKeptForms(cal *ical.Calendar, main *ical.Component, body []byte, data string, base PSATimes, loc *time.Location) error {
	rendered, err := ParseCalendarObject(body, loc)
	if err != nil {
		return err
	}
	forms, err := ParseCalendarObject([]byte(data), loc)
	if err != nil {
		return err
	}
	setDateProps(main, forms.reform(forms.Master, base, psaTimesOf(rendered), rendered.Master))
	addTimezones(cal, forms.Cal, tzidsOf(main))
	pruneTimezones(cal)
	return nil
}

// decodeBoth reads a rendered body and a user's kept data with their main
// components; the components are nil when there is nothing to merge (no
// data, or components of different kinds).
func decodeBoth(body []byte, data string) (rendered, kept *ical.Calendar, r, k *ical.Component, err error) {
	if data == "" {
		return nil, nil, nil, nil, nil
	}
	if rendered, err = DecodeCalendar(body); err != nil {
		return nil, nil, nil, nil, err
	}
	if kept, err = DecodeCalendar([]byte(data)); err != nil {
		return nil, nil, nil, nil, err
	}
	r, k = mainComponent(rendered), mainComponent(kept)
	if r == nil || k == nil || r.Name != k.Name {
		return nil, nil, nil, nil, nil
	}
	return rendered, kept, r, k, nil
}

// mainComponent is a calendar's first component that is not a VTIMEZONE.
func mainComponent(cal *ical.Calendar) *ical.Component {
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone {
			return c
		}
	}
	return nil
}

// OverlayClientToDo serves a client-created to-do to its creator: the
// client's own object (data, KeepClientObject) as it sent it, with what
// the PSA decided since — new times in the client's form (ical_forms.go),
// the completion, the link — taken from the rendering (body). When the PSA
// changed nothing the client's bytes are served unchanged. loc is the
// user's zone.
func OverlayClientToDo(body []byte, data string, loc *time.Location) ([]byte, error) {
	own, base, hasBase := splitBase(data)
	rendered, err := ParseCalendarObject(body, loc)
	if err != nil {
		return nil, err
	}
	o, err := ParseCalendarObject(own, loc)
	if err != nil {
		return nil, err
	}
	if o.Kind != rendered.Kind {
		return body, nil
	}
	psa := psaTimesOf(rendered)
	if !hasBase {
		base = o.clientBase(psa)
	}
	c, r := o.Master, rendered.Master
	changed := false
	if !psa.equal(base) {
		setDateProps(c, o.reform(c, base, psa, r))
		addTimezones(o.Cal, rendered.Cal, tzidsOf(c))
		changed = true
	}
	if overlayCompletion(o, c, rendered, r) {
		changed = true
	}
	if u := r.Props.Get(ical.PropURL); u != nil && (c.Props.Get(ical.PropURL) == nil || c.Props.Get(ical.PropURL).Value != u.Value) {
		c.Props.Set(u)
		changed = true
	}
	if !changed {
		return own, nil
	}
	return EncodeCalendar(o.Cal)
}

// overlayCompletion gives a client's to-do the PSA's completion where it
// differs: done or not, and the completion time. A client's IN-PROCESS
// stays while the PSA has the to-do open.
func overlayCompletion(o *CalendarObject, c *ical.Component, rendered *CalendarObject, r *ical.Component) bool {
	was, is := todoDone(c), todoDone(r)
	if was == is {
		cp, rp := c.Props.Get(ical.PropCompleted), r.Props.Get(ical.PropCompleted)
		if !is || cp == nil || rp == nil {
			return false
		}
		ct, _, err1 := o.PropTime(cp)
		rt, _, err2 := rendered.PropTime(rp)
		if err1 == nil && err2 == nil && ct.Equal(rt) {
			return false
		}
		c.Props.Set(rp)
		return true
	}
	for _, name := range []string{ical.PropStatus, ical.PropCompleted, ical.PropPercentComplete} {
		if p := r.Props.Get(name); p != nil {
			c.Props.Set(p)
		} else {
			c.Props.Del(name)
		}
	}
	return true
}
