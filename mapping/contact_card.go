package mapping

import (
	"net/url"
	"sort"
	"strings"

	"github.com/emersion/go-vcard"
)

// ContactCard is a client's vCard as the PSA sees it: the values of the
// properties psadav maps to PSA contact fields (docs/write-back.md,
// "Contacts"), and Kept, every property the PSA has no field for (home phone,
// other addresses, birthday, IMPP, labels, X- properties …), which is kept
// for the user who sent it. ReadContactCard fills it; ApplyContactCard
// decides what the values do to the PSA record.
type ContactCard struct {
	UID string
	// Name parts from N; from FN split into first and last when N has
	// neither.
	Last, First, Middle, Prefix, Suffix string
	// Org is ORG's company component (trimmed); OrgField is the ORG as sent.
	Org      string
	OrgField *vcard.Field
	Title    string
	Emails   []string // at most three, preferred first
	// Phone and Extension come from the first work voice number; Mobile,
	// Fax and Alternate from the first cell, fax and other number.
	Phone, Extension, Mobile, Fax, Alternate string
	Address                                  CardAddress
	// Social profiles among the URLs (by host or TYPE); URLs holds the rest.
	Facebook, LinkedIn, Twitter string
	URLs                        []*vcard.Field
	Note                        string
	HasNote                     bool
	NoteField                   *vcard.Field // the NOTE as sent
	// Photo is an inline photo (base64), PhotoField the property as sent.
	Photo      string
	PhotoField *vcard.Field
	Kept       vcard.Card
}

// CardAddress is the work address of a card, split as the PSA stores it.
type CardAddress struct {
	Line, Line1, Additional, City, State, Zip string
	Country                                   string // the country as text
	CountryCode                               string // Apple's X-ABADR hint, "" when none
}

func (a CardAddress) empty() bool { return a == CardAddress{} }

// ownProps are the properties psadav writes itself; a client's copy of
// them carries nothing to keep.
var ownProps = map[string]bool{
	vcard.FieldVersion: true, vcard.FieldProductID: true, vcard.FieldRevision: true,
	PropContactID: true, PropCompanyID: true,
}

// ReadContactCard parses a client's vCard 3.0 or 4.0. A body that is not a
// vCard, or a group card (a contact group, not a person), is refused.
func ReadContactCard(body []byte) (*ContactCard, error) {
	card, err := DecodeCard(body)
	if err != nil {
		return nil, &Refusal{Code: RefuseInvalidData, Message: err.Error()}
	}
	card = ConvertCard(card, "3.0")
	if kind := strings.ToLower(firstValue(card, vcard.FieldKind, "X-ADDRESSBOOKSERVER-KIND")); kind == "group" {
		return nil, &Refusal{Code: RefuseUnsupportedComponent, Fields: []string{"KIND"},
			Message: "contact groups cannot be stored in a PSA address book; use CATEGORIES for groups (DAVx5: account settings, Contact group method)"}
	}
	return readCard(card), nil
}

func firstValue(card vcard.Card, names ...string) string {
	for _, n := range names {
		if v := card.Value(n); v != "" {
			return v
		}
	}
	return ""
}

