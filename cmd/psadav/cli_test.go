package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

func TestMain(m *testing.M) {
	// A psadav installed on the machine running the tests must not lend
	// them its configuration (its database above all).
	defaultConfigFile = ""
	os.Exit(m.Run())
}

// dbStoreVariants are dbVariants with the options that open the same
// database from the test, to look at what a command wrote.
var dbStoreVariants = []struct {
	name string
	open func(t *testing.T) ([]string, storage.Options)
}{
	{"sqlite", func(t *testing.T) ([]string, storage.Options) {
		dir := t.TempDir()
		return []string{"--data", dir}, storage.Options{DataDir: dir}
	}},
	{"postgres", func(t *testing.T) ([]string, storage.Options) {
		url := storagetest.PostgresURL(t)
		return []string{"--database-url", url}, storage.Options{DatabaseURL: url}
	}},
}

// dbVariants are the two ways a command is pointed at a database.
var dbVariants = []struct {
	name string
	args func(t *testing.T) []string
}{
	{"sqlite", func(t *testing.T) []string { return []string{"--data", t.TempDir()} }},
	{"postgres", func(t *testing.T) []string { return []string{"--database-url", storagetest.PostgresURL(t)} }},
}

func mustCmd(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := runCmd(t, stdin, args...)
	if err != nil {
		t.Fatalf("psadav %v: %v\n%s", args, err, out)
	}
	return out
}

// Global flags go before the command, between the command and its
// subcommand, or after it, with = or without.
func TestGlobalFlagsBeforeOrAfterTheCommand(t *testing.T) {
	for _, db := range dbVariants {
		t.Run(db.name, func(t *testing.T) {
			dbArgs := db.args(t)
			flag, value := dbArgs[0], dbArgs[1]
			mustCmd(t, "", flag, value, "migrate")
			mustCmd(t, "pw-global-1\n", flag, value, "user", "add", "first", "--password-stdin")
			mustCmd(t, "pw-global-2\n", "user", flag+"="+value, "add", "second", "--password-stdin")
			for _, args := range [][]string{
				{flag, value, "user", "list"},
				{"user", flag, value, "list"},
				{"user", "list", flag, value},
				{flag + "=" + value, "--log-level", "warn", "user", "list"},
			} {
				out := mustCmd(t, "", args...)
				if !strings.Contains(out, "first") || !strings.Contains(out, "second") {
					t.Errorf("psadav %v:\n%s", args, out)
				}
			}
		})
	}
}

