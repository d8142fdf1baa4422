package demo

import (
	"time"

	"github.com/psadav/psadav/mapping"
)

// Data is the demo organisation as PSA records, for loading into something
// other than a store (the fake Autotask tenant).
type Data struct {
	Records   map[mapping.Entity][]mapping.Record // pointers to mapping records, by entity
	Picklists []Picklist
	// Logins are the technicians who get accounts: login → resource id.
	Logins map[string]int64
}

// Picklist is one picklist of the demo tenant.
type Picklist struct {
	Entity mapping.Entity
	Field  string
	Values []mapping.PicklistValue
}

// Records builds the demo organisation for the day of now, exactly as Seed
// would store it.
func Records(now time.Time) Data {
	g := newGen(now)
	g.build()
	d := Data{Records: g.recs, Logins: map[string]int64{}}
	for _, p := range picklists {
		d.Picklists = append(d.Picklists, Picklist{Entity: p.entity, Field: p.field, Values: p.values()})
	}
	for i, t := range technicians {
		d.Logins[t.user] = g.techs[i].ID
	}
	return d
}
