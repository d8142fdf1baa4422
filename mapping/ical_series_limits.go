package mapping

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// A client's series is judged by what it expands to, not by how its rule
// is written (README: Limits on what clients write): the PSA gets one
// appointment per instance, and the Autotask API budget (10,000 requests
// an hour) is the whole tenant's. FREQ=DAILY with BYHOUR, BYMINUTE and
// BYSECOND is 86,400 instances a day; COUNT=1000000000 is a series
// without end; BYMONTH=2;BYMONTHDAY=30 is none at all.

// SeriesLimits are what one client series may expand to. A zero MinGap
// or MaxInWindow is no limit.
type SeriesLimits struct {
	// MinGap is the least time between two instances' starts, on the
	// series' own wall clock (a daily 9:00 is 24 hours apart across a
	// DST change).
	MinGap time.Duration
	// MaxInWindow is the most instances the series may have in any span
	// as long as [From, To) (the sync window ahead: from today to its end),
	// from From on; and the most a COUNT may ask for.
	MaxInWindow int
	From, To    time.Time
}

// JudgeSeries refuses (RefuseRecurrence) a series psadav will not expand:
// a rule of a shape it does not expand (ical_recur.go), a rule that yields
// no instance, a series of no instance at all, instances closer than
// MinGap, or more than MaxInWindow of them in a window's span. RDATEs
// count, and so do overrides: one whose RECURRENCE-ID is no instance of
// the series adds an instance; one that moves an instance keeps its slot,
// so moving one occurrence of a daily meeting by an hour is no closer
// than the rule. The work is bounded like every expansion's.
func (o *CalendarObject) JudgeSeries(lim SeriesLimits) error {
	rec, z := o.series()
	if rec == nil {
		return nil // a VTODO without DTSTART: nothing recurs
	}
	if p := o.Master.Props.Get(ical.PropRecurrenceRule); p != nil {
		if rec.skipped != "" {
			return seriesRefusal(ical.PropRecurrenceRule, "RRULE:%s: %s", rec.ruleTxt, rec.skipped)
		}
		if rec.barren {
			return seriesRefusal(ical.PropRecurrenceRule, "RRULE:%s yields no instance (a date no year has, or UNTIL before DTSTART)", rec.ruleTxt)
		}
	}
	if lim.MaxInWindow > 0 && rec.rule != nil && rec.rule.Count > lim.MaxInWindow {
		// An open-ended series is taken (the window bounds what it sends to
		// the PSA); one that asks for more instances than a series may ever
		// send is a client's mistake, not a calendar (COUNT=1000000000).
		return seriesRefusal(ical.PropRecurrenceRule, "RRULE:%s asks for %d instances; psadav sends at most %d per series to the PSA (setting max-series-occurrences): end the series sooner or leave it open-ended",
			rec.ruleTxt, rec.rule.Count, lim.MaxInWindow)
	}
	if lim.MinGap <= 0 && lim.MaxInWindow <= 0 {
		return nil
	}
	slots, err := o.slots(rec, z, lim)
	if err != nil {
		return err
	}
	if lim.MinGap > 0 {
		for i := 1; i < len(slots); i++ {
			if gap := slots[i].Sub(slots[i-1]); gap < lim.MinGap {
				return seriesRefusal(ical.PropRecurrenceRule, "the instances at %s and %s are %s apart; psadav takes series whose instances are at least %s apart (setting min-occurrence-gap)",
					slots[i-1].Format("2006-01-02 15:04:05"), slots[i].Format("2006-01-02 15:04:05"), gap, lim.MinGap)
			}
		}
	}
	if lim.MaxInWindow > 0 && lim.To.After(lim.From) {
		if n := densest(slots, z, lim.From, lim.To.Sub(lim.From)); n > lim.MaxInWindow {
			return seriesRefusal(ical.PropRecurrenceRule, "the series has %d instances within %d days (the calendar sync window ahead); psadav sends at most %d per series to the PSA (setting max-series-occurrences): end the series sooner or make it repeat less often",
				n, int(lim.To.Sub(lim.From).Hours()/24), lim.MaxInWindow)
		}
	}
	return nil
}

// slots lists the series' instances as wall clocks, in order, from its
// start to a window's length beyond the window (or beyond its start, its
// last RDATE or override, whichever is latest), extra overrides included.
func (o *CalendarObject) slots(rec *recurrence, z zone, lim SeriesLimits) ([]time.Time, error) {
	span := lim.To.Sub(lim.From)
	if span <= 0 {
		span = 2 * 365 * 24 * time.Hour
	}
	horizon := rec.dtstart
	if !lim.To.IsZero() && z.wall(lim.To).After(horizon) {
		horizon = z.wall(lim.To)
	}
	for _, d := range rec.rdates {
		horizon = maxT(horizon, d)
	}
	var extra []time.Time
	for _, c := range o.Overrides {
		rid, _, err := o.PropTime(c.Props.Get(ical.PropRecurrenceID))
		if err != nil {
			continue
		}
		w := z.wall(rid)
		extra = append(extra, w)
		horizon = maxT(horizon, w)
	}
	horizon = horizon.Add(span)
	var out []time.Time
	if rec.each(horizon, func(t time.Time) bool { out = append(out, t); return true }) == walkBudget {
		return nil, seriesRefusal(ical.PropRecurrenceRule, "the series has more than %d instances before %s; psadav cannot judge it",
			maxVisits, horizon.Format("2006-01-02"))
	}
	ruled := out[:len(out):len(out)]
	for _, w := range extra {
		if _, found := slices.BinarySearchFunc(ruled, w, func(a, b time.Time) int { return a.Compare(b) }); !found {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	if len(out) == 0 {
		return nil, seriesRefusal(ical.PropExceptionDates, "EXDATE excludes every instance of the series; delete the event instead")
	}
	return out, nil
}

// densest is the most slots in one span of length span starting at from
// or later: the sync window as it moves on. The count only changes where
// a slot begins a span.
func densest(slots []time.Time, z zone, from time.Time, span time.Duration) int {
	at := make([]time.Time, len(slots))
	for i, w := range slots {
		at[i] = z.instant(w)
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	count := func(s time.Time) int {
		lo := sort.Search(len(at), func(i int) bool { return !at[i].Before(s) })
		hi := sort.Search(len(at), func(i int) bool { return !at[i].Before(s.Add(span)) })
		return hi - lo
	}
	best := count(from)
	for _, s := range at {
		if s.After(from) {
			best = max(best, count(s))
		}
	}
	return best
}

// SameRecurrence reports whether two versions of an event have the same
// start and rule and the same RDATEs: a client that changed something
// else of a series stored before the limits (its title, an alarm, an
// EXDATE) is not refused for what it did not change.
func SameRecurrence(a, b *CalendarObject) bool {
	key := func(o *CalendarObject) string {
		var k strings.Builder
		if o.Master == nil {
			return ""
		}
		for _, name := range []string{ical.PropDateTimeStart, ical.PropRecurrenceRule, ical.PropRecurrenceDates} {
			for _, p := range o.Master.Props.Values(name) {
				k.WriteString(name + ";" + p.Params.Get(ical.PropTimezoneID) + ":" + strings.TrimSpace(p.Value) + "\n")
			}
		}
		return k.String()
	}
	return key(a) == key(b)
}

func seriesRefusal(prop, format string, args ...any) *Refusal {
	return &Refusal{Code: RefuseRecurrence, Fields: []string{prop}, Message: fmt.Sprintf(format, args...)}
}
