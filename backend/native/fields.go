package native

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/psadav/psadav/mapping"
)

// fieldJSON is one field in the shape of Autotask's
// {Entity}/entityInformation/fields answer.
type fieldJSON struct {
	Name           string         `json:"name"`
	DataType       string         `json:"dataType"`
	Length         int            `json:"length"`
	IsRequired     bool           `json:"isRequired"`
	IsReadOnly     bool           `json:"isReadOnly"`
	IsPickList     bool           `json:"isPickList"`
	PicklistValues []picklistJSON `json:"picklistValues"`
}

type picklistJSON struct {
	Value          flexString `json:"value"`
	Label          string     `json:"label"`
	IsActive       bool       `json:"isActive"`
	IsSystem       bool       `json:"isSystem"`
	IsDefaultValue bool       `json:"isDefaultValue"`
	SortOrder      int        `json:"sortOrder"`
	ParentValue    flexString `json:"parentValue"`
}

// flexString takes a string or a number: Autotask sends picklist codes as
// strings, hand-made files often as numbers.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, not %s", b)
		}
		*f = flexString(n)
	}
	return nil
}

// Widths of the metadata tables' columns (storage psa_field_info, psa_picklist).
const (
	maxFieldName     = 64
	maxDataType      = 32
	maxPicklistValue = 64
	maxPicklistLabel = 255
)

// metadata turns a section's field list into what storage saves, reporting
// what cannot be saved.
func metadata(e mapping.Entity, fields []fieldJSON, ps *problems) ([]mapping.FieldInfo, map[string][]mapping.PicklistValue) {
	infos := make([]mapping.FieldInfo, 0, len(fields))
	lists := map[string][]mapping.PicklistValue{}
	seen := map[string]bool{}
	bad := func(field, format string, args ...any) {
		ps.add(Problem{Entity: e, Field: field, Reason: "field metadata: " + fmt.Sprintf(format, args...)})
	}
	for i, f := range fields {
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
		infos = append(infos, mapping.FieldInfo{Name: name, DataType: f.DataType, Length: f.Length,
			Required: f.IsRequired, ReadOnly: f.IsReadOnly, Picklist: f.IsPickList})
		if !f.IsPickList {
			continue
		}
		values := make([]mapping.PicklistValue, 0, len(f.PicklistValues))
		codes := map[string]bool{}
		for _, v := range f.PicklistValues {
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
			values = append(values, mapping.PicklistValue{Value: code, Label: v.Label, Active: v.IsActive,
				System: v.IsSystem, Default: v.IsDefaultValue, SortOrder: v.SortOrder, ParentValue: string(v.ParentValue)})
		}
		lists[name] = values
	}
	return infos, lists
}
