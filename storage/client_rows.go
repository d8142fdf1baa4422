package storage

import (
	"context"
	"fmt"
	"reflect"

	"github.com/psadav/psadav/mapping"
)

// Mirror rows written on behalf of clients. These change a row's record
// fields but never its raw column or PSA stamp: raw stays the state the PSA
// last sent, so a write the PSA refuses can be undone by re-applying it.

// Record reads a mirror row: a pointer to its mapping record (ID set to the
// reference id) and its envelope.
func (t *Tx) Record(ctx context.Context, entity mapping.Entity, rid int64) (any, Envelope, error) {
	row, err := t.loadRow(ctx, entity, rid)
	if err != nil {
		return nil, Envelope{}, err
	}
	return withRefID(row), *row.envelope(), nil
}

// RecordByRef reads a mirror row by reference id (PSA id or negative local id).
func (t *Tx) RecordByRef(ctx context.Context, entity mapping.Entity, ref int64) (any, Envelope, error) {
	row, err := t.loadRowByRef(ctx, entity, ref)
	if err != nil {
		return nil, Envelope{}, err
	}
	return withRefID(row), *row.envelope(), nil
}

// InsertClient adds a row a client created: origin client, no PSA id until
// the PSA accepts it, the client's UID kept. It returns the row id; other
// records refer to the row by -rid meanwhile.
func (t *Tx) InsertClient(ctx context.Context, entity mapping.Entity, rec any, userID int64, clientUID string) (int64, error) {
	info, err := lookupEntity(entity)
	if err != nil {
		return 0, err
	}
	normalizeTimes(rec)
	row := info.newRow()
	if err := setRecord(row, rec); err != nil {
		return 0, err
	}
	*row.envelope() = Envelope{Origin: OriginClient, OriginUserID: &userID, ClientUID: clientUID,
		ContentHash: contentHash(rec), RowVersion: 1, ChangeSeq: t.nextSeq(), FetchedAt: t.now, Raw: "{}"}
	if _, err := t.tx.NewInsert().Model(row).Returning("rid").Exec(ctx); err != nil {
		return 0, fmt.Errorf("storage: inserting client %s: %w", entity, err)
	}
	rid := row.envelope().RID
	t.proj.wrote(sourceKey{entity, rid}, row)
	return rid, nil
}

// UpdateFromClient writes a client's change to a row's record fields and
// re-projects it (and what depends on it).
func (t *Tx) UpdateFromClient(ctx context.Context, entity mapping.Entity, rid int64, rec any) error {
	info, err := lookupEntity(entity)
	if err != nil {
		return err
	}
	existing, err := t.loadRow(ctx, entity, rid)
	if err != nil {
		return err
	}
	if err := t.proj.touchDependents(ctx, entity, existing); err != nil {
		return err
	}
	normalizeTimes(rec)
	row := info.newRow()
	if err := setRecord(row, rec); err != nil {
		return err
	}
	env := row.envelope()
	*env = *existing.envelope()
	env.ContentHash = contentHash(rec)
	env.RowVersion++
	env.ChangeSeq = t.nextSeq()
	// The PSA id lives in the envelope; the record's ID is the reference id.
	cols := recordColumns(row)
	cols = append(cols, "content_hash", "row_version", "change_seq")
	if _, err := t.tx.NewUpdate().Model(row).Column(cols...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("storage: updating %s %d: %w", entity, rid, err)
	}
	t.proj.wrote(sourceKey{entity, rid}, row)
	return nil
}

// MarkClientDeleted removes a row from every collection for good: a client
// deleted what it created, or the PSA refused to create it. The row stays
// as a tombstone.
func (t *Tx) MarkClientDeleted(ctx context.Context, entity mapping.Entity, rid int64) error {
	existing, err := t.loadRow(ctx, entity, rid)
	if err != nil {
		return err
	}
	if err := t.proj.touchDependents(ctx, entity, existing); err != nil {
		return err
	}
	info, _ := lookupEntity(entity)
	if _, err := t.tx.NewUpdate().Table(info.table).Set("psa_deleted_at = ?", t.now).
		Set("change_seq = ?", t.nextSeq()).Set("row_version = row_version + 1").Where("rid = ?", rid).Exec(ctx); err != nil {
		return err
	}
	t.rowChanged(sourceKey{entity, rid})
	t.proj.wrote(sourceKey{entity, rid}, nil)
	return nil
}

// recordColumns lists the columns of a row's mapping record.
func recordColumns(row mirrorRow) []string {
	t := reflect.TypeOf(row.record()).Elem()
	var cols []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("bun")
		if tag == "" || tag == "-" {
			continue
		}
		for j := 0; j < len(tag); j++ {
			if tag[j] == ',' {
				tag = tag[:j]
				break
			}
		}
		cols = append(cols, tag)
	}
	return cols
}
