package web_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/autotask/fakeautotask"
	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// fakePSA is the fake Autotask tenant with the syncer that pushes the
// store's write-backs to it: what the console's outbox page acts on.
type fakePSA struct {
	ft *fakeautotask.Tenant
	sy *syncer.Syncer
}

func newFakePSA(t *testing.T, s *storage.Store) *fakePSA {
	t.Helper()
	const user, secret, code = "api@example.com", "fake-secret", "FAKE"
	ft := fakeautotask.New(fakeautotask.Options{Username: user, Secret: secret, IntegrationCode: code, APIResourceID: 29999999}).Start()
	t.Cleanup(ft.Close)
	ft.Load(mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", IsActive: true})
	ft.Load(mapping.EntityContacts, &mapping.Contact{ID: 13, CompanyID: 1, IsActive: 1, FirstName: "Amy", LastName: "Acme"})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := autotask.NewConnector(autotask.Config{Username: user, Secret: secret, IntegrationCode: code,
		DiscoveryURL: ft.DiscoveryURL(), Timeout: 10 * time.Second, Logger: log})
	must(t, err)
	return &fakePSA{ft: ft, sy: syncer.New(s, conn, syncer.Config{Logger: log})}
}

// push sends every due write-back to the tenant.
func (f *fakePSA) push(t *testing.T) {
	t.Helper()
	if _, err := f.sy.PushDue(context.Background()); err != nil {
		t.Fatalf("push: %v", err)
	}
}

// updatesOf counts the tenant's accepted updates of an entity whose body
// holds text.
func (f *fakePSA) updatesOf(e mapping.Entity, text string) int {
	return f.ft.Count(func(r fakeautotask.Request) bool {
		return r.Endpoint == string(e) && r.Kind == "update" && r.Status == 200 && strings.Contains(r.Body, text)
	})
}
