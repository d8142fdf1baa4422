package storage

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/psadav/psadav/mapping"
)

// The statements every write transaction repeats are prepared once per
// process, outside any transaction, and used inside one through
// Tx.StmtContext: on SQLite the writer's single connection keeps them
// parsed for good (bun writes values into the SQL text, so each statement
// would otherwise be parsed anew — most of a PUT's time), and on
// PostgreSQL database/sql prepares them once per pooled connection.
//
// They cannot be prepared inside a transaction: on SQLite that needs a
// second writer connection. So the first Write prepares them before it
// begins (once the tables exist); until then, and if preparing fails, a
// transaction prepares what it uses for itself.

// Write-path statements other than the per-entity ones.
const (
	qLiveObject = `SELECT id, collection_id, href, uid, etag, comp, body, size, change_seq, source_entity, source_rid,
		deleted, read_only, client_owned, time_start, time_end, modified_at FROM dav_objects WHERE collection_id = ? AND href = ? AND NOT deleted`
	qSourceObjects = `SELECT id, collection_id, href, uid, etag, deleted, read_only, client_owned, time_start, time_end
		FROM dav_objects WHERE source_entity = ? AND source_rid = ?`
	qHidden     = `SELECT collection_id FROM hidden_items WHERE source_entity = ? AND source_rid = ?`
	qKeptOf     = `SELECT collection_id, data FROM kept_props WHERE source_entity = ? AND source_rid = ?`
	qUpdateObj  = `UPDATE dav_objects SET uid = ?, etag = ?, comp = ?, body = ?, size = ?, change_seq = ?, deleted = ?, read_only = ?, client_owned = ?, time_start = ?, time_end = ?, modified_at = ? WHERE id = ?`
	qUIDHolders = `SELECT href FROM dav_objects WHERE collection_id = ? AND uid = ? AND NOT deleted AND href <> ? LIMIT 1`
	qKept       = `SELECT data FROM kept_props WHERE collection_id = ? AND source_entity = ? AND source_rid = ?`
	qKeptUpsert = `INSERT INTO kept_props (collection_id, source_entity, source_rid, data, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (collection_id, source_entity, source_rid) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`
	qKeptDelete = `DELETE FROM kept_props WHERE collection_id = ? AND source_entity = ? AND source_rid = ?`
	qCounterSet = `UPDATE change_counter SET value = ?, accounts_version = ? WHERE id = 1`
	qPins       = `SELECT collection_id, source_entity, source_rid FROM pinned_items`
	// client_identities (client_identity.go)
	qIdentityAt     = `SELECT collection_id, href, source_entity, source_rid, uid, kept, updated_at FROM client_identities WHERE collection_id = ? AND href = ?`
	qIdentitiesOf   = `SELECT collection_id, href, source_entity, source_rid, uid, kept, updated_at FROM client_identities WHERE source_entity = ? AND source_rid = ? ORDER BY collection_id, href`
	qIdentityUpsert = `INSERT INTO client_identities (collection_id, href, source_entity, source_rid, uid, kept, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (collection_id, href) DO UPDATE SET source_entity = excluded.source_entity, source_rid = excluded.source_rid,
		uid = excluded.uid, kept = excluded.kept, updated_at = excluded.updated_at`
	qIdentityDelete = `DELETE FROM client_identities WHERE collection_id = ? AND href = ?`
	qOwners         = `SELECT owner_resource_id, status FROM psa_opportunities WHERE company_id = ? AND psa_deleted_at IS NULL`
)

// writeQueries are the statements prepared for every process; the
// per-entity ones (entitySQL) and the counter lock (a dialect spot) join
// them.
var writeQueries = []string{qLiveObject, qSourceObjects, qHidden, qHiddenByUID, qKeptOf, qUpdateObj, qUIDHolders,
	qKept, qKeptUpsert, qKeptDelete, qCounterSet, qPins, qOwners, qIdentityAt, qIdentitiesOf, qIdentityUpsert, qIdentityDelete}

// entitySQL is the text of one mirror table's statements.
type entitySQL struct {
	insert, lookup, byRID, byPSAID string
	fields                         []string // the insert's columns: bun field names, in order
	columns                        string   // the column list the selects read
}

