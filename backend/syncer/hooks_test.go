package syncer_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

func TestWebhooks(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		alice := h.account("awalker", storage.ScopeAll)
		h.tick()
		ctx := context.Background()
		// psadav's hook endpoint, and the callouts installed against it.
		handler := &syncer.HookHandler{Store: s, Receiver: h.conn, Logger: slog.New(slog.DiscardHandler), Kick: h.sy.KickHooks,
			Deactivation: autotask.DeactivationPath}
		srv := httptest.NewServer(handler)
		defer srv.Close()
		h.conn.SetWebhookSecret("hook-secret-1")
		installed, err := h.conn.InstallWebhooks(ctx, autotask.WebhookSetup{BaseURL: srv.URL, Secret: "hook-secret-1"})
		must(t, err)
		if len(installed) != 2 || installed[0].Fields < 20 || installed[0].ExcludedUser != apiRes {
			t.Fatalf("installed %+v", installed)
		}
		// Installing again replaces rather than duplicates.
		if _, err := h.conn.InstallWebhooks(ctx, autotask.WebhookSetup{BaseURL: srv.URL, Secret: "hook-secret-1"}); err != nil {
			t.Fatal(err)
		}
		if hooks := h.ft.Webhooks(); len(hooks) != 2 {
			t.Fatalf("callouts after a second install: %v", hooks)
		}
		book, _ := s.UserCollection(ctx, alice.ID, storage.CollContacts)
		token, _ := s.SyncToken(ctx, book)
		ids, _ := s.LivePSAIDs(ctx, mapping.EntityContacts, nil)
		id := ids[7]
		// A technician edits a contact in the PSA: the webhook makes it
		// visible within seconds, without a poll.
		start := time.Now()
		must(t, h.ft.Update(mapping.EntityContacts, id, map[string]any{"lastName": "Hooked & <Co> Müller"}, h.seeded.Logins["cmartin"]))
		h.ft.WaitWebhooks()
		n, err := h.sy.ProcessHints(ctx)
		must(t, err)
		latency := time.Since(start)
		if n != 1 {
			t.Fatalf("processed %d hints", n)
		}
		cs, _ := s.Changes(ctx, book, token, 0)
		if len(cs.Changes) != 1 || cs.Changes[0].Href != mapping.Href(mapping.KindContact, id) {
			t.Fatalf("changes after the webhook: %+v", cs.Changes)
		}
		obj, _ := s.GetObject(ctx, book.ID, cs.Changes[0].Href)
		if !strings.Contains(string(obj.Body), "Müller") {
			t.Fatalf("card:\n%s", obj.Body)
		}
		t.Logf("webhook to mirror: %s", latency.Round(time.Millisecond))
		if latency > 5*time.Second {
			t.Errorf("webhook took %s", latency)
		}
		// A redelivery of the same event is recorded once.
		d := h.ft.Deliveries()
		last := d[len(d)-1]
		if last.Status != http.StatusOK {
			t.Fatalf("delivery answered %d", last.Status)
		}
		resp := post(t, srv.URL+autotask.HookPath(mapping.EntityContacts), last.Body, autotask.Sign("hook-secret-1", []byte(last.Body)))
		if resp != http.StatusOK {
			t.Fatalf("redelivery answered %d", resp)
		}
		if n, _ := h.sy.ProcessHints(ctx); n != 0 {
			t.Fatalf("a redelivery was processed again (%d)", n)
		}
		// A forged signature is refused and records nothing.
		forged := strings.Replace(last.Body, `"SequenceNumber":`, `"SequenceNumber":9`, 1)
		if code := post(t, srv.URL+autotask.HookPath(mapping.EntityContacts), forged, autotask.Sign("guessed", []byte(forged))); code != http.StatusUnauthorized {
			t.Fatalf("forged signature answered %d", code)
		}
		if code := post(t, srv.URL+autotask.HookPath(mapping.EntityContacts), forged, ""); code != http.StatusUnauthorized {
			t.Fatalf("missing signature answered %d", code)
		}
		rcv, _, _, _ := s.WebhookEventCounts(ctx)
		if rcv != 1 {
			t.Fatalf("%d events recorded, want 1", rcv)
		}
		// The connector's own writes (as the API user) do not come back.
		before := len(h.ft.Deliveries())
		entry := h.clientUpdate(mapping.EntityContacts, h.ridOf(mapping.EntityContacts, id),
			func(rec any) { rec.(*mapping.Contact).Title = "Written back" }, map[string]any{"title": "Written back"}, nil)
		h.push()
		if e := h.entry(entry); e.State != storage.OutboxDone {
			t.Fatalf("write-back %+v", e)
		}
		if after := len(h.ft.Deliveries()); after != before {
			t.Fatalf("the write-back echoed as %d webhook(s)", after-before)
		}
		// A contact deleted in the PSA goes at once.
		must(t, h.ft.Delete(mapping.EntityContacts, ids[8], h.seeded.Logins["cmartin"]))
		h.ft.WaitWebhooks()
		h.sy.ProcessHints(ctx)
		if _, err := s.GetObject(ctx, book.ID, mapping.Href(mapping.KindContact, ids[8])); err == nil {
			t.Fatal("the deleted contact is still served")
		}
		removed, err := h.conn.RemoveWebhooks(ctx, "psadav")
		if err != nil || removed != 2 || len(h.ft.Webhooks()) != 0 {
			t.Fatalf("remove: %d %v %v", removed, err, h.ft.Webhooks())
		}
	})
}

