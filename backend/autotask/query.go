package autotask

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/psadav/psadav/backend"
)

// Filter is one condition of an Autotask query, or a group of them
// (op "and"/"or" with items). Top-level conditions are ANDed (vendor page
// REST_Basic_Query_Calls; docs/autotask.md A6). Field names are
// case-insensitive.
type Filter struct {
	Op    string   `json:"op"`
	Field string   `json:"field,omitempty"`
	Value any      `json:"value,omitempty"`
	UDF   bool     `json:"udf,omitempty"`
	Items []Filter `json:"items,omitempty"`
}

// Conditions used by the connector.
func Eq(field string, v any) Filter  { return Filter{Op: "eq", Field: field, Value: v} }
func Gt(field string, v any) Filter  { return Filter{Op: "gt", Field: field, Value: v} }
func Gte(field string, v any) Filter { return Filter{Op: "gte", Field: field, Value: v} }
func Lt(field string, v any) Filter  { return Filter{Op: "lt", Field: field, Value: v} }
func Exist(field string) Filter      { return Filter{Op: "exist", Field: field} }
func In(field string, v []int64) Filter {
	return Filter{Op: "in", Field: field, Value: v}
}
func Or(items ...Filter) Filter  { return Filter{Op: "or", Items: items} }
func And(items ...Filter) Filter { return Filter{Op: "and", Items: items} }

// everything is the condition a query without one of its own carries: a
// real tenant answers a query without "filter" with HTTP 500 ("Value
// cannot be null. Parameter name: filters") and "filter": [] with no rows
// at all, so an empty condition list would read as an empty tenant
// (Servosity/msp-skills #257; docs/autotask.md A3). Ids start at 0 (the
// PSA's own company).
var everything = Gte("id", 0)

// conditions never lets a query go without a condition.
func conditions(f []Filter) []Filter {
	if len(f) == 0 {
		return []Filter{everything}
	}
	return f
}

// Time formats a time the way Autotask REST filters take it: UTC.
func Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// PageSize is the most records one query answer holds.
const PageSize = 500

// maxIn is the most values one "in" condition carries (Autotask takes at
// most 500 ORed conditions per query).
const maxIn = 500

type queryBody struct {
	Filter        []Filter `json:"filter"`
	IncludeFields []string `json:"IncludeFields,omitempty"`
	MaxRecords    int      `json:"MaxRecords,omitempty"`
}

type queryAnswer struct {
	Items       []json.RawMessage `json:"items"`
	PageDetails struct {
		Count        int     `json:"count"`
		RequestCount int     `json:"requestCount"`
		PrevPageURL  *string `json:"prevPageUrl"`
		NextPageURL  *string `json:"nextPageUrl"`
	} `json:"pageDetails"`
}

func (a *queryAnswer) next() string {
	if a.PageDetails.NextPageURL == nil {
		return ""
	}
	return *a.PageDetails.NextPageURL
}

// Query runs a query to its end, calling page with each answer's items and
// the largest id so far (0 when the answers cannot be resumed by id). With
// keyset paging each request asks for ids above the last one seen; when a
// full page does not come in id order the rest is read by nextPageUrl.
func (c *Client) Query(ctx context.Context, entity string, filter []Filter, include []string, afterID int64,
	page func(items []json.RawMessage, lastID int64) error) error {
	if len(include) > 0 && !slices.Contains(include, "id") {
		include = append(include, "id") // required for paging past 500 (vendor page REST_Advanced_Query_Features)
	}
	path := "v1.0/" + entity + "/query"
	keyset := c.cfg.Paging == "keyset"
	for {
		f := filter
		if keyset || afterID > 0 {
			f = append(slices.Clip(filter), Gt("id", afterID))
		}
		body := queryBody{Filter: conditions(f), IncludeFields: include, MaxRecords: PageSize}
		var ans queryAnswer
		if err := c.do(ctx, request{method: "POST", path: path, body: body}, &ans); err != nil {
			return err
		}
		ids, ordered := itemIDs(ans.Items)
		last := afterID
		if len(ids) > 0 {
			last = max(last, slices.Max(ids))
		}
		if keyset && (ordered || len(ans.Items) < PageSize) {
			if err := page(ans.Items, last); err != nil {
				return err
			}
			if len(ans.Items) < PageSize || ans.next() == "" {
				return nil
			}
			afterID = last
			continue
		}
		if keyset {
			c.log.Warn("autotask query answers are not in id order; following nextPageUrl instead", "entity", entity)
		}
		return c.followPages(ctx, &ans, body, page)
	}
}