func (s *Store) entitySQL(info *entityInfo) *entitySQL {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if s.stmts.entity == nil {
		s.stmts.entity = map[mapping.Entity]*entitySQL{}
	}
	if e := s.stmts.entity[info.entity]; e != nil {
		return e
	}
	table := s.wdb.Table(reflect.TypeOf(info.newRow()).Elem())
	e := &entitySQL{}
	var all, cols, marks []string
	for _, f := range table.Fields {
		all = append(all, string(f.SQLName))
		if f.Name == "rid" {
			continue
		}
		e.fields = append(e.fields, f.Name)
		cols = append(cols, string(f.SQLName))
		marks = append(marks, "?")
	}
	e.columns = strings.Join(all, ", ")
	e.insert = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING rid", info.table, strings.Join(cols, ", "), strings.Join(marks, ", "))
	e.lookup = "SELECT rid, content_hash, psa_deleted_at FROM " + info.table + " WHERE psa_id = ?"
	e.byRID = "SELECT " + e.columns + " FROM " + info.table + " WHERE rid = ?"
	e.byPSAID = "SELECT " + e.columns + " FROM " + info.table + " WHERE psa_id = ?"
	s.stmts.entity[info.entity] = e
	return e
}

// notesOfContactSQL reads a contact's journal, in the order its entries
// were stored (entries of one time render in that order).
func (s *Store) notesOfContactSQL() string {
	info, _ := lookupEntity(mapping.EntityCompanyNotes)
	return "SELECT " + s.entitySQL(info).columns + " FROM " + info.table + " WHERE contact_id = ? AND psa_deleted_at IS NULL ORDER BY rid"
}

// writeStmts are the statements prepared at process level.
type writeStmts struct {
	once  sync.Mutex
	ready atomic.Bool // m is complete and no longer changes
	m     map[string]*sql.Stmt
}

// prepareWrites prepares the write path's statements, once.
func (s *Store) prepareWrites(ctx context.Context) {
	w := &s.wstmts
	w.once.Lock()
	defer w.once.Unlock()
	if w.ready.Load() {
		return
	}
	queries := append([]string(nil), writeQueries...)
	queries = append(queries, s.lockCounterSQL(), s.notesOfContactSQL())
	for _, info := range entityInfos {
		e := s.entitySQL(info)
		queries = append(queries, e.insert, e.lookup, e.byRID, e.byPSAID)
	}
	m := map[string]*sql.Stmt{}
	for _, q := range queries {
		st, err := s.wdb.DB.PrepareContext(ctx, s.rebind(q))
		if err != nil {
			// The schema is not there yet (a migration test): try later.
			for _, st := range m {
				st.Close()
			}
			return
		}
		m[q] = st
	}
	w.m = m
	w.ready.Store(true)
}

func (w *writeStmts) close() {
	w.once.Lock()
	defer w.once.Unlock()
	for _, st := range w.m {
		st.Close()
	}
	w.ready.Store(false)
	w.m = nil
}

// stmt returns query prepared for this transaction.
func (t *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := t.stmts[query]; st != nil {
		return st, nil
	}
	var st *sql.Stmt
	var ps *sql.Stmt
	if t.s.wstmts.ready.Load() {
		ps = t.s.wstmts.m[query]
	}
	if ps != nil {
		st = t.tx.StmtContext(ctx, ps)
	} else {
		var err error
		if st, err = t.tx.PrepareContext(ctx, t.s.rebind(query)); err != nil {
			return nil, err
		}
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st, nil
}

// query runs a prepared query in the transaction.
func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// exec runs a prepared statement in the transaction.
func (t *Tx) exec(ctx context.Context, query string, args ...any) error {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

// scanOne reads the first row of a prepared query into dest (a model bun
// can scan into); false when there is none.
func (t *Tx) scanOne(ctx context.Context, dest any, query string, args ...any) (bool, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	if err := t.s.wdb.ScanRow(ctx, rows, dest); err != nil {
		return false, err
	}
	return true, nil
}

// scanAll reads every row of a prepared query into dest (a slice model).
func (t *Tx) scanAll(ctx context.Context, dest any, query string, args ...any) error {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return t.s.wdb.ScanRows(ctx, rows, dest)
}
