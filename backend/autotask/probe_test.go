package autotask_test

import (
	"context"
	"strings"
	"testing"

	"github.com/psadav/psadav/backend/autotask"
)

// Against a tenant that answers as a real one does, every assumption the
// probe can settle holds, within its request budget and without a write.
func TestProbeAgainstTheFake(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 100)
	c := connect(t, ft, nil)
	res := c.Probe(context.Background())
	verdicts := map[string]autotask.Verdict{}
	for _, it := range res.Items {
		t.Logf("%-4s %-14s %-52s %s", it.ID, it.Verdict, it.What, it.Detail)
		if it.ID != "" {
			verdicts[it.ID+" "+it.What] = it.Verdict
		}
	}
	if res.Failed() != 0 {
		t.Fatalf("%d assumptions failed against the fake", res.Failed())
	}
	for _, want := range []string{"A1", "A2", "A3", "A4", "A6", "A7", "A9", "A11"} {
		found := false
		for k, v := range verdicts {
			if strings.HasPrefix(k, want+" ") && v == autotask.Holds {
				found = true
			}
		}
		if !found {
			t.Errorf("%s was not shown to hold: %v", want, verdicts)
		}
	}
	if res.Requests > autotask.ProbeBudget || res.Requests != int64(ft.Count(nil)) {
		t.Fatalf("the probe made %d requests (the tenant saw %d), at most %d allowed", res.Requests, ft.Count(nil), autotask.ProbeBudget)
	}
	for _, r := range ft.Requests() {
		if r.Kind == "create" || r.Kind == "update" || r.Kind == "delete" || (r.Method != "GET" && r.Method != "POST") {
			t.Fatalf("the probe wrote: %+v", r)
		}
	}
}

// What the probe finds when the tenant does not answer as assumed.
func TestProbeReportsWhatDoesNotHold(t *testing.T) {
	ft := newTenant(t)
	ft.LoadDemo(day, 20)
	c := connect(t, ft, nil)
	ft.HideTimeOff(true)
	res := c.Probe(context.Background())
	for _, it := range res.Items {
		if it.ID == "A10" && (it.Verdict != autotask.Unsettled || !strings.Contains(it.Detail, "Proxy time entry")) {
			t.Errorf("hidden time off: %+v", it)
		}
	}
	bad := connect(t, ft, func(cfg *autotask.Config) { cfg.Secret = "wrong" })
	res = bad.Probe(context.Background())
	if res.Failed() != 1 || res.Items[len(res.Items)-1].What != "credentials" {
		t.Fatalf("bad credentials: %+v", res.Items)
	}
}
