package demo

import (
	"fmt"

	"github.com/psadav/psadav/mapping"
)

// tech is a resource who gets a gateway account.
type tech struct {
	first, last, user, title string
	timeZone                 string // "" for UTC
	allContacts              bool
}

// technicians get accounts: the first sees the all-contacts book, the
// second lives in Berlin.
var technicians = []tech{
	{"Alice", "Walker", "awalker", "Service Desk Lead", "", true},
	{"Jonas", "Becker", "jbecker", "Field Technician", "Europe/Berlin", false},
	{"Chloé", "Martin", "cmartin", "Systems Engineer", "", false},
	{"Diego", "Fernández", "dfernandez", "Network Engineer", "", false},
	{"Emma", "de Vries", "edevries", "Support Technician", "", false},
	{"Marcus", "Johnson", "mjohnson", "Senior Technician", "", false},
}

// others are resources without accounts: a sales director and a former
// technician.
var others = []struct {
	first, last, user, title string
	active                   bool
}{
	{"Priya", "Nair", "pnair", "Sales Director", true},
	{"Tom", "Baker", "tbaker", "Technician", false},
}

func (g *gen) countries() {
	for _, c := range countries {
		g.add(mapping.EntityCountries, &mapping.Country{ID: c.id, CountryCode: c.code, Name: c.name,
			DisplayName: c.shown, IsActive: true, IsDefaultCountry: c.code == "US"})
	}
}

func (g *gen) staff() {
	id := int64(idResource)
	for i, t := range technicians {
		r := &mapping.Resource{ID: id, UserName: t.user, FirstName: t.first, LastName: t.last, Title: t.title,
			Email: mailPart(t.first) + "." + mailPart(t.last) + "@example.com", IsActive: true, ResourceType: "Employee",
			OfficePhone: "+1 212 555 0100", OfficeExtension: fmt.Sprint(201 + i), MobilePhone: fmt.Sprintf("+1 917 555 01%02d", 20+i)}
		g.techs = append(g.techs, r)
		g.add(mapping.EntityResources, r)
		id++
	}
	for _, o := range others {
		g.add(mapping.EntityResources, &mapping.Resource{ID: id, UserName: o.user, FirstName: o.first, LastName: o.last,
			Title: o.title, Email: mailPart(o.first) + "." + mailPart(o.last) + "@example.com", IsActive: o.active,
			ResourceType: "Employee", OfficePhone: "+1 212 555 0100"})
		id++
	}
}

func (g *gen) tech() *mapping.Resource { return pick(g, g.techs) }
