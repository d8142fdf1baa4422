package native_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/native"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// largeFile is the bench's load: a bundle of 20 resources, 500 companies,
// 10,000 contacts and 20,000 appointments.
func largeFile(t testing.TB) []byte {
	t.Helper()
	day := time.Date(2026, 5, 21, 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	section := func(e mapping.Entity, n int, item func(i int) any) {
		fmt.Fprintf(&buf, "%q: {\"items\": [", e)
		for i := range n {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := enc.Encode(item(i)); err != nil {
				t.Fatal(err)
			}
		}
		buf.WriteString("]}")
	}
	buf.WriteByte('{')
	section(mapping.EntityResources, 20, func(i int) any {
		return &mapping.Resource{ID: 29682900 + int64(i), UserName: fmt.Sprintf("tech%02d", i), FirstName: "Tech",
			LastName: fmt.Sprint(i), Email: fmt.Sprintf("tech%02d@example.com", i), IsActive: true}
	})
	buf.WriteByte(',')
	section(mapping.EntityCompanies, 500, func(i int) any {
		return &mapping.Company{ID: 174 + int64(i), CompanyName: fmt.Sprintf("Company %03d Ltd", i), CompanyType: ptr(int64(1)),
			OwnerResourceID: ptr(29682900 + int64(i%20)), IsActive: true, Phone: "+44 20 7946 0000", City: "London"}
	})
	buf.WriteByte(',')
	section(mapping.EntityContacts, 10000, func(i int) any {
		return &mapping.Contact{ID: 30682900 + int64(i), CompanyID: 174 + int64(i%500), IsActive: 1,
			FirstName: fmt.Sprintf("First%d", i), LastName: fmt.Sprintf("Last%d", i), Title: "Office Manager",
			EmailAddress: fmt.Sprintf("person%d@example.com", i), Phone: "+44 20 7946 0123", Extension: "12",
			AddressLine: "1 High Street", City: "London", ZipCode: "EC1A 1BB"}
	})
	buf.WriteByte(',')
	section(mapping.EntityAppointments, 20000, func(i int) any {
		start := day.Add(time.Duration(i%(270*24)-90*24) * time.Hour)
		return &mapping.Appointment{ID: 40101 + int64(i), ResourceID: 29682900 + int64(i%20), Title: fmt.Sprintf("Appointment %d", i),
			Description: "Agenda:\n- one\n- two", StartDateTime: start, EndDateTime: start.Add(time.Hour)}
	})
	buf.WriteByte('}')
	return buf.Bytes()
}

// BenchmarkImportLarge measures the bench's load path on each database:
// the file into an empty store, the same file again (all unchanged), and
// the file into a store with five users whose address books it fills.
// Run: go test -run XXX -bench ImportLarge -benchtime 1x ./backend/native/
func BenchmarkImportLarge(b *testing.B) {
	data := largeFile(b)
	for _, db := range []struct {
		name string
		open func(testing.TB, ...storagetest.Options) *storage.Store
	}{{"sqlite", storagetest.OpenSQLite}, {"postgres", storagetest.OpenPostgres}} {
		b.Run(db.name, func(b *testing.B) {
			for range b.N {
				importLarge(b, data, db.open)
			}
		})
	}
}

func importLarge(b *testing.B, data []byte, open func(testing.TB, ...storagetest.Options) *storage.Store) {
	ctx := context.Background()
	run := func(what string, s *storage.Store) native.Report {
		start := time.Now()
		rep, err := native.Import(ctx, s, bytes.NewReader(data), native.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %d contacts + %d appointments (%.1f MB) on %s in %v: %d created, %d updated, %d unchanged",
			what, rep.Counts[mapping.EntityContacts], rep.Counts[mapping.EntityAppointments], float64(len(data))/1e6,
			s.Dialect(), time.Since(start).Round(time.Millisecond), rep.Created, rep.Updated, rep.Unchanged)
		return rep
	}
	s := open(b)
	if rep := run("into an empty store", s); rep.Created != 30520 {
		b.Fatalf("report %+v", rep)
	}
	if rep := run("again, unchanged", s); rep.Unchanged != 30520 {
		b.Fatalf("report %+v", rep)
	}
	fresh := open(b)
	var books []storage.Collection
	for i := range 5 {
		a, err := fresh.CreateAccount(ctx, fmt.Sprintf("tech%02d", i), "secret", ptr(29682900+int64(i)), storage.DefaultUserSettings())
		must(b, err)
		books = append(books, contactsBook(b, fresh, a))
	}
	run("into a store with 5 users", fresh)
	if n := len(hrefs(b, fresh, books[0])); n != 500 {
		b.Errorf("tech00 has %d contacts, want 500 (25 companies × 20)", n)
	}
}
