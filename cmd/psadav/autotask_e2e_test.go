package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/autotask/fakeautotask"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// vdirsyncer returns the Debian vdirsyncer, skipping (failing in CI) without it.
func vdirsyncer(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("/usr/bin/vdirsyncer")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("vdirsyncer is not installed")
		}
		t.Skip("vdirsyncer is not installed (apt-get install vdirsyncer)")
	}
	return path
}

// server runs psadav serve until the returned stop is called.
type server struct {
	addr        string
	metricsAddr string // --metrics-listen
	stop        func()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServe(t *testing.T, addr string, args ...string) *server {
	t.Helper()
	if addr == "" {
		addr = freeAddr(t)
	}
	metricsAddr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--listen", addr, "--metrics-listen", metricsAddr, "--log-level", "warn"}, args...),
			nil, io.Discard, io.Discard)
	}()
	// A loaded machine running other packages' tests can take seconds to
	// open and migrate; wait up to a minute, and say so if it never came up.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve on %s was not ready within a minute", addr)
		}
	}
	return &server{addr: addr, metricsAddr: metricsAddr, stop: func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}}
}

func (s *server) metric(t *testing.T, name string) string {
	t.Helper()
	resp, err := http.Get("http://" + s.metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < limit {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", limit, what)
	return 0
}

// TestAutotaskEndToEnd runs psadav serve against the fake tenant and syncs
// a technician's 5,000 contacts with vdirsyncer, on SQLite and PostgreSQL.
func TestAutotaskEndToEnd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		autotaskEndToEnd(t, []string{"--data", dir}, storage.Options{DataDir: dir})
	})
	t.Run("postgres", func(t *testing.T) {
		url := storagetest.PostgresURL(t)
		autotaskEndToEnd(t, []string{"--database-url", url}, storage.Options{DatabaseURL: url})
	})
}

