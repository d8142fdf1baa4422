package autotask

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
)

// The stamps an incremental pull filters on are named in specs; a pulled
// record's stamps are read through its typed methods. They must name the
// same fields: each time field of a record gets its own instant, and the
// methods must return the instants of the fields specs names.
func TestStampMethodsReadTheSpecsStampFields(t *testing.T) {
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, s := range specs {
		e := s.plan.Entity
		rec := atjson.NewRecord(e)
		fieldAt := map[string]time.Time{}
		v := reflect.ValueOf(rec).Elem()
		for i, f := range atjson.Spec(e).Fields {
			if f.Kind != atjson.KindTime {
				continue
			}
			at := base.Add(time.Duration(i) * time.Hour)
			fieldAt[strings.ToLower(f.Name)] = at
			if fv := v.Field(f.Index); f.Ptr {
				fv.Set(reflect.ValueOf(&at))
			} else {
				fv.Set(reflect.ValueOf(at))
			}
		}
		got := rec.LastModified()
		if len(s.stamps) == 0 {
			continue
		}
		want := fieldAt[strings.ToLower(s.stamps[0])]
		if got == nil || !got.Equal(want) {
			t.Errorf("%s: LastModified() = %v, want %s (%v)", e, got, s.stamps[0], want)
		}
		a, ok := rec.(mapping.ActivityStamped)
		if len(s.stamps) > 1 {
			want := fieldAt[strings.ToLower(s.stamps[1])]
			if !ok || a.LastActivityStamp() == nil || !a.LastActivityStamp().Equal(want) {
				t.Errorf("%s: second stamp %s (%v) is not LastActivityStamp()", e, s.stamps[1], want)
			}
		} else if ok {
			t.Errorf("%s: LastActivityStamp() but specs names one stamp", e)
		}
	}
}

// A record's RecordID is its ID field, whatever the entity.
func TestRecordIDIsTheIDField(t *testing.T) {
	for _, e := range mapping.Entities {
		rec, errs := atjson.Decode(e, []byte(`{"id": 4711}`))
		if rec == nil {
			t.Fatalf("%s: %v", e, errs)
		}
		if got := rec.RecordID(); got != 4711 {
			t.Errorf("%s: RecordID() = %d", e, got)
		}
	}
}
