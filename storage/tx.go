package storage

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// Tx is one write transaction. Every change to mirror rows, DAV objects,
// kept properties and the outbox happens inside one, and the projection of
// the mirror changes onto DAV objects runs before it commits.
type Tx struct {
	s   *Store
	tx  bun.Tx
	now time.Time

	// The change counter is locked when the transaction begins (all writers
	// serialise on it, so sequence order is commit order), read once, and
	// written back at commit if any sequence was handed out.
	seqBase, seqNext int64
	accountsVersion  int64
	accountsChanged  bool
	accountsGen      int // bumped by every account change inside this transaction

	proj *projection
	// windowChecked: recordFirstWindow has run in this transaction
	windowChecked bool
	// statements bound to this transaction (they end with it)
	stmts map[string]*sql.Stmt
	// row states read ahead by PrefetchStates, each for one lookup
	prefetched map[prefetchKey]*rowState
	// outbox entries queued in this transaction, by the user they are for
	// (write_budget.go)
	queuedBy map[int64]int
	// progress hears how far the projection is at commit (OnProjection)
	progress func(done, total int)
}

// OnProjection has fn told, while the transaction commits, how many of the
// rows to re-render it has done and how many it knows of (the total grows
// as dependents are found): a large import spends most of its time there.
func (t *Tx) OnProjection(fn func(done, total int)) { t.progress = fn }

// Write runs fn in a write transaction and commits it, with the projection
// flushed, if fn returns nil. Any error rolls everything back.
func (s *Store) Write(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if !s.wstmts.ready.Load() {
		s.prepareWrites(ctx)
	}
	// A write may rebuild collections or apply a whole import: its default
	// bound is generous, but there is one.
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, writeTimeout)
		defer cancel()
	}
	btx, err := s.wdb.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		return fmt.Errorf("storage: beginning a write: %w", err)
	}
	t := &Tx{s: s, tx: btx, now: s.now().UTC()}
	t.proj = newProjection(t)
	lock, err := t.stmt(ctx, s.lockCounterSQL())
	if err == nil {
		err = lock.QueryRowContext(ctx).Scan(&t.seqBase, &t.accountsVersion)
	}
	if err != nil {
		btx.Rollback()
		return fmt.Errorf("storage: locking the change counter: %w", err)
	}
	t.seqNext = t.seqBase
	if err := fn(ctx, t); err != nil {
		btx.Rollback()
		return err
	}
	if err := t.proj.flush(ctx); err != nil {
		btx.Rollback()
		return err
	}
	if err := t.finishCounter(ctx); err != nil {
		btx.Rollback()
		return err
	}
	if err := btx.Commit(); err != nil {
		return fmt.Errorf("storage: committing: %w", err)
	}
	if t.accountsChanged {
		s.users.invalidate()
	}
	if s.objects != nil {
		s.objects.invalidate()
	}
	if t.seqNext-t.seqBase >= bulkWriteChanges {
		s.analyze(ctx)
	}
	return nil
}

// bulkWriteChanges is how many changed objects make a transaction a bulk
// load (an import, the demo, a connector's first pull), after which the
// planner's statistics are refreshed.
const bulkWriteChanges = 2000

// analyze refreshes PostgreSQL's planner statistics. Until autovacuum
// gets to a freshly loaded table, PostgreSQL plans as if it were empty:
// after five runs a prepared multiget switches to a generic plan that
// walks the whole collection through the partial time index, several
// times slower (docs/performance.md). ANALYZE also drops the plans cached
// on the old statistics. SQLite's planner does not
// need statistics for these queries, and its plans were tuned without
// them, so it is left alone. A failure only costs speed: logged, not
// returned (the data is committed).
func (s *Store) analyze(ctx context.Context) {
	if s.dialect != Postgres {
		return
	}
	if _, err := s.wdb.ExecContext(context.WithoutCancel(ctx), "ANALYZE"); err != nil {
		s.log.Warn("refreshing the planner's statistics after a bulk write", "err", err)
	}
}

// writeTimeout bounds a write transaction whose caller set no deadline.
const writeTimeout = 10 * time.Minute

// Now is the transaction's clock reading (UTC), the same for every row it writes.
func (t *Tx) Now() time.Time { return t.now }

// nextSeq hands out the next change sequence.
func (t *Tx) nextSeq() int64 {
	t.seqNext++
	return t.seqNext
}

// currentSeq is the newest sequence handed out so far (or the counter's
// value when none was).
func (t *Tx) currentSeq() int64 { return t.seqNext }

func (t *Tx) finishCounter(ctx context.Context) error {
	if t.seqNext == t.seqBase && !t.accountsChanged {
		return nil
	}
	version := t.accountsVersion
	if t.accountsChanged {
		version++
	}
	if err := t.exec(ctx, qCounterSet, t.seqNext, version); err != nil {
		return fmt.Errorf("storage: writing the change counter: %w", err)
	}
	return nil
}

// markAccountsChanged records that accounts, settings or collections
// changed, so every process reloads its user index.
func (t *Tx) markAccountsChanged() {
	t.accountsChanged = true
	t.accountsGen++
}

// loadRow reads the mirror row of entity with the given rid.
func (t *Tx) loadRow(ctx context.Context, entity mapping.Entity, rid int64) (mirrorRow, error) {
	info, err := lookupEntity(entity)
	if err != nil {
		return nil, err
	}
	// Rows read or written by this transaction are kept (writes keep the
	// cache right, see projection.wrote); callers get copies they may change.
	k := sourceKey{entity, rid}
	if row, ok := t.proj.rows[k]; ok {
		return copyRow(info, row), nil
	}
	row := info.newRow()
	found, err := t.scanOne(ctx, row, t.s.entitySQL(info).byRID, rid)
	if err != nil {
		return nil, fmt.Errorf("storage: reading %s %d: %w", entity, rid, err)
	}
	if !found {
		return nil, ErrNotFound
	}
	t.proj.rows[k] = copyRow(info, row)
	return row, nil
}

// rowChanged forgets the kept copy of a row changed by a raw statement.
func (t *Tx) rowChanged(k sourceKey) { delete(t.proj.rows, k) }

// copyRow copies a row (its struct; pointed-to times are shared and never
// changed in place).
func copyRow(info *entityInfo, row mirrorRow) mirrorRow {
	c := info.newRow()
	reflect.ValueOf(c).Elem().Set(reflect.ValueOf(row).Elem())
	return c
}

// loadRowByRef reads the mirror row of entity that other records refer to
// by ref (a PSA id, or a negative local id).
func (t *Tx) loadRowByRef(ctx context.Context, entity mapping.Entity, ref int64) (mirrorRow, error) {
	if mapping.LocalID(ref) {
		return t.loadRow(ctx, entity, -ref)
	}
	info, err := lookupEntity(entity)
	if err != nil {
		return nil, err
	}
	row := info.newRow()
	found, err := t.scanOne(ctx, row, t.s.entitySQL(info).byPSAID, ref)
	if err != nil {
		return nil, fmt.Errorf("storage: reading %s id %d: %w", entity, ref, err)
	}
	if !found {
		return nil, ErrNotFound
	}
	return row, nil
}
