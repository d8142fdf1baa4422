package mapping

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-vcard"
)

// Benchmarks of the pure hot paths: rendering a PSA contact and an
// appointment, and reading what a client PUTs. Run:
//
//	go test -run XXX -bench . -benchmem ./mapping/

func benchContact() ContactView {
	mod := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	return ContactView{
		Contact: Contact{ID: 30682900, CompanyID: 174, IsActive: 1, FirstName: "Ann", LastName: "Archer", MiddleInitial: "B",
			Title: "Office Manager", EmailAddress: "ann.archer@example.com", EmailAddress2: "ann@home.example",
			Phone: "+1 555 0100", Extension: "12", MobilePhone: "+1 555 0199", FaxNumber: "+1 555 0101",
			AddressLine: "1 Main Street", AddressLine1: "Suite 4", City: "Springfield", State: "IL", ZipCode: "62701",
			Note: "Prefers e-mail", LinkedInURL: "https://www.linkedin.com/in/annarcher", LastModifiedDate: &mod},
		Company: &Company{ID: 174, CompanyName: "Acme Corporation", WebAddress: "https://acme.example"},
		Country: &Country{ID: 237, CountryCode: "US", DisplayName: "United States"},
		Journal: []CompanyNote{{ID: 1, Name: "Call", Note: "Asked for a quote", CreateDateTime: &mod}},
	}
}

func BenchmarkRenderContact(b *testing.B) {
	v := benchContact()
	b.ReportAllocs()
	for b.Loop() {
		if len(EncodeCard(RenderContact(v))) == 0 {
			b.Fatal("empty card")
		}
	}
}

func BenchmarkRenderAppointment(b *testing.B) {
	start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	v := AppointmentView{Appointment: Appointment{ID: 601, ResourceID: 29682901, Title: "Customer visit",
		Description: "Agenda: review open tickets\nBring the spare router", StartDateTime: start, EndDateTime: start.Add(time.Hour)}}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ctx  CalendarContext
	}{{"utc", CalendarContext{LinkTemplate: "https://psa.example/{entity}/{id}"}},
		{"berlin", CalendarContext{Location: berlin, LinkTemplate: "https://psa.example/{entity}/{id}"}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := RenderAppointment(v, c.ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReadClientCard(b *testing.B) {
	for _, name := range []string{"ios.vcf", "davx5.vcf", "thunderbird.vcf"} {
		body, err := os.ReadFile("testdata/clients/" + name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ReadContactCard(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseClientCalendar(b *testing.B) {
	for _, name := range []string{"ios-event.ics", "davx5-recurring-private-event.ics", "thunderbird-task.ics"} {
		body, err := os.ReadFile("testdata/clients/" + name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseCalendarObject(body, time.UTC); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServeClientToDo: serving a client's to-do over psadav's
// rendering, when the PSA kept its times (the client's bytes) and when it
// moved them (written in the client's form); and a PSA task with the
// client's kept DATE form merged in.
func BenchmarkServeClientToDo(b *testing.B) {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		b.Fatal(err)
	}
	sent := clientToDo("DUE;VALUE=DATE:20251210", "CATEGORIES:Home", "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "END:VALARM")
	o, err := ParseCalendarObject(sent, loc)
	if err != nil {
		b.Fatal(err)
	}
	midnight := time.Date(2025, 12, 10, 8, 0, 0, 0, time.UTC)
	data, err := KeepClientObject(o, sent, PSATimes{midnight, midnight})
	if err != nil {
		b.Fatal(err)
	}
	render := func(at time.Time) []byte {
		body, err := RenderToDo(ToDoView{ToDo: ToDo{ID: 5, StartDateTime: at, EndDateTime: at}}, true, CalendarContext{Location: loc})
		if err != nil {
			b.Fatal(err)
		}
		return body
	}
	kept, err := KeptWithForms("", o, PSATimes{midnight, midnight})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		serve func() ([]byte, error)
	}{
		{"unchanged", func() ([]byte, error) { return OverlayClientToDo(render(midnight), data, loc) }},
		{"moved", func() ([]byte, error) { return OverlayClientToDo(render(midnight.AddDate(0, 0, 1)), data, loc) }},
		{"psa-item-forms", func() ([]byte, error) { return MergeKeptCalendar(render(midnight.AddDate(0, 0, 1)), kept, loc) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.serve(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeCardLongNote reads a card with a 1 MB NOTE, folded at 75
// octets as clients and psadav write it (about 14,000 folded lines).
func BenchmarkDecodeCardLongNote(b *testing.B) {
	card := vcard.Card{}
	card.SetValue(vcard.FieldVersion, "3.0")
	card.SetValue(vcard.FieldFormattedName, "Nora Neu")
	card.SetValue(vcard.FieldName, "Neu;Nora;;;")
	card.SetValue(vcard.FieldNote, strings.Repeat("Backup report for the Munich site. ", 30_000))
	body := EncodeCard(card)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := DecodeCard(body); err != nil {
			b.Fatal(err)
		}
	}
}
