package mapping

import (
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
)

// edited renders a view, lets edit change the card, and reads it back the
// way a client's PUT arrives.
func edited(t *testing.T, v ContactView, version string, edit func(c vcard.Card)) *ContactCard {
	t.Helper()
	card := ConvertCard(RenderContact(v), version)
	edit(card)
	c, err := ReadContactCard(EncodeCard(card))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func apply(v *ContactView, c *ContactCard, editable, strict bool) (ContactResult, error) {
	w := ContactWrite{Card: c, Current: v, Schema: testSchema(), Countries: []Country{germany}, Editable: editable, Strict: strict}
	if v != nil {
		w.Company = v.Company
	}
	return ApplyContactCard(w)
}

func refusal(t *testing.T, err error, code RefusalCode) *Refusal {
	t.Helper()
	var r *Refusal
	if !errors.As(err, &r) || r.Code != code {
		t.Fatalf("got %v, want a refusal with code %d", err, code)
	}
	return r
}

// psa-master: PSA fields do not change; what the PSA cannot hold is kept.
func TestPSAMasterDiscardsAndKeeps(t *testing.T) {
	v := goldenViews()["full"]
	c := edited(t, v, "3.0", func(c vcard.Card) {
		c.SetValue("TITLE", "Chief Everything")
		c.Add("TEL", &vcard.Field{Value: "+49 89 777", Params: vcard.Params{"TYPE": {"HOME"}}})
		c.Add("BDAY", &vcard.Field{Value: "1979-11-02"})
	})
	res, err := apply(&v, c, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 0 || res.Contact.Title != v.Contact.Title || strings.Join(res.Discarded, ",") != "TITLE" {
		t.Fatalf("changed %v discarded %v title %q", res.Changed, res.Discarded, res.Contact.Title)
	}
	if len(res.Kept["TEL"]) != 1 || len(res.Kept["BDAY"]) != 1 || len(res.Kept) != 2 {
		t.Fatalf("kept %v", keysOf(res.Kept))
	}
	// strict: refused, naming the property.
	_, err = apply(&v, c, false, true)
	if r := refusal(t, err, RefuseReadOnlyField); strings.Join(r.Fields, ",") != "TITLE" {
		t.Fatalf("strict refusal names %v", r.Fields)
	}
}

func TestTwoWayChangesMappedFields(t *testing.T) {
	v := goldenViews()["full"]
	c := edited(t, v, "4.0", func(c vcard.Card) {
		c.SetValue("TITLE", "CIO")
		for _, f := range c["TEL"] {
			if strings.Contains(f.Value, "171") {
				f.Value = "tel:+49-171-9999999"
			}
		}
	})
	res, err := apply(&v, c, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Changed, ",") != "title,mobilePhone" || res.Contact.Title != "CIO" || res.Contact.MobilePhone != "+49-171-9999999" {
		t.Fatalf("changed %v contact %+v", res.Changed, res.Contact)
	}
	p := ContactPayload(&res.Contact, res.Changed)
	if len(p) != 2 || p["title"] != "CIO" {
		t.Fatalf("payload %v", p)
	}
}

func TestORGIsFixedAtCreation(t *testing.T) {
	v := goldenViews()["full"]
	c := edited(t, v, "3.0", func(c vcard.Card) { c.SetValue("ORG", "Globex") })
	res, err := apply(&v, c, true, false)
	if err != nil || strings.Join(res.Discarded, ",") != "ORG" || len(res.Changed) != 0 || len(res.Kept) != 0 {
		t.Fatalf("lenient: %v discarded %v kept %v", err, res.Discarded, keysOf(res.Kept))
	}
	_, err = apply(&v, c, true, true)
	if r := refusal(t, err, RefuseReadOnlyField); !strings.Contains(r.Message, "company is fixed") || r.Fields[0] != "ORG" {
		t.Fatalf("strict: %+v", r)
	}
	// The ORG text a user's own card shows (kept) is theirs to change.
	w := ContactWrite{Card: c, Current: &v, Company: v.Company, KeptOrg: true, Schema: testSchema(), Countries: []Country{germany}, Strict: true}
	res, err = ApplyContactCard(w)
	if err != nil || len(res.Kept["ORG"]) != 1 || res.Kept["ORG"][0].Value != "Globex" {
		t.Fatalf("kept ORG: %v %v", err, res.Kept["ORG"])
	}
}

// Over-long values are refused with the property and the limit, never
// truncated, whatever the policy; a value the PSA already has is not.
func TestLimitsAreRefused(t *testing.T) {
	v := goldenViews()["full"]
	long := strings.Repeat("x", 300)
	for _, editable := range []bool{false, true} {
		_, err := apply(&v, edited(t, v, "3.0", func(c vcard.Card) { c.SetValue("TITLE", long) }), editable, false)
		r := refusal(t, err, RefuseTooLong)
		if r.Fields[0] != "TITLE" || r.Limit != 50 || !strings.Contains(r.Message, "TITLE") || !strings.Contains(r.Message, "50") {
			t.Fatalf("refusal %+v", r)
		}
	}
	_, err := apply(nil, edited(t, v, "3.0", func(c vcard.Card) { c["TEL"][0].Value = "+49 89 123456 x12345678901" }), true, false)
	if r := refusal(t, err, RefuseTooLong); r.Fields[0] != "TEL" || r.Limit != 10 {
		t.Fatalf("extension refusal %+v", r)
	}
	// The PSA's tenant allowed a longer title than the schema says: sending
	// it back unchanged is fine.
	w := v
	w.Contact.Title = strings.Repeat("t", 60)
	if _, err := apply(&w, edited(t, w, "3.0", func(vcard.Card) {}), false, true); err != nil {
		t.Fatalf("unchanged over-long value refused: %v", err)
	}
}

func TestCountryResolution(t *testing.T) {
	v := goldenViews()["bare"]
	countries := []Country{{ID: 1, CountryCode: "DE", Name: "Germany", DisplayName: "Deutschland", IsActive: true},
		{ID: 2, CountryCode: "AT", Name: "Austria", DisplayName: "Österreich", IsActive: true}}
	for text, want := range map[string]int64{"de": 1, "GERMANY": 1, "deutschland": 1, "AT": 2, "österreich": 2} {
		c := edited(t, v, "3.0", func(c vcard.Card) {
			c.Add("ADR", &vcard.Field{Value: ";;Str. 1;Wien;;1010;" + text, Params: vcard.Params{"TYPE": {"WORK"}}})
		})
		res, err := ApplyContactCard(ContactWrite{Card: c, Schema: testSchema(), Countries: countries, Editable: true})
		if err != nil || res.Contact.CountryID == nil || *res.Contact.CountryID != want {
			t.Errorf("%q: %v %v", text, err, res.Contact.CountryID)
		}
	}
	c := edited(t, v, "3.0", func(c vcard.Card) {
		c.Add("ADR", &vcard.Field{Value: ";;Str. 1;Atlantis;;1;Atlantis", Params: vcard.Params{"TYPE": {"WORK"}}})
	})
	_, err := ApplyContactCard(ContactWrite{Card: c, Schema: testSchema(), Countries: countries, Editable: true})
	if r := refusal(t, err, RefuseUnknownCountry); r.Fields[0] != "ADR" || !strings.Contains(r.Message, "Atlantis") {
		t.Fatalf("%+v", r)
	}
}

func TestNames(t *testing.T) {
	read := func(body string) *ContactCard {
		c, err := ReadContactCard([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\n" + body + "END:VCARD\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := read("FN:Mary Ann Smith\r\n")
	if c.First != "Mary Ann" || c.Last != "Smith" {
		t.Fatalf("FN split: %q %q", c.First, c.Last)
	}
	_, err := ApplyContactCard(ContactWrite{Card: read("ORG:Acme\r\nEMAIL:a@b.example\r\n"), Schema: testSchema(), Editable: true})
	refusal(t, err, RefuseMissing)
	_, err = ApplyContactCard(ContactWrite{Card: read("FN:Plumber\r\n"), Schema: testSchema(), Editable: true})
	if r := refusal(t, err, RefuseMissing); r.Fields[0] != "N" {
		t.Fatalf("one-word name: %+v", r)
	}
	res, err := ApplyContactCard(ContactWrite{Card: read("N:Doe;Pat;;Prof.;\r\n"), Schema: testSchema(), Editable: true})
	if err != nil || res.Contact.NamePrefix != nil {
		t.Fatalf("unknown prefix label is dropped: %v %v", err, res.Contact.NamePrefix)
	}
}

func TestNoteAndJournal(t *testing.T) {
	v := goldenViews()["full"]
	journal := ContactNote("", v.Journal)
	c := edited(t, v, "3.0", func(c vcard.Card) { c.SetValue("NOTE", "New note\n\n"+journal) })
	res, err := apply(&v, c, true, true)
	if err != nil || res.Contact.Note != "New note" || strings.Join(res.Changed, ",") != "note" {
		t.Fatalf("note edit: %v %q %v", err, res.Contact.Note, res.Changed)
	}
	c = edited(t, v, "3.0", func(c vcard.Card) { c.SetValue("NOTE", "Rewritten history") })
	res, err = apply(&v, c, true, false)
	if err != nil || res.Contact.Note != v.Contact.Note || strings.Join(res.Discarded, ",") != "NOTE" {
		t.Fatalf("journal edit: %v %q %v", err, res.Contact.Note, res.Discarded)
	}
	_, err = apply(&v, c, true, true)
	refusal(t, err, RefuseReadOnlyField)
}

func TestPhotoRules(t *testing.T) {
	v := goldenViews()["full"] // has a PSA photo
	other := strings.Replace(tinyJPEG, "AAAA", "BBBB", 1)
	c := edited(t, v, "3.0", func(c vcard.Card) { c["PHOTO"][0].Value = other })
	res, err := apply(&v, c, true, false)
	if err != nil || strings.Join(res.Discarded, ",") != "PHOTO" || len(res.Kept) != 0 {
		t.Fatalf("PSA photo: %v %v %v", err, res.Discarded, keysOf(res.Kept))
	}
	bare := goldenViews()["bare"]
	c = edited(t, bare, "3.0", func(c vcard.Card) {
		c.Add("PHOTO", &vcard.Field{Value: other, Params: vcard.Params{"ENCODING": {"b"}, "TYPE": {"JPEG"}}})
	})
	res, err = apply(&bare, c, false, true)
	if err != nil || len(res.Kept["PHOTO"]) != 1 {
		t.Fatalf("photo for a contact without one: %v %v", err, keysOf(res.Kept))
	}
}

// Linking a card to an existing contact fills: what the card lacks keeps
// the PSA's value.
func TestFillKeepsWhatTheCardLacks(t *testing.T) {
	v := goldenViews()["full"]
	c, err := ReadContactCard([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Schmidt;Anna;;;\r\nORG:Acme\\; Sons\\, Ltd\r\nTITLE:CIO\r\nEND:VCARD\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ApplyContactCard(ContactWrite{Card: c, Current: &v, Company: v.Company, Schema: testSchema(), Countries: []Country{germany}, Editable: true, Fill: true, Strict: true})
	if err != nil || strings.Join(res.Changed, ",") != "title" || res.Contact.Phone != v.Contact.Phone || res.Contact.MiddleInitial != "M" {
		t.Fatalf("fill: %v changed %v contact %+v", err, res.Changed, res.Contact)
	}
}

func TestParseUID(t *testing.T) {
	for uid, want := range map[string]int64{"psadav-contact-12": 12, "psadav-contact-local-5": -5, "psadav-contact-0": 0} {
		if id, ok := ParseUID(KindContact, uid); !ok || id != want {
			t.Errorf("ParseUID(%q) = %d, %v", uid, id, ok)
		}
	}
	for _, uid := range []string{"psadav-contact-", "psadav-contact--3", "psadav-contact-local-0", "psadav-todo-3", "psadav-contact-012", "abc"} {
		if _, ok := ParseUID(KindContact, uid); ok {
			t.Errorf("ParseUID(%q) accepted", uid)
		}
	}
}
