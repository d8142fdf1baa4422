package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// One user's client cannot queue more PSA writes an hour than the
// user-write-budget setting allows (README: Limits on what clients write):
// the write that would go over is refused whole with when to retry,
// another user is not affected, and an hour later it is allowed.
func TestUserWriteBudget(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		must(t, f.s.SetSetting(ctx, "user-write-budget", "5"))
		event := func(i int) string {
			return vevent(fmt.Sprintf("ev-%d", i), "SUMMARY:x", fmt.Sprintf("DTSTART:202506%02dT080000Z", 2+i), fmt.Sprintf("DTEND:202506%02dT083000Z", 2+i))
		}
		for i := range 5 {
			must(t, func() error {
				_, err := f.put(t, f.alice, f.aliceCal, fmt.Sprintf("ev-%d.ics", i), event(i))
				return err
			}())
			*f.clock = f.clock.Add(time.Minute)
		}
		_, err := f.put(t, f.alice, f.aliceCal, "ev-5.ics", event(5))
		r := refusal(err)
		if r == nil || r.Code != mapping.RefuseWriteBudget {
			t.Fatalf("the 6th write in an hour: %v", err)
		}
		// The first write leaves the hour 60 - 5 minutes from now.
		if r.RetryAfter != 55*time.Minute {
			t.Errorf("retry after %v, want 55m", r.RetryAfter)
		}
		if f.get(t, f.aliceCal, "ev-5.ics") != "" || len(f.outbox(t, mapping.EntityAppointments)) != 5 {
			t.Fatal("the refused write left something behind")
		}
		// A DELETE queues a write-back too.
		if err := f.del(f.alice, f.aliceCal, "ev-0.ics"); refusal(err) == nil || refusal(err).Code != mapping.RefuseWriteBudget {
			t.Fatalf("a delete over the budget: %v", err)
		}
		// Writes that queue nothing are not counted: a reminder on a PSA
		// appointment is kept for the user.
		served := f.get(t, f.aliceCal, "appointment-1.ics")
		if _, err := f.put(t, f.alice, f.aliceCal, "appointment-1.ics", addAlarm(served)); err != nil {
			t.Fatalf("a write that queues nothing: %v", err)
		}
		// Bob has his own budget.
		if _, err := f.put(t, f.bob, f.bobCal, "bob.ics", event(7)); err != nil {
			t.Fatalf("another user: %v", err)
		}
		// 55 minutes later the first write has left the hour.
		*f.clock = f.clock.Add(55 * time.Minute)
		if _, err := f.put(t, f.alice, f.aliceCal, "ev-5.ics", event(5)); err != nil {
			t.Fatalf("an hour later: %v", err)
		}
		// A write that alone is larger than the budget can never fit.
		must(t, f.s.SetSetting(ctx, "user-write-budget", "3"))
		*f.clock = f.clock.Add(2 * time.Hour)
		_, err = f.put(t, f.alice, f.aliceCal, "weekly.ics", vevent("weekly", "SUMMARY:x", "DTSTART:20250602T080000Z",
			"DTEND:20250602T083000Z", "RRULE:FREQ=WEEKLY;COUNT=4"))
		if r := refusal(err); r == nil || r.Code != mapping.RefuseWriteBudget || r.RetryAfter != 0 {
			t.Fatalf("a series of 4 under a budget of 3: %v", err)
		}
		// 0 turns the budget off.
		must(t, f.s.SetSetting(ctx, "user-write-budget", "0"))
		if _, err := f.put(t, f.alice, f.aliceCal, "weekly.ics", vevent("weekly", "SUMMARY:x", "DTSTART:20250602T080000Z",
			"DTEND:20250602T083000Z", "RRULE:FREQ=WEEKLY;COUNT=4")); err != nil {
			t.Fatalf("without a budget: %v", err)
		}
		// The outbox says who queued what.
		es, err := f.s.Outbox(ctx, storage.OutboxFilter{UserID: f.bob.ID})
		must(t, err)
		if len(es) != 1 || es[0].UserLogin != "bob" {
			t.Fatalf("bob's write-backs: %+v", es)
		}
	})
}

func addAlarm(body string) string {
	return strings.Replace(body, "END:VEVENT", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT", 1)
}
