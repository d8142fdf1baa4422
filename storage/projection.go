package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/psadav/psadav/mapping"
)

// The projection keeps DAV objects in step with the mirror. A write marks
// mirror rows dirty (touch); before the transaction commits, flush works
// out, for each dirty row, the objects it should have now (placements) in
// which users' collections, compares them with the objects it has, and
// writes the difference: new and changed objects with fresh change
// sequences, tombstones for objects that left a collection.
//
// Kinds plug in as projectors. A projector that produces DAV objects
// (contacts, appointments, …) returns placements; one that does not
// (companies, action types, …) returns the rows whose objects depend on it.

// sourceKey names a mirror row.
type sourceKey struct {
	entity mapping.Entity
	rid    int64
}

// placement is one DAV object a mirror row should have.
type placement struct {
	collectionID int64
	href         string // used when the collection has no object for the row yet
	uid          string
	comp         string // VCARD, VEVENT or VTODO
	body         []byte // rendered before kept properties are merged
	readOnly     bool   // nothing of the item goes to the PSA (ObjectInfo.ReadOnly)
	// clientOwned: the collection's user created the item (a DELETE
	// deletes it in the PSA; write_access.go).
	clientOwned bool
	// timeStart and timeEnd (Unix seconds) bound the object's occurrences so
	// time-range queries can skip it in SQL.
	timeStart, timeEnd *int64
	// merge folds the collection owner's kept properties into body.
	merge func(body []byte, kept string) ([]byte, error)
	// bounds, when set, reads timeStart and timeEnd from a merged body:
	// kept date forms may change the times an object is served with.
	bounds func(body []byte) (start, end *int64)
	// mergeAs is merge for a client identity whose UID may differ from
	// uid; nil for kinds whose identities always have the row's UID.
	mergeAs func(body []byte, uid, kept string) ([]byte, error)
}

// projector plugs one entity into the projection.
type projector interface {
	// dependents lists rows whose objects render something of this row.
	// It is called with the row as it was before a write and as it is after.
	dependents(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error)
	// place lists the objects the row should have now; nil when none.
	place(ctx context.Context, t *Tx, row mirrorRow) ([]placement, error)
}

// projectors are the projection's kinds by entity, in the files named.
var projectors = map[mapping.Entity]projector{
	// project_contacts.go
	mapping.EntityContacts:      contactProjector{},
	mapping.EntityCompanies:     companyDeps{},
	mapping.EntityOpportunities: opportunityDeps{},
	mapping.EntityCountries:     countryDeps{},
	mapping.EntityCompanyNotes:  companyNoteDeps{},
	// project_appointments.go
	mapping.EntityAppointments: appointmentProjector{},
	entitySeries:               seriesProjector{},
	// project_todos.go
	mapping.EntityCompanyToDos: todoProjector{},
	mapping.EntityActionTypes:  actionTypeDeps{},
	// project_timeoff.go
	mapping.EntityTimeOffRequests: timeOffProjector{},
	// project_servicecalls.go
	mapping.EntityServiceCalls:               serviceCallProjector{},
	mapping.EntityServiceCallTickets:         callsOfTicketLink,
	mapping.EntityServiceCallTasks:           callsOfTaskLink,
	mapping.EntityServiceCallTicketResources: callsOfTicketResource,
	mapping.EntityServiceCallTaskResources:   callsOfTaskResource,
	mapping.EntityTickets:                    callsOfTicket,
	mapping.EntityTasks:                      callsOfTask,
}

// dependentsFunc lists rows whose objects render something of row.
type dependentsFunc func(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error)

// dependentHooks add dependents to an entity whatever its projector is:
// one kind of object may render records another kind's projector owns (a
// to-do shows its contact's phone).
var dependentHooks = map[mapping.Entity][]dependentsFunc{
	mapping.EntityContacts:         {contactToDos},           // project_todos.go
	mapping.EntityCompanyLocations: {serviceCallsAtLocation}, // project_servicecalls.go
}

type projection struct {
	t      *Tx
	queue  []sourceKey
	queued map[sourceKey]bool
	// only, when set, limits writes to these collections (a rebuild).
	only map[int64]bool
	// per-transaction caches of things many rows share
	users    *userIndex
	usersGen int
	// rows holds mirror rows as this transaction wrote them, so projecting
	// them needs no read; fresh ones were inserted by it and have no
	// objects yet; changed ones had their record changed, so the rows that
	// render something of them are re-projected too.
	rows    map[sourceKey]mirrorRow
	fresh   map[sourceKey]bool
	changed map[sourceKey]bool
	// written are the objects this transaction stored, as stored.
	written map[objKey]*objectRow
	// projected counts rows projected by this transaction.
	projected int
	org       *OrgSettings
	cache     map[string]any
}

