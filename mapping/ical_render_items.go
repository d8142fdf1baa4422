package mapping

import (
	"fmt"
	"strings"

	"github.com/emersion/go-ical"
)

// ToDoView is a PSA to-do with what its object shows of other records.
type ToDoView struct {
	ToDo       ToDo
	ActionType *ActionType // nil when the mirror lacks it
	Company    *Company
	Contact    *Contact
	ClientUID  string
}

// ToDoSummary builds a to-do's SUMMARY: the PSA to-do has no title, so it
// is the action type and the company ("Phone Call: Acme").
func ToDoSummary(actionType, company string) string {
	switch {
	case actionType != "" && company != "":
		return actionType + ": " + company
	case actionType != "":
		return actionType
	case company != "":
		return "To-do: " + company
	}
	return "To-do"
}

// toDoDescription is the activity description, then the company and the
// contact with a phone number.
func toDoDescription(v *ToDoView) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(v.ToDo.ActivityDescription))
	var facts []string
	if v.Company != nil && v.Company.CompanyName != "" {
		facts = append(facts, "Company: "+v.Company.CompanyName)
	}
	if c := v.Contact; c != nil {
		line := "Contact: " + FormattedName(c.FirstName, c.MiddleInitial, c.LastName, "", "")
		phone := PhoneWithExtension(c.Phone, c.Extension)
		if phone == "" {
			phone = c.MobilePhone
		}
		if phone != "" {
			line += ", " + phone
		}
		facts = append(facts, line)
	}
	if len(facts) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(strings.Join(facts, "\n"))
	}
	return b.String()
}

// RenderToDo renders a to-do as a VEVENT (asTask false: its action type's
// View is Calendar or Calendar and To-Do) or as a VTODO (View To-Do), with
// DTSTART, DUE, STATUS and COMPLETED from the completion date.
func RenderToDo(v ToDoView, asTask bool, ctx CalendarContext) ([]byte, error) {
	td := &v.ToDo
	comp := ical.CompEvent
	if asTask {
		comp = ical.CompToDo
	}
	it := newItem(ctx, comp, UID(KindToDo, td.ID, v.ClientUID),
		firstTime(td.StartDateTime, td.LastModifiedDate, td.CreateDateTime), td.StartDateTime, td.EndDateTime)
	it.time(ical.PropDateTimeStart, td.StartDateTime)
	company, action := "", ""
	if v.Company != nil {
		company = v.Company.CompanyName
	}
	if v.ActionType != nil {
		action = v.ActionType.Name
	}
	setText(it.comp, ical.PropSummary, ToDoSummary(action, company))
	it.describe(toDoDescription(&v), KindToDo, td.ID)
	if asTask {
		it.time(ical.PropDue, td.EndDateTime)
		if td.CompletedDate != nil {
			setRaw(it.comp, ical.PropStatus, "COMPLETED")
			it.utc(ical.PropCompleted, td.CompletedDate)
			setRaw(it.comp, ical.PropPercentComplete, "100")
		} else {
			setRaw(it.comp, ical.PropStatus, "NEEDS-ACTION")
		}
	} else {
		it.time(ical.PropDateTimeEnd, td.EndDateTime)
	}
	it.utc(ical.PropCreated, td.CreateDateTime)
	it.utc(ical.PropLastModified, td.LastModifiedDate)
	return it.encode()
}

// ServiceCallView is a service call with what its object shows.
type ServiceCallView struct {
	Call     ServiceCall
	Company  *Company
	Location *CompanyLocation // the call's company location, nil when none
	Tickets  []Ticket
	Tasks    []Task
	Status   string // the status picklist label
}

