package native_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/psadav/psadav/backend/native"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

type obj = map[string]any

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return b
}

func items(records ...obj) obj { return obj{"items": records} }

// bundle is a small organisation in Autotask's shapes, including its
// inconsistencies: Resources and Companies send isActive as a boolean,
// Contacts as 1/0 (and here once as true).
func bundle() obj {
	return obj{
		"Resources": items(
			obj{"id": 29682900, "userName": "alice", "firstName": "Alice", "lastName": "Walker", "isActive": true},
			obj{"id": 29682901, "userName": "bob", "firstName": "Bob", "lastName": "Stone", "isActive": true},
		),
		"Countries": items(obj{"id": 237, "countryCode": "US", "name": "United States", "displayName": "United States", "isActive": true}),
		"Companies": items(
			obj{"id": 0, "companyName": "Northwind IT Services", "companyType": 1, "ownerResourceID": 29682901, "phone": "+1 212 555 0100", "isActive": true},
			obj{"id": 174, "companyName": "Acme Inc.", "companyType": 1, "ownerResourceID": 29682900, "phone": "+1 212 555 0101", "isActive": true,
				"userDefinedFields": []obj{{"name": "Tier", "value": "Gold"}}},
		),
		"Contacts": items(
			obj{"id": 30682900, "companyID": 174, "isActive": 1, "firstName": "Ann", "lastName": "Lee", "countryID": 237,
				"emailAddress": "ann.lee@acme.example.com", "lastModifiedDate": "2026-05-01T10:00:00.000Z"},
			obj{"id": 30682901, "companyID": 174, "isActive": true, "firstName": "Art", "lastName": "Ng"},
			obj{"id": 30682902, "companyID": 174, "isActive": 0, "firstName": "Gone", "lastName": "Away"},
			obj{"id": 30682903, "companyID": 0, "isActive": 1, "firstName": "Ivy", "lastName": "Own"},
		),
		"ActionTypes": obj{
			"fields": []obj{{"name": "view", "dataType": "integer", "isRequired": true, "isPickList": true,
				"picklistValues": []obj{
					{"value": "7", "label": "Calendar", "isActive": true, "sortOrder": 1},
					{"value": "8", "label": "To-Do", "isActive": true, "sortOrder": 2},
				}}},
			"items": []obj{{"id": 3, "name": "Meeting", "view": 7, "isActive": true}},
		},
		"Appointments": items(obj{"id": 40101, "resourceID": 29682900, "title": "Stand-up",
			"startDateTime": "2026-05-21T09:00:00Z", "endDateTime": "2026-05-21T09:15:00Z"}),
	}
}

func importJSON(t *testing.T, s *storage.Store, data []byte, opts native.Options) (native.Report, error) {
	t.Helper()
	return native.Import(context.Background(), s, bytes.NewReader(data), opts)
}

func contactsBook(t testing.TB, s *storage.Store, a storage.Account) storage.Collection {
	t.Helper()
	c, err := s.UserCollection(context.Background(), a.ID, storage.CollContacts)
	must(t, err)
	return c
}

func hrefs(t testing.TB, s *storage.Store, c storage.Collection) []string {
	t.Helper()
	var out []string
	must(t, s.ListObjects(context.Background(), c.ID, func(o storage.ObjectInfo) error {
		out = append(out, o.Href)
		return nil
	}))
	return out
}

