package mapping

import (
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-vcard"
)

// ContactWrite is a client's write of a contact card with what the
// write-back rules (docs/write-back.md, "Contacts") need.
type ContactWrite struct {
	Card    *ContactCard
	Current *ContactView // the contact as it is; nil when the client creates one
	Company *Company     // the company the contact is (or will be) filed under; nil when unknown
	// KeptOrg: the ORG this user sees is their own text, kept for them (a
	// company psadav could not match), not the company's name.
	KeptOrg   bool
	Schema    *Schema
	Countries []Country
	// Editable: changes to mapped fields go to the PSA (a create, the
	// two-way policy, or a contact the writing user created). Otherwise
	// the PSA is master and they are discarded, or refused when Strict.
	Editable bool
	Strict   bool
	// Fill: the card is being linked to an existing contact (duplicate
	// rule, or a UID naming it): values the card lacks keep the PSA's.
	Fill bool
	// KeptNote is the NOTE state kept for this card (contact_note.go), its
	// continuation entries as journal entry ids; nil when none.
	KeptNote *KeptNote
}

// ContactResult is what a write does to the PSA contact.
type ContactResult struct {
	Contact   Contact    // the record after the write
	Changed   []string   // Autotask fields whose value changes
	Discarded []string   // client properties whose changes were not applied
	Kept      vcard.Card // properties kept for the user
	// Continuation are the card's continuation entries after the write, in
	// order (contact_note.go): those with Changed fields are to be created
	// or updated in the PSA's journal. When Kept holds the NOTE state,
	// storage records the entries' row ids in it (SetKeptContinuation).
	Continuation []JournalSlot
	// NoteCut is the length (PSALength) of the NOTE text that went to the
	// note field when the rest went to the journal; 0 when it all fits.
	NoteCut int
}

// ApplyContactCard applies a client's card to a contact under the rules:
// a card without a name is refused; a changed value over a PSA limit is
// refused (never truncated), except the NOTE, whose rest beyond the note
// field goes to the journal (contact_note.go); an unknown country is
// refused; changes the rules do not allow (PSA fields under psa-master,
// the company, the journal's history, a PSA photo) are discarded, or
// refused in strict mode.
func ApplyContactCard(w ContactWrite) (ContactResult, error) {
	c := w.Card
	if !c.HasName() {
		return ContactResult{}, &Refusal{Code: RefuseMissing, Fields: []string{"N", "FN"},
			Message: "the card has no name: give it a first and last name (N) or a full name (FN)"}
	}
	a := applier{w: w}
	if w.Current != nil {
		a.cur = w.Current.Contact
	}
	a.next = a.cur
	if err := a.fields(); err != nil {
		return ContactResult{}, err
	}
	for _, f := range contactFields {
		if !f.equal(&a.cur, &a.next) {
			a.changed = append(a.changed, f.name)
		}
	}
	if err := a.validate(); err != nil {
		return ContactResult{}, err
	}
	if w.Current != nil && !w.Editable {
		if a.journalWrites() && !slices.Contains(a.changed, "note") {
			a.block("NOTE") // only the part beyond the note field changed
		}
		a.slots, a.noteField = nil, nil
		if len(a.changed) > 0 {
			a.block(props(a.changed)...)
			for _, name := range a.changed {
				f, _ := fieldByName(name)
				f.copy(&a.next, &a.cur)
			}
			a.changed = nil
		}
	}
	orgKept := a.org()
	keepPhoto := a.photo()
	if len(a.blocked) > 0 {
		r := ReadOnlyFields(a.blocked...)
		if a.orgBlocked {
			r.Message += " (a contact's company is fixed when it is created)"
		}
		return ContactResult{}, r
	}
	res := ContactResult{Contact: a.next, Changed: a.changed, Discarded: a.discarded, Kept: a.kept(orgKept, keepPhoto),
		Continuation: a.slots}
	if len(a.slots) > 0 && a.slots[0].Note != "" {
		res.NoteCut = PSALength(a.next.Note)
	}
	return res, nil
}

// journalWrites reports whether the NOTE creates or changes continuation
// entries.
func (a *applier) journalWrites() bool {
	for _, s := range a.slots {
		if len(s.Changed) > 0 {
			return true
		}
	}
	return false
}

type applier struct {
	w          ContactWrite
	cur, next  Contact
	changed    []string
	blocked    []string // strict: properties that may not change
	discarded  []string
	orgBlocked bool
	// The NOTE (contact_note.go): the card's continuation entries after
	// the write, the client's NOTE to keep for it, and whether the NOTE
	// changed the journal's history (and was blocked).
	slots       []JournalSlot
	noteField   *vcard.Field
	noteBlocked bool
}

