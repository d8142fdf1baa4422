package syncer

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// StatusBudget is the connector status key the API budget is kept under.
const StatusBudget = "budget"

// slowdown steps: polling intervals are multiplied as the tenant's API
// usage (all integrations together) climbs; at slowdownPause full re-reads,
// sweeps and metadata wait too. Autotask adds latency from about half the
// budget and blocks calls beyond it (docs/autotask.md A18).
var slowdownSteps = []struct {
	share, factor float64
}{{0.9, slowdownPause}, {0.75, 4}, {0.5, 2}}

const slowdownPause = 8

func slowdownFor(share float64) float64 {
	for _, st := range slowdownSteps {
		if share >= st.share {
			return st.factor
		}
	}
	return 1
}

// BudgetStatus is the budget as stored for every instance and the CLI.
type BudgetStatus struct {
	Used      int     `json:"used"`
	Limit     int     `json:"limit"`
	Minutes   int     `json:"timeframeMinutes"`
	Share     float64 `json:"share"`
	Slowdown  float64 `json:"slowdown"`
	CheckedAt string  `json:"checkedAt"`
}

// readBudget reads the API budget in use, stores it, and slows polling
// down when the tenant is busy.
func (s *Syncer) readBudget(ctx context.Context) error {
	b, err := s.conn.Budget(ctx)
	if err != nil {
		return err
	}
	slow := slowdownFor(b.Share())
	s.mu.Lock()
	prev := s.slowdown
	s.budget, s.slowdown = &b, slow
	s.mu.Unlock()
	level := s.log.Info
	if slow > 1 {
		level = s.log.Warn
	}
	if slow != prev || slow > 1 {
		level("psa API budget", "used", b.Used, "limit", b.Limit, "share", fmt.Sprintf("%.0f%%", 100*b.Share()),
			"polling_slowdown", slow)
	} else {
		s.log.Debug("psa API budget", "used", b.Used, "limit", b.Limit)
	}
	st := BudgetStatus{Used: b.Used, Limit: b.Limit, Minutes: int(b.Timeframe.Minutes()), Share: b.Share(), Slowdown: slow,
		CheckedAt: b.At.UTC().Format("2006-01-02T15:04:05Z")}
	raw, _ := json.Marshal(st)
	return s.store.SetConnectorStatus(ctx, StatusBudget, string(raw))
}

// Budget is the last budget read, nil before the first.
func (s *Syncer) Budget() (*backend.Budget, float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.budget, s.slowdown
}

// refreshMetadata reads the tenant's field metadata for every mirrored
// entity and stores lengths, required flags and picklists, so client
// writes are checked against the tenant's own limits and rules read its
// own picklist codes. What could not be read keeps its last value.
func (s *Syncer) refreshMetadata(ctx context.Context) error {
	entities := make([]mapping.Entity, len(s.plan))
	for i, p := range s.plan {
		entities[i] = p.Entity
	}
	metas, derr := s.conn.Describe(ctx, entities)
	if len(metas) > 0 {
		err := s.store.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			for _, m := range metas {
				if err := tx.SaveFields(ctx, m.Entity, m.Fields); err != nil {
					return err
				}
				names := make([]string, 0, len(m.Picklists))
				for n := range m.Picklists {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					if err := tx.SavePicklist(ctx, m.Entity, n, m.Picklists[n]); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		s.log.Info("psa field metadata stored", "entities", len(metas))
	}
	if derr != nil {
		if len(metas) == 0 {
			return derr
		}
		s.log.Warn("psa field metadata incomplete", "err", derr)
	}
	return nil
}
