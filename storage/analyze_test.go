package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// A bulk write on PostgreSQL leaves fresh planner statistics behind (a
// small write does not analyze).
func TestBulkWriteAnalyzesOnPostgres(t *testing.T) {
	url := storagetest.PostgresURL(t)
	s, err := storage.Open(context.Background(), storage.Options{DatabaseURL: url})
	must(t, err)
	defer s.Close()
	_, err = s.Migrate(context.Background())
	must(t, err)
	db, err := sql.Open("pgx", url)
	must(t, err)
	defer db.Close()
	analyzed := func() bool {
		var n int
		db.QueryRow(`SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'dav_objects'
			AND schemaname = current_schema() AND last_analyze IS NOT NULL`).Scan(&n)
		return n == 1
	}
	ctx := context.Background()
	st := storage.DefaultUserSettings()
	st.ContactsScope = storage.ScopeAll
	_, err = s.CreateAccount(ctx, "bulk", "bulk-password", nil, st)
	must(t, err)
	write := func(from, n int) {
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if _, err := tx.UpsertPSA(ctx, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", IsActive: true}, nil); err != nil {
				return err
			}
			for i := from; i < from+n; i++ {
				c := &mapping.Contact{ID: int64(i), CompanyID: 1, IsActive: 1, FirstName: "F", LastName: fmt.Sprint("L", i)}
				if _, err := tx.UpsertPSA(ctx, mapping.EntityContacts, c, nil); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	write(1, 10)
	if analyzed() {
		t.Fatal("a write of 10 contacts ran ANALYZE")
	}
	write(100, 2100)
	for deadline := time.Now().Add(5 * time.Second); !analyzed(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("dav_objects has no statistics after a bulk write of 2,100 contacts")
		}
	}
}
