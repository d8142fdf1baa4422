package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/autotask/fakeautotask"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// A PUT's answer never waits for the PSA: the write-backs it queues are
// sent by the connector afterwards (README: Limits on what clients
// write). The fake tenant holds every write until the test lets it go; a
// PUT that waited for one would never be answered.
func TestPutNeverWaitsForThePSA(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		putNeverWaits(t, []string{"--data", dir}, storage.Options{DataDir: dir})
	})
	t.Run("postgres", func(t *testing.T) {
		url := storagetest.PostgresURL(t)
		putNeverWaits(t, []string{"--database-url", url}, storage.Options{DatabaseURL: url})
	})
}

func putNeverWaits(t *testing.T, db []string, direct storage.Options) {
	ft := fakeautotask.New(fakeautotask.Options{Username: "api@example.com", Secret: "fake-secret", IntegrationCode: "FAKE",
		APIResourceID: 29999999})
	seeded := ft.LoadDemo(time.Now(), 10)
	gate := make(chan struct{})
	var held atomic.Int32
	psaSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && !strings.Contains(r.URL.Path, "/query") {
			held.Add(1)
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		ft.Handler().ServeHTTP(w, r)
	}))
	defer psaSrv.Close()
	open := true
	release := func() {
		if open {
			close(gate)
			open = false
		}
	}
	defer release()
	t.Setenv("PSADAV_AUTOTASK_USERNAME", "api@example.com")
	t.Setenv("PSADAV_AUTOTASK_SECRET", "fake-secret")
	t.Setenv("PSADAV_AUTOTASK_INTEGRATION_CODE", "FAKE")
	psa := []string{"--psa", "autotask", "--autotask-discovery-url", psaSrv.URL + "/atservicesrest/"}
	mustRun(t, "", append([]string{"migrate"}, db...)...)
	mustRun(t, "pw-awalker-12\n", append([]string{"user", "add", "awalker", "--password-stdin",
		"--resource", fmt.Sprint(seeded.Logins["awalker"])}, db...)...)
	srv := startServe(t, "", append(psa, db...)...)
	defer srv.stop()
	waitUntil(t, "the initial pull", 3*time.Minute, func() bool {
		return srv.metric(t, `psadav_psa_records_pulled_total{entity="TimeOffRequests"}`) != ""
	})

	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1).Add(8 * time.Hour).Format("20060102T150405Z")
	body := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:Sync\r\n" +
		"DTSTART:" + start + "\r\nDURATION:PT30M\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "PUT", "http://"+srv.addr+"/dav/calendars/awalker/calendar/weekly-1.ics", strings.NewReader(body))
	req.SetBasicAuth("awalker", "pw-awalker-12")
	req.Header.Set("Content-Type", "text/calendar")
	began := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("the PUT was not answered while the PSA held its writes: %v", err)
	}
	resp.Body.Close()
	t.Logf("PUT of a series of 3: %d in %v, with the PSA holding every write", resp.StatusCode, time.Since(began).Round(time.Millisecond))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	// The connector then tries to send them, and is held.
	waitUntil(t, "the connector's first write", time.Minute, func() bool { return held.Load() > 0 })
	s, err := storage.Open(context.Background(), direct)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pending := func() int {
		es, err := s.Outbox(context.Background(), storage.OutboxFilter{Entity: string(mapping.EntityAppointments),
			States: []storage.OutboxState{storage.OutboxPending}})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	if n := pending(); n != 3 {
		t.Fatalf("%d appointment creates pending while the PSA holds them, want 3", n)
	}
	release()
	waitUntil(t, "the write-backs to reach the PSA", time.Minute, func() bool { return pending() == 0 })
}
