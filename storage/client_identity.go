package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// Client identities: an object a client wrote keeps the resource name it
// PUT to, the UID it gave it and the properties kept for it, for that
// user, in that collection — whatever the mirror row behind it is called
// elsewhere (RFC 6352 §5.1, RFC 4791 §4.1). Cards of one person linked to
// one PSA contact by the duplicate rule are each an identity of that
// contact; a task that became a PSA to-do is an identity of the to-do.
//
// Where a collection holds identities of a source row, they are its
// objects there: the projection renders the row once and serves it at
// each identity's href under its UID with its kept properties, and places
// no object under the row's own name. Where it holds none, the row is
// placed as usual (its own href and UID, kept_props). A write never
// changes another identity: linking a card adopts the object a client
// already sees in that book as an identity first, so it stays as it is.

type identityRow struct {
	bun.BaseModel `bun:"table:client_identities"`
	CollectionID  int64     `bun:"collection_id,pk"`
	Href          string    `bun:"href,pk"`
	SourceEntity  string    `bun:"source_entity,notnull"`
	SourceRID     int64     `bun:"source_rid,notnull"`
	UID           string    `bun:"uid,notnull"`
	Kept          string    `bun:"kept,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

func (r *identityRow) source() sourceKey {
	return sourceKey{mapping.Entity(r.SourceEntity), r.SourceRID}
}

const identitiesTable = "client_identities"

// identityAt is the identity of source k at href in a collection, nil when
// the object there is k's own (or there is none).
func (t *Tx) identityAt(ctx context.Context, collectionID int64, href string, k sourceKey) (*identityRow, error) {
	var r identityRow
	found, err := t.scanOne(ctx, &r, qIdentityAt, collectionID, href)
	if err != nil || !found || r.source() != k {
		return nil, err
	}
	return &r, nil
}

// addIdentity records a client's object of source k at href (replacing
// whatever identity a deleted object there had) and re-renders k.
func (t *Tx) addIdentity(ctx context.Context, collectionID int64, href string, k sourceKey, uid, kept string) error {
	t.sideChanged(identitiesTable, k.entity)
	t.proj.touch(k)
	return t.exec(ctx, qIdentityUpsert, t.s.args(collectionID, href, string(k.entity), k.rid, uid, kept, t.now)...)
}

// dropIdentity forgets a client's object (it deleted it) and reports how
// many identities of k the collection still holds.
func (t *Tx) dropIdentity(ctx context.Context, collectionID int64, href string, k sourceKey) (int64, error) {
	t.sideChanged(identitiesTable, k.entity)
	t.proj.touch(k)
	if err := t.exec(ctx, qIdentityDelete, collectionID, href); err != nil {
		return 0, err
	}
	return t.tx.NewSelect().Model((*identityRow)(nil)).
		Where("collection_id = ? AND source_entity = ? AND source_rid = ?", collectionID, string(k.entity), k.rid).Count(ctx)
}

// adoptObject makes the object source k has in a collection an identity,
// as the client sees it now (href, UID, kept properties), unless the
// collection already holds identities of k. A new identity of k then
// joins it instead of replacing it: a second card of one person never
// takes the first one's place.
func (t *Tx) adoptObject(ctx context.Context, collectionID int64, k sourceKey) error {
	if err := t.proj.flush(ctx); err != nil {
		return err
	}
	n, err := t.tx.NewSelect().Model((*identityRow)(nil)).
		Where("collection_id = ? AND source_entity = ? AND source_rid = ?", collectionID, string(k.entity), k.rid).Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	var live []objectRow
	if err := t.tx.NewSelect().Model(&live).Column("href", "uid").
		Where("collection_id = ? AND source_entity = ? AND source_rid = ? AND NOT deleted", collectionID, string(k.entity), k.rid).
		Order("id").Limit(1).Scan(ctx); err != nil || len(live) == 0 {
		return err
	}
	kept, err := t.Kept(ctx, collectionID, k.entity, k.rid)
	if err != nil {
		return err
	}
	if err := t.addIdentity(ctx, collectionID, live[0].Href, k, live[0].UID, kept); err != nil {
		return err
	}
	return t.SetKept(ctx, collectionID, k.entity, k.rid, "")
}

// keptAt reads the kept properties of the object of source k at href: its
// identity's, or the collection's for k.
func (t *Tx) keptAt(ctx context.Context, collectionID int64, href string, k sourceKey) (string, error) {
	id, err := t.identityAt(ctx, collectionID, href, k)
	if err != nil || id != nil {
		if id != nil {
			return id.Kept, nil
		}
		return "", err
	}
	return t.Kept(ctx, collectionID, k.entity, k.rid)
}

// setKeptAt stores the kept properties of the object of source k at href
// (see keptAt) and re-renders k.
func (t *Tx) setKeptAt(ctx context.Context, collectionID int64, href string, k sourceKey, data string) error {
	id, err := t.identityAt(ctx, collectionID, href, k)
	if err != nil {
		return err
	}
	if id == nil {
		return t.SetKept(ctx, collectionID, k.entity, k.rid, data)
	}
	if id.Kept == data {
		return nil
	}
	return t.addIdentity(ctx, collectionID, href, k, id.UID, data)
}

// moveClientObjects hands the client identities and pins of a row that
// gives way to another (the PSA's copy of a client's row, dropPSACopy) to
// that row: a card a client linked to the copy stays where it is.
func (t *Tx) moveClientObjects(ctx context.Context, entity mapping.Entity, from, to int64) error {
	if _, err := t.tx.NewUpdate().Table(identitiesTable).Set("source_rid = ?", to).
		Where("source_entity = ? AND source_rid = ?", string(entity), from).Exec(ctx); err != nil {
		return err
	}
	if _, err := t.tx.NewRaw(`INSERT INTO pinned_items (collection_id, source_entity, source_rid, pinned_at)
		SELECT collection_id, source_entity, ?, pinned_at FROM pinned_items WHERE source_entity = ? AND source_rid = ?
		ON CONFLICT DO NOTHING`, to, string(entity), from).Exec(ctx); err != nil {
		return err
	}
	if _, err := t.tx.NewDelete().Model((*pinnedRow)(nil)).
		Where("source_entity = ? AND source_rid = ?", string(entity), from).Exec(ctx); err != nil {
		return err
	}
	t.forget(pinsCacheKey)
	t.sideChanged(identitiesTable, entity)
	t.proj.touch(sourceKey{entity, to})
	return nil
}

// identitiesFor lists the identities of source k by collection.
func (p *projection) identitiesFor(ctx context.Context, k sourceKey) (map[int64][]identityRow, error) {
	if has, err := p.sideHas(ctx, identitiesTable, k); err != nil || !has {
		return nil, err
	}
	var rows []identityRow
	if err := p.t.scanAll(ctx, &rows, qIdentitiesOf, string(k.entity), k.rid); err != nil {
		return nil, err
	}
	m := make(map[int64][]identityRow, len(rows))
	for _, r := range rows {
		m[r.CollectionID] = append(m[r.CollectionID], r)
	}
	return m, nil
}

// uidUnchanged refuses a PUT that would give the object at its href
// another UID (RFC 6352 §6.3.2.1, RFC 4791 §5.3.2.1: no-uid-conflict):
// a client that means another object must create it at another href. A
// card without a UID keeps the one it has.
func uidUnchanged(existing *objectRow, uid string) error {
	if uid == "" || uid == existing.UID {
		return nil
	}
	return &mapping.Refusal{Code: mapping.RefuseUIDChanged, Fields: []string{"UID"}, Href: existing.Href,
		Message: fmt.Sprintf("the object at this URL has UID %q; a PUT cannot change it (create a new object for UID %q)", existing.UID, uid)}
}
