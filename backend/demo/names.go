package demo

import (
	"strings"
	"unicode"
)

// nameSet holds a country's given names by gender and its family names.
type nameSet struct {
	male, female, family []string
}

var english = &nameSet{
	male: []string{"James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
		"Daniel", "Matthew", "Anthony", "Mark", "Steven", "Andrew", "Paul", "Joshua", "Kevin", "Brian",
		"George", "Edward", "Oliver", "Harry", "Jack", "Ryan", "Samuel", "Nathan", "Peter", "Simon"},
	female: []string{"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
		"Nancy", "Lisa", "Emily", "Emma", "Olivia", "Sophie", "Charlotte", "Amelia", "Hannah", "Rachel",
		"Laura", "Megan", "Grace", "Chloe", "Lucy", "Victoria", "Rebecca", "Amanda", "Michelle", "Kimberly"},
	family: []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
		"Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
		"Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams",
		"Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker",
		"Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson",
		"Bailey", "Reed", "Kelly", "Howard", "Ward", "Watson", "Brooks", "Hughes", "O'Brien", "McDonald"},
}

var german = &nameSet{
	male: []string{"Lukas", "Maximilian", "Felix", "Jonas", "Leon", "Paul", "Tim", "Jan", "Stefan", "Thomas",
		"Andreas", "Michael", "Jürgen", "Uwe", "Klaus", "Matthias", "Sebastian", "Tobias"},
	female: []string{"Anna", "Lena", "Laura", "Julia", "Sarah", "Katharina", "Sabine", "Petra", "Claudia", "Monika",
		"Andrea", "Jana", "Sophie", "Marie", "Lea", "Hannah", "Birgit", "Jessica"},
	family: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
		"Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
		"Braun", "Krüger", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Köhler", "Weiß"},
}

var french = &nameSet{
	male: []string{"Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "Julien", "Antoine", "Lucas", "Hugo",
		"Louis", "Mathieu", "Sébastien", "François", "Olivier", "Thierry"},
	female: []string{"Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sophie", "Camille", "Léa", "Manon", "Chloé",
		"Julie", "Céline", "Aurélie", "Émilie", "Hélène", "Élodie"},
	family: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
		"Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
		"Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "Legrand"},
}

var dutch = &nameSet{
	male: []string{"Daan", "Sem", "Lucas", "Levi", "Bram", "Thijs", "Jeroen", "Pieter", "Joost", "Sander",
		"Ruud", "Bas", "Martijn", "Koen", "Wouter", "Niels"},
	female: []string{"Emma", "Julia", "Sophie", "Anouk", "Fleur", "Sanne", "Lotte", "Eva", "Lieke", "Iris",
		"Femke", "Marloes", "Inge", "Esther", "Maaike", "Noor"},
	family: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer",
		"de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
		"de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer"},
}

var jobTitles = []string{
	"IT Manager", "Office Manager", "CEO", "CFO", "Head of Finance", "Operations Director", "Procurement Lead",
	"Systems Administrator", "Network Engineer", "Receptionist", "HR Manager", "Accountant", "Sales Director",
	"Marketing Manager", "Practice Manager", "Facilities Manager", "Managing Director", "Project Manager",
	"Help Desk Coordinator", "Compliance Officer", "Chief Technology Officer", "Data Protection Officer",
	"Payroll Specialist", "Warehouse Supervisor", "Executive Assistant",
}

// Company names are a first word and a trade, with a legal form of the
// company's country.
var (
	companyWords = []string{"Acme", "Bluewater", "Northgate", "Summit", "Redwood", "Silverline", "Harbor", "Pinnacle",
		"Crescent", "Evergreen", "Ironbridge", "Lakeside", "Maple", "Oakridge", "Riverside", "Stonegate",
		"Brightwater", "Cedar", "Falcon", "Granite", "Highland", "Kingfisher", "Meridian", "Orchard",
		"Westbrook", "Atlas", "Beacon", "Copperfield", "Foxglove", "Juniper"}
	companyTrades = []string{"Logistics", "Dental Care", "Legal Partners", "Accounting", "Engineering", "Manufacturing",
		"Architects", "Veterinary Clinic", "Property Management", "Consulting", "Insurance Brokers", "Medical Group",
		"Foods", "Construction", "Marketing", "Freight", "Pharmacy", "Hotels", "Print Works", "Solar"}
)

var asciiFold = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"É", "e", "à", "a", "â", "a", "ç", "c", "î", "i", "ï", "i", "ô", "o", "û", "u", "ù", "u", "á", "a", "í", "i", "ó", "o", "ú", "u", "ñ", "n")

// mailPart turns a name into the local part or domain label of an e-mail
// address: "Schröder" → "schroeder", "de Jong" → "dejong", "O'Brien" → "obrien".
func mailPart(s string) string {
	s = asciiFold.Replace(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
