package web_test

import (
	"net/http"
	"testing"
)

// A user's collections show when a client last synced each one and which
// client it was: a sync-collection report and a listing both count; a
// collection nobody synced shows none.
func TestCollectionsShowTheLastSync(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		tok := bearer(e.token)
		lastSync := func(name string) (any, any) {
			t.Helper()
			out := e.expect(http.StatusOK, "", "GET", "/api/v1/users/alice/collections", "", tok)
			for _, c := range out["collections"].([]any) {
				if c := c.(map[string]any); c["name"] == name {
					return c["last_sync"], c["last_sync_client"]
				}
			}
			t.Fatalf("no collection %s in %v", name, out)
			return nil, nil
		}
		if when, _ := lastSync("contacts"); when != nil {
			t.Fatalf("never synced, yet last_sync %v", when)
		}
		davx5 := header("User-Agent", "DAVx5/4.4.2-ose (2024/06/01; dav4jvm; okhttp/4.12.0) Android/14")
		resp, _ := e.raw("REPORT", "/dav/addressbooks/alice/contacts/",
			`<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
			basic("alice", "alice-pw"), davx5, header("Content-Type", "application/xml"))
		if resp.StatusCode != http.StatusMultiStatus {
			t.Fatalf("sync-collection: %d", resp.StatusCode)
		}
		if when, client := lastSync("contacts"); when == nil || client != "davx5" {
			t.Fatalf("after a DAVx5 sync: %v %v", when, client)
		}
		if when, _ := lastSync("calendar"); when != nil {
			t.Fatalf("the calendar nobody synced: %v", when)
		}
		resp, _ = e.raw("PROPFIND", "/dav/calendars/alice/calendar/", `<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`,
			basic("alice", "alice-pw"), header("Depth", "1"), header("User-Agent", "Thunderbird/128.5.0"))
		if resp.StatusCode != http.StatusMultiStatus {
			t.Fatalf("PROPFIND: %d", resp.StatusCode)
		}
		if when, client := lastSync("calendar"); when == nil || client != "thunderbird" {
			t.Fatalf("after a Thunderbird listing: %v %v", when, client)
		}
	})
}
