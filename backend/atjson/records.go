package atjson

import (
	"strings"

	"github.com/psadav/psadav/mapping"
)

// newRecord makes a pointer to a fresh mapping record of each entity.
var newRecord = map[mapping.Entity]func() any{
	mapping.EntityResources:                  func() any { return new(mapping.Resource) },
	mapping.EntityCompanies:                  func() any { return new(mapping.Company) },
	mapping.EntityCompanyLocations:           func() any { return new(mapping.CompanyLocation) },
	mapping.EntityCountries:                  func() any { return new(mapping.Country) },
	mapping.EntityContacts:                   func() any { return new(mapping.Contact) },
	mapping.EntityCompanyNotes:               func() any { return new(mapping.CompanyNote) },
	mapping.EntityOpportunities:              func() any { return new(mapping.Opportunity) },
	mapping.EntityActionTypes:                func() any { return new(mapping.ActionType) },
	mapping.EntityCompanyToDos:               func() any { return new(mapping.ToDo) },
	mapping.EntityAppointments:               func() any { return new(mapping.Appointment) },
	mapping.EntityServiceCalls:               func() any { return new(mapping.ServiceCall) },
	mapping.EntityServiceCallTickets:         func() any { return new(mapping.ServiceCallTicket) },
	mapping.EntityServiceCallTicketResources: func() any { return new(mapping.ServiceCallTicketResource) },
	mapping.EntityServiceCallTasks:           func() any { return new(mapping.ServiceCallTask) },
	mapping.EntityServiceCallTaskResources:   func() any { return new(mapping.ServiceCallTaskResource) },
	mapping.EntityTickets:                    func() any { return new(mapping.Ticket) },
	mapping.EntityTasks:                      func() any { return new(mapping.Task) },
	mapping.EntityTimeOffRequests:            func() any { return new(mapping.TimeOffRequest) },
}

// NewRecord returns a pointer to a fresh mapping record of the entity, nil
// for an entity psadav does not mirror.
func NewRecord(e mapping.Entity) any {
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
