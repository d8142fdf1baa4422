package storage

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// entitySeries is the gateway's own record of a client-created event: the
// client's object, kept whole, from which its PSA appointments are made
// (one per occurrence inside the sync window). It is not a PSA entity, but
// it lives in the mirror's machinery like one (envelope, projection), so a
// PSA change to one of its appointments re-renders it.
const entitySeries mapping.Entity = "GatewaySeries"

// seriesRecord is a client-created event.
type seriesRecord struct {
	ID           int64  `json:"id" bun:"-"`
	CollectionID int64  `json:"collectionID" bun:"collection_id"`
	Href         string `json:"href" bun:"href"`              // the resource name the client chose
	ResourceID   int64  `json:"resourceID" bun:"resource_id"` // the owner's PSA resource
	Body         string `json:"body" bun:"body"`              // the client's object, normalised
}

type seriesRow struct {
	bun.BaseModel `bun:"table:gateway_series"`
	Envelope
	seriesRecord
}

func (r *seriesRow) record() any { return &r.seriesRecord }

// seriesLinkRow ties one occurrence of a series to its PSA appointment.
// RecurrenceID is the occurrence's original start in Unix seconds (0 for
// an event that does not recur).
type seriesLinkRow struct {
	bun.BaseModel  `bun:"table:gateway_series_links"`
	SeriesRID      int64 `bun:"series_rid,pk"`
	RecurrenceID   int64 `bun:"recurrence_id,pk"`
	AppointmentRID int64 `bun:"appointment_rid,notnull"`
}

// windowRow remembers the sync window's edges as last applied.
type windowRow struct {
	bun.BaseModel `bun:"table:calendar_window"`
	ID            int       `bun:"id,pk"`
	From          time.Time `bun:"window_from,notnull"`
	To            time.Time `bun:"window_to,notnull"`
}

// gatewayEntities are the gateway's own records that project objects.
var gatewayEntities = []mapping.Entity{entitySeries}

// ridOf turns a recurrence id into the link table's key.
func ridOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// ridTime is the inverse of ridOf.
func ridTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}
