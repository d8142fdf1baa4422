package storage

import (
	"context"

	"github.com/psadav/psadav/mapping"
)

// Time-off requests with a start and end time appear, read-only and busy,
// in their resource's calendar (docs/write-back.md, "Calendar items"):
// pending ones as tentative; rejected and cancelled ones
// disappear.

type timeOffProjector struct{}

func (timeOffProjector) dependents(context.Context, *Tx, mirrorRow) ([]sourceKey, error) {
	return nil, nil
}

func (timeOffProjector) place(ctx context.Context, t *Tx, row mirrorRow) ([]placement, error) {
	r := row.(*timeOffRow)
	if !r.Live() || r.StartTime == nil || r.EndTime == nil {
		return nil, nil
	}
	schema, err := t.schema(ctx)
	if err != nil {
		return nil, err
	}
	state := schema.TimeOffStatus(r.Status)
	if state == mapping.TimeOffGone {
		return nil, nil
	}
	if in, err := t.inWindow(ctx, *r.StartTime, *r.EndTime); err != nil || !in {
		return nil, err
	}
	targets, err := t.calendarTargets(ctx, r.ResourceID, CollCalendar)
	if err != nil || len(targets) == 0 {
		return nil, err
	}
	ref := r.RefID()
	v := mapping.TimeOffView{Request: r.TimeOffRequest, State: state}
	v.Request.ID = ref
	return t.placeCalendarItem(ctx, targets, calItem{
		href: mapping.Href(mapping.KindTimeOff, ref), uid: mapping.UID(mapping.KindTimeOff, ref, ""),
		comp: "VEVENT", start: *r.StartTime, end: *r.EndTime, readOnly: true,
		render: func(c mapping.CalendarContext) ([]byte, error) { return mapping.RenderTimeOff(v, c) },
	})
}
