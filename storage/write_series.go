package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/psadav/psadav/mapping"
)

// A client's event becomes one PSA appointment per occurrence: every
// occurrence of a single event, those inside the sync window of a series
// (docs/psa-model.md). syncSeries makes the linked appointments match the
// event, each create, update and delete with its outbox entry. It runs on
// every PUT of the event (fromClient) and, as the window moves, from
// AdvanceCalendarWindow. A series has at most max-series-occurrences
// occurrences from today to the window's end: a client's PUT over it is
// refused (the judgement before it normally has); the moving window creates
// no more than that for a series stored before the limit, and says so in
// the log.

// upcoming counts the occurrences from today on: what the cap bounds (the
// window's past holds appointments made before, not new work).
func upcoming(want []mapping.Occurrence, now time.Time) int {
	day, n := today(now), 0
	for _, oc := range want {
		if !oc.Start.Before(day) {
			n++
		}
	}
	return n
}

// psaTime formats a time for an outbox payload (RFC 3339, UTC).
func psaTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// seriesPlan pairs the occurrences an event wants with its links.
type seriesPlan struct {
	pairs  []linkPair
	create []mapping.Occurrence
	spare  []*seriesLinkRow
}

type linkPair struct {
	link *seriesLinkRow
	oc   mapping.Occurrence
}

func (t *Tx) syncSeries(ctx context.Context, r *seriesRow, obj *mapping.CalendarObject, fromClient bool) error {
	org, err := t.orgSettings(ctx)
	if err != nil {
		return err
	}
	schema, err := t.schema(ctx)
	if err != nil {
		return err
	}
	from, to := calendarWindow(t.now, org)
	var all []mapping.Occurrence
	if obj.Recurs() {
		all = obj.Occurrences(from, to)
	} else {
		all = obj.Occurrences(time.Time{}, time.Time{})
	}
	var want []mapping.Occurrence
	for _, oc := range all {
		if oc.Cancelled || (oc.Free && !org.SendFreeTime) {
			continue
		}
		if err := mapping.CheckOccurrence(oc, schema); err != nil {
			return err
		}
		want = append(want, oc)
	}
	var links []*seriesLinkRow
	if err := t.tx.NewSelect().Model(&links).Where("series_rid = ?", r.RID).Order("recurrence_id").Scan(ctx); err != nil {
		return err
	}
	plan, err := t.planSeries(ctx, links, want, obj.Floating())
	if err != nil {
		return err
	}
	if limit, ahead := int(org.MaxSeriesOccurrences), upcoming(want, t.now); ahead > limit {
		if fromClient {
			return &mapping.Refusal{Code: mapping.RefuseRecurrence, Fields: []string{"RRULE"}, Message: fmt.Sprintf(
				"the series has %d occurrences in the calendar sync window ahead; psadav sends at most %d per series to the PSA (setting max-series-occurrences)",
				ahead, limit)}
		}
		keep := max(0, len(plan.create)-(ahead-limit))
		t.s.log.Warn("a client series has more occurrences in the sync window than max-series-occurrences: the rest are not sent to the PSA",
			"series", r.RID, "user", *r.OriginUserID, "occurrences", ahead, "limit", limit)
		plan.create = plan.create[:keep]
	}
	for _, p := range plan.pairs {
		if err := t.updateOccurrence(ctx, r, p.link, p.oc, schema); err != nil {
			return err
		}
	}
	for _, oc := range plan.create {
		if err := t.createOccurrence(ctx, r, oc, schema); err != nil {
			return err
		}
	}
	for _, l := range plan.spare {
		// Past occurrences that left the window stay in the PSA.
		if obj.Recurs() && l.RecurrenceID != 0 && ridTime(l.RecurrenceID).Before(from) {
			continue
		}
		if err := t.deleteOccurrence(ctx, r, l); err != nil {
			return err
		}
	}
	return nil
}

// planSeries pairs wanted occurrences with links by recurrence id, then
// what is left by day (a series moved to another hour, a single event
// that became a series), so a move is an update rather than a delete and
// a create.
func (t *Tx) planSeries(ctx context.Context, links []*seriesLinkRow, want []mapping.Occurrence, loc *time.Location) (seriesPlan, error) {
	var plan seriesPlan
	byRID := map[int64]*seriesLinkRow{}
	for _, l := range links {
		byRID[l.RecurrenceID] = l
	}
	var rest []mapping.Occurrence
	for _, oc := range want {
		if l := byRID[ridOf(oc.RecurrenceID)]; l != nil {
			plan.pairs = append(plan.pairs, linkPair{l, oc})
			delete(byRID, l.RecurrenceID)
		} else {
			rest = append(rest, oc)
		}
	}
	day := func(t time.Time) string { return t.In(loc).Format("2006-01-02") }
	spareByDay := map[string][]*seriesLinkRow{}
	for _, l := range links {
		if byRID[l.RecurrenceID] == nil {
			continue
		}
		d := ridTime(l.RecurrenceID)
		if d.IsZero() {
			row, err := t.loadRow(ctx, mapping.EntityAppointments, l.AppointmentRID)
			if err != nil {
				return plan, err
			}
			d = row.(*appointmentRow).StartDateTime
		}
		spareByDay[day(d)] = append(spareByDay[day(d)], l)
	}
	for _, oc := range rest {
		d := oc.RecurrenceID
		if d.IsZero() {
			d = oc.Start
		}
		if ls := spareByDay[day(d)]; len(ls) > 0 {
			l := ls[0]
			spareByDay[day(d)] = ls[1:]
			delete(byRID, l.RecurrenceID)
			if err := t.relink(ctx, l, ridOf(oc.RecurrenceID)); err != nil {
				return plan, err
			}
			plan.pairs = append(plan.pairs, linkPair{l, oc})
			continue
		}
		plan.create = append(plan.create, oc)
	}
	for _, l := range links {
		if byRID[l.RecurrenceID] == l {
			plan.spare = append(plan.spare, l)
		}
	}
	return plan, nil
}

