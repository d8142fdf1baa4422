package dav_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

const phoneNote = "Met at the MSP summit in Berlin. Wants managed backup for three sites and a call back in Q3 about pricing. Prefers e-mail."

// withNote is a card body with its NOTE set.
func withNote(t *testing.T, body, note string) string {
	t.Helper()
	card, err := mapping.DecodeCard([]byte(body))
	must(t, err)
	card.SetValue(vcard.FieldNote, note)
	return string(mapping.EncodeCard(card))
}

// Issue 13 §5 over HTTP: a card with a NOTE over the PSA's 50 characters
// is taken (it was 403), the client reads its whole NOTE back, and the
// same card sent again is answered with the ETag (stored as sent); the
// rest of the note is on its way to the contact's journal. An event whose
// DESCRIPTION is over the appointment's 8,000 is taken and kept as sent.
func TestLongTextOverHTTP(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		must(t, e.s.SetSetting(ctx, "contact-policy", "two-way"))
		path := aliceBook + "contact-12.vcf"
		_, card := e.do("GET", path, "alice", "alice-pw", "")
		sent := withNote(t, card, phoneNote)
		resp, body := e.do("PUT", path, "alice", "alice-pw", sent, "Content-Type", "text/vcard; charset=utf-8")
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("PUT of a long NOTE: %d\n%s", resp.StatusCode, body)
		}
		// Nothing else of the card changed: it is stored as sent, and the
		// PUT says so with the ETag (RFC 6352 §6.3.2).
		etag := resp.Header.Get("ETag")
		resp, card = e.do("GET", path, "alice", "alice-pw", "")
		if etag == "" || card != sent || resp.Header.Get("ETag") != etag {
			t.Fatalf("PUT ETag %q, GET ETag %q, the card as sent: %v\n%s", etag, resp.Header.Get("ETag"), card == sent, card)
		}
		resp, _ = e.do("PUT", path, "alice", "alice-pw", card, "Content-Type", "text/vcard", "If-Match", etag)
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("ETag") != etag {
			t.Fatalf("the card as read back, again: %d ETag %q, want %q", resp.StatusCode, resp.Header.Get("ETag"), etag)
		}
		es, err := e.s.Outbox(ctx, storage.OutboxFilter{Entity: string(mapping.EntityCompanyNotes)})
		must(t, err)
		if len(es) != 1 || !strings.Contains(es[0].Payload, `"contactID":12`) {
			t.Fatalf("journal write-backs %+v", es)
		}
		// Bob's all-contacts book shows the PSA's note and journal.
		_, bobs := e.do("GET", "/dav/addressbooks/bob/all-contacts/contact-12.vcf", "bob", "bob-pw", "")
		if b, _ := mapping.DecodeCard([]byte(bobs)); !strings.Contains(b.Value(vcard.FieldNote), "\n\n"+mapping.ContinuationHeading+": ") {
			t.Fatalf("bob reads NOTE %q", b.Value(vcard.FieldNote))
		}

		// psa-master: discarded, not refused.
		must(t, e.s.SetSetting(ctx, "contact-policy", "psa-master"))
		_, card = e.do("GET", aliceBook+"contact-11.vcf", "alice", "alice-pw", "")
		resp, body = e.do("PUT", aliceBook+"contact-11.vcf", "alice", "alice-pw", withNote(t, card, phoneNote), "Content-Type", "text/vcard")
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("ETag") != "" {
			t.Fatalf("psa-master PUT of a long NOTE: %d ETag %q\n%s", resp.StatusCode, resp.Header.Get("ETag"), body)
		}

		desc := strings.TrimSpace(strings.Repeat("Agenda item ", 800))
		event := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:long-desc\r\nDTSTAMP:20250601T000000Z\r\n" +
			"DTSTART:20250610T100000Z\r\nDTEND:20250610T110000Z\r\nSUMMARY:Planning\r\nDESCRIPTION:" + desc + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		resp, body = e.do("PUT", aliceCal+"long-desc.ics", "alice", "alice-pw", event, "Content-Type", "text/calendar")
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("ETag") == "" {
			t.Fatalf("PUT of a long DESCRIPTION: %d ETag %q\n%s", resp.StatusCode, resp.Header.Get("ETag"), body)
		}
		if _, got := e.do("GET", aliceCal+"long-desc.ics", "alice", "alice-pw", ""); got != event {
			t.Fatal("the event is not served as sent")
		}
	})
}
