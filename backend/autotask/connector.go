package autotask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
)

// Connector is the Autotask backend.Connector.
type Connector struct {
	*Client
}

var (
	_ backend.Connector            = (*Connector)(nil)
	_ backend.WebhookReceiver      = (*Connector)(nil)
	_ backend.DeactivationReceiver = (*Connector)(nil)
)

// NewConnector returns a connector over a new client.
func NewConnector(cfg Config) (*Connector, error) {
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &Connector{Client: c}, nil
}

// Name names the PSA.
func (c *Connector) Name() string { return "autotask" }

// Plan lists the mirrored entities in reading order.
func (c *Connector) Plan() []backend.EntityPlan {
	out := make([]backend.EntityPlan, len(specs))
	for i, s := range specs {
		out[i] = s.plan
	}
	return out
}

func spec(e mapping.Entity) (*entitySpec, error) {
	s := specByEntity[e]
	if s == nil {
		return nil, fmt.Errorf("autotask: %s is not an entity psadav mirrors", e)
	}
	return s, nil
}

// filters builds a query's conditions (without the In values).
func (s *entitySpec) queryFilters(q backend.Query) []Filter {
	f := append([]Filter(nil), s.filters...)
	if q.Since != nil && len(s.stamps) > 0 {
		var or []Filter
		for _, st := range s.stamps {
			or = append(or, Gte(st, Time(*q.Since)))
		}
		if len(or) == 1 {
			f = append(f, or[0])
		} else {
			f = append(f, Or(or...))
		}
	}
	if q.Window != nil && s.plan.WindowStart != "" {
		if s.plan.WindowEnd == "" {
			f = append(f, Gte(s.plan.WindowStart, Time(q.Window.From)), Lt(s.plan.WindowStart, Time(q.Window.To)))
		} else {
			f = append(f, Lt(s.plan.WindowStart, Time(q.Window.To)), Gt(s.plan.WindowEnd, Time(q.Window.From)))
		}
	}
	return f
}

// Count is how many records a query matches (an In list is not counted
// beyond its size).
func (c *Connector) Count(ctx context.Context, q backend.Query) (int, error) {
	s, err := spec(q.Entity)
	if err != nil {
		return 0, err
	}
	if q.Field != "" {
		return len(q.In), nil
	}
	f := s.queryFilters(q)
	if q.AfterID > 0 {
		f = append(f, Gt("id", q.AfterID))
	}
	return c.QueryCount(ctx, string(q.Entity), f)
}

// Pull reads the records (or ids) a query matches, in pages.
func (c *Connector) Pull(ctx context.Context, q backend.Query, page func(backend.Page) error) error {
	s, err := spec(q.Entity)
	if err != nil {
		return err
	}
	var include []string
	if q.IDsOnly {
		include = []string{"id"}
	}
	after := q.AfterID
	if after == 0 {
		after = -1 // company 0 is the PSA's own company
	}
	run := func(f []Filter) error {
		return c.Query(ctx, string(q.Entity), f, include, after, func(items []json.RawMessage, lastID int64) error {
			p := backend.Page{LastID: lastID}
			if q.IDsOnly {
				p.IDs, _ = itemIDs(items)
			} else {
				p.Records = c.decode(q.Entity, s, items)
			}
			return page(p)
		})
	}
	base := s.queryFilters(q)
	if q.Field == "" {
		return run(base)
	}
	for start := 0; start < len(q.In); start += maxIn {
		chunk := q.In[start:min(start+maxIn, len(q.In))]
		if err := run(append(base[:len(base):len(base)], In(q.Field, chunk))); err != nil {
			return err
		}
	}
	return nil
}

