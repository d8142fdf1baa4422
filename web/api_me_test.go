package web_test

import (
	"fmt"
	"net/http"
	"testing"
)

// A technician makes an app password through /api/v1/me/ with their main
// password, DAV takes it, and once revoked it fails at once.
func TestAppPasswordsAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		me := basic("alice", "alice-pw")
		out := e.expect(http.StatusCreated, "", "POST", "/api/v1/me/app-passwords", `{"name":"Alice's iPhone"}`, me)
		pw, _ := out["password"].(string)
		id := out["id"].(float64)
		if len(pw) != 32 || out["name"] != "Alice's iPhone" {
			t.Fatalf("created: %v", out)
		}
		if code := e.davStatus("alice", pw); code != http.StatusMultiStatus {
			t.Fatalf("DAV with the app password: %d", code)
		}
		// An app password lets a device sync, nothing more: it cannot
		// make, list or revoke app passwords, nor change the password.
		e.expect(http.StatusUnauthorized, "", "GET", "/api/v1/me/app-passwords", "", basic("alice", pw))
		e.expect(http.StatusUnauthorized, "", "POST", "/api/v1/me/app-passwords", `{"name":"thief"}`, basic("alice", pw))
		e.expect(http.StatusUnauthorized, "", "DELETE", fmt.Sprintf("/api/v1/me/app-passwords/%d", int64(id)), "", basic("alice", pw))
		// Listed with its last use, never with the secret.
		out = e.expect(http.StatusOK, "", "GET", "/api/v1/me/app-passwords", "", me)
		list := out["app_passwords"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["password"] != nil || list[0].(map[string]any)["last_used_at"] == nil {
			t.Fatalf("list: %v", out)
		}
		// Refusals: no name, a long name, another user's id, a token (no
		// account), a session without CSRF, a wrong password.
		e.expect(http.StatusBadRequest, "name", "POST", "/api/v1/me/app-passwords", `{"name":""}`, me)
		e.expect(http.StatusBadRequest, "name", "POST", "/api/v1/me/app-passwords", fmt.Sprintf(`{"name":"%0100d"}`, 1), me)
		path := fmt.Sprintf("/api/v1/me/app-passwords/%d", int64(id))
		e.expect(http.StatusNotFound, "", "DELETE", path, "", basic("bob", "bob-pw"))
		e.expect(http.StatusNotFound, "", "DELETE", "/api/v1/me/app-passwords/abc", "", me)
		e.expect(http.StatusForbidden, "", "GET", "/api/v1/me/app-passwords", "", bearer(e.token))
		cookie, csrf := e.session("alice")
		e.expect(http.StatusForbidden, "", "DELETE", path, "", cookie)
		e.expect(http.StatusUnauthorized, "", "GET", "/api/v1/me/app-passwords", "", basic("alice", "wrong"))
		e.expect(http.StatusUnauthorized, "", "GET", "/api/v1/me/app-passwords", "")
		if code := e.davStatus("alice", pw); code != http.StatusMultiStatus {
			t.Fatalf("refused revocations revoked it: %d", code)
		}
		e.expect(http.StatusNoContent, "", "DELETE", path, "", cookie, csrf)
		if code := e.davStatus("alice", pw); code != http.StatusUnauthorized {
			t.Fatalf("DAV with the revoked app password: %d", code)
		}
		e.expect(http.StatusNotFound, "", "DELETE", path, "", me)
	})
}

// Wrong passwords on the API are throttled like wrong DAV passwords: the
// address is refused with 429 and Retry-After.
func TestAPIBasicIsThrottled(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		peer := header("X-Test-Peer", "203.0.113.66")
		throttled := false
		for i := range 15 {
			resp, _ := e.raw("GET", "/api/v1/me", "", basic("alice", fmt.Sprint("guess-", i)), peer)
			switch resp.StatusCode {
			case http.StatusUnauthorized:
			case http.StatusTooManyRequests:
				if resp.Header.Get("Retry-After") == "" {
					t.Fatal("429 without Retry-After")
				}
				throttled = true
			default:
				t.Fatalf("guess %d: %d", i, resp.StatusCode)
			}
		}
		if !throttled {
			t.Fatal("15 wrong passwords were never throttled")
		}
		// The same address is refused over DAV too: one throttle.
		resp, _ := e.raw("PROPFIND", "/dav/principals/alice/", "", basic("alice", "alice-pw"), peer, header("Depth", "0"))
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("DAV from the throttled address: %d", resp.StatusCode)
		}
	})
}

func TestChangeOwnPassword(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		cookie, csrf := e.session("alice")
		e.expect(http.StatusBadRequest, "current", "POST", "/api/v1/me/password", `{"current":"nope","new":"alice-new"}`, cookie, csrf)
		app := e.expect(http.StatusCreated, "", "POST", "/api/v1/me/app-passwords", `{"name":"phone"}`, basic("alice", "alice-pw"))
		e.expect(http.StatusBadRequest, "current", "POST", "/api/v1/me/password",
			fmt.Sprintf(`{"current":%q,"new":"alice-new"}`, app["password"]), cookie, csrf)
		e.expect(http.StatusBadRequest, "new", "POST", "/api/v1/me/password", `{"current":"alice-pw","new":"a"}`, cookie, csrf)
		e.expect(http.StatusForbidden, "", "POST", "/api/v1/me/password", `{"current":"alice-pw","new":"alice-new"}`, cookie)
		if code := e.davStatus("alice", "alice-pw"); code != http.StatusMultiStatus {
			t.Fatalf("refused changes changed the password: %d", code)
		}
		e.expect(http.StatusNoContent, "", "POST", "/api/v1/me/password", `{"current":"alice-pw","new":"alice-new"}`, cookie, csrf)
		if code := e.davStatus("alice", "alice-new"); code != http.StatusMultiStatus {
			t.Fatalf("the new password: %d", code)
		}
		out := e.expect(http.StatusOK, "", "GET", "/api/v1/me", "", cookie)
		if out["login"] != "alice" || out["admin"] != false || out["csrf_token"] == "" {
			t.Fatalf("me: %v", out)
		}
	})
}
