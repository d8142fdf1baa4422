package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// The calendar sync window moves with the clock: every day items enter at
// its future edge and leave at its past edge, and series gain occurrences
// (new PSA appointments) as their dates come into reach. The projection
// decides membership with the transaction's clock when a row changes;
// AdvanceCalendarWindow, run periodically, re-projects the rows that
// crossed an edge since it last ran (it remembers the edges) and brings
// every client series in line with the window and the org settings.

// windowColumns are each calendar entity's time columns.
var windowColumns = []struct {
	entity     mapping.Entity
	start, end string
}{
	{mapping.EntityAppointments, "start_date_time", "end_date_time"},
	{mapping.EntityCompanyToDos, "start_date_time", "end_date_time"},
	{mapping.EntityServiceCalls, "start_date_time", "end_date_time"},
	{mapping.EntityTimeOffRequests, "start_time", "end_time"},
}

// WindowResult says what AdvanceCalendarWindow did.
type WindowResult struct {
	From, To time.Time // the window now
	Moved    bool      // the edges moved since the last run
	Rows     int       // rows re-projected
}

// AdvanceCalendarWindow re-projects what crossed the calendar sync
// window's edges since the last run, in one transaction. The first run
// rebuilds every calendar and task list.
func (s *Store) AdvanceCalendarWindow(ctx context.Context) (WindowResult, error) {
	var res WindowResult
	err := s.Write(ctx, func(ctx context.Context, t *Tx) error {
		org, err := t.orgSettings(ctx)
		if err != nil {
			return err
		}
		res.From, res.To = calendarWindow(t.now, org)
		var last windowRow
		err = t.tx.NewSelect().Model(&last).Where("id = 1").Scan(ctx)
		switch {
		case isNoRows(err):
			res.Moved = true
			var ids []int64
			if err := t.tx.NewSelect().Table("dav_collections").Column("id").
				Where("name IN (?)", bun.In([]string{CollCalendar, CollTasks})).Scan(ctx, &ids); err != nil {
				return err
			}
			if err := t.rebuild(ctx, ids); err != nil {
				return err
			}
		case err != nil:
			return err
		case last.From.Equal(res.From) && last.To.Equal(res.To):
		default:
			res.Moved = true
			if res.Rows, err = t.touchCrossed(ctx, last.From.UTC(), res.From, last.To.UTC(), res.To); err != nil {
				return err
			}
		}
		// Series are brought in line on every run, not only when the edges
		// moved: a changed send-free-time takes effect within the hour.
		if err := t.syncAllSeries(ctx); err != nil {
			return err
		}
		_, err = t.tx.NewInsert().Model(&windowRow{ID: 1, From: res.From, To: res.To}).
			On("CONFLICT (id) DO UPDATE").Set("window_from = EXCLUDED.window_from").Set("window_to = EXCLUDED.window_to").Exec(ctx)
		return err
	})
	if err != nil {
		return WindowResult{}, fmt.Errorf("storage: advancing the calendar window: %w", err)
	}
	return res, nil
}

// touchCrossed marks the rows whose end lies between the old and new past
// edge or whose start lies between the old and new future edge.
func (t *Tx) touchCrossed(ctx context.Context, oldFrom, from, oldTo, to time.Time) (int, error) {
	lo1, hi1 := ordered(oldFrom, from)
	lo2, hi2 := ordered(oldTo, to)
	n := 0
	for _, w := range windowColumns {
		keys, err := t.ridsWhere(ctx, w.entity,
			"psa_deleted_at IS NULL AND ((? >= ? AND ? <= ?) OR (? >= ? AND ? <= ?))",
			bun.Ident(w.end), lo1, bun.Ident(w.end), hi1, bun.Ident(w.start), lo2, bun.Ident(w.start), hi2)
		if err != nil {
			return n, err
		}
		for _, k := range keys {
			t.proj.touch(k)
		}
		n += len(keys)
	}
	return n, nil
}

// syncAllSeries brings every live client series in line with the window.
func (t *Tx) syncAllSeries(ctx context.Context) error {
	var rows []*seriesRow
	if err := t.tx.NewSelect().Model(&rows).Where("psa_deleted_at IS NULL").Order("rid").Scan(ctx); err != nil {
		return err
	}
	users, err := t.userIndex(ctx)
	if err != nil {
		return err
	}
	zones := map[int64]string{}
	for _, u := range users.users {
		zones[u.id] = u.settings.TimeZone
	}
	for _, r := range rows {
		if r.OriginUserID == nil {
			continue
		}
		obj, err := mapping.ParseCalendarObject([]byte(r.Body), t.userLocation(zones[*r.OriginUserID]))
		if err != nil {
			continue // stored before a rule got stricter: leave it as it is
		}
		if err := t.syncSeries(ctx, r, obj, false); err != nil {
			if _, refused := err.(*mapping.Refusal); refused {
				continue
			}
			return err
		}
	}
	return nil
}

// ordered returns two times earlier first.
func ordered(a, b time.Time) (time.Time, time.Time) {
	if b.Before(a) {
		return b, a
	}
	return a, b
}
