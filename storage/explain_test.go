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
		plan, err := s.ExplainSync(ctx, acct.ID, CollContacts, token)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("plan of a no-change sync on %d objects (%s):\n%s", 10000, s.dialect, plan)
		probes := 0
		for _, line := range strings.Split(plan, "\n") {
			if !strings.Contains(line, "dav_objects_changes") {
				continue
			}
			probes++
			if s.dialect == Postgres && !strings.Contains(line, "rows=0") {
				t.Fatalf("PostgreSQL read object rows for a no-change sync:\n%s", plan)
			}
		}
		if probes == 0 || strings.Contains(plan, "SCAN dav_objects") || strings.Contains(plan, "Seq Scan on dav_objects") {
			t.Fatalf("a no-change sync does not probe the (collection_id, change_seq) index only:\n%s", plan)
		}
		_, scan, err := s.UserSyncScan(ctx, acct.ID, CollContacts, token)
		if err != nil || !scan.unchanged {
			t.Fatalf("no-change sync: a scan to run (%+v), %v", scan, err)
		}
		if n, got := countChanges(t, scan); n != 0 || got != token {
			t.Fatalf("no-change sync: %d members, token %d; want none, %d", n, got, token)
		}
		// One change: the same query sees it, and the scan returns it.
		if _, err := s.wdb.ExecContext(ctx, "UPDATE dav_objects SET change_seq = 10001 WHERE href = 'c-7.vcf'"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.wdb.ExecContext(ctx, "UPDATE change_counter SET value = 10001"); err != nil {
			t.Fatal(err)
		}
		if _, scan, err = s.UserSyncScan(ctx, acct.ID, CollContacts, token); err != nil || scan.unchanged {
			t.Fatalf("after a change: unchanged %v, %v", scan != nil && scan.unchanged, err)
		}
		if n, got := countChanges(t, scan); n != 1 || got != 10001 {
			t.Fatalf("after a change: %d members, token %d; want 1, 10001", n, got)
		}
	})
}

func countChanges(t *testing.T, scan *ChangeScan) (int, int64) {
	t.Helper()
	n := 0
	token, _, err := scan.Each(context.Background(), 0, func(ObjectInfo) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return n, token
}
