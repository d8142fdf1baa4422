package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/storage"
)

// psaWiring is the connector a serving instance runs (under leadership)
// and the handlers every instance serves for it.
type psaWiring struct {
	sync  *syncer.Syncer
	hooks http.Handler
	calls func() (int64, int64, int64)
}

// newPSA wires the configured connector; nil when none is configured.
func newPSA(ctx context.Context, s *storage.Store, cfg *config, log *slog.Logger) (*psaWiring, error) {
	if cfg.PSA == "" {
		return nil, nil
	}
	conn, err := newAutotask(cfg, log)
	if err != nil {
		return nil, err
	}
	sec := string(cfg.Autotask.WebhookSecret)
	if sec != "" {
		conn.SetWebhookSecret(sec)
	} else {
		// The secret webhooks install stored, read again now and then:
		// the install may run after the server started.
		conn.SetWebhookSecretSource(storedSecret(s))
		st, err := s.ConnectorStatus(ctx)
		if err != nil {
			return nil, err
		}
		sec = st[statusWebhookSecret].Value
	}
	a := cfg.Autotask
	sy := syncer.New(s, conn, syncer.Config{Calendar: a.PollCalendar, Contacts: a.PollContacts, Secondary: a.PollSecondary,
		Reference: a.PollReference, SweepEvery: a.SweepEvery, SweepWindowedEvery: a.SweepWindowedEvery,
		BudgetEvery: a.BudgetEvery, SweepMaxShare: a.SweepMaxShare, Logger: log, Progress: cfg.progress})
	hooks := &syncer.HookHandler{Store: s, Receiver: conn, Logger: log, Kick: sy.KickHooks, Deactivation: autotask.DeactivationPath}
	if sec == "" {
		log.Warn("no webhook secret yet: webhook deliveries are refused until psadav autotask webhooks install has run (polling carries on)")
	}
	log.Info("Autotask connector configured", "user", a.Username, "zone_url", a.ZoneURL, "impersonate", a.Impersonate)
	return &psaWiring{sync: sy, hooks: hooks, calls: func() (int64, int64, int64) {
		st := conn.Stats()
		return st.Requests, st.Failures, st.Throttled
	}}, nil
}

// storedSecret reads the webhook secret from the database, at most once a minute.
func storedSecret(s *storage.Store) func() string {
	var mu sync.Mutex
	var value string
	var at time.Time
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		if value != "" && time.Since(at) < time.Minute {
			return value
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if st, err := s.ConnectorStatus(ctx); err == nil {
			value, at = st[statusWebhookSecret].Value, time.Now()
		}
		return value
	}
}
