package mapping

import (
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// Write-back rules for calendar items (docs/write-back.md, "Calendar items"):
//   - a PSA appointment or calendar to-do: DTSTART, DTEND or DURATION flow
//     back; SUMMARY and DESCRIPTION changes are not the client's to make;
//   - a PSA to-do in the task list: DTSTART and DUE flow back, and so
//     does completion (STATUS:COMPLETED, COMPLETED or PERCENT-COMPLETE:100
//     set the completion date, re-opening clears it) when the org lets it;
//   - a service call or time off: nothing flows back;
//   - every other property psadav renders for the item (a service call's
//     LOCATION, time off's STATUS and TRANSP, the URL) is the PSA's too;
//   - whatever else the client sends is kept for that user.
//
// A change the rules do not take is discarded (lenient) or refused
// (strict); either way a client that only adds an alarm is never refused,
// so no ordinary client action ends in an error loop (README "Calendar and
// tasks").

// ItemRules say what a client's PUT of a PSA item may change.
type ItemRules struct {
	// Times: the item's start and end flow back (appointments, to-dos).
	// Without it a change to them is discarded (service calls, time off).
	Times bool
	// CompleteToDos: a VTODO's completion flows back (complete-todos).
	CompleteToDos bool
	// Rendered is psadav's rendering of the item for the user, before the
	// user's kept properties are merged into it: every property it has is
	// the PSA's, so a change to one is judged and never kept. Nil: only
	// the properties psadav renders for every item are.
	Rendered *CalendarObject
}

// ItemUpdate is what a client's PUT of a PSA item asks of the PSA.
type ItemUpdate struct {
	Start, End *time.Time // new times; nil when unchanged
	Complete   *time.Time // the to-do was completed at this time
	Reopen     bool       // the to-do was re-opened
	// Discarded names the properties the client changed that it may not
	// change (lenient: dropped; strict: the PUT is refused).
	Discarded []string
	// TimesDiscarded: the client moved an item whose times it may not
	// change, so its date forms stand for no PSA times and are not kept.
	TimesDiscarded bool
	Kept           string // the user's kept properties ("" none)
}

// judgedApart are the properties PSAItemUpdate judges by their meaning
// rather than their text, or not at all (stamps a client rewrites on every
// save): a rendered one is not compared as it is written.
var judgedApart = map[string]bool{
	ical.PropUID: true, ical.PropDateTimeStamp: true, ical.PropCreated: true, ical.PropLastModified: true,
	ical.PropDateTimeStart: true, ical.PropDateTimeEnd: true, ical.PropDuration: true, ical.PropDue: true,
	ical.PropSummary: true, ical.PropDescription: true, ical.PropRecurrenceRule: true, ical.PropRecurrenceDates: true,
	ical.PropExceptionDates: true, ical.PropRecurrenceID: true,
}

// completion are a VTODO's properties judged as its completion.
var completion = map[string]bool{ical.PropStatus: true, ical.PropCompleted: true, ical.PropPercentComplete: true}

// PSAItemUpdate compares a client's object with the one psadav served
// (stored) and says what may flow back under the rules. now stands in for
// a completion time the client did not give.
func PSAItemUpdate(stored, client *CalendarObject, rules ItemRules, now time.Time) (ItemUpdate, error) {
	var u ItemUpdate
	if client.UID != stored.UID {
		return u, &Refusal{Code: RefuseUIDConflict, Fields: []string{ical.PropUID},
			Message: "the object at this URL has UID " + stored.UID + "; a PUT cannot change it"}
	}
	s, c := stored.Master, client.Master
	if client.Recurs() || len(client.Overrides) > 0 {
		u.Discarded = append(u.Discarded, ical.PropRecurrenceRule)
	}
	if normText(propText(c, ical.PropSummary)) != normText(propText(s, ical.PropSummary)) {
		u.Discarded = append(u.Discarded, ical.PropSummary)
	}
	if normText(propText(c, ical.PropDescription)) != normText(propText(s, ical.PropDescription)) {
		u.Discarded = append(u.Discarded, ical.PropDescription)
	}
	u.judgeTimes(stored, client, rules.Times)
	if c.Name == ical.CompToDo {
		was, is := todoDone(s), todoDone(c)
		switch {
		case was == is:
		case !rules.CompleteToDos:
			u.Discarded = append(u.Discarded, ical.PropStatus)
		case is:
			at := now.UTC().Truncate(time.Second)
			if p := c.Props.Get(ical.PropCompleted); p != nil {
				if t, _, err := client.PropTime(p); err == nil {
					at = t
				}
			}
			u.Complete = &at
		default:
			u.Reopen = true
		}
	}
	var rendered *ical.Component
	if rules.Rendered != nil && rules.Rendered.Master.Name == c.Name {
		rendered = rules.Rendered.Master
		u.Discarded = append(u.Discarded, renderedChanges(rendered, s, c)...)
	}
	kept, err := keptFrom(c, rendered)
	if err != nil {
		return u, refuse(RefuseInvalidData, "%v", err)
	}
	u.Kept = kept
	return u, nil
}

// judgeTimes compares the times: with take they flow back, without it a
// change is discarded, naming the property that carries it.
func (u *ItemUpdate) judgeTimes(stored, client *CalendarObject, take bool) {
	s, c := stored.Master, client.Master
	old, next := stored.instance(s, time.Time{}, time.Time{}), client.instance(c, time.Time{}, time.Time{})
	var start, end *time.Time
	if !next.Start.IsZero() && !next.Start.Equal(old.Start) {
		start = &next.Start
	}
	// A VTODO without DUE or DURATION leaves the end alone.
	if !next.End.IsZero() && !next.End.Equal(old.End) {
		end = &next.End
	}
	if take {
		u.Start, u.End = start, end
		return
	}
	if start != nil {
		u.Discarded = append(u.Discarded, ical.PropDateTimeStart)
	}
	if end != nil {
		name := ical.PropDateTimeEnd
		if c.Name == ical.CompToDo {
			name = ical.PropDue
		}
		u.Discarded = append(u.Discarded, name)
	}
	u.TimesDiscarded = start != nil || end != nil
}

// renderedChanges names, in name order, the properties of the rendering
// (r) whose values the client (c) changed from those served (s). A
// rendered property is served as rendered (MergeKeptCalendar), so s has
// the PSA's values; one the client left out is a change too.
func renderedChanges(r, s, c *ical.Component) []string {
	var out []string
	for name := range r.Props {
		if judgedApart[name] || (r.Name == ical.CompToDo && completion[name]) {
			continue
		}
		if !sameValues(s.Props[name], c.Props[name], name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// caseless are the properties whose values are case-insensitive
// enumerations (RFC 5545 §3.8.1.11, §3.8.2.7, §3.8.1.3).
var caseless = map[string]bool{ical.PropStatus: true, ical.PropTransparency: true, ical.PropClass: true}

// sameValues reports whether two lists of a property hold the same values,
// compared as clients keep text (normText).
func sameValues(a, b []ical.Prop, name string) bool {
	if len(a) != len(b) {
		// An empty property and none are the same (time off's empty
		// DESCRIPTION that a client drops).
		return joinedText(a) == "" && joinedText(b) == ""
	}
	for i := range a {
		x, y := normText(TextValue(&a[i])), normText(TextValue(&b[i]))
		if x != y && !(caseless[name] && strings.EqualFold(x, y)) {
			return false
		}
	}
	return true
}

func joinedText(ps []ical.Prop) string {
	var b strings.Builder
	for i := range ps {
		b.WriteString(normText(TextValue(&ps[i])))
	}
	return b.String()
}

// todoDone reports whether a VTODO says it is done.
func todoDone(c *ical.Component) bool {
	if strings.EqualFold(propText(c, ical.PropStatus), "COMPLETED") || c.Props.Get(ical.PropCompleted) != nil {
		return true
	}
	return strings.TrimSpace(propText(c, ical.PropPercentComplete)) == "100"
}

// normText compares texts the way clients keep them: line ends and
// trailing blanks vary between clients and mean nothing.
func normText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// ClientToDo is a client-created VTODO as a PSA to-do's fields.
type ClientToDo struct {
	Description string // SUMMARY, then DESCRIPTION: the PSA to-do has no title
	Start, End  time.Time
	// Undated: the VTODO has no DTSTART and no DUE; Start and End are now,
	// for a new PSA to-do (an existing one keeps its times).
	Undated   bool
	Completed *time.Time
}

// ClientToDoFields maps a client's VTODO onto a to-do: the PSA needs a
// start and an end, so a task with only a due time starts then, and one
// without times starts and ends at now. DATE and floating values are read
// in the user's zone (the object's floating zone). The client keeps its
// own form (ical_forms.go).
func ClientToDoFields(o *CalendarObject, completeToDos bool, now time.Time) ClientToDo {
	c := o.Master
	var f ClientToDo
	summary := strings.TrimSpace(propText(c, ical.PropSummary))
	desc := strings.TrimSpace(propText(c, ical.PropDescription))
	switch {
	case summary != "" && desc != "":
		f.Description = summary + "\n\n" + desc
	default:
		f.Description = summary + desc
	}
	now = now.UTC().Truncate(time.Minute)
	in := o.instance(c, time.Time{}, time.Time{})
	switch {
	case !in.Start.IsZero() && !in.End.IsZero():
		f.Start, f.End = in.Start, in.End
	case !in.Start.IsZero():
		f.Start, f.End = in.Start, in.Start
	case !in.End.IsZero():
		f.Start, f.End = in.End, in.End
	default:
		f.Start, f.End, f.Undated = now, now, true
	}
	if completeToDos && todoDone(c) {
		at := now
		if p := c.Props.Get(ical.PropCompleted); p != nil {
			if t, _, err := o.PropTime(p); err == nil {
				at = t
			}
		}
		f.Completed = &at
	}
	return f
}
