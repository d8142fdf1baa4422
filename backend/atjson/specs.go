package atjson

import (
	"reflect"
	"strings"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Kind is what a record field holds, as far as decoding and checking care.
type Kind int

const (
	KindString Kind = iota
	KindInt
	KindBool
	KindFloat
	KindTime
)

// FieldSpec is one JSON field of a mapping record.
type FieldSpec struct {
	Name  string // the Autotask name: the record's json tag
	Index int    // the struct field's index
	Kind  Kind
	Ptr   bool // a pointer field: null is "no value"
}

// RecordSpec describes a record type's fields once, so checking thirty
// thousand records does not walk struct tags thirty thousand times.
type RecordSpec struct {
	Fields []FieldSpec
	ByName map[string]*FieldSpec // lower-case JSON name
}

var specs = func() map[mapping.Entity]*RecordSpec {
	out := map[mapping.Entity]*RecordSpec{}
	for e, mk := range newRecord {
		out[e] = specOf(reflect.TypeOf(mk()).Elem())
	}
	return out
}()

// Spec describes the fields of an entity's record; nil for an entity
// psadav does not mirror.
func Spec(e mapping.Entity) *RecordSpec { return specs[e] }

var timeType = reflect.TypeOf(time.Time{})

func specOf(t reflect.Type) *RecordSpec {
	rs := &RecordSpec{ByName: map[string]*FieldSpec{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft, ptr := f.Type, false
		if ft.Kind() == reflect.Pointer {
			ft, ptr = ft.Elem(), true
		}
		var k Kind
		switch {
		case ft == timeType:
			k = KindTime
		case ft.Kind() == reflect.String:
			k = KindString
		case ft.Kind() == reflect.Bool:
			k = KindBool
		case ft.Kind() == reflect.Float64:
			k = KindFloat
		case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Int64:
			k = KindInt
		default:
			panic("atjson: unhandled field type " + ft.String() + " in " + t.String())
		}
		rs.Fields = append(rs.Fields, FieldSpec{Name: name, Index: i, Kind: k, Ptr: ptr})
	}
	for i := range rs.Fields {
		rs.ByName[strings.ToLower(rs.Fields[i].Name)] = &rs.Fields[i]
	}
	return rs
}

// Value is a field of rec (a record struct value), false for a nil pointer.
func (f *FieldSpec) Value(rec reflect.Value) (reflect.Value, bool) {
	v := rec.Field(f.Index)
	if f.Ptr {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	return v, true
}
