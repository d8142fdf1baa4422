package autotask

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"time"
)

// Filter is one condition of an Autotask query, or a group of them
// (op "and"/"or" with items). Top-level conditions are ANDed (psa-model
// §1.3). Field names are case-insensitive.
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
	if filter == nil {
		filter = []Filter{}
	}
	if len(include) > 0 && !slices.Contains(include, "id") {
		include = append(include, "id") // required for paging past 500 (psa-model §1.4)
	}
	path := "v1.0/" + entity + "/query"
	keyset := c.cfg.Paging == "keyset"
	for {
		f := filter
		if keyset || afterID > 0 {
			f = append(slices.Clip(filter), Gt("id", afterID))
		}
		body := queryBody{Filter: f, IncludeFields: include, MaxRecords: PageSize}
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

// followPages reads the rest of a query by pageDetails.nextPageUrl, with
// the configured verb (POST repeats the query body). Results read this way
// cannot be resumed by id.
func (c *Client) followPages(ctx context.Context, ans *queryAnswer, body queryBody,
	page func(items []json.RawMessage, lastID int64) error) error {
	for {
		if err := page(ans.Items, 0); err != nil {
			return err
		}
		next := ans.next()
		if next == "" {
			return nil
		}
		r := request{method: c.cfg.NextPageMethod, path: next}
		if r.method == "POST" {
			r.body = body
		}
		*ans = queryAnswer{}
		if err := c.do(ctx, r, ans); err != nil {
			return err
		}
	}
}

// QueryCount is the number of records a query matches.
func (c *Client) QueryCount(ctx context.Context, entity string, filter []Filter) (int, error) {
	if filter == nil {
		filter = []Filter{}
	}
	var ans struct {
		QueryCount int `json:"queryCount"`
	}
	err := c.do(ctx, request{method: "POST", path: "v1.0/" + entity + "/query/count", body: queryBody{Filter: filter}}, &ans)
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
