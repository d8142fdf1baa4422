package native

import (
	"strings"

	"github.com/psadav/psadav/mapping"
)

// schemaView answers what validation asks of field metadata: the file's
// own metadata for an entity it describes (it replaces the stored metadata
// of that entity when applied), the stored schema otherwise.
type schemaView struct {
	stored   *mapping.Schema
	defaults *mapping.Schema
	file     map[mapping.Entity]map[string]mapping.FieldInfo // lower-case names
}

func newSchemaView(stored *mapping.Schema) *schemaView {
	return &schemaView{stored: stored, defaults: mapping.NewSchema(), file: map[mapping.Entity]map[string]mapping.FieldInfo{}}
}

func (v *schemaView) setFile(e mapping.Entity, fields []mapping.FieldInfo) {
	m := make(map[string]mapping.FieldInfo, len(fields))
	for _, f := range fields {
		m[strings.ToLower(f.Name)] = f
	}
	v.file[e] = m
}

func (v *schemaView) field(e mapping.Entity, name string) mapping.FieldInfo {
	if m, ok := v.file[e]; ok {
		if f, ok := m[strings.ToLower(name)]; ok {
			return f
		}
		f, _ := v.defaults.Field(e, name)
		return f
	}
	f, _ := v.stored.Field(e, name)
	return f
}

// maxLength is the longest value a string field may hold: the tenant's
// limit, but never more than the default the mirror's column was sized
// by — PostgreSQL enforces VARCHAR widths, and a refusal that names the
// field beats a driver error.
func (v *schemaView) maxLength(e mapping.Entity, name string) int {
	limit := v.field(e, name).Length
	if col := v.defaults.MaxLength(e, name); col > 0 && (limit == 0 || limit > col) {
		limit = col
	}
	return limit
}

func (v *schemaView) required(e mapping.Entity, name string) bool {
	if v.field(e, name).Required {
		return true
	}
	for _, r := range requiredFields[e] {
		if r == name {
			return true
		}
	}
	return false
}

// requiredFields are the fields a record cannot do without besides those
// the schema marks required: the references and times that place it.
var requiredFields = map[mapping.Entity][]string{
	mapping.EntityCompanies:                  {"companyName"},
	mapping.EntityCompanyLocations:           {"companyID"},
	mapping.EntityContacts:                   {"companyID", "firstName", "lastName"},
	mapping.EntityCompanyNotes:               {"companyID"},
	mapping.EntityOpportunities:              {"companyID", "ownerResourceID", "status"},
	mapping.EntityActionTypes:                {"name", "view"},
	mapping.EntityCompanyToDos:               {"companyID", "actionType", "assignedToResourceID", "startDateTime", "endDateTime"},
	mapping.EntityAppointments:               {"resourceID", "title", "startDateTime", "endDateTime"},
	mapping.EntityServiceCalls:               {"companyID", "startDateTime", "endDateTime"},
	mapping.EntityServiceCallTickets:         {"serviceCallID", "ticketID"},
	mapping.EntityServiceCallTicketResources: {"serviceCallTicketID", "resourceID"},
	mapping.EntityServiceCallTasks:           {"serviceCallID", "taskID"},
	mapping.EntityServiceCallTaskResources:   {"serviceCallTaskID", "resourceID"},
	mapping.EntityTimeOffRequests:            {"resourceID", "requestDate", "status"},
}

// int32Fields are integers Autotask defines as 32-bit (picklist codes and
// levels); the mirror keeps them in INT columns.
var int32Fields = map[mapping.Entity][]string{
	mapping.EntityResources:       {"licenseType"},
	mapping.EntityCompanies:       {"companyType", "territoryID", "marketSegmentID", "classification"},
	mapping.EntityContacts:        {"namePrefix", "nameSuffix"},
	mapping.EntityCompanyNotes:    {"actionType"},
	mapping.EntityOpportunities:   {"status", "stage"},
	mapping.EntityActionTypes:     {"view"},
	mapping.EntityCompanyToDos:    {"actionType"},
	mapping.EntityServiceCalls:    {"status"},
	mapping.EntityTickets:         {"status"},
	mapping.EntityTasks:           {"status"},
	mapping.EntityTimeOffRequests: {"status", "timeOffRequestType", "lastApprovedLevel"},
}

// flagFields are Autotask's integer booleans: 0 or 1.
var flagFields = map[mapping.Entity][]string{
	mapping.EntityContacts:     {"isActive"},
	mapping.EntityServiceCalls: {"isComplete"},
}

// decimalLimits bound decimals the mirror keeps in NUMERIC columns
// (hours NUMERIC(8,2), durations NUMERIC(12,4)): the magnitude must stay
// below the value given.
var decimalLimits = map[mapping.Entity]map[string]float64{
	mapping.EntityTimeOffRequests: {"hours": 1e6},
	mapping.EntityServiceCalls:    {"duration": 1e8, "cancelationNoticeHours": 1e8},
}

// timeRanges are start/end pairs whose end may not come before the start.
var timeRanges = map[mapping.Entity][2]string{
	mapping.EntityAppointments:    {"startDateTime", "endDateTime"},
	mapping.EntityCompanyToDos:    {"startDateTime", "endDateTime"},
	mapping.EntityServiceCalls:    {"startDateTime", "endDateTime"},
	mapping.EntityTimeOffRequests: {"startTime", "endTime"},
}
