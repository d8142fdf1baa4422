package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// calFixture is a small organisation with calendar items: alice
// (resource 100, Europe/Berlin) and bob (resource 200, UTC); action types
// of all four Views; appointments, to-dos, service calls and time off.
// The clock starts at 2025-06-01 12:00 UTC and tests may move it.
type calFixture struct {
	s          *storage.Store
	clock      *time.Time
	alice, bob storage.Account
	aliceCal   storage.Collection
	aliceTasks storage.Collection
	bobCal     storage.Collection
}

func forEachCal(t *testing.T, fn func(t *testing.T, f *calFixture)) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			clock := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
			opts := storagetest.Options{Now: func() time.Time { return clock }}
			var s *storage.Store
			if db == "sqlite" {
				s = storagetest.OpenSQLite(t, opts)
			} else {
				s = storagetest.OpenPostgres(t, opts)
			}
			fn(t, newCalFixture(t, s, &clock))
		})
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func tsp(s string) *time.Time { t := ts(s); return &t }

func newCalFixture(t *testing.T, s *storage.Store, clock *time.Time) *calFixture {
	t.Helper()
	ctx := context.Background()
	f := &calFixture{s: s, clock: clock}
	lists := []struct {
		e      mapping.Entity
		field  string
		labels map[string]string
	}{
		{mapping.EntityActionTypes, "view", map[string]string{"11": "Calendar", "12": "To-Do", "13": "Calendar and To-Do", "14": "Neither"}},
		{mapping.EntityTimeOffRequests, "status", map[string]string{"41": "Submitted", "42": "Approved", "43": "Rejected", "44": "Canceled"}},
		{mapping.EntityServiceCalls, "status", map[string]string{"71": "Scheduled", "74": "Canceled"}},
	}
	recs := []struct {
		e mapping.Entity
		r mapping.Record
	}{
		{mapping.EntityResources, &mapping.Resource{ID: 100, UserName: "alice", IsActive: true}},
		{mapping.EntityResources, &mapping.Resource{ID: 200, UserName: "bob", IsActive: true}},
		{mapping.EntityActionTypes, &mapping.ActionType{ID: 501, Name: "Meeting", View: 11, IsActive: true}},
		{mapping.EntityActionTypes, &mapping.ActionType{ID: 502, Name: "Phone Call", View: 12, IsActive: true}},
		{mapping.EntityActionTypes, &mapping.ActionType{ID: 503, Name: "Site Visit", View: 13, IsActive: true}},
		{mapping.EntityActionTypes, &mapping.ActionType{ID: 504, Name: "Quote", View: 14, IsActive: true}},
		{mapping.EntityCompanies, &mapping.Company{ID: 0, CompanyName: "Northwind IT", IsActive: true}},
		{mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", Address1: "1 Main Street", City: "Springfield", PostalCode: "62701", IsActive: true}},
		{mapping.EntityCompanyLocations, &mapping.CompanyLocation{ID: 3, CompanyID: 1, Name: "Warehouse", Address1: "9 Dock Road", City: "Springfield", IsActive: true}},
		{mapping.EntityContacts, &mapping.Contact{ID: 11, CompanyID: 1, IsActive: 1, FirstName: "Ann", LastName: "Acme", Phone: "+1 555 0100"}},
		{mapping.EntityAppointments, &mapping.Appointment{ID: 1, ResourceID: 100, Title: "Review", Description: "Agenda",
			StartDateTime: ts("2025-06-02T08:00:00Z"), EndDateTime: ts("2025-06-02T09:00:00Z")}},
		{mapping.EntityAppointments, &mapping.Appointment{ID: 2, ResourceID: 100, Title: "Far away",
			StartDateTime: ts("2026-07-01T08:00:00Z"), EndDateTime: ts("2026-07-01T09:00:00Z")}},
		{mapping.EntityAppointments, &mapping.Appointment{ID: 3, ResourceID: 200, Title: "Bob's",
			StartDateTime: ts("2025-06-03T08:00:00Z"), EndDateTime: ts("2025-06-03T09:00:00Z")}},
		{mapping.EntityCompanyToDos, &mapping.ToDo{ID: 5, CompanyID: 1, ActionType: 501, AssignedToResourceID: 100, ActivityDescription: "Meet Ann",
			StartDateTime: ts("2025-06-04T08:00:00Z"), EndDateTime: ts("2025-06-04T09:00:00Z")}},
		{mapping.EntityCompanyToDos, &mapping.ToDo{ID: 6, CompanyID: 1, ActionType: 502, AssignedToResourceID: 100, ActivityDescription: "Call Ann",
			ContactID: i64(11), StartDateTime: ts("2025-06-05T08:00:00Z"), EndDateTime: ts("2025-06-05T08:30:00Z")}},
		{mapping.EntityCompanyToDos, &mapping.ToDo{ID: 7, CompanyID: 1, ActionType: 503, AssignedToResourceID: 100, ActivityDescription: "Visit",
			StartDateTime: ts("2025-06-06T08:00:00Z"), EndDateTime: ts("2025-06-06T10:00:00Z")}},
		{mapping.EntityCompanyToDos, &mapping.ToDo{ID: 8, CompanyID: 1, ActionType: 504, AssignedToResourceID: 100, ActivityDescription: "Quote",
			StartDateTime: ts("2025-06-06T08:00:00Z"), EndDateTime: ts("2025-06-06T10:00:00Z")}},
		{mapping.EntityServiceCalls, &mapping.ServiceCall{ID: 9, CompanyID: 1, CompanyLocationID: i64(3), Description: "Replace the disk",
			Status: i64(71), StartDateTime: ts("2025-06-10T07:00:00Z"), EndDateTime: ts("2025-06-10T09:00:00Z")}},
		{mapping.EntityServiceCalls, &mapping.ServiceCall{ID: 10, CompanyID: 1, Status: i64(74),
			StartDateTime: ts("2025-06-11T07:00:00Z"), EndDateTime: ts("2025-06-11T09:00:00Z")}},
		{mapping.EntityTickets, &mapping.Ticket{ID: 70, TicketNumber: "T20250601.0001", Title: "NAS degraded"}},
		{mapping.EntityTasks, &mapping.Task{ID: 80, Title: "Test the restore"}},
		{mapping.EntityServiceCallTickets, &mapping.ServiceCallTicket{ID: 90, ServiceCallID: 9, TicketID: 70}},
		{mapping.EntityServiceCallTicketResources, &mapping.ServiceCallTicketResource{ID: 91, ServiceCallTicketID: 90, ResourceID: 100}},
		{mapping.EntityServiceCallTasks, &mapping.ServiceCallTask{ID: 92, ServiceCallID: 9, TaskID: 80}},
		{mapping.EntityServiceCallTaskResources, &mapping.ServiceCallTaskResource{ID: 93, ServiceCallTaskID: 92, ResourceID: 200}},
		{mapping.EntityServiceCallTickets, &mapping.ServiceCallTicket{ID: 94, ServiceCallID: 10, TicketID: 70}},
		{mapping.EntityServiceCallTicketResources, &mapping.ServiceCallTicketResource{ID: 95, ServiceCallTicketID: 94, ResourceID: 100}},
		{mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 31, ResourceID: 100, Status: 42, Hours: 8, RequestDate: ts("2025-06-20T00:00:00Z"),
			StartTime: tsp("2025-06-20T07:00:00Z"), EndTime: tsp("2025-06-20T15:00:00Z")}},
		{mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 32, ResourceID: 100, Status: 41, Hours: 4, RequestDate: ts("2025-06-23T00:00:00Z"),
			StartTime: tsp("2025-06-23T07:00:00Z"), EndTime: tsp("2025-06-23T11:00:00Z")}},
		{mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 33, ResourceID: 100, Status: 43, Hours: 8, RequestDate: ts("2025-06-24T00:00:00Z"),
			StartTime: tsp("2025-06-24T07:00:00Z"), EndTime: tsp("2025-06-24T15:00:00Z")}},
		{mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 34, ResourceID: 100, Status: 44, Hours: 8, RequestDate: ts("2025-06-25T00:00:00Z"),
			StartTime: tsp("2025-06-25T07:00:00Z"), EndTime: tsp("2025-06-25T15:00:00Z")}},
		{mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 35, ResourceID: 100, Status: 42, Hours: 8, RequestDate: ts("2025-06-26T00:00:00Z")}},
	}
	must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		for _, l := range lists {
			var vals []mapping.PicklistValue
			for code, label := range l.labels {
				vals = append(vals, mapping.PicklistValue{Value: code, Label: label, Active: true})
			}
			if err := tx.SavePicklist(ctx, l.e, l.field, vals); err != nil {
				return err
			}
		}
		for _, r := range recs {
			if _, err := tx.UpsertPSA(ctx, r.e, r.r, nil); err != nil {
				return err
			}
		}
		return nil
	}))
	aliceSettings := storage.DefaultUserSettings()
	aliceSettings.TimeZone = "Europe/Berlin"
	var err error
	f.alice, err = s.CreateAccount(ctx, "alice", "secret1", i64(100), aliceSettings)
	must(t, err)
	f.bob, err = s.CreateAccount(ctx, "bob", "secret2", i64(200), storage.DefaultUserSettings())
	must(t, err)
	f.aliceCal = collection(t, s, f.alice.ID, storage.CollCalendar)
	f.aliceTasks = collection(t, s, f.alice.ID, storage.CollTasks)
	f.bobCal = collection(t, s, f.bob.ID, storage.CollCalendar)
	return f
}

