package storage

import (
	"context"
	"strings"
	"testing"
)

// TestNoChangeSyncReadsNoObjectRows fills a collection with 10,000 objects
// and checks that the sync-collection query for a current token is an
// index range scan that reads no object row.
func TestNoChangeSyncReadsNoObjectRows(t *testing.T) {
	forEachRawStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		acct, err := s.CreateAccount(ctx, "u", "pw-1234", nil, UserSettings{ContactsScope: ScopeAll, TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.UserCollection(ctx, acct.ID, CollContacts)
		if err != nil {
			t.Fatal(err)
		}
		gen := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) SELECT i FROM n`
		if s.dialect == Postgres {
			gen = `SELECT generate_series(1, 10000) AS i`
		}
		_, err = s.wdb.ExecContext(ctx, `INSERT INTO dav_objects (collection_id, href, uid, etag, comp, body, size, change_seq,
			source_entity, source_rid, deleted, read_only, modified_at)
			SELECT ?, 'c-' || i || '.vcf', 'u' || i, 'e', 'VCARD', NULL, 0, i, 'Contacts', i, FALSE, FALSE, CURRENT_TIMESTAMP FROM (`+gen+`) g`, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.wdb.ExecContext(ctx, "UPDATE change_counter SET value = 10000"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.wdb.ExecContext(ctx, "ANALYZE"); err != nil {
			t.Fatal(err)
		}
		token, err := s.SyncToken(ctx, c)
		if err != nil || token != 10000 {
			t.Fatalf("token %d %v", token, err)
		}
		plan, err := s.ExplainChanges(ctx, c, token)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("plan of a no-change sync on %d objects (%s):\n%s", 10000, s.dialect, plan)
		if !strings.Contains(plan, "dav_objects_changes") {
			t.Fatalf("the change scan does not use the (collection_id, change_seq) index:\n%s", plan)
		}
		if s.dialect == Postgres && !strings.Contains(plan, "rows=0") {
			t.Fatalf("PostgreSQL read object rows for a no-change sync:\n%s", plan)
		}
		cs, err := s.Changes(ctx, c, token, 0)
		if err != nil || len(cs.Changes) != 0 || cs.Token != token {
			t.Fatalf("no-change sync: %+v %v", cs, err)
		}
	})
}
