package mapping

import (
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// A client-created VEVENT stays one DAV object for its client, RRULE,
// EXDATE and overrides included, and becomes one PSA appointment per
// occurrence (PSA appointments have no recurrence; docs/psa-model.md): a
// single event is a series of one. Its occurrences are what the PSA gets:
// a private one (CLASS:PRIVATE or CONFIDENTIAL) as "Appointment" without
// description (docs/write-back.md), a free one (TRANSP:TRANSPARENT) only when the
// org sends free time, a cancelled one not at all.

// PrivateTitle is the PSA title of a private client appointment.
const PrivateTitle = "Appointment"

// Occurrence is one instance of a client's event as a PSA appointment.
type Occurrence struct {
	// RecurrenceID identifies the instance in its series: its original
	// start, or the zero time for an event that does not recur.
	RecurrenceID time.Time
	Start, End   time.Time
	Title        string
	Description  string
	Private      bool
	Free         bool
	Cancelled    bool
}

// Occurrences lists the event's instances that touch [from, to).
func (o *CalendarObject) Occurrences(from, to time.Time) []Occurrence {
	var out []Occurrence
	for _, in := range o.Instances(from, to) {
		if !from.IsZero() && in.End.Before(from) || !to.IsZero() && !in.Start.Before(to) {
			continue
		}
		out = append(out, occurrenceOf(in))
	}
	return out
}

func occurrenceOf(in Instance) Occurrence {
	c := in.Comp
	oc := Occurrence{RecurrenceID: in.RecurrenceID, Start: in.Start, End: in.End}
	class := strings.ToUpper(strings.TrimSpace(propText(c, ical.PropClass)))
	oc.Private = class == "PRIVATE" || class == "CONFIDENTIAL"
	oc.Free = strings.EqualFold(strings.TrimSpace(propText(c, ical.PropTransparency)), "TRANSPARENT")
	oc.Cancelled = strings.EqualFold(strings.TrimSpace(propText(c, ical.PropStatus)), "CANCELLED")
	if oc.Private {
		oc.Title = PrivateTitle
	} else {
		oc.Title = strings.TrimSpace(propText(c, ical.PropSummary))
		oc.Description = strings.TrimSpace(propText(c, ical.PropDescription))
		if oc.Title == "" {
			oc.Title = PrivateTitle
		}
	}
	return oc
}

// CheckOccurrence refuses an occurrence the PSA cannot hold: a title over
// its limit (a title cut short would be another title). A description
// over the limit is not refused: see PSADescription.
func CheckOccurrence(oc Occurrence, s *Schema) error {
	if n := s.MaxLength(EntityAppointments, "title"); n > 0 && PSALength(oc.Title) > n {
		return TooLong(ical.PropSummary, n, "title")
	}
	return nil
}

// PSADescription is the description the PSA gets for an occurrence: the
// client's DESCRIPTION where it fits the appointment's description, else
// its start, cut where a reader expects a cut (FitText). The client keeps
// its whole text: its event is kept as it sent it, and RenderClientEvent
// takes the PSA's description for the client's while it is that start.
// cut reports that the PSA gets less than the client wrote.
func (oc Occurrence) PSADescription(s *Schema) (text string, cut bool) {
	text, rest := FitText(oc.Description, s.MaxLength(EntityAppointments, "description"))
	return text, rest != ""
}

// SeriesLink is the PSA appointment made from one occurrence, as the PSA
// has it now.
type SeriesLink struct {
	RecurrenceID time.Time
	Start, End   time.Time
	Title        string
	Description  string
	Deleted      bool // the PSA deleted it
}

// RenderClientEvent serves a client's event back to it with what the PSA
// changed since: an occurrence the PSA moved gets its new times (an
// override for a series), a public one its new title and description, and
// one the PSA deleted becomes an EXDATE (a single event disappears: nil).
// A description the PSA holds as psadav sent it, the start of a longer
// DESCRIPTION (PSADescription under s's limits; s nil: none), is no change.
func RenderClientEvent(body []byte, floating *time.Location, links []SeriesLink, s *Schema) ([]byte, error) {
	if len(links) == 0 {
		return body, nil
	}
	o, err := ParseCalendarObject(body, floating)
	if err != nil {
		return nil, err
	}
	at := o.instancesAt(links)
	changed := false
	for _, l := range links {
		in, ok := at[l.RecurrenceID.Unix()]
		if !ok {
			continue
		}
		oc := occurrenceOf(in)
		if l.Deleted {
			if !o.Recurs() && (o.Master != nil || len(o.Overrides) == 1) {
				return nil, nil
			}
			o.exclude(in)
			changed = true
			continue
		}
		moved := !l.Start.Equal(oc.Start) || !l.End.Equal(oc.End)
		sent := oc.Description
		if s != nil {
			sent, _ = oc.PSADescription(s)
		}
		retitled := !oc.Private && (l.Title != oc.Title || normText(l.Description) != normText(sent))
		if !moved && !retitled {
			continue
		}
		c := in.Comp
		if o.Recurs() && !o.ownInstance(in) {
			c = o.override(in)
		}
		if moved {
			o.moveTo(c, l.Start, l.End)
		}
		if retitled {
			setText(c, ical.PropSummary, l.Title)
			setText(c, ical.PropDescription, l.Description)
		}
		changed = true
	}
	if !changed {
		return body, nil
	}
	return EncodeCalendar(o.Cal)
}

// instancesAt finds the instances the links name, by recurrence id in Unix
// seconds (the zero time: the event that does not recur), in one walk of
// the series: a walk per link cost a series of a few hundred links
// seconds.
func (o *CalendarObject) instancesAt(links []SeriesLink) map[int64]Instance {
	out := map[int64]Instance{}
	if o.Master != nil && !o.Recurs() {
		out[time.Time{}.Unix()] = o.instance(o.Master, time.Time{}, time.Time{})
		return out
	}
	want := map[int64]bool{}
	var last time.Time
	for _, l := range links {
		want[l.RecurrenceID.Unix()] = true
		if l.RecurrenceID.After(last) {
			last = l.RecurrenceID
		}
	}
	for _, c := range o.Overrides {
		if t, _, err := o.PropTime(c.Props.Get(ical.PropRecurrenceID)); err == nil && want[t.Unix()] {
			out[t.Unix()] = o.instance(c, time.Time{}, t)
		}
	}
	futures := o.thisAndFuture()
	o.occurrences(last, func(start time.Time) bool {
		if _, done := out[start.Unix()]; want[start.Unix()] && !done {
			out[start.Unix()] = o.occurrence(futures, start)
		}
		return !start.After(last)
	})
	return out
}

// exclude removes an instance from a series: an EXDATE, and its own
// override (a THISANDFUTURE one stays for the instances after it).
func (o *CalendarObject) exclude(in Instance) {
	for i, c := range o.Overrides {
		if c == in.Comp && o.ownInstance(in) {
			o.Overrides = append(o.Overrides[:i], o.Overrides[i+1:]...)
			o.removeChild(c)
			break
		}
	}
	if o.Master == nil {
		return // the override was the instance
	}
	p := ical.NewProp(ical.PropExceptionDates)
	o.formatLike(p, in.RecurrenceID, o.Master.Props.Get(ical.PropDateTimeStart))
	o.Master.Props.Add(p)
	o.forgetSeries()
}

func (o *CalendarObject) removeChild(c *ical.Component) {
	for i, ch := range o.Cal.Children {
		if ch == c {
			o.Cal.Children = append(o.Cal.Children[:i], o.Cal.Children[i+1:]...)
			return
		}
	}
}

// ownInstance reports whether an instance is its component's own: an
// override's at its RECURRENCE-ID, not the master's or a THISANDFUTURE
// override's standing for a later one.
func (o *CalendarObject) ownInstance(in Instance) bool {
	if in.Comp == o.Master {
		return false
	}
	rid, _, err := o.PropTime(in.Comp.Props.Get(ical.PropRecurrenceID))
	return err == nil && rid.Equal(in.RecurrenceID)
}

// override adds an override for an instance that is not its component's
// own: a copy of the component (the master, or a THISANDFUTURE override)
// without its recurrence, at the instance's time.
func (o *CalendarObject) override(in Instance) *ical.Component {
	c := ical.NewComponent(in.Comp.Name)
	for name, props := range in.Comp.Props {
		switch name {
		case ical.PropRecurrenceRule, ical.PropRecurrenceDates, ical.PropExceptionDates:
			continue
		}
		c.Props[name] = append([]ical.Prop(nil), props...)
	}
	c.Children = append(c.Children, in.Comp.Children...)
	rid := ical.NewProp(ical.PropRecurrenceID)
	o.formatLike(rid, in.RecurrenceID, o.Master.Props.Get(ical.PropDateTimeStart))
	c.Props.Set(rid)
	o.setInstant(c, ical.PropDateTimeStart, in.Start)
	if c.Props.Get(ical.PropDateTimeEnd) != nil {
		o.setInstant(c, ical.PropDateTimeEnd, in.End)
	} // DURATION, or no end at all, is the master's and holds as copied
	o.Overrides = append(o.Overrides, c)
	o.Cal.Children = append(o.Cal.Children, c)
	return c
}

// moveTo gives a component new times in its own forms (README: "Calendar
// and tasks"): DTSTART and DTEND keep theirs, DURATION stays DURATION, and
// an end left out stays out while the implied length (RFC 5545 §3.6.1)
// is unchanged. A DATE that cannot hold the new time becomes UTC, with
// its DTEND (RFC 5545 §3.6.1: both of one value type).
func (o *CalendarObject) moveTo(c *ical.Component, start, end time.Time) {
	implied := o.Duration(c)
	endLike, hasDur := c.Props.Get(ical.PropDateTimeEnd), c.Props.Get(ical.PropDuration) != nil
	if endLike != nil {
		cp := *endLike
		endLike = &cp
	}
	o.setInstant(c, ical.PropDateTimeStart, start)
	startDate := isDate(c.Props.Get(ical.PropDateTimeStart))
	switch d := end.Sub(start); {
	case hasDur && d >= 0 && (!startDate || d%(24*time.Hour) == 0):
		setRaw(c, ical.PropDuration, formatDuration(d))
	case hasDur:
		c.Props.Del(ical.PropDuration)
		o.setInstant(c, ical.PropDateTimeEnd, end)
	case endLike != nil:
		p := ical.NewProp(ical.PropDateTimeEnd)
		o.formatLike(p, end, endLike)
		c.Props.Set(p)
	case d != implied:
		o.setInstant(c, ical.PropDateTimeEnd, end)
	}
	if e := c.Props.Get(ical.PropDateTimeEnd); e != nil && isDate(e) != startDate {
		for _, name := range []string{ical.PropDateTimeStart, ical.PropDateTimeEnd} {
			t, _, _ := o.PropTime(c.Props.Get(name))
			setUTC(c, name, t)
		}
	}
}

// setInstant sets a time property to t, written the way the component's
// DTSTART is (its TZID, UTC or floating).
func (o *CalendarObject) setInstant(c *ical.Component, name string, t time.Time) {
	like := c.Props.Get(ical.PropDateTimeStart)
	if like == nil && o.Master != nil {
		like = o.Master.Props.Get(ical.PropDateTimeStart)
	}
	p := ical.NewProp(name)
	o.formatLike(p, t, like)
	c.Props.Set(p)
}

// formatLike writes t into p in like's form: a DATE stays a DATE when t is
// a midnight of the floating zone; a TZID time stays in that zone; else UTC.
func (o *CalendarObject) formatLike(p *ical.Prop, t time.Time, like *ical.Prop) {
	if like != nil {
		if q, ok := o.inForm(p.Name, t, like); ok {
			*p = *q
			return
		}
	}
	p.Params.Del(ical.ParamValue)
	p.Params.Del(ical.PropTimezoneID)
	p.Value = t.UTC().Format("20060102T150405Z")
}
