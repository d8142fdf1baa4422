package storage

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// A rebuild re-projects whole collections: when a user's settings, an
// account or an organisation setting change what belongs in them.

// rebuild re-projects everything that could belong in the given
// collections, writing only to them, so they end up exactly as the rules
// say. Pending projection work is flushed first.
func (t *Tx) rebuild(ctx context.Context, collectionIDs []int64) error {
	if len(collectionIDs) == 0 {
		return nil
	}
	p := t.proj
	if err := p.flush(ctx); err != nil {
		return err
	}
	var colls []collectionRow
	if err := t.tx.NewSelect().Model(&colls).Where("id IN (?)", bun.In(collectionIDs)).Scan(ctx); err != nil {
		return err
	}
	entities := map[mapping.Entity]bool{}
	for _, c := range colls {
		for _, e := range collectionEntities[c.Name] {
			entities[e] = true
		}
	}
	for _, e := range append(mapping.Entities[:len(mapping.Entities):len(mapping.Entities)], gatewayEntities...) {
		if !entities[e] {
			continue
		}
		info, _ := lookupEntity(e)
		var rids []int64
		if err := t.tx.NewSelect().Table(info.table).Column("rid").Where("psa_deleted_at IS NULL").Order("rid").Scan(ctx, &rids); err != nil {
			return err
		}
		for _, rid := range rids {
			p.touch(sourceKey{e, rid})
		}
	}
	// Objects whose source row is gone altogether still need their tombstones.
	var orphans []objectRow
	if err := t.tx.NewSelect().Model(&orphans).Column("source_entity", "source_rid").
		Where("collection_id IN (?) AND NOT deleted", bun.In(collectionIDs)).Scan(ctx); err != nil {
		return err
	}
	for _, o := range orphans {
		p.touch(sourceKey{mapping.Entity(o.SourceEntity), o.SourceRID})
	}
	p.only = map[int64]bool{}
	for _, id := range collectionIDs {
		p.only[id] = true
	}
	defer func() { p.only = nil }()
	return p.flush(ctx)
}

// collectionEntities says which entities can place objects in which collection.
var collectionEntities = map[string][]mapping.Entity{
	CollContacts:    {mapping.EntityContacts},
	CollAllContacts: {mapping.EntityContacts},
	CollCalendar:    {mapping.EntityAppointments, mapping.EntityCompanyToDos, mapping.EntityServiceCalls, mapping.EntityTimeOffRequests, entitySeries},
	CollTasks:       {mapping.EntityCompanyToDos},
}
