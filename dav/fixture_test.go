package dav_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-webdav"

	"github.com/psadav/psadav/dav"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// env is a running server over a small organisation: alice (resource 100)
// manages Acme with two contacts; bob (resource 200) manages Globex and has
// the all-contacts book.
type env struct {
	t     *testing.T
	s     *storage.Store
	srv   *httptest.Server
	alice storage.Account
	bob   storage.Account
	// auths counts the server's calls to Authenticate.
	auths *atomic.Int64
}

// peerHeader makes a test request come from another client address: the
// server under test sees it as the connection's remote address.
const peerHeader = "X-Test-Peer"

// withPeers lets a request name its remote address (peerHeader).
func withPeers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.Header.Get(peerHeader); p != "" {
			r.RemoteAddr = net.JoinHostPort(p, "40000")
			r.Header.Del(peerHeader)
		}
		h.ServeHTTP(w, r)
	})
}

// countingStore counts Authenticate calls: each may cost a password hash.
type countingStore struct {
	dav.Store
	n *atomic.Int64
}

func (c countingStore) Authenticate(ctx context.Context, login, password string) (storage.Account, error) {
	c.n.Add(1)
	return c.Store.Authenticate(ctx, login, password)
}

func i64(v int64) *int64 { return &v }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func forEachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) { fn(t, newEnv(t, s)) })
}

func newEnv(t *testing.T, s *storage.Store) *env {
	t.Helper()
	ctx := context.Background()
	must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		recs := []struct {
			e mapping.Entity
			r mapping.Record
		}{
			{mapping.EntityResources, &mapping.Resource{ID: 100, UserName: "alice", FirstName: "Alice", LastName: "Archer", Email: "alice@example.com", IsActive: true}},
			{mapping.EntityResources, &mapping.Resource{ID: 200, UserName: "bob", FirstName: "Bob", LastName: "Baker", Email: "bob@example.com", IsActive: true}},
			{mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", OwnerResourceID: i64(100), IsActive: true}},
			{mapping.EntityCompanies, &mapping.Company{ID: 2, CompanyName: "Globex", OwnerResourceID: i64(200), IsActive: true}},
			{mapping.EntityContacts, &mapping.Contact{ID: 11, CompanyID: 1, IsActive: 1, FirstName: "Ann", LastName: "Acme", EmailAddress: "ann@acme.example", Phone: "+1 555 0100", Extension: "12"}},
			{mapping.EntityContacts, &mapping.Contact{ID: 12, CompanyID: 1, IsActive: 1, FirstName: "Art", LastName: "Acme"}},
			{mapping.EntityContacts, &mapping.Contact{ID: 21, CompanyID: 2, IsActive: 1, FirstName: "Gil", LastName: "Globex"}},
		}
		for _, r := range recs {
			if _, err := tx.UpsertPSA(ctx, r.e, r.r, nil); err != nil {
				return err
			}
		}
		return nil
	}))
	e := &env{t: t, s: s, auths: new(atomic.Int64)}
	var err error
	e.alice, err = s.CreateAccount(ctx, "alice", "alice-pw", i64(100), storage.DefaultUserSettings())
	must(t, err)
	bob := storage.DefaultUserSettings()
	bob.AllContacts = true
	e.bob, err = s.CreateAccount(ctx, "bob", "bob-pw", i64(200), bob)
	must(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.srv = httptest.NewServer(withPeers(dav.New(dav.Options{Store: countingStore{s, e.auths}, Logger: log, MaxResourceSize: 64 << 10,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})))
	t.Cleanup(e.srv.Close)
	return e
}

// client returns an HTTP client sending login's Basic credentials.
func (e *env) client(login, password string) webdav.HTTPClient {
	return webdav.HTTPClientWithBasicAuth(http.DefaultClient, login, password)
}

// do sends a raw request and returns the response with its body read.
func (e *env) do(method, path, login, password, body string, headers ...string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	must(e.t, err)
	if login != "" {
		req.SetBasicAuth(login, password)
	}
	if body != "" && strings.HasPrefix(strings.TrimSpace(body), "<") {
		req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	must(e.t, err)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	must(e.t, err)
	return resp, string(b)
}

// storageFarFuture is a cutoff after every tombstone's time.
func storageFarFuture() time.Time { return time.Now().Add(24 * time.Hour) }