// readCard sorts a 3.0 card's properties into mapped values and kept ones.
func readCard(card vcard.Card) *ContactCard {
	c := &ContactCard{Kept: vcard.Card{}}
	groups := labelledGroups(card)
	mappedGroups := map[string]bool{}
	keep := func(name string, f *vcard.Field) { c.Kept[name] = append(c.Kept[name], f) }
	// mappable: a property in a group with a custom label is kept whole,
	// label and all (iOS and DAVx5 custom labels, itemN.X-ABLabel).
	mappable := func(f *vcard.Field) bool { return f.Group == "" || !groups[f.Group] }

	c.UID = strings.TrimSpace(card.Value(vcard.FieldUID))
	c.readName(card)
	var tels, emails, adrs []*vcard.Field
	for name, fields := range card {
		for i, f := range fields {
			switch {
			case ownProps[name], strings.HasPrefix(name, "X-PSADAV-"), name == vcard.FieldUID, name == vcard.FieldName && i == 0,
				name == vcard.FieldFormattedName && i == 0, isDecoration(name):
				// handled above, or with their group below
			case !mappable(f):
				keep(name, f)
			case name == vcard.FieldTelephone:
				tels = append(tels, f)
			case name == vcard.FieldEmail:
				emails = append(emails, f)
			case name == vcard.FieldAddress:
				adrs = append(adrs, f)
			case name == vcard.FieldOrganization && c.OrgField == nil:
				c.OrgField, c.Org = f, strings.TrimSpace(Component(f.Value, 0))
				mappedGroups[f.Group] = true
			case name == vcard.FieldTitle && c.Title == "" && strings.TrimSpace(f.Value) != "":
				c.Title = strings.TrimSpace(f.Value)
				mappedGroups[f.Group] = true
			case name == vcard.FieldNote && !c.HasNote:
				c.Note, c.HasNote, c.NoteField = f.Value, true, f
				mappedGroups[f.Group] = true
			case name == vcard.FieldURL && c.readSocial(f):
				mappedGroups[f.Group] = true
			case name == vcard.FieldURL:
				c.URLs = append(c.URLs, f)
			case name == vcard.FieldPhoto && c.PhotoField == nil && inlinePhoto(f):
				c.PhotoField = f
				c.Photo = strings.Join(strings.Fields(f.Value), "")
			case name == vcard.FieldName, name == vcard.FieldFormattedName:
				// a second N or FN is not valid vCard; nothing to keep
			default:
				keep(name, f)
			}
		}
	}
	for _, f := range c.readPhones(tels) {
		keep(vcard.FieldTelephone, f)
	}
	for _, f := range c.readEmails(emails) {
		keep(vcard.FieldEmail, f)
	}
	for _, f := range c.readAddress(card, adrs) {
		keep(vcard.FieldAddress, f)
	}
	for _, f := range append(append(append(tels, emails...), adrs...), c.OrgField, c.PhotoField) {
		if f != nil && !keptHas(c.Kept, f) {
			mappedGroups[f.Group] = true
		}
	}
	// A group's labels go with its property: dropped when it was mapped,
	// kept when it was kept.
	for name, fields := range card {
		if !isDecoration(name) {
			continue
		}
		for _, f := range fields {
			if f.Group == "" || !mappedGroups[f.Group] || groups[f.Group] {
				keep(name, f)
			}
		}
	}
	return c
}

func keptHas(kept vcard.Card, f *vcard.Field) bool {
	for _, fields := range kept {
		for _, k := range fields {
			if k == f {
				return true
			}
		}
	}
	return false
}

// isDecoration reports Apple's group companions: a label, an address's
// country code.
func isDecoration(name string) bool { return name == "X-ABLABEL" || name == "X-ABADR" }

// labelledGroups are the groups whose X-ABLabel is a custom label, not one
// of Apple's standard ones ("_$!<Other>!$_").
func labelledGroups(card vcard.Card) map[string]bool {
	out := map[string]bool{}
	for _, f := range card["X-ABLABEL"] {
		v := strings.TrimSpace(f.Value)
		if f.Group != "" && !(strings.HasPrefix(v, "_$!<") && strings.HasSuffix(v, ">!$_")) {
			out[f.Group] = true
		}
	}
	return out
}

func (c *ContactCard) readName(card vcard.Card) {
	if n := card.Get(vcard.FieldName); n != nil {
		parts := Components(n.Value)
		get := func(i int) string {
			if i < len(parts) {
				return strings.TrimSpace(strings.ReplaceAll(parts[i], ",", " "))
			}
			return ""
		}
		c.Last, c.First, c.Middle, c.Prefix, c.Suffix = get(0), get(1), get(2), get(3), get(4)
	}
	if c.First != "" || c.Last != "" {
		return
	}
	// FN only (or an empty N): the last word is the last name.
	words := strings.Fields(card.Value(vcard.FieldFormattedName))
	switch len(words) {
	case 0:
	case 1:
		c.Last = words[0]
	default:
		c.First, c.Last = strings.Join(words[:len(words)-1], " "), words[len(words)-1]
	}
}

// HasName reports whether the card names a person at all.
func (c *ContactCard) HasName() bool { return c.First != "" || c.Last != "" }

func typeSet(f *vcard.Field) map[string]bool {
	out := map[string]bool{}
	for _, t := range f.Params[vcard.ParamType] {
		for _, p := range strings.Split(t, ",") {
			out[strings.ToUpper(strings.TrimSpace(p))] = true
		}
	}
	return out
}