// followPages reads the rest of a query by pageDetails.nextPageUrl. A
// next page is POSTed with the query body again: the paging token in the
// URL holds the position, not the conditions, and a real tenant answers
// GET with 405 (WYRE-AI/autotask-mcp PR #170; docs/autotask.md A1).
// Results read this way cannot be resumed by id.
func (c *Client) followPages(ctx context.Context, ans *queryAnswer, body queryBody,
	page func(items []json.RawMessage, lastID int64) error) error {
	prev := ""
	for {
		if err := page(ans.Items, 0); err != nil {
			return err
		}
		next := ans.next()
		if next == "" {
			return nil
		}
		if next == prev {
			return &backend.Error{Kind: backend.KindTransient, Op: "POST next page",
				Message: "the tenant answered a next page with the same nextPageUrl; stopped rather than loop"}
		}
		prev = next
		*ans = queryAnswer{}
		if err := c.nextPage(ctx, next, body, ans); err != nil {
			return err
		}
	}
}

// nextPage reads one next page with the configured verb. A GET answered
// 405 is sent again as POST, and POST is used from then on.
func (c *Client) nextPage(ctx context.Context, next string, body queryBody, ans *queryAnswer) error {
	method := c.nextMethod.Load().(string)
	r := request{method: method, path: next}
	if method == http.MethodPost {
		r.body = body
	}
	err := c.do(ctx, r, ans)
	var e *backend.Error
	if method == http.MethodGet && errors.As(err, &e) && e.Status == http.StatusMethodNotAllowed {
		c.nextMethod.Store(http.MethodPost)
		c.log.Warn("autotask refused GET for a next page (405); reading next pages with POST and the query body from now on")
		return c.do(ctx, request{method: http.MethodPost, path: next, body: body}, ans)
	}
	return err
}

// QueryCount is the number of records a query matches.
func (c *Client) QueryCount(ctx context.Context, entity string, filter []Filter) (int, error) {
	var ans struct {
		QueryCount int `json:"queryCount"`
	}
	err := c.do(ctx, request{method: "POST", path: "v1.0/" + entity + "/query/count", body: queryBody{Filter: conditions(filter)}}, &ans)
	return ans.QueryCount, err
}

// GetRaw reads one record by id; nil when Autotask has no such record
// (it answers {"item": null}, or 404).
func (c *Client) GetRaw(ctx context.Context, entity string, id int64) (json.RawMessage, error) {
	var ans struct {
		Item json.RawMessage `json:"item"`
	}
	err := c.do(ctx, request{method: "GET", path: "v1.0/" + entity + "/" + url.PathEscape(itoa(id))}, &ans)
	if err != nil {
		return nil, err
	}
	if len(ans.Item) == 0 || string(ans.Item) == "null" {
		return nil, nil
	}
	return ans.Item, nil
}

// itemIDs reads the ids of query items and whether they ascend.
func itemIDs(items []json.RawMessage) ([]int64, bool) {
	ids := make([]int64, 0, len(items))
	ordered := true
	for _, raw := range items {
		var probe struct {
			ID json.Number `json:"id"`
		}
		if json.Unmarshal(raw, &probe) != nil {
			continue
		}
		id, err := probe.ID.Int64()
		if err != nil {
			continue
		}
		if len(ids) > 0 && id <= ids[len(ids)-1] {
			ordered = false
		}
		ids = append(ids, id)
	}
	return ids, ordered
}
