package native

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
)

// record is one checked item, ready for UpsertPSA.
type record struct {
	id  int64
	rec mapping.Record  // pointer to the entity's mapping record
	raw json.RawMessage // the item as the file has it, compacted
}

// rules are the checks of one entity's records, worked out once per import.
type rules struct {
	entity   mapping.Entity
	spec     *atjson.RecordSpec
	id       *atjson.FieldSpec
	required []*atjson.FieldSpec
	maxLen   []limit // string fields: characters
	int32s   []*atjson.FieldSpec
	flags    []*atjson.FieldSpec
	decimals []limit           // magnitude must stay below
	start    *atjson.FieldSpec // with end: end may not precede start
	end      *atjson.FieldSpec
}

func newRules(e mapping.Entity, v *schemaView) *rules {
	spec := atjson.Spec(e)
	r := &rules{entity: e, spec: spec, id: spec.ByName["id"]}
	for i := range spec.Fields {
		f := &spec.Fields[i]
		if f.Name != "id" && v.required(e, f.Name) {
			r.required = append(r.required, f)
		}
		if f.Kind == atjson.KindString {
			if n := v.maxLength(e, f.Name); n > 0 {
				r.maxLen = append(r.maxLen, limit{f, float64(n)})
			}
		}
	}
	pick := func(names []string) []*atjson.FieldSpec {
		var out []*atjson.FieldSpec
		for _, n := range names {
			out = append(out, spec.ByName[strings.ToLower(n)])
		}
		return out
	}
	r.int32s, r.flags = pick(int32Fields[e]), pick(flagFields[e])
	for i := range spec.Fields {
		if max, ok := decimalLimits[e][spec.Fields[i].Name]; ok {
			r.decimals = append(r.decimals, limit{&spec.Fields[i], max})
		}
	}
	if pair, ok := timeRanges[e]; ok {
		r.start, r.end = spec.ByName[strings.ToLower(pair[0])], spec.ByName[strings.ToLower(pair[1])]
	}
	return r
}

// checkItems decodes and checks one entity's items. Problems go to ps;
// the records are returned whether or not there were any.
func (r *rules) checkItems(items []json.RawMessage, ps *problems) []record {
	out := make([]record, 0, len(items))
	seen := make(map[int64]int, len(items))
	var buf bytes.Buffer
	for i, raw := range items {
		p := Problem{Entity: r.entity, Item: i + 1}
		bad := func(field, format string, args ...any) {
			q := p
			q.Field, q.Reason = field, fmt.Sprintf(format, args...)
			ps.add(q)
		}
		if !utf8.Valid(raw) {
			bad("", "is not valid UTF-8")
			continue
		}
		rec, ferrs := atjson.Decode(r.entity, raw)
		if rec == nil {
			p.ID, p.HasID = peekID(raw)
			for _, fe := range ferrs {
				bad(fe.Field, "%s", fe.Reason)
			}
			continue
		}
		v := reflect.ValueOf(rec).Elem()
		pres := presence{raw: raw}
		id := v.Field(r.id.Index).Int()
		switch {
		case id == 0 && !pres.has("id"):
			bad("id", "missing id")
		case id < 0:
			bad("id", "id %d is negative", id)
		default:
			p.ID, p.HasID = id, true
			if first, dup := seen[id]; dup {
				bad("id", "id %d appears twice in %s (items %d and %d)", id, r.entity, first, i+1)
			}
			seen[id] = i + 1
		}
		r.checkFields(v, &pres, bad)
		if msg := atjson.BadEscape(raw); msg != "" {
			bad("", "%s", msg)
		}
		buf.Reset()
		if err := json.Compact(&buf, raw); err != nil {
			bad("", "is not valid JSON: %v", err)
			continue
		}
		out = append(out, record{id: id, rec: rec, raw: bytes.Clone(buf.Bytes())})
	}
	return out
}

