package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/autotask/fakeautotask"
)

// psadav autotask probe against the fake tenant (which answers as the
// real API does): every assumption it can settle holds, within 20
// requests, with no database; --autotask-record writes the conversation;
// check reports the free part. The output is the README's.
func TestAutotaskProbeCommand(t *testing.T) {
	ft := fakeautotask.New(fakeautotask.Options{Username: "api@example.com", Secret: "fake-secret", IntegrationCode: "FAKE",
		APIResourceID: 29999999}).Start()
	defer ft.Close()
	ft.LoadDemo(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), 100)
	t.Setenv("PSADAV_AUTOTASK_USERNAME", "api@example.com")
	t.Setenv("PSADAV_AUTOTASK_SECRET", "fake-secret")
	t.Setenv("PSADAV_AUTOTASK_INTEGRATION_CODE", "FAKE")
	rec := t.TempDir()
	out, err := runCmd(t, "", "autotask", "probe", "--autotask-discovery-url", ft.DiscoveryURL(), "--autotask-record", rec, "--log-level", "warn")
	t.Logf("psadav autotask probe:\n%s", out)
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	for _, want := range []string{"A1 ", "next pages are POSTed with the query", "A3 ", "A4 ", "CompanyNotes", "A10", "none of them a write"} {
		if !strings.Contains(out, want) {
			t.Errorf("probe output lacks %q", want)
		}
	}
	if strings.Contains(out, "DOES NOT HOLD") {
		t.Error("an assumption failed against the fake")
	}
	n := ft.Count(nil)
	if n > 20 || !strings.Contains(out, strconv.Itoa(n)+" API requests") {
		t.Fatalf("the tenant saw %d requests; the probe said:\n%s", n, out)
	}
	files, _ := filepath.Glob(filepath.Join(rec, "*.json"))
	if len(files) != n {
		t.Fatalf("%d exchanges recorded for %d requests", len(files), n)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "fake-secret") || strings.Contains(string(b), "api@example.com") {
			t.Fatalf("%s holds a credential", f)
		}
	}
	// A wrong setting is named.
	if _, err := runCmd(t, "", "autotask", "probe", "--autotask-timeoff-times", "local:Atlantis"); err == nil ||
		!strings.Contains(err.Error(), "autotask-timeoff-times") {
		t.Fatalf("bad time-off setting: %v", err)
	}
	data := t.TempDir()
	if out, err := runCmd(t, "", "migrate", "--data", data); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, err = runCmd(t, "", "autotask", "check", "--autotask-discovery-url", ft.DiscoveryURL(), "--data", data, "--log-level", "warn")
	if err != nil || !strings.Contains(out, "query conditions") || !strings.Contains(out, "id gte 0") {
		t.Fatalf("check: %v\n%s", err, out)
	}
}
