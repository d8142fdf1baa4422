package native

import (
	"reflect"
	"strings"
	"time"

	"github.com/psadav/psadav/mapping"
)

// kind is what a record field holds, as far as decoding and checking care.
type kind int

const (
	kindString kind = iota
	kindInt
	kindBool
	kindFloat
	kindTime
)

// fieldSpec is one JSON field of a mapping record.
type fieldSpec struct {
	name  string // the Autotask name: the record's json tag
	index int
	kind  kind
	ptr   bool // a pointer field: null is "no value"
}

// recordSpec describes a record type's fields once, so checking thirty
// thousand records does not walk struct tags thirty thousand times.
type recordSpec struct {
	fields []fieldSpec
	byName map[string]*fieldSpec // lower-case JSON name
}

var specs = func() map[mapping.Entity]*recordSpec {
	out := map[mapping.Entity]*recordSpec{}
	for e, mk := range newRecord {
		out[e] = specOf(reflect.TypeOf(mk()).Elem())
	}
	return out
}()

var timeType = reflect.TypeOf(time.Time{})

func specOf(t reflect.Type) *recordSpec {
	rs := &recordSpec{byName: map[string]*fieldSpec{}}
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
		var k kind
		switch {
		case ft == timeType:
			k = kindTime
		case ft.Kind() == reflect.String:
			k = kindString
		case ft.Kind() == reflect.Bool:
			k = kindBool
		case ft.Kind() == reflect.Float64:
			k = kindFloat
		case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Int64:
			k = kindInt
		default:
			panic("native: unhandled field type " + ft.String() + " in " + t.String())
		}
		rs.fields = append(rs.fields, fieldSpec{name: name, index: i, kind: k, ptr: ptr})
	}
	for i := range rs.fields {
		rs.byName[strings.ToLower(rs.fields[i].name)] = &rs.fields[i]
	}
	return rs
}

// value is a field of rec (a pointer to a record), nil pointers as invalid.
func (f *fieldSpec) value(rec reflect.Value) (reflect.Value, bool) {
	v := rec.Field(f.index)
	if f.ptr {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	return v, true
}
