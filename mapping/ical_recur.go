package mapping

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Recurrence rules (RFC 5545 §3.3.10) are expanded with rrule-go on wall
// clocks. Whatever a rule says, its expansion is bounded, so no request
// (a PUT, a calendar-query, a free-busy report) spends more than tens of
// milliseconds on one series (README: Limits on what clients write):
//
//   - A rule is expanded only when its shape is cheap for rrule-go, which
//     steps through every period of the rule's FREQ and makes all the
//     times of a matching day at once: FREQ=DAILY or coarser, at most
//     maxTimesPerDay times of day (BYHOUR × BYMINUTE × BYSECOND), BY lists
//     of at most maxByValues distinct values (maxSetPos for BYSETPOS),
//     INTERVAL up to maxInterval,
//     no BYEASTER (not iCalendar; rrule-go indexes out of range with a
//     large one). JudgeSeries refuses any other rule from a client; one
//     stored before these limits is its DTSTART and RDATEs.
//   - rrule-go looks for a rule's next instance until the year 9999, so an
//     impossible rule (30 February) walks every day until then, a large
//     part of a second each time (docs/performance.md). psadav expands in a calendar moved forward by whole
//     400-year Gregorian cycles, which repeat weekdays, leap days and week
//     numbers exactly, so that the year 9999 comes less than 400 years
//     after the last instant a caller wants.
//   - One walk visits at most maxVisits instances.
//
// rrule-go is kept (rather than an expander of our own) for its coverage
// of RFC 5545; the bounds above are the whole of what it lacks.

// MaxInstances bounds how many occurrences one expansion produces.
const MaxInstances = 2000

const (
	maxVisits      = 100_000 // instances one walk visits, before the range wanted included
	maxTimesPerDay = 24      // BYHOUR × BYMINUTE × BYSECOND
	maxByValues    = 62      // distinct values in one BY list (BYMONTHDAY has ±31)
	maxSetPos      = 7       // BYSETPOS values: rrule-go lists a period's days for each
	maxInterval    = 1000
	// maxSpan is how far rrule-go expands a rule without UNTIL (292 years):
	// nothing lies beyond it.
	maxSpan = time.Duration(1<<63 - 1)
	// gregorianCycle is the years after which the calendar repeats.
	gregorianCycle = 400
)

// recurrence is a series' instants as wall clocks: DTSTART (always an
// instance, RFC 5545 §3.8.5.3), a rule's instances, RDATEs, less EXDATEs.
type recurrence struct {
	rule    *rrule.ROption // nil: no rule, or one that is not expanded
	skipped string         // why a rule is not expanded ("": it is, or there is none)
	barren  bool           // the rule yields no instance
	ruleTxt string
	dtstart time.Time
	rdates  []time.Time // DTSTART included
	exdates []time.Time

	// The instances found so far and the walk that finds more: the
	// expansions one request makes of an object (a report's match and
	// expand, a PUT's judgement and occurrences, a VTIMEZONE observance
	// at every conversion) share one walk.
	found []time.Time
	next  func() (time.Time, bool) // nil until the walk begins
	ended bool
	end   walkEnd // why the walk ended: walkDone or walkBudget
}

// parseRecurrence reads an RRULE for a series starting at dtstart (a wall
// clock in z). A DATE-TIME UNTIL in UTC is turned into z's wall clock. It
// fails only on a rule it cannot read; a rule it reads but does not expand
// has skipped set.
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
	dedupe(opt)
	r = newDates(dtstart)
	r.ruleTxt = value
	if len(value) > 100 {
		r.ruleTxt = value[:100] + "…"
	}
	r.skipped = skipReason(opt)
	// rrule-go checks the BY values' ranges when it builds the rule; the
	// check is made on a copy with one time of day, which is cheap to build
	// whatever the rule.
	probe := *opt
	probe.Byhour, probe.Byminute, probe.Bysecond = first(opt.Byhour), first(opt.Byminute), first(opt.Bysecond)
	if _, err := rrule.NewRRule(probe); err != nil {
		return nil, fmt.Errorf("invalid RRULE %q: %v", value, err)
	}
	if err := checkTimes(opt); err != nil {
		return nil, fmt.Errorf("invalid RRULE %q: %v", value, err)
	}
	if r.skipped == "" {
		r.rule = opt
	}
	return r, nil
}

