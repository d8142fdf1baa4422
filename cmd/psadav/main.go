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
	"slices"
	"syscall"

	"github.com/psadav/psadav/storage"
)

const usage = `psadav — CalDAV/CardDAV gateway for a PSA

Usage:
  psadav serve [--demo] [--psa autotask] [--listen ADDR] [--data DIR | --database-url URL]
  psadav migrate                         create the database or bring its schema up to date
  psadav demo                            seed the demo organisation (once)
  psadav import [--entity NAME] FILE…    load PSA records (Autotask REST JSON)
  psadav backup FILE                     copy the SQLite database, safe while serving
  psadav restore FILE                    put a backup into an empty data directory
  psadav version                         version, commit and build date
  psadav healthcheck [--url URL]         exit 0 when the local server answers /healthz
  psadav user add|list|show|set|passwd|disable|enable …
  psadav token create|list|revoke …     API tokens for the JSON API (/api/v1/)
  psadav settings show | settings set KEY VALUE
  psadav autotask check|status|webhooks …  the Autotask connector
  psadav outbox list|show|retry …        write-backs to the PSA

Every command finds the database the same way: --data DIR or
--database-url URL (before or after the command), else PSADAV_DATA or
PSADAV_DATABASE_URL, else the configuration file (--config FILE, else
PSADAV_CONFIG, else /etc/psadav/psadav.conf when it exists), else ./data.
Only serve, migrate, demo and restore create a database; the other
commands refuse to run without one. Run "psadav COMMAND -h" for more.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // the usage is printed
		}
		fmt.Fprintln(os.Stderr, "psadav:", errorText(err))
		os.Exit(1)
	}
}

// run executes one command; main and the tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd, rest := hoistGlobals(args)
	if cmd == "" {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
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
	case "token":
		return cmdToken(ctx, rest, stdout, stderr)
	case "settings":
		return cmdSettings(ctx, rest, stdout, stderr)
	case "bench": // the habit of the versions that had it
		return errors.New(`the benchmark is its own command: go build ./cmd/psadav-bench (README, "Performance")`)
	case "autotask":
		return cmdAutotask(ctx, rest, stdout, stderr)
	case "outbox":
		return cmdOutbox(ctx, rest, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, rest, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, versionText())
		return nil
	case "healthcheck":
		return cmdHealthcheck(ctx, rest, stdout, stderr)
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
// date; a schema newer than this binary is refused. Only commands that
// create a database (serve, demo) pass create: the others refuse a path
// where there is none, with a message saying how to point at the right one.
func openStore(ctx context.Context, cfg *config, log *slog.Logger, create bool) (*storage.Store, error) {
	if err := checkOwner(cfg); err != nil {
		return nil, err
	}
	s, err := storage.Open(ctx, storage.Options{DataDir: cfg.Data, DatabaseURL: cfg.DatabaseURL, Logger: log, MustExist: !create})
	if err != nil {
		return nil, noDatabase(err, cfg)
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

// dbCommand is what a command that works on the database starts from.
type dbCommand struct {
	cfg   *config
	log   *slog.Logger
	args  []string // the positional arguments
	store *storage.Store
}

// openCommand is the start of every command that works on the database:
// it parses args with the database options and the command's extra keys,
// makes the logger, runs before and opens the store (creating a database
// only when create: serve and demo). before, when not nil, checks the
// arguments before anything is opened, so that a mistyped command hears
// what is wrong with it rather than that there is no database (restore
// also puts the backup in place there). The caller closes the store.
// autotask opens its own: its probe needs no database.
func openCommand(ctx context.Context, fs *flag.FlagSet, args []string, stderr io.Writer, create bool,
	before func(*dbCommand) error, keys ...string) (*dbCommand, error) {
	cfg, rest, err := loadConfig(fs, args, slices.Concat(dbKeys, keys)...)
	if err != nil {
		return nil, err
	}
	c := &dbCommand{cfg: cfg, log: newLogger(cfg, stderr), args: rest}
	if before != nil {
		if err := before(c); err != nil {
			return nil, err
		}
	}
	if c.store, err = openStore(ctx, cfg, c.log, create); err != nil {
		return nil, err
	}
	return c, nil
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
		fmt.Fprintf(stdout, "database schema is up to date (%s)\n", databaseName(cfg))
		return nil
	}
	fmt.Fprintf(stdout, "applied migrations %v to %s\n", applied, databaseName(cfg))
	return nil
}
