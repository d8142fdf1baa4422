package mapping

import (
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// Write-back rules for calendar items (DESIGN: item kinds; seed 001):
//   - a PSA appointment or calendar to-do: DTSTART, DTEND or DURATION flow
//     back; SUMMARY and DESCRIPTION changes are not the client's to make;
//   - a PSA to-do in the task list: DTSTART and DUE flow back, and so
//     does completion (STATUS:COMPLETED, COMPLETED or PERCENT-COMPLETE:100
//     set the completion date, re-opening clears it) when the org lets it;
//   - whatever else the client sends is kept for that user.

// ItemUpdate is what a client's PUT of a PSA item asks of the PSA.
type ItemUpdate struct {
	Start, End *time.Time // new times; nil when unchanged
	Complete   *time.Time // the to-do was completed at this time
	Reopen     bool       // the to-do was re-opened
	// Discarded names the properties the client changed that it may not
	// change (lenient: dropped; strict: the PUT is refused).
	Discarded []string
	Kept      string // the user's kept properties ("" none)
}

// PSAItemUpdate compares a client's object with the one psadav served
// (stored) and says what may flow back. now stands in for a completion
// time the client did not give.
func PSAItemUpdate(stored, client *CalendarObject, completeToDos bool, now time.Time) (ItemUpdate, error) {
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
	old, next := stored.instance(s, time.Time{}, time.Time{}), client.instance(c, time.Time{}, time.Time{})
	if !next.Start.IsZero() && !next.Start.Equal(old.Start) {
		u.Start = &next.Start
	}
	// A VTODO without DUE or DURATION leaves the end alone.
	if !next.End.IsZero() && !next.End.Equal(old.End) {
		u.End = &next.End
	}
	if c.Name == ical.CompToDo {
		was, is := todoDone(s), todoDone(c)
		switch {
		case was == is:
		case !completeToDos:
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
	kept, err := KeptFrom(c)
	if err != nil {
		return u, refuse(RefuseInvalidData, "%v", err)
	}
	u.Kept = kept
	return u, nil
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
