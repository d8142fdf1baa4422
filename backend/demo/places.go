package demo

import "fmt"

// country is one of the demo's countries with what addresses and phone
// numbers there look like. Phone numbers use the ranges set aside for
// fiction (555-01xx, Ofcom's drama numbers) where a country has them.
type country struct {
	id                int64
	code, name, shown string
	weight            int // share of the companies, in percent
	suffixes          []string
	cities            []city
	street            func(g *gen) string
	mobile            func(g *gen) string
	people            *nameSet
}

type city struct {
	name, state string
	area        string // dialling code after the country code
	postal      func(g *gen) string
}

func digits(g *gen, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func letters(g *gen, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + g.r.IntN(26))
	}
	return string(b)
}

func fixed(prefix string, n int) func(g *gen) string {
	return func(g *gen) string { return prefix + digits(g, n) }
}

func ukPostal(area string) func(g *gen) string {
	return func(g *gen) string {
		return fmt.Sprintf("%s%d %d%s", area, 1+g.r.IntN(9), 1+g.r.IntN(9), letters(g, 2))
	}
}

func nlPostal(prefix string) func(g *gen) string {
	return func(g *gen) string { return fmt.Sprintf("%s%s %s", prefix, digits(g, 2), letters(g, 2)) }
}

var countries = []*country{
	{id: idCountry, code: "US", name: "United States", shown: "United States", weight: 40,
		suffixes: []string{"Inc.", "LLC", "Corp."},
		cities: []city{
			{"New York", "NY", "212", fixed("100", 2)}, {"Chicago", "IL", "312", fixed("606", 2)},
			{"Austin", "TX", "512", fixed("787", 2)}, {"Seattle", "WA", "206", fixed("981", 2)},
			{"Denver", "CO", "303", fixed("802", 2)}, {"Boston", "MA", "617", fixed("021", 2)},
			{"Atlanta", "GA", "404", fixed("303", 2)}, {"Phoenix", "AZ", "602", fixed("850", 2)},
		},
		street: func(g *gen) string {
			return fmt.Sprintf("%d %s %s", 10+g.r.IntN(4980), pick(g, usStreets), pick(g, []string{"St", "Ave", "Blvd", "Rd", "Way"}))
		},
		mobile: func(g *gen) string {
			return fmt.Sprintf("+1 %s 555 01%s", pick(g, []string{"917", "646", "415", "312"}), digits(g, 2))
		},
		people: english},
	{id: idCountry + 1, code: "GB", name: "United Kingdom", shown: "United Kingdom", weight: 20,
		suffixes: []string{"Ltd", "LLP", "plc"},
		cities: []city{
			{"London", "Greater London", "20 7946", ukPostal("EC")}, {"Manchester", "Greater Manchester", "161 496", ukPostal("M")},
			{"Bristol", "Bristol", "117 496", ukPostal("BS")}, {"Leeds", "West Yorkshire", "113 496", ukPostal("LS")},
			{"Edinburgh", "Scotland", "131 496", ukPostal("EH")}, {"Birmingham", "West Midlands", "121 496", ukPostal("B")},
		},
		street: func(g *gen) string {
			return fmt.Sprintf("%d %s %s", 1+g.r.IntN(240), pick(g, ukStreets), pick(g, []string{"Road", "Street", "Lane", "Place"}))
		},
		mobile: func(g *gen) string { return "+44 7700 900" + digits(g, 3) },
		people: english},
	{id: idCountry + 2, code: "DE", name: "Germany", shown: "Deutschland", weight: 20,
		suffixes: []string{"GmbH", "AG", "GmbH & Co. KG"},
		cities: []city{
			{"Berlin", "Berlin", "30", fixed("101", 2)}, {"Hamburg", "Hamburg", "40", fixed("200", 2)},
			{"München", "Bayern", "89", fixed("803", 2)}, {"Köln", "Nordrhein-Westfalen", "221", fixed("506", 2)},
			{"Frankfurt am Main", "Hessen", "69", fixed("603", 2)}, {"Stuttgart", "Baden-Württemberg", "711", fixed("701", 2)},
			{"Leipzig", "Sachsen", "341", fixed("041", 2)},
		},
		street: func(g *gen) string { return fmt.Sprintf("%s %d", pick(g, deStreets), 1+g.r.IntN(120)) },
		mobile: func(g *gen) string { return "+49 151 " + digits(g, 8) },
		people: german},
	{id: idCountry + 3, code: "FR", name: "France", shown: "France", weight: 10,
		suffixes: []string{"SARL", "SAS", "SA"},
		cities: []city{
			{"Paris", "Île-de-France", "1", fixed("750", 2)}, {"Lyon", "Auvergne-Rhône-Alpes", "4", fixed("6900", 1)},
			{"Marseille", "Provence-Alpes-Côte d'Azur", "4", fixed("130", 2)}, {"Toulouse", "Occitanie", "5", fixed("310", 2)},
			{"Nantes", "Pays de la Loire", "2", fixed("440", 2)}, {"Lille", "Hauts-de-France", "3", fixed("590", 2)},
		},
		street: func(g *gen) string { return fmt.Sprintf("%d %s", 1+g.r.IntN(180), pick(g, frStreets)) },
		mobile: func(g *gen) string {
			return fmt.Sprintf("+33 6 %s %s %s %s", digits(g, 2), digits(g, 2), digits(g, 2), digits(g, 2))
		},
		people: french},
	{id: idCountry + 4, code: "NL", name: "Netherlands", shown: "Nederland", weight: 10,
		suffixes: []string{"B.V.", "N.V."},
		cities: []city{
			{"Amsterdam", "Noord-Holland", "20", nlPostal("10")}, {"Rotterdam", "Zuid-Holland", "10", nlPostal("30")},
			{"Utrecht", "Utrecht", "30", nlPostal("35")}, {"Den Haag", "Zuid-Holland", "70", nlPostal("25")},
			{"Eindhoven", "Noord-Brabant", "40", nlPostal("56")}, {"Groningen", "Groningen", "50", nlPostal("97")},
		},
		street: func(g *gen) string { return fmt.Sprintf("%s %d", pick(g, nlStreets), 1+g.r.IntN(300)) },
		mobile: func(g *gen) string { return "+31 6 " + digits(g, 8) },
		people: dutch},
}

