package native

import (
	"path/filepath"
	"strings"

	"github.com/psadav/psadav/mapping"
)

// newRecord returns a pointer to a fresh mapping record of the entity.
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

// entityFromFileName reads the entity from a file name such as
// "exports/Contacts.json"; false when the name names none.
func entityFromFileName(name string) (mapping.Entity, bool) {
	if name == "" {
		return "", false
	}
	base := filepath.Base(name)
	if ext := filepath.Ext(base); strings.EqualFold(ext, ".json") {
		base = base[:len(base)-len(ext)]
	}
	return ParseEntity(base)
}
