package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// Every admin endpoint refuses a caller without credentials, with a
// wrong or revoked token, a technician, and an admin's session without
// its CSRF token on a change; nothing changes.
func TestAPIRefusals(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		cookie, csrf := e.session("boss")
		techCookie, techCSRF := e.session("alice")
		reads := []string{"/api/v1/users", "/api/v1/users/alice", "/api/v1/users/alice/collections", "/api/v1/users/alice/hidden",
			"/api/v1/settings", "/api/v1/outbox", "/api/v1/outbox/1", "/api/v1/psa/status", "/api/v1/audit", "/api/v1/tokens"}
		for _, path := range reads {
			e.expect(http.StatusUnauthorized, "", "GET", path, "")
			e.expect(http.StatusUnauthorized, "", "GET", path, "", bearer("psadav_"+strings.Repeat("a", 32)))
			e.expect(http.StatusUnauthorized, "", "GET", path, "", bearer("nonsense"))
			e.expect(http.StatusUnauthorized, "", "GET", path, "", basic("boss", "boss-pw")) // Basic is for /me only
			e.expect(http.StatusForbidden, "", "GET", path, "", techCookie, techCSRF)
		}
		changes := []struct{ method, path, body string }{
			{"POST", "/api/v1/users", `{"login":"eve"}`},
			{"PATCH", "/api/v1/users/alice", `{"contacts_scope":"all"}`},
			{"DELETE", "/api/v1/users/alice", ""},
			{"POST", "/api/v1/users/alice/password", ""},
			{"DELETE", "/api/v1/users/alice/hidden", ""},
			{"DELETE", "/api/v1/users/alice/hidden/contacts/x.vcf", ""},
			{"PUT", "/api/v1/settings/write-back-mode", `{"value":"strict"}`},
			{"POST", "/api/v1/outbox/1/retry", ""},
			{"DELETE", "/api/v1/tokens/test%20script", ""},
		}
		for _, c := range changes {
			e.expect(http.StatusUnauthorized, "", c.method, c.path, c.body)
			e.expect(http.StatusForbidden, "", c.method, c.path, c.body, techCookie, techCSRF)
			e.expect(http.StatusForbidden, "", c.method, c.path, c.body, cookie) // no CSRF token
			e.expect(http.StatusForbidden, "", c.method, c.path, c.body, cookie, header("X-CSRF-Token", "wrong"))
		}
		// Nothing changed.
		a, err := e.s.Account(context.Background(), "alice")
		must(t, err)
		if a.Settings.ContactsScope != storage.ScopeMine {
			t.Fatalf("a refused PATCH changed alice: %+v", a.Settings)
		}
		if _, err := e.s.Account(context.Background(), "eve"); err == nil {
			t.Fatal("a refused POST added eve")
		}
		if s, _ := e.s.SettingValues(context.Background()); s["write-back-mode"] != "lenient" {
			t.Fatalf("a refused PUT changed write-back-mode: %q", s["write-back-mode"])
		}
		if _, err := e.s.AuthenticateAPIToken(context.Background(), e.token); err != nil {
			t.Fatal("a refused DELETE revoked the token")
		}
		if log, _ := e.s.AuditLog(context.Background(), 0, 10); len(log) != 0 {
			t.Fatalf("refusals were audited as changes: %+v", log)
		}
		// The admin's session with its CSRF token and the token both work.
		e.expect(http.StatusOK, "", "GET", "/api/v1/users", "", cookie)
		e.expect(http.StatusOK, "", "PATCH", "/api/v1/users/alice", `{"tasks":false}`, cookie, csrf)
		e.expect(http.StatusOK, "", "GET", "/api/v1/users", "", bearer(e.token))
		// An unknown endpoint is a JSON 404.
		e.expect(http.StatusNotFound, "", "GET", "/api/v1/nothing", "", bearer(e.token))
	})
}

func TestUsersAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		tok := bearer(e.token)
		out := e.expect(http.StatusOK, "", "GET", "/api/v1/users?q=AL&limit=10", "", tok)
		if out["total"] != 1.0 || out["users"].([]any)[0].(map[string]any)["login"] != "alice" {
			t.Fatalf("search: %v", out)
		}
		e.expect(http.StatusBadRequest, "limit", "GET", "/api/v1/users?limit=0", "", tok)
		e.expect(http.StatusBadRequest, "offset", "GET", "/api/v1/users?offset=-1", "", tok)

		// Add: linked to the PSA resource of the same user name, a
		// generated password shown once, which then logs in over DAV.
		out = e.expect(http.StatusCreated, "", "POST", "/api/v1/users", `{"login":"carol","contacts_scope":"all"}`, tok)
		user := out["user"].(map[string]any)
		pw, _ := out["password"].(string)
		if user["resource_id"] != 300.0 || user["contacts_scope"] != "all" || len(pw) < 16 {
			t.Fatalf("added: %v", out)
		}
		if code := e.davStatus("carol", pw); code != http.StatusMultiStatus {
			t.Fatalf("carol over DAV with the generated password: %d", code)
		}
		e.expect(http.StatusConflict, "login", "POST", "/api/v1/users", `{"login":"carol"}`, tok)
		for _, c := range []struct{ body, field string }{
			{`{"login":"bad login"}`, "login"},
			{`{}`, "login"},
			{`{"login":"dave","contacts_scope":"everyone"}`, "contacts_scope"},
			{`{"login":"dave","time_zone":"Mars/Olympus"}`, "time_zone"},
			{`{"login":"dave","password":"x"}`, "password"},
			{`{"login":"dave","calendar":"yes"}`, "calendar"},
			{`{"login":"dave","colour":"red"}`, "colour"},
			{`{"login":"dave"} {}`, ""},
			{`[1]`, ""},
		} {
			e.expect(http.StatusBadRequest, c.field, "POST", "/api/v1/users", c.body, tok)
		}
		if _, err := e.s.Account(context.Background(), "dave"); err == nil {
			t.Fatal("a refused add made dave")
		}
		code, _ := e.call("POST", "/api/v1/users", "", tok, header("Content-Type", "text/plain"))
		if code != http.StatusUnsupportedMediaType {
			t.Fatalf("a body that is not JSON: %d", code)
		}

		// Changing the contacts scope changes what the user's collections hold.
		members := func() float64 {
			out := e.expect(http.StatusOK, "", "GET", "/api/v1/users/alice/collections", "", tok)
			for _, c := range out["collections"].([]any) {
				if c := c.(map[string]any); c["name"] == "contacts" {
					if c["href"] != "/dav/addressbooks/alice/contacts/" {
						t.Fatalf("href %v", c["href"])
					}
					return c["members"].(float64)
				}
			}
			t.Fatalf("no contacts collection: %v", out)
			return 0
		}
		if n := members(); n != 2 {
			t.Fatalf("alice's contacts (mine): %v", n)
		}
		e.expect(http.StatusOK, "", "PATCH", "/api/v1/users/alice", `{"contacts_scope":"all"}`, tok)
		if n := members(); n != 3 {
			t.Fatalf("alice's contacts (all): %v", n)
		}
		// An invalid change changes nothing, not even its valid parts.
		e.expect(http.StatusBadRequest, "time_zone", "PATCH", "/api/v1/users/alice", `{"contacts_scope":"none","time_zone":"Nowhere"}`, tok)
		e.expect(http.StatusBadRequest, "login", "PATCH", "/api/v1/users/alice", `{"login":"alicia"}`, tok)
		out = e.expect(http.StatusOK, "", "GET", "/api/v1/users/alice", "", tok)
		if out["contacts_scope"] != "all" || out["time_zone"] != "UTC" {
			t.Fatalf("after refused changes: %v", out)
		}
		out = e.expect(http.StatusOK, "", "PATCH", "/api/v1/users/alice", `{"enabled":false,"admin":true,"resource_id":200}`, tok)
		if out["enabled"] != false || out["admin"] != true || out["resource_id"] != 200.0 {
			t.Fatalf("patched: %v", out)
		}
		if code := e.davStatus("alice", "alice-pw"); code != http.StatusUnauthorized {
			t.Fatalf("a disabled user over DAV: %d", code)
		}
		e.expect(http.StatusOK, "", "PATCH", "/api/v1/users/alice", `{"enabled":true}`, tok)
		// An admin cannot lock themselves out.
		cookie, csrf := e.session("boss")
		e.expect(http.StatusBadRequest, "admin", "PATCH", "/api/v1/users/boss", `{"admin":false}`, cookie, csrf)
		e.expect(http.StatusForbidden, "", "DELETE", "/api/v1/users/boss", "", cookie, csrf)

		// Reset a password: generated and shown once, or given.
		out = e.expect(http.StatusOK, "", "POST", "/api/v1/users/bob/password", "", tok)
		if code := e.davStatus("bob", out["password"].(string)); code != http.StatusMultiStatus {
			t.Fatalf("bob with the reset password: %d", code)
		}
		e.expect(http.StatusBadRequest, "password", "POST", "/api/v1/users/bob/password", `{"password":"ab"}`, tok)
		e.expect(http.StatusOK, "", "POST", "/api/v1/users/bob/password", `{"password":"bob-new-pw"}`, tok)
		if code := e.davStatus("bob", "bob-new-pw"); code != http.StatusMultiStatus {
			t.Fatalf("bob with the given password: %d", code)
		}

		e.expect(http.StatusNoContent, "", "DELETE", "/api/v1/users/carol", "", tok)
		for _, p := range []string{"/api/v1/users/carol", "/api/v1/users/carol/collections", "/api/v1/users/carol/hidden", "/api/v1/users/%00"} {
			e.expect(http.StatusNotFound, "", "GET", p, "", tok)
		}
		e.expect(http.StatusNotFound, "", "DELETE", "/api/v1/users/carol", "", tok)
		e.expect(http.StatusNotFound, "", "PATCH", "/api/v1/users/carol", `{"tasks":true}`, tok)
	})
}

