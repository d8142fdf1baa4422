package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/dav"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
	"github.com/psadav/psadav/web"
)

// env is psadav's HTTP face as psadav serve routes it (DAV at /, the
// console at web.Paths) over a small organisation: boss is an admin,
// alice (PSA resource 100, owner of Acme with two contacts) and bob
// (resource 200, owner of Globex) are technicians.
type env struct {
	t       *testing.T
	s       *storage.Store
	srv     *httptest.Server
	console *web.Server
	token   string // an API token
}

const peerHeader = "X-Test-Peer"

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
		for _, r := range []struct {
			e mapping.Entity
			r mapping.Record
		}{
			{mapping.EntityResources, &mapping.Resource{ID: 100, UserName: "alice", FirstName: "Alice", LastName: "Archer", IsActive: true}},
			{mapping.EntityResources, &mapping.Resource{ID: 200, UserName: "bob", FirstName: "Bob", LastName: "Baker", IsActive: true}},
			{mapping.EntityResources, &mapping.Resource{ID: 300, UserName: "carol", FirstName: "Carol", LastName: "Cole", IsActive: true}},
			{mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", OwnerResourceID: i64(100), IsActive: true}},
			{mapping.EntityCompanies, &mapping.Company{ID: 2, CompanyName: "Globex", OwnerResourceID: i64(200), IsActive: true}},
			{mapping.EntityContacts, &mapping.Contact{ID: 11, CompanyID: 1, IsActive: 1, FirstName: "Ann", LastName: "Acme"}},
			{mapping.EntityContacts, &mapping.Contact{ID: 12, CompanyID: 1, IsActive: 1, FirstName: "Art", LastName: "Acme"}},
			{mapping.EntityContacts, &mapping.Contact{ID: 21, CompanyID: 2, IsActive: 1, FirstName: "Gil", LastName: "Globex"}},
		} {
			if _, err := tx.UpsertPSA(ctx, r.e, r.r, nil); err != nil {
				return err
			}
		}
		return nil
	}))
	for _, u := range []struct {
		login, pw string
		res       *int64
	}{{"boss", "boss-pw", nil}, {"alice", "alice-pw", i64(100)}, {"bob", "bob-pw", i64(200)}} {
		_, err := s.CreateAccount(ctx, u.login, u.pw, u.res, storage.DefaultUserSettings())
		must(t, err)
	}
	must(t, s.SetAdmin(ctx, "boss", true))
	_, token, err := s.CreateAPIToken(ctx, "test script")
	must(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	davServer := dav.New(dav.Options{Store: s, Logger: log})
	console := web.New(web.Options{Store: s, Logger: log, Login: davServer.CheckLogin, ClientAddr: davServer.ClientAddr})
	mux := http.NewServeMux()
	mux.Handle("/", davServer)
	for _, p := range web.Paths {
		mux.Handle(p, console)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.Header.Get(peerHeader); p != "" {
			r.RemoteAddr = net.JoinHostPort(p, "40000")
		}
		dav.SecurityHeaders(mux).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &env{t: t, s: s, srv: srv, console: console, token: token}
}

// auth adds credentials to a request.
type auth func(*http.Request)

func bearer(token string) auth {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func basic(login, pw string) auth { return func(r *http.Request) { r.SetBasicAuth(login, pw) } }

func header(k, v string) auth { return func(r *http.Request) { r.Header.Set(k, v) } }

// session signs login in and returns its cookie and CSRF token as auths.
func (e *env) session(login string) (cookie auth, csrf auth) {
	e.t.Helper()
	a, err := e.s.Account(context.Background(), login)
	must(e.t, err)
	secret, sess, err := e.s.CreateWebSession(context.Background(), a, time.Hour)
	must(e.t, err)
	cookie = func(r *http.Request) { r.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: secret}) }
	return cookie, header(web.CSRFHeader, sess.CSRF)
}

// call sends a request and returns its status and decoded JSON body
// (nil when there is none).
func (e *env) call(method, path, body string, auths ...auth) (int, map[string]any) {
	e.t.Helper()
	resp, raw := e.raw(method, path, body, auths...)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

func (e *env) raw(method, path, body string, auths ...auth) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	must(e.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, a := range auths {
		a(req)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(e.t, err)
	return resp, raw
}

// expect fails the test unless the call answers want; for an error it
// also checks the JSON error body and, when given, the field at fault.
func (e *env) expect(want int, field string, method, path, body string, auths ...auth) map[string]any {
	e.t.Helper()
	got, out := e.call(method, path, body, auths...)
	if got != want {
		e.t.Fatalf("%s %s: %d %v, want %d", method, path, got, out, want)
	}
	if want >= 400 {
		if msg, _ := out["error"].(string); msg == "" {
			e.t.Fatalf("%s %s: %d without a JSON error: %v", method, path, got, out)
		}
		if f, _ := out["field"].(string); f != field {
			e.t.Fatalf("%s %s: field %q, want %q (%v)", method, path, f, field, out)
		}
	}
	return out
}
