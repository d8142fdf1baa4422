package mapping

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) *ContactCard {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "clients", name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ReadContactCard(body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

// keptSummary lists kept properties as NAME or group.NAME, sorted.
func keptSummary(c *ContactCard) []string {
	var out []string
	for name, fields := range c.Kept {
		for _, f := range fields {
			n := name
			if f.Group != "" {
				n = f.Group + "." + name
			}
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Cards shaped like what real clients write split into the PSA's fields
// and the properties kept for the user; nothing is dropped but psadav's
// own bookkeeping and the labels of properties that were mapped.
func TestClientCardsSplit(t *testing.T) {
	cases := []struct {
		file string
		want ContactCard // the mapped values (Kept, URLs, fields ignored)
		kept []string
		urls []string
	}{
		{"ios.vcf", ContactCard{UID: "4F6E0F0E-9D3B-4B1C-8A59-3C8C2F3C1A01", Last: "Nguyen", First: "Linh", Org: "Acme Corp",
			Title: "Operations Manager", Emails: []string{"linh.nguyen@acme.example", "linh@home.example"},
			Phone: "+1 (555) 010-0200", Extension: "42", Mobile: "+1 555 010 0299",
			Address:  CardAddress{Line: "1 Infinite Loop", Line1: "Building 4", City: "Cupertino", State: "CA", Zip: "95014", Country: "United States", CountryCode: "us"},
			LinkedIn: "https://www.linkedin.com/in/linh-nguyen", Note: "Met at the 2024 MSP summit.", HasNote: true},
			[]string{"BDAY", "CATEGORIES", "NICKNAME", "TEL", "X-ABUID", "X-SOCIALPROFILE", "item1.TEL", "item1.X-ABLABEL",
				"item3.ADR", "item3.X-ABADR", "item5.X-ABLABEL", "item5.X-ABRELATEDNAMES"}, nil},
		{"davx5.vcf", ContactCard{UID: "urn:uuid:5d5b6b2a-0c1e-4f43-9f0e-2f7a3e9c1b44", Last: "Becker", First: "Jonas", Org: "Globex",
			Emails: []string{"jonas.becker@globex.example", "jb@mail.example"}, Phone: "+49 30 1234567", Extension: "15", Mobile: "+49 170 1234567",
			Address: CardAddress{Line: "Hauptstr. 5", City: "Berlin", Zip: "10115", Country: "Deutschland"}},
			[]string{"ANNIVERSARY", "CATEGORIES", "IMPP", "X-PHONETIC-LAST-NAME", "item1.TEL", "item1.X-ABLABEL"},
			[]string{"https://jonas.example/blog"}},
		{"thunderbird.vcf", ContactCard{UID: "b1c2d3e4-f5a6-4b7c-8d9e-0a1b2c3d4e5f", Last: "Lee", First: "Kim", Org: "Initech", Title: "Controller",
			Emails: []string{"kim.lee@initech.example"}, Phone: "+44 20 7946 0958", Extension: "204", Mobile: "+44 7700 900123",
			Address: CardAddress{Line: "10 Downing Street", City: "London", Zip: "SW1A 2AA", Country: "GB"}, Note: "Prefers e-mail.", HasNote: true},
			[]string{"BDAY", "NICKNAME", "TEL"}, []string{"https://initech.example"}},
		{"outlook-caldavsynchronizer.vcf", ContactCard{UID: "0e8d3b6e-1f7b-4e0b-9d7a-9a4e5c6b7d8f", Last: "Schmidt", First: "Anna", Middle: "Maria", Prefix: "Dr.",
			Org: "Acme Corp", Title: "Head of IT", Emails: []string{"anna.schmidt@acme.example", "a.schmidt@acme.example", "anna@private.example"},
			Phone: "+49 (89) 123456-10", Mobile: "+49 171 2345678", Fax: "+49 (89) 123456-99", Alternate: "+49 89 123456-11",
			Address: CardAddress{Line: "Leopoldstraße 1", City: "München", State: "Bayern", Zip: "80802", Country: "Deutschland"},
			Note:    "Prefers calls before 10:00.", HasNote: true},
			[]string{"ADR", "BDAY", "EMAIL", "ROLE", "TEL", "X-WAB-GENDER"}, []string{"https://www.acme.example"}},
		{"vdirsyncer-minimal.vcf", ContactCard{UID: "0c9a2cbf-6c7b-4a6f-bd9a-2d0f2b7d51c3", Last: "Doe", First: "Pat",
			Emails: []string{"pat@example.org"}, Phone: "+1 555 0100", Extension: "7"}, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			c := readFixture(t, tc.file)
			got := *c
			got.Kept, got.URLs, got.OrgField, got.PhotoField, got.Photo, got.NoteField = nil, nil, nil, nil, "", nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("mapped values\n got %+v\nwant %+v", got, tc.want)
			}
			if k := keptSummary(c); strings.Join(k, " ") != strings.Join(tc.kept, " ") {
				t.Errorf("kept %v, want %v", k, tc.kept)
			}
			var urls []string
			for _, u := range c.URLs {
				urls = append(urls, u.Value)
			}
			if strings.Join(urls, " ") != strings.Join(tc.urls, " ") {
				t.Errorf("other URLs %v, want %v", urls, tc.urls)
			}
		})
	}
	if c := readFixture(t, "ios.vcf"); c.Photo == "" || c.PhotoField == nil {
		t.Error("the iPhone's inline photo was not read")
	}
}

// Creating a contact from each client's card: the outcome is what the PSA
// gets, and the properties it has no field for are kept.
func TestClientCardsCreate(t *testing.T) {
	acme := &Company{ID: 174, CompanyName: "Acme Corp", WebAddress: "https://www.acme.example/", IsActive: true}
	initech := &Company{ID: 175, CompanyName: "Initech", WebAddress: "https://initech.example", IsActive: true}
	us := Country{ID: 401, CountryCode: "US", Name: "United States", DisplayName: "United States", IsActive: true}
	gb := Country{ID: 402, CountryCode: "GB", Name: "United Kingdom", DisplayName: "United Kingdom", IsActive: true}
	countries := []Country{us, gb, germany}
	for _, tc := range []struct {
		file    string
		company *Company
		check   func(t *testing.T, r ContactResult)
	}{
		{"ios.vcf", acme, func(t *testing.T, r ContactResult) {
			if r.Contact.CountryID == nil || *r.Contact.CountryID != 401 || r.Contact.Extension != "42" {
				t.Errorf("contact %+v", r.Contact)
			}
			if len(r.Kept["PHOTO"]) != 1 {
				t.Errorf("the photo is not kept although the PSA has none: %v", keysOf(r.Kept))
			}
		}},
		{"thunderbird.vcf", initech, func(t *testing.T, r ContactResult) {
			if r.Contact.CountryID == nil || *r.Contact.CountryID != 402 {
				t.Errorf("country by code GB: %v", r.Contact.CountryID)
			}
			if org := r.Kept["ORG"]; len(org) != 1 || org[0].Value != "Initech;Accounting" {
				t.Errorf("an ORG with a department is kept whole: %v", org)
			}
			if len(r.Kept["URL"]) != 0 {
				t.Errorf("the company's own web address is not kept twice: %v", r.Kept["URL"])
			}
		}},
		{"outlook-caldavsynchronizer.vcf", acme, func(t *testing.T, r ContactResult) {
			if r.Contact.NamePrefix == nil || *r.Contact.NamePrefix != 3 || r.Contact.CountryID == nil || *r.Contact.CountryID != 403 {
				t.Errorf("prefix %v country %v", r.Contact.NamePrefix, r.Contact.CountryID)
			}
			if len(r.Kept["URL"]) != 0 || len(r.Kept["EMAIL"]) != 1 {
				t.Errorf("kept %v", keysOf(r.Kept))
			}
		}},
		{"davx5.vcf", nil, func(t *testing.T, r ContactResult) {
			if len(r.Kept["URL"]) != 1 || r.Contact.CountryID == nil || *r.Contact.CountryID != 403 {
				t.Errorf("kept %v country %v", keysOf(r.Kept), r.Contact.CountryID)
			}
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r, err := ApplyContactCard(ContactWrite{Card: readFixture(t, tc.file), Company: tc.company, Schema: testSchema(),
				Countries: countries, Editable: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Changed) == 0 || len(r.Discarded) != 0 {
				t.Errorf("create: changed %v discarded %v", r.Changed, r.Discarded)
			}
			tc.check(t, r)
		})
	}
}

func TestSplitExtension(t *testing.T) {
	for in, want := range map[string][2]string{
		"+1 555 0100 x123":          {"+1 555 0100", "123"},
		"+1 555 0100x123":           {"+1 555 0100", "123"},
		"+1 555 0100;ext=123":       {"+1 555 0100", "123"},
		"+1 555 0100 ; ext = 123":   {"+1 555 0100", "123"},
		"+1 555 0100 ext. 123":      {"+1 555 0100", "123"},
		"+1 555 0100 Ext 123":       {"+1 555 0100", "123"},
		"+1 555 0100, extension 45": {"+1 555 0100", "45"},
		"tel:+1-555-0100;ext=9":     {"+1-555-0100", "9"},
		"+1 555 0100":               {"+1 555 0100", ""},
		"x123":                      {"x123", ""},
	} {
		n, e := SplitExtension(in)
		if n != want[0] || e != want[1] {
			t.Errorf("SplitExtension(%q) = %q, %q; want %q, %q", in, n, e, want[0], want[1])
		}
	}
}

func TestReadContactCardRefusals(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		code RefusalCode
	}{
		"not a vCard":   {"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", RefuseInvalidData},
		"no END":        {"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A B\r\n", RefuseInvalidData},
		"vCard 2.1":     {"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:A B\r\nEND:VCARD\r\n", RefuseInvalidData},
		"two cards":     {"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:B\r\nEND:VCARD\r\n", RefuseInvalidData},
		"a group card":  {"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Team\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nEND:VCARD\r\n", RefuseUnsupportedComponent},
		"a 4.0 group":   {"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Team\r\nKIND:group\r\nEND:VCARD\r\n", RefuseUnsupportedComponent},
		"empty":         {"", RefuseInvalidData},
		"binary rubble": {"\x00\xff\xfe", RefuseInvalidData},
	} {
		_, err := ReadContactCard([]byte(tc.body))
		r, ok := err.(*Refusal)
		if !ok || r.Code != tc.code {
			t.Errorf("%s: %v, want refusal %d", name, err, tc.code)
		}
	}
}

// Outlook and older phones write 2.1-style parameters in 3.0 cards.
func TestBareParameters(t *testing.T) {
	c, err := ReadContactCard([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Pat;;;\r\nTEL;WORK;VOICE:+1 555 0100\r\nTEL;CELL:+1 555 0199\r\n" +
		"TEL;HOME:+1 555 0111\r\nEMAIL;INTERNET;PREF:pat@example.org\r\nEND:VCARD\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Phone != "+1 555 0100" || c.Mobile != "+1 555 0199" || len(c.Emails) != 1 || len(c.Kept["TEL"]) != 1 {
		t.Fatalf("bare parameters: %+v", c)
	}
}
