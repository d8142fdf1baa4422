package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-vcard"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// longNote is a note as phones write them: far over Autotask's 50.
const longNote = "Met at the MSP summit in Berlin. Wants managed backup for three sites and a call back in Q3 about pricing. Prefers e-mail and never calls before ten."

// cardWithNote is a stored card with its NOTE replaced, as a client
// that edits the note sends it back.
func cardWithNote(t *testing.T, s *storage.Store, c storage.Collection, href, note string) string {
	t.Helper()
	o, err := s.GetObject(context.Background(), c.ID, href)
	must(t, err)
	card, err := mapping.DecodeCard(o.Body)
	must(t, err)
	delete(card, vcard.FieldNote)
	if note != "" {
		card.SetValue(vcard.FieldNote, note)
	}
	return string(mapping.EncodeCard(card))
}

// noteOf is the NOTE a collection serves at href.
func noteOf(t *testing.T, s *storage.Store, c storage.Collection, href string) string {
	t.Helper()
	o, err := s.GetObject(context.Background(), c.ID, href)
	must(t, err)
	card, err := mapping.DecodeCard(o.Body)
	must(t, err)
	return card.Value(vcard.FieldNote)
}

func history(t *testing.T, s *storage.Store, id int64) string {
	t.Helper()
	evs, err := s.OutboxHistory(context.Background(), id)
	must(t, err)
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind+": "+e.Message)
	}
	return strings.Join(out, "\n")
}

// The Seen case of issue 13 §5 and the life of the note after it: a NOTE
// over the note field is taken (it was 403), the client reads back its
// whole text, the PSA gets the start as the note and the rest as one
// journal entry on the contact, other users see note and journal; the
// same card again sends nothing, an edit only what changed, a shorter
// note empties the entry and a longer one fills it again.
func TestLongNoteTwoWay(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		setting(t, s, "contact-policy", "two-way")
		const href = "contact-12.vcf"
		if _, err := putCard(s, f.alice, f.aliceBk, href, cardWithNote(t, s, f.aliceBk, href, longNote)); err != nil {
			t.Fatalf("a long NOTE was refused: %v", err)
		}
		c, _ := contactByRef(t, s, 12)
		head := c.Note
		if head == "" || mapping.PSALength(head) > 50 || !strings.HasPrefix(longNote, head) || longNote[len(head)] != ' ' {
			t.Fatalf("the note field got %q: not the start of the NOTE up to a word's end within 50", head)
		}
		rest := longNote[len(head)+1:]
		es := outbox(t, s)
		if len(es) != 2 || es[0].Entity != "Contacts" || es[0].FieldMask != "note" ||
			es[1].Entity != "CompanyNotes" || es[1].Op != storage.OpCreate || es[1].UserID == nil || *es[1].UserID != f.alice.ID {
			t.Fatalf("outbox %+v", es)
		}
		p := payload(t, es[1])
		if p["companyID"] != 1.0 || p["contactID"] != 12.0 || p["name"] != mapping.ContinuationHeading || p["note"] != rest {
			t.Fatalf("journal entry payload %v", p)
		}
		if h := history(t, s, es[0].ID); !strings.Contains(h, "decided: NOTE is longer than the contact's note field (50 characters)") {
			t.Fatalf("the contact's write-back does not say what happened to the NOTE:\n%s", h)
		}
		if h := history(t, s, es[1].ID); !strings.Contains(h, "part 1 of 1") {
			t.Fatalf("the journal entry's write-back does not say what it holds:\n%s", h)
		}
		if got := noteOf(t, s, f.aliceBk, href); got != longNote {
			t.Fatalf("alice reads back %q, not her NOTE", got)
		}
		if got, want := noteOf(t, s, f.bobAll, href), head+"\n\n"+mapping.ContinuationHeading+": "+rest; got != want {
			t.Fatalf("bob sees %q, want the PSA's note and journal %q", got, want)
		}

		// The card as read back, again: nothing goes to the PSA.
		again := body(t, s, f.aliceBk, href)
		o, _ := s.GetObject(context.Background(), f.aliceBk.ID, href)
		if _, err := putCard(s, f.alice, f.aliceBk, href, string(o.Body)); err != nil {
			t.Fatal(err)
		}
		if n := len(outbox(t, s)); n != 2 || body(t, s, f.aliceBk, href) != again {
			t.Fatalf("the same card again queued %d write-backs", n-2)
		}

		// More text at the end: only the journal entry's note changes.
		longer := longNote + " Also ask about the VoIP contract."
		if _, err := putCard(s, f.alice, f.aliceBk, href, cardWithNote(t, s, f.aliceBk, href, longer)); err != nil {
			t.Fatal(err)
		}
		es = outbox(t, s)
		if len(es) != 3 || es[2].Entity != "CompanyNotes" || es[2].Op != storage.OpUpdate || es[2].RID != es[1].RID || es[2].FieldMask != "note" ||
			payload(t, es[2])["note"] != rest+" Also ask about the VoIP contract." {
			t.Fatalf("an edit of the note's end: %+v", es[2:])
		}
		if got := noteOf(t, s, f.aliceBk, href); got != longer {
			t.Fatalf("alice reads back %q", got)
		}

		// A note that fits: the note changes, the entry is emptied and
		// no longer shown.
		const short = "Call back in Q3."
		if _, err := putCard(s, f.alice, f.aliceBk, href, cardWithNote(t, s, f.aliceBk, href, short)); err != nil {
			t.Fatal(err)
		}
		es = outbox(t, s)
		if len(es) != 5 || es[3].FieldMask != "note" || es[4].RID != es[1].RID || es[4].Op != storage.OpUpdate || payload(t, es[4])["note"] != "" {
			t.Fatalf("a shorter note: %+v", es[3:])
		}
		if a, b := noteOf(t, s, f.aliceBk, href), noteOf(t, s, f.bobAll, href); a != short || b != short {
			t.Fatalf("after a shorter note alice reads %q, bob %q", a, b)
		}

		// Long again: the card's entry is filled again, no second one.
		if _, err := putCard(s, f.alice, f.aliceBk, href, cardWithNote(t, s, f.aliceBk, href, longNote)); err != nil {
			t.Fatal(err)
		}
		es = outbox(t, s)
		for _, e := range es[5:] {
			if e.Entity == "CompanyNotes" && e.Op == storage.OpCreate {
				t.Fatalf("a second journal entry: %+v", es[5:])
			}
		}
		if n, err := s.CountPSA(context.Background(), mapping.EntityCompanyNotes); err != nil || n != 1 {
			t.Fatalf("%d journal entries (%v), want 1", n, err)
		}
		if got := noteOf(t, s, f.aliceBk, href); got != longNote {
			t.Fatalf("alice reads back %q", got)
		}
	})
}

