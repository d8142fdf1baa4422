package mapping

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/render")

func i64(v int64) *int64 { return &v }

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// tinyJPEG is a 1×1 JPEG.
const tinyJPEG = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q=="

var germany = Country{ID: 403, CountryCode: "DE", Name: "Germany", DisplayName: "Deutschland", IsActive: true}

func testSchema() *Schema {
	s := NewSchema()
	s.SetPicklist(EntityContacts, "namePrefix", []PicklistValue{{Value: "1", Label: "Mr."}, {Value: "2", Label: "Ms."}, {Value: "3", Label: "Dr."}})
	s.SetPicklist(EntityContacts, "nameSuffix", []PicklistValue{{Value: "1", Label: "Jr."}, {Value: "2", Label: "PhD"}})
	return s
}

// goldenViews are the contacts the golden files show: everything the
// mapping renders, a bare one, and one a client created.
func goldenViews() map[string]ContactView {
	acme := &Company{ID: 174, CompanyName: "Acme; Sons, Ltd", WebAddress: "https://www.acme.example", IsActive: true}
	return map[string]ContactView{
		"full": {
			Contact: Contact{ID: 30682901, CompanyID: 174, IsActive: 1, FirstName: "Anna", LastName: "Schmidt",
				MiddleInitial: "M", NamePrefix: i64(3), NameSuffix: i64(2), Title: "Head of IT, EMEA",
				EmailAddress: "anna.schmidt@acme.example", EmailAddress2: "a.schmidt@acme.example", EmailAddress3: "anna@private.example",
				Phone: "+49 89 123456", Extension: "10", MobilePhone: "+49 171 2345678", FaxNumber: "+49 89 123456-99",
				AlternatePhone: "+49 89 123456-11", AddressLine: "Leopoldstraße 1", AddressLine1: "3. OG",
				AdditionalAddressInformation: "c/o Empfang", City: "München", State: "Bayern", ZipCode: "80802",
				CountryID: i64(403), Note: "Decision maker; call first",
				FacebookURL: "https://www.facebook.com/anna.schmidt", LinkedInURL: "https://www.linkedin.com/in/anna-schmidt-1234",
				TwitterURL: "https://twitter.com/annaschmidt", Photo: tinyJPEG,
				CreateDate: at("2025-01-10T08:00:00Z"), LastModifiedDate: at("2026-03-01T12:30:00Z")},
			Company: acme, Country: &germany, NamePrefix: "Dr.", NameSuffix: "PhD",
			Journal: []CompanyNote{
				{ID: 1, Name: "Call summary", Note: "Called Anna about the firewall.", CreateDateTime: at("2026-02-01T09:00:00Z")},
				{ID: 2, Name: "Meeting notes", Note: "Met on site.\nNext steps: quote.", CreateDateTime: at("2026-04-02T10:00:00Z")},
			},
		},
		"bare": {Contact: Contact{ID: 30682902, CompanyID: 0, IsActive: 1, FirstName: "Art", LastName: "Acme"}},
		"client-created": {
			Contact:   Contact{ID: -17, CompanyID: -3, IsActive: 1, FirstName: "Pat", LastName: "Doe", Phone: "+1 555 0100", Extension: "7", EmailAddress: "pat@example.org"},
			Company:   &Company{ID: -3, CompanyName: "Doe Plumbing", IsActive: true},
			ClientUID: "0c9a2cbf-6c7b-4a6f-bd9a-2d0f2b7d51c3",
		},
	}
}

func TestRenderContactGolden(t *testing.T) {
	for name, v := range goldenViews() {
		card := RenderContact(v)
		for _, version := range []string{"3.0", "4.0"} {
			body := EncodeCard(ConvertCard(card, version))
			file := filepath.Join("testdata", "render", name+".v"+version[:1]+".vcf")
			if *update {
				if err := os.WriteFile(file, body, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./mapping -update to create it)", err)
			}
			if !bytes.Equal(body, want) {
				t.Errorf("%s vCard %s differs from %s:\n%s", name, version, file, body)
			}
		}
	}
}

// A card psadav rendered, sent back unchanged in either version, changes
// nothing, keeps nothing and is not refused even in strict mode.
func TestRenderedCardRoundTrips(t *testing.T) {
	for name, v := range goldenViews() {
		for _, version := range []string{"3.0", "4.0"} {
			body := EncodeCard(ConvertCard(RenderContact(v), version))
			card, err := ReadContactCard(body)
			if err != nil {
				t.Fatalf("%s %s: %v", name, version, err)
			}
			view := v
			res, err := ApplyContactCard(ContactWrite{Card: card, Current: &view, Company: v.Company, Schema: testSchema(),
				Countries: []Country{germany}, Editable: true, Strict: true})
			if err != nil {
				t.Fatalf("%s %s: unchanged card refused: %v", name, version, err)
			}
			if len(res.Changed) > 0 || len(res.Discarded) > 0 || len(res.Kept) > 0 {
				t.Errorf("%s %s: unchanged card changed %v, discarded %v, kept %v", name, version, res.Changed, res.Discarded, keysOf(res.Kept))
			}
			if want := UID(KindContact, v.Contact.ID, v.ClientUID); card.UID != want {
				t.Errorf("%s %s: UID %q, want %q", name, version, card.UID, want)
			}
		}
	}
}

func TestRenderedCardDetails(t *testing.T) {
	v := goldenViews()["full"]
	body := unfold(EncodeCard(RenderContact(v)))
	for _, want := range []string{
		"N:Schmidt;Anna;M;Dr.;PhD\r\n", "FN:Dr. Anna M Schmidt PhD\r\n", `ORG:Acme\; Sons\, Ltd` + "\r\n",
		"TEL;TYPE=WORK,VOICE:+49 89 123456 x10\r\n", "TEL;TYPE=CELL,VOICE:+49 171 2345678\r\n",
		"TEL;TYPE=WORK,FAX:+49 89 123456-99\r\n", "TEL;TYPE=VOICE:+49 89 123456-11\r\n",
		"psa1.ADR;TYPE=WORK:;c/o Empfang;Leopoldstraße 1\\n3. OG;München;Bayern;80802;Deutschland\r\n", "psa1.X-ABADR:de\r\n",
		"URL;TYPE=WORK:https://www.acme.example\r\n", "X-PSA-CONTACT-ID:30682901\r\n", "X-PSA-COMPANY-ID:174\r\n",
		// REV is the newest change the card shows: the April journal entry.
		"REV:20260402T100000Z\r\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("card lacks %q:\n%s", want, body)
		}
	}
	// NOTE: the contact's note, then the journal newest first.
	card, err := DecodeCard([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	note := card.Value("NOTE")
	want := "Decision maker; call first\n\n2026-04-02 Meeting notes: Met on site.\nNext steps: quote.\n\n2026-02-01 Call summary: Called Anna about the firewall."
	if note != want {
		t.Errorf("NOTE = %q, want %q", note, want)
	}
	v4 := unfold(EncodeCard(ConvertCard(RenderContact(v), "4.0")))
	for _, want := range []string{"TEL;TYPE=work,voice;VALUE=uri:tel:+49-89-123456;ext=10\r\n", "psa1.ADR;CC=DE;TYPE=work:", "PHOTO:data:image/jpeg;base64,"} {
		if !strings.Contains(v4, want) {
			t.Errorf("vCard 4.0 lacks %q:\n%s", want, v4)
		}
	}
}

func unfold(b []byte) string { return strings.ReplaceAll(string(b), "\r\n ", "") }

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
