package mapping

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-vcard"
)

// ContactView is a PSA contact with what its vCard shows of other records.
type ContactView struct {
	Contact    Contact
	Company    *Company      // nil when the mirror lacks it
	Country    *Country      // the contact's country, nil when none
	Journal    []CompanyNote // notes linked to the contact
	NamePrefix string        // picklist labels of namePrefix and nameSuffix
	NameSuffix string
	ClientUID  string // the UID a client gave a contact it created
}

// Card property names for the PSA ids (Autotask's Outlook extension keeps
// the same two ids, as ATconContactId and ATConAccountID).
const (
	PropContactID = "X-PSA-CONTACT-ID"
	PropCompanyID = "X-PSA-COMPANY-ID"
)

// ProductID is psadav's PRODID.
const ProductID = "-//psadav//psadav//EN"

// RenderContact renders a PSA contact as a vCard 3.0 card (the stored form;
// ConvertCard gives 4.0). The mapping is docs/write-back.md, "Contacts".
func RenderContact(v ContactView) vcard.Card {
	c := &v.Contact
	card := vcard.Card{}
	set := func(name, value string, params vcard.Params) {
		if value == "" {
			return
		}
		card.Add(name, &vcard.Field{Value: value, Params: params})
	}
	card.SetValue(vcard.FieldVersion, "3.0")
	card.SetValue(vcard.FieldProductID, ProductID)
	card.SetValue(vcard.FieldUID, UID(KindContact, c.ID, v.ClientUID))

	card.Add(vcard.FieldName, &vcard.Field{Value: JoinComponents(
		[]string{c.LastName, c.FirstName, c.MiddleInitial, v.NamePrefix, v.NameSuffix}, 5)})
	card.SetValue(vcard.FieldFormattedName, FormattedName(c.FirstName, c.MiddleInitial, c.LastName, v.NamePrefix, v.NameSuffix))
	if v.Company != nil && v.Company.CompanyName != "" {
		card.Add(vcard.FieldOrganization, &vcard.Field{Value: JoinComponents([]string{v.Company.CompanyName}, 1)})
	}
	set(vcard.FieldTitle, c.Title, nil)

	set(vcard.FieldTelephone, PhoneWithExtension(c.Phone, c.Extension), typeParams("WORK", "VOICE"))
	set(vcard.FieldTelephone, c.MobilePhone, typeParams("CELL", "VOICE"))
	set(vcard.FieldTelephone, c.FaxNumber, typeParams("WORK", "FAX"))
	set(vcard.FieldTelephone, c.AlternatePhone, typeParams("VOICE"))

	set(vcard.FieldEmail, c.EmailAddress, typeParams("INTERNET", "WORK", "pref"))
	set(vcard.FieldEmail, c.EmailAddress2, typeParams("INTERNET", "WORK"))
	set(vcard.FieldEmail, c.EmailAddress3, typeParams("INTERNET"))

	renderAddress(card, c, v.Country)

	set(vcard.FieldURL, c.FacebookURL, typeParams("FACEBOOK"))
	set(vcard.FieldURL, c.LinkedInURL, typeParams("LINKEDIN"))
	set(vcard.FieldURL, c.TwitterURL, typeParams("TWITTER"))
	if v.Company != nil {
		set(vcard.FieldURL, v.Company.WebAddress, typeParams("WORK"))
	}

	set(vcard.FieldNote, ContactNote(c.Note, v.Journal), nil)
	if photo, mediaType := decodePhoto(c.Photo); photo != "" {
		card.Add(vcard.FieldPhoto, &vcard.Field{Value: photo,
			Params: vcard.Params{"ENCODING": {"b"}, "TYPE": {strings.ToUpper(strings.TrimPrefix(mediaType, "image/"))}}})
	}
	if rev := contactRevision(c, v.Journal); !rev.IsZero() {
		card.SetValue(vcard.FieldRevision, rev.UTC().Format("20060102T150405Z"))
	}
	if !LocalID(c.ID) {
		card.SetValue(PropContactID, strconv.FormatInt(c.ID, 10))
	}
	if !LocalID(c.CompanyID) {
		card.SetValue(PropCompanyID, strconv.FormatInt(c.CompanyID, 10))
	}
	return card
}