func newProjection(t *Tx) *projection {
	return &projection{t: t, queued: map[sourceKey]bool{}, cache: map[string]any{}, rows: map[sourceKey]mirrorRow{},
		fresh: map[sourceKey]bool{}, changed: map[sourceKey]bool{}, written: map[objKey]*objectRow{}}
}

// touch marks a mirror row for re-projection at commit.
func (p *projection) touch(k sourceKey) {
	if p.queued[k] {
		return
	}
	p.queued[k] = true
	p.queue = append(p.queue, k)
}

// wrote records that this transaction changed a row's record (row as
// written, nil when the caller does not hold it) and marks it for
// re-projection with its dependents.
func (p *projection) wrote(k sourceKey, row mirrorRow) {
	if row != nil {
		p.rows[k] = row
	} else {
		delete(p.rows, k)
	}
	p.changed[k] = true
	p.touch(k)
}

// touchDependents marks the rows that depend on row as it is now. Writers
// call it before changing a row, so rows that depended on the old state
// are re-projected too.
func (p *projection) touchDependents(ctx context.Context, entity mapping.Entity, row mirrorRow) error {
	fns := dependentHooks[entity]
	if pr := projectors[entity]; pr != nil {
		fns = append([]dependentsFunc{pr.dependents}, fns...)
	}
	for _, fn := range fns {
		deps, err := fn(ctx, p.t, row)
		if err != nil {
			return err
		}
		for _, d := range deps {
			p.touch(d)
		}
	}
	return nil
}

// flush projects every dirty row, including the dependents it uncovers.
func (p *projection) flush(ctx context.Context) error {
	done := 0
	for len(p.queue) > 0 {
		k := p.queue[0]
		p.queue = p.queue[1:]
		if err := p.project(ctx, k); err != nil {
			return fmt.Errorf("storage: projecting %s %d: %w", k.entity, k.rid, err)
		}
		if done++; p.t.progress != nil && (done%100 == 0 || len(p.queue) == 0) {
			p.t.progress(done, done+len(p.queue))
		}
	}
	p.queued = map[sourceKey]bool{}
	return nil
}

// project brings one mirror row's DAV objects up to date.
func (p *projection) project(ctx context.Context, k sourceKey) error {
	pr := projectors[k.entity]
	if pr == nil && dependentHooks[k.entity] == nil {
		return nil
	}
	// A row this transaction read or wrote is at hand; others are read.
	row, err := p.t.loadRow(ctx, k.entity, k.rid)
	if err != nil && err != ErrNotFound {
		return err
	}
	var places []placement
	if row != nil {
		// Only a changed record can change what its dependents render.
		if p.changed[k] {
			delete(p.changed, k)
			if err := p.touchDependents(ctx, k.entity, row); err != nil {
				return err
			}
		}
		if pr == nil {
			return nil // an entity that renders no objects of its own
		}
		if places, err = pr.place(ctx, p.t, row); err != nil {
			return err
		}
	}
	if pr == nil {
		return nil
	}
	return p.apply(ctx, k, places)
}

// apply makes the objects of source k exactly the placements: in a
// collection that holds client identities of k (client_identity.go), one
// object per identity; elsewhere k's own object.
func (p *projection) apply(ctx context.Context, k sourceKey, places []placement) error {
	t := p.t
	p.projected++
	var existing []objectRow
	var err error
	if p.fresh[k] {
		delete(p.fresh, k) // a row inserted by this transaction has no objects yet
	} else if err = t.scanAll(ctx, &existing, qSourceObjects, string(k.entity), k.rid); err != nil {
		return err
	}
	var hidden map[int64]bool
	var kept map[int64]string
	var idents map[int64][]identityRow
	if len(places) > 0 {
		if hidden, err = p.hiddenFor(ctx, k); err != nil {
			return err
		}
		if kept, err = p.keptFor(ctx, k); err != nil {
			return err
		}
		if idents, err = p.identitiesFor(ctx, k); err != nil {
			return err
		}
	}
	placed := make(map[int64]bool, len(existing)) // existing objects that stay
	for i := range places {
		pl := &places[i]
		if hidden[pl.collectionID] || !p.inScope(pl.collectionID) {
			continue
		}
		if ids := idents[pl.collectionID]; len(ids) > 0 {
			for j := range ids {
				ex := objectAt(existing, pl.collectionID, ids[j].Href)
				if err := p.writeIdentity(ctx, k, pl, &ids[j], ex); err != nil {
					return err
				}
				if ex != nil {
					placed[ex.ID] = true
				}
			}
			continue
		}
		ex := ownObject(existing, pl.collectionID)
		body := pl.body
		if data := kept[pl.collectionID]; data != "" && pl.merge != nil {
			if body, err = pl.merge(body, data); err != nil {
				return err
			}
			if pl.bounds != nil {
				pl.timeStart, pl.timeEnd = pl.bounds(body)
			}
		}
		if err := p.writeObject(ctx, k, pl, pl.uid, body, ex); err != nil {
			return err
		}
		if ex != nil {
			placed[ex.ID] = true
		}
	}
	for i := range existing {
		ex := &existing[i]
		if ex.Deleted || placed[ex.ID] || !p.inScope(ex.CollectionID) {
			continue
		}
		if err := t.tombstone(ctx, ex.ID); err != nil {
			return err
		}
	}
	return nil
}

