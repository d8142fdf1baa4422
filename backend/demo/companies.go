package demo

import (
	"fmt"
	"strings"

	"github.com/psadav/psadav/mapping"
)

const (
	companyCount = 150
	contactCount = 2000 // the own company's included
	ownContacts  = 6
)

// countryFor picks a country by the countries' weights.
func (g *gen) countryFor() *country {
	n := g.r.IntN(100)
	for _, c := range countries {
		if n < c.weight {
			return c
		}
		n -= c.weight
	}
	return countries[0]
}

func (g *gen) companyList() {
	us := countries[0]
	ny := us.cities[0]
	g.own = &company{country: us, city: ny, domain: "northwind-it.example.com", rec: &mapping.Company{
		ID: idOwnCompany, CompanyName: "Northwind IT Services", CompanyNumber: "0", CompanyType: ptr[int64](typePartner),
		OwnerResourceID: ptr(g.techs[0].ID), IsActive: true, Phone: "+1 212 555 0100", WebAddress: "https://northwind-it.example.com",
		Address1: "350 Fifth Ave", Address2: "Suite 4100", City: ny.name, State: ny.state, PostalCode: "10118", CountryID: ptr(us.id),
		CreateDate: ptr(g.day.AddDate(0, 0, -pastDays))}}
	g.add(mapping.EntityCompanies, g.own.rec)

	names := g.r.Perm(len(companyWords) * len(companyTrades))[:companyCount]
	types := []int64{typeCustomer, typeCustomer, typeCustomer, typeCustomer, typeLead, typeProspect, typeVendor}
	for i, n := range names {
		word, trade := companyWords[n/len(companyTrades)], companyTrades[n%len(companyTrades)]
		c := &company{country: g.countryFor()}
		c.city = pick(g, c.country.cities)
		c.domain = mailPart(word) + "-" + mailPart(trade) + ".example.com"
		created := g.past()
		c.rec = &mapping.Company{
			ID: idCompany + int64(i), CompanyName: word + " " + trade + " " + pick(g, c.country.suffixes),
			CompanyNumber: fmt.Sprintf("C%05d", idCompany+i), CompanyType: ptr(pick(g, types)),
			OwnerResourceID: ptr(g.techs[i%len(g.techs)].ID), IsActive: !g.chance(0.03),
			Phone: c.country.phone(g, c.city), WebAddress: "https://www." + c.domain,
			Address1: c.country.street(g), City: c.city.name, State: c.city.state, PostalCode: c.city.postal(g),
			CountryID: ptr(c.country.id), CreateDate: ptr(created), LastTrackedModifiedDateTime: ptr(g.before(g.now)),
		}
		if g.chance(0.2) {
			c.rec.Fax = c.country.phone(g, c.city)
		}
		g.companies = append(g.companies, c)
		g.add(mapping.EntityCompanies, c.rec)
	}
	g.locations()
}

// locations gives about a quarter of the companies one or two sites.
func (g *gen) locations() {
	id := int64(idLocation)
	for _, c := range g.companies {
		if !g.chance(0.27) {
			continue
		}
		for i, name := range []string{"Head Office", pick(g, []string{"Warehouse", "Branch Office", "Plant", "Clinic"})} {
			if i == 1 && g.chance(0.5) {
				break
			}
			ct := pick(g, c.country.cities)
			l := &mapping.CompanyLocation{ID: id, CompanyID: c.rec.ID, Name: name, Address1: c.country.street(g),
				City: ct.name, State: ct.state, PostalCode: ct.postal(g), CountryID: ptr(c.country.id),
				Phone: c.country.phone(g, ct), IsActive: true, IsPrimary: i == 0}
			c.locations = append(c.locations, l)
			g.add(mapping.EntityCompanyLocations, l)
			id++
		}
	}
}

func (g *gen) contactList() {
	id := int64(idContact)
	add := func(c *company) {
		g.contact(c, id)
		id++
	}
	for range ownContacts {
		add(g.own)
	}
	// Every company gets a few contacts; the rest go to some more than others.
	for _, c := range g.companies {
		for range 5 {
			add(c)
		}
	}
	for id < idContact+contactCount {
		c := g.companies[g.r.IntN(len(g.companies))]
		if g.chance(0.5) {
			c = g.companies[g.r.IntN(len(g.companies)/5)]
		}
		add(c)
	}
}

