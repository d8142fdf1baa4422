package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/psadav/psadav/backend/demo"
	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/dav"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/web"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	keys := slices.Concat([]string{"listen", "trusted-proxies", "debug-listen", "metrics-listen", "max-resource-size", "shutdown-timeout",
		"tombstone-days", "demo"}, autotaskKeys, autotaskPollKeys)
	c, err := openCommand(ctx, fs, args, stderr, true, nil, keys...)
	if err != nil {
		return err
	}
	defer c.store.Close()
	s, cfg, log := c.store, c.cfg, c.log
	if isTerminal(stderr) {
		cfg.progress = newProgress("initial pull", stderr, log).update
	}
	if cfg.Demo {
		if err := seedDemo(ctx, s, stdout, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	if cfg.DebugListen != "" {
		if err := serveProfiles(ctx, cfg.DebugListen, log); err != nil {
			return err
		}
	}
	return serve(ctx, s, ln, cfg, log, stdout)
}

// serve runs the HTTP server on ln until ctx ends, then shuts down
// gracefully: it stops accepting, lets running requests finish (up to the
// shutdown timeout) and stops the background jobs.
func serve(ctx context.Context, s *storage.Store, ln net.Listener, cfg *config, log *slog.Logger, stdout io.Writer) error {
	psa, err := newPSA(ctx, s, cfg, log)
	if err != nil {
		return err
	}
	s.CacheObjects(ctx) // GETs from memory on PostgreSQL until something changes
	mux := http.NewServeMux()
	davServer := dav.New(dav.Options{Store: s, Logger: log, MaxResourceSize: cfg.MaxResourceSize, TrustedProxies: cfg.TrustedProxies,
		Ready: readiness(s, log)})
	mux.Handle("/", davServer)
	status := &syncer.Collector{Store: s}
	if psa != nil {
		mux.Handle("/hooks/autotask/", psa.hooks)
		status.Syncer, status.Calls = psa.sync, psa.calls
	}
	// The web console and its API; their login checks are DAV's, under
	// DAV's throttle.
	consoleOpts := web.Options{Store: s, Logger: log, Login: davServer.CheckLogin, ClientAddr: davServer.ClientAddr}
	if psa != nil {
		consoleOpts.PSAStatus = func(ctx context.Context) (syncer.Status, error) { return syncer.ReadStatus(ctx, s) }
	}
	console := web.New(consoleOpts)
	for _, p := range web.Paths {
		mux.Handle(p, console)
	}
	reg := newRegistry(s, status)
	srv := newHTTPServer(dav.SecurityHeaders(dav.NewMetrics(reg).Instrument(mux)), log)
	if cfg.MetricsListen != "" {
		if _, err := serveMetrics(ctx, cfg.MetricsListen, reg, log); err != nil {
			return err
		}
	}
	jobsCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		var wg sync.WaitGroup
		if psa != nil {
			// Every instance stands by; the one holding the lock runs the
			// connector, and releases it on shutdown.
			wg.Add(1)
			go func() { defer wg.Done(); psa.sync.RunLeader(jobsCtx, 15*time.Second) }()
		}
		runMaintenance(jobsCtx, s, cfg, log)
		wg.Wait()
	}()

	addr := ln.Addr().String()
	log.Info("psadav listening", "addr", addr, "database", s.Dialect())
	fmt.Fprintf(stdout, "psadav is listening on http://%s/ (CalDAV/CardDAV; discovery at /.well-known/caldav and /.well-known/carddav)\n", addr)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		stopJobs()
		<-jobsDone
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	stopJobs()
	<-jobsDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// readiness is /readyz: the database answers and its schema is the one
// this binary knows (not behind: a migration failed; not ahead: a newer
// instance migrated it during a rolling upgrade). The details go to the
// log, not to whoever asks.
func readiness(s *storage.Store, log *slog.Logger) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if err := s.Ping(ctx); err != nil {
			log.Warn("not ready: the database does not answer", "err", err)
			return errors.New("the database does not answer")
		}
		if err := s.CheckSchema(ctx); err != nil {
			log.Warn("not ready: the schema is not this binary's", "err", err)
			return errors.New("the database schema is not this version's")
		}
		return nil
	}
}

// newHTTPServer bounds what a client can hold: headers must arrive within
// 10 s (a slow-header client cannot pin connections), a whole request
// within 2 minutes, headers are at most 64 KiB; bodies are bounded by the
// handlers (max-resource-size, 1 MiB of XML, 1 MiB of webhook).
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// runMaintenance purges old tombstones and moves the calendar sync window
// now and then.
func runMaintenance(ctx context.Context, s *storage.Store, cfg *config, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		cutoff := time.Now().Add(-time.Duration(cfg.TombstoneDays) * 24 * time.Hour)
		if n, err := s.PurgeTombstones(ctx, cutoff); err != nil && ctx.Err() == nil {
			log.Error("purging tombstones", "err", err)
		} else if n > 0 {
			log.Info("purged tombstones", "count", n)
		}
		if w, err := s.AdvanceCalendarWindow(ctx); err != nil && ctx.Err() == nil {
			log.Error("moving the calendar window", "err", err)
		} else if w.Moved {
			log.Info("calendar window moved", "from", w.From.Format("2006-01-02"), "to", w.To.Format("2006-01-02"), "rows", w.Rows)
		}
		// The PSA redelivers webhook events for minutes, not days.
		if _, err := s.PurgeWebhookEvents(ctx, time.Now().Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
			log.Error("purging webhook events", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// seedDemo fills an empty database with the demo organisation and prints
// how to log in.
func seedDemo(ctx context.Context, s *storage.Store, stdout io.Writer, log *slog.Logger) error {
	start := time.Now()
	res, err := demo.Seed(ctx, s, time.Now())
	if err != nil {
		return fmt.Errorf("seeding the demo organisation: %w", err)
	}
	if res.Created {
		log.Info("demo organisation seeded", "duration", time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintf(stdout, "\nDEMO MODE — for trying psadav out only: these accounts have the well-known password %q.\n", demo.Password)
	fmt.Fprintf(stdout, "Demo logins (password %q): %s\n", demo.Password, strings.Join(res.Logins, ", "))
	if len(res.Logins) > 0 {
		// The console needs a first admin; the demo makes one.
		if err := s.SetAdmin(ctx, res.Logins[0], true); err != nil {
			return fmt.Errorf("making the demo admin: %w", err)
		}
		fmt.Fprintf(stdout, "Admin (web console at /admin/): %s\n", res.Logins[0])
	}
	fmt.Fprintln(stdout)
	return nil
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	c, err := openCommand(ctx, fs, args, stderr, true, nil)
	if err != nil {
		return err
	}
	defer c.store.Close()
	return seedDemo(ctx, c.store, stdout, c.log)
}
