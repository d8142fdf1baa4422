package syncer_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/autotask/fakeautotask"
	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

const (
	user   = "api@example.com"
	secret = "s3cr3t-value"
	code   = "INTEGRATION-CODE"
	apiRes = 29999999
)

// clock is a test clock shared by the store, the fake tenant and the engine.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// forEach runs a test body on both databases with a fresh clock.
func forEach(t *testing.T, fn func(t *testing.T, s *storage.Store, clk *clock)) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			clk := newClock()
			var s *storage.Store
			if db == "sqlite" {
				s = storagetest.OpenSQLite(t, storagetest.Options{Now: clk.now})
			} else {
				s = storagetest.OpenPostgres(t, storagetest.Options{Now: clk.now})
			}
			fn(t, s, clk)
		})
	}
}

// harness is a gateway store, a fake tenant with the demo organisation,
// and an engine between them.
type harness struct {
	t      *testing.T
	s      *storage.Store
	clk    *clock
	ft     *fakeautotask.Tenant
	conn   *autotask.Connector
	sy     *syncer.Syncer
	seeded fakeautotask.Seeded
	log    *logBuffer
}

func newHarness(t *testing.T, s *storage.Store, clk *clock, contacts int) *harness {
	t.Helper()
	return newHarnessWith(t, s, clk, contacts, nil)
}

// newHarnessWith is newHarness with the connector's configuration tweaked.
func newHarnessWith(t *testing.T, s *storage.Store, clk *clock, contacts int, tweak func(*autotask.Config)) *harness {
	t.Helper()
	ft := fakeautotask.New(fakeautotask.Options{Username: user, Secret: secret, IntegrationCode: code,
		APIResourceID: apiRes, Now: clk.now}).Start()
	t.Cleanup(ft.Close)
	h := &harness{t: t, s: s, clk: clk, ft: ft, log: &logBuffer{}}
	h.seeded = ft.LoadDemo(clk.now(), contacts)
	logger := slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg := autotask.Config{Username: user, Secret: secret, IntegrationCode: code,
		DiscoveryURL: ft.DiscoveryURL(), Impersonate: true, Timeout: 10 * time.Second, Logger: logger, Now: clk.now}
	if tweak != nil {
		tweak(&cfg)
	}
	conn, err := autotask.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.conn = conn
	h.sy = syncer.New(s, conn, syncer.Config{Now: clk.now, Logger: logger})
	return h
}

// logBuffer collects log output (and echoes it with -v when PSADAV_TEST_LOG is set).
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if os.Getenv("PSADAV_TEST_LOG") != "" {
		os.Stderr.Write(p)
	}
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (h *harness) tick() {
	h.t.Helper()
	if err := h.sy.Tick(context.Background()); err != nil {
		h.t.Fatalf("tick: %v", err)
	}
}

func (h *harness) push() int {
	h.t.Helper()
	n, err := h.sy.PushDue(context.Background())
	if err != nil {
		h.t.Fatalf("push: %v", err)
	}
	return n
}

// account creates a gateway user for a demo technician.
func (h *harness) account(login string, scope string) storage.Account {
	h.t.Helper()
	res := h.seeded.Logins[login]
	st := storage.DefaultUserSettings()
	st.ContactsScope = scope
	a, err := h.s.CreateAccount(context.Background(), login, "pw-"+login+"-123", &res, st)
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

func (h *harness) count(e mapping.Entity) int {
	h.t.Helper()
	n, err := h.s.CountPSA(context.Background(), e)
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// ridOf finds the mirror row of a PSA id.
func (h *harness) ridOf(e mapping.Entity, id int64) int64 {
	h.t.Helper()
	var rid int64
	must(h.t, h.s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		_, env, err := tx.RecordByRef(ctx, e, id)
		rid = env.RID
		return err
	}))
	return rid
}

// clientUpdate changes a mirror row as a client write would, and queues
// its write-back (the contract the contacts and calendar streams follow).
func (h *harness) clientUpdate(e mapping.Entity, rid int64, change func(rec any), fields map[string]any, as *int64) int64 {
	h.t.Helper()
	var id int64
	must(h.t, h.s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		rec, _, err := tx.Record(ctx, e, rid)
		if err != nil {
			return err
		}
		change(rec)
		if err := tx.UpdateFromClient(ctx, e, rid, rec); err != nil {
			return err
		}
		id, err = tx.Enqueue(ctx, e, rid, storage.OpUpdate, fields, nil, as)
		return err
	}))
	return id
}

func (h *harness) entry(id int64) storage.OutboxEntry {
	h.t.Helper()
	e, err := h.s.OutboxEntryByID(context.Background(), id)
	must(h.t, err)
	return e
}

func (h *harness) record(e mapping.Entity, rid int64) (any, storage.Envelope) {
	h.t.Helper()
	rec, env, err := h.s.Record(context.Background(), e, rid)
	must(h.t, err)
	return rec, env
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// writes lists the fake tenant's successful write requests.
func (h *harness) writes() []fakeautotask.Request {
	var out []fakeautotask.Request
	for _, r := range h.ft.Requests() {
		if (r.Kind == "create" || r.Kind == "update" || r.Kind == "delete") && r.Status == 200 {
			out = append(out, r)
		}
	}
	return out
}

func bodyFields(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	must(t, json.Unmarshal([]byte(body), &m))
	return m
}
