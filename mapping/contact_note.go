package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/emersion/go-vcard"
)

// A contact's NOTE (README: Contacts, "What a client writes"). The card's
// NOTE is the contact's note followed by its journal, newest first
// (ContactNote). Autotask's note field holds 50 characters and a phone's
// note holds far more, so a NOTE is never refused or cut for its length:
//
//   - Where the rules let the client change the note (contact-policy
//     two-way, a contact it created, a new card), the start of its text
//     that fits becomes the note and the rest goes to the PSA as the
//     card's continuation entries: journal entries on the contact
//     (CompanyNotes with its id) headed ContinuationHeading, each up to
//     the journal entry's limit. Nothing is lost on either side.
//   - The client keeps its whole NOTE, with the state of the PSA's note
//     and journal it stood for (NoteState: their texts, not ids or times,
//     so the PSA's echo of psadav's own writes changes nothing). While the
//     PSA holds that state the card serves the client's own text; once
//     anyone changes the note or the journal, the PSA's rendering wins.
//     Other users always see the PSA's note and journal.
//   - A later edit rewrites the card's continuation entries in place: only
//     an entry whose text changes is sent, an entry the text no longer
//     needs is emptied (an empty continuation entry is not shown), and an
//     entry is added only when the text needs one more. Editing a long
//     note again never piles up copies of it.
//   - Journal entries the client was shown as journal entries (the PSA's
//     rendering, or the client's own text that held them) are history:
//     they are taken out of the NOTE before the rest is read as the note,
//     and a NOTE that lost or changed one is a change to history, which
//     is discarded (refused in strict mode) as before. A continuation
//     entry shown as part of the PSA's rendering is history from then on.

// ContinuationHeading heads the journal entries that continue a card's
// note: "Note, continued", numbered "(2/3)" when there are several.
const ContinuationHeading = "Note, continued"

// Kept-card properties of a card's NOTE state; psadav's own, never served
// and never taken from a client.
const (
	PropNoteBase    = "X-PSADAV-NOTE-BASE"    // NoteState when the client wrote its NOTE
	PropNoteJournal = "X-PSADAV-NOTE-JOURNAL" // the card's continuation entries, as storage row ids in order
)

// continuationName is the heading of part i (from 1) of n.
func continuationName(i, n int) string {
	if n <= 1 {
		return ContinuationHeading
	}
	return fmt.Sprintf("%s (%d/%d)", ContinuationHeading, i, n)
}

// emptyContinuation reports whether a journal entry is a continuation
// entry a shorter note emptied: it is not shown.
func emptyContinuation(e CompanyNote) bool {
	return strings.TrimSpace(e.Note) == "" && strings.HasPrefix(strings.TrimSpace(e.Name), ContinuationHeading)
}

// entryText is how a journal entry reads in the NOTE after its date:
// "title: text", "title" or "text"; "" for an entry that is not shown.
func entryText(e CompanyNote) string {
	if emptyContinuation(e) {
		return ""
	}
	text, title := strings.TrimSpace(e.Note), strings.TrimSpace(e.Name)
	switch {
	case title != "" && text != "":
		return title + ": " + text
	case title != "":
		return title
	}
	return text
}

