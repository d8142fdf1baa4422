package demo

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/psadav/psadav/mapping"
)

var testNow = time.Date(2026, 5, 21, 13, 37, 0, 0, time.UTC)

func marshalOrg(t *testing.T, g *gen) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, e := range mapping.Entities {
		b, err := json.Marshal(g.recs[e])
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString(string(e))
		buf.Write(b)
	}
	return buf.Bytes()
}

// The same day gives byte-identical records, whatever the time of day or
// the zone the clock reading comes in.
func TestGenDeterministic(t *testing.T) {
	a := newGen(testNow)
	a.build()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	b := newGen(testNow.In(berlin))
	b.build()
	if !bytes.Equal(marshalOrg(t, a), marshalOrg(t, b)) {
		t.Fatal("two builds for the same clock reading differ")
	}
	c := newGen(testNow.AddDate(0, 0, 1))
	c.build()
	if bytes.Equal(marshalOrg(t, a), marshalOrg(t, c)) {
		t.Fatal("a different day gives the same records: times are not relative to now")
	}
}

// Every record fits the PSA's limits, every time is UTC inside the window,
// every id is unique per entity and every reference resolves.
func TestGenRecordsAreValid(t *testing.T) {
	g := newGen(testNow)
	g.build()
	schema := mapping.NewSchema()
	from, to := g.day.AddDate(0, 0, -pastDays), g.day.AddDate(0, 0, futureDays+1)
	ids := map[mapping.Entity]map[int64]bool{}
	for _, e := range mapping.Entities {
		ids[e] = map[int64]bool{}
		for _, rec := range g.recs[e] {
			v := reflect.ValueOf(rec).Elem()
			id := v.FieldByName("ID").Int()
			if ids[e][id] {
				t.Errorf("%s id %d twice", e, id)
			}
			ids[e][id] = true
			for i := 0; i < v.NumField(); i++ {
				name := v.Type().Field(i).Tag.Get("json")
				f := v.Field(i)
				if f.Kind() == reflect.Pointer {
					if f.IsNil() {
						continue
					}
					f = f.Elem()
				}
				switch x := f.Interface().(type) {
				case string:
					if max := schema.MaxLength(e, name); max > 0 && utf8.RuneCountInString(x) > max {
						t.Errorf("%s %d: %s %q is longer than %d", e, id, name, x, max)
					}
				case time.Time:
					if x.Location() != time.UTC {
						t.Errorf("%s %d: %s is not UTC: %v", e, id, name, x)
					}
					if x.Before(from) || !x.Before(to) {
						t.Errorf("%s %d: %s %v is outside the window", e, id, name, x)
					}
				}
			}
		}
	}
	refs := []struct {
		from  mapping.Entity
		field string
		to    mapping.Entity
	}{
		{mapping.EntityCompanies, "OwnerResourceID", mapping.EntityResources},
		{mapping.EntityCompanies, "CountryID", mapping.EntityCountries},
		{mapping.EntityCompanyLocations, "CompanyID", mapping.EntityCompanies},
		{mapping.EntityContacts, "CompanyID", mapping.EntityCompanies},
		{mapping.EntityContacts, "CompanyLocationID", mapping.EntityCompanyLocations},
		{mapping.EntityContacts, "CountryID", mapping.EntityCountries},
		{mapping.EntityCompanyNotes, "ContactID", mapping.EntityContacts},
		{mapping.EntityCompanyNotes, "ActionType", mapping.EntityActionTypes},
		{mapping.EntityOpportunities, "OwnerResourceID", mapping.EntityResources},
		{mapping.EntityOpportunities, "ContactID", mapping.EntityContacts},
		{mapping.EntityAppointments, "ResourceID", mapping.EntityResources},
		{mapping.EntityCompanyToDos, "ActionType", mapping.EntityActionTypes},
		{mapping.EntityCompanyToDos, "ContactID", mapping.EntityContacts},
		{mapping.EntityCompanyToDos, "AssignedToResourceID", mapping.EntityResources},
		{mapping.EntityServiceCalls, "CompanyLocationID", mapping.EntityCompanyLocations},
		{mapping.EntityServiceCallTickets, "TicketID", mapping.EntityTickets},
		{mapping.EntityServiceCallTickets, "ServiceCallID", mapping.EntityServiceCalls},
		{mapping.EntityServiceCallTicketResources, "ServiceCallTicketID", mapping.EntityServiceCallTickets},
		{mapping.EntityServiceCallTicketResources, "ResourceID", mapping.EntityResources},
		{mapping.EntityServiceCallTasks, "TaskID", mapping.EntityTasks},
		{mapping.EntityServiceCallTaskResources, "ServiceCallTaskID", mapping.EntityServiceCallTasks},
		{mapping.EntityTimeOffRequests, "ResourceID", mapping.EntityResources},
	}
	for _, r := range refs {
		for _, rec := range g.recs[r.from] {
			f := reflect.ValueOf(rec).Elem().FieldByName(r.field)
			if f.Kind() == reflect.Pointer {
				if f.IsNil() {
					continue
				}
				f = f.Elem()
			}
			if !ids[r.to][f.Int()] {
				t.Errorf("%s %s %d refers to no %s", r.from, r.field, f.Int(), r.to)
			}
		}
	}
	if !ids[mapping.EntityCompanies][0] {
		t.Error("the PSA's own company (id 0) is missing")
	}
}

