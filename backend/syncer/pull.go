package syncer

import (
	"context"
	"fmt"
	"reflect"
	"time"
	"unicode/utf8"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// window is the calendar sync window the organisation settings ask for,
// in whole UTC days so it moves once a day, not with every poll.
func (s *Syncer) window(ctx context.Context) (backend.Window, error) {
	org, err := s.store.OrgSettings(ctx)
	if err != nil {
		return backend.Window{}, err
	}
	day := s.now().Truncate(24 * time.Hour)
	return backend.Window{From: day.AddDate(0, 0, -int(org.WindowPastDays)), To: day.AddDate(0, 0, int(org.WindowFutureDays)+1)}, nil
}

// windowScope selects the mirror rows of a windowed entity inside w.
func windowScope(p backend.EntityPlan, w backend.Window) *storage.MirrorScope {
	return &storage.MirrorScope{StartField: p.WindowStart, EndField: p.WindowEnd, From: w.From, To: w.To}
}

// pull brings one entity up to date: an incremental read after its
// watermark, a first full read (resumable by id), or a full re-read of an
// entity without change stamps (finding its deletions as it goes).
func (s *Syncer) pull(ctx context.Context, p backend.EntityPlan) error {
	st, err := s.store.SyncState(ctx, p.Entity)
	if err != nil {
		return err
	}
	now := s.now()
	st.LastPullAt = &now
	var w *backend.Window
	if p.Windowed() {
		win, err := s.window(ctx)
		if err != nil {
			return err
		}
		w = &win
	}
	switch {
	case p.Scoped():
		var values []int64
		if values, err = s.scopeValues(ctx, p); err == nil {
			_, err = s.readChildren(ctx, p, &st, values)
		}
		if err == nil {
			st.LastFullAt = &now
		}
	case !p.Stamped:
		err = s.readAll(ctx, p, &st)
	case st.Watermark == nil:
		err = s.firstRead(ctx, p, &st, w)
	default:
		err = s.incremental(ctx, p, &st, w)
	}
	return s.finish(ctx, &st, err)
}

// finish stores an entity's state after a job, with its error.
func (s *Syncer) finish(ctx context.Context, st *storage.PSASyncState, err error) error {
	if err != nil {
		st.LastError = err.Error()
	} else {
		now := s.now()
		st.LastError, st.LastOKAt = "", &now
	}
	if serr := s.store.SaveSyncState(context.WithoutCancel(ctx), *st); serr != nil && err == nil {
		err = serr
	}
	return err
}

// pageResult is what applying a page did.
type pageResult struct {
	seen, changed []int64
	newest        *time.Time
}

// applyPage writes a page of records in one transaction, with the entity's
// sync state (so a watermark or cursor never runs ahead of the data).
// Records the mirror cannot hold are left out and logged.
func (s *Syncer) applyPage(ctx context.Context, st *storage.PSASyncState, records []backend.Record, cursor int64) (pageResult, error) {
	var res pageResult
	var applied, unchanged, deferred int64
	next := *st
	next.Pulled += int64(len(records))
	if cursor > 0 {
		next.CursorID = cursor
	}
	err := s.store.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		res, applied, unchanged, deferred = pageResult{}, 0, 0, 0
		for _, r := range records {
			res.seen = append(res.seen, r.ID)
			res.newest = later(res.newest, r.Newest)
			if why := unstorable(r); why != "" {
				s.log.Error("psa record not mirrored", "entity", r.Entity, "id", r.ID, "why", why)
				continue
			}
			up, def, err := tx.ApplyPulled(ctx, r.Entity, r.Rec, r.Raw)
			if err != nil {
				return fmt.Errorf("%s %d: %w", r.Entity, r.ID, err)
			}
			switch {
			case def:
				deferred++
			case up.Changed:
				applied++
				res.changed = append(res.changed, r.ID)
			default:
				unchanged++
			}
		}
		return tx.SaveSyncState(ctx, next)
	})
	if err != nil {
		return res, err
	}
	*st = next
	s.count(func(c *Counters) {
		c.RecordsApplied += applied
		c.RecordsUnchanged += unchanged
		c.RecordsDeferred += deferred
	})
	return res, nil
}

func later(a, b *time.Time) *time.Time {
	if b == nil || (a != nil && !b.After(*a)) {
		return a
	}
	t := *b
	return &t
}

// columns are the mirror's column widths (the default field lengths).
var columns = mapping.NewSchema()