// writeIdentity stores the object of a client identity: the placement's
// body under the identity's UID with its kept properties, at its href.
func (p *projection) writeIdentity(ctx context.Context, k sourceKey, pl *placement, id *identityRow, ex *objectRow) error {
	body := pl.body
	var err error
	switch {
	case pl.mergeAs != nil:
		body, err = pl.mergeAs(body, id.UID, id.Kept)
	case id.UID != pl.uid:
		return fmt.Errorf("storage: %s %d cannot be served under the client's UID %q", k.entity, k.rid, id.UID)
	case id.Kept != "" && pl.merge != nil:
		body, err = pl.merge(body, id.Kept)
	}
	if err != nil {
		return err
	}
	at := *pl
	at.href = id.Href
	if id.Kept != "" && pl.bounds != nil {
		at.timeStart, at.timeEnd = pl.bounds(body)
	}
	return p.writeObject(ctx, k, &at, id.UID, body, ex)
}

// objectAt is source's object at href in a collection, live or a
// tombstone; nil when none.
func objectAt(existing []objectRow, collectionID int64, href string) *objectRow {
	for i := range existing {
		if ex := &existing[i]; ex.CollectionID == collectionID && ex.Href == href {
			return ex
		}
	}
	return nil
}

// ownObject is the live object a source has in a collection that holds
// no identities of it; nil when none. A tombstone is not brought back
// under another name: a new object goes to the placement's href (taking
// over a tombstone there), never to an href whose card a client deleted.
func ownObject(existing []objectRow, collectionID int64) *objectRow {
	for i := range existing {
		if ex := &existing[i]; ex.CollectionID == collectionID && !ex.Deleted {
			return ex
		}
	}
	return nil
}

func (p *projection) inScope(collectionID int64) bool {
	return p.only == nil || p.only[collectionID]
}

// writeObject stores one rendered object unless it is already stored as is.
func (p *projection) writeObject(ctx context.Context, k sourceKey, pl *placement, uid string, body []byte, ex *objectRow) error {
	t := p.t
	etag := ETagOf(body)
	if ex != nil && !ex.Deleted && ex.ETag == etag && ex.UID == uid && ex.ReadOnly == pl.readOnly && ex.ClientOwned == pl.clientOwned &&
		eqInt64(ex.TimeStart, pl.timeStart) && eqInt64(ex.TimeEnd, pl.timeEnd) {
		return nil
	}
	obj := objectRow{
		CollectionID: pl.collectionID, UID: uid, ETag: etag, Comp: pl.comp, Body: body,
		Size: int64(len(body)), ChangeSeq: t.nextSeq(), SourceEntity: string(k.entity), SourceRID: k.rid,
		ReadOnly: pl.readOnly, ClientOwned: pl.clientOwned, TimeStart: pl.timeStart, TimeEnd: pl.timeEnd, ModifiedAt: t.now,
	}
	if ex != nil {
		obj.ID = ex.ID
		obj.Href = ex.Href
		err := t.exec(ctx, qUpdateObj, t.s.args(obj.UID, obj.ETag, obj.Comp, obj.Body, obj.Size, obj.ChangeSeq, obj.Deleted,
			obj.ReadOnly, obj.ClientOwned, obj.TimeStart, obj.TimeEnd, obj.ModifiedAt, obj.ID)...)
		p.written[objKey{obj.CollectionID, obj.Href}] = &obj
		return err
	}
	err := t.insertObject(ctx, &obj, pl.href)
	p.written[objKey{obj.CollectionID, obj.Href}] = &obj
	return err
}

