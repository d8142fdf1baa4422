package demo

import (
	"fmt"
	"time"

	"github.com/psadav/psadav/mapping"
)

var callDescriptions = []string{
	"Quarterly maintenance: patch servers, check backups and UPS",
	"Install and configure the new firewall",
	"Replace the failed disk in the NAS",
	"Set up workstations for three new starters",
	"Wi-Fi survey of the warehouse",
	"Move the server rack to the new comms room",
	"Printer fleet service and toner audit",
}

var ticketTitles = []string{
	"Backup job failing since Monday", "Outlook keeps asking for the password", "Slow network on the second floor",
	"New starter: laptop and accounts", "Printer offline in reception", "VPN drops every hour", "Server disk almost full",
}

var taskTitles = []string{
	"Migrate mailboxes to Exchange Online", "Configure firewall rules", "Deploy endpoint protection",
	"Document the network", "Install access points", "Test the restore of the file server",
}

// serviceCalls books technicians on-site through tickets and project tasks.
func (g *gen) serviceCalls() {
	var ticketID, taskID, linkTicket, linkTicketRes, linkTask, linkTaskRes int64 = idTicket, idTask, idCallTicket, idCallTicketRes, idCallTask, idCallTaskRes
	for i := range 60 {
		c := pick(g, g.companies)
		start := g.at(g.workday(-pastDays, futureDays), 8+g.r.IntN(7), 30*g.r.IntN(2))
		hours := float64(1 + g.r.IntN(4))
		sc := &mapping.ServiceCall{ID: idServiceCall + int64(i), CompanyID: c.rec.ID, Description: pick(g, callDescriptions),
			StartDateTime: start, EndDateTime: start.Add(time.Duration(hours) * time.Hour), Duration: ptr(hours),
			CreatorResourceID: ptr(g.tech().ID)}
		if len(c.locations) > 0 && g.chance(0.6) {
			sc.CompanyLocationID = ptr(pick(g, c.locations).ID)
		}
		created := g.before(start.Add(-24 * time.Hour))
		sc.CreateDateTime, sc.LastModifiedDateTime = ptr(created), ptr(created)
		switch {
		case g.chance(0.1):
			sc.Status = ptr[int64](callCanceled)
			canceled := g.before(start.Add(-2 * time.Hour))
			if canceled.Before(created) {
				canceled = created
			}
			sc.CanceledDateTime, sc.CanceledByResourceID, sc.LastModifiedDateTime = ptr(canceled), ptr(g.tech().ID), ptr(canceled)
		case start.Before(g.now):
			sc.Status, sc.IsComplete = ptr[int64](callComplete), 1
		case g.chance(0.25):
			sc.Status = ptr[int64](callNew)
		default:
			sc.Status = ptr[int64](callScheduled)
		}
		g.add(mapping.EntityServiceCalls, sc)

		mode := g.r.IntN(4) // 0, 1: tickets; 2: tasks; 3: both
		if mode != 2 {
			for range 1 + g.r.IntN(2) {
				g.tickets++
				opened := g.before(start)
				g.add(mapping.EntityTickets, &mapping.Ticket{ID: ticketID, CompanyID: ptr(c.rec.ID), Title: pick(g, ticketTitles),
					TicketNumber: fmt.Sprintf("T%s.%04d", opened.Format("20060102"), g.tickets),
					Status:       ptr[int64](102), LastActivityDate: ptr(opened)})
				g.add(mapping.EntityServiceCallTickets, &mapping.ServiceCallTicket{ID: linkTicket, ServiceCallID: sc.ID, TicketID: ticketID})
				for _, r := range g.crew() {
					g.add(mapping.EntityServiceCallTicketResources, &mapping.ServiceCallTicketResource{ID: linkTicketRes,
						ServiceCallTicketID: linkTicket, ResourceID: r})
					linkTicketRes++
				}
				ticketID++
				linkTicket++
			}
		}
		if mode >= 2 {
			for range 1 + g.r.IntN(2) {
				g.add(mapping.EntityTasks, &mapping.Task{ID: taskID, Title: pick(g, taskTitles), ProjectID: ptr(idProject + int64(g.r.IntN(12))),
					Status: ptr[int64](112), LastActivityDateTime: ptr(g.before(start))})
				g.add(mapping.EntityServiceCallTasks, &mapping.ServiceCallTask{ID: linkTask, ServiceCallID: sc.ID, TaskID: taskID})
				for _, r := range g.crew() {
					g.add(mapping.EntityServiceCallTaskResources, &mapping.ServiceCallTaskResource{ID: linkTaskRes,
						ServiceCallTaskID: linkTask, ResourceID: r})
					linkTaskRes++
				}
				taskID++
				linkTask++
			}
		}
	}
}

// crew is one or two distinct technicians.
func (g *gen) crew() []int64 {
	first := g.r.IntN(len(g.techs))
	out := []int64{g.techs[first].ID}
	if g.chance(0.4) {
		out = append(out, g.techs[(first+1+g.r.IntN(len(g.techs)-1))%len(g.techs)].ID)
	}
	return out
}
