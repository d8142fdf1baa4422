package syncer

import (
	"context"
	"fmt"
	"slices"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/storage"
)

// sweep finds the records of an entity the PSA no longer has (there is no
// deletion feed, docs/autotask.md A23): it lists the ids the PSA has (inside the
// window for calendar entities) and tombstones the mirror's others. A
// record missing from a windowed list may only have moved out of the
// window, so the missing ids are read once more by id before anything is
// deleted.
func (s *Syncer) sweep(ctx context.Context, p backend.EntityPlan) error {
	st, err := s.store.SyncState(ctx, p.Entity)
	if err != nil {
		return err
	}
	if st.Watermark == nil {
		return nil // not fully read yet
	}
	return s.finish(ctx, &st, s.sweepEntity(ctx, p, &st))
}

func (s *Syncer) sweepEntity(ctx context.Context, p backend.EntityPlan, st *storage.PSASyncState) error {
	q := backend.Query{Entity: p.Entity, IDsOnly: true}
	var scope *storage.MirrorScope
	if p.Windowed() {
		w, err := s.window(ctx)
		if err != nil {
			return err
		}
		q.Window, scope = &w, windowScope(p, w)
	}
	// The mirror's list is taken first: a record created meanwhile is in
	// the PSA's list and not in the mirror's, which is harmless.
	mirror, err := s.store.LivePSAIDs(ctx, p.Entity, scope)
	if err != nil {
		return err
	}
	present := map[int64]bool{}
	if err := s.conn.Pull(ctx, q, func(pg backend.Page) error {
		for _, id := range pg.IDs {
			present[id] = true
		}
		return nil
	}); err != nil {
		return err
	}
	var missing []int64
	for _, id := range mirror {
		if !present[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		// Read them by id: what still exists (moved, or changed after the
		// list) is applied, not deleted.
		if err := s.conn.Pull(ctx, backend.Query{Entity: p.Entity, Field: "id", In: missing}, func(pg backend.Page) error {
			res, err := s.applyPage(ctx, st, pg.Records, 0)
			for _, id := range res.seen {
				present[id] = true
			}
			return err
		}); err != nil {
			return err
		}
	}
	now := s.now()
	st.LastSweepAt = &now
	st.SweepGen++
	return s.deleteMissing(ctx, p, st, mirror, present, "sweep")
}

// deleteMissing tombstones the mirror's ids the PSA did not return, unless
// that is more than the guard allows at once: then nothing is deleted, the
// refusal is logged as an error and kept in the entity's sync state
// (psadav autotask status shows it) until a sweep passes.
func (s *Syncer) deleteMissing(ctx context.Context, p backend.EntityPlan, st *storage.PSASyncState, mirror []int64, present map[int64]bool, what string) error {
	var gone []int64
	for _, id := range mirror {
		if !present[id] {
			gone = append(gone, id)
		}
	}
	if len(gone) == 0 {
		st.SweepRefused = ""
		return nil
	}
	share := float64(len(gone)) / float64(len(mirror))
	if len(gone) > s.cfg.SweepMinRows && share > s.cfg.SweepMaxShare {
		slices.Sort(gone)
		st.SweepRefused = fmt.Sprintf("%s at %s refused to delete %d of %d %s (%.0f%%; at most %.0f%% may go at once). "+
			"Nothing was deleted. If the PSA hides them from the API user, fix its permissions; if they are really gone, "+
			"allow it once with a higher sweep share (--autotask-sweep-max-share 1).",
			what, s.now().Format("2006-01-02 15:04:05Z"), len(gone), len(mirror), p.Entity, 100*share, 100*s.cfg.SweepMaxShare)
		s.log.Error("MASS DELETION REFUSED", "entity", p.Entity, "missing", len(gone), "mirrored", len(mirror),
			"share", fmt.Sprintf("%.0f%%", 100*share), "allowed", fmt.Sprintf("%.0f%%", 100*s.cfg.SweepMaxShare),
			"first_ids", gone[:min(len(gone), 10)])
		s.count(func(c *Counters) { c.SweepsRefused++ })
		return nil
	}
	var deleted int64
	err := s.store.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		deleted = 0
		for _, id := range gone {
			ok, err := tx.MarkPulledDeleted(ctx, p.Entity, id)
			if err != nil {
				return err
			}
			if ok {
				deleted++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	st.Deleted += deleted
	st.SweepRefused = ""
	if deleted > 0 {
		s.log.Info("psa records deleted", "entity", p.Entity, "count", deleted, "by", what)
	}
	s.count(func(c *Counters) { c.RecordsDeleted += deleted })
	return nil
}
