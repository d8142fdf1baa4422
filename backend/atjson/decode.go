package atjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Decode decodes one item into a fresh record of the entity (a pointer to
// its mapping record). The
// strict decoder takes what Autotask normally sends; when it balks, the
// item is decoded field by field, accepting the shapes Autotask (or a hand-
// made file) uses inconsistently — booleans as 0/1 and back (Contacts send
// isActive as an integer, Companies and Resources as a boolean), numbers
// in strings, datetimes without a zone (Autotask REST times are UTC) or
// without a time. What still does not fit is reported per field.
func Decode(e mapping.Entity, raw []byte) (mapping.Record, []FieldError) {
	mk := newRecord[e]
	if mk == nil {
		return nil, []FieldError{{Reason: "is not an entity psadav mirrors: " + string(e)}}
	}
	rec := mk()
	if err := json.Unmarshal(raw, rec); err == nil && !usesOldNames(e, raw) {
		return rec, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, []FieldError{{Reason: "is not a JSON object"}}
	}
	renameOld(e, obj)
	// encoding/json matches keys regardless of case; so does this.
	byLower := make(map[string]json.RawMessage, len(obj))
	for key, val := range obj {
		byLower[strings.ToLower(key)] = val
	}
	var errs []FieldError
	fixed := make(map[string]json.RawMessage, len(obj))
	for i := range specs[e].Fields {
		f := &specs[e].Fields[i]
		val, ok := byLower[strings.ToLower(f.Name)]
		if !ok || IsNull(val) {
			continue
		}
		canon, err := coerce(f.Kind, val)
		if err != nil {
			errs = append(errs, FieldError{Field: f.Name, Reason: f.Name + ": " + err.Error()})
			continue
		}
		fixed[f.Name] = canon
	}
	if len(errs) > 0 {
		return nil, errs
	}
	b, _ := json.Marshal(fixed)
	rec = mk()
	if err := json.Unmarshal(b, rec); err != nil {
		return nil, []FieldError{{Reason: err.Error()}}
	}
	return rec, nil
}

// oldNames are field names psadav once used for an entity, mapped to the
// PSA's own: files written before (an import, a demo export) keep their
// text. CompanyNotes' fields are name and note (docs/autotask.md A4).
var oldNames = map[mapping.Entity]map[string]string{
	mapping.EntityCompanyNotes: {"title": "name", "description": "note"},
}

// usesOldNames reports whether an item names a field only by its old name.
func usesOldNames(e mapping.Entity, raw []byte) bool {
	names := oldNames[e]
	if names == nil {
		return false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return false
	}
	lower := make(map[string]bool, len(obj))
	for k := range obj {
		lower[strings.ToLower(k)] = true
	}
	for old, cur := range names {
		if lower[old] && !lower[cur] {
			return true
		}
	}
	return false
}

// renameOld gives fields named by their old name the current one, unless
// the item names both.
func renameOld(e mapping.Entity, obj map[string]json.RawMessage) {
	names := oldNames[e]
	if names == nil {
		return
	}
	has := make(map[string]bool, len(obj))
	for k := range obj {
		has[strings.ToLower(k)] = true
	}
	for k, v := range obj {
		cur, ok := names[strings.ToLower(k)]
		if !ok {
			continue
		}
		if !has[cur] {
			obj[cur] = v
		}
		delete(obj, k)
	}
}

// FieldError is a problem with one field of a record.
type FieldError struct {
	Field  string // "" when the item as a whole is wrong
	Reason string
}

// IsNull reports whether a JSON value is null.
func IsNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

// coerce turns a JSON value into the canonical JSON of a field kind.
func coerce(k Kind, v json.RawMessage) (json.RawMessage, error) {
	v = bytes.TrimSpace(v)
	var s string
	quoted := len(v) > 0 && v[0] == '"'
	if quoted {
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
	}
	switch k {
	case KindString:
		switch {
		case quoted:
			return v, nil
		case len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')), string(v) == "true", string(v) == "false":
			// A postal code or phone number sent as a number keeps its digits.
			return json.Marshal(string(v))
		}
		return nil, fmt.Errorf("%s is not a string", short(v))
	case KindBool:
		text := string(v)
		if quoted {
			text = strings.ToLower(strings.TrimSpace(s))
		}
		switch text {
		case "true", "1":
			return json.RawMessage("true"), nil
		case "false", "0":
			return json.RawMessage("false"), nil
		}
		return nil, fmt.Errorf("%s is not a boolean (want true/false or 1/0)", short(v))
	case KindInt:
		text := string(v)
		if quoted {
			text = strings.TrimSpace(s)
		}
		switch text {
		case "true":
			return json.RawMessage("1"), nil
		case "false":
			return json.RawMessage("0"), nil
		}
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return json.RawMessage(strconv.FormatInt(n, 10)), nil
		}
		if f, err := strconv.ParseFloat(text, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return json.RawMessage(strconv.FormatInt(int64(f), 10)), nil
		}
		return nil, fmt.Errorf("%s is not a whole number", short(v))
	case KindFloat:
		text := string(v)
		if quoted {
			text = strings.TrimSpace(s)
		}
		if f, err := strconv.ParseFloat(text, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.RawMessage(strconv.FormatFloat(f, 'g', -1, 64)), nil
		}
		return nil, fmt.Errorf("%s is not a number", short(v))
	case KindTime:
		if !quoted {
			return nil, fmt.Errorf("%s is not a date (want a string such as 2026-01-31T14:30:00Z)", short(v))
		}
		if strings.TrimSpace(s) == "" {
			return json.RawMessage("null"), nil
		}
		t, err := ParseTime(s)
		if err != nil {
			return nil, err
		}
		return json.Marshal(t)
	}
	return nil, fmt.Errorf("unsupported field")
}

// timeLayouts are the datetime shapes accepted besides RFC 3339. A time
// without a zone is UTC: every Autotask REST datetime is (docs/autotask.md A10).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTime reads an Autotask datetime; one without a zone is UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want e.g. 2026-01-31T14:30:00Z)", s)
}

// short quotes a JSON value for a message, cut to a readable length.
func short(v json.RawMessage) string {
	const max = 40
	if len(v) > max {
		return string(v[:max]) + "…"
	}
	return string(v)
}
