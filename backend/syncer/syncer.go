package syncer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/mapping"
)

// Config tunes the engine. Zero values take the defaults (DefaultConfig).
type Config struct {
	// Poll intervals per tier. The defaults keep polling of a quiet tenant
	// near 170 requests an hour, under 2% of Autotask's 10,000 (README).
	Calendar, Contacts, Secondary, Reference time.Duration
	// SweepEvery is how often entities with a change stamp are swept for
	// deletions; windowed (calendar) entities every SweepWindowedEvery.
	SweepEvery, SweepWindowedEvery time.Duration
	// MetadataEvery is how often field metadata is read again.
	MetadataEvery time.Duration
	// BudgetEvery is how often the API budget in use is read.
	BudgetEvery time.Duration
	// Overlap is how far before its watermark an incremental pull starts
	// again (commit lag, clock skew).
	Overlap time.Duration
	// SweepMaxShare is the largest share of an entity's mirrored rows one
	// sweep may tombstone; SweepMinRows deletions are always allowed.
	SweepMaxShare float64
	SweepMinRows  int
	// Outbox: the first retry waits RetryBase, doubling up to RetryMax;
	// after MaxAttempts a write-back is given up (and stays listed).
	RetryBase, RetryMax time.Duration
	MaxAttempts         int
	// OutboxPoll and HookPoll are how often the workers look for work
	// another process queued.
	OutboxPoll, HookPoll time.Duration
	Now                  func() time.Time
	Logger               *slog.Logger
	// Progress, when set, hears how far an entity's first full read is
	// (records read of the PSA's count) instead of the periodic log line:
	// psadav draws a bar with it on a terminal.
	Progress func(entity string, done, total int)
}