// relink moves a link to another recurrence id.
func (t *Tx) relink(ctx context.Context, l *seriesLinkRow, rid int64) error {
	_, err := t.tx.NewUpdate().Model((*seriesLinkRow)(nil)).Set("recurrence_id = ?", rid).
		Where("series_rid = ? AND recurrence_id = ?", l.SeriesRID, l.RecurrenceID).Exec(ctx)
	l.RecurrenceID = rid
	return err
}

func (t *Tx) createOccurrence(ctx context.Context, r *seriesRow, oc mapping.Occurrence, schema *mapping.Schema) error {
	desc, cut := oc.PSADescription(schema)
	a := mapping.Appointment{ResourceID: r.ResourceID, Title: oc.Title, Description: desc,
		StartDateTime: oc.Start.UTC(), EndDateTime: oc.End.UTC(), CreatorResourceID: ptr(r.ResourceID)}
	rid, err := t.InsertClient(ctx, mapping.EntityAppointments, &a, *r.OriginUserID, "")
	if err != nil {
		return err
	}
	link := seriesLinkRow{SeriesRID: r.RID, RecurrenceID: ridOf(oc.RecurrenceID), AppointmentRID: rid}
	if _, err := t.tx.NewInsert().Model(&link).Exec(ctx); err != nil {
		return err
	}
	id, err := t.Enqueue(ctx, mapping.EntityAppointments, rid, OpCreate, map[string]any{
		"resourceID": r.ResourceID, "title": a.Title, "description": a.Description,
		"startDateTime": psaTime(a.StartDateTime), "endDateTime": psaTime(a.EndDateTime),
	}, r.OriginUserID, ptr(r.ResourceID))
	if err != nil || !cut {
		return err
	}
	return t.noteTextCut(ctx, id, "DESCRIPTION", "the appointment's description", oc.Description, desc, schema.MaxLength(mapping.EntityAppointments, "description"))
}

func (t *Tx) updateOccurrence(ctx context.Context, r *seriesRow, l *seriesLinkRow, oc mapping.Occurrence, schema *mapping.Schema) error {
	row, err := t.loadRow(ctx, mapping.EntityAppointments, l.AppointmentRID)
	if err != nil {
		return err
	}
	a := row.(*appointmentRow)
	if !a.Live() {
		return nil // the PSA deleted it: the event shows an EXDATE, nothing comes back
	}
	rec := a.Appointment
	desc, cut := oc.PSADescription(schema)
	changes := fieldChanges{}
	changes.text("title", &rec.Title, oc.Title)
	changes.text("description", &rec.Description, desc)
	changes.time("startDateTime", &rec.StartDateTime, oc.Start)
	changes.time("endDateTime", &rec.EndDateTime, oc.End)
	id, err := t.applyClientChanges(ctx, mapping.EntityAppointments, a.RID, &rec, changes, r.OriginUserID, ptr(r.ResourceID))
	if err != nil || !cut || changes["description"] == nil {
		return err
	}
	return t.noteTextCut(ctx, id, "DESCRIPTION", "the appointment's description", oc.Description, desc, schema.MaxLength(mapping.EntityAppointments, "description"))
}

func (t *Tx) deleteOccurrence(ctx context.Context, r *seriesRow, l *seriesLinkRow) error {
	row, err := t.loadRow(ctx, mapping.EntityAppointments, l.AppointmentRID)
	if err != nil {
		return err
	}
	if row.envelope().Live() {
		if _, err := t.Enqueue(ctx, mapping.EntityAppointments, l.AppointmentRID, OpDelete, nil, r.OriginUserID, ptr(r.ResourceID)); err != nil {
			return err
		}
		if err := t.MarkClientDeleted(ctx, mapping.EntityAppointments, l.AppointmentRID); err != nil {
			return err
		}
	}
	_, err = t.tx.NewDelete().Model((*seriesLinkRow)(nil)).
		Where("series_rid = ? AND recurrence_id = ?", l.SeriesRID, l.RecurrenceID).Exec(ctx)
	return err
}

// deleteSeries deletes a client's event and all its PSA appointments.
func (t *Tx) deleteSeries(ctx context.Context, r *seriesRow) error {
	var links []*seriesLinkRow
	if err := t.tx.NewSelect().Model(&links).Where("series_rid = ?", r.RID).Scan(ctx); err != nil {
		return err
	}
	for _, l := range links {
		if err := t.deleteOccurrence(ctx, r, l); err != nil {
			return err
		}
	}
	return t.MarkClientDeleted(ctx, entitySeries, r.RID)
}
