package demo

import (
	"math/rand/v2"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Window of the demo's dated records, relative to the seeding day.
const (
	pastDays   = 90
	futureDays = 180
)

// gen builds the organisation in memory. Everything comes from one seeded
// generator and the seeding day, so the same day gives the same records.
type gen struct {
	r    *rand.Rand
	now  time.Time // the caller's clock, UTC
	day  time.Time // now truncated to the day
	recs map[mapping.Entity][]mapping.Record

	techs       []*mapping.Resource
	own         *company
	companies   []*company // customers, without the own company
	actionTypes []*mapping.ActionType
	tickets     int // ticket numbers handed out
}

// company is a company with what other records need of it.
type company struct {
	rec       *mapping.Company
	country   *country
	city      city
	domain    string
	locations []*mapping.CompanyLocation
	contacts  []*mapping.Contact
}

func newGen(now time.Time) *gen {
	now = now.UTC()
	return &gen{
		r:    rand.New(rand.NewPCG(0x5eed, 2026)),
		now:  now,
		day:  now.Truncate(24 * time.Hour),
		recs: map[mapping.Entity][]mapping.Record{},
	}
}

// build makes every record, in dependency order.
func (g *gen) build() {
	g.countries()
	g.staff()
	g.actionTypeList()
	g.companyList()
	g.contactList()
	g.notes()
	g.opportunities()
	g.appointments()
	g.todos()
	g.serviceCalls()
	g.timeOff()
}

func (g *gen) add(e mapping.Entity, rec mapping.Record) { g.recs[e] = append(g.recs[e], rec) }

func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func ptr[T any](v T) *T { return &v }

// at is a time on the day offset days from the seeding day.
func (g *gen) at(days, hour, minute int) time.Time {
	return g.day.AddDate(0, 0, days).Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

// workday is a random Monday-to-Friday day offset in [from, to].
func (g *gen) workday(from, to int) int {
	for {
		d := from + g.r.IntN(to-from+1)
		if wd := g.day.AddDate(0, 0, d).Weekday(); wd != time.Saturday && wd != time.Sunday {
			return d
		}
	}
}

// past is a random moment between the start of the window and now.
func (g *gen) past() time.Time {
	start := g.day.AddDate(0, 0, -pastDays)
	span := g.now.Sub(start)
	return start.Add(time.Duration(g.r.Int64N(int64(span/time.Minute))) * time.Minute)
}

// before is a random moment in the window no later than t (and now).
func (g *gen) before(t time.Time) time.Time {
	start := g.day.AddDate(0, 0, -pastDays)
	end := earlier(t, g.now)
	if !end.After(start) {
		return start
	}
	return start.Add(time.Duration(g.r.Int64N(int64(end.Sub(start)/time.Minute)+1)) * time.Minute)
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