// phone is a landline number in a city.
func (c *country) phone(g *gen, ct city) string {
	switch c.code {
	case "US":
		return fmt.Sprintf("+1 %s 555 01%s", ct.area, digits(g, 2))
	case "GB":
		return fmt.Sprintf("+44 %s %s", ct.area, digits(g, 4))
	case "FR":
		return fmt.Sprintf("+33 %s %s %s %s %s", ct.area, digits(g, 2), digits(g, 2), digits(g, 2), digits(g, 2))
	}
	return fmt.Sprintf("+%s %s %s", map[string]string{"DE": "49", "NL": "31"}[c.code], ct.area, digits(g, 7))
}

var (
	usStreets = []string{"Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine", "Sunset", "Madison"}
	ukStreets = []string{"High", "Station", "Church", "Victoria", "King's", "Queen's", "Mill", "Park", "London", "Albert"}
	deStreets = []string{"Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Goethestraße", "Berliner Allee",
		"Lindenstraße", "Kirchplatz", "Mühlenweg", "Schlossstraße"}
	frStreets = []string{"rue de la Paix", "rue Victor Hugo", "avenue Jean Jaurès", "boulevard Voltaire", "rue du Général de Gaulle",
		"place de la République", "rue Pasteur", "quai des Célestins"}
	nlStreets = []string{"Keizersgracht", "Damrak", "Coolsingel", "Oudegracht", "Stationsplein", "Herengracht", "Lange Voorhout", "Vismarkt"}
)
