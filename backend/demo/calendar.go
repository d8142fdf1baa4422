package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/psadav/psadav/mapping"
)

// actionTypeDefs cover all four Views; Fax is inactive (old to-dos may still
// use it).
var actionTypeDefs = []struct {
	name   string
	view   int64
	active bool
	system bool
}{
	{"Meeting", viewCalendar, true, true},
	{"Phone Call", viewToDo, true, true},
	{"Site Visit", viewCalendarAndToDo, true, false},
	{"Quote", viewNeither, true, false},
	{"Email", viewToDo, true, true},
	{"Remote Session", viewCalendar, true, false},
	{"Follow Up", viewToDo, true, false},
	{"Fax", viewToDo, false, false},
}

func (g *gen) actionTypeList() {
	for i, d := range actionTypeDefs {
		a := &mapping.ActionType{ID: idActionType + int64(i), Name: d.name, View: d.view, IsActive: d.active, IsSystemActionType: d.system}
		g.actionTypes = append(g.actionTypes, a)
		g.add(mapping.EntityActionTypes, a)
	}
}

func (g *gen) actionTypeID(name string) int64 {
	for _, a := range g.actionTypes {
		if a.Name == name {
			return a.ID
		}
	}
	panic("demo: no action type " + name)
}

var appointmentTitles = []string{
	"Team stand-up", "Quarterly business review: %s", "Planning: %s", "Training: %s", "1:1 with Alice",
	"Lunch with %s", "Vendor call: %s", "Change advisory board", "Dentist", "Interview: support technician",
}

func (g *gen) appointments() {
	for i := range 300 {
		t := g.techs[i%len(g.techs)]
		day := g.workday(-pastDays, futureDays)
		if g.chance(0.05) {
			day = -pastDays + g.r.IntN(pastDays+futureDays+1)
		}
		start := g.at(day, 7+g.r.IntN(10), 15*g.r.IntN(4))
		end := start.Add(time.Duration(pick(g, []int{30, 60, 60, 90, 120, 180})) * time.Minute)
		c := pick(g, g.companies)
		title := pick(g, appointmentTitles)
		if strings.Contains(title, "%s") {
			switch {
			case strings.HasPrefix(title, "Lunch"):
				ct := pick(g, c.contacts)
				title = fmt.Sprintf(title, ct.FirstName+" "+ct.LastName+" ("+c.rec.CompanyName+")")
			case strings.HasPrefix(title, "Planning"), strings.HasPrefix(title, "Training"):
				title = fmt.Sprintf(title, pick(g, products))
			default:
				title = fmt.Sprintf(title, c.rec.CompanyName)
			}
		}
		a := &mapping.Appointment{ID: idAppointment + int64(i), ResourceID: t.ID, Title: title,
			StartDateTime: start, EndDateTime: end, CreatorResourceID: ptr(t.ID)}
		if g.chance(0.7) {
			a.Description = "Agenda:\n- " + pick(g, topics) + "\n- " + pick(g, topics) + "\n- open questions"
		}
		created := g.before(start.Add(-time.Hour))
		a.CreateDateTime, a.UpdateDateTime = ptr(created), ptr(created)
		g.add(mapping.EntityAppointments, a)
	}
}

var todoTexts = []string{
	"Call %s about the renewal of the %s contract",
	"Send %s a quote for %s",
	"Follow up with %s on %s",
	"Check the backup report with %s",
	"Book an on-site visit with %s for %s",
}

func (g *gen) todos() {
	for i := range 200 {
		t := g.techs[i%len(g.techs)]
		var c *company
		for range 20 { // mostly the assignee's own accounts
			c = pick(g, g.companies)
			if *c.rec.OwnerResourceID == t.ID || !g.chance(0.6) {
				break
			}
		}
		a := g.actionTypes[i%len(g.actionTypes)]
		start := g.at(g.workday(-pastDays, futureDays), 8+g.r.IntN(9), 30*g.r.IntN(2))
		td := &mapping.ToDo{ID: idToDo + int64(i), CompanyID: c.rec.ID, ActionType: a.ID, AssignedToResourceID: t.ID,
			StartDateTime: start, EndDateTime: start.Add(time.Duration(pick(g, []int{15, 30, 60})) * time.Minute),
			CreatorResourceID: ptr(t.ID)}
		who := c.rec.CompanyName
		if active := activeContacts(c); len(active) > 0 && g.chance(0.6) {
			ct := pick(g, active)
			td.ContactID = ptr(ct.ID)
			who = ct.FirstName + " " + ct.LastName
		}
		text := pick(g, todoTexts)
		if strings.Count(text, "%s") == 2 {
			td.ActivityDescription = fmt.Sprintf(text, who, pick(g, products))
		} else {
			td.ActivityDescription = fmt.Sprintf(text, who)
		}
		created := g.before(start)
		td.CreateDateTime, td.LastModifiedDate = ptr(created), ptr(created)
		if start.Before(g.now) && g.chance(0.5) {
			done := start.Add(time.Duration(1+g.r.IntN(48)) * time.Hour)
			done = earlier(done, g.now)
			td.CompletedDate, td.LastModifiedDate = ptr(done), ptr(done)
		}
		g.add(mapping.EntityCompanyToDos, td)
	}
}

func activeContacts(c *company) []*mapping.Contact {
	var out []*mapping.Contact
	for _, ct := range c.contacts {
		if ct.Active() {
			out = append(out, ct)
		}
	}
	return out
}