// The PSA's echo of psadav's own writes (ids, times) leaves the client's
// text in place; a PSA change to the note wins, and the continuation
// entry is then journal history: the next long note gets an entry of its
// own and the old one stays as it is.
func TestLongNoteAfterPSAChanges(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		setting(t, s, "contact-policy", "two-way")
		ctx := context.Background()
		const href = "contact-12.vcf"
		_, err := putCard(s, f.alice, f.aliceBk, href, cardWithNote(t, s, f.aliceBk, href, longNote))
		must(t, err)
		es := outbox(t, s)
		c, _ := contactByRef(t, s, 12)
		rest := payload(t, es[1])["note"].(string)
		created := time.Date(2026, 4, 30, 23, 59, 0, 0, time.UTC)
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			for _, e := range es {
				if err := tx.CompleteOutbox(ctx, e.ID, "done"); err != nil {
					return err
				}
			}
			if err := tx.AcceptCreate(ctx, mapping.EntityCompanyNotes, es[1].RID, 9001); err != nil {
				return err
			}
			// The PSA's record: its id, its times, its line ends.
			_, err := tx.UpsertPSA(ctx, mapping.EntityCompanyNotes, &mapping.CompanyNote{ID: 9001, CompanyID: 1, ContactID: i64(12),
				Name: mapping.ContinuationHeading, Note: rest + "\r\n", CreateDateTime: &created, LastModifiedDate: &created}, nil)
			return err
		}))
		if got := noteOf(t, s, f.aliceBk, href); got != longNote {
			t.Fatalf("after the PSA's echo alice reads %q", got)
		}
		if got := noteOf(t, s, f.bobAll, href); got != c.Note+"\n\n2026-04-30 "+mapping.ContinuationHeading+": "+rest {
			t.Fatalf("bob reads %q", got)
		}

		// Someone changes the note in the PSA: the PSA's rendering wins.
		c.ID, c.Note = 12, "Changed in the PSA"
		upsert(t, s, mapping.EntityContacts, &c)
		shown := "Changed in the PSA\n\n2026-04-30 " + mapping.ContinuationHeading + ": " + rest
		if got := noteOf(t, s, f.aliceBk, href); got != shown {
			t.Fatalf("after a PSA change alice reads %q, want %q", got, shown)
		}

		// A new long note written over that rendering: the entry alice was
		// shown is history, untouched; the rest gets a new entry.
		before := len(outbox(t, s))
		second := "Second visit: the backup project is approved and starts in May with the Munich site first."
		_, err = putCard(s, f.alice, f.aliceBk, href, cardWithNote(t, s, f.aliceBk, href, second+"\n\n"+shown[len("Changed in the PSA\n\n"):]))
		must(t, err)
		es = outbox(t, s)[before:]
		if len(es) != 2 || es[0].Entity != "Contacts" || es[1].Entity != "CompanyNotes" || es[1].Op != storage.OpCreate {
			t.Fatalf("write-backs %+v", es)
		}
		c2, _ := contactByRef(t, s, 12)
		if c2.Note+" "+payload(t, es[1])["note"].(string) != second {
			t.Fatalf("note %q + entry %q", c2.Note, payload(t, es[1])["note"])
		}
		// A NOTE that drops the PSA's journal entry is a change to history:
		// discarded, as before.
		before = len(outbox(t, s))
		_, err = putCard(s, f.alice, f.aliceBk, href, cardWithNote(t, s, f.aliceBk, href, "Nothing else."))
		must(t, err)
		if n := len(outbox(t, s)); n != before {
			t.Fatalf("a NOTE without the journal's history queued %d write-backs", n-before)
		}
	})
}

