package mapping

import (
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

// KeptFrom extracts what the rules keep of a client's component; "" when
// there is nothing.
func KeptFrom(c *ical.Component) (string, error) {
	kept := ical.NewComponent(c.Name)
	n := 0
	for name, props := range c.Props {
		if calendarOwned[name] {
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
// children (alarms) are appended to the rendered component.
func MergeKeptCalendar(body []byte, data string) ([]byte, error) {
	cal, _, main, k, err := decodeBoth(body, data)
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
	return EncodeCalendar(cal)
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
// client's own object (data, as it sent it) with what the PSA decides —
// the times, the completion and the link — taken from the rendering.
func OverlayClientToDo(body []byte, data string) ([]byte, error) {
	rendered, own, r, c, err := decodeBoth(body, data)
	if err != nil || r == nil {
		return body, err
	}
	clientStatus := propText(c, ical.PropStatus)
	for _, name := range []string{ical.PropDateTimeStart, ical.PropDue, ical.PropDuration, ical.PropDateTimeEnd,
		ical.PropStatus, ical.PropCompleted, ical.PropPercentComplete, ical.PropURL} {
		if r.Props[name] != nil {
			c.Props[name] = r.Props[name]
		} else {
			delete(c.Props, name)
		}
	}
	if clientStatus == "IN-PROCESS" && propText(c, ical.PropStatus) == "NEEDS-ACTION" {
		// The PSA knows done or not done; the client's "in process" stays.
		setRaw(c, ical.PropStatus, clientStatus)
	}
	mergeTimezones(own, rendered)
	return EncodeCalendar(own)
}

// mergeTimezones gives dst every VTIMEZONE of src it lacks (by TZID).
func mergeTimezones(dst, src *ical.Calendar) {
	have := map[string]bool{}
	for _, c := range dst.Children {
		if c.Name == ical.CompTimezone {
			have[propText(c, ical.PropTimezoneID)] = true
		}
	}
	var add []*ical.Component
	for _, c := range src.Children {
		if c.Name == ical.CompTimezone && !have[propText(c, ical.PropTimezoneID)] {
			add = append(add, c)
		}
	}
	dst.Children = append(add, dst.Children...)
}
