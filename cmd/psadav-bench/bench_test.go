package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/storage/storagetest"
)

// The benchmark itself, at a tiny scale, against psadav on SQLite (and
// PostgreSQL where there is one) and both peers: every loop ends by
// itself, every measurement comes out as a positive number, and the table
// has one ratio column per psadav database and peer.
func TestBenchRunsAtSmallScale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts servers")
	}
	for _, peer := range []string{"radicale", "xandikos"} {
		if _, err := exec.LookPath(peer); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed: CI must run the benchmark (.ci/run installs it)", peer)
			}
			t.Skipf("%s is not installed; the benchmark test is skipped", peer)
		}
	}
	dbs, pgURL := "sqlite", os.Getenv(storagetest.EnvPostgres)
	switch {
	case pgURL != "":
		dbs = "sqlite,postgres"
	case os.Getenv("CI") == "true":
		t.Fatalf("%s is not set: CI must benchmark PostgreSQL too", storagetest.EnvPostgres)
	}
	exe := filepath.Join(t.TempDir(), "psadav")
	if out, err := exec.Command("go", "build", "-o", exe, "../psadav").CombinedOutput(); err != nil {
		t.Fatalf("building psadav: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"--psadav", exe, "--contacts", "120", "--small", "30", "--events", "150", "--duration", "300ms",
		"--repeats", "2", "--databases", dbs, "--pg-url", pgURL, "--peers", "radicale,xandikos"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	var header []string
	var rows [][]string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if header == nil {
			header = cells
			continue
		}
		rows = append(rows, cells)
	}
	nps := len(strings.Split(dbs, ","))
	if want := 1 + nps + 2 + nps*2; len(header) != want {
		t.Fatalf("header has %d columns, want %d: %q", len(header), want, header)
	}
	if len(rows) < 13 {
		t.Fatalf("table has %d rows:\n%s", len(rows), stdout.String())
	}
	for _, r := range rows {
		if len(r) != len(header) {
			t.Fatalf("row %q has %d cells, want %d", r[0], len(r), len(header))
		}
		psaOnly := strings.Contains(r[0], "PSA change")
		for i, cell := range r[1:] {
			isPsadav := i < nps
			if psaOnly && !isPsadav {
				if cell != "—" {
					t.Errorf("%s: a peer has %q, want —", r[0], cell)
				}
				continue
			}
			if v, err := strconv.ParseFloat(cell, 64); err != nil || v <= 0 {
				t.Errorf("%s, column %q: %q is not a positive number", r[0], header[i+1], cell)
			}
		}
	}
}