// get reads an object's body ("" when there is none).
func (f *calFixture) get(t *testing.T, c storage.Collection, href string) string {
	t.Helper()
	o, err := f.s.GetObject(context.Background(), c.ID, href)
	if err == storage.ErrNotFound {
		return ""
	}
	must(t, err)
	return string(o.Body)
}

// put sends a client PUT.
func (f *calFixture) put(t *testing.T, who storage.Account, c storage.Collection, href, body string) (storage.PutResult, error) {
	t.Helper()
	return f.s.PutObject(context.Background(), storage.PutRequest{Account: who, Collection: c, Href: href,
		Body: []byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")), ContentType: "text/calendar"})
}

func (f *calFixture) del(who storage.Account, c storage.Collection, href string) error {
	return f.s.DeleteObject(context.Background(), storage.DeleteRequest{Account: who, Collection: c, Href: href})
}

// outbox lists the write-backs for an entity, oldest first.
func (f *calFixture) outbox(t *testing.T, e mapping.Entity) []storage.OutboxEntry {
	t.Helper()
	es, err := f.s.Outbox(context.Background(), storage.OutboxFilter{Entity: string(e)})
	must(t, err)
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	flat := strings.ReplaceAll(body, "\r\n ", "")
	for _, w := range wants {
		if !strings.Contains(flat, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, body)
		}
	}
}

func lacks(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	flat := strings.ReplaceAll(body, "\r\n ", "")
	for _, w := range wants {
		if strings.Contains(flat, w) {
			t.Errorf("%s has %q:\n%s", what, w, body)
		}
	}
}

func refusal(err error) *mapping.Refusal {
	r, _ := err.(*mapping.Refusal)
	return r
}
