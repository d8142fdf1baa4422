package fakeautotask

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/psadav/psadav/backend/atjson"
)

// table holds one entity's records as JSON objects with Autotask's field
// names, the way the API sends them.
type table struct {
	rows map[int64]map[string]any
}

func newTable() *table { return &table{rows: map[int64]map[string]any{}} }

func (tb *table) ids() []int64 {
	ids := make([]int64, 0, len(tb.rows))
	for id := range tb.rows {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// get looks a field up regardless of case.
func get(row map[string]any, field string) (any, bool) { return atjson.Lookup(row, field) }

// canonical returns the row's spelling of a field, or the field itself.
func canonical(row map[string]any, field string) string {
	if _, ok := row[field]; ok {
		return field
	}
	for k := range row {
		if strings.EqualFold(k, field) {
			return k
		}
	}
	return field
}

// toMap turns a record (a struct or map) into a JSON object.
func toMap(rec any) map[string]any {
	b, _ := json.Marshal(rec)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var m map[string]any
	_ = dec.Decode(&m)
	return m
}

func idOf(row map[string]any) int64 {
	v, _ := get(row, "id")
	n, _ := number(v)
	return int64(n)
}

// number reads a JSON number, a boolean as 0/1, or a number in a string.
func number(v any) (float64, bool) {
	if s, ok := v.(string); ok {
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	return atjson.Number(v)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
