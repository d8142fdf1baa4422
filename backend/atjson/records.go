package atjson

import (
	"encoding/json"
	"strings"

	"github.com/psadav/psadav/mapping"
)

// newRecord makes a pointer to a fresh mapping record of each entity.
var newRecord = map[mapping.Entity]func() mapping.Record{
	mapping.EntityResources:                  func() mapping.Record { return new(mapping.Resource) },
	mapping.EntityCompanies:                  func() mapping.Record { return new(mapping.Company) },
	mapping.EntityCompanyLocations:           func() mapping.Record { return new(mapping.CompanyLocation) },
	mapping.EntityCountries:                  func() mapping.Record { return new(mapping.Country) },
	mapping.EntityContacts:                   func() mapping.Record { return new(mapping.Contact) },
	mapping.EntityCompanyNotes:               func() mapping.Record { return new(mapping.CompanyNote) },
	mapping.EntityOpportunities:              func() mapping.Record { return new(mapping.Opportunity) },
	mapping.EntityActionTypes:                func() mapping.Record { return new(mapping.ActionType) },
	mapping.EntityCompanyToDos:               func() mapping.Record { return new(mapping.ToDo) },
	mapping.EntityAppointments:               func() mapping.Record { return new(mapping.Appointment) },
	mapping.EntityServiceCalls:               func() mapping.Record { return new(mapping.ServiceCall) },
	mapping.EntityServiceCallTickets:         func() mapping.Record { return new(mapping.ServiceCallTicket) },
	mapping.EntityServiceCallTicketResources: func() mapping.Record { return new(mapping.ServiceCallTicketResource) },
	mapping.EntityServiceCallTasks:           func() mapping.Record { return new(mapping.ServiceCallTask) },
	mapping.EntityServiceCallTaskResources:   func() mapping.Record { return new(mapping.ServiceCallTaskResource) },
	mapping.EntityTickets:                    func() mapping.Record { return new(mapping.Ticket) },
	mapping.EntityTasks:                      func() mapping.Record { return new(mapping.Task) },
	mapping.EntityTimeOffRequests:            func() mapping.Record { return new(mapping.TimeOffRequest) },
}

// NewRecord returns a pointer to a fresh mapping record of the entity, nil
// for an entity psadav does not mirror.
func NewRecord(e mapping.Entity) mapping.Record {
	mk := newRecord[e]
	if mk == nil {
		return nil
	}
	return mk()
}

// ParseEntity finds a mirrored entity by name, ignoring case ("contacts"
// is Contacts).
func ParseEntity(name string) (mapping.Entity, bool) {
	for _, e := range mapping.Entities {
		if strings.EqualFold(string(e), name) {
			return e, true
		}
	}
	return "", false
}

// Lookup finds a field of a decoded JSON object regardless of case:
// Autotask field names are case-insensitive.
func Lookup(obj map[string]any, field string) (any, bool) {
	if v, ok := obj[field]; ok {
		return v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, field) {
			return v, true
		}
	}
	return nil, false
}

// Number reads a decoded JSON number (json.Number, float64 or an integer;
// a boolean as 0/1, as Autotask sends some flags).
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case bool:
		if n {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