// unstorable says why the mirror cannot hold a record, "" when it can: a
// text longer than its column (PostgreSQL would refuse the whole page), or
// an escape PostgreSQL's JSONB refuses.
func unstorable(r backend.Record) string {
	if msg := atjson.BadEscape(r.Raw); msg != "" {
		return msg
	}
	spec := atjson.Spec(r.Entity)
	v := reflect.ValueOf(r.Rec).Elem()
	for i := range spec.Fields {
		f := &spec.Fields[i]
		if f.Kind != atjson.KindString {
			continue
		}
		max := columns.MaxLength(r.Entity, f.Name)
		if max <= 0 {
			continue
		}
		if n := utf8.RuneCountInString(v.Field(f.Index).String()); n > max {
			return fmt.Sprintf("%s is %d characters long; the mirror keeps at most %d", f.Name, n, max)
		}
	}
	return ""
}

// firstRead reads an entity in full for the first time, page by page,
// remembering the last id so an interrupted read resumes where it stopped.
// The watermark it leaves is the earlier of the read's start and the
// newest stamp seen, so nothing changed during the read is missed.
func (s *Syncer) firstRead(ctx context.Context, p backend.EntityPlan, st *storage.PSASyncState, w *backend.Window) error {
	now := s.now()
	if st.FullStartedAt == nil {
		st.FullStartedAt, st.CursorID = &now, 0
	}
	q := backend.Query{Entity: p.Entity, Window: w, AfterID: st.CursorID}
	total, err := s.conn.Count(ctx, q)
	if err != nil {
		return err
	}
	prog := s.progress(p.Entity, total, st.CursorID > 0)
	var newest *time.Time
	err = s.conn.Pull(ctx, q, func(pg backend.Page) error {
		res, err := s.applyPage(ctx, st, pg.Records, pg.LastID)
		newest = later(newest, res.newest)
		prog.add(len(pg.Records))
		return err
	})
	if err != nil {
		return err
	}
	wm := *st.FullStartedAt
	if newest != nil && newest.Before(wm) {
		wm = *newest
	}
	st.Watermark, st.CursorID, st.FullStartedAt, st.LastFullAt = &wm, 0, nil, &now
	if w != nil {
		st.WindowFrom, st.WindowTo = &w.From, &w.To
	}
	prog.finish()
	return nil
}

// incremental reads what changed since the watermark (less the overlap),
// the slices of time the window newly covers, and the children of the
// records that changed.
func (s *Syncer) incremental(ctx context.Context, p backend.EntityPlan, st *storage.PSASyncState, w *backend.Window) error {
	since := st.Watermark.Add(-s.cfg.Overlap)
	newest := st.Watermark
	var changed []int64
	read := func(q backend.Query) error {
		return s.conn.Pull(ctx, q, func(pg backend.Page) error {
			res, err := s.applyPage(ctx, st, pg.Records, 0)
			newest = later(newest, res.newest)
			changed = append(changed, res.changed...)
			return err
		})
	}
	if err := read(backend.Query{Entity: p.Entity, Since: &since, Window: w}); err != nil {
		return err
	}
	if w != nil && st.WindowFrom != nil && st.WindowTo != nil {
		// Records that were always there come into a moving window without
		// changing: read the newly covered time in full.
		if w.To.After(*st.WindowTo) {
			if err := read(backend.Query{Entity: p.Entity, Window: &backend.Window{From: *st.WindowTo, To: w.To}}); err != nil {
				return err
			}
		}
		if w.From.Before(*st.WindowFrom) {
			if err := read(backend.Query{Entity: p.Entity, Window: &backend.Window{From: w.From, To: *st.WindowFrom}}); err != nil {
				return err
			}
		}
	}
	st.Watermark = newest
	if w != nil {
		st.WindowFrom, st.WindowTo = &w.From, &w.To
	}
	return s.refreshChildren(ctx, p.Entity, changed)
}

// readAll re-reads an entity without change stamps and tombstones what is
// gone (under the mass-deletion guard).
func (s *Syncer) readAll(ctx context.Context, p backend.EntityPlan, st *storage.PSASyncState) error {
	seen := map[int64]bool{}
	err := s.conn.Pull(ctx, backend.Query{Entity: p.Entity}, func(pg backend.Page) error {
		res, err := s.applyPage(ctx, st, pg.Records, 0)
		for _, id := range res.seen {
			seen[id] = true
		}
		return err
	})
	if err != nil {
		return err
	}
	mirror, err := s.store.LivePSAIDs(ctx, p.Entity, nil)
	if err != nil {
		return err
	}
	now := s.now()
	st.LastFullAt = &now
	return s.deleteMissing(ctx, p, st, mirror, seen, "full read")
}

