package mapping

// The rules depend on what a picklist code means, never on the number:
// codes are per tenant (docs/psa-model.md, "Picklists psadav reads"). These helpers read labels.

// View is where an action type's to-dos appear (Autotask ActionType.view).
type View int

const (
	ViewUnknown View = iota
	ViewCalendar
	ViewToDo
	ViewCalendarAndToDo
	ViewNeither
)

// ActionTypeView interprets an action type's view code.
func (s *Schema) ActionTypeView(code int64) View {
	switch labelKey(s.Label(EntityActionTypes, "view", code)) {
	case "calendar":
		return ViewCalendar
	case "todo":
		return ViewToDo
	case "calendarandtodo":
		return ViewCalendarAndToDo
	case "neither", "none":
		return ViewNeither
	}
	return ViewUnknown
}

// InCalendar reports whether to-dos of this view show as calendar events.
func (v View) InCalendar() bool { return v == ViewCalendar || v == ViewCalendarAndToDo }

// InTasks reports whether to-dos of this view show in the task list.
func (v View) InTasks() bool { return v == ViewToDo }

// TimeOffState is what a time-off request's status means for a calendar.
type TimeOffState int

const (
	TimeOffUnknown TimeOffState = iota
	TimeOffPending
	TimeOffApproved
	TimeOffGone // rejected or cancelled: not shown
)

// TimeOffStatus interprets a time-off request's status code.
func (s *Schema) TimeOffStatus(code int64) TimeOffState {
	switch labelKey(s.Label(EntityTimeOffRequests, "status", code)) {
	case "approved":
		return TimeOffApproved
	case "rejected", "canceled", "cancelled", "denied":
		return TimeOffGone
	case "submitted", "waitingapproval", "pending", "submittedwaitingapproval", "waitingforapproval":
		return TimeOffPending
	}
	return TimeOffUnknown
}

// OpportunityOpen reports whether an opportunity status still makes its
// owner see the company's contacts. Lost, closed and implemented
// opportunities (and inactive ones) are not open; every other status is.
func (s *Schema) OpportunityOpen(code int64) bool {
	switch labelKey(s.Label(EntityOpportunities, "status", code)) {
	case "lost", "closed", "implemented", "inactive", "closedlost", "closedwon":
		return false
	}
	return true
}

// ServiceCallCancelled reports whether a service call is cancelled: it has
// a cancellation time, or its status says so.
func (s *Schema) ServiceCallCancelled(sc *ServiceCall) bool {
	if sc.CanceledDateTime != nil {
		return true
	}
	if sc.Status != nil {
		switch labelKey(s.Label(EntityServiceCalls, "status", *sc.Status)) {
		case "canceled", "cancelled":
			return true
		}
	}
	return false
}