// NoteState sums up what the PSA holds of a card's NOTE: the note and the
// texts of the journal entries, in any order, compared the way clients
// keep text (line ends and trailing blanks aside). Ids and times are left
// out: the PSA's answer to psadav's own write gives an entry both.
func NoteState(note string, journal []CompanyNote) string {
	entries := make([]string, 0, len(journal))
	for _, e := range journal {
		entries = append(entries, normText(e.Name)+"\x1f"+normText(e.Note))
	}
	sort.Strings(entries)
	h := sha256.New()
	h.Write([]byte(normText(note)))
	for _, e := range entries {
		h.Write([]byte{0x1e})
		h.Write([]byte(e))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// KeptNote is the NOTE a card's client wrote, as kept for it.
type KeptNote struct {
	Field *vcard.Field // the NOTE as the client sent it
	Base  string       // NoteState when it was written
	// Continuation are the card's continuation entries in order: storage
	// row ids in what is kept, journal entry ids (CompanyNote.ID) in a
	// ContactWrite.
	Continuation []int64
}

// ReadKeptNote reads the NOTE state kept for a card; nil when there is
// none (or what is kept cannot be read: the PSA's rendering is served).
func ReadKeptNote(data string) *KeptNote {
	kept, err := DecodeKeptCard(data)
	if err != nil {
		return nil
	}
	return keptNoteOf(kept)
}

func keptNoteOf(kept vcard.Card) *KeptNote {
	base := strings.TrimSpace(kept.Value(PropNoteBase))
	note := kept.Get(vcard.FieldNote)
	if base == "" || note == nil {
		return nil
	}
	k := &KeptNote{Field: note, Base: base}
	for _, s := range strings.Split(kept.Value(PropNoteJournal), ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			k.Continuation = append(k.Continuation, id)
		}
	}
	return k
}

// SetKeptContinuation records a card's continuation entries (storage row
// ids, in order) in its kept properties.
func SetKeptContinuation(kept vcard.Card, ids []int64) {
	delete(kept, PropNoteJournal)
	if len(ids) == 0 || kept.Get(PropNoteBase) == nil {
		return
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	kept.SetValue(PropNoteJournal, strings.Join(s, ","))
}

// JournalSlot is one of a card's continuation entries after a write.
type JournalSlot struct {
	ID         int64 // the journal entry (CompanyNote.ID); 0 for a new one
	Name, Note string
	// Changed lists the CompanyNotes fields the write changes ("name",
	// "note"): empty when the entry stays as it is.
	Changed []string
}

// noteNorm is a NOTE's text as the rules read it: LF line ends, no
// surrounding white space.
func noteNorm(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// note maps NOTE to the contact's note and the card's continuation
// entries (see the top of this file).
func (a *applier) note() {
	c := a.w.Card
	text := noteNorm(c.Note)
	if a.w.Fill && text == "" {
		return // a linked card without a NOTE leaves the note as it is
	}
	var journal []CompanyNote
	if v := a.w.Current; v != nil {
		journal = v.Journal
	}
	slots, shown := a.noteShown(journal)
	if text != "" {
		for i, e := range journal {
			b := noteNorm(entryText(e))
			if slots[i] || b == "" || !strings.Contains(shown, b) {
				continue
			}
			var ok bool
			if text, ok = cutEntry(text, b); !ok {
				a.block("NOTE")
				a.noteBlocked = true
				return
			}
		}
	}
	head, parts := SplitText(text, a.w.Schema.MaxLength(EntityContacts, "note"), a.w.Schema.MaxLength(EntityCompanyNotes, "note"))
	a.set(&a.next.Note, head)
	a.slots = continuation(journal, slotOrder(a.w.KeptNote, journal, slots), parts)
	// The client's own text is kept while it is spread over the note and
	// the journal; otherwise the PSA's rendering says the same.
	if c.HasNote && text != "" && len(a.slots) > 0 {
		a.noteField = c.NoteField
	}
}

// noteShown is what the client was shown as NOTE, LF line ends: its own
// text while the PSA holds what it stood for, else the PSA's rendering;
// and, in the first case, the card's continuation entries (by index in
// journal), which it was not shown as journal entries.
func (a *applier) noteShown(journal []CompanyNote) (map[int]bool, string) {
	v := a.w.Current
	if v == nil {
		return nil, ""
	}
	k := a.w.KeptNote
	if k == nil || k.Field == nil || k.Base != NoteState(v.Contact.Note, journal) {
		return nil, noteNorm(ContactNote(v.Contact.Note, journal))
	}
	slots := map[int]bool{}
	for i, e := range journal {
		for _, id := range k.Continuation {
			if e.ID == id && id != 0 {
				slots[i] = true
			}
		}
	}
	return slots, noteNorm(k.Field.Value)
}

// slotOrder lists the continuation entries (indexes in journal) in the
// card's order.
func slotOrder(k *KeptNote, journal []CompanyNote, slots map[int]bool) []int {
	var out []int
	if k == nil {
		return nil
	}
	for _, id := range k.Continuation {
		for i, e := range journal {
			if slots[i] && e.ID == id {
				out = append(out, i)
			}
		}
	}
	return out
}

// cutEntry takes a journal entry's text (b, entryText) out of a NOTE,
// with the date psadav writes before it and one separating line end; ok
// is false when the NOTE does not hold it.
func cutEntry(text, b string) (string, bool) {
	i := strings.Index(text, b)
	if i < 0 {
		return text, false
	}
	before, after := text[:i], text[i+len(b):]
	if n := len("2006-01-02 "); len(before) >= n && isDatePrefix(before[len(before)-n:]) {
		before = before[:len(before)-n]
	}
	switch {
	case strings.HasSuffix(before, "\n\n"):
		before = before[:len(before)-2]
	case strings.HasPrefix(after, "\n\n"):
		after = after[2:]
	}
	return strings.TrimSpace(before + after), true
}

// isDatePrefix reports whether s is "YYYY-MM-DD ", the date ContactNote
// writes before an entry.
func isDatePrefix(s string) bool {
	for i, r := range s {
		switch {
		case i == 4 || i == 7:
			if r != '-' {
				return false
			}
		case i == 10:
			if r != ' ' {
				return false
			}
		case r < '0' || r > '9':
			return false
		}
	}
	return len(s) == 11
}

// continuation pairs the parts of a note beyond its field with the card's
// continuation entries (order, indexes in journal): an entry keeps its
// place and is rewritten only where its text changes, entries the parts
// no longer need are emptied, and parts without an entry get new ones.
func continuation(journal []CompanyNote, order []int, parts []string) []JournalSlot {
	var out []JournalSlot
	for i := 0; i < max(len(order), len(parts)); i++ {
		s := JournalSlot{Name: ContinuationHeading}
		if i < len(parts) {
			s.Name, s.Note = continuationName(i+1, len(parts)), parts[i]
		}
		if i >= len(order) {
			s.Changed = []string{"name", "note"}
			out = append(out, s)
			continue
		}
		e := journal[order[i]]
		s.ID = e.ID
		if strings.TrimSpace(e.Name) != s.Name {
			s.Changed = append(s.Changed, "name")
		}
		if normText(e.Note) != normText(s.Note) {
			s.Changed = append(s.Changed, "note")
		}
		out = append(out, s)
	}
	return out
}

// journalAfter is the contact's journal once slots are written.
func journalAfter(journal []CompanyNote, slots []JournalSlot) []CompanyNote {
	out := append([]CompanyNote(nil), journal...)
	for _, s := range slots {
		if s.ID == 0 {
			out = append(out, CompanyNote{Name: s.Name, Note: s.Note})
			continue
		}
		for i := range out {
			if out[i].ID == s.ID {
				out[i].Name, out[i].Note = s.Name, s.Note
			}
		}
	}
	return out
}

// keptNote adds the client's NOTE and the state it stands for to what the
// card keeps.
func (a *applier) keptNote(out vcard.Card) {
	if a.noteField == nil {
		return
	}
	var journal []CompanyNote
	if v := a.w.Current; v != nil {
		journal = v.Journal
	}
	out[vcard.FieldNote] = append([]*vcard.Field{a.noteField}, a.w.Card.Kept[vcard.FieldNote]...)
	out.SetValue(PropNoteBase, NoteState(a.next.Note, journalAfter(journal, a.slots)))
}