// checkFields applies the field rules to a decoded record.
func (r *rules) checkFields(v reflect.Value, pres *presence, bad func(field, format string, args ...any)) {
	for _, f := range r.required {
		if missing, empty := isMissing(f, v, pres); missing {
			bad(f.Name, "%s is missing", f.Name)
		} else if empty {
			bad(f.Name, "%s is required but empty", f.Name)
		}
	}
	for _, l := range r.maxLen {
		max := int(l.max)
		if s := v.Field(l.f.Index).String(); len(s) > max {
			if n := utf8.RuneCountInString(s); n > max {
				bad(l.f.Name, "%s is %d characters long; the limit is %d", l.f.Name, n, max)
			}
		}
	}
	for _, f := range r.int32s {
		if x, ok := f.Value(v); ok && (x.Int() > math.MaxInt32 || x.Int() < math.MinInt32) {
			bad(f.Name, "%s %d is out of range for a 32-bit picklist code", f.Name, x.Int())
		}
	}
	for _, f := range r.flags {
		if x, ok := f.Value(v); ok && x.Int() != 0 && x.Int() != 1 {
			bad(f.Name, "%s must be 0 or 1 (or false/true), not %d", f.Name, x.Int())
		}
	}
	for _, l := range r.decimals {
		if x, ok := l.f.Value(v); ok && math.Abs(x.Float()) >= l.max {
			bad(l.f.Name, "%s %g is out of range (must stay below %g)", l.f.Name, x.Float(), l.max)
		}
	}
	for i := range r.spec.Fields {
		f := &r.spec.Fields[i]
		if f.Kind != atjson.KindTime {
			continue
		}
		if x, ok := f.Value(v); ok {
			if t := x.Interface().(time.Time); !t.IsZero() && t.UTC().Year() < 1 {
				bad(f.Name, "%s %s is before year 1", f.Name, t.Format(time.RFC3339))
			}
		}
	}
	if r.start != nil {
		s, ok1 := r.start.Value(v)
		e, ok2 := r.end.Value(v)
		if ok1 && ok2 {
			st, et := s.Interface().(time.Time), e.Interface().(time.Time)
			if !st.IsZero() && !et.IsZero() && et.Before(st) {
				bad(r.end.Name, "%s %s is before %s %s", r.end.Name, et.UTC().Format(time.RFC3339),
					r.start.Name, st.UTC().Format(time.RFC3339))
			}
		}
	}
}

// limit bounds one field.
type limit struct {
	f   *atjson.FieldSpec
	max float64
}

// isMissing reports whether a required field has no value (missing) or an
// empty one. A zero number or false is a value when the item sends it:
// company 0 is the PSA's own company, isActive 0 an inactive contact.
func isMissing(f *atjson.FieldSpec, v reflect.Value, pres *presence) (missing, empty bool) {
	x, ok := f.Value(v)
	if !ok {
		return true, false
	}
	switch f.Kind {
	case atjson.KindString:
		if strings.TrimSpace(x.String()) == "" {
			return !pres.has(f.Name), true
		}
	case atjson.KindTime:
		return x.Interface().(time.Time).IsZero(), false
	default:
		if x.IsZero() && !f.Ptr {
			return !pres.has(f.Name), false
		}
	}
	return false, false
}

// presence answers "did the item send this field (not null)?", decoding
// the item's keys only when a check needs to know.
type presence struct {
	raw  []byte
	keys map[string]bool
}

func (p *presence) has(name string) bool {
	if p.keys == nil {
		var obj map[string]json.RawMessage
		_ = json.Unmarshal(p.raw, &obj)
		p.keys = make(map[string]bool, len(obj))
		for k, v := range obj {
			if !atjson.IsNull(v) {
				p.keys[strings.ToLower(k)] = true
			}
		}
	}
	return p.keys[strings.ToLower(name)]
}

// peekID reads an item's id for a message about an item that does not decode.
func peekID(raw []byte) (int64, bool) {
	var probe struct {
		ID *json.Number `json:"id"`
	}
	if json.Unmarshal(raw, &probe) != nil || probe.ID == nil {
		return 0, false
	}
	id, err := probe.ID.Int64()
	return id, err == nil
}