// scopeValues lists the values a child entity is read by: the ids (or
// another field) of its parent's live mirror rows, inside the window for a
// windowed parent.
func (s *Syncer) scopeValues(ctx context.Context, p backend.EntityPlan) ([]int64, error) {
	var scope *storage.MirrorScope
	if parent, ok := s.planOf(p.ScopeFrom); ok && parent.Windowed() {
		w, err := s.window(ctx)
		if err != nil {
			return nil, err
		}
		scope = windowScope(parent, w)
	}
	return s.store.FieldValues(ctx, p.ScopeFrom, p.ScopeFromField, scope)
}

// readChildren re-reads the records of a child entity whose scope field
// is one of values, tombstones those of its mirror rows in that scope the
// PSA no longer has, and returns the ids it read.
func (s *Syncer) readChildren(ctx context.Context, p backend.EntityPlan, st *storage.PSASyncState, values []int64) ([]int64, error) {
	if len(values) == 0 {
		return nil, nil
	}
	seen := map[int64]bool{}
	var ids []int64
	err := s.conn.Pull(ctx, backend.Query{Entity: p.Entity, Field: p.ScopeField, In: values}, func(pg backend.Page) error {
		res, err := s.applyPage(ctx, st, pg.Records, 0)
		for _, id := range res.seen {
			seen[id] = true
		}
		ids = append(ids, res.seen...)
		return err
	})
	if err != nil {
		return nil, err
	}
	mirror, err := s.store.LivePSAIDs(ctx, p.Entity, &storage.MirrorScope{Field: p.ScopeField, Values: values})
	if err != nil {
		return nil, err
	}
	return ids, s.deleteMissing(ctx, p, st, mirror, seen, "re-read of "+string(p.ScopeFrom)+" children")
}

// refreshChildren re-reads the children (and their children) of parent
// records that changed: service-call links have no stamp of their own.
func (s *Syncer) refreshChildren(ctx context.Context, parent mapping.Entity, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	for _, c := range s.plan {
		if c.ScopeFrom != parent {
			continue
		}
		values := ids
		if c.ScopeFromField != "id" {
			var err error
			if values, err = s.store.FieldValues(ctx, parent, c.ScopeFromField, &storage.MirrorScope{Field: "id", Values: ids}); err != nil {
				return err
			}
		}
		st, err := s.store.SyncState(ctx, c.Entity)
		if err != nil {
			return err
		}
		read, err := s.readChildren(ctx, c, &st, values)
		if err := s.finish(ctx, &st, err); err != nil {
			return err
		}
		if err := s.refreshChildren(ctx, c.Entity, read); err != nil {
			return err
		}
	}
	return nil
}

// progress logs a long read: entity, done/total and rate.
type progress struct {
	s           *Syncer
	entity      mapping.Entity
	total, done int
	start, last time.Time
	resumed     bool
}

func (s *Syncer) progress(e mapping.Entity, total int, resumed bool) *progress {
	now := time.Now()
	return &progress{s: s, entity: e, total: total, start: now, last: now, resumed: resumed}
}

func (p *progress) add(n int) {
	p.done += n
	if p.s.cfg.Progress != nil {
		p.s.cfg.Progress(string(p.entity), p.done, p.total)
		return
	}
	now := time.Now()
	if p.total > 500 && (now.Sub(p.last) > 2*time.Second || p.done >= p.total) {
		p.last = now
		p.s.log.Info("initial pull", "entity", p.entity, "done", p.done, "total", p.total, "rate", p.rate(now), "eta", p.eta(now))
	}
}

// eta is the time the rest will take at the rate so far.
func (p *progress) eta(now time.Time) string {
	secs := now.Sub(p.start).Seconds()
	if p.done <= 0 || secs <= 0 || p.done >= p.total {
		return "0s"
	}
	left := time.Duration(float64(p.total-p.done) / (float64(p.done) / secs) * float64(time.Second))
	return left.Round(time.Second).String()
}

func (p *progress) rate(now time.Time) string {
	secs := now.Sub(p.start).Seconds()
	if secs <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f/s", float64(p.done)/secs)
}

func (p *progress) finish() {
	p.s.log.Info("initial pull done", "entity", p.entity, "records", p.done, "resumed", p.resumed,
		"duration", time.Since(p.start).Round(time.Millisecond), "rate", p.rate(time.Now()))
}
