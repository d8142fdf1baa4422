package mapping

import "strings"

// contactField is one PSA contact field a client can write: its Autotask
// name, the vCard property that carries it, and how to reach it.
type contactField struct {
	name string // Autotask REST name
	prop string // vCard property
	str  func(*Contact) *string
	ref  func(*Contact) **int64
}

// contactFields are the fields a client card maps to (docs/write-back.md,
// "Contacts"). The
// order is the order of refusal messages and outbox payloads.
var contactFields = []contactField{
	{name: "firstName", prop: "N", str: func(c *Contact) *string { return &c.FirstName }},
	{name: "lastName", prop: "N", str: func(c *Contact) *string { return &c.LastName }},
	{name: "middleInitial", prop: "N", str: func(c *Contact) *string { return &c.MiddleInitial }},
	{name: "namePrefix", prop: "N", ref: func(c *Contact) **int64 { return &c.NamePrefix }},
	{name: "nameSuffix", prop: "N", ref: func(c *Contact) **int64 { return &c.NameSuffix }},
	{name: "title", prop: "TITLE", str: func(c *Contact) *string { return &c.Title }},
	{name: "emailAddress", prop: "EMAIL", str: func(c *Contact) *string { return &c.EmailAddress }},
	{name: "emailAddress2", prop: "EMAIL", str: func(c *Contact) *string { return &c.EmailAddress2 }},
	{name: "emailAddress3", prop: "EMAIL", str: func(c *Contact) *string { return &c.EmailAddress3 }},
	{name: "phone", prop: "TEL", str: func(c *Contact) *string { return &c.Phone }},
	{name: "extension", prop: "TEL", str: func(c *Contact) *string { return &c.Extension }},
	{name: "mobilePhone", prop: "TEL", str: func(c *Contact) *string { return &c.MobilePhone }},
	{name: "faxNumber", prop: "TEL", str: func(c *Contact) *string { return &c.FaxNumber }},
	{name: "alternatePhone", prop: "TEL", str: func(c *Contact) *string { return &c.AlternatePhone }},
	{name: "addressLine", prop: "ADR", str: func(c *Contact) *string { return &c.AddressLine }},
	{name: "addressLine1", prop: "ADR", str: func(c *Contact) *string { return &c.AddressLine1 }},
	{name: "additionalAddressInformation", prop: "ADR", str: func(c *Contact) *string { return &c.AdditionalAddressInformation }},
	{name: "city", prop: "ADR", str: func(c *Contact) *string { return &c.City }},
	{name: "state", prop: "ADR", str: func(c *Contact) *string { return &c.State }},
	{name: "zipCode", prop: "ADR", str: func(c *Contact) *string { return &c.ZipCode }},
	{name: "countryID", prop: "ADR", ref: func(c *Contact) **int64 { return &c.CountryID }},
	{name: "note", prop: "NOTE", str: func(c *Contact) *string { return &c.Note }},
	{name: "facebookUrl", prop: "URL", str: func(c *Contact) *string { return &c.FacebookURL }},
	{name: "linkedInUrl", prop: "URL", str: func(c *Contact) *string { return &c.LinkedInURL }},
	{name: "twitterUrl", prop: "URL", str: func(c *Contact) *string { return &c.TwitterURL }},
}

func (f contactField) equal(a, b *Contact) bool {
	if f.str != nil {
		return *f.str(a) == *f.str(b)
	}
	x, y := *f.ref(a), *f.ref(b)
	return (x == nil && y == nil) || (x != nil && y != nil && *x == *y)
}

func (f contactField) empty(c *Contact) bool {
	if f.str != nil {
		return *f.str(c) == ""
	}
	return *f.ref(c) == nil
}

func (f contactField) value(c *Contact) any {
	if f.str != nil {
		return *f.str(c)
	}
	if p := *f.ref(c); p != nil {
		return *p
	}
	return nil
}

func (f contactField) copy(dst, src *Contact) {
	if f.str != nil {
		*f.str(dst) = *f.str(src)
	} else {
		*f.ref(dst) = *f.ref(src)
	}
}

func fieldByName(name string) (contactField, bool) {
	for _, f := range contactFields {
		if strings.EqualFold(f.name, name) {
			return f, true
		}
	}
	return contactField{}, false
}

// ContactPayload is an outbox payload for a contact: the named fields with
// their values in c, keyed by Autotask field name. companyID and isActive
// are included when named.
func ContactPayload(c *Contact, fields []string) map[string]any {
	out := make(map[string]any, len(fields))
	for _, name := range fields {
		switch name {
		case "companyID":
			out[name] = c.CompanyID
		case "isActive":
			out[name] = c.IsActive
		default:
			if f, ok := fieldByName(name); ok {
				out[f.name] = f.value(c)
			}
		}
	}
	return out
}

// ContactCreateFields lists what an outbox create of c carries: the
// fields the PSA requires and every mapped field that has a value.
func ContactCreateFields(c *Contact) []string {
	out := []string{"companyID", "isActive", "firstName", "lastName"}
	for _, f := range contactFields[2:] {
		if !f.empty(c) {
			out = append(out, f.name)
		}
	}
	return out
}

// props lists the distinct vCard properties of some fields, in field order.
func props(fields []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, name := range fields {
		f, ok := fieldByName(name)
		if !ok || seen[f.prop] {
			continue
		}
		seen[f.prop] = true
		out = append(out, f.prop)
	}
	return out
}