// The content the demo promises: every View, every time-off status, open
// and closed opportunities, cancelled and linked service calls.
func TestGenCoverage(t *testing.T) {
	g := newGen(testNow)
	g.build()
	views := map[int64]bool{}
	for _, a := range g.recs[mapping.EntityActionTypes] {
		views[a.(*mapping.ActionType).View] = true
	}
	todoViews := map[int64]bool{}
	byID := map[int64]int64{}
	for _, a := range g.actionTypes {
		byID[a.ID] = a.View
	}
	completed := 0
	for _, r := range g.recs[mapping.EntityCompanyToDos] {
		td := r.(*mapping.ToDo)
		todoViews[byID[td.ActionType]] = true
		if td.CompletedDate != nil {
			completed++
		}
	}
	statuses := map[int64]int{}
	timed := 0
	for _, r := range g.recs[mapping.EntityTimeOffRequests] {
		req := r.(*mapping.TimeOffRequest)
		statuses[req.Status]++
		if req.StartTime != nil {
			timed++
		}
	}
	opp := map[int64]int{}
	for _, r := range g.recs[mapping.EntityOpportunities] {
		opp[r.(*mapping.Opportunity).Status]++
	}
	cancelled, located := 0, 0
	for _, r := range g.recs[mapping.EntityServiceCalls] {
		sc := r.(*mapping.ServiceCall)
		if sc.CanceledDateTime != nil {
			cancelled++
		}
		if sc.CompanyLocationID != nil {
			located++
		}
	}
	inactive := 0
	for _, r := range g.recs[mapping.EntityContacts] {
		if !r.(*mapping.Contact).Active() {
			inactive++
		}
	}
	for _, v := range []int64{viewCalendar, viewToDo, viewCalendarAndToDo, viewNeither} {
		if !views[v] || !todoViews[v] {
			t.Errorf("view %d: action type %v, to-do %v", v, views[v], todoViews[v])
		}
	}
	for _, s := range []int64{timeOffSubmitted, timeOffApproved, timeOffRejected, timeOffCanceled} {
		if statuses[s] == 0 {
			t.Errorf("no time-off request in status %d", s)
		}
	}
	if opp[oppActive] == 0 || opp[oppLost] == 0 || opp[oppClosed] == 0 {
		t.Errorf("opportunity statuses = %v", opp)
	}
	if completed == 0 || cancelled == 0 || located == 0 || timed < 15 {
		t.Errorf("completed to-dos %d, cancelled calls %d, calls at a location %d, timed time-off %d", completed, cancelled, located, timed)
	}
	if inactive < 50 || inactive > 150 {
		t.Errorf("%d inactive contacts of 2000, want about 5%%", inactive)
	}
}