func typeParams(types ...string) vcard.Params {
	return vcard.Params{vcard.ParamType: types}
}

// FormattedName joins the name parts the way a person reads them.
func FormattedName(first, middle, last, prefix, suffix string) string {
	var parts []string
	for _, p := range []string{prefix, first, middle, last, suffix} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// PhoneWithExtension writes a phone number with its extension the way
// vCard 3.0 clients read it ("+1 555 0100 x123").
func PhoneWithExtension(phone, ext string) string {
	if phone == "" || ext == "" {
		return phone
	}
	return phone + " x" + ext
}

// ContactNote is the vCard NOTE: the contact's note, then its journal
// entries newest first (docs/psa-model.md), each after its date; an emptied
// continuation entry (contact_note.go) is not shown.
func ContactNote(note string, journal []CompanyNote) string {
	entries := append([]CompanyNote(nil), journal...)
	sort.SliceStable(entries, func(i, j int) bool {
		return noteTime(entries[i]).After(noteTime(entries[j]))
	})
	var b strings.Builder
	b.WriteString(strings.TrimSpace(note))
	for _, e := range entries {
		text := entryText(e)
		if text == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		if t := noteTime(e); !t.IsZero() {
			b.WriteString(t.UTC().Format("2006-01-02"))
			b.WriteString(" ")
		}
		b.WriteString(text)
	}
	return b.String()
}

func noteTime(n CompanyNote) time.Time {
	if n.CreateDateTime != nil {
		return *n.CreateDateTime
	}
	if n.LastModifiedDate != nil {
		return *n.LastModifiedDate
	}
	return time.Time{}
}

// contactRevision is REV: the newest change to what the card shows, the
// contact itself or a journal entry in its NOTE. (A company edit does not
// count: most do not change the card.)
func contactRevision(c *Contact, journal []CompanyNote) time.Time {
	var rev time.Time
	later := func(ts ...*time.Time) {
		for _, t := range ts {
			if t != nil && t.After(rev) {
				rev = *t
			}
		}
	}
	later(c.LastModifiedDate, c.LastActivityDate, c.CreateDate)
	for i := range journal {
		later(journal[i].LastModifiedDate, journal[i].CreateDateTime)
	}
	return rev
}

// addressGroup groups the work address with Apple's country-code
// companion (X-ABADR), which iOS uses to lay the address out.
const addressGroup = "psa1"

// renderAddress writes the work address: ADR street is the two address
// lines (a line break between them), extended address the additional
// information, country the PSA's display name (docs/write-back.md).
func renderAddress(card vcard.Card, c *Contact, country *Country) {
	street := c.AddressLine
	if c.AddressLine1 != "" {
		street += "\n" + c.AddressLine1
	}
	name, code := "", ""
	if country != nil {
		name, code = country.DisplayName, strings.ToLower(country.CountryCode)
		if name == "" {
			name = country.Name
		}
	}
	if street == "" && c.AdditionalAddressInformation == "" && c.City == "" && c.State == "" && c.ZipCode == "" && name == "" {
		return
	}
	group := ""
	if code != "" {
		group = addressGroup
		card.Add("X-ABADR", &vcard.Field{Value: code, Group: group})
	}
	card.Add(vcard.FieldAddress, &vcard.Field{Group: group, Params: typeParams("WORK"), Value: JoinComponents(
		[]string{"", c.AdditionalAddressInformation, street, c.City, c.State, c.ZipCode, name}, 7)})
}

// decodePhoto checks a base64 photo and tells its media type; it returns
// "" for anything that is not a JPEG, PNG or GIF image.
func decodePhoto(b64 string) (string, string) {
	b64 = strings.Join(strings.Fields(b64), "")
	if b64 == "" {
		return "", ""
	}
	head, err := base64.StdEncoding.DecodeString(b64[:min(len(b64), 16)])
	if err != nil && len(head) < 4 {
		return "", ""
	}
	switch {
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return b64, "image/jpeg"
	case len(head) >= 4 && string(head[:4]) == "\x89PNG":
		return b64, "image/png"
	case len(head) >= 3 && string(head[:3]) == "GIF":
		return b64, "image/gif"
	}
	return "", ""
}
