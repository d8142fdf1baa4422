package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// sentStart checks that a text the PSA got is the start of the client's
// text, cut at a word's end within limit (counted as Autotask counts).
func sentStart(t *testing.T, what, sent, text string, limit int) {
	t.Helper()
	if sent == "" || mapping.PSALength(sent) > limit || !strings.HasPrefix(text, sent) || text[len(sent)] != ' ' {
		t.Fatalf("%s: the PSA got %d units, not the start of the text up to a word's end within %d", what, mapping.PSALength(sent), limit)
	}
}

// An event DESCRIPTION over the appointment's description (8,000) is not
// refused (it was 403): the client keeps its event as sent (the ETag), the
// PSA gets the start, the write-back's history says so; the PSA's echo is
// no change for the client, a PSA edit of the description is.
func TestLongEventDescription(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		text := strings.TrimSpace(strings.Repeat("Agenda item 😀 ", 700)) // 10,499 units, 9,799 characters
		event := crlf(vevent("long-1", "SUMMARY:Planning", "DESCRIPTION:"+text,
			"DTSTART;TZID=Europe/Berlin:20250610T100000", "DTEND;TZID=Europe/Berlin:20250610T110000"))
		res, err := f.put(t, f.alice, f.aliceCal, "long-1.ics", event)
		if err != nil {
			t.Fatalf("a long DESCRIPTION was refused: %v", err)
		}
		if res.ETag == "" || f.get(t, f.aliceCal, "long-1.ics") != event {
			t.Fatalf("the event is not kept as sent (ETag %q)", res.ETag)
		}
		ob := f.outbox(t, mapping.EntityAppointments)
		if len(ob) != 1 || ob[0].Op != storage.OpCreate {
			t.Fatalf("outbox %+v", ob)
		}
		sent := payload(t, ob[0])["description"].(string)
		sentStart(t, "appointment description", sent, text, 8000)
		if h := history(t, f.s, ob[0].ID); !strings.Contains(h, "decided: DESCRIPTION has 10499 characters, the appointment's description holds 8000") {
			t.Fatalf("history:\n%s", h)
		}
		rec, env := record(t, f.s, mapping.EntityAppointments, ob[0].RID)
		if rec.(*mapping.Appointment).Description != sent {
			t.Fatal("the mirror holds another description than the PSA gets")
		}

		// The same event again: nothing to send.
		if _, err := f.put(t, f.alice, f.aliceCal, "long-1.ics", event); err != nil {
			t.Fatal(err)
		}
		if n := len(f.outbox(t, mapping.EntityAppointments)); n != 1 {
			t.Fatalf("the same event again queued %d write-backs", n-1)
		}

		// The PSA's answer: its id, the description as sent.
		a := *rec.(*mapping.Appointment)
		must(t, f.s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			return tx.AcceptForTest(ctx, mapping.EntityAppointments, env.RID, 7001)
		}))
		a.ID = 7001
		upsert(t, f.s, mapping.EntityAppointments, &a)
		if got := f.get(t, f.aliceCal, "long-1.ics"); got != event {
			t.Fatalf("after the PSA's echo the event changed:\n%.300s", got)
		}
		// Someone edits it in the PSA: the client gets the PSA's text.
		a.Description = "Short agenda"
		upsert(t, f.s, mapping.EntityAppointments, &a)
		got := f.get(t, f.aliceCal, "long-1.ics")
		contains(t, "after a PSA edit", got, "DESCRIPTION:Short agenda\r\n")

		// A title is a hard limit, counted as Autotask counts: 200 emoji
		// are 400 units, over 256.
		_, err = f.put(t, f.alice, f.aliceCal, "long-2.ics", crlf(vevent("long-2", "SUMMARY:"+strings.Repeat("😀", 200),
			"DTSTART;TZID=Europe/Berlin:20250611T100000", "DTEND;TZID=Europe/Berlin:20250611T110000")))
		if r := refusal(err); r == nil || r.Code != mapping.RefuseTooLong || r.Fields[0] != "SUMMARY" || r.Limit != 256 {
			t.Fatalf("a title of 400 units: %v", err)
		}
	})
}

// A client to-do's text over the activity description (32,000): the
// to-do is created with the start of it, the client keeps its task as
// sent, the history says so.
func TestLongToDoDescription(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		text := strings.TrimSpace(strings.Repeat("Check the toner levels ", 1500)) // 34,499
		task := crlf(vtodo("long-task", "SUMMARY:Toner", "DESCRIPTION:"+text))
		res, err := f.put(t, f.alice, f.aliceTasks, "long-task.ics", task)
		if err != nil {
			t.Fatalf("a long to-do was refused: %v", err)
		}
		if res.ETag == "" || f.get(t, f.aliceTasks, "long-task.ics") != task {
			t.Fatal("the task is not kept as sent")
		}
		ob := f.outbox(t, mapping.EntityCompanyToDos)
		if len(ob) != 1 {
			t.Fatalf("outbox %+v", ob)
		}
		sentStart(t, "activity description", payload(t, ob[0])["activityDescription"].(string), "Toner\n\n"+text, 32000)
		if h := history(t, f.s, ob[0].ID); !strings.Contains(h, "the to-do's activity description holds 32000") {
			t.Fatalf("history:\n%s", h)
		}
		// A changed end of the text changes nothing the PSA holds.
		if _, err := f.put(t, f.alice, f.aliceTasks, "long-task.ics", crlf(vtodo("long-task", "SUMMARY:Toner", "DESCRIPTION:"+text+" again"))); err != nil {
			t.Fatal(err)
		}
		if n := len(f.outbox(t, mapping.EntityCompanyToDos)); n != 1 {
			t.Fatalf("an edit beyond the field queued %d write-backs", n-1)
		}
	})
}
