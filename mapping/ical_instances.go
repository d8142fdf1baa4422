package mapping

import (
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// Instance is one occurrence of a calendar object: the master's, moved by
// the recurrence, or an override's.
type Instance struct {
	Comp *ical.Component
	// RecurrenceID is the occurrence's original start; zero when the
	// object does not recur.
	RecurrenceID time.Time
	Start        time.Time // zero when the component has no DTSTART (a VTODO may not)
	// End is a VEVENT's end (DTEND, DTSTART+DURATION, a day for a DATE,
	// else DTSTART) or a VTODO's DUE (or DTSTART+DURATION); zero when a
	// VTODO has neither.
	End         time.Time
	HasEnd      bool // DTEND or DUE was given
	HasDuration bool // DURATION was given
	Date        bool // DTSTART is a DATE
}

// instance describes component c starting at start (its own DTSTART
// when start is zero).
func (o *CalendarObject) instance(c *ical.Component, start, rid time.Time) Instance {
	own, date, ok := o.Start(c)
	in := Instance{Comp: c, RecurrenceID: rid, Date: date}
	if start.IsZero() && ok {
		start = own
	}
	in.Start = start
	in.HasEnd = c.Props.Get(ical.PropDateTimeEnd) != nil || c.Props.Get(ical.PropDue) != nil
	in.HasDuration = c.Props.Get(ical.PropDuration) != nil
	switch {
	case !start.IsZero():
		if c.Name == ical.CompEvent || in.HasEnd || in.HasDuration {
			in.End = start.Add(o.Duration(c))
		}
	case c.Props.Get(ical.PropDue) != nil:
		in.End, _, _ = o.PropTime(c.Props.Get(ical.PropDue))
	}
	return in
}

// Instances lists the occurrences that may touch [from, to) (zero bounds
// are open), at most MaxInstances: the master's occurrences in the range
// and every override (callers check each against the range precisely).
// An object that does not recur has one instance. The walk is bounded
// (ical_recur.go), whatever the rule.
func (o *CalendarObject) Instances(from, to time.Time) []Instance {
	if o.Master == nil {
		out := make([]Instance, 0, len(o.Overrides))
		for _, c := range o.Overrides {
			rid, _, _ := o.PropTime(c.Props.Get(ical.PropRecurrenceID))
			out = append(out, o.instance(c, time.Time{}, rid))
		}
		return out
	}
	if !o.Recurs() {
		out := []Instance{o.instance(o.Master, time.Time{}, time.Time{})}
		for _, c := range o.Overrides {
			out = append(out, o.instance(c, time.Time{}, time.Time{}))
		}
		return out
	}
	overridden := map[int64]*ical.Component{}
	for _, c := range o.Overrides {
		if t, _, err := o.PropTime(c.Props.Get(ical.PropRecurrenceID)); err == nil {
			overridden[t.Unix()] = c
		}
	}
	futures := o.thisAndFuture()
	var out []Instance
	dur := o.Duration(o.Master)
	for _, f := range futures {
		dur = max(dur, f.shift+o.Duration(f.comp))
	}
	until := to
	if !to.IsZero() {
		until = to.Add(maxShift(futures))
	}
	o.occurrences(until, func(rid time.Time) bool {
		if !until.IsZero() && !rid.Before(until) {
			return false
		}
		if !from.IsZero() && rid.Add(dur).Before(from) {
			return true
		}
		if _, ok := overridden[rid.Unix()]; !ok {
			out = append(out, o.occurrence(futures, rid))
		}
		return len(out) < MaxInstances
	})
	for _, c := range o.Overrides {
		rid, _, _ := o.PropTime(c.Props.Get(ical.PropRecurrenceID))
		out = append(out, o.instance(c, time.Time{}, rid))
	}
	return out
}

// A future is an override with RANGE=THISANDFUTURE (RFC 5545 §3.2.13):
// the instances after its RECURRENCE-ID take its properties, and their
// start moves as far as its own moved (shift).
type future struct {
	rid   time.Time
	comp  *ical.Component
	shift time.Duration
}

// thisAndFuture lists the object's THISANDFUTURE overrides by RECURRENCE-ID.
func (o *CalendarObject) thisAndFuture() []future {
	var out []future
	for _, c := range o.Overrides {
		p := c.Props.Get(ical.PropRecurrenceID)
		if !strings.EqualFold(strings.TrimSpace(p.Params.Get(ical.ParamRange)), "THISANDFUTURE") {
			continue
		}
		rid, _, err := o.PropTime(p)
		if err != nil {
			continue
		}
		f := future{rid: rid, comp: c}
		if start, _, ok := o.Start(c); ok {
			f.shift = start.Sub(rid)
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rid.Before(out[j].rid) })
	return out
}

// maxShift is how far a future moves its instances earlier at most (zero
// when none does): a range's end must let them in.
func maxShift(fs []future) time.Duration {
	var m time.Duration
	for _, f := range fs {
		m = max(m, -f.shift)
	}
	return m
}

// occurrence is the master's occurrence at rid, or the latest future
// before it standing in for the master.
func (o *CalendarObject) occurrence(futures []future, rid time.Time) Instance {
	for i := len(futures) - 1; i >= 0; i-- {
		if f := futures[i]; f.rid.Before(rid) {
			return o.instance(f.comp, rid.Add(f.shift), rid)
		}
	}
	return o.instance(o.Master, rid, rid)
}

// occurrences calls fn with the start of each of the master's
// occurrences, in order, until fn returns false or one starts after until
// (zero: no bound).
func (o *CalendarObject) occurrences(until time.Time, fn func(time.Time) bool) {
	rec, z := o.series()
	if rec == nil {
		return
	}
	var horizon time.Time
	if !until.IsZero() {
		// A wall clock is the instant moved by the zone's offset: a day
		// covers every offset.
		horizon = z.wall(until).Add(24 * time.Hour)
	}
	rec.each(horizon, func(wall time.Time) bool { return fn(z.instant(wall)) })
}

// series is the master's recurrence (its DTSTART, rule, RDATEs and
// EXDATEs as wall clocks) and the zone of its wall clocks; nil when the
// master has no start or an unreadable rule. A rule that yields no
// instance is found out once and then left out (its series is DTSTART and
// RDATEs, as RFC 5545 §3.8.5.3 has it).
func (o *CalendarObject) series() (*recurrence, zone) {
	if !o.recKnown {
		o.rec, o.recZone = o.readSeries()
		if o.rec != nil && !o.rec.ruleYields() {
			o.rec.rule, o.rec.barren = nil, true
		}
		o.recKnown = true
	}
	return o.rec, o.recZone
}

// forgetSeries drops the recurrence read: the master's dates changed.
func (o *CalendarObject) forgetSeries() { o.rec, o.recZone, o.recKnown = nil, nil, false }

func (o *CalendarObject) readSeries() (*recurrence, zone) {
	if o.Master == nil {
		return nil, nil
	}
	w, z, date, err := o.wallStart(o.Master)
	if err != nil || w.IsZero() {
		return nil, nil
	}
	if date {
		z = o.floating
	}
	rec := newDates(w)
	if p := o.Master.Props.Get(ical.PropRecurrenceRule); p != nil {
		if rec, err = parseRecurrence(p.Value, w, date, z); err != nil {
			return nil, nil
		}
	}
	for _, name := range []string{ical.PropRecurrenceDates, ical.PropExceptionDates} {
		for i := range o.Master.Props.Values(name) {
			p := &o.Master.Props[name][i]
			ts, err := o.propTimes(p)
			if err != nil {
				continue
			}
			for _, t := range ts {
				wt := z.wall(t)
				if isDate(p) {
					wt = o.floating.wall(t)
				}
				if name == ical.PropRecurrenceDates {
					rec.rdates = append(rec.rdates, wt)
				} else {
					rec.exdates = append(rec.exdates, wt)
				}
			}
		}
	}
	return rec, z
}

// Span is the time the object's occurrences cover: from the first start
// to the last end, or with a nil end when the series has no end (or more
// occurrences than psadav expands).
func (o *CalendarObject) Span() (time.Time, *time.Time) {
	all := o.Instances(time.Time{}, time.Time{})
	var start, end time.Time
	for i, in := range all {
		s, e := in.Start, in.End
		if s.IsZero() {
			s = e
		}
		if e.Before(s) {
			e = s
		}
		if i == 0 || s.Before(start) {
			start = s
		}
		if e.After(end) {
			end = e
		}
	}
	if o.Recurs() && len(all)-len(o.Overrides) >= MaxInstances {
		return start, nil
	}
	if !o.Recurs() {
		return start, &end
	}
	if rule := o.Master.Props.Get(ical.PropRecurrenceRule); rule != nil && untilValue(rule.Value) == "" && !hasCount(rule.Value) {
		return start, nil
	}
	return start, &end
}
