package storage

import (
	"fmt"
	"reflect"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// Origin says who created a mirror row.
type Origin int16

const (
	OriginPSA    Origin = 1 // read from the PSA (or imported)
	OriginClient Origin = 2 // created by a DAV client through psadav
)

// SyncState says whether a row has a write-back on its way to the PSA.
type SyncState int16

const (
	SyncClean       SyncState = 0
	SyncPushPending SyncState = 1
	SyncPushFailed  SyncState = 2
)

// Envelope is the set of gateway columns every mirror table carries
// (docs/architecture.md, "Storage").
type Envelope struct {
	RID          int64      `bun:"rid,pk,autoincrement"`
	PSAID        *int64     `bun:"psa_id"`
	Origin       Origin     `bun:"origin,notnull"`
	OriginUserID *int64     `bun:"origin_user_id"`
	ClientUID    string     `bun:"client_uid,notnull"`
	PSAStamp     *time.Time `bun:"psa_stamp"`
	ContentHash  string     `bun:"content_hash,notnull"`
	RowVersion   int64      `bun:"row_version,notnull"`
	ChangeSeq    int64      `bun:"change_seq,notnull"`
	SyncState    SyncState  `bun:"sync_state,notnull"`
	PSADeletedAt *time.Time `bun:"psa_deleted_at"`
	SweepGen     int64      `bun:"sweep_gen,notnull"`
	FetchedAt    time.Time  `bun:"fetched_at,notnull"`
	Raw          string     `bun:"raw,notnull"`
}

func (e *Envelope) envelope() *Envelope { return e }

// RefID is the id other records use to refer to this row: the PSA id, or
// the negative row id while the PSA has not accepted a client-created row.
func (e *Envelope) RefID() int64 {
	if e.PSAID != nil {
		return *e.PSAID
	}
	return -e.RID
}

// Live reports whether the row still exists in the PSA.
func (e *Envelope) Live() bool { return e.PSADeletedAt == nil }

// mirrorRow is implemented by every mirror table's row type: the envelope
// plus the mapping record it wraps.
type mirrorRow interface {
	envelope() *Envelope
	record() any // pointer to the embedded mapping record
}

// The row types: one per mirror table, each the envelope plus the record.
type (
	resourceRow struct {
		bun.BaseModel `bun:"table:psa_resources"`
		Envelope
		mapping.Resource
	}
	companyRow struct {
		bun.BaseModel `bun:"table:psa_companies"`
		Envelope
		mapping.Company
	}
	companyLocationRow struct {
		bun.BaseModel `bun:"table:psa_company_locations"`
		Envelope
		mapping.CompanyLocation
	}
	countryRow struct {
		bun.BaseModel `bun:"table:psa_countries"`
		Envelope
		mapping.Country
	}
	contactRow struct {
		bun.BaseModel `bun:"table:psa_contacts"`
		Envelope
		mapping.Contact
	}
	companyNoteRow struct {
		bun.BaseModel `bun:"table:psa_company_notes"`
		Envelope
		mapping.CompanyNote
	}
	opportunityRow struct {
		bun.BaseModel `bun:"table:psa_opportunities"`
		Envelope
		mapping.Opportunity
	}
	actionTypeRow struct {
		bun.BaseModel `bun:"table:psa_action_types"`
		Envelope
		mapping.ActionType
	}
	todoRow struct {
		bun.BaseModel `bun:"table:psa_todos"`
		Envelope
		mapping.ToDo
	}
	appointmentRow struct {
		bun.BaseModel `bun:"table:psa_appointments"`
		Envelope
		mapping.Appointment
	}
	serviceCallRow struct {
		bun.BaseModel `bun:"table:psa_service_calls"`
		Envelope
		mapping.ServiceCall
	}
	serviceCallTicketRow struct {
		bun.BaseModel `bun:"table:psa_service_call_tickets"`
		Envelope
		mapping.ServiceCallTicket
	}
	serviceCallTicketResourceRow struct {
		bun.BaseModel `bun:"table:psa_service_call_ticket_resources"`
		Envelope
		mapping.ServiceCallTicketResource
	}
	serviceCallTaskRow struct {
		bun.BaseModel `bun:"table:psa_service_call_tasks"`
		Envelope
		mapping.ServiceCallTask
	}
	serviceCallTaskResourceRow struct {
		bun.BaseModel `bun:"table:psa_service_call_task_resources"`
		Envelope
		mapping.ServiceCallTaskResource
	}
	ticketRow struct {
		bun.BaseModel `bun:"table:psa_tickets_brief"`
		Envelope
		mapping.Ticket
	}
	taskRow struct {
		bun.BaseModel `bun:"table:psa_tasks_brief"`
		Envelope
		mapping.Task
	}
	timeOffRow struct {
		bun.BaseModel `bun:"table:psa_time_off_requests"`
		Envelope
		mapping.TimeOffRequest
	}
)

func (r *resourceRow) record() any                  { return &r.Resource }
func (r *companyRow) record() any                   { return &r.Company }
func (r *companyLocationRow) record() any           { return &r.CompanyLocation }
func (r *countryRow) record() any                   { return &r.Country }
func (r *contactRow) record() any                   { return &r.Contact }
func (r *companyNoteRow) record() any               { return &r.CompanyNote }
func (r *opportunityRow) record() any               { return &r.Opportunity }
func (r *actionTypeRow) record() any                { return &r.ActionType }
func (r *todoRow) record() any                      { return &r.ToDo }
func (r *appointmentRow) record() any               { return &r.Appointment }
func (r *serviceCallRow) record() any               { return &r.ServiceCall }
func (r *serviceCallTicketRow) record() any         { return &r.ServiceCallTicket }
func (r *serviceCallTicketResourceRow) record() any { return &r.ServiceCallTicketResource }
func (r *serviceCallTaskRow) record() any           { return &r.ServiceCallTask }
func (r *serviceCallTaskResourceRow) record() any   { return &r.ServiceCallTaskResource }
func (r *ticketRow) record() any                    { return &r.Ticket }
func (r *taskRow) record() any                      { return &r.Task }
func (r *timeOffRow) record() any                   { return &r.TimeOffRequest }

// entityInfo ties a PSA entity to its table and row type.
type entityInfo struct {
	entity mapping.Entity
	table  string
	newRow func() mirrorRow
}

// entityInfos lists every table of the mirror: one per PSA entity
// (mapping.Entities; a test checks that none is missing) and the gateway's
// own series (envelope_series.go).
var entityInfos = map[mapping.Entity]*entityInfo{
	mapping.EntityResources: {entity: mapping.EntityResources, table: "psa_resources",
		newRow: func() mirrorRow { return new(resourceRow) }},
	mapping.EntityCompanies: {entity: mapping.EntityCompanies, table: "psa_companies",
		newRow: func() mirrorRow { return new(companyRow) }},
	mapping.EntityCompanyLocations: {entity: mapping.EntityCompanyLocations, table: "psa_company_locations",
		newRow: func() mirrorRow { return new(companyLocationRow) }},
	mapping.EntityCountries: {entity: mapping.EntityCountries, table: "psa_countries",
		newRow: func() mirrorRow { return new(countryRow) }},
	mapping.EntityContacts: {entity: mapping.EntityContacts, table: "psa_contacts",
		newRow: func() mirrorRow { return new(contactRow) }},
	mapping.EntityCompanyNotes: {entity: mapping.EntityCompanyNotes, table: "psa_company_notes",
		newRow: func() mirrorRow { return new(companyNoteRow) }},
	mapping.EntityOpportunities: {entity: mapping.EntityOpportunities, table: "psa_opportunities",
		newRow: func() mirrorRow { return new(opportunityRow) }},
	mapping.EntityActionTypes: {entity: mapping.EntityActionTypes, table: "psa_action_types",
		newRow: func() mirrorRow { return new(actionTypeRow) }},
	mapping.EntityCompanyToDos: {entity: mapping.EntityCompanyToDos, table: "psa_todos",
		newRow: func() mirrorRow { return new(todoRow) }},
	mapping.EntityAppointments: {entity: mapping.EntityAppointments, table: "psa_appointments",
		newRow: func() mirrorRow { return new(appointmentRow) }},
	mapping.EntityServiceCalls: {entity: mapping.EntityServiceCalls, table: "psa_service_calls",
		newRow: func() mirrorRow { return new(serviceCallRow) }},
	mapping.EntityServiceCallTickets: {entity: mapping.EntityServiceCallTickets, table: "psa_service_call_tickets",
		newRow: func() mirrorRow { return new(serviceCallTicketRow) }},
	mapping.EntityServiceCallTicketResources: {entity: mapping.EntityServiceCallTicketResources, table: "psa_service_call_ticket_resources",
		newRow: func() mirrorRow { return new(serviceCallTicketResourceRow) }},
	mapping.EntityServiceCallTasks: {entity: mapping.EntityServiceCallTasks, table: "psa_service_call_tasks",
		newRow: func() mirrorRow { return new(serviceCallTaskRow) }},
	mapping.EntityServiceCallTaskResources: {entity: mapping.EntityServiceCallTaskResources, table: "psa_service_call_task_resources",
		newRow: func() mirrorRow { return new(serviceCallTaskResourceRow) }},
	mapping.EntityTickets: {entity: mapping.EntityTickets, table: "psa_tickets_brief",
		newRow: func() mirrorRow { return new(ticketRow) }},
	mapping.EntityTasks: {entity: mapping.EntityTasks, table: "psa_tasks_brief",
		newRow: func() mirrorRow { return new(taskRow) }},
	mapping.EntityTimeOffRequests: {entity: mapping.EntityTimeOffRequests, table: "psa_time_off_requests",
		newRow: func() mirrorRow { return new(timeOffRow) }},
	entitySeries: {entity: entitySeries, table: "gateway_series",
		newRow: func() mirrorRow { return new(seriesRow) }},
}

func lookupEntity(e mapping.Entity) (*entityInfo, error) {
	info := entityInfos[e]
	if info == nil {
		return nil, fmt.Errorf("storage: unknown entity %q", e)
	}
	return info, nil
}

// setRecord copies rec (a pointer to the entity's mapping record, or the
// record itself) into row.
func setRecord(row mirrorRow, rec any) error {
	dst := reflect.ValueOf(row.record()).Elem()
	src := reflect.ValueOf(rec)
	if src.Kind() == reflect.Pointer {
		src = src.Elem()
	}
	if src.Type() != dst.Type() {
		return fmt.Errorf("storage: record is %s, table wants %s", src.Type(), dst.Type())
	}
	dst.Set(src)
	return nil
}

// withRefID returns the row's record with ID set to the row's reference id.
func withRefID(row mirrorRow) any {
	v := reflect.ValueOf(row.record()).Elem()
	v.FieldByName("ID").SetInt(row.envelope().RefID())
	return row.record()
}

// stampOf reads the entity's change stamp from a record, in UTC.
func stampOf(rec mapping.Record) *time.Time {
	if t := rec.LastModified(); t != nil {
		u := t.UTC()
		return &u
	}
	return nil
}
