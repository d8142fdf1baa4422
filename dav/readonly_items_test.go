package dav_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/psadav/psadav/storage"
)

// TestReadOnlyItemsOverHTTP: a phone that sets a reminder on a service
// call or time off gets 204 in both modes (with the ETag: the server
// stores what it sent), and keeps the reminder; a change to what the PSA
// renders is discarded without an ETag (lenient) or refused with 403 and a
// DAV:error naming it (strict). It got 403 for every such PUT, on every
// sync, before.
func TestReadOnlyItemsOverHTTP(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		ctx := context.Background()
		alarm := "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\n"
		for _, mode := range []string{"lenient", "strict"} {
			must(t, e.s.SetSetting(ctx, "write-back-mode", mode))
			for _, path := range []string{aliceCal + "service-call-61.ics", aliceCal + "time-off-71.ics"} {
				_, served := e.do("GET", path, "alice", "alice-pw", "")
				served = strings.Replace(served, alarm, "", 1)
				withAlarm := strings.Replace(served, "END:VEVENT\r\n", alarm+"END:VEVENT\r\n", 1)
				resp, body := e.do("PUT", path, "alice", "alice-pw", withAlarm, "Content-Type", "text/calendar")
				if resp.StatusCode != http.StatusNoContent || resp.Header.Get("ETag") == "" {
					t.Fatalf("%s: PUT %s with an alarm: %d %q %s", mode, path, resp.StatusCode, resp.Header.Get("ETag"), body)
				}
				got, after := e.do("GET", path, "alice", "alice-pw", "")
				if after != withAlarm || got.Header.Get("ETag") != resp.Header.Get("ETag") {
					t.Fatalf("%s: %s after the alarm:\n%s", mode, path, after)
				}
				renamed := strings.Replace(withAlarm, "SUMMARY:", "SUMMARY:Mine, not ", 1)
				resp, body = e.do("PUT", path, "alice", "alice-pw", renamed, "Content-Type", "text/calendar")
				if mode == "strict" {
					if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<psadav:read-only-property><psadav:property>SUMMARY</psadav:property>") {
						t.Fatalf("strict: PUT %s with a new title: %d %s", path, resp.StatusCode, body)
					}
				} else if resp.StatusCode != http.StatusNoContent || resp.Header.Get("ETag") != "" {
					t.Fatalf("lenient: PUT %s with a new title: %d %q %s", path, resp.StatusCode, resp.Header.Get("ETag"), body)
				}
				if _, now := e.do("GET", path, "alice", "alice-pw", ""); now != withAlarm {
					t.Fatalf("%s: the new title reached %s:\n%s", mode, path, now)
				}
			}
		}
		ob, err := e.s.Outbox(ctx, storage.OutboxFilter{})
		must(t, err)
		if len(ob) != 0 {
			t.Fatalf("PUTs of read-only items queued write-backs: %+v", ob)
		}
	})
}

// TestReadOnlyBooksStayReadOnly: the read-only-books setting is an
// administrator's decision: a PUT of a card there is refused in both
// modes, and the book and its cards say so.
func TestReadOnlyBooksStayReadOnly(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		must(t, e.s.SetSetting(ctx, "read-only-books", "all-contacts"))
		book := "/dav/addressbooks/bob/all-contacts/"
		for _, mode := range []string{"lenient", "strict"} {
			must(t, e.s.SetSetting(ctx, "write-back-mode", mode))
			privs := e.privileges(t, "bob", book, "1")
			members := 0
			for href, p := range privs {
				if slices.Contains(p, "write-content") || slices.Contains(p, "bind") || slices.Contains(p, "write") {
					t.Errorf("%s: %s in a read-only book offers %v", mode, href, p)
				}
				if href == book {
					continue
				}
				members++
				_, card := e.do("GET", href, "bob", "bob-pw", "")
				withNick := strings.Replace(card, "END:VCARD", "NICKNAME:Mine\r\nEND:VCARD", 1)
				if resp, body := e.do("PUT", href, "bob", "bob-pw", withNick, "Content-Type", "text/vcard"); resp.StatusCode != http.StatusForbidden ||
					!strings.Contains(body, "<d:need-privileges>") {
					t.Errorf("%s: PUT %s in a read-only book: %d %s", mode, href, resp.StatusCode, body)
				}
			}
			if members == 0 {
				t.Fatalf("%s has no cards", book)
			}
		}
	})
}
