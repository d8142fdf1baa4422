package mapping

import (
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// Rendering PSA calendar items (docs/write-back.md, "Calendar items"). Every item
// gets a stable UID, a URL that opens it in the PSA and the same link as
// the last line of its DESCRIPTION (time off keeps its DESCRIPTION empty,
// as Autotask's Exchange extension does, and carries only the URL). PSA times are UTC; they are
// written in the user's zone with a VTIMEZONE generated from Go's zone
// database for the years the item spans, or in UTC.

// CalendarContext is what every rendering needs besides the records.
type CalendarContext struct {
	Location     *time.Location // the user's zone; nil or UTC: times in UTC
	LinkTemplate string         // the org's PSA link template
}

// linkLabel introduces the PSA link in a DESCRIPTION.
const linkLabel = "Open in the PSA: "

// item is a calendar being rendered around its one component.
type item struct {
	ctx  CalendarContext
	cal  *ical.Calendar
	comp *ical.Component
}

// newItem starts a calendar with one component of kind comp. stamp is the
// record's change stamp (DTSTAMP must not move while the record does not,
// or the ETag would); start and end are the times the item spans.
func newItem(ctx CalendarContext, comp, uid string, stamp, start, end time.Time) *item {
	cal := ical.NewCalendar()
	setRaw(cal.Component, ical.PropProductID, ProductID)
	setRaw(cal.Component, ical.PropVersion, "2.0")
	if ctx.Location != nil && ctx.Location != time.UTC && ctx.Location.String() != "UTC" {
		cal.Children = append(cal.Children, vtimezone(ctx.Location, start, end))
	} else {
		ctx.Location = nil
	}
	c := ical.NewComponent(comp)
	setText(c, ical.PropUID, uid)
	setRaw(c, ical.PropDateTimeStamp, stamp.UTC().Format("20060102T150405Z"))
	cal.Children = append(cal.Children, c)
	return &item{ctx: ctx, cal: cal, comp: c}
}

// time sets a DATE-TIME property in the user's zone.
func (it *item) time(name string, t time.Time) {
	p := ical.NewProp(name)
	if it.ctx.Location == nil {
		p.Value = t.UTC().Format("20060102T150405Z")
	} else {
		p.Params.Set(ical.PropTimezoneID, it.ctx.Location.String())
		p.Value = t.In(it.ctx.Location).Format("20060102T150405")
	}
	it.comp.Props.Set(p)
}

// utc sets a DATE-TIME property that RFC 5545 wants in UTC (COMPLETED,
// CREATED, LAST-MODIFIED).
func (it *item) utc(name string, t *time.Time) {
	if t != nil {
		setRaw(it.comp, name, t.UTC().Format("20060102T150405Z"))
	}
}

// describe sets DESCRIPTION to the text followed by the PSA link, and URL.
func (it *item) describe(text string, k Kind, id int64) {
	link := PSALink(it.ctx.LinkTemplate, k, id)
	if link != "" {
		setRaw(it.comp, ical.PropURL, link)
		text = strings.TrimRight(text, "\n ")
		if text != "" {
			text += "\n\n"
		}
		text += linkLabel + link
	}
	setText(it.comp, ical.PropDescription, text)
}

func (it *item) encode() ([]byte, error) { return EncodeCalendar(it.cal) }

// firstTime is the first non-nil time of a list, else fallback: the change
// stamp of a record.
func firstTime(fallback time.Time, ts ...*time.Time) time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() {
			return *t
		}
	}
	return fallback
}

// AppointmentView is a PSA appointment to render.
type AppointmentView struct {
	Appointment Appointment
	ClientUID   string
}

// RenderAppointment renders an appointment as a VEVENT: SUMMARY is the
// title, DESCRIPTION the description.
func RenderAppointment(v AppointmentView, ctx CalendarContext) ([]byte, error) {
	a := &v.Appointment
	it := newItem(ctx, ical.CompEvent, UID(KindAppointment, a.ID, v.ClientUID),
		firstTime(a.StartDateTime, a.UpdateDateTime, a.CreateDateTime), a.StartDateTime, a.EndDateTime)
	it.time(ical.PropDateTimeStart, a.StartDateTime)
	it.time(ical.PropDateTimeEnd, a.EndDateTime)
	setText(it.comp, ical.PropSummary, a.Title)
	it.describe(a.Description, KindAppointment, a.ID)
	it.utc(ical.PropCreated, a.CreateDateTime)
	it.utc(ical.PropLastModified, a.UpdateDateTime)
	return it.encode()
}
