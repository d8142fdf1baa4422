package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/psadav/psadav/mapping"
)

// Records as the PSA has them enter the mirror here: UpsertPSA for an
// import, the demo or a webhook; ApplyPulled and MarkPulledDeleted for a
// connector's pull, which defer to a client's write-back still on its way
// (outbox_apply.go).

// UpsertResult says what an upsert did.
type UpsertResult struct {
	RID     int64
	Created bool
	Changed bool // false when the PSA sent what the mirror already had
}

// UpsertPSA writes a record as the PSA has it (a pull, a webhook, an import
// or the demo). rec is a pointer to the entity's mapping record with ID set
// to the PSA id; raw is the PSA's JSON for the record (nil: rec marshalled).
// A record whose content hash is unchanged bumps nothing. Otherwise the
// row is written and, before the transaction commits, every DAV object it
// affects is re-rendered.
func (t *Tx) UpsertPSA(ctx context.Context, entity mapping.Entity, rec mapping.Record, raw json.RawMessage) (UpsertResult, error) {
	info, err := lookupEntity(entity)
	if err != nil {
		return UpsertResult{}, err
	}
	psaID := rec.RecordID()
	if mapping.LocalID(psaID) {
		return UpsertResult{}, fmt.Errorf("storage: %s: PSA id %d is negative", entity, psaID)
	}
	normalizeTimes(rec)
	if raw == nil {
		if raw, err = json.Marshal(rec); err != nil {
			return UpsertResult{}, err
		}
	}
	hash := contentHash(rec)
	state, err := t.lookupState(ctx, info, psaID)
	if err != nil {
		return UpsertResult{}, err
	}
	if state != nil && state.hash == hash && state.deletedAt == nil {
		return UpsertResult{RID: state.rid}, nil
	}
	row := info.newRow()
	if err := setRecord(row, rec); err != nil {
		return UpsertResult{}, err
	}
	env := row.envelope()
	*env = Envelope{PSAID: ptr(psaID), Origin: OriginPSA, ContentHash: hash, RowVersion: 1,
		ChangeSeq: t.nextSeq(), FetchedAt: t.now, Raw: string(raw), PSAStamp: stampOf(rec)}
	if state == nil {
		if err := t.insertRow(ctx, info, row); err != nil {
			return UpsertResult{}, err
		}
		key := sourceKey{entity, env.RID}
		t.proj.fresh[key] = true
		t.proj.wrote(key, row)
		return UpsertResult{RID: env.RID, Created: true, Changed: true}, nil
	}
	existing, err := t.loadRow(ctx, entity, state.rid)
	if err != nil {
		return UpsertResult{}, err
	}
	old := existing.envelope()
	// Rows that rendered something of the old state must be re-rendered too.
	if err := t.proj.touchDependents(ctx, entity, existing); err != nil {
		return UpsertResult{}, err
	}
	env.RID = old.RID
	env.Origin, env.OriginUserID, env.ClientUID = old.Origin, old.OriginUserID, old.ClientUID
	env.RowVersion = old.RowVersion + 1
	env.SweepGen = old.SweepGen
	if _, err := t.tx.NewUpdate().Model(row).WherePK().Exec(ctx); err != nil {
		return UpsertResult{}, fmt.Errorf("storage: updating %s %d: %w", entity, psaID, err)
	}
	t.proj.wrote(sourceKey{entity, env.RID}, row)
	return UpsertResult{RID: env.RID, Changed: true}, nil
}

// MarkPSADeleted records that the PSA no longer has a record. The row stays
// as a tombstone; its DAV objects become deletions for sync.
func (t *Tx) MarkPSADeleted(ctx context.Context, entity mapping.Entity, psaID int64) error {
	existing, err := t.loadRowByRef(ctx, entity, psaID)
	if err == ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	env := existing.envelope()
	if !env.Live() {
		return nil
	}
	if err := t.proj.touchDependents(ctx, entity, existing); err != nil {
		return err
	}
	info, _ := lookupEntity(entity)
	_, err = t.tx.NewUpdate().Table(info.table).
		Set("psa_deleted_at = ?", t.now).Set("change_seq = ?", t.nextSeq()).Set("row_version = row_version + 1").
		Where("rid = ?", env.RID).Exec(ctx)
	if err != nil {
		return err
	}
	t.rowChanged(sourceKey{entity, env.RID})
	t.proj.wrote(sourceKey{entity, env.RID}, nil)
	return nil
}

// contentHash is the SHA-256 of the record as psadav maps it: a PSA change
// to a field psadav does not keep does not count as a change.
func contentHash(rec any) string {
	b, _ := json.Marshal(rec)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ApplyPulled writes a record read from the PSA (UpsertPSA), unless a
// client's write-back for that row is still on its way — then the mirror
// keeps the client's version and the connector settles the row when it
// pushes (a lost-update check, then a read-back) — or unless the mirror
// already has a newer version (a read that started before a write-back's
// read-back and finished after it). Either way deferred is true.
func (t *Tx) ApplyPulled(ctx context.Context, entity mapping.Entity, rec mapping.Record, raw json.RawMessage) (res UpsertResult, deferred bool, err error) {
	if _, err := lookupEntity(entity); err != nil {
		return res, false, err
	}
	psaID := rec.RecordID()
	rid, err := t.pendingByPSAID(ctx, entity, psaID)
	if err != nil {
		return res, false, err
	}
	if rid != 0 {
		return UpsertResult{RID: rid}, true, nil
	}
	if stamp := stampOf(rec); stamp != nil {
		row, err := t.loadRowByRef(ctx, entity, psaID)
		if err != nil && err != ErrNotFound {
			return res, false, err
		}
		if row != nil {
			if have := row.envelope().PSAStamp; have != nil && have.After(*stamp) && row.envelope().Live() {
				return UpsertResult{RID: row.envelope().RID}, true, nil
			}
		}
	}
	res, err = t.UpsertPSA(ctx, entity, rec, raw)
	return res, false, err
}

// MarkPulledDeleted records that the PSA no longer has a record, unless a
// client's write-back for it is still on its way (the push will find out).
// It reports whether the row became a tombstone.
func (t *Tx) MarkPulledDeleted(ctx context.Context, entity mapping.Entity, psaID int64) (bool, error) {
	rid, err := t.pendingByPSAID(ctx, entity, psaID)
	if err != nil || rid != 0 {
		return false, err
	}
	row, err := t.loadRowByRef(ctx, entity, psaID)
	if err == ErrNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !row.envelope().Live() {
		return false, nil
	}
	return true, t.MarkPSADeleted(ctx, entity, psaID)
}
