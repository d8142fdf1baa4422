package autotask

import (
	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/mapping"
)

// entitySpec is how the connector reads and writes one Autotask entity
// (docs/autotask.md A4, A17, A19).
type entitySpec struct {
	plan backend.EntityPlan
	// stamps are the change-stamp fields an incremental pull filters on,
	// ORed, the one storage compares first. Which one moves on every edit
	// of a contact or company is not settled (docs/autotask.md A19), so both
	// are read.
	stamps []string
	// filters always apply (notes: only those about a contact).
	filters []Filter
	// parentField, parentPath and childPath: writes go through the parent
	// (POST /Companies/{companyID}/Contacts).
	parentField, parentPath, childPath string
	// webhookEntity names the callout entity (ContactWebhooks).
	webhookEntity string
}

var calendarWindow = func(p backend.EntityPlan) backend.EntityPlan {
	p.Tier, p.Stamped, p.WindowStart, p.WindowEnd = backend.TierCalendar, true, "startDateTime", "endDateTime"
	return p
}

// specs lists the mirrored entities in the order a full pull reads them:
// referenced entities first, children after their parents.
var specs = []entitySpec{
	{plan: backend.EntityPlan{Entity: mapping.EntityCountries, Tier: backend.TierReference}},
	{plan: backend.EntityPlan{Entity: mapping.EntityResources, Tier: backend.TierReference}},
	{plan: backend.EntityPlan{Entity: mapping.EntityActionTypes, Tier: backend.TierReference}},
	{plan: backend.EntityPlan{Entity: mapping.EntityCompanies, Tier: backend.TierContacts, Stamped: true, Webhooks: true},
		stamps: []string{"lastTrackedModifiedDateTime", "lastActivityDate"}, webhookEntity: "CompanyWebhooks"},
	{plan: backend.EntityPlan{Entity: mapping.EntityCompanyLocations, Tier: backend.TierReference},
		parentField: "companyID", parentPath: "Companies", childPath: "Locations"},
	{plan: backend.EntityPlan{Entity: mapping.EntityContacts, Tier: backend.TierContacts, Stamped: true, Webhooks: true},
		stamps: []string{"lastModifiedDate", "lastActivityDate"}, webhookEntity: "ContactWebhooks",
		parentField: "companyID", parentPath: "Companies", childPath: "Contacts"},
	{plan: backend.EntityPlan{Entity: mapping.EntityCompanyNotes, Tier: backend.TierSecondary, Stamped: true},
		stamps: []string{"lastModifiedDate"}, filters: []Filter{Exist("contactID")},
		parentField: "companyID", parentPath: "Companies", childPath: "Notes"},
	{plan: backend.EntityPlan{Entity: mapping.EntityOpportunities, Tier: backend.TierSecondary, Stamped: true},
		stamps: []string{"lastActivity"}},
	{plan: calendarWindow(backend.EntityPlan{Entity: mapping.EntityAppointments}), stamps: []string{"updateDateTime"}},
	{plan: calendarWindow(backend.EntityPlan{Entity: mapping.EntityCompanyToDos}), stamps: []string{"lastModifiedDate"},
		parentField: "companyID", parentPath: "Companies", childPath: "ToDos"},
	{plan: calendarWindow(backend.EntityPlan{Entity: mapping.EntityServiceCalls}), stamps: []string{"lastModifiedDateTime"}},
	// The service-call link entities have no change stamp: the children of
	// the calls inside the window are re-read.
	{plan: backend.EntityPlan{Entity: mapping.EntityServiceCallTickets, Tier: backend.TierReference,
		ScopeField: "serviceCallID", ScopeFrom: mapping.EntityServiceCalls, ScopeFromField: "id"},
		parentField: "serviceCallID", parentPath: "ServiceCalls", childPath: "Tickets"},
	{plan: backend.EntityPlan{Entity: mapping.EntityServiceCallTicketResources, Tier: backend.TierReference,
		ScopeField: "serviceCallTicketID", ScopeFrom: mapping.EntityServiceCallTickets, ScopeFromField: "id"},
		parentField: "serviceCallTicketID", parentPath: "ServiceCallTickets", childPath: "Resources"},
	{plan: backend.EntityPlan{Entity: mapping.EntityServiceCallTasks, Tier: backend.TierReference,
		ScopeField: "serviceCallID", ScopeFrom: mapping.EntityServiceCalls, ScopeFromField: "id"},
		parentField: "serviceCallID", parentPath: "ServiceCalls", childPath: "Tasks"},
	{plan: backend.EntityPlan{Entity: mapping.EntityServiceCallTaskResources, Tier: backend.TierReference,
		ScopeField: "serviceCallTaskID", ScopeFrom: mapping.EntityServiceCallTasks, ScopeFromField: "id"},
		parentField: "serviceCallTaskID", parentPath: "ServiceCallTasks", childPath: "Resources"},
	// Of tickets and project tasks psadav needs only those service calls
	// name: read by id, never the whole ticket table.
	{plan: backend.EntityPlan{Entity: mapping.EntityTickets, Tier: backend.TierReference,
		ScopeField: "id", ScopeFrom: mapping.EntityServiceCallTickets, ScopeFromField: "ticketID"}},
	{plan: backend.EntityPlan{Entity: mapping.EntityTasks, Tier: backend.TierReference,
		ScopeField: "id", ScopeFrom: mapping.EntityServiceCallTasks, ScopeFromField: "taskID"}},
	{plan: backend.EntityPlan{Entity: mapping.EntityTimeOffRequests, Tier: backend.TierCalendar, Stamped: true,
		WindowStart: "requestDate"}, stamps: []string{"lastModifiedDateTime"},
		parentField: "resourceID", parentPath: "Resources", childPath: "TimeOffRequests"},
}

var specByEntity = func() map[mapping.Entity]*entitySpec {
	m := map[mapping.Entity]*entitySpec{}
	for i := range specs {
		m[specs[i].plan.Entity] = &specs[i]
	}
	return m
}()
