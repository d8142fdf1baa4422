package native

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
)

// Widths of the metadata tables' columns (storage psa_field_info, psa_picklist).
const (
	maxFieldName     = 64
	maxDataType      = 32
	maxPicklistValue = 64
	maxPicklistLabel = 255
)

// metadata turns a section's field list into what storage saves, reporting
// what cannot be saved.
func metadata(e mapping.Entity, fields []atjson.Field, ps *problems) ([]mapping.FieldInfo, map[string][]mapping.PicklistValue) {
	infos := make([]mapping.FieldInfo, 0, len(fields))
	lists := map[string][]mapping.PicklistValue{}
	seen := map[string]bool{}
	bad := func(field, format string, args ...any) {
		ps.add(Problem{Entity: e, Field: field, Reason: "field metadata: " + fmt.Sprintf(format, args...)})
	}
	for i := range fields {
		f := &fields[i]
		name := f.Name
		switch {
		case strings.TrimSpace(name) == "":
			bad("", "field %d has no name", i+1)
			continue
		case utf8.RuneCountInString(name) > maxFieldName:
			bad(name, "the name is longer than %d characters", maxFieldName)
			continue
		case seen[strings.ToLower(name)]:
			bad(name, "listed twice")
			continue
		case utf8.RuneCountInString(f.DataType) > maxDataType:
			bad(name, "dataType is longer than %d characters", maxDataType)
		case f.Length < 0:
			bad(name, "length %d is negative", f.Length)
		}
		seen[strings.ToLower(name)] = true
		infos = append(infos, f.Info())
		if !f.IsPickList {
			continue
		}
		values := make([]mapping.PicklistValue, 0, len(f.PicklistValues))
		codes := map[string]bool{}
		for j := range f.PicklistValues {
			v := &f.PicklistValues[j]
			code := string(v.Value)
			switch {
			case code == "":
				bad(name, "picklist value %q has no code", v.Label)
				continue
			case codes[code]:
				bad(name, "picklist code %q is listed twice", code)
				continue
			case utf8.RuneCountInString(code) > maxPicklistValue || utf8.RuneCountInString(string(v.ParentValue)) > maxPicklistValue:
				bad(name, "picklist code %q is longer than %d characters", code, maxPicklistValue)
				continue
			case utf8.RuneCountInString(v.Label) > maxPicklistLabel:
				bad(name, "the label of picklist code %q is longer than %d characters", code, maxPicklistLabel)
				continue
			}
			codes[code] = true
			values = append(values, v.Picklist())
		}
		lists[name] = values
	}
	return infos, lists
}
