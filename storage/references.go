package storage

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/psadav/psadav/mapping"
)

// References says, per entity, which PSA fields hold another mirror row's
// reference id (a PSA id, or the negative local id of a row a client
// created): the fields a connector resolves in outbox payloads, and the
// fields storage rewrites when the PSA accepts a client's create.
var References = map[mapping.Entity]map[string]mapping.Entity{
	mapping.EntityCompanies: {"ownerResourceID": mapping.EntityResources, "parentCompanyID": mapping.EntityCompanies,
		"countryID": mapping.EntityCountries},
	mapping.EntityCompanyLocations: {"companyID": mapping.EntityCompanies, "countryID": mapping.EntityCountries},
	mapping.EntityContacts: {"companyID": mapping.EntityCompanies, "companyLocationID": mapping.EntityCompanyLocations,
		"countryID": mapping.EntityCountries},
	mapping.EntityCompanyNotes: {"companyID": mapping.EntityCompanies, "contactID": mapping.EntityContacts,
		"actionType": mapping.EntityActionTypes},
	mapping.EntityOpportunities: {"companyID": mapping.EntityCompanies, "contactID": mapping.EntityContacts,
		"ownerResourceID": mapping.EntityResources},
	mapping.EntityCompanyToDos: {"companyID": mapping.EntityCompanies, "contactID": mapping.EntityContacts,
		"actionType": mapping.EntityActionTypes, "assignedToResourceID": mapping.EntityResources,
		"opportunityID": mapping.EntityOpportunities, "ticketID": mapping.EntityTickets,
		"creatorResourceID": mapping.EntityResources},
	mapping.EntityAppointments: {"resourceID": mapping.EntityResources, "creatorResourceID": mapping.EntityResources},
	mapping.EntityServiceCalls: {"companyID": mapping.EntityCompanies, "companyLocationID": mapping.EntityCompanyLocations,
		"canceledByResourceID": mapping.EntityResources, "creatorResourceID": mapping.EntityResources},
	mapping.EntityServiceCallTickets: {"serviceCallID": mapping.EntityServiceCalls, "ticketID": mapping.EntityTickets},
	mapping.EntityServiceCallTicketResources: {"serviceCallTicketID": mapping.EntityServiceCallTickets,
		"resourceID": mapping.EntityResources},
	mapping.EntityServiceCallTasks: {"serviceCallID": mapping.EntityServiceCalls, "taskID": mapping.EntityTasks},
	mapping.EntityServiceCallTaskResources: {"serviceCallTaskID": mapping.EntityServiceCallTasks,
		"resourceID": mapping.EntityResources},
	mapping.EntityTickets:         {"companyID": mapping.EntityCompanies},
	mapping.EntityTimeOffRequests: {"resourceID": mapping.EntityResources},
}

// referrer is a field of some entity that refers to rows of another.
type referrer struct {
	entity mapping.Entity
	field  string
}

// referrersOf lists the fields, across entities, that refer to rows of target.
func referrersOf(target mapping.Entity) []referrer {
	var out []referrer
	for _, e := range mapping.Entities {
		for field, to := range References[e] {
			if to == target {
				out = append(out, referrer{e, field})
			}
		}
	}
	return out
}

// columnOf is the mirror column of an entity's PSA field ("companyID" is
// company_id; "id" is the envelope's psa_id). Names are case-insensitive,
// as in Autotask.
func columnOf(entity mapping.Entity, field string) (string, error) {
	info, err := lookupEntity(entity)
	if err != nil {
		return "", err
	}
	if strings.EqualFold(field, "id") {
		return "psa_id", nil
	}
	t := reflect.TypeOf(info.newRow().record()).Elem()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !strings.EqualFold(name, field) {
			continue
		}
		col, _, _ := strings.Cut(f.Tag.Get("bun"), ",")
		if col == "" || col == "-" {
			break
		}
		return col, nil
	}
	return "", fmt.Errorf("storage: %s has no field %q", entity, field)
}