func post(t *testing.T, url, body, sig string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	if sig != "" {
		req.Header.Set(autotask.SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Every path under /hooks/autotask/ is authenticated: a forged delivery or
// deactivation notice is refused with 401 and changes nothing.
func TestForgedWebhooksChangeNothing(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 20)
		ctx := context.Background()
		handler := &syncer.HookHandler{Store: s, Receiver: h.conn, Logger: slog.New(slog.DiscardHandler), Kick: h.sy.KickHooks,
			Deactivation: autotask.DeactivationPath}
		srv := httptest.NewServer(handler)
		defer srv.Close()
		body := `{"Action":"Update","Guid":"g","EntityType":"Contact","Id":7,"SequenceNumber":1}`
		paths := []string{autotask.HookPath(mapping.EntityContacts), autotask.HookPath(mapping.EntityCompanies),
			autotask.DeactivationPath, autotask.DeactivationPath + "?token=guessed", "/hooks/autotask/tickets"}
		check := func(stage string) {
			t.Helper()
			for _, p := range paths {
				for _, sig := range []string{"", autotask.Sign("guessed", []byte(body)), "sha1=not-base64"} {
					if code := post(t, srv.URL+p, body, sig); code != http.StatusUnauthorized {
						t.Errorf("%s: forged POST %s (signature %q) answered %d, want 401", stage, p, sig, code)
					}
				}
			}
			st, err := s.ConnectorStatus(ctx)
			must(t, err)
			if v, ok := st[syncer.StatusHookDeactivated]; ok {
				t.Fatalf("%s: a forged notice marked the webhooks deactivated (%v)", stage, v)
			}
			if rcv, _, _, _ := s.WebhookEventCounts(ctx); rcv != 0 {
				t.Fatalf("%s: %d forged events recorded", stage, rcv)
			}
		}
		check("no secret yet")
		h.conn.SetWebhookSecret("hook-secret-2")
		check("with a secret")
		// A token made with another secret is forged too.
		other := autotask.DeactivationURL(srv.URL, "hook-secret-1")
		if code := post(t, other, "{}", ""); code != http.StatusUnauthorized {
			t.Fatalf("deactivation URL of another secret answered %d", code)
		}
		check("after another secret's token")

		// The PSA's real notice reaches the URL webhooks install registered.
		_, err := h.conn.InstallWebhooks(ctx, autotask.WebhookSetup{BaseURL: srv.URL, Secret: "hook-secret-2"})
		must(t, err)
		h.ft.DeactivateWebhooks()
		h.ft.WaitWebhooks()
		notices := 0
		for _, d := range h.ft.Deliveries() {
			if strings.Contains(d.URL, autotask.DeactivationPath) {
				notices++
				if d.Status != http.StatusOK {
					t.Fatalf("the PSA's deactivation notice to %s answered %d", d.URL, d.Status)
				}
			}
		}
		st, err := s.ConnectorStatus(ctx)
		must(t, err)
		if _, ok := st[syncer.StatusHookDeactivated]; notices != 2 || !ok {
			t.Fatalf("%d notices; status %v", notices, st)
		}
		// A notice signed like a delivery is accepted as well.
		if code := post(t, srv.URL+autotask.DeactivationPath, body, autotask.Sign("hook-secret-2", []byte(body))); code != http.StatusOK {
			t.Fatalf("signed notice answered %d", code)
		}
	})
}