func (g *gen) contact(c *company, id int64) {
	ns := c.country.people
	female := g.chance(0.5)
	first := pick(g, ns.male)
	if female {
		first = pick(g, ns.female)
	}
	last := pick(g, ns.family)
	ct := &mapping.Contact{ID: id, CompanyID: c.rec.ID, IsActive: 1, FirstName: first, LastName: last,
		Title: pick(g, jobTitles), EmailAddress: mailPart(first) + "." + mailPart(last) + "@" + c.domain,
		Phone: c.rec.Phone, CountryID: ptr(c.country.id),
		AddressLine: c.rec.Address1, City: c.rec.City, State: c.rec.State, ZipCode: c.rec.PostalCode,
		PrimaryContact: len(c.contacts) == 0}
	if g.chance(0.05) {
		ct.IsActive = 0
	}
	if g.chance(0.15) {
		ct.MiddleInitial = string(rune('A' + g.r.IntN(26)))
	}
	if g.chance(0.3) {
		switch {
		case g.chance(0.12):
			ct.NamePrefix = ptr[int64](prefixDr)
		case !female:
			ct.NamePrefix = ptr[int64](prefixMr)
		case g.chance(0.5):
			ct.NamePrefix = ptr[int64](prefixMs)
		default:
			ct.NamePrefix = ptr[int64](prefixMrs)
		}
	}
	if c.country.code == "US" && !female && g.chance(0.04) {
		ct.NameSuffix = ptr(pick(g, []int64{suffixJr, suffixSr, suffixIII}))
	}
	if g.chance(0.6) {
		ct.Extension = fmt.Sprint(100 + g.r.IntN(900))
	} else {
		ct.Phone = c.country.phone(g, c.city)
	}
	if g.chance(0.55) {
		ct.MobilePhone = c.country.mobile(g)
	}
	if g.chance(0.05) {
		ct.FaxNumber = c.rec.Fax
	}
	if g.chance(0.05) {
		ct.AlternatePhone = c.country.phone(g, c.city)
	}
	if g.chance(0.1) {
		ct.EmailAddress2 = mailPart(first) + "@" + c.domain
	}
	if len(c.locations) > 0 && g.chance(0.5) {
		l := pick(g, c.locations)
		ct.CompanyLocationID = ptr(l.ID)
		ct.AddressLine, ct.City, ct.State, ct.ZipCode = l.Address1, l.City, l.State, l.PostalCode
	}
	if g.chance(0.1) {
		ct.RoomNumber = fmt.Sprintf("%d.%02d", 1+g.r.IntN(5), 1+g.r.IntN(40))
	}
	if g.chance(0.2) {
		ct.LinkedInURL = "https://www.linkedin.com/in/" + mailPart(first) + "-" + mailPart(last) + "-" + digits(g, 4)
	}
	created := g.past()
	ct.CreateDate, ct.LastModifiedDate = ptr(created), ptr(g.before(g.now))
	if ct.LastModifiedDate.Before(created) {
		ct.LastModifiedDate = ptr(created)
	}
	c.contacts = append(c.contacts, ct)
	g.add(mapping.EntityContacts, ct)
}

// notes are journal entries: calls and meetings with contacts.
func (g *gen) notes() {
	kinds := []struct{ actionType, title, text string }{
		{"Phone Call", "Call summary", "Called %s about %s. Agreed to follow up next week."},
		{"Meeting", "Meeting notes", "Met %s on site to review %s.\nNext steps: quote and schedule."},
		{"Email", "E-mail sent", "Sent %s the documentation on %s."},
	}
	for i := range 300 {
		c := pick(g, g.companies)
		ct := pick(g, c.contacts)
		k := pick(g, kinds)
		at := g.past()
		g.add(mapping.EntityCompanyNotes, &mapping.CompanyNote{ID: idNote + int64(i), CompanyID: c.rec.ID, ContactID: ptr(ct.ID),
			ActionType: ptr(g.actionTypeID(k.actionType)), Name: k.title,
			Note: fmt.Sprintf(k.text, ct.FirstName, pick(g, topics)), CreateDateTime: ptr(at), LastModifiedDate: ptr(at)})
	}
}

var topics = []string{"the backup schedule", "the Microsoft 365 renewal", "the new firewall", "laptop refresh",
	"the managed services contract", "printer fleet", "VPN access for home workers", "the phishing training",
	"Wi-Fi coverage in the warehouse", "the server room air conditioning"}

var products = []string{"Managed Backup", "Microsoft 365 Migration", "Firewall Upgrade", "Laptop Refresh", "Managed Wi-Fi",
	"Security Awareness Training", "VoIP Telephony", "Server Virtualisation", "Endpoint Protection", "Disaster Recovery Plan"}

// opportunities: some owned by the account manager, some by a colleague,
// whose contacts book then shows the company's contacts while it is open.
func (g *gen) opportunities() {
	statuses := []int64{oppActive, oppActive, oppActive, oppActive, oppNotReady, oppLost, oppLost, oppClosed, oppClosed, oppImplemented}
	for i := range 80 {
		c := pick(g, g.companies)
		owner := *c.rec.OwnerResourceID
		if g.chance(0.5) {
			owner = g.tech().ID
		}
		o := &mapping.Opportunity{ID: idOpportunity + int64(i), CompanyID: c.rec.ID, OwnerResourceID: owner,
			Status: statuses[i%len(statuses)], Title: pick(g, products) + " for " + strings.Fields(c.rec.CompanyName)[0],
			CreateDate: ptr(g.past())}
		if g.chance(0.6) {
			o.ContactID = ptr(pick(g, c.contacts).ID)
		}
		switch o.Status {
		case oppActive, oppNotReady:
			o.ProjectedCloseDate = ptr(g.at(g.workday(7, futureDays), 0, 0))
		default:
			closed := g.before(g.now)
			if closed.Before(*o.CreateDate) {
				closed = *o.CreateDate
			}
			o.ProjectedCloseDate, o.ClosedDate = ptr(closed), ptr(closed)
		}
		o.LastActivity = ptr(g.before(g.now))
		if o.LastActivity.Before(*o.CreateDate) {
			o.LastActivity = o.CreateDate
		}
		g.add(mapping.EntityOpportunities, o)
	}
}
