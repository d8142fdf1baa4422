package fakeautotask

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/psadav/psadav/backend/atjson"
)

// filter is one query condition or group, as Autotask takes it.
type filter struct {
	Op    string          `json:"op"`
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
	UDF   bool            `json:"udf"`
	Items []filter        `json:"items"`
}

// search is a query body ({"filter": …}); Autotask's own spelling of the
// keys varies, so they are matched regardless of case. Filter and
// MaxRecords are pointers: a body without them is answered differently
// from one with an empty list or a zero.
type search struct {
	Filter        *[]filter `json:"filter"`
	IncludeFields []string  `json:"IncludeFields"`
	MaxRecords    *int      `json:"MaxRecords"`
}

// errNoFilter is a real tenant's answer to a query without "filter"
// (HTTP 500; Servosity/msp-skills issue #257, docs/autotask.md A3).
var errNoFilter = errors.New("Value cannot be null.\r\nParameter name: filters")

func parseSearch(b []byte) (search, error) {
	var s search
	if len(strings.TrimSpace(string(b))) == 0 {
		return s, errNoFilter
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("the query is not valid JSON: %v", err)
	}
	if s.Filter == nil {
		return s, errNoFilter
	}
	// MaxRecords takes 1 to 500 (vendor page REST_Advanced_Query_Features,
	// "Specifying the maximum records to return"); a tenant refuses
	// others rather than clamping them (docs/autotask.md A7).
	if s.MaxRecords != nil && (*s.MaxRecords < 1 || *s.MaxRecords > 500) {
		return s, fmt.Errorf("MaxRecords must be between 1 and 500, not %d", *s.MaxRecords)
	}
	return s, nil
}

// conditions are the query's conditions (none when it has no filter).
func (s search) conditions() []filter {
	if s.Filter == nil {
		return nil
	}
	return *s.Filter
}

// matcher evaluates filters against an entity's rows.
type matcher struct {
	fields map[string]fieldMeta // lower-case name → meta; nil: any field
}

// knownOp reports whether Autotask knows a condition's operator (vendor
// page REST_Basic_Query_Calls, "Filter operators").
func knownOp(op string) bool {
	switch strings.ToLower(op) {
	case "and", "or", "eq", "noteq", "gt", "gte", "lt", "lte", "beginswith", "endswith", "contains", "exist", "notexist", "in", "notin":
		return true
	}
	return false
}

// check reports an unknown field as Autotask would. An unknown operator
// is not refused: a real tenant ignores the condition silently (a
// misspelt "noteExist" matched as if absent; docs/autotask.md A6).
func (m matcher) check(fs []filter) error {
	for _, f := range fs {
		switch strings.ToLower(f.Op) {
		case "and", "or":
			if len(f.Items) == 0 {
				return fmt.Errorf("a %s group needs items", f.Op)
			}
			if err := m.check(f.Items); err != nil {
				return err
			}
			continue
		}
		if !knownOp(f.Op) {
			continue
		}
		if m.fields != nil && !strings.EqualFold(f.Field, "id") {
			if _, ok := m.fields[strings.ToLower(f.Field)]; !ok {
				return fmt.Errorf("%s is not a queryable field", f.Field)
			}
		}
	}
	return nil
}

func (m matcher) all(row map[string]any, fs []filter) bool {
	for _, f := range fs {
		if !m.one(row, f) {
			return false
		}
	}
	return true
}

func (m matcher) one(row map[string]any, f filter) bool {
	op := strings.ToLower(f.Op)
	if !knownOp(op) {
		return true // ignored, as a real tenant does (see check)
	}
	switch op {
	case "and":
		return m.all(row, f.Items)
	case "or":
		for _, it := range f.Items {
			if m.one(row, it) {
				return true
			}
		}
		return false
	}
	v, _ := get(row, f.Field)
	present := v != nil && v != ""
	switch op {
	case "exist":
		return present
	case "notexist":
		return !present
	case "in", "notin":
		var list []json.RawMessage
		_ = json.Unmarshal(f.Value, &list)
		in := false
		for _, want := range list {
			if c, ok := m.compare(f.Field, v, want); ok && c == 0 {
				in = true
				break
			}
		}
		return in == (op == "in")
	case "beginswith", "endswith", "contains":
		var want string
		_ = json.Unmarshal(f.Value, &want)
		s, want := strings.ToLower(fmt.Sprint(v)), strings.ToLower(want)
		if !present {
			return false
		}
		switch op {
		case "beginswith":
			return strings.HasPrefix(s, want)
		case "endswith":
			return strings.HasSuffix(s, want)
		}
		return strings.Contains(s, want)
	}
	if !present && op != "noteq" {
		return false
	}
	c, ok := m.compare(f.Field, v, f.Value)
	if !ok {
		return op == "noteq"
	}
	switch op {
	case "eq":
		return c == 0
	case "noteq":
		return c != 0
	case "gt":
		return c > 0
	case "gte":
		return c >= 0
	case "lt":
		return c < 0
	case "lte":
		return c <= 0
	}
	return false
}

