// Command psadav is the CalDAV/CardDAV gateway for a PSA: one binary for
// serving, migrating, importing PSA records and administering users and
// settings. It holds only wiring and flags; the work is in the packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/psadav/psadav/storage"
)

const usage = `psadav — CalDAV/CardDAV gateway for a PSA

Usage:
  psadav serve [--demo] [--psa autotask] [--listen ADDR] [--data DIR | --database-url URL]
  psadav migrate                         apply database migrations
  psadav demo                            seed the demo organisation (once)
  psadav import [--entity NAME] FILE…    load PSA records (Autotask REST JSON)
  psadav user add|list|show|set|passwd|disable|enable …
  psadav settings show | settings set KEY VALUE
  psadav autotask check|status|webhooks …  the Autotask connector
  psadav outbox list|show|retry …        write-backs to the PSA
  psadav bench                           compare with Radicale and Xandikos (see -h)

Every command takes --data DIR or --database-url URL (or PSADAV_DATA,
PSADAV_DATABASE_URL, or a --config file). Run "psadav COMMAND -h" for more.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "psadav:", err)
		}
		os.Exit(1)
	}
}

// run executes one command; main and the tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "import":
		return cmdImport(ctx, rest, stdout, stderr)
	case "user":
		return cmdUser(ctx, rest, stdin, stdout, stderr)
	case "settings":
		return cmdSettings(ctx, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "autotask":
		return cmdAutotask(ctx, rest, stdout, stderr)
	case "outbox":
		return cmdOutbox(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// newFlags makes a command's flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("psadav "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// dbKeys are the options every command that opens the database takes.
var dbKeys = []string{"data", "database-url", "log-level", "log-format"}

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the configured database and brings its schema up to
// date; a schema newer than this binary is refused.
func openStore(ctx context.Context, cfg *config, log *slog.Logger) (*storage.Store, error) {
	s, err := storage.Open(ctx, storage.Options{DataDir: cfg.Data, DatabaseURL: cfg.DatabaseURL, Logger: log})
	if err != nil {
		return nil, err
	}
	applied, err := s.Migrate(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "dialect", s.Dialect(), "applied", applied)
	}
	return s, nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	cfg, _, err := loadConfig(fs, args, dbKeys...)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	s, err := storage.Open(ctx, storage.Options{DataDir: cfg.Data, DatabaseURL: cfg.DatabaseURL, Logger: log})
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "database schema is up to date")
		return nil
	}
	fmt.Fprintf(stdout, "applied migrations: %v\n", applied)
	return nil
}
