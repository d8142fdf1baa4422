package storage

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// What the mirror knows of write-backs on their way: which rows have one
// pending or held (a pulled record must not overwrite them; ingest.go asks)
// and the PSA's acceptance of a client-created row.

// pendingRows lists, per transaction, the rows of an entity with a
// write-back pending or held.
func (t *Tx) pendingRows(ctx context.Context, entity mapping.Entity) (map[int64]bool, error) {
	key := "pending:" + string(entity)
	if m, ok := t.proj.cache[key].(map[int64]bool); ok {
		return m, nil
	}
	var rids []int64
	err := t.tx.NewSelect().Model((*OutboxEntry)(nil)).Column("rid").
		Where("entity = ? AND state IN (?, ?)", string(entity), OutboxPending, OutboxHeld).Scan(ctx, &rids)
	if err != nil {
		return nil, fmt.Errorf("storage: reading pending write-backs: %w", err)
	}
	m := make(map[int64]bool, len(rids))
	for _, rid := range rids {
		m[rid] = true
	}
	t.proj.cache[key] = m
	return m, nil
}

// HasPendingWrites reports whether a row has a write-back pending or held.
func (t *Tx) HasPendingWrites(ctx context.Context, entity mapping.Entity, rid int64) (bool, error) {
	m, err := t.pendingRows(ctx, entity)
	return m[rid], err
}

// pendingByPSAID finds the row of a PSA id when it has a write-back on its
// way; 0 otherwise.
func (t *Tx) pendingByPSAID(ctx context.Context, entity mapping.Entity, psaID int64) (int64, error) {
	pending, err := t.pendingRows(ctx, entity)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	row, err := t.loadRowByRef(ctx, entity, psaID)
	if err == ErrNotFound {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if rid := row.envelope().RID; pending[rid] {
		return rid, nil
	}
	return 0, nil
}

// AcceptCreate records the PSA id the PSA gave a client-created row. In the
// same transaction every reference to the row's negative local id (a
// contact's companyID, a to-do's contactID …) becomes the PSA id, and the
// row is re-projected: in the collections where the projection named the
// object after the local id (contact-local-5.vcf in other users' books) it
// moves to the PSA name (contact-123.vcf) — a deletion and an addition for
// their clients — while the object the creating client PUT keeps its href.
func (t *Tx) AcceptCreate(ctx context.Context, entity mapping.Entity, rid, psaID int64) error {
	info, err := lookupEntity(entity)
	if err != nil {
		return err
	}
	row, err := t.loadRow(ctx, entity, rid)
	if err != nil {
		return err
	}
	if have := row.envelope().PSAID; have != nil {
		if *have == psaID {
			return nil
		}
		return fmt.Errorf("%w: %s row %d already has PSA id %d, not %d", ErrConflict, entity, rid, *have, psaID)
	}
	if err := t.dropPSACopy(ctx, entity, rid, psaID); err != nil {
		return err
	}
	oldHrefs, err := t.placedHrefs(ctx, entity, row)
	if err != nil {
		return err
	}
	if _, err := t.tx.NewUpdate().Table(info.table).Set("psa_id = ?", psaID).Set("row_version = row_version + 1").
		Set("change_seq = ?", t.nextSeq()).Where("rid = ?", rid).Exec(ctx); err != nil {
		return fmt.Errorf("storage: accepting %s %d as %d: %w", entity, rid, psaID, err)
	}
	t.rowChanged(sourceKey{entity, rid})
	if err := t.rewriteReferences(ctx, entity, -rid, psaID); err != nil {
		return err
	}
	if row, err = t.loadRow(ctx, entity, rid); err != nil {
		return err
	}
	newHrefs, err := t.placedHrefs(ctx, entity, row)
	if err != nil {
		return err
	}
	if err := t.renameProjected(ctx, entity, rid, oldHrefs, newHrefs); err != nil {
		return err
	}
	t.proj.wrote(sourceKey{entity, rid}, nil)
	return nil
}

// dropPSACopy removes a PSA-origin row holding psaID when it is not the
// client's row: a pull or a webhook read the new record between the PSA's
// answer to the create and AcceptCreate. The client's row takes over.
func (t *Tx) dropPSACopy(ctx context.Context, entity mapping.Entity, rid, psaID int64) error {
	dup, err := t.loadRowByRef(ctx, entity, psaID)
	if err == ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	dupRID := dup.envelope().RID
	if dupRID == rid {
		return nil
	}
	if err := t.proj.touchDependents(ctx, entity, dup); err != nil {
		return err
	}
	info, _ := lookupEntity(entity)
	if _, err := t.tx.NewDelete().Table(info.table).Where("rid = ?", dupRID).Exec(ctx); err != nil {
		return err
	}
	delete(t.proj.rows, sourceKey{entity, dupRID})
	if err := t.moveClientObjects(ctx, entity, dupRID, rid); err != nil {
		return err
	}
	// Its objects become tombstones now, before anything is placed under
	// the PSA name they hold.
	return t.proj.apply(ctx, sourceKey{entity, dupRID}, nil)
}

// rewriteReferences turns every reference from oldRef to newRef.
func (t *Tx) rewriteReferences(ctx context.Context, target mapping.Entity, oldRef, newRef int64) error {
	for _, r := range referrersOf(target) {
		col, err := columnOf(r.entity, r.field)
		if err != nil {
			return err
		}
		keys, err := t.ridsWhere(ctx, r.entity, "? = ?", bun.Ident(col), oldRef)
		if err != nil || len(keys) == 0 {
			if err != nil {
				return err
			}
			continue
		}
		info, _ := lookupEntity(r.entity)
		if _, err := t.tx.NewUpdate().Table(info.table).Set("? = ?", bun.Ident(col), newRef).
			Set("row_version = row_version + 1").Where("? = ?", bun.Ident(col), oldRef).Exec(ctx); err != nil {
			return fmt.Errorf("storage: rewriting %s.%s: %w", r.entity, r.field, err)
		}
		for _, k := range keys {
			t.rowChanged(k)
			t.proj.wrote(k, nil)
		}
	}
	return nil
}

// placedHrefs is where the projection would name the row's object in each
// collection.
func (t *Tx) placedHrefs(ctx context.Context, entity mapping.Entity, row mirrorRow) (map[int64]string, error) {
	pr := projectors[entity]
	if pr == nil {
		return nil, nil
	}
	places, err := pr.place(ctx, t, row)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(places))
	for _, p := range places {
		out[p.collectionID] = p.href
	}
	return out, nil
}

