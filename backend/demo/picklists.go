package demo

import (
	"strconv"

	"github.com/psadav/psadav/mapping"
)

// Picklist codes are deliberately odd (11..14 for the action type View,
// not Autotask's): nothing may depend on the numbers, only on the labels.
const (
	viewCalendar        = 11
	viewToDo            = 12
	viewCalendarAndToDo = 13
	viewNeither         = 14

	timeOffSubmitted = 41
	timeOffApproved  = 42
	timeOffRejected  = 43
	timeOffCanceled  = 44

	oppActive      = 61
	oppLost        = 62
	oppClosed      = 63
	oppImplemented = 64
	oppNotReady    = 65

	callNew       = 71
	callScheduled = 72
	callComplete  = 73
	callCanceled  = 74

	prefixMr  = 81
	prefixMrs = 82
	prefixMs  = 83
	prefixDr  = 84

	suffixJr  = 91
	suffixSr  = 92
	suffixIII = 93

	typeCustomer = 31
	typeLead     = 32
	typeProspect = 33
	typeVendor   = 34
	typePartner  = 35
)

type choice struct {
	code  int64
	label string
}

type picklist struct {
	entity  mapping.Entity
	field   string
	choices []choice
}

var picklists = []picklist{
	{mapping.EntityActionTypes, "view", []choice{
		{viewCalendar, "Calendar"}, {viewToDo, "To-Do"}, {viewCalendarAndToDo, "Calendar and To-Do"}, {viewNeither, "Neither"}}},
	{mapping.EntityTimeOffRequests, "status", []choice{
		{timeOffSubmitted, "Submitted"}, {timeOffApproved, "Approved"}, {timeOffRejected, "Rejected"}, {timeOffCanceled, "Canceled"}}},
	{mapping.EntityTimeOffRequests, "timeOffRequestType", []choice{
		{51, "Vacation"}, {52, "Sick"}, {53, "Floating Holiday"}, {54, "Personal"}}},
	{mapping.EntityOpportunities, "status", []choice{
		{oppActive, "Active"}, {oppLost, "Lost"}, {oppClosed, "Closed"}, {oppImplemented, "Implemented"}, {oppNotReady, "Not Ready To Buy"}}},
	{mapping.EntityServiceCalls, "status", []choice{
		{callNew, "New"}, {callScheduled, "Scheduled"}, {callComplete, "Complete"}, {callCanceled, "Canceled"}}},
	{mapping.EntityContacts, "namePrefix", []choice{
		{prefixMr, "Mr."}, {prefixMrs, "Mrs."}, {prefixMs, "Ms."}, {prefixDr, "Dr."}}},
	{mapping.EntityContacts, "nameSuffix", []choice{
		{suffixJr, "Jr."}, {suffixSr, "Sr."}, {suffixIII, "III"}}},
	{mapping.EntityCompanies, "companyType", []choice{
		{typeCustomer, "Customer"}, {typeLead, "Lead"}, {typeProspect, "Prospect"}, {typeVendor, "Vendor"}, {typePartner, "Partner"}}},
	{mapping.EntityTickets, "status", []choice{
		{101, "New"}, {102, "In Progress"}, {103, "Waiting Customer"}, {105, "Complete"}}},
	{mapping.EntityTasks, "status", []choice{
		{111, "New"}, {112, "In Progress"}, {115, "Complete"}}},
}

// timeOffTypes are the timeOffRequestType codes, in picklist order.
var timeOffTypes = []int64{51, 52, 53, 54}

func (p picklist) values() []mapping.PicklistValue {
	out := make([]mapping.PicklistValue, len(p.choices))
	for i, c := range p.choices {
		out[i] = mapping.PicklistValue{Value: strconv.FormatInt(c.code, 10), Label: c.label, Active: true, SortOrder: i + 1}
	}
	return out
}