// An admin command run where there is no database (another directory, a
// forgotten --data) refuses, says where it looked and how to point it
// elsewhere, and creates nothing. Only migrate (and serve, demo) create.
func TestAdminCommandsRefuseAMissingDatabase(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Chdir(t.TempDir())
		for _, args := range [][]string{{"user", "list"}, {"user", "add", "x"}, {"settings", "show"}, {"outbox", "list"},
			{"import", "Contacts.json"}, {"autotask", "status"}, {"backup", "copy.db"}, {"settings", "set", "window-past-days", "5"}} {
			out, err := runCmd(t, "", args...)
			if err == nil {
				t.Fatalf("psadav %v ran without a database:\n%s", args, out)
			}
			msg := errorText(err)
			wd, _ := os.Getwd()
			for _, want := range []string{"no psadav database at " + filepath.Join(wd, "data", storage.SQLiteFile), "the default",
				"--data DIR", "--database-url", "PSADAV_CONFIG", "psadav migrate"} {
				if !strings.Contains(msg, want) {
					t.Errorf("psadav %v: message lacks %q: %s", args, want, msg)
				}
			}
			if entries, _ := os.ReadDir("."); len(entries) != 0 {
				t.Fatalf("psadav %v created %v", args, entries[0].Name())
			}
		}
		dir := t.TempDir()
		_, err := runCmd(t, "", "user", "list", "--data", dir)
		if err == nil || !strings.Contains(err.Error(), "from --data") {
			t.Fatalf("an explicit --data is named as the source: %v", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("user list created %s", entries[0].Name())
		}
		mustCmd(t, "", "migrate")
		if out := mustCmd(t, "", "user", "list"); !strings.Contains(out, "LOGIN") {
			t.Fatalf("after migrate: %s", out)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		url := storagetest.PostgresURL(t)
		_, err := runCmd(t, "", "user", "list", "--database-url", url)
		if err == nil || !strings.Contains(err.Error(), "no psadav database") {
			t.Fatalf("user list on an empty PostgreSQL schema: %v", err)
		}
		s, err := storage.Open(context.Background(), storage.Options{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if st, err := s.Status(context.Background()); err != nil || len(st.Applied) != 0 {
			t.Fatalf("the refused command migrated: %+v %v", st, err)
		}
		mustCmd(t, "", "migrate", "--database-url", url)
		mustCmd(t, "", "user", "list", "--database-url", url)
	})
}

// With a configuration file at the default place, admin commands find the
// server's database from any directory without flags; PSADAV_CONFIG and
// --config name another file.
func TestConfigurationFileFoundWithoutFlags(t *testing.T) {
	data := t.TempDir()
	conf := filepath.Join(t.TempDir(), "psadav.conf")
	os.WriteFile(conf, []byte("data = "+data+"\nlog-level = warn\n"), 0o644)
	defaultConfigFile = conf
	t.Cleanup(func() { defaultConfigFile = "" })
	t.Chdir(t.TempDir())
	mustCmd(t, "", "migrate")
	mustCmd(t, "pw-config-1\n", "user", "add", "viaconf", "--password-stdin")
	if out := mustCmd(t, "", "user", "list"); !strings.Contains(out, "viaconf") {
		t.Fatalf("user list from another directory:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(data, storage.SQLiteFile)); err != nil {
		t.Fatalf("the database is not where the file says: %v", err)
	}
	other := filepath.Join(t.TempDir(), "other.conf")
	os.WriteFile(other, []byte("data = "+t.TempDir()+"\n"), 0o644)
	t.Setenv("PSADAV_CONFIG", other)
	if _, err := runCmd(t, "", "user", "list"); err == nil || !strings.Contains(err.Error(), "from "+other) {
		t.Fatalf("PSADAV_CONFIG comes before the default file: %v", err)
	}
	if out := mustCmd(t, "", "user", "list", "--config", conf); !strings.Contains(out, "viaconf") {
		t.Fatalf("--config comes first:\n%s", out)
	}
}

// A negative number is a value, not a flag; errors are reported once, by
// the caller, on one line and without internal prefixes.
func TestValuesErrorsAndMessages(t *testing.T) {
	dir := t.TempDir()
	mustCmd(t, "", "migrate", "--data", dir)
	_, err := runCmd(t, "", "settings", "set", "window-past-days", "-5", "--data", dir)
	if err == nil || strings.Contains(err.Error(), "flag") || !strings.Contains(err.Error(), "window-past-days") {
		t.Fatalf("settings set window-past-days -5: %v", err)
	}
	mustCmd(t, "", "settings", "set", "window-past-days", "30", "--data", dir)
	if _, err := runCmd(t, "", "serve", "--tombstone-days", "-5", "--data", dir); err == nil || !strings.Contains(err.Error(), "tombstone-days") ||
		!strings.Contains(err.Error(), "at least 1") {
		t.Fatalf("--tombstone-days -5: %v", err)
	}

	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"user", "list", "--no-such-flag", "--data", dir}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "no-such-flag") {
		t.Fatalf("unknown flag: %v", err)
	}
	if errOut.Len() != 0 {
		t.Fatalf("the parser printed too (the error would show twice):\n%s", errOut.String())
	}
	errOut.Reset()
	if err := run(context.Background(), []string{"user", "list", "-h"}, nil, &out, &errOut); err == nil || !strings.Contains(errOut.String(), "psadav user add") {
		t.Fatalf("-h prints the usage: %v\n%s", err, errOut.String())
	}

	mustCmd(t, "pw-twice-12\n", "user", "add", "twice", "--password-stdin", "--data", dir)
	_, err = runCmd(t, "pw-twice-12\n", "user", "add", "twice", "--password-stdin", "--data", dir)
	if err == nil || errorText(err) != `login "twice" exists` {
		t.Fatalf("second user add: %q", errorText(err))
	}
	_, err = runCmd(t, "", "outbox", "retry", "12345", "--data", dir)
	if err == nil || strings.Contains(errorText(err), "storage:") || strings.Contains(errorText(err), "\n") {
		t.Fatalf("outbox retry of nothing: %q", errorText(err))
	}
}

// user add says which collections have content: a user linked to no PSA
// resource sees only the books that do not depend on who they are.
func TestUserAddSaysWhatHasContent(t *testing.T) {
	dir := t.TempDir()
	mustCmd(t, "", "migrate", "--data", dir)
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{nil, "none of their collections has content"},
		{[]string{"--all-contacts", "on"}, "only the all-contacts book has content"},
		{[]string{"--contacts", "all"}, "only the contacts book has content"},
		{[]string{"--contacts", "all", "--all-contacts", "on"}, "only the contacts and all-contacts books have content"},
	} {
		login := "u" + strings.Join(c.flags, "")
		login = strings.NewReplacer("-", "", " ", "").Replace(login)
		out := mustCmd(t, "pw-content-1\n", append([]string{"user", "add", login, "--password-stdin", "--data", dir}, c.flags...)...)
		if !strings.Contains(out, c.want) {
			t.Errorf("user add %v: %s", c.flags, out)
		}
	}
}

