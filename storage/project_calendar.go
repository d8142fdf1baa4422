package storage

import (
	"context"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Calendar items (docs/write-back.md, "Calendar items"):
// appointments, to-dos, service calls and time off appear in the calendar
// and task collections of the users whose PSA resource they belong to, in
// each user's time zone, while they overlap the calendar sync window.
// The helpers here are what every calendar projector shares.

// calendarWindow is the sync window at now: whole UTC days, from
// window-past-days before today to the end of window-future-days after it.
// Whole days keep objects from flickering in and out by the hour.
func calendarWindow(now time.Time, org *OrgSettings) (time.Time, time.Time) {
	day := today(now)
	return day.AddDate(0, 0, -int(org.WindowPastDays)), day.AddDate(0, 0, int(org.WindowFutureDays)+1)
}

// today is the start of now's day (UTC), where the sync window's days begin.
func today(now time.Time) time.Time { return now.UTC().Truncate(24 * time.Hour) }

// inWindow reports whether [start, end] overlaps the transaction's window.
func (t *Tx) inWindow(ctx context.Context, start, end time.Time) (bool, error) {
	org, err := t.orgSettings(ctx)
	if err != nil {
		return false, err
	}
	from, to := calendarWindow(t.now, org)
	if err := t.recordFirstWindow(ctx, from, to); err != nil {
		return false, err
	}
	if end.Before(start) {
		end = start
	}
	return !end.Before(from) && start.Before(to), nil
}

// recordFirstWindow starts the record of the calendar window (the row
// AdvanceCalendarWindow keeps) with the first calendar item the database
// ever places, in the window it is placed in. Without it the first
// maintenance run after an import could not know what window the items were
// placed in and re-projected every calendar, seconds of database work just
// as clients start syncing (docs/performance.md). A database that already has
// calendar objects but no record keeps that rebuild.
func (t *Tx) recordFirstWindow(ctx context.Context, from, to time.Time) error {
	if t.windowChecked || t.s.windowRecorded.Load() {
		return nil
	}
	t.windowChecked = true
	var recorded bool
	if err := t.tx.NewRaw("SELECT EXISTS (SELECT 1 FROM calendar_window WHERE id = 1)").Scan(ctx, &recorded); err != nil {
		return err
	}
	if recorded {
		t.s.windowRecorded.Store(true) // the row is updated from now on, never removed
		return nil
	}
	_, err := t.tx.NewRaw(`INSERT INTO calendar_window (id, window_from, window_to)
		SELECT 1, ?, ? WHERE NOT EXISTS (SELECT 1 FROM dav_objects o JOIN dav_collections c ON c.id = o.collection_id WHERE c.name IN (?, ?))
		ON CONFLICT (id) DO NOTHING`, from, to, CollCalendar, CollTasks).Exec(ctx)
	return err
}

// userLocation is a user's zone (validated when set; UTC if it vanished
// from the zone database).
func (t *Tx) userLocation(name string) *time.Location {
	key := "tz:" + name
	if loc, ok := t.proj.cache[key].(*time.Location); ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	t.proj.cache[key] = loc
	return loc
}

// calendarTarget is one user's collection an item goes to.
type calendarTarget struct {
	user   *userInfo
	collID int64
}

// calendarTargets lists the collections named coll of the users linked to
// a PSA resource.
func (t *Tx) calendarTargets(ctx context.Context, resourceID int64, coll string) ([]calendarTarget, error) {
	users, err := t.userIndex(ctx)
	if err != nil {
		return nil, err
	}
	var out []calendarTarget
	for _, u := range users.byResource[resourceID] {
		if id, ok := u.collections[coll]; ok {
			out = append(out, calendarTarget{user: u, collID: id})
		}
	}
	return out, nil
}

// calItem is a PSA item to place in calendar collections.
type calItem struct {
	href, uid  string
	comp       string // VEVENT or VTODO
	start, end time.Time
	readOnly   bool
	// ownedBy is the user who created the item on a client and may delete
	// it in the PSA from there (0: nobody).
	ownedBy int64
	render  func(mapping.CalendarContext) ([]byte, error)
	// merge picks the kept-property merge for a user (nil: MergeKeptCalendar).
	merge func(u *userInfo) func([]byte, string, *time.Location) ([]byte, error)
}

// placeCalendarItem renders an item once per time zone among the targets
// and places it in each target collection.
func (t *Tx) placeCalendarItem(ctx context.Context, targets []calendarTarget, it calItem) ([]placement, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	org, err := t.orgSettings(ctx)
	if err != nil {
		return nil, err
	}
	bodies := map[string][]byte{}
	start, end := it.start.Unix(), it.end.Unix()
	if end < start {
		end = start
	}
	out := make([]placement, 0, len(targets))
	for _, tg := range targets {
		zone := tg.user.settings.TimeZone
		body, ok := bodies[zone]
		if !ok {
			if body, err = it.render(mapping.CalendarContext{Location: t.userLocation(zone), LinkTemplate: org.PSAURLTemplate}); err != nil {
				return nil, err
			}
			bodies[zone] = body
		}
		if body == nil {
			continue
		}
		merge := mapping.MergeKeptCalendar
		if it.merge != nil {
			merge = it.merge(tg.user)
		}
		loc := t.userLocation(zone)
		out = append(out, placement{collectionID: tg.collID, href: it.href, uid: it.uid, comp: it.comp, body: body,
			readOnly: it.readOnly, clientOwned: it.ownedBy != 0 && tg.user.id == it.ownedBy, timeStart: ptr(start), timeEnd: ptr(end),
			merge:  func(body []byte, kept string) ([]byte, error) { return merge(body, kept, loc) },
			bounds: func(body []byte) (*int64, *int64) { return calendarBounds(body, loc) }})
	}
	return out, nil
}

// calendarBounds reads the time bounds of a served calendar object (nil:
// none, so every time-range query considers it; see TimeBounds).
func calendarBounds(body []byte, loc *time.Location) (start, end *int64) {
	obj, err := mapping.ParseCalendarObject(body, loc)
	if err != nil {
		return nil, nil
	}
	s, e, ok := obj.TimeBounds()
	if !ok {
		return nil, nil
	}
	return &s, e
}

// rowByRef reads a live row by reference id, cached for the transaction;
// nil when the mirror does not have it.
func (t *Tx) rowByRef(ctx context.Context, entity mapping.Entity, ref int64) (mirrorRow, error) {
	key := string(entity) + ":" + itoa(ref)
	if r, ok := t.proj.cache[key]; ok {
		row, _ := r.(mirrorRow)
		return row, nil
	}
	row, err := t.loadRowByRef(ctx, entity, ref)
	if err == ErrNotFound || (err == nil && !row.envelope().Live()) {
		t.proj.cache[key] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t.proj.cache[key] = row
	return row, nil
}

// forgetRow drops a cached row after it changed.
func (t *Tx) forgetRow(entity mapping.Entity, ref int64) {
	t.forget(string(entity) + ":" + itoa(ref))
}

// touchAll re-projects every live row of an entity (a picklist whose
// labels decide where its rows appear changed).
func (t *Tx) touchAll(ctx context.Context, entity mapping.Entity) error {
	keys, err := t.ridsWhere(ctx, entity, "psa_deleted_at IS NULL")
	if err != nil {
		return err
	}
	for _, k := range keys {
		t.proj.touch(k)
	}
	return nil
}

// picklistEntities: a new picklist for these fields re-projects the
// entity's rows (labels decide View, status, cancellation).
var picklistEntities = map[[2]string]mapping.Entity{
	{string(mapping.EntityActionTypes), "view"}:       mapping.EntityCompanyToDos,
	{string(mapping.EntityTimeOffRequests), "status"}: mapping.EntityTimeOffRequests,
	{string(mapping.EntityServiceCalls), "status"}:    mapping.EntityServiceCalls,
}

// picklistChanged re-projects what a picklist change may move.
func (t *Tx) picklistChanged(ctx context.Context, entity mapping.Entity, field string) error {
	if e, ok := picklistEntities[[2]string{string(entity), field}]; ok {
		return t.touchAll(ctx, e)
	}
	return nil
}