func TestImportBundle(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		alice, err := s.CreateAccount(ctx, "alice", "secret", ptr(int64(29682900)), storage.DefaultUserSettings())
		must(t, err)
		data := jsonOf(t, bundle())
		rep, err := importJSON(t, s, data, native.Options{FileName: "bundle.json"})
		must(t, err)
		if rep.Created != 11 || rep.Updated != 0 || rep.Unchanged != 0 || rep.Counts[mapping.EntityContacts] != 4 {
			t.Fatalf("report = %+v", rep)
		}
		if !slices.Equal(rep.Metadata, []mapping.Entity{mapping.EntityActionTypes}) {
			t.Errorf("metadata = %v", rep.Metadata)
		}
		// Alice manages Acme: its two active contacts (one sent isActive as true).
		book := contactsBook(t, s, alice)
		if got, want := hrefs(t, s, book), []string{"contact-30682900.vcf", "contact-30682901.vcf"}; !slices.Equal(got, want) {
			t.Fatalf("alice's contacts = %v, want %v", got, want)
		}
		card, err := s.GetObject(ctx, book.ID, "contact-30682900.vcf")
		must(t, err)
		for _, want := range []string{"ORG:Acme Inc.", "EMAIL;TYPE=INTERNET,WORK,pref:ann.lee@acme.example.com", "United States"} {
			if !strings.Contains(string(card.Body), want) {
				t.Errorf("card lacks %q:\n%s", want, card.Body)
			}
		}
		token, err := s.SyncToken(ctx, book)
		must(t, err)

		// The same file again changes nothing.
		rep, err = importJSON(t, s, data, native.Options{})
		must(t, err)
		if rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 11 {
			t.Fatalf("re-import report = %+v, want everything unchanged", rep)
		}
		if after, err := s.SyncToken(ctx, book); err != nil || after != token {
			t.Fatalf("sync token moved %d → %d (%v) on an unchanged re-import", token, after, err)
		}

		// A changed contact is an update, and the book moves on.
		b := bundle()
		b["Contacts"].(obj)["items"].([]obj)[0]["title"] = "CFO"
		rep, err = importJSON(t, s, jsonOf(t, b), native.Options{})
		must(t, err)
		if rep.Updated != 1 || rep.Unchanged != 10 {
			t.Fatalf("report after one change = %+v", rep)
		}
		if after, err := s.SyncToken(ctx, book); err != nil || after <= token {
			t.Fatalf("sync token %d → %d (%v) after a change", token, after, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func counts(t *testing.T, s *storage.Store) map[mapping.Entity]int {
	t.Helper()
	out := map[mapping.Entity]int{}
	for _, e := range mapping.Entities {
		n, err := s.CountPSA(context.Background(), e)
		must(t, err)
		out[e] = n
	}
	return out
}

func TestImportRefusesBadRecords(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		_, err := importJSON(t, s, jsonOf(t, bundle()), native.Options{})
		must(t, err)
		alice, err := s.CreateAccount(ctx, "alice", "secret", ptr(int64(29682900)), storage.DefaultUserSettings())
		must(t, err)
		token, err := s.SyncToken(ctx, contactsBook(t, s, alice))
		must(t, err)
		before := counts(t, s)

		b := bundle()
		contacts := b["Contacts"].(obj)["items"].([]obj)
		contacts[0]["firstName"] = strings.Repeat("é", 51) // 51 characters, 102 bytes
		delete(contacts[1], "id")
		contacts = append(contacts, obj{"id": 30682999, "companyID": 174, "isActive": 1, "firstName": "New", "lastName": "Person"})
		b["Contacts"].(obj)["items"] = contacts
		b["Appointments"].(obj)["items"].([]obj)[0]["startDateTime"] = "yesterday"
		b["Appointments"].(obj)["items"] = append(b["Appointments"].(obj)["items"].([]obj),
			obj{"id": 40102, "resourceID": 29682900, "title": "Backwards", "startDateTime": "2026-05-21T10:00:00Z", "endDateTime": "2026-05-21T09:00:00Z"})
		b["Companies"].(obj)["items"] = append(b["Companies"].(obj)["items"].([]obj), obj{"id": 175, "companyType": 1, "ownerResourceID": 1, "phone": "1"})

		_, err = importJSON(t, s, jsonOf(t, b), native.Options{})
		var verr *native.ValidationError
		if !errors.As(err, &verr) {
			t.Fatalf("import of a bad file: %v", err)
		}
		var got []string
		for _, p := range verr.Problems {
			got = append(got, p.String())
		}
		want := []string{
			"Companies id 175: companyName is missing",
			"Contacts id 30682900: firstName is 51 characters long; the limit is 50",
			"Contacts item 2: missing id",
			`Appointments id 40101: startDateTime: "yesterday" is not a date (want e.g. 2026-01-31T14:30:00Z)`,
			"Appointments id 40102: endDateTime 2026-05-21T09:00:00Z is before startDateTime 2026-05-21T10:00:00Z",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		if !strings.HasPrefix(err.Error(), "import refused, nothing applied: 5 problems\n") {
			t.Errorf("error text: %s", err)
		}
		// Nothing applied: not even the good new contact.
		if after := counts(t, s); !mapsEqual(before, after) {
			t.Fatalf("counts changed by a refused file: %v → %v", before, after)
		}
		if after, err := s.SyncToken(ctx, contactsBook(t, s, alice)); err != nil || after != token {
			t.Fatalf("sync token moved %d → %d (%v) for a refused file", token, after, err)
		}
	})
}

func mapsEqual(a, b map[mapping.Entity]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Many bad records: the error lists the first MaxProblems and counts the rest.
func TestImportProblemLimit(t *testing.T) {
	s := storagetest.OpenSQLite(t)
	var recs []obj
	for i := range 70 {
		recs = append(recs, obj{"id": i + 1, "companyID": 1, "isActive": 1, "firstName": "", "lastName": "X"})
	}
	recs = append(recs, obj{"id": 3, "companyID": 1, "isActive": 1, "firstName": "Dup", "lastName": "X"})
	_, err := importJSON(t, s, jsonOf(t, items(recs...)), native.Options{Entity: "contacts"})
	var verr *native.ValidationError
	if !errors.As(err, &verr) || verr.Total != 71 || len(verr.Problems) != native.MaxProblems {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasSuffix(err.Error(), "… and 21 more") {
		t.Errorf("error text ends %q", err.Error()[len(err.Error())-40:])
	}
	if p := verr.Problems[0]; p.Entity != mapping.EntityContacts || p.ID != 1 || p.Field != "firstName" {
		t.Errorf("first problem = %+v", p)
	}
}

func TestImportEntityHint(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		company := obj{"id": 1, "companyName": "Acme", "companyType": 1, "ownerResourceID": 5, "phone": "1", "isActive": true}
		for _, c := range []struct {
			name string
			data obj
			opts native.Options
			err  string
		}{
			{"file name", items(company), native.Options{FileName: "/exports/companies.json"}, ""},
			{"entity key", obj{"items": []obj{company}, "entity": "Companies"}, native.Options{FileName: "page-1.json"}, ""},
			{"option", items(company), native.Options{Entity: "Companies", FileName: "Contacts.json"}, ""},
			{"single item", obj{"item": company}, native.Options{Entity: "Companies"}, ""},
			{"none", items(company), native.Options{FileName: "page-1.json"}, "cannot tell which entity the items are"},
			{"conflict", obj{"entity": "Contacts", "items": []obj{company}}, native.Options{Entity: "Companies"},
				"the file says its entity is Contacts, but Companies was asked for"},
			{"unknown option", items(company), native.Options{Entity: "Widgets"}, `unknown entity "Widgets"`},
			{"unknown bundle key", obj{"Contact": items()}, native.Options{}, `unknown key "Contact"`},
		} {
			rep, err := importJSON(t, s, jsonOf(t, c.data), c.opts)
			switch {
			case c.err == "" && err != nil:
				t.Errorf("%s: %v", c.name, err)
			case c.err == "" && rep.Counts[mapping.EntityCompanies] != 1:
				t.Errorf("%s: report %+v", c.name, rep)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("%s: error %v, want one saying %q", c.name, err, c.err)
			}
		}
		if n, err := s.CountPSA(context.Background(), mapping.EntityCompanies); err != nil || n != 1 {
			t.Fatalf("companies = %d, %v", n, err)
		}
	})
}

func TestImportMalformedJSON(t *testing.T) {
	s := storagetest.OpenSQLite(t)
	for data, want := range map[string]string{
		`{"items": [{"id": 1,}]}`:   "not valid JSON at byte",
		`{"items": [{"id": 1}]`:     "ends in the middle",
		`[{"id": 1}]`:               "an import file is a JSON object",
		`{"items": []} {"more": 1}`: "unexpected data after the JSON object",
	} {
		_, err := importJSON(t, s, []byte(data), native.Options{Entity: "Contacts"})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", data, err, want)
		}
	}
}

func TestImportFieldMetadata(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		meta := obj{"entity": "ActionTypes", "fields": []obj{
			{"name": "id", "dataType": "long", "isRequired": true, "isReadOnly": true},
			{"name": "name", "dataType": "string", "length": 32, "isRequired": true},
			{"name": "view", "dataType": "integer", "isRequired": true, "isPickList": true, "picklistValues": []obj{
				{"value": "1", "label": "Calendar", "isActive": true, "isSystem": true, "sortOrder": 1, "parentValue": ""},
				{"value": 2, "label": "To-Do", "isActive": true, "isSystem": true, "sortOrder": 2},
				{"value": "3", "label": "Calendar and To-Do", "isActive": true, "sortOrder": 3},
				{"value": "4", "label": "Neither", "isActive": true, "sortOrder": 4},
			}},
		}}
		rep, err := importJSON(t, s, jsonOf(t, meta), native.Options{})
		must(t, err)
		if len(rep.Metadata) != 1 || rep.Created != 0 {
			t.Fatalf("report = %+v", rep)
		}
		sc, err := s.Schema(ctx)
		must(t, err)
		if got := sc.Label(mapping.EntityActionTypes, "view", 2); got != "To-Do" {
			t.Errorf("label of view 2 = %q", got)
		}
		if v := sc.ActionTypeView(3); v != mapping.ViewCalendarAndToDo {
			t.Errorf("view 3 = %v", v)
		}
		if f, ok := sc.Field(mapping.EntityActionTypes, "name"); !ok || f.Length != 32 || !f.Required {
			t.Errorf("name field = %+v, %v", f, ok)
		}

		// A file's own metadata is what its records are checked against:
		// a tenant with shorter first names refuses a longer one; a tenant
		// with longer ones still cannot exceed the mirror's column.
		for _, c := range []struct {
			length int
			name   string
			want   string
		}{
			{20, strings.Repeat("a", 21), "Contacts id 9: firstName is 21 characters long; the limit is 20"},
			{100, strings.Repeat("a", 60), "Contacts id 9: firstName is 60 characters long; the limit is 50"},
		} {
			file := obj{"Contacts": obj{
				"fields": []obj{{"name": "firstName", "dataType": "string", "length": c.length, "isRequired": true}},
				"items":  []obj{{"id": 9, "companyID": 1, "isActive": 1, "firstName": c.name, "lastName": "B"}},
			}}
			_, err := importJSON(t, s, jsonOf(t, file), native.Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("length %d: error %v, want %q", c.length, err, c.want)
			}
		}
		sc, err = s.Schema(ctx)
		must(t, err)
		if f, _ := sc.Field(mapping.EntityContacts, "firstName"); f.Length != 50 {
			t.Errorf("a refused file changed the schema: firstName %+v", f)
		}
	})
}

