package storage

import (
	"context"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Appointments appear in the calendar of the users linked to their
// resource. An appointment made from a client's event is not placed in
// its creator's calendar: the creator has the event itself (a series),
// rendered from the client's object with what the PSA changed since.

type appointmentProjector struct{}

func (appointmentProjector) dependents(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
	link, err := t.linkOfAppointment(ctx, row.envelope().RID)
	if err != nil || link == nil {
		return nil, err
	}
	return []sourceKey{{entitySeries, link.SeriesRID}}, nil
}

func (appointmentProjector) place(ctx context.Context, t *Tx, row mirrorRow) ([]placement, error) {
	r := row.(*appointmentRow)
	if !r.Live() {
		return nil, nil
	}
	if in, err := t.inWindow(ctx, r.StartDateTime, r.EndDateTime); err != nil || !in {
		return nil, err
	}
	targets, err := t.calendarTargets(ctx, r.ResourceID, CollCalendar)
	if err != nil || len(targets) == 0 {
		return nil, err
	}
	if owner, err := t.seriesOwnerOf(ctx, r.RID); err != nil {
		return nil, err
	} else if owner != 0 {
		kept := targets[:0]
		for _, tg := range targets {
			if tg.user.id != owner {
				kept = append(kept, tg)
			}
		}
		targets = kept
	}
	ref := r.RefID()
	v := mapping.AppointmentView{Appointment: r.Appointment, ClientUID: r.ClientUID}
	v.Appointment.ID = ref
	return t.placeCalendarItem(ctx, targets, calItem{
		href: mapping.Href(mapping.KindAppointment, ref), uid: mapping.UID(mapping.KindAppointment, ref, r.ClientUID),
		comp: "VEVENT", start: r.StartDateTime, end: r.EndDateTime,
		render: func(c mapping.CalendarContext) ([]byte, error) { return mapping.RenderAppointment(v, c) },
	})
}

// linkOfAppointment is the series link of an appointment made from a
// client's event, nil for any other.
func (t *Tx) linkOfAppointment(ctx context.Context, appointmentRID int64) (*seriesLinkRow, error) {
	var l seriesLinkRow
	err := t.tx.NewSelect().Model(&l).Where("appointment_rid = ?", appointmentRID).Scan(ctx)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// seriesOwnerOf is the user whose live event an appointment was made
// from (0: none).
func (t *Tx) seriesOwnerOf(ctx context.Context, appointmentRID int64) (int64, error) {
	var owners []int64
	err := t.tx.NewSelect().Table("gateway_series").Column("gateway_series.origin_user_id").
		Join("JOIN gateway_series_links l ON l.series_rid = gateway_series.rid").
		Where("l.appointment_rid = ? AND gateway_series.psa_deleted_at IS NULL", appointmentRID).Scan(ctx, &owners)
	if err != nil || len(owners) == 0 {
		return 0, err
	}
	return owners[0], nil
}

// seriesProjector places a client's event in its creator's calendar,
// whatever the window: it is the client's own object.
type seriesProjector struct{}

func (seriesProjector) dependents(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
	var rids []int64
	err := t.tx.NewSelect().Model((*seriesLinkRow)(nil)).Column("appointment_rid").
		Where("series_rid = ?", row.envelope().RID).Scan(ctx, &rids)
	keys := make([]sourceKey, len(rids))
	for i, rid := range rids {
		keys[i] = sourceKey{mapping.EntityAppointments, rid}
	}
	return keys, err
}

func (seriesProjector) place(ctx context.Context, t *Tx, row mirrorRow) ([]placement, error) {
	r := row.(*seriesRow)
	if !r.Live() || r.OriginUserID == nil {
		return nil, nil
	}
	users, err := t.userIndex(ctx)
	if err != nil {
		return nil, err
	}
	var owner *userInfo
	for _, u := range users.users {
		if u.id == *r.OriginUserID {
			owner = u
		}
	}
	if owner == nil {
		return nil, nil
	}
	collID, ok := owner.collections[CollCalendar]
	if !ok || collID != r.CollectionID {
		return nil, nil
	}
	links, err := t.seriesLinks(ctx, r.RID)
	if err != nil {
		return nil, err
	}
	loc := t.userLocation(owner.settings.TimeZone)
	schema, err := t.schema(ctx)
	if err != nil {
		return nil, err
	}
	body, err := mapping.RenderClientEvent([]byte(r.Body), loc, links, schema)
	if err != nil || body == nil {
		return nil, err
	}
	pl := placement{collectionID: collID, href: r.Href, uid: r.ClientUID, comp: "VEVENT", body: body, clientOwned: true}
	pl.timeStart, pl.timeEnd = calendarBounds(body, loc)
	return []placement{pl}, nil
}

// seriesLinks are a series' appointments as the PSA has them now.
func (t *Tx) seriesLinks(ctx context.Context, seriesRID int64) ([]mapping.SeriesLink, error) {
	var rows []struct {
		RecurrenceID int64      `bun:"recurrence_id"`
		Start        time.Time  `bun:"start_date_time"`
		End          time.Time  `bun:"end_date_time"`
		Title        string     `bun:"title"`
		Description  string     `bun:"description"`
		DeletedAt    *time.Time `bun:"psa_deleted_at"`
	}
	err := t.tx.NewSelect().Table("gateway_series_links").
		ColumnExpr("gateway_series_links.recurrence_id, a.start_date_time, a.end_date_time, a.title, a.description, a.psa_deleted_at").
		Join("JOIN psa_appointments a ON a.rid = gateway_series_links.appointment_rid").
		Where("gateway_series_links.series_rid = ?", seriesRID).Order("gateway_series_links.recurrence_id").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]mapping.SeriesLink, len(rows))
	for i, r := range rows {
		out[i] = mapping.SeriesLink{RecurrenceID: ridTime(r.RecurrenceID), Start: r.Start.UTC(), End: r.End.UTC(),
			Title: r.Title, Description: r.Description, Deleted: r.DeletedAt != nil}
	}
	return out, nil
}
