package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Client writes to the calendar (README "Calendar and tasks"):
//   - a new VEVENT is a client event: kept whole for its client, one PSA
//     appointment per occurrence (see write_series.go) — unless it has the
//     UID of a PSA item the user hid, which it brings back (write_hidden.go);
//     overridden instances without their master (iOS stores some
//     invitations so) are a client event too, each override an
//     appointment of its own;
//   - a PUT of a PSA appointment or calendar to-do moves it (times flow
//     back); a changed title or description is discarded (lenient) or
//     refused (strict); the rest is kept for the user;
//   - a PUT of a service call or time off sends nothing to the PSA: what
//     the PSA has no field for (an alarm) is kept for the user, a change
//     to anything psadav renders of it is discarded or refused, so a
//     phone that adds an alarm is never stuck;
//   - deleting a PSA item hides it for the user or is refused
//     (DeleteObject); deleting a client event deletes its appointments.

type calendarWriter struct{}

func (calendarWriter) put(ctx context.Context, t *Tx, req *PutRequest, existing *objectRow) (sourceKey, error) {
	obj, err := parseClientObject(req, "VEVENT", "this calendar holds events (VEVENT); put tasks into the tasks list")
	if err != nil {
		return sourceKey{}, err
	}
	if existing == nil {
		if existing, err = t.revealHidden(ctx, req, obj.UID); err != nil {
			return sourceKey{}, err
		}
	}
	if existing == nil {
		if err := t.checkUID(ctx, req, obj.UID); err != nil {
			return sourceKey{}, err
		}
		return t.createClientEvent(ctx, req, obj)
	}
	if err := uidUnchanged(existing, obj.UID); err != nil {
		return sourceKey{}, err
	}
	switch mapping.Entity(existing.SourceEntity) {
	case mapping.EntityAppointments, mapping.EntityCompanyToDos, mapping.EntityServiceCalls, mapping.EntityTimeOffRequests:
		if obj.OnlyOverrides() {
			return sourceKey{}, onlyOverrides()
		}
		return sourceKey{}, t.updatePSAItem(ctx, req, existing, obj)
	case entitySeries:
		return t.updateClientEvent(ctx, req, existing, obj)
	}
	return sourceKey{}, readOnlyItem()
}

func (calendarWriter) delete(ctx context.Context, t *Tx, req *DeleteRequest, existing *objectRow) error {
	if mapping.Entity(existing.SourceEntity) != entitySeries {
		return errNotUsers
	}
	row, err := t.loadRow(ctx, entitySeries, existing.SourceRID)
	if err != nil {
		return err
	}
	return t.deleteSeries(ctx, row.(*seriesRow))
}

// onlyOverrides refuses overridden instances without their master where
// psadav needs the whole item: a PSA item, a task.
func onlyOverrides() error {
	return &mapping.Refusal{Code: mapping.RefuseInvalidObject,
		Message: "the object holds only overridden instances; this item needs its master component (the one without RECURRENCE-ID)"}
}

func readOnlyItem() error {
	return &mapping.Refusal{Code: mapping.RefuseReadOnlyItem, Message: "this item comes from the PSA and is read-only here"}
}

