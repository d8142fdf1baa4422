package storage

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// Service calls appear, read-only, in the calendar of every user who is a
// resource on one of the call's tickets or tasks (docs/psa-model.md), unless
// the call is cancelled. Their DESCRIPTION lists the company, the tickets
// and tasks, so those records, the link records and the company location
// re-render the calls they belong to.

type serviceCallProjector struct{}

func (serviceCallProjector) dependents(context.Context, *Tx, mirrorRow) ([]sourceKey, error) {
	return nil, nil
}

func (serviceCallProjector) place(ctx context.Context, t *Tx, row mirrorRow) ([]placement, error) {
	r := row.(*serviceCallRow)
	if !r.Live() {
		return nil, nil
	}
	schema, err := t.schema(ctx)
	if err != nil {
		return nil, err
	}
	if schema.ServiceCallCancelled(&r.ServiceCall) {
		return nil, nil
	}
	if in, err := t.inWindow(ctx, r.StartDateTime, r.EndDateTime); err != nil || !in {
		return nil, err
	}
	ref := r.RefID()
	resources, err := t.serviceCallResources(ctx, ref)
	if err != nil {
		return nil, err
	}
	var targets []calendarTarget
	for _, res := range resources {
		more, err := t.calendarTargets(ctx, res, CollCalendar)
		if err != nil {
			return nil, err
		}
		targets = append(targets, more...)
	}
	if len(targets) == 0 {
		return nil, nil
	}
	v, err := t.serviceCallView(ctx, r, schema)
	if err != nil {
		return nil, err
	}
	return t.placeCalendarItem(ctx, targets, calItem{
		href: mapping.Href(mapping.KindServiceCall, ref), uid: mapping.UID(mapping.KindServiceCall, ref, ""),
		comp: "VEVENT", start: r.StartDateTime, end: r.EndDateTime, readOnly: true,
		render: func(c mapping.CalendarContext) ([]byte, error) { return mapping.RenderServiceCall(v, c) },
	})
}

// serviceCallResources are the resources on a call's tickets and tasks.
func (t *Tx) serviceCallResources(ctx context.Context, callRef int64) ([]int64, error) {
	var ids []int64
	err := t.tx.NewRaw(`SELECT DISTINCT r.resource_id FROM psa_service_call_ticket_resources r
		JOIN psa_service_call_tickets l ON l.psa_id = r.service_call_ticket_id
		WHERE l.service_call_id = ? AND l.psa_deleted_at IS NULL AND r.psa_deleted_at IS NULL
		UNION
		SELECT DISTINCT r.resource_id FROM psa_service_call_task_resources r
		JOIN psa_service_call_tasks l ON l.psa_id = r.service_call_task_id
		WHERE l.service_call_id = ? AND l.psa_deleted_at IS NULL AND r.psa_deleted_at IS NULL`, callRef, callRef).Scan(ctx, &ids)
	return ids, err
}

// serviceCallView gathers what a call's object shows of other records.
func (t *Tx) serviceCallView(ctx context.Context, r *serviceCallRow, schema *mapping.Schema) (mapping.ServiceCallView, error) {
	v := mapping.ServiceCallView{Call: r.ServiceCall}
	ref := r.RefID()
	v.Call.ID = ref
	if r.Status != nil {
		v.Status = schema.Label(mapping.EntityServiceCalls, "status", *r.Status)
	}
	company, err := t.companyByRef(ctx, r.CompanyID)
	if err != nil {
		return v, err
	}
	if company != nil {
		v.Company = &company.Company
	}
	if r.CompanyLocationID != nil {
		loc, err := t.rowByRef(ctx, mapping.EntityCompanyLocations, *r.CompanyLocationID)
		if err != nil {
			return v, err
		}
		if loc != nil {
			v.Location = &loc.(*companyLocationRow).CompanyLocation
		}
	}
	var tickets []ticketRow
	err = t.tx.NewSelect().Model(&tickets).Where("psa_deleted_at IS NULL").
		Where("psa_id IN (?)", t.tx.NewSelect().Table("psa_service_call_tickets").Column("ticket_id").
			Where("service_call_id = ? AND psa_deleted_at IS NULL", ref)).
		Order("ticket_number", "psa_id").Scan(ctx)
	if err != nil {
		return v, err
	}
	for _, tk := range tickets {
		v.Tickets = append(v.Tickets, tk.Ticket)
	}
	var tasks []taskRow
	err = t.tx.NewSelect().Model(&tasks).Where("psa_deleted_at IS NULL").
		Where("psa_id IN (?)", t.tx.NewSelect().Table("psa_service_call_tasks").Column("task_id").
			Where("service_call_id = ? AND psa_deleted_at IS NULL", ref)).
		Order("title", "psa_id").Scan(ctx)
	if err != nil {
		return v, err
	}
	for _, tk := range tasks {
		v.Tasks = append(v.Tasks, tk.Task)
	}
	return v, nil
}

// callsWhere lists the service calls whose PSA id the subquery selects.
func (t *Tx) callsWhere(ctx context.Context, sub *bun.SelectQuery) ([]sourceKey, error) {
	var rids []int64
	err := t.tx.NewSelect().Table("psa_service_calls").Column("rid").Where("psa_id IN (?)", sub).Scan(ctx, &rids)
	keys := make([]sourceKey, len(rids))
	for i, rid := range rids {
		keys[i] = sourceKey{mapping.EntityServiceCalls, rid}
	}
	return keys, err
}

// callDeps plugs a record a service call renders into the projection.
type callDeps func(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error)

func (d callDeps) dependents(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
	return d(ctx, t, row)
}

func (callDeps) place(context.Context, *Tx, mirrorRow) ([]placement, error) { return nil, nil }

// callByID selects the call a link row names.
func callByID(id func(mirrorRow) int64) callDeps {
	return func(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
		return t.ridsWhere(ctx, mapping.EntityServiceCalls, "psa_id = ?", id(row))
	}
}

// linkedCalls selects the calls a link table row with this column value
// belongs to.
func linkedCalls(table, column string, value func(mirrorRow) int64) callDeps {
	return func(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
		return t.callsWhere(ctx, t.tx.NewSelect().Table(table).Column("service_call_id").Where("? = ?", bun.Ident(column), value(row)))
	}
}

// The link entities and the ticket and task slices render into the
// service calls they lead to.
var (
	callsOfTicketLink     = callByID(func(r mirrorRow) int64 { return r.(*serviceCallTicketRow).ServiceCallID })
	callsOfTaskLink       = callByID(func(r mirrorRow) int64 { return r.(*serviceCallTaskRow).ServiceCallID })
	callsOfTicketResource = linkedCalls("psa_service_call_tickets", "psa_id",
		func(r mirrorRow) int64 { return r.(*serviceCallTicketResourceRow).ServiceCallTicketID })
	callsOfTaskResource = linkedCalls("psa_service_call_tasks", "psa_id",
		func(r mirrorRow) int64 { return r.(*serviceCallTaskResourceRow).ServiceCallTaskID })
	callsOfTicket = linkedCalls("psa_service_call_tickets", "ticket_id", func(r mirrorRow) int64 { return r.envelope().RefID() })
	callsOfTask   = linkedCalls("psa_service_call_tasks", "task_id", func(r mirrorRow) int64 { return r.envelope().RefID() })
)

// serviceCallsAtLocation: a service call shows its company location's address.
func serviceCallsAtLocation(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
	ref := row.envelope().RefID()
	t.forgetRow(mapping.EntityCompanyLocations, ref)
	return t.ridsWhere(ctx, mapping.EntityServiceCalls, "company_location_id = ?", ref)
}
