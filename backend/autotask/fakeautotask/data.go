package fakeautotask

import (
	"fmt"
	"strings"
	"time"

	"github.com/psadav/psadav/backend/demo"
	"github.com/psadav/psadav/mapping"
)

// Seeded says what LoadDemo put in the tenant.
type Seeded struct {
	Logins   map[string]int64 // technician login → resource id
	Contacts int
}

// LoadDemo fills the tenant with psadav's demo organisation for the day of
// now (technicians, companies, contacts, calendars, time off, picklists),
// with exactly contacts contacts (the demo's own, cut or topped up with
// generated ones; 0 keeps the demo's 2,000), and adds the API user's
// resource (e-mail = the API user name).
func (t *Tenant) LoadDemo(now time.Time, contacts int) Seeded {
	d := demo.Records(now)
	for _, p := range d.Picklists {
		t.SetPicklist(p.Entity, p.Field, p.Values)
	}
	if contacts > 0 && contacts < len(d.Records[mapping.EntityContacts]) {
		d.Records[mapping.EntityContacts] = d.Records[mapping.EntityContacts][:contacts]
	}
	for _, e := range mapping.Entities {
		t.Load(e, d.Records[e]...)
	}
	// CompanyNotes.actionType is a picklist of the tenant's action types
	// (the SOAP AccountNote's ActionType picklist, ecitsolutions
	// New-AtwsAccountNote); the first active one is the default here.
	var kinds []mapping.PicklistValue
	for _, r := range d.Records[mapping.EntityActionTypes] {
		if a := r.(*mapping.ActionType); a.IsActive {
			kinds = append(kinds, mapping.PicklistValue{Value: fmt.Sprint(a.ID), Label: a.Name, Active: true})
		}
	}
	t.SetPicklist(mapping.EntityCompanyNotes, "actionType", kinds)
	if t.opts.APIResourceID != 0 {
		t.Load(mapping.EntityResources, &mapping.Resource{ID: t.opts.APIResourceID, UserName: "psadav-api",
			Email: t.opts.Username, FirstName: "psadav", LastName: "API", IsActive: true, ResourceType: "API"})
	}
	var companies []int64
	for _, r := range d.Records[mapping.EntityCompanies] {
		c := r.(*mapping.Company)
		if c.IsActive {
			companies = append(companies, c.ID)
		}
	}
	have := len(d.Records[mapping.EntityContacts])
	t.AddContacts(now, contacts-have, companies)
	return Seeded{Logins: d.Logins, Contacts: max(have, contacts)}
}

var (
	genFirst = []string{"Ava", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kemal", "Lena",
		"Mateo", "Noor", "Olu", "Pia", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vik", "Wen", "Yara", "Zoë"}
	genLast = []string{"Adler", "Brooks", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Hughes", "Ito", "Jensen",
		"Kowalski", "Larsen", "Müller", "Nakamura", "O'Brien", "Petrov", "Quist", "Rossi", "Schmidt", "Tanaka"}
	genTitles = []string{"Office Manager", "IT Coordinator", "Accountant", "Owner", "Operations Lead", ""}
)

// AddContacts generates n active contacts spread over the companies.
func (t *Tenant) AddContacts(now time.Time, n int, companies []int64) {
	if n <= 0 || len(companies) == 0 {
		return
	}
	t.mu.Lock()
	start := t.nextID
	t.nextID += int64(n)
	t.mu.Unlock()
	stamp := now.UTC().Add(-24 * time.Hour)
	for i := 0; i < n; i++ {
		first, last := genFirst[i%len(genFirst)], genLast[(i/len(genFirst))%len(genLast)]
		mail := strings.ToLower(strings.NewReplacer("'", "", "ü", "u", "í", "i", "ë", "e").Replace(first+"."+last)) +
			fmt.Sprintf("%d@example.net", i)
		t.Load(mapping.EntityContacts, &mapping.Contact{ID: start + 1 + int64(i), CompanyID: companies[i%len(companies)],
			IsActive: 1, FirstName: first, LastName: last, Title: genTitles[i%len(genTitles)], EmailAddress: mail,
			Phone: fmt.Sprintf("+1 555 %04d", i%10000), CreateDate: &stamp, LastModifiedDate: &stamp, LastActivityDate: &stamp})
	}
}