// parseClientObject reads a PUT body as a calendar object of the kind the
// collection holds.
func parseClientObject(req *PutRequest, kind, wrongKind string) (*mapping.CalendarObject, error) {
	loc, err := time.LoadLocation(req.Account.Settings.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	obj, err := mapping.ParseCalendarObject(req.Body, loc)
	if err != nil {
		return nil, err
	}
	if obj.Kind != kind {
		return nil, &mapping.Refusal{Code: mapping.RefuseUnsupportedComponent, Message: wrongKind}
	}
	return obj, nil
}

// writeBackMode refuses the changes a client may not make in strict mode.
func (t *Tx) refuseInStrict(ctx context.Context, discarded []string) error {
	if len(discarded) == 0 {
		return nil
	}
	org, err := t.orgSettings(ctx)
	if err != nil {
		return err
	}
	if org.WriteBackMode == "strict" {
		return mapping.ReadOnlyFields(discarded...)
	}
	return nil
}

// updatePSAItem applies a client's PUT of a PSA item: times (and a
// to-do's completion) flow back unless the item is read-only (a service
// call, time off); the rest is kept for the user.
func (t *Tx) updatePSAItem(ctx context.Context, req *PutRequest, existing *objectRow, obj *mapping.CalendarObject) error {
	stored, err := mapping.ParseCalendarObject(existing.Body, obj.Floating())
	if err != nil {
		return fmt.Errorf("storage: reading the stored %s: %w", existing.Href, err)
	}
	org, err := t.orgSettings(ctx)
	if err != nil {
		return err
	}
	key := sourceKey{mapping.Entity(existing.SourceEntity), existing.SourceRID}
	rendered, err := t.renderingFor(ctx, req.Collection.ID, key, obj.Floating())
	if err != nil {
		return err
	}
	rules := mapping.ItemRules{Times: !existing.ReadOnly, CompleteToDos: org.CompleteToDos && !existing.ReadOnly, Rendered: rendered}
	u, err := mapping.PSAItemUpdate(stored, obj, rules, t.now)
	if err != nil {
		return err
	}
	if err := t.refuseInStrict(ctx, u.Discarded); err != nil {
		return err
	}
	var base mapping.PSATimes
	if existing.ReadOnly {
		if rendered != nil {
			base = rendered.PSATimes()
		}
	} else if base, err = t.applyItemUpdate(ctx, req, key, u); err != nil {
		return err
	}
	kept := u.Kept
	// The client's date forms are kept with the PSA times they now stand
	// for; times the client moved that stay the PSA's stand for none.
	if !u.TimesDiscarded && !base.Start.IsZero() {
		if kept, err = mapping.KeptWithForms(u.Kept, obj, base); err != nil {
			return err
		}
	}
	return t.setKeptAt(ctx, req.Collection.ID, existing.Href, key, kept)
}

// applyItemUpdate writes what a client's PUT of a PSA appointment or to-do
// changes of its times and completion, and queues it for the PSA. It
// returns the item's PSA times after the PUT.
func (t *Tx) applyItemUpdate(ctx context.Context, req *PutRequest, key sourceKey, u mapping.ItemUpdate) (mapping.PSATimes, error) {
	rec, _, err := t.Record(ctx, key.entity, key.rid)
	if err != nil {
		return mapping.PSATimes{}, err
	}
	changes := fieldChanges{}
	var base mapping.PSATimes
	switch r := rec.(type) {
	case *mapping.Appointment:
		changes.times(&r.StartDateTime, &r.EndDateTime, u)
		base = mapping.PSATimes{Start: r.StartDateTime, End: r.EndDateTime}
	case *mapping.ToDo:
		changes.times(&r.StartDateTime, &r.EndDateTime, u)
		if u.Complete != nil {
			r.CompletedDate, changes["completedDate"] = u.Complete, psaTime(*u.Complete)
		} else if u.Reopen {
			r.CompletedDate, changes["completedDate"] = nil, nil
		}
		base = mapping.PSATimes{Start: r.StartDateTime, End: r.EndDateTime}
	}
	_, err = t.applyClientChanges(ctx, key.entity, key.rid, rec, changes, &req.Account.ID, req.Account.ResourceID)
	return base, err
}

// renderingFor is psadav's rendering of source k for a collection before
// the user's kept properties are merged into it: what of the item is the
// PSA's. Nil when k places no object there.
func (t *Tx) renderingFor(ctx context.Context, collectionID int64, k sourceKey, loc *time.Location) (*mapping.CalendarObject, error) {
	pr := projectors[k.entity]
	if pr == nil {
		return nil, nil
	}
	row, err := t.loadRow(ctx, k.entity, k.rid)
	if err != nil {
		return nil, err
	}
	places, err := pr.place(ctx, t, row)
	if err != nil {
		return nil, err
	}
	for _, pl := range places {
		if pl.collectionID == collectionID && pl.body != nil {
			obj, err := mapping.ParseCalendarObject(pl.body, loc)
			if err != nil {
				return nil, fmt.Errorf("storage: reading the rendering of %s %d: %w", k.entity, k.rid, err)
			}
			return obj, nil
		}
	}
	return nil, nil
}

// fieldChanges collects a client's changes to a record's fields as the
// outbox wants them: PSA field names, RFC 3339 UTC times.
type fieldChanges map[string]any

// text sets a text field that differs and notes it.
func (c fieldChanges) text(field string, dst *string, v string) {
	if *dst != v {
		*dst, c[field] = v, v
	}
}

// time sets a time field that differs and notes it.
func (c fieldChanges) time(field string, dst *time.Time, v time.Time) {
	if !dst.Equal(v) {
		*dst, c[field] = v.UTC(), psaTime(v)
	}
}

// times applies an update's new start and end.
func (c fieldChanges) times(start, end *time.Time, u mapping.ItemUpdate) {
	if u.Start != nil {
		c.time("startDateTime", start, *u.Start)
	}
	if u.End != nil {
		c.time("endDateTime", end, *u.End)
	}
}

// applyClientChanges writes a client's changes to a row and queues them
// for the PSA, in the request's transaction; no changes, no write (the
// outbox entry's id is 0).
func (t *Tx) applyClientChanges(ctx context.Context, entity mapping.Entity, rid int64, rec any, changes fieldChanges, userID, resource *int64) (int64, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	if err := t.UpdateFromClient(ctx, entity, rid, rec); err != nil {
		return 0, err
	}
	return t.Enqueue(ctx, entity, rid, OpUpdate, changes, userID, resource)
}

// noteTextCut says in a write-back's history that the PSA gets the start
// of a client's text (README: Calendar and tasks): prop is the client's
// property, field the PSA field, limit its length.
func (t *Tx) noteTextCut(ctx context.Context, outbox int64, prop, field, text, sent string, limit int) error {
	return t.NoteOutbox(ctx, outbox, "decided", fmt.Sprintf(
		"%s has %d characters, %s holds %d: the PSA gets the first %d, cut at a word; the client keeps its whole text",
		prop, mapping.PSALength(text), field, limit, mapping.PSALength(sent)))
}

// createClientEvent stores a client's new event and makes its appointments.
func (t *Tx) createClientEvent(ctx context.Context, req *PutRequest, obj *mapping.CalendarObject) (sourceKey, error) {
	if req.Account.ResourceID == nil {
		return sourceKey{}, notLinked()
	}
	if err := t.judgeClientEvent(ctx, obj); err != nil {
		return sourceKey{}, err
	}
	body, err := obj.SourceBytes(req.Body)
	if err != nil {
		return sourceKey{}, err
	}
	rec := seriesRecord{CollectionID: req.Collection.ID, Href: req.Href, ResourceID: *req.Account.ResourceID, Body: string(body)}
	rid, err := t.InsertClient(ctx, entitySeries, &rec, req.Account.ID, obj.UID)
	if err != nil {
		return sourceKey{}, err
	}
	row, err := t.loadRow(ctx, entitySeries, rid)
	if err != nil {
		return sourceKey{}, err
	}
	return sourceKey{entitySeries, rid}, t.syncSeries(ctx, row.(*seriesRow), obj, true)
}

// updateClientEvent replaces a client's event and brings its
// appointments in line.
func (t *Tx) updateClientEvent(ctx context.Context, req *PutRequest, existing *objectRow, obj *mapping.CalendarObject) (sourceKey, error) {
	row, err := t.loadRow(ctx, entitySeries, existing.SourceRID)
	if err != nil {
		return sourceKey{}, err
	}
	r := row.(*seriesRow)
	// A series stored before the limits whose dates the client did not
	// change is not judged again: its client would be refused forever
	// for a new title. Its appointments stay within the limits
	// (syncSeries).
	stored, err := mapping.ParseCalendarObject([]byte(r.Body), obj.Floating())
	judged := err != nil || !mapping.SameRecurrence(stored, obj)
	if judged {
		if err := t.judgeClientEvent(ctx, obj); err != nil {
			return sourceKey{}, err
		}
	}
	body, err := obj.SourceBytes(req.Body)
	if err != nil {
		return sourceKey{}, err
	}
	rec := r.seriesRecord
	rec.Body = string(body)
	if err := t.UpdateFromClient(ctx, entitySeries, r.RID, &rec); err != nil {
		return sourceKey{}, err
	}
	r.seriesRecord = rec
	return sourceKey{entitySeries, r.RID}, t.syncSeries(ctx, r, obj, judged)
}

func notLinked() error {
	return &mapping.Refusal{Code: mapping.RefuseMissing,
		Message: "your account is not linked to a PSA resource, so nothing you create can reach the PSA; ask your administrator"}
}