func autotaskEndToEnd(t *testing.T, db []string, direct storage.Options) {
	vds := vdirsyncer(t)
	ft := fakeautotask.New(fakeautotask.Options{Username: "api@example.com", Secret: "fake-secret", IntegrationCode: "FAKE",
		APIResourceID: 29999999}).Start()
	defer ft.Close()
	seeded := ft.LoadDemo(time.Now(), 5000)
	active := 0
	for _, id := range ft.IDs(mapping.EntityContacts) {
		if rec, _ := ft.Record(mapping.EntityContacts, id); fmt.Sprint(rec["isActive"]) != "0" {
			active++
		}
	}
	t.Setenv("PSADAV_AUTOTASK_USERNAME", "api@example.com")
	t.Setenv("PSADAV_AUTOTASK_SECRET", "fake-secret")
	t.Setenv("PSADAV_AUTOTASK_INTEGRATION_CODE", "FAKE")
	psa := []string{"--psa", "autotask", "--autotask-discovery-url", ft.DiscoveryURL()}
	mustRun(t, "", append([]string{"migrate"}, db...)...) // admin commands need a database
	mustRun(t, "pw-awalker-12\n", append([]string{"user", "add", "awalker", "--password-stdin", "--contacts", "all",
		"--resource", fmt.Sprint(seeded.Logins["awalker"])}, db...)...)

	// A fresh gateway pulls the tenant; contacts polled every 3 s.
	srv := startServe(t, "", append(append(psa, db...), "--autotask-poll-contacts", "3s")...)
	took := waitUntil(t, "the initial pull", 3*time.Minute, func() bool {
		return srv.metric(t, `psadav_psa_records_pulled_total{entity="TimeOffRequests"}`) != ""
	})
	initial := ft.Count(nil)
	t.Logf("initial pull of %d contacts: %d API requests, %s; by endpoint:\n%s", ft.Len(mapping.EntityContacts), initial, took.Round(time.Millisecond), ft.Summary())
	if got := srv.metric(t, `psadav_psa_records_pulled_total{entity="Contacts"}`); got != "5000" {
		t.Fatalf("contacts pulled: %s", got)
	}

	// vdirsyncer syncs the technician's book.
	home := t.TempDir()
	local := filepath.Join(home, "contacts")
	os.MkdirAll(filepath.Join(home, "status"), 0o700)
	os.MkdirAll(local, 0o700)
	conf := filepath.Join(home, "config")
	os.WriteFile(conf, []byte(fmt.Sprintf(`[general]
status_path = "%s/status/"
[pair psa]
a = "remote"
b = "local"
collections = ["contacts"]
[storage remote]
type = "carddav"
url = "http://%s/"
username = "awalker"
password = "pw-awalker-12"
[storage local]
type = "filesystem"
path = "%s/"
fileext = ".vcf"
`, home, srv.addr, local)), 0o600)
	sync := func() {
		t.Helper()
		cmd := exec.Command(vds, "-c", conf, "sync")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("vdirsyncer sync: %v\n%s", err, out)
		}
	}
	cmd := exec.Command(vds, "-c", conf, "discover")
	cmd.Stdin = strings.NewReader("y\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vdirsyncer discover: %v\n%s", err, out)
	}
	start := time.Now()
	sync()
	files, _ := filepath.Glob(filepath.Join(local, "contacts", "*.vcf"))
	t.Logf("vdirsyncer: %d cards in %s", len(files), time.Since(start).Round(time.Millisecond))
	if len(files) != active {
		t.Fatalf("vdirsyncer has %d cards, the tenant %d active contacts", len(files), active)
	}
	card := func(id int64) string {
		b, _ := os.ReadFile(filepath.Join(local, "contacts", "psadav-contact-"+fmt.Sprint(id)+".vcf"))
		return string(b)
	}

	// A contact changed in the PSA reaches the next sync within one poll interval.
	ids := ft.IDs(mapping.EntityContacts)
	if err := ft.Update(mapping.EntityContacts, ids[100], map[string]any{"title": "Polled Title"}, seeded.Logins["cmartin"]); err != nil {
		t.Fatal(err)
	}
	changed := time.Now()
	waitUntil(t, "the polled change", time.Minute, func() bool { sync(); return strings.Contains(card(ids[100]), "Polled Title") })
	t.Logf("change by polling (every 3s) seen by vdirsyncer after %s", time.Since(changed).Round(time.Millisecond))
	srv.stop()

	// Webhooks: contacts polled only every 10 minutes now, so only a
	// webhook explains a change seen within seconds.
	srv = startServe(t, srv.addr, append(psa, db...)...)
	defer srv.stop()
	out := mustRun(t, "", append(append([]string{"autotask", "webhooks", "install", "--url", "http://" + srv.addr}, db...),
		"--autotask-discovery-url", ft.DiscoveryURL())...)
	if !strings.Contains(out, "excluded") {
		t.Fatalf("install: %s", out)
	}
	if err := ft.Update(mapping.EntityContacts, ids[200], map[string]any{"lastName": "Hooked"}, seeded.Logins["cmartin"]); err != nil {
		t.Fatal(err)
	}
	changed = time.Now()
	latency := waitUntil(t, "the webhook change", time.Minute, func() bool { sync(); return strings.Contains(card(ids[200]), "Hooked") })
	t.Logf("change by webhook seen by vdirsyncer after %s", latency.Round(time.Millisecond))
	if got := srv.metric(t, `psadav_webhook_events{state="processed"}`); got != "1" {
		t.Fatalf("webhook events processed: %s", got)
	}
	// A forged signature is refused.
	body := `{"Action":"Update","Guid":"x","EntityType":"Contact","Id":` + fmt.Sprint(ids[300]) + `,"SequenceNumber":1}`
	req, _ := http.NewRequest("POST", "http://"+srv.addr+autotask.HookPath(mapping.EntityContacts), strings.NewReader(body))
	req.Header.Set(autotask.SignatureHeader, autotask.Sign("not-the-secret", []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged webhook: %v %v", resp, err)
	}
	resp.Body.Close()

	// A write the tenant refuses: psadav outbox list shows the PSA's
	// message, and the next sync shows the PSA's version again.
	ft.SetFieldLength(mapping.EntityContacts, "title", 10)
	s, err := storage.Open(context.Background(), direct)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	target := ids[100]
	err = s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		rec, env, err := tx.RecordByRef(ctx, mapping.EntityContacts, target)
		if err != nil {
			return err
		}
		rec.(*mapping.Contact).Title = "Director of Everything"
		if err := tx.UpdateFromClient(ctx, mapping.EntityContacts, env.RID, rec); err != nil {
			return err
		}
		_, err = tx.Enqueue(ctx, mapping.EntityContacts, env.RID, storage.OpUpdate, map[string]any{"title": "Director of Everything"}, nil, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the refusal", time.Minute, func() bool {
		return strings.Contains(mustRun(t, "", append([]string{"outbox", "list", "--state", "failed"}, db...)...), "exceeds the maximum length")
	})
	t.Logf("psadav outbox list --state failed:\n%s", mustRun(t, "", append([]string{"outbox", "list", "--state", "failed"}, db...)...))
	sync()
	if c := card(target); strings.Contains(c, "Director of Everything") || !strings.Contains(c, "Polled Title") {
		t.Fatalf("after the refusal the card shows:\n%s", c)
	}
	status := mustRun(t, "", append([]string{"autotask", "status"}, db...)...)
	if !strings.Contains(status, "Contacts") || !strings.Contains(status, "1 failed") {
		t.Fatalf("status:\n%s", status)
	}
	t.Logf("psadav autotask status:\n%s", status)
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), args, strings.NewReader(stdin), &out, io.Discard); err != nil {
		t.Fatalf("psadav %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}
