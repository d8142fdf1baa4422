package storagetest

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psadav/psadav/storage"
)

// opened remembers how each store a test opened was opened, so BulkObjects
// can reach its database directly.
var opened sync.Map // *storage.Store → storage.Options

// rawDB opens the database of a store storagetest opened, for helpers
// that write rows directly; mark(i) is the dialect's i-th placeholder.
func rawDB(t testing.TB, s *storage.Store) (db *sql.DB, mark func(i int) string) {
	t.Helper()
	v, ok := opened.Load(s)
	if !ok {
		t.Fatal("storagetest: the store was not opened by storagetest")
	}
	o := v.(storage.Options)
	driver, dsn, mark := "pgx", o.DatabaseURL, func(i int) string { return "$" + strconv.Itoa(i) }
	if dsn == "" {
		driver, dsn = "sqlite", "file:"+filepath.Join(o.DataDir, storage.SQLiteFile)+"?_pragma=busy_timeout(10000)&_time_format=sqlite"
		mark = func(int) string { return "?" }
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db, mark
}

// BulkObject is one object BulkObjects stores.
type BulkObject struct {
	Href, UID, Comp string
	Body            []byte
}

// BulkObjects puts n objects into a collection straight into the table
// the DAV layer serves from (dav_objects), in a few statements, without
// the mirror rows a projection renders objects from: the way to a
// 100,000-member collection in seconds for tests of the read paths
// (multiget, listings, sync), which read that table alone. Object i is
// object(i); each takes a change sequence as a write would. The objects
// belong to no mirror row (source "BulkTest"), so no later write of the
// test's re-renders or removes them.
func BulkObjects(t testing.TB, s *storage.Store, collectionID int64, n int, object func(i int) BulkObject) {
	t.Helper()
	db, mark := rawDB(t, s)
	defer db.Close()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var seq int64
	if err := tx.QueryRowContext(ctx, "SELECT value FROM change_counter WHERE id = 1").Scan(&seq); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	const cols = "collection_id, href, uid, etag, comp, body, size, change_seq, source_entity, source_rid, modified_at"
	const perRow = 11
	const batch = 500 // under SQLite's and PostgreSQL's parameter limits
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		var q strings.Builder
		q.WriteString("INSERT INTO dav_objects (" + cols + ") VALUES ")
		args := make([]any, 0, (end-start)*perRow)
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for c := range perRow {
				if c > 0 {
					q.WriteString(", ")
				}
				q.WriteString(mark(len(args) + c + 1))
			}
			q.WriteByte(')')
			obj := object(i)
			seq++
			args = append(args, collectionID, obj.Href, obj.UID, storage.ETagOf(obj.Body), obj.Comp, obj.Body,
				len(obj.Body), seq, "BulkTest", i+1, now)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			t.Fatalf("storagetest.BulkObjects: %v", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE change_counter SET value = "+mark(1)+" WHERE id = 1", seq); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