// block records a change the rules do not allow: refused in strict mode,
// discarded otherwise.
func (a *applier) block(props ...string) {
	if a.w.Strict {
		a.blocked = append(a.blocked, props...)
	} else {
		a.discarded = append(a.discarded, props...)
	}
}

// set writes a card value over the current one (dst starts as the
// current value). Filling, an empty value changes nothing; nor does one
// that differs only in surrounding spaces.
func (a *applier) set(dst *string, v string) {
	if (v != "" || !a.w.Fill) && v != strings.TrimSpace(*dst) {
		*dst = v
	}
}

// fields writes the card's mapped values into next.
func (a *applier) fields() error {
	c, n := a.w.Card, &a.next
	a.set(&n.FirstName, c.First)
	a.set(&n.LastName, c.Last)
	a.set(&n.MiddleInitial, c.Middle)
	n.NamePrefix = a.label("namePrefix", c.Prefix, a.cur.NamePrefix)
	n.NameSuffix = a.label("nameSuffix", c.Suffix, a.cur.NameSuffix)
	a.set(&n.Title, c.Title)
	emails := [3]string{}
	copy(emails[:], c.Emails)
	for i, e := range []struct{ next, cur *string }{{&n.EmailAddress, &a.cur.EmailAddress},
		{&n.EmailAddress2, &a.cur.EmailAddress2}, {&n.EmailAddress3, &a.cur.EmailAddress3}} {
		a.set(e.next, emails[i])
		if strings.EqualFold(*e.next, *e.cur) {
			*e.next = *e.cur // addresses are case-insensitive
		}
	}
	a.set(&n.Phone, c.Phone)
	a.set(&n.Extension, c.Extension)
	a.set(&n.MobilePhone, c.Mobile)
	a.set(&n.FaxNumber, c.Fax)
	a.set(&n.AlternatePhone, c.Alternate)
	for _, p := range []struct{ next, cur *string }{{&n.Phone, &a.cur.Phone}, {&n.MobilePhone, &a.cur.MobilePhone},
		{&n.FaxNumber, &a.cur.FaxNumber}, {&n.AlternatePhone, &a.cur.AlternatePhone}} {
		if samePhone(*p.next, *p.cur) {
			*p.next = *p.cur // the same number, written another way (tel: URIs)
		}
	}
	ad := c.Address
	a.set(&n.AddressLine, ad.Line)
	a.set(&n.AddressLine1, ad.Line1)
	a.set(&n.AdditionalAddressInformation, ad.Additional)
	a.set(&n.City, ad.City)
	a.set(&n.State, ad.State)
	a.set(&n.ZipCode, ad.Zip)
	if err := a.country(); err != nil {
		return err
	}
	a.set(&n.FacebookURL, c.Facebook)
	a.set(&n.LinkedInURL, c.LinkedIn)
	a.set(&n.TwitterURL, c.Twitter)
	a.note()
	return nil
}

// label maps a name prefix or suffix to its picklist code. An unchanged
// label keeps its code; a label the PSA does not know is dropped.
func (a *applier) label(field, label string, cur *int64) *int64 {
	if label == "" {
		if a.w.Fill {
			return cur
		}
		return nil
	}
	if cur != nil && strings.EqualFold(a.w.Schema.Label(EntityContacts, field, *cur), label) {
		return cur
	}
	if codes := a.w.Schema.Codes(EntityContacts, field, label); len(codes) > 0 {
		return &codes[0]
	}
	return cur
}

// country resolves the address's country text (docs/write-back.md): the
// country shown now stays; otherwise code, then display name or name.
func (a *applier) country() error {
	ad := a.w.Card.Address
	if ad.Country == "" {
		if !a.w.Fill {
			a.next.CountryID = nil
		}
		return nil
	}
	if v := a.w.Current; v != nil && v.Country != nil && a.cur.CountryID != nil &&
		(strings.EqualFold(ad.Country, v.Country.DisplayName) || strings.EqualFold(ad.Country, v.Country.Name)) {
		return nil
	}
	country := FindCountry(a.w.Countries, ad.Country)
	if country == nil && ad.CountryCode != "" {
		country = FindCountry(a.w.Countries, ad.CountryCode)
	}
	if country == nil {
		return &Refusal{Code: RefuseUnknownCountry, Fields: []string{"ADR"},
			Message: fmt.Sprintf("the address's country %q is not a PSA country: use its two-letter code (DE, US …) or its name as the PSA has it", ad.Country)}
	}
	id := country.ID
	a.next.CountryID = &id
	return nil
}

