package mapping

import (
	"fmt"
	"strings"

	"github.com/emersion/go-vcard"
)

// Kept properties are what a client sent that the PSA has no field for
// (home phone, birthday, labels, X- properties, …). They are stored per
// user and merged into that user's card on every render, so nothing a
// client wrote is lost. They are stored as a vCard 3.0 body holding only
// those properties.

// keptOverride lists properties whose kept value replaces the rendered one
// (an ORG naming no PSA company, kept for the user who wrote it).
var keptOverride = map[string]bool{"ORG": true}

// keptNeverMerged lists properties the PSA rendering always owns.
var keptNeverMerged = map[string]bool{
	"VERSION": true, "PRODID": true, "UID": true, "REV": true, "N": true, "FN": true,
	PropContactID: true, PropCompanyID: true, PropNoteBase: true, PropNoteJournal: true,
}

// EncodeKeptCard stores kept properties; "" when there are none.
func EncodeKeptCard(kept vcard.Card) string {
	if len(kept) == 0 {
		return ""
	}
	c := copyCard(kept)
	c.SetValue(vcard.FieldVersion, "3.0")
	return string(EncodeCard(c))
}

// DecodeKeptCard reads what EncodeKeptCard stored.
func DecodeKeptCard(data string) (vcard.Card, error) {
	if data == "" {
		return vcard.Card{}, nil
	}
	c, err := DecodeCard([]byte(data))
	if err != nil {
		return nil, fmt.Errorf("kept properties: %w", err)
	}
	delete(c, vcard.FieldVersion)
	return c, nil
}

// MergeKeptCard folds a user's kept properties into a rendered card body.
// A kept property the rendering also has is added beside it, except that
// a single-valued rendered property (PHOTO, NOTE, TITLE …) wins and ORG is
// replaced by the kept one. A kept NOTE state is never served: see
// CardMerger.
func MergeKeptCard(body []byte, data string) ([]byte, error) {
	return CardMerger{}.Merge(body, data)
}

// CardMerger merges kept properties into the card of a contact whose NOTE
// state (NoteState of its note and journal now) NoteState tells: a NOTE
// the user's client wrote replaces the rendered one while the PSA still
// holds what it stood for (contact_note.go). NoteState is called only for
// a card with a kept NOTE; nil: no kept NOTE is served.
type CardMerger struct {
	NoteState func() string
}

// Merge is MergeKeptCard for the contact.
func (m CardMerger) Merge(body []byte, data string) ([]byte, error) {
	kept, err := DecodeKeptCard(data)
	if err != nil || len(kept) == 0 {
		return body, err
	}
	card, err := DecodeCard(body)
	if err != nil {
		return nil, err
	}
	if k := keptNoteOf(kept); k != nil {
		if m.NoteState != nil && k.Base == m.NoteState() {
			card[vcard.FieldNote] = kept[vcard.FieldNote]
			delete(kept, vcard.FieldNote)
		} else if notes := kept[vcard.FieldNote][1:]; len(notes) > 0 {
			kept[vcard.FieldNote] = notes
		} else {
			delete(kept, vcard.FieldNote)
		}
	}
	for name, fields := range kept {
		switch {
		case keptNeverMerged[name]:
		case keptOverride[name]:
			card[name] = fields
		case singleValued[name] && len(card[name]) > 0:
		default:
			card[name] = append(card[name], fields...)
		}
	}
	return EncodeCard(card), nil
}

// MergeKeptCardAs is MergeKeptCard for a card its client holds under a
// UID of its own: a card linked to a PSA contact by the duplicate rule
// keeps the UID its client gave it (RFC 6352 §5.1), whatever UID the
// contact's other cards have.
func MergeKeptCardAs(body []byte, uid, data string) ([]byte, error) {
	return CardMerger{}.MergeAs(body, uid, data)
}

// MergeAs is MergeKeptCardAs for the contact.
func (m CardMerger) MergeAs(body []byte, uid, data string) ([]byte, error) {
	merged, err := m.Merge(body, data)
	if err != nil {
		return nil, err
	}
	card, err := DecodeCard(merged)
	if err != nil {
		return nil, err
	}
	if card.Value(vcard.FieldUID) == uid {
		return merged, nil
	}
	card.SetValue(vcard.FieldUID, uid)
	return EncodeCard(card), nil
}

// singleValued properties appear at most once in a card as psadav renders it.
var singleValued = map[string]bool{
	"PHOTO": true, "NOTE": true, "TITLE": true, "BDAY": true, "ANNIVERSARY": true, "GENDER": true,
	"KIND": true, "X-ADDRESSBOOKSERVER-KIND": true,
}

// KeptOrg is the company name of an ORG kept for a user ("" when none):
// the user's own ORG text where psadav could not match a PSA company.
func KeptOrg(data string) string {
	kept, err := DecodeKeptCard(data)
	if err != nil {
		return ""
	}
	if org := kept.Get(vcard.FieldOrganization); org != nil {
		return strings.TrimSpace(Component(org.Value, 0))
	}
	return ""
}