func TestVersion(t *testing.T) {
	out := mustCmd(t, "", "version")
	for _, want := range []string{"psadav ", "commit ", "built ", "go1."} {
		if !strings.Contains(out, want) {
			t.Fatalf("version lacks %q: %s", want, out)
		}
	}
	version, commit, date = "v9.8.7", "0123456789abcdef", "2026-12-03T10:00:00Z"
	t.Cleanup(func() { version, commit, date = "", "", "" })
	out = mustCmd(t, "", "--version")
	if !strings.Contains(out, "psadav v9.8.7 (commit 0123456789ab, built 2026-12-03T10:00:00Z") {
		t.Fatalf("release build version: %s", out)
	}
}

// psadav backup and psadav restore, as the README gives them.
func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	mustCmd(t, "", "migrate", "--data", dir)
	mustCmd(t, "pw-backup-12\n", "user", "add", "bea", "--password-stdin", "--data", dir)
	file := filepath.Join(t.TempDir(), "psadav-backup.db")
	if out := mustCmd(t, "", "backup", file, "--data", dir); !strings.Contains(out, "backed up") {
		t.Fatalf("backup: %s", out)
	}
	restored := filepath.Join(t.TempDir(), "new")
	if out := mustCmd(t, "", "restore", file, "--data", restored); !strings.Contains(out, "restored") {
		t.Fatalf("restore: %s", out)
	}
	if out := mustCmd(t, "", "user", "list", "--data", restored); !strings.Contains(out, "bea") {
		t.Fatalf("user list after restore:\n%s", out)
	}
	if _, err := runCmd(t, "", "restore", file, "--data", restored); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("restore over a database: %v", err)
	}
	if _, err := runCmd(t, "", "backup", file+"2", "--database-url", "postgres://x@127.0.0.1:1/none"); err == nil ||
		!strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %v", err)
	}
}

// /readyz answers while the database answers with this binary's schema;
// a schema a newer version migrated takes the instance out of service,
// and the answer names no detail. /healthz stays up.
func TestReadyzChecksTheSchema(t *testing.T) {
	dir := t.TempDir()
	mustCmd(t, "", "migrate", "--data", dir)
	srv := startServe(t, "", "--data", dir)
	defer srv.stop()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + srv.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Fatalf("readyz: %d", code)
	}
	// The server writes at start (its sweeps, the console's key): wait
	// for its lock rather than fail with SQLITE_BUSY.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, storage.SQLiteFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("INSERT INTO schema_migrations (name, group_id, migrated_at) VALUES ('9999', 99, CURRENT_TIMESTAMP)"); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != 503 || strings.Contains(body, "9999") {
		t.Fatalf("readyz on a newer schema: %d %q", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	if out := mustCmd(t, "", "healthcheck", "--listen", srv.addr); !strings.Contains(out, "200") {
		t.Fatalf("healthcheck: %s", out)
	}
	if _, err := runCmd(t, "", "healthcheck", "--url", "http://"+srv.addr+"/readyz"); err == nil {
		t.Fatal("healthcheck of an unready /readyz passed")
	}
}
