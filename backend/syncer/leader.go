package syncer

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/psadav/psadav/storage"
)

// StatusLeader is the connector status key naming the instance that runs
// the connector.
const StatusLeader = "leader"

// leaderLock names the lock that elects the instance running the connector.
const leaderLock = "psadav-connector"

// RunLeader runs the engine on the one instance of a deployment that holds
// the connector lock (a PostgreSQL advisory lock; on SQLite the one
// process). Other instances try again every retry; when the leader stops
// or loses its database connection, another takes over. It returns when
// ctx ends.
func (s *Syncer) RunLeader(ctx context.Context, retry time.Duration) error {
	host, _ := os.Hostname()
	me := fmt.Sprintf("%s pid %d", host, os.Getpid())
	waiting := false
	for {
		l, err := s.store.TryLead(ctx, leaderLock, 10*time.Second)
		switch {
		case err != nil:
			s.log.Warn("connector lock", "err", err)
		case l == nil:
			if !waiting {
				s.log.Info("another instance runs the PSA connector; standing by")
				waiting = true
			}
		default:
			waiting = false
			s.log.Info("this instance runs the PSA connector", "instance", me)
			s.store.SetConnectorStatus(ctx, StatusLeader, me)
			runCtx, cancel := context.WithCancel(ctx)
			go func() {
				select {
				case <-l.Lost():
					s.log.Error("lost the connector lock (database connection); stopping the connector")
					cancel()
				case <-runCtx.Done():
				}
			}()
			s.Run(runCtx)
			cancel()
			l.Release()
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		if !sleep(ctx, retry, nil) {
			return ctx.Err()
		}
	}
}

// Status is what psadav autotask status and /metrics show.
type Status struct {
	Entities  []storage.PSASyncState
	Connector map[string]storage.StatusValue
	Outbox    map[storage.OutboxState]int
	// Webhook events received, processed and failing.
	HooksReceived, HooksProcessed, HooksFailing int
}

// ReadStatus gathers the connector's state from the database, so any
// instance (and the CLI) can show it.
func ReadStatus(ctx context.Context, store StatusStore) (Status, error) {
	var st Status
	var err error
	if st.Entities, err = store.SyncStates(ctx); err != nil {
		return st, err
	}
	if st.Connector, err = store.ConnectorStatus(ctx); err != nil {
		return st, err
	}
	if st.Outbox, err = store.OutboxCounts(ctx); err != nil {
		return st, err
	}
	st.HooksReceived, st.HooksProcessed, st.HooksFailing, err = store.WebhookEventCounts(ctx)
	return st, err
}
