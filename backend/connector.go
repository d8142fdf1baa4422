package backend

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Connector is one PSA behind psadav. Every method makes calls to the PSA's
// API and must honour ctx's deadline; the engine calls it from one
// goroutine per job (pulls, pushes, webhook hints) at a time.
type Connector interface {
	// Name names the PSA in logs ("autotask").
	Name() string
	// Plan lists the entities to mirror, in the order a full pull reads
	// them, and how each is read.
	Plan() []EntityPlan
	// Describe reads the tenant's field metadata (lengths, required
	// flags, picklists) per entity.
	Describe(ctx context.Context, entities []mapping.Entity) ([]EntityMeta, error)
	// Count is how many records a query matches (for progress reports).
	Count(ctx context.Context, q Query) (int, error)
	// Pull reads the records a query matches in pages, in ascending id
	// order; page.LastID is where a later Pull may resume (Query.AfterID).
	Pull(ctx context.Context, q Query, page func(Page) error) error
	// Get reads one record by id; a record the PSA does not have is an
	// *Error of kind NotFound.
	Get(ctx context.Context, entity mapping.Entity, id int64) (Record, error)
	// Push sends one write-back: PATCH with only the changed fields for an
	// update, never a full replace.
	Push(ctx context.Context, c Change) (PushResult, error)
	// Budget reads the API budget in use (Autotask ThresholdInformation).
	Budget(ctx context.Context) (Budget, error)
}

// WebhookReceiver is the optional capability of a connector whose PSA
// calls back on changes: it authenticates a delivery and says what
// changed. The records themselves are read with Get: a delivery is a hint.
type WebhookReceiver interface {
	// VerifyWebhook checks a delivery's signature against the raw body and
	// decodes it; a forged or malformed delivery is an error.
	VerifyWebhook(r *http.Request, body []byte) ([]Hint, error)
}

// DeactivationReceiver is the optional capability of a WebhookReceiver
// whose PSA reports, on a URL of its own, a webhook it deactivated. The
// notice is authenticated like a delivery: a forged one would tell the
// operator to reinstall the webhooks.
type DeactivationReceiver interface {
	// VerifyDeactivation authenticates a deactivation notice; an error
	// wrapping ErrBadSignature when it is forged.
	VerifyDeactivation(r *http.Request, body []byte) error
}

// Tier groups entities polled at the same interval.
type Tier int

const (
	TierCalendar  Tier = iota // appointments, to-dos, service calls, time off: what technicians move
	TierContacts              // contacts and companies (also webhooks where the PSA has them)
	TierSecondary             // opportunities, notes: change seldom, matter little in minutes
	TierReference             // small tables without a change stamp: re-read in full
)

func (t Tier) String() string {
	return [...]string{"calendar", "contacts", "secondary", "reference"}[t]
}

// EntityPlan says how one entity is mirrored.
type EntityPlan struct {
	Entity mapping.Entity
	Tier   Tier
	// Stamped: the entity has a modified-date field, so it is pulled
	// incrementally with a watermark; otherwise it is re-read in full.
	Stamped bool
	// WindowStart and WindowEnd name the fields that place a record in
	// time: the entity is mirrored only inside the sync window. Without
	// WindowEnd, WindowStart must fall inside it.
	WindowStart, WindowEnd string
	// ScopeField, with ScopeFrom and ScopeFromField: the entity is read as
	// the children of rows already mirrored — records whose ScopeField is
	// one of the ScopeFromField values ("id": the PSA ids) of ScopeFrom's
	// live rows (only those inside the window, for a windowed ScopeFrom).
	ScopeField     string
	ScopeFrom      mapping.Entity
	ScopeFromField string
	// Webhooks: the PSA reports changes to this entity by webhook.
	Webhooks bool
}

// Windowed reports whether the entity is mirrored only inside the sync window.
func (p EntityPlan) Windowed() bool { return p.WindowStart != "" }

// Scoped reports whether the entity is read as the children of mirrored rows.
func (p EntityPlan) Scoped() bool { return p.ScopeFrom != "" }

// Window is a span of time [From, To).
type Window struct {
	From, To time.Time
}

// Query selects records of one entity.
type Query struct {
	Entity mapping.Entity
	// Since: records changed at or after this time (by the entity's change
	// stamps). Nil: all.
	Since *time.Time
	// Window: records inside it (windowed entities).
	Window *Window
	// Field and In: records whose Field is one of In (any number; the
	// connector splits them into requests).
	Field string
	In    []int64
	// AfterID: records with a larger id (resuming a read).
	AfterID int64
	// IDsOnly: read only the ids (deletion sweeps).
	IDsOnly bool
}

// Record is one record as the PSA has it.
type Record struct {
	Entity mapping.Entity
	ID     int64
	Rec    mapping.Record  // pointer to the entity's mapping record
	Raw    json.RawMessage // the PSA's JSON for the record
	Stamp  *time.Time      // the change stamp storage compares (nil when the entity has none)
	// Newest is the newest of the entity's change stamps, for watermarks.
	Newest *time.Time
}

// Page is one answer of a Pull.
type Page struct {
	Records []Record // when the query wanted records
	IDs     []int64  // when it wanted ids only
	LastID  int64    // the largest id so far: where a later read may resume
}

// EntityMeta is what the PSA says about one entity's fields.
type EntityMeta struct {
	Entity    mapping.Entity
	Fields    []mapping.FieldInfo
	Picklists map[string][]mapping.PicklistValue
}

// Op is what a write-back asks of the PSA.
type Op int

const (
	OpCreate Op = iota + 1
	OpUpdate
	OpDelete
)

func (o Op) String() string { return [...]string{"", "create", "update", "delete"}[o] }

// Change is one write-back for the PSA. Field names are mapping's (the
// Autotask REST names); every reference in Fields and Current is already a
// PSA id.
type Change struct {
	Entity mapping.Entity
	Op     Op
	ID     int64          // the PSA id (update, delete)
	Fields map[string]any // create: everything the PSA needs; update: only the changed fields
	// Current is the mirror's record (a pointer to its mapping record):
	// where a connector finds the parent of a child entity's write path.
	Current any
	// AsResource is the PSA resource to act as (the technician who made
	// the change), nil for the API user.
	AsResource *int64
}

// PushResult says what the PSA did with a Change.
type PushResult struct {
	ID           int64  // the PSA id (a create's new id)
	Impersonated bool   // the write was made as Change.AsResource
	Note         string // anything worth recording (impersonation refused, …)
}

// Budget is the PSA's API budget in use.
type Budget struct {
	Used, Limit int
	Timeframe   time.Duration
	At          time.Time
}

// Share is the part of the budget in use, 0..1 (and beyond when exceeded).
func (b Budget) Share() float64 {
	if b.Limit <= 0 {
		return 0
	}
	return float64(b.Used) / float64(b.Limit)
}

// Hint is one webhook event: a record changed (or went).
type Hint struct {
	GUID     string // the webhook's identity
	Sequence int64  // with GUID, identifies the event (redeliveries repeat it)
	Entity   mapping.Entity
	ID       int64
	Action   string // Create, Update, Delete
	PersonID *int64 // who made the change
	At       *time.Time
	// Fields are the changed fields the event names, with their new values
	// as the PSA sent them (JSON), when it says; nil when it does not.
	Fields map[string]json.RawMessage
}