// RenderServiceCall renders a service call as a read-only VEVENT: SUMMARY
// with the company, LOCATION the location's (or company's) address,
// DESCRIPTION the organisation, tickets, tasks, description and status.
func RenderServiceCall(v ServiceCallView, ctx CalendarContext) ([]byte, error) {
	sc := &v.Call
	it := newItem(ctx, ical.CompEvent, UID(KindServiceCall, sc.ID, ""),
		firstTime(sc.StartDateTime, sc.LastModifiedDateTime, sc.CreateDateTime), sc.StartDateTime, sc.EndDateTime)
	it.time(ical.PropDateTimeStart, sc.StartDateTime)
	it.time(ical.PropDateTimeEnd, sc.EndDateTime)
	company := ""
	if v.Company != nil {
		company = v.Company.CompanyName
	}
	summary := "Service Call"
	if company != "" {
		summary += ": " + company
	}
	setText(it.comp, ical.PropSummary, summary)
	setText(it.comp, ical.PropLocation, serviceCallAddress(&v))
	var lines []string
	if company != "" {
		lines = append(lines, "Organization: "+company)
	}
	if len(v.Tickets) > 0 {
		lines = append(lines, "Tickets:")
		for _, t := range v.Tickets {
			lines = append(lines, "- "+strings.TrimSpace(t.TicketNumber+" "+t.Title))
		}
	}
	if len(v.Tasks) > 0 {
		lines = append(lines, "Tasks:")
		for _, t := range v.Tasks {
			lines = append(lines, "- "+t.Title)
		}
	}
	if d := strings.TrimSpace(sc.Description); d != "" {
		lines = append(lines, "Description: "+d)
	}
	if v.Status != "" {
		lines = append(lines, "Status: "+v.Status)
	}
	it.describe(strings.Join(lines, "\n"), KindServiceCall, sc.ID)
	it.utc(ical.PropCreated, sc.CreateDateTime)
	it.utc(ical.PropLastModified, sc.LastModifiedDateTime)
	return it.encode()
}

// serviceCallAddress is the call's location address, or its company's.
func serviceCallAddress(v *ServiceCallView) string {
	var parts []string
	add := func(s ...string) {
		if j := strings.TrimSpace(strings.Join(s, " ")); j != "" {
			parts = append(parts, j)
		}
	}
	switch {
	case v.Location != nil:
		l := v.Location
		add(l.Name)
		add(l.Address1)
		add(l.Address2)
		add(l.PostalCode, l.City)
		add(l.State)
	case v.Company != nil:
		c := v.Company
		add(c.Address1)
		add(c.Address2)
		add(c.PostalCode, c.City)
		add(c.State)
	}
	return strings.Join(parts, ", ")
}

// TimeOffView is a time-off request to render.
type TimeOffView struct {
	Request TimeOffRequest
	State   TimeOffState
}

// TimeOffSummary is the title Autotask's own Exchange extension gives time
// off: "Time Off Request - 8.00 hours" (docs/write-back.md).
func TimeOffSummary(hours float64) string {
	return fmt.Sprintf("Time Off Request - %.2f hours", hours)
}

// RenderTimeOff renders a time-off request with a start and end time as a
// read-only busy VEVENT with an empty DESCRIPTION; a request waiting for
// approval is TENTATIVE. It returns nil for a request without times.
func RenderTimeOff(v TimeOffView, ctx CalendarContext) ([]byte, error) {
	r := &v.Request
	if r.StartTime == nil || r.EndTime == nil {
		return nil, nil
	}
	it := newItem(ctx, ical.CompEvent, UID(KindTimeOff, r.ID, ""),
		firstTime(*r.StartTime, r.LastModifiedDateTime, r.CreateDateTime), *r.StartTime, *r.EndTime)
	it.time(ical.PropDateTimeStart, *r.StartTime)
	it.time(ical.PropDateTimeEnd, *r.EndTime)
	hours := r.Hours
	if hours <= 0 {
		hours = r.EndTime.Sub(*r.StartTime).Hours()
	}
	setText(it.comp, ical.PropSummary, TimeOffSummary(hours))
	empty := ical.NewProp(ical.PropDescription)
	it.comp.Props.Set(empty)
	if link := PSALink(ctx.LinkTemplate, KindTimeOff, r.ID); link != "" {
		setRaw(it.comp, ical.PropURL, link)
	}
	setRaw(it.comp, ical.PropTransparency, "OPAQUE")
	switch v.State {
	case TimeOffPending:
		setRaw(it.comp, ical.PropStatus, "TENTATIVE")
	case TimeOffApproved:
		setRaw(it.comp, ical.PropStatus, "CONFIRMED")
	}
	it.utc(ical.PropCreated, r.CreateDateTime)
	it.utc(ical.PropLastModified, r.LastModifiedDateTime)
	return it.encode()
}
