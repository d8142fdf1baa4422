package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/native"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// The real-client tests start psadav in this process on a free loopback
// port, over a fresh database holding the small organisation in
// testdata/e2e-org.json, and drive it with the Debian clients. Without a
// client they skip, except with CI=true, where a skip is a failure.

// e2eServer is a running psadav for one test.
type e2eServer struct {
	url   string // http://127.0.0.1:PORT
	store *storage.Store
	dir   string // scratch directory for client configs and folders
}

// Logins of the fixture: tech1 manages Acme and owns a Globex opportunity;
// tech2 manages Globex and has the all-contacts book.
const (
	tech1, tech1Password = "tech1", "tech1-password"
	tech2, tech2Password = "tech2", "tech2-password"
)

// forEachDB runs a real-client test on SQLite and on PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, srv *e2eServer)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, startE2E(t, storagetest.OpenSQLite(t))) })
	t.Run("postgres", func(t *testing.T) { fn(t, startE2E(t, storagetest.OpenPostgres(t))) })
}

// requireTool returns the path of a client program, skipping the test (or
// failing it in CI) when it is not installed.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed: CI must run the real-client tests (.ci/run installs it)", name)
		}
		t.Skipf("%s is not installed; the real-client test is skipped", name)
	}
	return p
}

// fixtureDay is the day DAY+n in the fixture counts from.
func fixtureDay() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

var dayPattern = regexp.MustCompile(`DAY\+(\d+)T`)

// loadFixture imports testdata/e2e-org.json with its DAY+n placeholders
// turned into dates from today.
func loadFixture(t *testing.T, s *storage.Store) {
	t.Helper()
	raw, err := os.ReadFile("testdata/e2e-org.json")
	if err != nil {
		t.Fatal(err)
	}
	day := fixtureDay()
	data := dayPattern.ReplaceAllFunc(raw, func(m []byte) []byte {
		n, _ := strconv.Atoi(string(dayPattern.FindSubmatch(m)[1]))
		return []byte(day.AddDate(0, 0, n).Format("2006-01-02") + "T")
	})
	if _, err := native.Import(context.Background(), s, bytes.NewReader(data), native.Options{}); err != nil {
		t.Fatalf("importing the fixture: %v", err)
	}
}

func startE2E(t *testing.T, s *storage.Store) *e2eServer {
	t.Helper()
	ctx := context.Background()
	loadFixture(t, s)
	t1 := int64(29682901)
	t2 := int64(29682902)
	if _, err := s.CreateAccount(ctx, tech1, tech1Password, &t1, storage.DefaultUserSettings()); err != nil {
		t.Fatal(err)
	}
	st := storage.DefaultUserSettings()
	st.AllContacts = true
	st.TimeZone = "Europe/Berlin"
	if _, err := s.CreateAccount(ctx, tech2, tech2Password, &t2, st); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config{MaxResourceSize: 1 << 20, ShutdownTimeout: 5 * time.Second, TombstoneDays: 60}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- serve(sctx, s, ln, cfg, log, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &e2eServer{url: "http://" + ln.Addr().String(), store: s, dir: t.TempDir()}
}

// run executes a client program and returns its combined output; a failure
// ends the test with that output.
func (srv *e2eServer) run(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	out, err := srv.try(stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func (srv *e2eServer) try(stdin string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = srv.dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "HOME="+srv.dir, "LC_ALL=C.UTF-8", "LANG=C.UTF-8", "TZ=UTC")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// write puts a file under the scratch directory.
func (srv *e2eServer) write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(srv.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// objectCount counts a user's objects in a collection on the server.
func (srv *e2eServer) objectCount(t *testing.T, login, coll string) int {
	t.Helper()
	ctx := context.Background()
	acct, err := srv.store.Account(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.store.UserCollection(ctx, acct.ID, coll)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := srv.store.ListObjects(ctx, c.ID, func(storage.ObjectInfo) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// files lists the names in a directory.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func fileCount(t *testing.T, dir string) int { return len(files(t, dir)) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
