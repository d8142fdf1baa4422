package syncer_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-vcard"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

const journalNote = "Met at the MSP summit in Berlin. Wants managed backup for three sites and a call back in Q3 about pricing. Prefers e-mail and never calls before ten."

// putNote writes a card with its NOTE replaced, as a client that edits it.
func putNote(t *testing.T, s *storage.Store, acct storage.Account, book storage.Collection, href, note string) {
	t.Helper()
	ctx := context.Background()
	o, err := s.GetObject(ctx, book.ID, href)
	must(t, err)
	card, err := mapping.DecodeCard(o.Body)
	must(t, err)
	card.SetValue(vcard.FieldNote, note)
	_, err = s.PutObject(ctx, storage.PutRequest{Account: acct, Collection: book, Href: href, Body: mapping.EncodeCard(card), ContentType: "text/vcard"})
	must(t, err)
}

func cardNote(t *testing.T, s *storage.Store, book storage.Collection, href string) string {
	t.Helper()
	o, err := s.GetObject(context.Background(), book.ID, href)
	must(t, err)
	card, err := mapping.DecodeCard(o.Body)
	must(t, err)
	return card.Value(vcard.FieldNote)
}

// notesOf lists the fake tenant's CompanyNotes of a contact.
func (h *harness) notesOf(contact int64) []map[string]any {
	var out []map[string]any
	for _, id := range h.ft.IDs(mapping.EntityCompanyNotes) {
		r, _ := h.ft.Record(mapping.EntityCompanyNotes, id)
		if n, ok := r["contactID"]; ok && n != nil && mustInt(n) == contact {
			out = append(out, r)
		}
	}
	return out
}

func mustInt(v any) int64 {
	n, _ := asNumber(v)
	return int64(n)
}

func asNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case interface{ Float64() (float64, error) }:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// End to end against the fake tenant: a long NOTE reaches Autotask as
// the contact's note (within its 50) and a CompanyNotes record with the
// contact's id holding the rest; the PSA's echo leaves the client's text
// in its card; a later edit patches that record rather than adding one;
// a new card's journal entry names the contact the PSA created for it.
func TestLongNoteReachesTheJournal(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		ctx := context.Background()
		h := newHarness(t, s, clk, 40)
		must(t, s.SetSetting(ctx, "contact-policy", "two-way"))
		alice := h.account("awalker", storage.ScopeAll)
		h.tick()
		book, err := s.UserCollection(ctx, alice.ID, storage.CollContacts)
		must(t, err)
		ids, err := s.LivePSAIDs(ctx, mapping.EntityContacts, nil)
		must(t, err)
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		var id int64
		for _, c := range ids {
			rec, _ := h.record(mapping.EntityContacts, h.ridOf(mapping.EntityContacts, c))
			if ct := rec.(*mapping.Contact); ct.Active() && len(h.notesOf(c)) == 0 {
				id = c
				break
			}
		}
		href := mapping.Href(mapping.KindContact, id)
		putNote(t, s, alice, book, href, journalNote)
		clk.add(time.Minute)
		h.push()
		for _, e := range outboxAll(t, s) {
			if e.State != storage.OutboxDone {
				t.Fatalf("write-back %d %s %s: %s %s", e.ID, e.Entity, e.Op, e.State, e.LastError)
			}
		}
		psa, _ := h.ft.Record(mapping.EntityContacts, id)
		head, _ := psa["note"].(string)
		notes := h.notesOf(id)
		if len(notes) != 1 {
			t.Fatalf("the tenant has %d journal entries of contact %d", len(notes), id)
		}
		n := notes[0]
		if mustInt(n["companyID"]) != mustInt(psa["companyID"]) || n["name"] != mapping.ContinuationHeading ||
			head == "" || mapping.PSALength(head) > 50 || head+" "+n["note"].(string) != journalNote {
			t.Fatalf("the tenant has note %q and journal entry %v", head, n)
		}
		if n["actionType"] == nil || n["assignedResourceID"] == nil {
			t.Fatalf("the connector did not complete the entry: %v", n)
		}

		// The PSA's echo (ids, times) reaches the mirror: alice still
		// reads her text, a colleague the PSA's note and journal.
		clk.add(time.Hour)
		h.tick()
		for _, e := range outboxAll(t, s) {
			if e.Entity != "CompanyNotes" {
				continue
			}
			if rec, env := h.record(mapping.EntityCompanyNotes, e.RID); env.PSAID == nil || rec.(*mapping.CompanyNote).CreateDateTime == nil {
				t.Fatalf("the PSA's record of the journal entry did not reach the mirror: %+v", env)
			}
		}
		if got := cardNote(t, s, book, href); got != journalNote {
			t.Fatalf("after the echo alice reads %q", got)
		}

		// An edit of the end patches the same record.
		putNote(t, s, alice, book, href, journalNote+" Ask about VoIP.")
		clk.add(time.Minute)
		h.push()
		notes = h.notesOf(id)
		if len(notes) != 1 || !strings.HasSuffix(notes[0]["note"].(string), "before ten. Ask about VoIP.") || mustInt(notes[0]["id"]) != mustInt(n["id"]) {
			t.Fatalf("after an edit: %v", notes)
		}

		// A new card with a long NOTE: the entry names the new contact.
		card := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:nora-1\r\nN:Neu;Nora;;;\r\nFN:Nora Neu\r\nTEL;TYPE=WORK:+1 555 0142\r\nNOTE:" +
			journalNote + "\r\nEND:VCARD\r\n"
		_, err = s.PutObject(ctx, storage.PutRequest{Account: alice, Collection: book, Href: "nora.vcf", Body: []byte(card), ContentType: "text/vcard"})
		must(t, err)
		clk.add(time.Minute)
		h.push()
		var nora int64
		for _, e := range outboxAll(t, s) {
			if e.State != storage.OutboxDone {
				t.Fatalf("write-back %d %s %s: %s %s", e.ID, e.Entity, e.Op, e.State, e.LastError)
			}
			if e.Entity == "Contacts" && e.Op == storage.OpCreate {
				_, env := h.record(mapping.EntityContacts, e.RID)
				nora = *env.PSAID
			}
		}
		if notes := h.notesOf(nora); nora == 0 || len(notes) != 1 || !strings.HasSuffix(journalNote, notes[0]["note"].(string)) {
			t.Fatalf("the new contact %d has journal entries %v", nora, notes)
		}
		if got := cardNote(t, s, book, "nora.vcf"); got != journalNote {
			t.Fatalf("alice reads %q on her new card", got)
		}
	})
}

func outboxAll(t *testing.T, s *storage.Store) []storage.OutboxEntry {
	t.Helper()
	es, err := s.Outbox(context.Background(), storage.OutboxFilter{})
	must(t, err)
	return es
}