// davStatus is the status of a PROPFIND of login's principal with pw.
func (e *env) davStatus(login, pw string) int {
	e.t.Helper()
	resp, _ := e.raw("PROPFIND", "/dav/principals/"+login+"/", "", basic(login, pw), header("Depth", "0"))
	return resp.StatusCode
}

func TestHiddenAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		tok := bearer(e.token)
		ctx := context.Background()
		a, err := e.s.Account(ctx, "alice")
		must(t, err)
		coll, err := e.s.UserCollection(ctx, a.ID, storage.CollContacts)
		must(t, err)
		var hrefs []string
		must(t, e.s.ListObjects(ctx, coll.ID, func(o storage.ObjectInfo) error { hrefs = append(hrefs, o.Href); return nil }))
		// alice's client deletes a contact: under contact-delete hide it is
		// hidden for her only.
		resp, _ := e.raw("DELETE", "/dav/addressbooks/alice/contacts/"+hrefs[0], "", basic("alice", "alice-pw"))
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("DAV DELETE: %d", resp.StatusCode)
		}
		out := e.expect(http.StatusOK, "", "GET", "/api/v1/users/alice/hidden", "", tok)
		hidden := out["hidden"].([]any)
		if len(hidden) != 1 || hidden[0].(map[string]any)["ref"] != "contacts/"+hrefs[0] || hidden[0].(map[string]any)["kind"] != "contact" {
			t.Fatalf("hidden: %v", out)
		}
		e.expect(http.StatusNotFound, "", "DELETE", "/api/v1/users/alice/hidden/contacts/nothing.vcf", "", tok)
		out = e.expect(http.StatusOK, "", "DELETE", "/api/v1/users/alice/hidden/contacts/"+hrefs[0], "", tok)
		if out["unhidden"] != 1.0 {
			t.Fatalf("unhide: %v", out)
		}
		if out := e.expect(http.StatusOK, "", "GET", "/api/v1/users/alice/hidden", "", tok); len(out["hidden"].([]any)) != 0 {
			t.Fatalf("after un-hiding: %v", out)
		}
		out = e.expect(http.StatusOK, "", "DELETE", "/api/v1/users/alice/hidden", "", tok)
		if out["unhidden"] != 0.0 {
			t.Fatalf("unhide all of nothing: %v", out)
		}
	})
}

func TestSettingsAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		tok := bearer(e.token)
		out := e.expect(http.StatusOK, "", "GET", "/api/v1/settings", "", tok)
		settings := out["settings"].([]any)
		if len(settings) != len(storage.SettingKeys) {
			t.Fatalf("%d settings, want %d", len(settings), len(storage.SettingKeys))
		}
		for _, s := range settings {
			if s := s.(map[string]any); s["help"] == "" || s["key"] == "" {
				t.Fatalf("setting without key or help: %v", s)
			}
		}
		out = e.expect(http.StatusOK, "", "PUT", "/api/v1/settings/window-past-days", `{"value":"30"}`, tok)
		if out["value"] != "30" || out["default"] == "30" {
			t.Fatalf("put: %v", out)
		}
		// The refusal is the CLI's, word for word.
		want := storage.ValidateSetting("window-past-days", "lots").Error()
		out = e.expect(http.StatusBadRequest, "value", "PUT", "/api/v1/settings/window-past-days", `{"value":"lots"}`, tok)
		if "storage: "+out["error"].(string) != want {
			t.Fatalf("refusal %q, the CLI says %q", out["error"], want)
		}
		e.expect(http.StatusBadRequest, "value", "PUT", "/api/v1/settings/window-past-days", `{}`, tok)
		e.expect(http.StatusNotFound, "", "PUT", "/api/v1/settings/no-such-key", `{"value":"1"}`, tok)
		if v, _ := e.s.SettingValues(context.Background()); v["window-past-days"] != "30" {
			t.Fatalf("after refusals: %q", v["window-past-days"])
		}
	})
}

func TestOutboxAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		tok := bearer(e.token)
		ctx := context.Background()
		var id int64
		must(t, e.s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			res, err := tx.UpsertPSA(ctx, mapping.EntityContacts, &mapping.Contact{ID: 13, CompanyID: 1, IsActive: 1, FirstName: "Amy", LastName: "Acme"}, nil)
			if err != nil {
				return err
			}
			if id, err = tx.Enqueue(ctx, mapping.EntityContacts, res.RID, storage.OpUpdate, map[string]any{"firstName": "Amelia"}, nil, nil); err != nil {
				return err
			}
			return tx.FailOutbox(ctx, id, "the PSA refused: firstName is read-only")
		}))
		out := e.expect(http.StatusOK, "", "GET", "/api/v1/outbox", "", tok)
		entries := out["entries"].([]any)
		if len(entries) != 1 || entries[0].(map[string]any)["state"] != "failed" {
			t.Fatalf("outbox: %v", out)
		}
		path := fmt.Sprintf("/api/v1/outbox/%d", id)
		out = e.expect(http.StatusOK, "", "GET", path, "", tok)
		if out["payload"].(map[string]any)["firstName"] != "Amelia" || !strings.Contains(out["last_error"].(string), "read-only") {
			t.Fatalf("entry: %v", out)
		}
		out = e.expect(http.StatusOK, "", "POST", path+"/retry", "", tok)
		if out["state"] != "pending" {
			t.Fatalf("retried: %v", out)
		}
		e.expect(http.StatusConflict, "", "POST", path+"/retry", "", tok)
		e.expect(http.StatusNotFound, "", "GET", "/api/v1/outbox/999999", "", tok)
		e.expect(http.StatusNotFound, "", "GET", "/api/v1/outbox/x", "", tok)
		e.expect(http.StatusBadRequest, "state", "GET", "/api/v1/outbox?state=lost", "", tok)
		e.expect(http.StatusBadRequest, "user", "GET", "/api/v1/outbox?user=nobody", "", tok)
		out = e.expect(http.StatusOK, "", "GET", "/api/v1/outbox?state=all&user=alice", "", tok)
		if len(out["entries"].([]any)) != 0 {
			t.Fatalf("alice made no write-back: %v", out)
		}
		out = e.expect(http.StatusOK, "", "GET", "/api/v1/psa/status", "", tok)
		if out["configured"] != false {
			t.Fatalf("status without a PSA: %v", out)
		}
	})
}

func TestAuditAndTokensAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		tok := bearer(e.token)
		cookie, csrf := e.session("boss")
		e.expect(http.StatusOK, "", "PATCH", "/api/v1/users/alice", `{"calendar":false}`, cookie, csrf, header("X-Test-Peer", "192.0.2.44"))
		e.expect(http.StatusOK, "", "PUT", "/api/v1/settings/send-free-time", `{"value":"on"}`, tok)
		out := e.expect(http.StatusOK, "", "GET", "/api/v1/audit?limit=10", "", tok)
		entries := out["entries"].([]any)
		if len(entries) != 2 {
			t.Fatalf("audit: %v", out)
		}
		newest, oldest := entries[0].(map[string]any), entries[1].(map[string]any)
		if newest["actor"] != "token:test script" || newest["action"] != "settings.set" || newest["target"] != "send-free-time" {
			t.Fatalf("newest: %v", newest)
		}
		if oldest["actor"] != "boss" || oldest["remote"] != "192.0.2.44" || oldest["target"] != "alice" || !strings.Contains(oldest["detail"].(string), "calendar=false") {
			t.Fatalf("oldest: %v", oldest)
		}
		out = e.expect(http.StatusOK, "", "GET", fmt.Sprintf("/api/v1/audit?before=%v", newest["id"]), "", tok)
		if len(out["entries"].([]any)) != 1 {
			t.Fatalf("before: %v", out)
		}
		e.expect(http.StatusBadRequest, "before", "GET", "/api/v1/audit?before=x", "", tok)

		out = e.expect(http.StatusOK, "", "GET", "/api/v1/tokens", "", cookie)
		if toks := out["tokens"].([]any); len(toks) != 1 || toks[0].(map[string]any)["name"] != "test script" {
			t.Fatalf("tokens: %v", out)
		}
		e.expect(http.StatusNotFound, "", "DELETE", "/api/v1/tokens/other", "", cookie, csrf)
		e.expect(http.StatusNoContent, "", "DELETE", "/api/v1/tokens/test%20script", "", cookie, csrf)
		e.expect(http.StatusUnauthorized, "", "GET", "/api/v1/users", "", tok)
	})
}
