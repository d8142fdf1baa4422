package mapping

import (
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
)

const phoneNote = "Met at the MSP summit in Berlin. Wants managed backup for three sites and a call back in Q3 about pricing."

// noteCard is the view's card with NOTE set, as its client sends it.
func noteCard(t *testing.T, v ContactView, note string) *ContactCard {
	t.Helper()
	return edited(t, v, "3.0", func(c vcard.Card) { c.SetValue("NOTE", note) })
}

// A long NOTE over a contact with a journal: the journal the client was
// shown is taken out, the start of the rest is the note, the remainder one
// new continuation entry; the client's NOTE is kept with the state it
// stands for. Sent again over that state it changes nothing; an edit of its
// end changes only the entry.
func TestLongNoteApply(t *testing.T) {
	v := goldenViews()["full"]
	shownJournal := ContactNote("", v.Journal)
	sent := phoneNote + "\n\n" + shownJournal
	res, err := apply(&v, noteCard(t, v, sent), true, false)
	if err != nil {
		t.Fatal(err)
	}
	head := res.Contact.Note
	if PSALength(head) > 50 || !strings.HasPrefix(phoneNote, head) || slices.Index(res.Changed, "note") < 0 {
		t.Fatalf("note %q, changed %v", head, res.Changed)
	}
	rest := strings.TrimSpace(phoneNote[len(head):])
	if len(res.Continuation) != 1 {
		t.Fatalf("continuation %+v", res.Continuation)
	}
	if s := res.Continuation[0]; s.ID != 0 || s.Name != ContinuationHeading || s.Note != rest || strings.Join(s.Changed, ",") != "name,note" {
		t.Fatalf("continuation %+v", s)
	}
	if res.NoteCut != PSALength(head) {
		t.Fatalf("NoteCut %d", res.NoteCut)
	}
	k := keptNoteOf(res.Kept)
	if k == nil || k.Field.Value != sent {
		t.Fatalf("kept %v", keysOf(res.Kept))
	}

	// The state after the write, as storage has it: the entry has a local id.
	after := v
	after.Contact.Note = head
	after.Journal = append(append([]CompanyNote(nil), v.Journal...), CompanyNote{ID: -5, CompanyID: 174, Name: ContinuationHeading, Note: rest})
	if k.Base != NoteState(after.Contact.Note, after.Journal) {
		t.Fatal("the kept base is not the state after the write")
	}
	k.Continuation = []int64{-5}
	again := func(note string) ContactResult {
		t.Helper()
		w := ContactWrite{Card: noteCard(t, after, note), Current: &after, Company: after.Company, Schema: testSchema(),
			Countries: []Country{germany}, Editable: true, KeptNote: k}
		res, err := ApplyContactCard(w)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res = again(sent)
	if len(res.Changed) != 0 || len(res.Continuation) != 1 || res.Continuation[0].ID != -5 || len(res.Continuation[0].Changed) != 0 {
		t.Fatalf("the same NOTE again: changed %v, continuation %+v", res.Changed, res.Continuation)
	}
	res = again(phoneNote + " Also VoIP.\n\n" + shownJournal)
	if len(res.Changed) != 0 || res.Continuation[0].ID != -5 || strings.Join(res.Continuation[0].Changed, ",") != "note" ||
		res.Continuation[0].Note != rest+" Also VoIP." {
		t.Fatalf("an edit of the end: changed %v, continuation %+v", res.Changed, res.Continuation)
	}
	// Shorter: the note changes, the entry is emptied and stays the card's.
	res = again("Call first.\n\n" + shownJournal)
	if res.Contact.Note != "Call first." || len(res.Continuation) != 1 || res.Continuation[0].Note != "" || res.Continuation[0].ID != -5 {
		t.Fatalf("a shorter NOTE: %q %+v", res.Contact.Note, res.Continuation)
	}
}

// A NOTE whose journal part the client changed rewrites history: it is
// discarded, or refused in strict mode, whatever its length.
func TestLongNoteHistory(t *testing.T) {
	v := goldenViews()["full"]
	edited := strings.Replace(ContactNote("", v.Journal), "firewall", "router", 1)
	for _, strict := range []bool{false, true} {
		res, err := apply(&v, noteCard(t, v, phoneNote+"\n\n"+edited), true, strict)
		if strict {
			refusal(t, err, RefuseReadOnlyField)
			continue
		}
		if err != nil || res.Contact.Note != v.Contact.Note || len(res.Continuation) != 0 || strings.Join(res.Discarded, ",") != "NOTE" ||
			res.Kept[vcard.FieldNote] != nil {
			t.Fatalf("%v %q %+v %v", err, res.Contact.Note, res.Continuation, res.Discarded)
		}
	}
	// psa-master: a long NOTE is discarded like any change, not refused
	// for its length; strict refuses it as read-only.
	res, err := apply(&v, noteCard(t, v, phoneNote+"\n\n"+ContactNote("", v.Journal)), false, false)
	if err != nil || res.Contact.Note != v.Contact.Note || len(res.Continuation) != 0 || strings.Join(res.Discarded, ",") != "NOTE" {
		t.Fatalf("psa-master: %v %+v %v", err, res.Continuation, res.Discarded)
	}
	_, err = apply(&v, noteCard(t, v, phoneNote+"\n\n"+ContactNote("", v.Journal)), false, true)
	if r := refusal(t, err, RefuseReadOnlyField); strings.Join(r.Fields, ",") != "NOTE" {
		t.Fatalf("%+v", r)
	}
}

// NoteState changes with the texts, not with ids, times, order or line
// ends: the PSA's echo of psadav's own write is no change.
func TestNoteState(t *testing.T) {
	j := []CompanyNote{{ID: -5, Name: "Note, continued", Note: "rest of it"}, {ID: 7, Name: "Call", Note: "Asked\nfor a quote"}}
	echo := []CompanyNote{{ID: 7, Name: "Call", Note: "Asked\r\nfor a quote "}, {ID: 9001, Name: "Note, continued", Note: "rest of it",
		CreateDateTime: at("2026-05-01T00:00:00Z")}}
	if NoteState("Short", j) != NoteState("Short ", echo) {
		t.Fatal("the echo changed the state")
	}
	for _, other := range [][]CompanyNote{j[:1], append(j, CompanyNote{Note: "new"}), {{Name: "Note, continued", Note: "rest of it!"}, j[1]}} {
		if NoteState("Short", j) == NoteState("Short", other) {
			t.Fatalf("a changed journal has the same state: %+v", other)
		}
	}
	if NoteState("Short", j) == NoteState("Longer", j) {
		t.Fatal("a changed note has the same state")
	}
}

// The kept NOTE is served while the state it stood for holds, the PSA's
// rendering once it does not; psadav's own properties never reach a
// client, and a client cannot plant them.
func TestCardMergerNote(t *testing.T) {
	v := goldenViews()["bare"]
	v.Contact.Note = "Short"
	v.Journal = []CompanyNote{{ID: -5, Name: ContinuationHeading, Note: "and the rest", CreateDateTime: at("2026-05-01T08:00:00Z")}}
	body := EncodeCard(RenderContact(v))
	kept := vcard.Card{}
	kept.SetValue(vcard.FieldNote, "Short and the rest")
	kept.SetValue(PropNoteBase, NoteState(v.Contact.Note, v.Journal))
	SetKeptContinuation(kept, []int64{41})
	kept.SetValue("BDAY", "1980-01-02")
	data := EncodeKeptCard(kept)
	state := func(note string) func() string { return func() string { return NoteState(note, v.Journal) } }
	for _, c := range []struct {
		m    CardMerger
		want string
	}{
		{CardMerger{NoteState: state("Short")}, "Short and the rest"},
		{CardMerger{NoteState: state("Changed")}, "Short\n\n2026-05-01 " + ContinuationHeading + ": and the rest"},
		{CardMerger{}, "Short\n\n2026-05-01 " + ContinuationHeading + ": and the rest"},
	} {
		out, err := c.m.Merge(body, data)
		if err != nil {
			t.Fatal(err)
		}
		card, _ := DecodeCard(out)
		if got := card.Value(vcard.FieldNote); got != c.want || len(card[vcard.FieldNote]) != 1 || card.Value("BDAY") != "1980-01-02" {
			t.Errorf("NOTE %q, want %q", got, c.want)
		}
		if strings.Contains(string(out), "X-PSADAV") {
			t.Errorf("psadav's own properties served:\n%s", out)
		}
	}
	// An emptied continuation entry is not shown.
	v.Journal[0].Note = ""
	if got := ContactNote(v.Contact.Note, v.Journal); got != "Short" {
		t.Fatalf("ContactNote = %q", got)
	}
	planted := noteCard(t, v, "x")
	planted2, err := ReadContactCard([]byte(strings.Replace(string(EncodeCard(RenderContact(v))), "END:VCARD",
		PropNoteBase+":"+NoteState("Short", v.Journal)+"\r\n"+PropNoteJournal+":1,2,3\r\nEND:VCARD", 1)))
	if err != nil || planted.Kept[PropNoteBase] != nil || planted2.Kept[PropNoteBase] != nil || planted2.Kept[PropNoteJournal] != nil {
		t.Fatalf("a client's %s was kept: %v", PropNoteBase, err)
	}
}