// newDates is a series of dtstart alone (RDATEs and EXDATEs are added to it).
func newDates(dtstart time.Time) *recurrence {
	return &recurrence{dtstart: dtstart, rdates: []time.Time{dtstart}}
}

// dedupe sorts each BY list and drops repeats: rrule-go walks them for
// every day and multiplies the time lists.
func dedupe(o *rrule.ROption) {
	for _, l := range []*[]int{&o.Bysetpos, &o.Bymonth, &o.Bymonthday, &o.Byyearday, &o.Byweekno,
		&o.Byhour, &o.Byminute, &o.Bysecond, &o.Byeaster} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	seen := map[rrule.Weekday]bool{}
	days := o.Byweekday[:0]
	for _, d := range o.Byweekday {
		if !seen[d] {
			seen[d] = true
			days = append(days, d)
		}
	}
	o.Byweekday = days
}

// checkTimes checks the time lists the probe left out.
func checkTimes(o *rrule.ROption) error {
	for _, l := range []struct {
		name string
		vals []int
		max  int
	}{{"BYHOUR", o.Byhour, 23}, {"BYMINUTE", o.Byminute, 59}, {"BYSECOND", o.Bysecond, 59}} {
		for _, v := range l.vals {
			if v < 0 || v > l.max {
				return fmt.Errorf("%s must be between 0 and %d", l.name, l.max)
			}
		}
	}
	return nil
}

func first(l []int) []int {
	if len(l) > 1 {
		return l[:1]
	}
	return l
}

// skipReason says why psadav does not expand a rule ("" it does).
func skipReason(o *rrule.ROption) string {
	if o.Freq > rrule.DAILY {
		return fmt.Sprintf("FREQ=%s repeats within a day; psadav takes rules that repeat daily or less often (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)", o.Freq)
	}
	if len(o.Byeaster) > 0 {
		return "BYEASTER is not part of iCalendar (RFC 5545)"
	}
	if o.Interval > maxInterval {
		return fmt.Sprintf("INTERVAL=%d is larger than the %d psadav takes", o.Interval, maxInterval)
	}
	times := max(1, len(o.Byhour)) * max(1, len(o.Byminute)) * max(1, len(o.Bysecond))
	if times > maxTimesPerDay {
		return fmt.Sprintf("BYHOUR, BYMINUTE and BYSECOND make %d times of day; psadav takes at most %d", times, maxTimesPerDay)
	}
	if len(o.Bysetpos) > maxSetPos {
		return fmt.Sprintf("BYSETPOS lists %d values; psadav takes at most %d", len(o.Bysetpos), maxSetPos)
	}
	for _, l := range []struct {
		name string
		n    int
	}{{"BYMONTH", len(o.Bymonth)}, {"BYMONTHDAY", len(o.Bymonthday)},
		{"BYYEARDAY", len(o.Byyearday)}, {"BYWEEKNO", len(o.Byweekno)}, {"BYDAY", len(o.Byweekday)}} {
		if l.n > maxByValues {
			return fmt.Sprintf("%s lists %d values; psadav takes at most %d", l.name, l.n, maxByValues)
		}
	}
	return ""
}

func untilValue(rule string) string {
	for _, part := range strings.Split(rule, ";") {
		if k, v, ok := strings.Cut(part, "="); ok && strings.EqualFold(k, "UNTIL") {
			return v
		}
	}
	return ""
}

// walkEnd says why a walk stopped.
type walkEnd int

const (
	walkDone    walkEnd = iota // the series has no more instances
	walkHorizon                // the next instance lies beyond the horizon
	walkStopped                // the caller had enough
	walkBudget                 // maxVisits instances were visited
)

