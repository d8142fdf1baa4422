package fakeautotask

import (
	"encoding/json"
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
// keys varies, so they are matched regardless of case.
type search struct {
	Filter        []filter `json:"filter"`
	IncludeFields []string `json:"IncludeFields"`
	MaxRecords    int      `json:"MaxRecords"`
}

func parseSearch(b []byte) (search, error) {
	var s search
	if len(strings.TrimSpace(string(b))) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("the query is not valid JSON: %v", err)
	}
	return s, nil
}

// matcher evaluates filters against an entity's rows.
type matcher struct {
	fields map[string]fieldMeta // lower-case name → meta; nil: any field
}

// check reports an unknown field or operator as Autotask would.
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
		case "eq", "noteq", "gt", "gte", "lt", "lte", "beginswith", "endswith", "contains", "exist", "notexist", "in", "notin":
		default:
			return fmt.Errorf("unknown operator %q", f.Op)
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

// page is one answer: at most max rows after the id cursor, and whether more follow.
func (t *Tenant) runQuery(entity string, s search, after int64, all bool) (items []map[string]any, next bool, err error) {
	tb := t.tables[entity]
	m := matcher{fields: t.fields[entity]}
	if err := m.check(s.Filter); err != nil {
		return nil, false, err
	}
	max := s.MaxRecords
	if max <= 0 || (max > 500 && !all) {
		max = 500
	}
	for _, id := range tb.ids() {
		if id <= after {
			continue
		}
		row := tb.rows[id]
		if !m.all(row, s.Filter) {
			continue
		}
		if len(items) == max {
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

// nextPageURL is where the following page of a query is read: the same
// search with a cursor after the last id.
func (t *Tenant) nextPageURL(root, entity string, s search, last int64) string {
	b, _ := json.Marshal(s)
	return root + "v1.0/" + entity + "/query/next?paging=" + url.QueryEscape(`{"after":`+itoa(last)+`}`) +
		"&search=" + url.QueryEscape(string(b))
}