// compare orders a row's value against a filter value: as times for date
// fields, as numbers, else as text ignoring case.
func (m matcher) compare(field string, v any, raw json.RawMessage) (int, bool) {
	var want any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		return 0, false
	}
	kind := atjson.KindString
	if fm, ok := m.fields[strings.ToLower(field)]; ok {
		kind = fm.kind
	} else if strings.EqualFold(field, "id") {
		kind = atjson.KindInt
	}
	switch kind {
	case atjson.KindTime:
		a, ok1 := asTime(v)
		b, ok2 := asTime(want)
		if !ok1 || !ok2 {
			return 0, false
		}
		return a.Compare(b), true
	case atjson.KindInt, atjson.KindFloat, atjson.KindBool:
		a, ok1 := number(v)
		b, ok2 := number(want)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch {
		case a < b:
			return -1, true
		case a > b:
			return 1, true
		}
		return 0, true
	}
	if v == nil {
		return 0, false
	}
	return strings.Compare(strings.ToLower(fmt.Sprint(v)), strings.ToLower(fmt.Sprint(want))), true
}

func asTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := atjson.ParseTime(s)
	return t, err == nil
}

// runQuery answers a query: at most size rows after the id cursor (all
// when size is 0), and whether more follow. An empty condition list
// matches nothing: a real tenant answers "filter": [] with 200 and zero
// rows (Servosity/msp-skills #257; docs/autotask.md A3).
func (t *Tenant) runQuery(entity string, s search, after int64, size int) (items []map[string]any, next bool, err error) {
	tb := t.tables[entity]
	m := matcher{fields: t.fields[entity]}
	conds := s.conditions()
	if err := m.check(conds); err != nil {
		return nil, false, err
	}
	if len(conds) == 0 {
		return nil, false, nil
	}
	for _, id := range tb.ids() {
		if id <= after {
			continue
		}
		row := tb.rows[id]
		if !m.all(row, conds) {
			continue
		}
		if size > 0 && len(items) == size {
			next = true
			break
		}
		items = append(items, project(row, s.IncludeFields))
	}
	if t.shuffle && len(items) > 1 {
		rand.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	}
	return items, next, nil
}

// project keeps the IncludeFields of a row (all when none are named).
func project(row map[string]any, include []string) map[string]any {
	out := make(map[string]any, len(row))
	if len(include) == 0 {
		for k, v := range row {
			out[k] = v
		}
		return out
	}
	for _, f := range append(include, "id") {
		if v, ok := get(row, f); ok {
			out[canonical(row, f)] = v
		}
	}
	return out
}

// pageToken is where a page starts. Like a real tenant's paging token it
// carries the position only, never the filter: the next page must be
// asked for with the query body again (docs/autotask.md A1).
type pageToken struct {
	After    int64 `json:"after"`
	PageSize int   `json:"pageSize"`
}

// pageURL is where another page of a query is read. A real tenant writes
// it absolute, with the zone's host and an upper-case ATServicesRest/V1.0
// whatever case the query used (WYRE-AI/autotask-mcp PR #170 shows
// …/Companies/query/next?paging=…; django-autotask's comments and a
// third-party tenant log show https://webservices…/ATServicesRest/V1.0/…).
func pageURL(host, zone, entity string, tok pageToken) string {
	b, _ := json.Marshal(tok)
	return "http://" + host + "/zone" + zone + "/ATServicesRest/V1.0/" + entity + "/query/next?paging=" + url.QueryEscape(string(b))
}