// renameProjected turns the row's objects that carry the projection's old
// name into tombstones detached from the row, so the projection places the
// row afresh under its new name. Objects under a name a client chose stay,
// and so does every client identity, whatever its name.
func (t *Tx) renameProjected(ctx context.Context, entity mapping.Entity, rid int64, oldHrefs, newHrefs map[int64]string) error {
	var objs []objectRow
	if err := t.tx.NewSelect().Model(&objs).Column("id", "collection_id", "href").
		Where("source_entity = ? AND source_rid = ? AND NOT deleted", string(entity), rid).Scan(ctx); err != nil {
		return err
	}
	idents, err := t.proj.identitiesFor(ctx, sourceKey{entity, rid})
	if err != nil {
		return err
	}
	for _, o := range objs {
		old, placed := oldHrefs[o.CollectionID]
		next := newHrefs[o.CollectionID]
		if !placed || o.Href != old || next == "" || next == old || len(idents[o.CollectionID]) > 0 {
			continue
		}
		if _, err := t.tx.NewUpdate().Table("dav_objects").
			Set("deleted = ?", true).Set("body = NULL").Set("etag = ''").Set("size = 0").
			Set("change_seq = ?", t.nextSeq()).Set("modified_at = ?", t.now).
			Set("source_entity = ''").Set("source_rid = 0").
			Where("id = ?", o.ID).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