// Values the database would refuse with a driver error are refused by the
// import, by name, on PostgreSQL too.
func TestImportRefusesWhatTheDatabaseCannotStore(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		file := `{
  "Contacts": {"items": [
    {"id": 1, "companyID": 1, "isActive": 2, "firstName": "A", "lastName": "B"},
    {"id": 2, "companyID": 1, "isActive": 1, "firstName": "A", "lastName": "B", "userDefinedFields": [{"name": "x", "value": "a\u0000b"}]},
    {"id": 3, "companyID": 1, "isActive": 1, "firstName": "A\ud800", "lastName": "B"},
    {"id": 4, "companyID": 1, "isActive": 1, "firstName": "A", "lastName": "B", "namePrefix": 4294967296}
  ]},
  "Countries": {"items": [{"id": 9, "countryCode": "USA"}]},
  "TimeOffRequests": {"items": [{"id": 5, "resourceID": 1, "requestDate": "2026-05-21", "status": 1, "hours": 1000000}]}
}`
		_, err := importJSON(t, s, []byte(file), native.Options{})
		var verr *native.ValidationError
		if !errors.As(err, &verr) {
			t.Fatalf("err = %v", err)
		}
		var got []string
		for _, p := range verr.Problems {
			got = append(got, p.String())
		}
		want := []string{
			"Countries id 9: countryCode is 3 characters long; the limit is 2",
			"Contacts id 1: isActive must be 0 or 1 (or false/true), not 2",
			`Contacts id 2: contains a NUL character (\u0000), which the database cannot store`,
			`Contacts id 3: contains a broken UTF-16 surrogate escape (\ud800), which the database cannot store`,
			"Contacts id 4: namePrefix 4294967296 is out of range for a 32-bit picklist code",
			"TimeOffRequests id 5: hours 1e+06 is out of range (must stay below 1e+06)",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	})
}