// FindCountry matches a country text against the PSA's countries: the ISO
// code first, then the display name, then the name, all
// case-insensitively; active countries win. nil when none matches.
func FindCountry(countries []Country, text string) *Country {
	text = strings.TrimSpace(text)
	for _, match := range []func(*Country) bool{
		func(c *Country) bool { return strings.EqualFold(c.CountryCode, text) },
		func(c *Country) bool { return strings.EqualFold(c.DisplayName, text) },
		func(c *Country) bool { return strings.EqualFold(c.Name, text) },
	} {
		var found *Country
		for i := range countries {
			c := &countries[i]
			if match(c) && (found == nil || (c.IsActive && !found.IsActive)) {
				found = c
			}
		}
		if found != nil {
			return found
		}
	}
	return nil
}

// org applies the ORG rule: a contact's company is fixed at creation, so
// a different ORG on an existing contact is not an update. It reports
// whether the card's ORG is kept for the user (their own text, or a
// department beyond the company's name).
func (a *applier) org() bool {
	c := a.w.Card
	if a.w.KeptOrg {
		return c.OrgField != nil
	}
	if a.w.Current != nil {
		name := ""
		if a.w.Company != nil {
			name = strings.TrimSpace(a.w.Company.CompanyName)
		}
		if !strings.EqualFold(c.Org, name) && !(a.w.Fill && c.Org == "") {
			a.orgBlocked = a.w.Strict
			a.block("ORG")
			return false
		}
	}
	return c.OrgField != nil && len(nonEmpty(Components(c.OrgField.Value)[1:]...)) > 0
}

// photo applies the PHOTO rule: a photo the PSA has is the PSA's (it is
// not an Autotask field, so it never goes back); a client's photo for a
// contact without one is kept for the user. It reports whether to keep it.
func (a *applier) photo() bool {
	c := a.w.Card
	if v := a.w.Current; v != nil && v.Contact.Photo != "" {
		if c.Photo != strings.Join(strings.Fields(v.Contact.Photo), "") && !(a.w.Fill && c.Photo == "") {
			a.block("PHOTO")
		}
		return false
	}
	return c.PhotoField != nil
}

// validate refuses changed values over the PSA's limits and required
// fields left empty.
func (a *applier) validate() error {
	check := a.changed
	if a.w.Current == nil {
		check = nil // a create: every field, so required ones left empty count
		for _, f := range contactFields {
			check = append(check, f.name)
		}
	}
	for _, name := range check {
		f, _ := fieldByName(name)
		if f.str == nil {
			continue
		}
		v := *f.str(&a.next)
		if limit := a.w.Schema.MaxLength(EntityContacts, f.name); limit > 0 && PSALength(v) > limit {
			return TooLong(f.prop, limit, f.name)
		}
		if info, _ := a.w.Schema.Field(EntityContacts, f.name); info.Required && strings.TrimSpace(v) == "" {
			return &Refusal{Code: RefuseMissing, Fields: []string{f.prop},
				Message: fmt.Sprintf("the PSA needs a first and a last name (%s is empty): give the card both", f.name)}
		}
	}
	return nil
}

// kept is what the user keeps: the card's unmapped properties, its URLs
// other than the company's web address, and ORG or PHOTO when they are
// the user's own.
func (a *applier) kept(org, photo bool) vcard.Card {
	c := a.w.Card
	out := copyCard(c.Kept)
	web := ""
	if a.w.Company != nil {
		web = normURL(a.w.Company.WebAddress)
	}
	for _, u := range c.URLs {
		if web == "" || normURL(u.Value) != web {
			out[vcard.FieldURL] = append(out[vcard.FieldURL], u)
		}
	}
	if org {
		out[vcard.FieldOrganization] = []*vcard.Field{c.OrgField}
	}
	if photo {
		out[vcard.FieldPhoto] = append([]*vcard.Field{c.PhotoField}, out[vcard.FieldPhoto]...)
	}
	a.keptNote(out)
	return out
}

func normURL(u string) string { return strings.TrimRight(strings.ToLower(strings.TrimSpace(u)), "/") }

// samePhone reports whether two numbers have the same digits (formatting
// aside): "+1 555 0100" and "tel:+1-555-0100" are one number.
func samePhone(a, b string) bool {
	digits := func(s string) string {
		var d strings.Builder
		for _, r := range s {
			if r >= '0' && r <= '9' || r == '+' {
				d.WriteRune(r)
			}
		}
		return d.String()
	}
	return a != "" && b != "" && digits(a) == digits(b)
}
