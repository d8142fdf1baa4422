package demo

import (
	"time"

	"github.com/psadav/psadav/mapping"
)

// timeOff makes requests in every status; most have times and hours.
func (g *gen) timeOff() {
	statuses := []int64{timeOffApproved, timeOffSubmitted, timeOffApproved, timeOffRejected, timeOffSubmitted,
		timeOffApproved, timeOffCanceled, timeOffApproved, timeOffSubmitted, timeOffApproved}
	reasons := []string{"Family holiday", "Doctor's appointment", "Moving house", "Long weekend", "Flu", "School event"}
	for i := range 20 {
		t := g.techs[i%len(g.techs)]
		day := g.at(g.workday(-30, 120), 0, 0)
		hours := 8.0
		if i%4 == 3 {
			hours = 4.0
		}
		req := &mapping.TimeOffRequest{ID: idTimeOffRequest + int64(i), ResourceID: t.ID, RequestDate: day, Hours: hours,
			Status: statuses[i%len(statuses)], TimeOffRequestType: ptr(timeOffTypes[i%len(timeOffTypes)]),
			Reason: pick(g, reasons)}
		if i%7 != 6 { // a few are for the day only
			start := day.Add(8 * time.Hour)
			req.StartTime, req.EndTime = ptr(start), ptr(start.Add(time.Duration(hours)*time.Hour))
		}
		created := g.before(day)
		req.CreateDateTime, req.LastModifiedDateTime = ptr(created), ptr(created)
		switch req.Status {
		case timeOffApproved:
			req.ApprovedDateTime, req.LastApprovedLevel = ptr(created), ptr[int64](1)
		case timeOffRejected:
			req.RejectReason = "Too many people out that week"
		}
		g.add(mapping.EntityTimeOffRequests, req)
	}
}