// DefaultConfig is the configuration the zero values stand for.
func DefaultConfig() Config {
	return Config{
		Calendar: 2 * time.Minute, Contacts: 10 * time.Minute, Secondary: 15 * time.Minute, Reference: time.Hour,
		SweepEvery: 6 * time.Hour, SweepWindowedEvery: time.Hour, MetadataEvery: 24 * time.Hour, BudgetEvery: 5 * time.Minute,
		Overlap: 5 * time.Minute, SweepMaxShare: 0.2, SweepMinRows: 10,
		RetryBase: 30 * time.Second, RetryMax: time.Hour, MaxAttempts: 25,
		OutboxPoll: 3 * time.Second, HookPoll: 2 * time.Second,
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	for _, p := range []struct{ v, def *time.Duration }{
		{&c.Calendar, &d.Calendar}, {&c.Contacts, &d.Contacts}, {&c.Secondary, &d.Secondary}, {&c.Reference, &d.Reference},
		{&c.SweepEvery, &d.SweepEvery}, {&c.SweepWindowedEvery, &d.SweepWindowedEvery}, {&c.MetadataEvery, &d.MetadataEvery},
		{&c.BudgetEvery, &d.BudgetEvery}, {&c.Overlap, &d.Overlap}, {&c.RetryBase, &d.RetryBase}, {&c.RetryMax, &d.RetryMax},
		{&c.OutboxPoll, &d.OutboxPoll}, {&c.HookPoll, &d.HookPoll},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	if c.SweepMaxShare <= 0 {
		c.SweepMaxShare = d.SweepMaxShare
	}
	if c.SweepMinRows <= 0 {
		c.SweepMinRows = d.SweepMinRows
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = d.MaxAttempts
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Syncer keeps the mirror in step with one connector.
type Syncer struct {
	store Store
	conn  backend.Connector
	cfg   Config
	log   *slog.Logger
	plan  []backend.EntityPlan

	mu          sync.Mutex
	due         map[string]time.Time
	budget      *backend.Budget
	slowdown    float64
	pausedUntil time.Time // the outbox waits after the PSA failed
	outboxKick  chan struct{}
	hookKick    chan struct{}
	counters    Counters
}

// Counters count what the engine did since it started.
type Counters struct {
	RecordsApplied, RecordsUnchanged, RecordsDeferred, RecordsDeleted int64
	SweepsRefused                                                     int64
	PushesDone, PushesFailed, PushesRetried                           int64
	HintsProcessed                                                    int64
}

// New returns an engine for a store and a connector.
func New(store Store, conn backend.Connector, cfg Config) *Syncer {
	cfg.fill()
	return &Syncer{store: store, conn: conn, cfg: cfg, log: cfg.Logger.With("psa", conn.Name()), plan: conn.Plan(),
		due: map[string]time.Time{}, slowdown: 1, outboxKick: make(chan struct{}, 1), hookKick: make(chan struct{}, 1)}
}

func (s *Syncer) now() time.Time { return s.cfg.Now().UTC() }

// Counters returns the engine's counters.
func (s *Syncer) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters
}

func (s *Syncer) count(f func(c *Counters)) {
	s.mu.Lock()
	f(&s.counters)
	s.mu.Unlock()
}

// KickOutbox wakes the outbox worker (a write-back was queued).
func (s *Syncer) KickOutbox() {
	select {
	case s.outboxKick <- struct{}{}:
	default:
	}
}

// KickHooks wakes the webhook worker (an event was recorded).
func (s *Syncer) KickHooks() {
	select {
	case s.hookKick <- struct{}{}:
	default:
	}
}

// job is one periodic task of the poller.
type job struct {
	key   string
	every time.Duration
	heavy bool // postponed while the API budget is nearly spent
	// later: the first run waits a full interval (a sweep right after the
	// first read would find nothing).
	later bool
	run   func(ctx context.Context) error
}

// jobs lists the poller's tasks in the order a round runs them: metadata,
// the budget, pulls in the connector's order, then sweeps.
func (s *Syncer) jobs() []job {
	out := []job{
		{key: "metadata", every: s.cfg.MetadataEvery, heavy: true, run: s.refreshMetadata},
		{key: "budget", every: s.cfg.BudgetEvery, run: s.readBudget},
	}
	for _, p := range s.plan {
		p := p
		every := map[backend.Tier]time.Duration{backend.TierCalendar: s.cfg.Calendar, backend.TierContacts: s.cfg.Contacts,
			backend.TierSecondary: s.cfg.Secondary, backend.TierReference: s.cfg.Reference}[p.Tier]
		out = append(out, job{key: "pull " + string(p.Entity), every: every, heavy: !p.Stamped,
			run: func(ctx context.Context) error { return s.pull(ctx, p) }})
	}
	for _, p := range s.plan {
		p := p
		if !p.Stamped {
			continue // entities re-read in full find their deletions as they read
		}
		every := s.cfg.SweepEvery
		if p.Windowed() {
			every = s.cfg.SweepWindowedEvery
		}
		out = append(out, job{key: "sweep " + string(p.Entity), every: every, heavy: true, later: true,
			run: func(ctx context.Context) error { return s.sweep(ctx, p) }})
	}
	return out
}

// Tick runs every poller job that is due, in order. A PSA that throttles
// or fails ends the round: the rest waits for the next one.
func (s *Syncer) Tick(ctx context.Context) error {
	var errs []error
	for _, j := range s.jobs() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		now := s.now()
		s.mu.Lock()
		due, slow := s.due[j.key], s.slowdown
		s.mu.Unlock()
		if due.IsZero() && j.later {
			s.setDue(j.key, now.Add(j.every))
			continue
		}
		if now.Before(due) {
			continue
		}
		if j.heavy && slow >= slowdownPause && !due.IsZero() {
			s.setDue(j.key, now.Add(j.every))
			continue
		}
		err := j.run(ctx)
		next := now.Add(time.Duration(float64(j.every) * slow))
		if err != nil {
			s.log.Warn("psa job failed", "job", j.key, "err", err)
			errs = append(errs, err)
			if backend.KindOf(err) == backend.KindThrottled {
				next = now.Add(max(backend.RetryAfter(err), time.Minute))
			}
		}
		s.setDue(j.key, next)
		if err != nil && backend.Retryable(err) {
			break
		}
	}
	return errors.Join(errs...)
}

func (s *Syncer) setDue(key string, t time.Time) {
	s.mu.Lock()
	s.due[key] = t
	s.mu.Unlock()
}

// NextDue is when the next poller job is due.
func (s *Syncer) NextDue() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, j := range s.jobs() {
		d := s.due[j.key]
		if next.IsZero() || d.Before(next) {
			next = d
		}
	}
	return next
}

// Run polls, pushes and processes webhook hints until ctx ends.
func (s *Syncer) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.outboxLoop(ctx) }()
	go func() { defer wg.Done(); s.hookLoop(ctx) }()
	defer wg.Wait()
	s.log.Info("psa connector running")
	for {
		s.Tick(ctx)
		wait := s.NextDue().Sub(s.now())
		if !sleep(ctx, max(wait, time.Second), nil) {
			return ctx.Err()
		}
	}
}

func (s *Syncer) outboxLoop(ctx context.Context) {
	for {
		if _, err := s.PushDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("outbox", "err", err)
		}
		wait := s.cfg.OutboxPoll
		if next, ok, err := s.store.NextOutboxDue(ctx); err == nil && ok {
			wait = min(wait, max(next.Sub(s.now()), 0))
		}
		s.mu.Lock()
		if d := s.pausedUntil.Sub(s.now()); d > wait {
			wait = d
		}
		s.mu.Unlock()
		if !sleep(ctx, max(wait, 100*time.Millisecond), s.outboxKick) {
			return
		}
	}
}

func (s *Syncer) hookLoop(ctx context.Context) {
	for {
		if _, err := s.ProcessHints(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("webhook hints", "err", err)
		}
		if !sleep(ctx, s.cfg.HookPoll, s.hookKick) {
			return
		}
	}
}

// sleep waits d, or until kick fires; false when ctx ended.
func sleep(ctx context.Context, d time.Duration, kick <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-kick:
	}
	return true
}

// planOf finds an entity's plan.
func (s *Syncer) planOf(e mapping.Entity) (backend.EntityPlan, bool) {
	for _, p := range s.plan {
		if p.Entity == e {
			return p, true
		}
	}
	return backend.EntityPlan{}, false
}
