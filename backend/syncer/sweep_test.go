package syncer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

func TestSweepGuard(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		h.tick()
		ctx := context.Background()
		ids := h.ft.IDs(mapping.EntityContacts)
		// A few contacts really go: the sweep deletes them.
		for _, id := range ids[:5] {
			must(t, h.ft.Delete(mapping.EntityContacts, id, 1))
		}
		clk.add(6*time.Hour + time.Minute)
		h.tick()
		if got := h.count(mapping.EntityContacts); got != 295 {
			t.Fatalf("after deleting 5 of 300: %d mirrored", got)
		}
		// Most of them vanish at once (a permission change, a bad filter):
		// the sweep refuses, says so, and deletes nothing.
		for _, id := range ids[5:250] {
			must(t, h.ft.Delete(mapping.EntityContacts, id, 1))
		}
		clk.add(6*time.Hour + time.Minute)
		h.tick()
		if got := h.count(mapping.EntityContacts); got != 295 {
			t.Fatalf("the guard let %d deletions through", 295-got)
		}
		st, _ := s.SyncState(ctx, mapping.EntityContacts)
		if !strings.Contains(st.SweepRefused, "refused to delete 245 of 295 Contacts") {
			t.Fatalf("refusal not kept in the sync state: %q", st.SweepRefused)
		}
		if !strings.Contains(h.log.String(), "MASS DELETION REFUSED") || !strings.Contains(h.log.String(), "level=ERROR") {
			t.Fatal("refusal not logged as an error")
		}
		if h.sy.Counters().SweepsRefused != 1 {
			t.Fatal("refusal not counted")
		}
		// Calendar entities are swept in their window; a record that moved
		// out of it is updated, not deleted.
		tech := h.seeded.Logins["jbecker"]
		id, rid, a := h.firstAppointment(tech)
		far := a.StartDateTime.AddDate(3, 0, 0)
		must(t, h.ft.Update(mapping.EntityAppointments, id, map[string]any{"startDateTime": far.Format(time.RFC3339),
			"endDateTime": far.Add(time.Hour).Format(time.RFC3339)}, tech))
		clk.add(time.Hour + time.Minute)
		h.tick()
		rec, env := h.record(mapping.EntityAppointments, rid)
		if !env.Live() || !rec.(*mapping.Appointment).StartDateTime.Equal(far) {
			t.Fatalf("moved-out appointment: live=%v start=%s", env.Live(), rec.(*mapping.Appointment).StartDateTime)
		}
	})
}

func TestPollingBudget(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		h.tick()
		initial := len(h.ft.Requests())
		// Six simulated hours at the default intervals (the longest one,
		// the sweep of contacts and companies, is six hours), ticking every
		// 30 s (the shortest interval is 2 minutes).
		h.ft.ResetLog()
		var first int
		for i := 1; i <= 6*120; i++ {
			clk.add(30 * time.Second)
			h.tick()
			if i == 120 {
				first = len(h.ft.Requests())
			}
		}
		hour := len(h.ft.Requests()) / 6
		t.Logf("initial pull %d requests; first hour of polling %d requests; six hours %d, %d an hour (%.2f%% of 10,000); by endpoint:\n%s",
			initial, first, len(h.ft.Requests()), hour, float64(hour)/100, h.ft.Summary())
		if hour >= 500 || first >= 500 {
			t.Fatalf("polling used %d requests an hour (%d in the first), 5%% is 500", hour, first)
		}
		b, slow := h.sy.Budget()
		if b == nil || slow != 1 {
			t.Fatalf("budget %+v slowdown %v", b, slow)
		}
		st, _ := s.ConnectorStatus(context.Background())
		if !strings.Contains(st["budget"].Value, `"limit":10000`) {
			t.Fatalf("budget status %q", st["budget"].Value)
		}
		// Other integrations use 80% of the tenant's budget: polling slows.
		h.ft.SetExternalUsage(8000)
		clk.add(5 * time.Minute)
		h.tick()
		if _, slow := h.sy.Budget(); slow != 4 {
			t.Fatalf("slowdown at 80%% usage: %v", slow)
		}
		h.ft.ResetLog()
		for i := 0; i < 120; i++ {
			clk.add(30 * time.Second)
			h.tick()
		}
		busy := len(h.ft.Requests())
		t.Logf("one hour at 80%% tenant usage: %d requests", busy)
		if busy*3 > hour {
			t.Fatalf("busy tenant: %d requests an hour, quiet %d", busy, hour)
		}
	})
}
