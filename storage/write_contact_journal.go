package storage

import (
	"context"
	"fmt"

	"github.com/psadav/psadav/mapping"
)

// A card's NOTE beyond the contact's note field goes to the contact's
// journal as the card's continuation entries (mapping/contact_note.go
// decides; README: Contacts, "What a client writes"). Here they are
// carried out: each created or changed entry is a CompanyNotes row and
// an outbox entry (one more PSA write, counted by the write budget like
// any other), and the card keeps the client's NOTE with the entries' row
// ids, which, unlike their PSA ids, never change.

// keptNoteRefs reads the NOTE state kept for a card, its continuation
// entries named by journal entry id (a PSA id, or a new entry's negative
// local id) as the rules read them; refs maps those ids back to rows.
// Entries that are gone are left out.
func (t *Tx) keptNoteRefs(ctx context.Context, kept string) (k *mapping.KeptNote, refs map[int64]int64, err error) {
	k = mapping.ReadKeptNote(kept)
	if k == nil {
		return nil, nil, nil
	}
	refs = map[int64]int64{}
	ids := k.Continuation[:0:0]
	for _, rid := range k.Continuation {
		row, err := t.loadRow(ctx, mapping.EntityCompanyNotes, rid)
		if err == ErrNotFound {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if env := row.envelope(); env.Live() {
			ids = append(ids, env.RefID())
			refs[env.RefID()] = rid
		}
	}
	k.Continuation = ids
	return k, refs, nil
}

// noteWrite is what a card's write does to the contact's journal.
type noteWrite struct {
	acct       Account
	contactRef int64 // the contact's id (a new contact's negative local id)
	companyRef int64
	res        *mapping.ContactResult
	refs       map[int64]int64 // journal entry id → row, from keptNoteRefs
	contactOut int64           // the contact's outbox entry of this write, 0 when none
	noteLimit  int
}

// writeContinuation creates and updates the card's continuation entries
// and records them in the card's kept properties (res.Kept).
func (t *Tx) writeContinuation(ctx context.Context, w noteWrite) error {
	res := w.res
	if len(res.Continuation) == 0 {
		return nil
	}
	rids := make([]int64, 0, len(res.Continuation))
	parts := 0
	for _, s := range res.Continuation {
		if s.Note != "" {
			parts++
		}
	}
	for i, s := range res.Continuation {
		rid, out, err := t.writeSlot(ctx, w, s)
		if err != nil {
			return err
		}
		rids = append(rids, rid)
		if out == 0 {
			continue
		}
		msg := fmt.Sprintf("the card's NOTE was longer than the contact's note field (%d characters): this journal entry holds part %d of %d of the rest", w.noteLimit, i+1, parts)
		if s.Note == "" {
			msg = "the card's NOTE no longer needs this continuation entry: its text is emptied (an empty continuation entry is not shown)"
		}
		if err := t.NoteOutbox(ctx, out, "decided", msg); err != nil {
			return err
		}
	}
	if w.contactOut != 0 && res.NoteCut > 0 {
		if err := t.NoteOutbox(ctx, w.contactOut, "decided", fmt.Sprintf(
			"NOTE is longer than the contact's note field (%d characters): the first %d are the note, the rest goes to the contact's journal as %d entries headed %q; the client keeps its whole NOTE",
			w.noteLimit, res.NoteCut, parts, mapping.ContinuationHeading)); err != nil {
			return err
		}
	}
	mapping.SetKeptContinuation(res.Kept, rids)
	return nil
}

// writeSlot creates or updates one continuation entry; it returns its row
// and its outbox entry (0 when it stays as it is).
func (t *Tx) writeSlot(ctx context.Context, w noteWrite, s mapping.JournalSlot) (rid, out int64, err error) {
	acct := w.acct
	if s.ID == 0 {
		// No times until the PSA gives them: a time of psadav's would
		// change the card's REV, and the client that wrote the NOTE
		// would read the card back for nothing (no ETag on its PUT).
		n := mapping.CompanyNote{CompanyID: w.companyRef, ContactID: &w.contactRef, Name: s.Name, Note: s.Note}
		if rid, err = t.InsertClient(ctx, mapping.EntityCompanyNotes, &n, acct.ID, ""); err != nil {
			return 0, 0, err
		}
		out, err = t.Enqueue(ctx, mapping.EntityCompanyNotes, rid, OpCreate, map[string]any{
			"companyID": w.companyRef, "contactID": w.contactRef, "name": s.Name, "note": s.Note,
		}, &acct.ID, acct.ResourceID)
		return rid, out, err
	}
	rid, ok := w.refs[s.ID]
	if !ok {
		return 0, 0, fmt.Errorf("storage: continuation entry %d of a card is not one of its rows", s.ID)
	}
	if len(s.Changed) == 0 {
		return rid, 0, nil
	}
	rec, _, err := t.Record(ctx, mapping.EntityCompanyNotes, rid)
	if err != nil {
		return 0, 0, err
	}
	n := rec.(*mapping.CompanyNote)
	fields := map[string]any{}
	for _, f := range s.Changed {
		switch f {
		case "name":
			n.Name, fields["name"] = s.Name, s.Name
		case "note":
			n.Note, fields["note"] = s.Note, s.Note
		}
	}
	if err := t.UpdateFromClient(ctx, mapping.EntityCompanyNotes, rid, n); err != nil {
		return 0, 0, err
	}
	out, err = t.Enqueue(ctx, mapping.EntityCompanyNotes, rid, OpUpdate, fields, &acct.ID, acct.ResourceID)
	return rid, out, err
}