// readPhones assigns TELs to the PSA's four numbers and returns the rest.
// Work voice → phone (+ extension), cell → mobile, fax (not home) → fax,
// a number without home/work/cell/fax/pager type → alternate phone (or a
// second work number when there is none).
func (c *ContactCard) readPhones(tels []*vcard.Field) (rest []*vcard.Field) {
	var work, cell, fax, other []*vcard.Field
	for _, f := range tels {
		t := typeSet(f)
		switch {
		case strings.TrimSpace(f.Value) == "":
		case t["FAX"]:
			if t["HOME"] {
				rest = append(rest, f)
			} else {
				fax = append(fax, f)
			}
		case t["CELL"] || t["IPHONE"] || t["MOBILE"]:
			cell = append(cell, f)
		case t["HOME"] || t["PAGER"]:
			rest = append(rest, f)
		case t["WORK"]:
			work = append(work, f)
		default:
			other = append(other, f)
		}
	}
	take := func(list *[]*vcard.Field) string {
		if len(*list) == 0 {
			return ""
		}
		v := strings.TrimSpace((*list)[0].Value)
		*list = (*list)[1:]
		return v
	}
	if v := take(&work); v != "" {
		c.Phone, c.Extension = SplitExtension(v)
	}
	c.Mobile, c.Fax = take(&cell), take(&fax)
	if c.Alternate = take(&other); c.Alternate == "" {
		c.Alternate = take(&work)
	}
	rest = append(rest, work...)
	rest = append(rest, cell...)
	rest = append(rest, fax...)
	return append(rest, other...)
}

// readEmails maps the first three addresses, preferred first.
func (c *ContactCard) readEmails(emails []*vcard.Field) (rest []*vcard.Field) {
	var live []*vcard.Field
	for _, f := range emails {
		if strings.TrimSpace(f.Value) != "" {
			live = append(live, f)
		}
	}
	sort.SliceStable(live, func(i, j int) bool { return preferred(live[i]) && !preferred(live[j]) })
	for i, f := range live {
		if i < 3 {
			c.Emails = append(c.Emails, strings.TrimSpace(f.Value))
		} else {
			rest = append(rest, f)
		}
	}
	return rest
}

func preferred(f *vcard.Field) bool {
	return typeSet(f)["PREF"] || f.Params.Get(vcard.ParamPreferred) != ""
}

// readAddress maps the first work address (or, without one, the first
// that is not a home or other address); the rest are kept.
func (c *ContactCard) readAddress(card vcard.Card, adrs []*vcard.Field) (rest []*vcard.Field) {
	pick := -1
	for pass := 0; pass < 2 && pick < 0; pass++ {
		for i, f := range adrs {
			t := typeSet(f)
			if (pass == 0 && t["WORK"]) || (pass == 1 && !t["HOME"] && !t["OTHER"]) {
				pick = i
				break
			}
		}
	}
	for i, f := range adrs {
		if i != pick {
			rest = append(rest, f)
		}
	}
	if pick < 0 {
		return rest
	}
	f := adrs[pick]
	parts := Components(f.Value)
	get := func(i int) string {
		if i < len(parts) {
			return strings.TrimSpace(parts[i])
		}
		return ""
	}
	a := CardAddress{City: get(3), State: get(4), Zip: get(5), Country: get(6)}
	lines := strings.Split(strings.ReplaceAll(get(2), "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	extra := nonEmpty(get(0), get(1))
	if len(lines) > 0 {
		a.Line = strings.TrimSpace(lines[0])
	}
	if len(lines) > 1 {
		a.Line1 = strings.TrimSpace(lines[1])
	}
	if len(lines) > 2 {
		more := nonEmpty(lines[2:]...)
		if len(extra) == 0 {
			extra = more
		} else {
			a.Line1 = strings.Join(nonEmpty(append([]string{a.Line1}, more...)...), ", ")
		}
	}
	a.Additional = strings.Join(extra, ", ")
	a.CountryCode = f.Params.Get("CC") // RFC 8605
	if f.Group != "" {
		for _, d := range card["X-ABADR"] {
			if d.Group == f.Group {
				a.CountryCode = strings.TrimSpace(d.Value)
			}
		}
	}
	c.Address = a
	return rest
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// readSocial maps a URL to a social profile field by its host (or TYPE);
// false when it is no social profile or the field is taken.
func (c *ContactCard) readSocial(f *vcard.Field) bool {
	v := strings.TrimSpace(f.Value)
	host := ""
	if u, err := url.Parse(v); err == nil {
		host = strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	}
	t := typeSet(f)
	var dst *string
	switch {
	case host == "facebook.com" || host == "fb.com" || strings.HasSuffix(host, ".facebook.com") || t["FACEBOOK"]:
		dst = &c.Facebook
	case host == "linkedin.com" || strings.HasSuffix(host, ".linkedin.com") || t["LINKEDIN"]:
		dst = &c.LinkedIn
	case host == "twitter.com" || host == "x.com" || t["TWITTER"]:
		dst = &c.Twitter
	default:
		return false
	}
	if *dst != "" || v == "" {
		return false
	}
	*dst = v
	return true
}

// inlinePhoto reports whether a PHOTO carries its data (not a link).
func inlinePhoto(f *vcard.Field) bool {
	enc := strings.ToLower(f.Params.Get("ENCODING"))
	return (enc == "b" || enc == "base64") && strings.TrimSpace(f.Value) != ""
}
