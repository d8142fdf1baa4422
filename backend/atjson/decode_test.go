package atjson

import (
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
)

func TestDecodeTolerance(t *testing.T) {
	rec, errs := Decode(mapping.EntityContacts, []byte(`{"id": 7, "companyID": "12", "isActive": true,
		"firstName": "Ann", "lastName": "Lee", "zipCode": 10115, "createDate": "2026-01-31T14:30:00",
		"lastModifiedDate": "2026-02-01", "userDefinedFields": [{"name": "Tier", "value": "Gold"}]}`))
	if errs != nil {
		t.Fatalf("tolerant decode failed: %+v", errs)
	}
	c := rec.(*mapping.Contact)
	if c.IsActive != 1 || c.CompanyID != 12 || c.ZipCode != "10115" {
		t.Errorf("decoded %+v", c)
	}
	if want := time.Date(2026, 1, 31, 14, 30, 0, 0, time.UTC); !c.CreateDate.Equal(want) || c.CreateDate.Location() != time.UTC {
		t.Errorf("createDate = %v, want %v (a time without zone is UTC)", c.CreateDate, want)
	}
	if want := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC); !c.LastModifiedDate.Equal(want) {
		t.Errorf("lastModifiedDate = %v, want %v", c.LastModifiedDate, want)
	}

	rec, errs = Decode(mapping.EntityCompanies, []byte(`{"id": 3, "companyName": "Acme", "isActive": 1}`))
	if errs != nil || !rec.(*mapping.Company).IsActive {
		t.Fatalf("Companies isActive 1: %+v %+v", rec, errs)
	}

	_, errs = Decode(mapping.EntityAppointments, []byte(`{"id": 5, "resourceID": 1.5, "startDateTime": "tomorrow",
		"title": "x", "endDateTime": 7}`))
	var got []string
	for _, e := range errs {
		got = append(got, e.Reason)
	}
	want := []string{
		"resourceID: 1.5 is not a whole number",
		`startDateTime: "tomorrow" is not a date (want e.g. 2026-01-31T14:30:00Z)`,
		"endDateTime: 7 is not a date (want a string such as 2026-01-31T14:30:00Z)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	if _, errs := Decode(mapping.EntityContacts, []byte(`[1, 2]`)); len(errs) != 1 || errs[0].Reason != "is not a JSON object" {
		t.Errorf("array item: %+v", errs)
	}
}

func TestBadEscape(t *testing.T) {
	for raw, want := range map[string]string{
		`{"a": "plain"}`:                  "",
		`{"a": "caf\u00e9 \ud83d\ude00"}`: "",
		`{"a": "\\u0000 is text"}`:        "",
		`{"a": "x\u0000y"}`:               `contains a NUL character (\u0000), which the database cannot store`,
		`{"a": "\ud83d alone"}`:           `contains a broken UTF-16 surrogate escape (\ud83d), which the database cannot store`,
		`{"a": "\ude00"}`:                 `contains a broken UTF-16 surrogate escape (\ude00), which the database cannot store`,
		`{"a": "\ud83d"}`:                 `contains a broken UTF-16 surrogate escape (\ud83d), which the database cannot store`,
	} {
		if got := BadEscape([]byte(raw)); got != want {
			t.Errorf("BadEscape(%s) = %q, want %q", raw, got, want)
		}
	}
}

// A CompanyNote written under the names psadav once used (an import file,
// a demo export) keeps its text; Autotask's own names win when both are
// there.
func TestDecodeCompanyNoteOldNames(t *testing.T) {
	for _, tc := range []struct{ raw, name, note string }{
		{`{"id":1,"companyID":2,"name":"Call","note":"Called."}`, "Call", "Called."},
		{`{"id":1,"companyID":2,"title":"Call","description":"Called."}`, "Call", "Called."},
		{`{"id":1,"companyID":2,"Title":"Call","Description":"Called."}`, "Call", "Called."},
		{`{"id":1,"companyID":"2","title":"Call","description":"Called."}`, "Call", "Called."},
		{`{"id":1,"companyID":2,"name":"New","title":"Old","note":"New text","description":"Old text"}`, "New", "New text"},
	} {
		rec, errs := Decode(mapping.EntityCompanyNotes, []byte(tc.raw))
		if len(errs) > 0 {
			t.Fatalf("%s: %v", tc.raw, errs)
		}
		n := rec.(*mapping.CompanyNote)
		if n.Name != tc.name || n.Note != tc.note || n.CompanyID != 2 {
			t.Errorf("%s: decoded %+v", tc.raw, n)
		}
	}
}
