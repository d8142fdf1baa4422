package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/psadav/psadav/storage"
)

// databaseName says which database cfg points at: the SQLite file's
// absolute path, or the PostgreSQL URL without its password.
func databaseName(cfg *config) string {
	if cfg.DatabaseURL != "" {
		return redactURL(cfg.DatabaseURL)
	}
	p := filepath.Join(cfg.Data, storage.SQLiteFile)
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p
}

func redactURL(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		if at := strings.LastIndex(raw, "@"); at > i {
			creds := raw[i+3 : at]
			if user, _, ok := strings.Cut(creds, ":"); ok {
				return raw[:i+3] + user + ":xxxxx" + raw[at:]
			}
		}
	}
	return raw
}

// noDatabase turns storage.ErrNoDatabase into a message that names the
// path, where it came from and how to point at the right database.
func noDatabase(err error, cfg *config) error {
	if !errors.Is(err, storage.ErrNoDatabase) {
		return err
	}
	key := "data"
	if cfg.DatabaseURL != "" {
		key = "database-url"
	}
	from := cfg.from[key]
	if from == "the default" {
		from = "the default, relative to the current directory"
	}
	files := "--config FILE or PSADAV_CONFIG"
	if defaultConfigFile != "" {
		files = "--config FILE, PSADAV_CONFIG or " + defaultConfigFile
	}
	return fmt.Errorf("no psadav database at %s (%s from %s); nothing was created. Point at the server's database with "+
		"--data DIR or --database-url URL, PSADAV_DATA or PSADAV_DATABASE_URL, or a configuration file (%s); "+
		"psadav migrate creates a new one", databaseName(cfg), key, from, files)
}

// errorText is an error as an administrator reads it: one line, without
// the storage package's sentinel prefixes ("storage: conflict: login
// "x" exists" reads "login "x" exists").
func errorText(err error) string {
	msg := err.Error()
	for _, s := range []error{storage.ErrConflict, storage.ErrNotFound, storage.ErrPreconditionFailed, storage.ErrForbidden} {
		msg = strings.ReplaceAll(msg, s.Error()+": ", "")
	}
	msg = strings.ReplaceAll(msg, "storage: ", "")
	return strings.Join(strings.Fields(msg), " ")
}

const backupUsage = `Usage:
  psadav backup FILE     write a consistent copy of the SQLite database to FILE
  psadav restore FILE    make the backup FILE the database of an empty data directory

backup is safe while psadav serves: the copy holds every change committed
before it began. FILE must not exist. restore refuses a data directory
that already has a database; stop the server, restore, start it again.
On PostgreSQL use pg_dump and pg_restore (README, "Backups").
`

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, backupUsage) }
	c, err := openCommand(ctx, fs, args, stderr, false, func(c *dbCommand) error {
		return backupArgs(c, stderr, "backup", "name one file to write", "back it up with pg_dump -Fc")
	})
	if err != nil {
		return err
	}
	defer c.store.Close()
	start := time.Now()
	if err := c.store.Backup(ctx, c.args[0]); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s in %s\n", databaseName(c.cfg), c.args[0], time.Since(start).Round(time.Millisecond))
	return nil
}

func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, backupUsage) }
	// Opening the restored database brings an older backup's schema up to date.
	c, err := openCommand(ctx, fs, args, stderr, false, func(c *dbCommand) error {
		if err := backupArgs(c, stderr, "restore", "name the backup file", "restore it with pg_restore"); err != nil {
			return err
		}
		if err := storage.Restore(ctx, c.args[0], c.cfg.Data); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer c.store.Close()
	fmt.Fprintf(stdout, "restored %s to %s\n", c.args[0], databaseName(c.cfg))
	return nil
}

// backupArgs checks what backup and restore are given: one file, and a
// SQLite database (PostgreSQL has pg_dump and pg_restore for this).
func backupArgs(c *dbCommand, stderr io.Writer, name, noFile, onPostgres string) error {
	if len(c.args) != 1 {
		fmt.Fprint(stderr, backupUsage)
		return fmt.Errorf("%s: %s", name, noFile)
	}
	if c.cfg.DatabaseURL != "" {
		return fmt.Errorf("%s: the database is PostgreSQL; %s (README, \"Backups\")", name, onPostgres)
	}
	return nil
}

// cmdHealthcheck asks the local server's /healthz: the container image's
// HEALTHCHECK (distroless has no shell or curl).
func cmdHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("healthcheck", stderr)
	url := fs.String("url", "", "URL to GET (default: /healthz on the listen address)")
	cfg, _, err := loadConfig(fs, args, "listen", "log-level", "log-format")
	if err != nil {
		return err
	}
	if *url == "" {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return fmt.Errorf("healthcheck: listen address %q: %w", cfg.Listen, err)
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		*url = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	fmt.Fprintf(stdout, "%s: %s\n", *url, resp.Status)
	return nil
}
