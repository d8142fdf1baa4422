package atjson

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/psadav/psadav/mapping"
)

// Field is one field in the shape of Autotask's
// {Entity}/entityInformation/fields answer.
type Field struct {
	Name                     string          `json:"name"`
	DataType                 string          `json:"dataType"`
	Length                   int             `json:"length"`
	IsRequired               bool            `json:"isRequired"`
	IsReadOnly               bool            `json:"isReadOnly"`
	IsQueryable              bool            `json:"isQueryable"`
	IsReference              bool            `json:"isReference"`
	ReferenceEntityType      string          `json:"referenceEntityType"`
	IsPickList               bool            `json:"isPickList"`
	PicklistValues           []PicklistValue `json:"picklistValues"`
	PicklistParentValueField string          `json:"picklistParentValueField"`
	IsSupportedWebhookField  bool            `json:"isSupportedWebhookField"`
}

// PicklistValue is one choice of a picklist field.
type PicklistValue struct {
	Value          FlexString `json:"value"`
	Label          string     `json:"label"`
	IsDefaultValue bool       `json:"isDefaultValue"`
	SortOrder      int        `json:"sortOrder"`
	ParentValue    FlexString `json:"parentValue"`
	IsActive       bool       `json:"isActive"`
	IsSystem       bool       `json:"isSystem"`
}

// Info is the field as package mapping keeps it.
func (f *Field) Info() mapping.FieldInfo {
	return mapping.FieldInfo{Name: f.Name, DataType: f.DataType, Length: f.Length,
		Required: f.IsRequired, ReadOnly: f.IsReadOnly, Picklist: f.IsPickList}
}

// Picklist is a value as package mapping keeps it.
func (v *PicklistValue) Picklist() mapping.PicklistValue {
	return mapping.PicklistValue{Value: string(v.Value), Label: v.Label, Active: v.IsActive,
		System: v.IsSystem, Default: v.IsDefaultValue, SortOrder: v.SortOrder, ParentValue: string(v.ParentValue)}
}

// FlexString takes a string or a number: Autotask sends picklist codes as
// strings, hand-made files often as numbers.
type FlexString string

func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, not %s", b)
		}
		*f = FlexString(n)
	}
	return nil
}
