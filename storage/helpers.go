package storage

import (
	"database/sql"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"time"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func ptr[T any](v T) *T { return &v }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

var timeType = reflect.TypeOf(time.Time{})

// normalizeTimes turns every time in a record into UTC at microsecond
// precision: PostgreSQL's TIMESTAMP drops offsets instead of converting
// them, and both databases keep microseconds, so a record renders the same
// before and after it is stored.
func normalizeTimes(rec any) {
	v := reflect.ValueOf(rec)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	v = v.Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch {
		case f.Type() == timeType:
			f.Set(reflect.ValueOf(f.Interface().(time.Time).UTC().Truncate(time.Microsecond)))
		case f.Type() == reflect.PointerTo(timeType) && !f.IsNil():
			u := f.Elem().Interface().(time.Time).UTC().Truncate(time.Microsecond)
			f.Set(reflect.ValueOf(&u))
		}
	}
}

func sortStrings(s []string) { sort.Strings(s) }