// decode turns query items into records. An item that does not decode is
// left out and logged (by entity, id and field, never its values): one odd
// record must not stop the mirror.
func (c *Connector) decode(e mapping.Entity, s *entitySpec, items []json.RawMessage) []backend.Record {
	out := make([]backend.Record, 0, len(items))
	for _, raw := range items {
		r, err := c.record(e, s, raw)
		if err != nil {
			c.log.Error("autotask record skipped", "entity", e, "err", err)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (c *Connector) record(e mapping.Entity, s *entitySpec, raw json.RawMessage) (backend.Record, error) {
	rec, ferrs := atjson.Decode(e, raw)
	if rec == nil {
		id, _ := itemIDs([]json.RawMessage{raw})
		var why []string
		for _, fe := range ferrs {
			why = append(why, fe.Reason)
		}
		return backend.Record{}, fmt.Errorf("id %v: %s", id, strings.Join(why, "; "))
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return backend.Record{}, err
	}
	if e == mapping.EntityTimeOffRequests {
		c.adjustTimeOff(rec)
	}
	r := backend.Record{Entity: e, ID: rec.RecordID(), Rec: rec, Raw: buf.Bytes()}
	if len(s.stamps) == 0 {
		return r, nil
	}
	r.Stamp = utcStamp(rec.LastModified())
	r.Newest = r.Stamp
	if a, ok := rec.(mapping.ActivityStamped); ok && len(s.stamps) > 1 {
		if t := utcStamp(a.LastActivityStamp()); t != nil && (r.Newest == nil || t.After(*r.Newest)) {
			r.Newest = t
		}
	}
	return r, nil
}

// utcStamp is a change stamp as the syncer compares it: in UTC, nil when
// the PSA sent none.
func utcStamp(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// intField reads an integer field of a record by its Autotask name.
func intField(e mapping.Entity, rec any, name string) (int64, bool) {
	spec := atjson.Spec(e)
	if spec == nil || rec == nil {
		return 0, false
	}
	f := spec.ByName[strings.ToLower(name)]
	if f == nil || f.Kind != atjson.KindInt {
		return 0, false
	}
	v, ok := f.Value(reflect.ValueOf(rec).Elem())
	if !ok {
		return 0, false
	}
	return v.Int(), true
}

// Get reads one record by id.
func (c *Connector) Get(ctx context.Context, e mapping.Entity, id int64) (backend.Record, error) {
	s, err := spec(e)
	if err != nil {
		return backend.Record{}, err
	}
	raw, err := c.GetRaw(ctx, string(e), id)
	var be *backend.Error
	if errors.As(err, &be) && be.Status == http.StatusNotFound {
		// Autotask answers a missing record with {"item": null}; an HTTP
		// 404 means the request went astray (docs/autotask.md A5, A14), and
		// must not be taken for a deletion.
		be.Kind = backend.KindTransient
		return backend.Record{}, be
	}
	if err != nil {
		return backend.Record{}, err
	}
	if raw == nil {
		return backend.Record{}, &backend.Error{Kind: backend.KindNotFound, Message: fmt.Sprintf("%s %d does not exist", e, id), Op: "GET " + string(e)}
	}
	r, err := c.record(e, s, raw)
	if err != nil {
		return backend.Record{}, &backend.Error{Kind: backend.KindValidation, Message: fmt.Sprintf("%s %d: %v", e, id, err), Op: "GET " + string(e)}
	}
	return r, nil
}

// Budget reads ThresholdInformation: the requests made in the current
// timeframe against the tenant's threshold (one request).
func (c *Connector) Budget(ctx context.Context) (backend.Budget, error) {
	var ans struct {
		ExternalRequestThreshold     int `json:"externalRequestThreshold"`
		RequestThresholdTimeframe    int `json:"requestThresholdTimeframe"` // minutes
		CurrentTimeframeRequestCount int `json:"currentTimeframeRequestCount"`
	}
	if err := c.do(ctx, request{method: "GET", path: "v1.0/ThresholdInformation"}, &ans); err != nil {
		return backend.Budget{}, err
	}
	return backend.Budget{Used: ans.CurrentTimeframeRequestCount, Limit: ans.ExternalRequestThreshold,
		Timeframe: time.Duration(ans.RequestThresholdTimeframe) * time.Minute, At: c.cfg.Now().UTC()}, nil
}
