package mapping

import "time"

// Record is what every PSA record type tells without reflection: the id it
// carries and the change stamp the mirror compares. Connectors hand records
// over as Records, and storage reads both on every pulled record.
type Record interface {
	// RecordID is the record's ID field: the PSA id, or the negative local
	// id of a row the PSA has not accepted yet (LocalID).
	RecordID() int64
	// LastModified is the entity's change stamp (nil when the entity has
	// none, or the record carries none): a newer stamp wins over an older.
	LastModified() *time.Time
}

// ActivityStamped is a record with a second change stamp. Which of a
// company's or contact's two stamps moves on every edit is not settled
// (docs/autotask.md), so a watermark takes the later one.
type ActivityStamped interface {
	Record
	LastActivityStamp() *time.Time
}

var (
	_ ActivityStamped = (*Company)(nil)
	_ ActivityStamped = (*Contact)(nil)
)

func (r *Resource) RecordID() int64                  { return r.ID }
func (r *Company) RecordID() int64                   { return r.ID }
func (r *CompanyLocation) RecordID() int64           { return r.ID }
func (r *Country) RecordID() int64                   { return r.ID }
func (r *Contact) RecordID() int64                   { return r.ID }
func (r *CompanyNote) RecordID() int64               { return r.ID }
func (r *Opportunity) RecordID() int64               { return r.ID }
func (r *ActionType) RecordID() int64                { return r.ID }
func (r *ToDo) RecordID() int64                      { return r.ID }
func (r *Appointment) RecordID() int64               { return r.ID }
func (r *ServiceCall) RecordID() int64               { return r.ID }
func (r *ServiceCallTicket) RecordID() int64         { return r.ID }
func (r *ServiceCallTicketResource) RecordID() int64 { return r.ID }
func (r *ServiceCallTask) RecordID() int64           { return r.ID }
func (r *ServiceCallTaskResource) RecordID() int64   { return r.ID }
func (r *Ticket) RecordID() int64                    { return r.ID }
func (r *Task) RecordID() int64                      { return r.ID }
func (r *TimeOffRequest) RecordID() int64            { return r.ID }

func (*Resource) LastModified() *time.Time                  { return nil }
func (r *Company) LastModified() *time.Time                 { return r.LastTrackedModifiedDateTime }
func (*CompanyLocation) LastModified() *time.Time           { return nil }
func (*Country) LastModified() *time.Time                   { return nil }
func (r *Contact) LastModified() *time.Time                 { return r.LastModifiedDate }
func (r *CompanyNote) LastModified() *time.Time             { return r.LastModifiedDate }
func (r *Opportunity) LastModified() *time.Time             { return r.LastActivity }
func (*ActionType) LastModified() *time.Time                { return nil }
func (r *ToDo) LastModified() *time.Time                    { return r.LastModifiedDate }
func (r *Appointment) LastModified() *time.Time             { return r.UpdateDateTime }
func (r *ServiceCall) LastModified() *time.Time             { return r.LastModifiedDateTime }
func (*ServiceCallTicket) LastModified() *time.Time         { return nil }
func (*ServiceCallTicketResource) LastModified() *time.Time { return nil }
func (*ServiceCallTask) LastModified() *time.Time           { return nil }
func (*ServiceCallTaskResource) LastModified() *time.Time   { return nil }
func (r *Ticket) LastModified() *time.Time                  { return r.LastActivityDate }
func (r *Task) LastModified() *time.Time                    { return r.LastActivityDateTime }
func (r *TimeOffRequest) LastModified() *time.Time          { return r.LastModifiedDateTime }

func (r *Company) LastActivityStamp() *time.Time { return r.LastActivityDate }
func (r *Contact) LastActivityStamp() *time.Time { return r.LastActivityDate }