// each calls fn with the series' wall clocks in order, up to horizon
// (inclusive; zero: as far as the rule goes), until fn returns false.
func (r *recurrence) each(horizon time.Time, fn func(time.Time) bool) walkEnd {
	for i := 0; ; i++ {
		if i == len(r.found) && !r.more() {
			return r.end
		}
		switch t := r.found[i]; {
		case !horizon.IsZero() && t.After(horizon):
			return walkHorizon
		case !fn(t):
			return walkStopped
		}
	}
}

// more finds the series' next instance; false when there is none, or the
// budget is spent.
func (r *recurrence) more() bool {
	if r.ended {
		return false
	}
	if r.next == nil {
		r.next = r.iterator(true)
	}
	if len(r.found) == maxVisits {
		r.ended, r.end = true, walkBudget
		return false
	}
	t, ok := safeNext(r.next)
	if !ok {
		r.ended, r.end = true, walkDone
		return false
	}
	r.found = append(r.found, t)
	return true
}

// ruleYields reports whether the rule alone (without DTSTART and RDATEs)
// has an instance.
func (r *recurrence) ruleYields() bool {
	if r.rule == nil {
		return true
	}
	_, ok := safeNext(r.iterator(false))
	return ok
}

// safeNext calls next. A rule parseRecurrence let through should never
// make rrule-go fail; if one does, its series ends there rather than the
// request.
func safeNext(next func() (time.Time, bool)) (t time.Time, ok bool) {
	defer func() {
		if recover() != nil {
			t, ok = time.Time{}, false
		}
	}()
	return next()
}

// cycleSeconds is 400 Gregorian years, exactly 146,097 days (more than a
// time.Duration holds).
const cycleSeconds = 146097 * 24 * 60 * 60

// moved is t moved by shift seconds (wall clocks are whole seconds in UTC).
func moved(t time.Time, shift int64) time.Time { return time.Unix(t.Unix()+shift, 0).UTC() }

// iterator yields the series' wall clocks in order (the rule's alone,
// without RDATEs and EXDATEs, unless dates), expanded in a calendar moved forward by whole Gregorian
// cycles so that rrule-go's stop at the year 9999 lies less than one cycle
// beyond the rule's last possible instance (its UNTIL, or rrule-go's own
// 292 years). Wall clocks are UTC times, so moving them is exact.
func (r *recurrence) iterator(dates bool) func() (time.Time, bool) {
	set := &rrule.Set{}
	var shift int64
	if r.rule != nil {
		h := r.dtstart.Add(maxSpan)
		if !r.rule.Until.IsZero() && r.rule.Until.Before(h) {
			h = r.rule.Until
		}
		shift = int64(max(0, (rrule.MAXYEAR-h.Year())/gregorianCycle)) * cycleSeconds
		opt := *r.rule
		opt.Dtstart = moved(r.dtstart, shift)
		if !opt.Until.IsZero() {
			opt.Until = moved(opt.Until, shift)
		}
		if rule, err := rrule.NewRRule(opt); err == nil {
			set.RRule(rule)
		}
	}
	if dates {
		for _, d := range r.rdates {
			set.RDate(moved(d, shift))
		}
		for _, d := range r.exdates {
			set.ExDate(moved(d, shift))
		}
	}
	next := set.Iterator()
	return func() (time.Time, bool) {
		t, ok := next()
		return moved(t, -shift), ok
	}
}

// before is the latest wall clock at or before limit (zero: none), among
// the first MaxInstances.
func (r *recurrence) before(limit time.Time) time.Time {
	var last time.Time
	n := 0
	r.each(limit, func(t time.Time) bool {
		last, n = t, n+1
		return n < MaxInstances
	})
	return last
}

// yearly reports whether the rule is one psadav expands with FREQ=YEARLY:
// a VTIMEZONE observance's must be (every time zone rule is), so that the
// walk of one that never happens is short.
func (r *recurrence) yearly() bool { return r.rule != nil && r.rule.Freq == rrule.YEARLY }

func hasCount(rule string) bool {
	for _, part := range strings.Split(rule, ";") {
		if k, _, ok := strings.Cut(part, "="); ok && strings.EqualFold(strings.TrimPrefix(k, "RRULE:"), "COUNT") {
			return true
		}
	}
	return false
}