// forgetWritten drops what written says of an object changed otherwise.
func (p *projection) forgetWritten(objectID int64) {
	for k, o := range p.written {
		if o.ID == objectID {
			delete(p.written, k)
		}
	}
}

// objKey names an object by collection and resource name.
type objKey struct {
	collectionID int64
	href         string
}

// insertObject adds an object at href, or at a free variant of href when a
// live object of another source holds it. A tombstone at href is taken over.
func (t *Tx) insertObject(ctx context.Context, obj *objectRow, href string) error {
	for attempt := 0; attempt < 20; attempt++ {
		obj.Href = href
		if attempt > 0 {
			obj.Href = hrefVariant(href, attempt)
		}
		obj.ID = 0
		if _, err := t.tx.NewInsert().Model(obj).On("CONFLICT (collection_id, href) DO NOTHING").Returning("id").Exec(ctx); err != nil {
			return err
		}
		if obj.ID != 0 {
			return nil
		}
		// The href is taken: a tombstone is taken over, a live object of
		// another source makes us try a variant.
		var holder objectRow
		if err := t.tx.NewSelect().Model(&holder).Column("id", "deleted").
			Where("collection_id = ? AND href = ?", obj.CollectionID, obj.Href).Scan(ctx); err != nil {
			return err
		}
		if !holder.Deleted {
			continue
		}
		obj.ID = holder.ID
		_, err := t.tx.NewUpdate().Model(obj).ExcludeColumn("id", "collection_id", "href").WherePK().Exec(ctx)
		return err
	}
	return fmt.Errorf("storage: no free href near %q", href)
}

func hrefVariant(href string, n int) string {
	ext := ""
	for i := len(href) - 1; i >= 0; i-- {
		if href[i] == '.' {
			ext = href[i:]
			href = href[:i]
			break
		}
	}
	return href + "-" + strconv.Itoa(n) + ext
}

// tombstone turns an object into a deletion record for sync-collection.
func (t *Tx) tombstone(ctx context.Context, objectID int64) error {
	t.proj.forgetWritten(objectID)
	_, err := t.tx.NewUpdate().Table("dav_objects").
		Set("deleted = ?", true).Set("body = NULL").Set("etag = ''").Set("size = 0").
		Set("change_seq = ?", t.nextSeq()).Set("modified_at = ?", t.now).
		Where("id = ?", objectID).Exec(ctx)
	return err
}

func (p *projection) hiddenFor(ctx context.Context, k sourceKey) (map[int64]bool, error) {
	if has, err := p.sideHas(ctx, "hidden_items", k); err != nil || !has {
		return nil, err
	}
	var ids []int64
	rows, err := p.t.query(ctx, qHidden, string(k.entity), k.rid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m, nil
}

func (p *projection) keptFor(ctx context.Context, k sourceKey) (map[int64]string, error) {
	if has, err := p.sideHas(ctx, "kept_props", k); err != nil || !has {
		return nil, err
	}
	var rows []keptRow
	if err := p.t.scanAll(ctx, &rows, qKeptOf, string(k.entity), k.rid); err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(rows))
	for _, r := range rows {
		m[r.CollectionID] = r.Data
	}
	return m, nil
}

// sideHas reports whether a row may have entries in a per-user side table
// (hidden_items, kept_props). Few rows have any, so once a transaction
// projects many rows (an import, a rebuild), the table's rows of that
// entity are read once and most rows need no query at all.
func (p *projection) sideHas(ctx context.Context, table string, k sourceKey) (bool, error) {
	if p.projected < 32 {
		return true, nil
	}
	key := sideKey(table, k.entity)
	set, ok := p.cache[key].(map[int64]bool)
	if !ok {
		var rids []int64
		err := p.t.tx.NewSelect().Table(table).ColumnExpr("DISTINCT source_rid").
			Where("source_entity = ?", string(k.entity)).Scan(ctx, &rids)
		if err != nil {
			return false, err
		}
		set = make(map[int64]bool, len(rids))
		for _, rid := range rids {
			set[rid] = true
		}
		p.cache[key] = set
	}
	return set[k.rid], nil
}

func sideKey(table string, entity mapping.Entity) string {
	return "side:" + table + ":" + string(entity)
}

// sideChanged forgets what sideHas read of a table.
func (t *Tx) sideChanged(table string, entity mapping.Entity) { t.forget(sideKey(table, entity)) }

// ETagOf is the strong entity tag of a body: it changes exactly when the
// bytes change.
func ETagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}

func eqInt64(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