// A new card with a long NOTE: the contact and its journal entry are
// created in one write, the entry naming the contact by its local id
// until the PSA gives it one; each is a PSA write the budget counts.
func TestLongNoteOnNewContact(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		card := newCard("new-1", "N:Neu;Nora;;;", "FN:Nora Neu", "ORG:Acme", "NOTE:"+longNote)
		setting(t, s, "user-write-budget", "1")
		_, err := putCard(s, f.alice, f.aliceBk, "new-1.vcf", card)
		wantRefusal(t, err, mapping.RefuseWriteBudget)
		if len(outbox(t, s)) != 0 {
			t.Fatal("a refused write queued write-backs")
		}
		setting(t, s, "user-write-budget", "2")
		_, err = putCard(s, f.alice, f.aliceBk, "new-1.vcf", card)
		must(t, err)
		es := outbox(t, s)
		if len(es) != 2 || es[0].Entity != "Contacts" || es[0].Op != storage.OpCreate || es[1].Entity != "CompanyNotes" {
			t.Fatalf("outbox %+v", es)
		}
		p := payload(t, es[1])
		if p["contactID"] != float64(-es[0].RID) || p["companyID"] != 1.0 {
			t.Fatalf("journal entry payload %v (contact row %d)", p, es[0].RID)
		}
		note := payload(t, es[0])["note"].(string)
		if note+" "+p["note"].(string) != longNote {
			t.Fatalf("note %q + entry %q", note, p["note"])
		}
		if got := noteOf(t, s, f.aliceBk, "new-1.vcf"); got != longNote {
			t.Fatalf("alice reads back %q", got)
		}
	})
}

// psa-master: a PSA contact's NOTE edit is discarded as any other, never
// refused for its length; strict mode refuses it as a read-only field.
func TestLongNotePSAMaster(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		const href = "contact-11.vcf"
		before := body(t, s, f.aliceBk, href)
		res, err := putCard(s, f.alice, f.aliceBk, href, cardWithNote(t, s, f.aliceBk, href, longNote))
		if err != nil || res.ETag != "" {
			t.Fatalf("psa-master: %v %+v", err, res)
		}
		if len(outbox(t, s)) != 0 || body(t, s, f.aliceBk, href) != before {
			t.Fatal("a discarded NOTE changed something")
		}
		setting(t, s, "write-back-mode", "strict")
		_, err = putCard(s, f.alice, f.aliceBk, href, cardWithNote(t, s, f.aliceBk, href, longNote))
		if r := wantRefusal(t, err, mapping.RefuseReadOnlyField); strings.Join(r.Fields, ",") != "NOTE" {
			t.Fatalf("%+v", r)
		}
	})
}

// A NOTE beyond the note field and one journal entry's 32,000 takes
// several entries, numbered, in reading order; each is one write-back.
func TestVeryLongNoteTakesSeveralEntries(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		setting(t, s, "contact-policy", "two-way")
		const href = "contact-12.vcf"
		text := strings.TrimSpace(strings.Repeat("Backup report for the Munich site. ", 2000)) // 69,999 characters
		_, err := putCard(s, f.alice, f.aliceBk, href, cardWithNote(t, s, f.aliceBk, href, text))
		must(t, err)
		c, _ := contactByRef(t, s, 12)
		parts := []string{c.Note}
		var names []string
		for _, e := range outbox(t, s)[1:] {
			p := payload(t, e)
			if e.Entity != "CompanyNotes" || e.Op != storage.OpCreate || mapping.PSALength(p["note"].(string)) > 32000 {
				t.Fatalf("write-back %+v", e)
			}
			parts, names = append(parts, p["note"].(string)), append(names, p["name"].(string))
		}
		if strings.Join(names, "|") != "Note, continued (1/3)|Note, continued (2/3)|Note, continued (3/3)" || strings.Join(parts, " ") != text {
			t.Fatalf("entries %v do not hold the text in order", names)
		}
		if got := noteOf(t, s, f.aliceBk, href); got != text {
			t.Fatal("alice does not read back her NOTE")
		}
	})
}
