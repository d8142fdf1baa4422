package syncer_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/autotask/fakeautotask"
	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// Two gateway instances on one PostgreSQL schema: exactly one runs the
// connector, and the other takes over when it stops.
func TestOneConnectorPerDeployment(t *testing.T) {
	url := storagetest.PostgresURL(t)
	ctx := context.Background()
	ft := fakeautotask.New(fakeautotask.Options{Username: user, Secret: secret, IntegrationCode: code, APIResourceID: apiRes}).Start()
	defer ft.Close()
	ft.LoadDemo(time.Now(), 50)
	type instance struct {
		s      *storage.Store
		log    *logBuffer
		cancel context.CancelFunc
		done   chan struct{}
	}
	start := func() *instance {
		s, err := storage.Open(ctx, storage.Options{DatabaseURL: url})
		must(t, err)
		t.Cleanup(func() { s.Close() })
		_, err = s.Migrate(ctx)
		must(t, err)
		in := &instance{s: s, log: &logBuffer{}, done: make(chan struct{})}
		logger := slog.New(slog.NewTextHandler(in.log, nil))
		conn, err := autotask.NewConnector(autotask.Config{Username: user, Secret: secret, IntegrationCode: code,
			DiscoveryURL: ft.DiscoveryURL(), Logger: logger})
		must(t, err)
		sy := syncer.New(s, conn, syncer.Config{Logger: logger})
		runCtx, cancel := context.WithCancel(ctx)
		in.cancel = cancel
		go func() { defer close(in.done); sy.RunLeader(runCtx, 100*time.Millisecond) }()
		return in
	}
	leading := func(in *instance) bool {
		return strings.Contains(in.log.String(), "this instance runs the PSA connector")
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for i := 0; i < 200; i++ {
			if cond() {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s", what)
	}
	a := start()
	waitFor("the first instance to lead", func() bool { return leading(a) })
	b := start()
	waitFor("the second instance to stand by", func() bool { return strings.Contains(b.log.String(), "standing by") })
	time.Sleep(300 * time.Millisecond)
	if leading(b) {
		t.Fatal("both instances run the connector")
	}
	a.cancel()
	<-a.done
	waitFor("the second instance to take over", func() bool { return leading(b) })
	b.cancel()
	<-b.done
}
