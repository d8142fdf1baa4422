package mapping

import (
	"fmt"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Recurrence rules (RFC 5545 §3.3.10) are expanded with rrule-go on wall
// clocks. rrule-go only stops an impossible rule (BYMONTHDAY=30 in
// February) at the year 9999, so rules finer than daily are refused:
// they would cost minutes, and PSA appointments never repeat by the hour.

// MaxInstances bounds how many occurrences one expansion produces.
const MaxInstances = 2000

type recurrence struct {
	set *rrule.Set
}

// parseRecurrence reads an RRULE for a series starting at dtstart (a wall
// clock in z). A DATE-TIME UNTIL in UTC is turned into z's wall clock.
func parseRecurrence(value string, dtstart time.Time, date bool, z zone) (r *recurrence, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("invalid RRULE %q", value)
		}
	}()
	value = strings.TrimPrefix(strings.TrimSpace(value), "RRULE:")
	opt, err := rrule.StrToROption(value)
	if err != nil {
		return nil, fmt.Errorf("invalid RRULE %q: %v", value, err)
	}
	switch opt.Freq {
	case rrule.SECONDLY, rrule.MINUTELY, rrule.HOURLY:
		return nil, fmt.Errorf("RRULE %q repeats more often than daily, which psadav does not take", value)
	}
	if !opt.Until.IsZero() {
		if until := untilValue(value); strings.HasSuffix(strings.ToUpper(until), "Z") && z != nil {
			opt.Until = z.wall(opt.Until)
		}
		if date && len(untilValue(value)) == 8 {
			// A DATE UNTIL includes that whole day.
			opt.Until = opt.Until.Add(24*time.Hour - time.Second)
		}
	}
	opt.Dtstart = dtstart
	rule, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, fmt.Errorf("invalid RRULE %q: %v", value, err)
	}
	set := &rrule.Set{}
	set.RRule(rule)
	// DTSTART is always the first instance (RFC 5545 §3.8.5.3), even when
	// the rule would not produce it.
	set.RDate(dtstart)
	return &recurrence{set: set}, nil
}

func untilValue(rule string) string {
	for _, part := range strings.Split(rule, ";") {
		if k, v, ok := strings.Cut(part, "="); ok && strings.EqualFold(k, "UNTIL") {
			return v
		}
	}
	return ""
}

// each calls fn for the set's wall clocks in order until fn returns false
// or MaxInstances were produced.
func (r *recurrence) each(fn func(time.Time) bool) {
	next := r.set.Iterator()
	for n := 0; n < MaxInstances; n++ {
		t, ok := next()
		if !ok || !fn(t) {
			return
		}
	}
}

// before is the latest wall clock at or before limit (zero: none).
func (r *recurrence) before(limit time.Time) time.Time {
	var last time.Time
	r.each(func(t time.Time) bool {
		if t.After(limit) {
			return false
		}
		last = t
		return true
	})
	return last
}

// newDateSet is a recurrence set of just one date (RDATEs are added to it).
func newDateSet(w time.Time) *rrule.Set {
	set := &rrule.Set{}
	set.RDate(w)
	return set
}

func hasCount(rule string) bool {
	for _, part := range strings.Split(rule, ";") {
		if k, _, ok := strings.Cut(part, "="); ok && strings.EqualFold(strings.TrimPrefix(k, "RRULE:"), "COUNT") {
			return true
		}
	}
	return false
}
