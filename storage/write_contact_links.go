package storage

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// How a client's card finds its contact, and how the contact then stays
// where the client put it:
//   - a pin keeps a contact in the address book a user created it in or
//     linked a card to, whatever that book's scope says (the mirror image
//     of a hidden item);
//   - the card itself is a client identity of the contact
//     (client_identity.go): served at the href the client chose, under
//     the UID it gave;
//   - contactByUID and findDuplicate find the contact a new card means.

type pinnedRow struct {
	bun.BaseModel `bun:"table:pinned_items"`
	itemKey
	PinnedAt time.Time `bun:"pinned_at,notnull"`
}

const pinsCacheKey = "pins"

// pinnedCollections lists the collections a row is pinned to. All pins
// are read once per transaction: there are few (client-created and linked
// contacts), and a rebuild asks for every contact.
func (t *Tx) pinnedCollections(ctx context.Context, entity mapping.Entity, rid int64) ([]int64, error) {
	pins, ok := t.proj.cache[pinsCacheKey].(map[sourceKey][]int64)
	if !ok {
		var rows []pinnedRow
		if err := t.scanAll(ctx, &rows, qPins); err != nil {
			return nil, err
		}
		pins = map[sourceKey][]int64{}
		for _, r := range rows {
			k := sourceKey{mapping.Entity(r.SourceEntity), r.SourceRID}
			pins[k] = append(pins[k], r.CollectionID)
		}
		t.proj.cache[pinsCacheKey] = pins
	}
	return pins[sourceKey{entity, rid}], nil
}

// pin keeps a row in a collection (and un-hides it there).
func (t *Tx) pin(ctx context.Context, collectionID int64, entity mapping.Entity, rid int64) error {
	row := pinnedRow{itemKey: itemKey{collectionID, string(entity), rid}, PinnedAt: t.now}
	if _, err := t.tx.NewInsert().Model(&row).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return err
	}
	if _, err := t.tx.NewDelete().Model((*hiddenRow)(nil)).
		Where("collection_id = ? AND source_entity = ? AND source_rid = ?", collectionID, string(entity), rid).Exec(ctx); err != nil {
		return err
	}
	t.forget(pinsCacheKey)
	t.sideChanged("hidden_items", entity)
	t.proj.touch(sourceKey{entity, rid})
	return nil
}

// unpin lets a row's membership of a collection follow the rules again.
func (t *Tx) unpin(ctx context.Context, collectionID int64, entity mapping.Entity, rid int64) error {
	_, err := t.tx.NewDelete().Model((*pinnedRow)(nil)).
		Where("collection_id = ? AND source_entity = ? AND source_rid = ?", collectionID, string(entity), rid).Exec(ctx)
	t.forget(pinsCacheKey)
	t.proj.touch(sourceKey{entity, rid})
	return err
}

// objectWithUID is the resource name of the live object with a UID in a
// collection, "" when there is none.
func (t *Tx) objectWithUID(ctx context.Context, collectionID int64, uid string) (string, error) {
	var hrefs []string
	err := t.tx.NewSelect().Model((*objectRow)(nil)).Column("href").
		Where("collection_id = ? AND uid = ? AND NOT deleted", collectionID, uid).Limit(1).Scan(ctx, &hrefs)
	if err != nil || len(hrefs) == 0 {
		return "", err
	}
	return hrefs[0], nil
}

// contactByUID finds the live contact a UID names: a UID psadav gave a PSA
// contact ("psadav-contact-29684"), the UID a client gave a contact it
// created, or the UID of a card a client linked to a contact. nil when
// none.
func (t *Tx) contactByUID(ctx context.Context, uid string) (*contactRow, error) {
	if id, ok := mapping.ParseUID(mapping.KindContact, uid); ok {
		row, err := t.loadRowByRef(ctx, mapping.EntityContacts, id)
		if err == ErrNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if c := row.(*contactRow); c.Live() {
			return c, nil
		}
		return nil, nil
	}
	var rows []contactRow
	err := t.tx.NewSelect().Model(&rows).Where("client_uid = ? AND psa_deleted_at IS NULL", uid).Order("rid").Limit(1).Scan(ctx)
	if err != nil || len(rows) > 0 {
		if err != nil {
			return nil, err
		}
		return &rows[0], nil
	}
	err = t.tx.NewSelect().Model(&rows).
		Where("rid IN (SELECT source_rid FROM client_identities WHERE uid = ? AND source_entity = ?) AND psa_deleted_at IS NULL",
			uid, string(mapping.EntityContacts)).Order("rid").Limit(1).Scan(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// findDuplicate applies the duplicate check of Autotask's own Exchange
// extension (docs/write-back.md): an active
// contact of the same company with the same first and last name and the
// same e-mail address, where a blank address on either side matches. An
// equal address beats a blank one; PSA-accepted and older contacts win.
// Names compare case-insensitively (in Go, so beyond ASCII too).
func (t *Tx) findDuplicate(ctx context.Context, companyRef int64, c *mapping.Contact) (*contactRow, error) {
	var rows []contactRow
	err := t.tx.NewSelect().Model(&rows).
		Where("company_id = ? AND is_active <> 0 AND psa_deleted_at IS NULL", companyRef).
		OrderExpr("psa_id IS NULL, psa_id, rid").Scan(ctx)
	if err != nil {
		return nil, err
	}
	same := func(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) }
	var blank *contactRow
	for i := range rows {
		r := &rows[i]
		if !same(r.FirstName, c.FirstName) || !same(r.LastName, c.LastName) {
			continue
		}
		switch {
		case same(r.EmailAddress, c.EmailAddress):
			return r, nil
		case blank == nil && (strings.TrimSpace(r.EmailAddress) == "" || strings.TrimSpace(c.EmailAddress) == ""):
			blank = r
		}
	}
	return blank, nil
}
