package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
)

// An import not on a terminal logs progress lines (stage, done of total,
// rate, ETA) while it writes the records and while it renders them.
func TestImportLogsProgress(t *testing.T) {
	old := progressEvery
	progressEvery = time.Millisecond
	t.Cleanup(func() { progressEvery = old })
	dir := t.TempDir()
	mustCmd(t, "", "migrate", "--data", dir)
	mustCmd(t, "pw-progress\n", "user", "add", "pat", "--password-stdin", "--all-contacts", "on", "--data", dir)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"import", writeContacts(t, 3000), "--data", dir}, nil, &out, &errOut); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut.String())
	}
	log := errOut.String()
	for _, stage := range []string{"records", "rendering"} {
		line := regexp.MustCompile(`msg="import progress" stage=` + stage + ` done=(\d+) total=(\d+) rate=\d+/s eta=\S+`)
		all := line.FindAllStringSubmatch(log, -1)
		if len(all) < 2 {
			t.Fatalf("stage %s: want several progress lines:\n%s", stage, log)
		}
		if last := all[len(all)-1]; last[1] != last[2] || last[2] != "3001" {
			t.Errorf("stage %s ends at %s of %s, want 3001 of 3001", stage, last[1], last[2])
		}
	}
	if !strings.Contains(out.String(), "3001 created") {
		t.Fatalf("import report: %s", out.String())
	}
}

// On a terminal the same progress is a bar with count, rate and ETA.
func TestProgressBarOnATerminal(t *testing.T) {
	var w bytes.Buffer
	ui := newProgress("import", &w, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ui.tty = true
	for done := 0; done <= 1000; done += 100 {
		ui.update("records", done, 1000)
		time.Sleep(15 * time.Millisecond)
	}
	got := w.String()
	for _, want := range []string{"import records", "100%", "(1000/1000", "records/s"} {
		if !strings.Contains(got, want) {
			t.Fatalf("bar lacks %q: %q", want, got)
		}
	}
}
