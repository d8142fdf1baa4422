package storage

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage/internal/pgtest"
)

// A database frozen at each earlier schema version, holding data, is
// upgraded to the current schema, on both databases: nothing it held is
// lost and this binary reads and writes it. The versions are whatever
// migrations are embedded, so a new migration is covered from the day it
// is added (upgraded to, and frozen at). The data is written as each
// version's schema wants it: a database frozen at version k holds what
// the seeds of every version up to k wrote, each when the schema was at
// its version (migrationSeeds).
func TestUpgradeFromEveryEarlierSchemaVersion(t *testing.T) {
	versions := embeddedVersions(t)
	if len(versions) < 2 {
		t.Fatalf("embedded migrations: %v", versions)
	}
	for _, dialect := range []Dialect{SQLite, Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			for i, frozen := range versions[:len(versions)-1] {
				t.Run("from_"+frozen, func(t *testing.T) {
					s := openRawStore(t, dialect)
					ctx := context.Background()
					var seeded seedResult
					for _, v := range versions[:i+1] {
						restore := withMigrationsThrough(t, v, versions)
						_, err := s.Migrate(ctx)
						restore()
						if err != nil {
							t.Fatalf("migrating to %s: %v", v, err)
						}
						if seed := migrationSeeds[v]; seed != nil {
							if err := seed(ctx, s.wdb, &seeded); err != nil {
								t.Fatalf("seed of %s: %v", v, err)
							}
						}
					}
					before := tableCounts(t, s)
					applied, err := s.Migrate(ctx)
					if err != nil {
						t.Fatalf("upgrading from %s: %v", frozen, err)
					}
					if want := versions[i+1:]; strings.Join(applied, ",") != strings.Join(want, ",") {
						t.Fatalf("upgrading from %s applied %v, want %v", frozen, applied, want)
					}
					if err := s.CheckSchema(ctx); err != nil {
						t.Fatal(err)
					}
					after := tableCounts(t, s)
					for table, n := range before {
						if m, ok := after[table]; ok && m < n {
							t.Errorf("table %s had %d rows at %s, %d after the upgrade", table, n, frozen, m)
						}
					}
					checkSeededData(t, s, seeded)
				})
			}
		})
	}
}

// embeddedVersions lists the migration numbers both dialects embed.
func embeddedVersions(t *testing.T) []string {
	t.Helper()
	per := map[Dialect][]string{}
	for _, d := range []Dialect{SQLite, Postgres} {
		entries, err := fs.ReadDir(migrationFiles, "migrations/"+string(d))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			per[d] = append(per[d], strings.SplitN(e.Name(), "_", 2)[0])
		}
		sort.Strings(per[d])
	}
	if strings.Join(per[SQLite], ",") != strings.Join(per[Postgres], ",") {
		t.Fatalf("the dialects embed different migrations: %v and %v", per[SQLite], per[Postgres])
	}
	return per[SQLite]
}

// withMigrationsThrough limits the embedded migrations to those up to and
// including version v; the returned func restores them all.
func withMigrationsThrough(t *testing.T, v string, versions []string) func() {
	for i, have := range versions {
		if have == v && i+1 < len(versions) {
			return withMigrationsBefore(t, versions[i+1])
		}
	}
	return func() {}
}

func openRawStore(t *testing.T, d Dialect) *Store {
	t.Helper()
	opts := Options{DataDir: t.TempDir(), PasswordCost: bcrypt.MinCost}
	if d == Postgres {
		opts = Options{DatabaseURL: pgtest.URL(t), PasswordCost: bcrypt.MinCost}
	}
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// tableCounts counts the rows of every table (bun's migration tables aside).
func tableCounts(t *testing.T, s *Store) map[string]int {
	t.Helper()
	ctx := context.Background()
	q := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	if s.dialect == SQLite {
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	}
	var tables []string
	if err := s.db.NewRaw(q).Scan(ctx, &tables); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, name := range tables {
		if strings.HasPrefix(name, "schema_migration") {
			continue
		}
		var n int
		if err := s.db.NewRaw("SELECT count(*) FROM "+name).Scan(ctx, &n); err != nil {
			t.Fatalf("counting %s: %v", name, err)
		}
		out[name] = n
	}
	return out
}

// seedResult is what the seeds wrote, for checkSeededData.
type seedResult struct {
	login, password string
	href, body      string
	changeSeq       int64
	outboxPayload   string
	entities        []mapping.Entity // whose sync state was seeded
}

const seedPassword = "seeded-password-1"

// migrationSeeds write data as the schema is right after the named
// migration. Add one when a migration brings a table or a column whose
// data an upgrade must carry; an upgrade from every version is tested
// without one.
var migrationSeeds = map[string]func(ctx context.Context, db *bun.DB, r *seedResult) error{
	"0001": func(ctx context.Context, db *bun.DB, r *seedResult) error {
		now := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
		hash, err := bcrypt.GenerateFromPassword([]byte(seedPassword), bcrypt.MinCost)
		if err != nil {
			return err
		}
		var company, contact, user, coll, outbox int64
		steps := []struct {
			dst  *int64
			sql  string
			args []any
		}{
			{&company, `INSERT INTO psa_companies (psa_id, fetched_at, company_name, company_type, phone, raw)
				VALUES (?, ?, ?, ?, ?, ?) RETURNING rid`, []any{7001, now, "Seed Co", 1, "555-0100", `{"id":7001}`}},
			{&contact, `INSERT INTO psa_contacts (psa_id, fetched_at, company_id, first_name, last_name, email_address, raw)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING rid`, []any{7002, now, 7001, "Sam", "Seed", "sam@example.com", `{"id":7002}`}},
			{&user, `INSERT INTO accounts (login, password_hash, enabled, created_at) VALUES (?, ?, TRUE, ?) RETURNING id`,
				[]any{"seeduser", string(hash), now}},
		}
		for _, st := range steps {
			if err := db.NewRaw(st.sql, st.args...).Scan(ctx, st.dst); err != nil {
				return fmt.Errorf("%s: %w", st.sql, err)
			}
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO user_settings (user_id, contacts_scope, all_contacts, calendar, tasks, time_zone)
			VALUES (?, 'all', TRUE, TRUE, TRUE, 'Europe/Berlin')`, user); err != nil {
			return err
		}
		if err := db.NewRaw(`INSERT INTO dav_collections (user_id, name) VALUES (?, 'contacts') RETURNING id`, user).Scan(ctx, &coll); err != nil {
			return err
		}
		body := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:seed-7002\r\nFN:Sam Seed\r\nN:Seed;Sam;;;\r\nEND:VCARD\r\n"
		r.login, r.password, r.href, r.body, r.changeSeq = "seeduser", seedPassword, "contact-7002.vcf", body, 5
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO dav_objects (collection_id, href, uid, etag, comp, body, size, change_seq, source_entity, source_rid, modified_at)
				VALUES (?, ?, 'seed-7002', ?, 'VCARD', ?, ?, 5, 'Contacts', ?, ?)`,
				[]any{coll, r.href, ETagOf([]byte(body)), []byte(body), len(body), contact, now}},
			{`INSERT INTO kept_props (collection_id, source_entity, source_rid, data, updated_at) VALUES (?, 'Contacts', ?, ?, ?)`,
				[]any{coll, contact, "BDAY:19800101\r\n", now}},
			{`INSERT INTO dav_props (user_id, resource, ns, name, value) VALUES (?, 'contacts', 'http://apple.com/ns/ical/', 'calendar-color', '#ff0000')`,
				[]any{user}},
			{`INSERT INTO org_settings (key, value) VALUES ('write-back-mode', 'strict')`, nil},
			{`UPDATE change_counter SET value = 5 WHERE id = 1`, nil},
		} {
			if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
				return fmt.Errorf("%s: %w", q.sql, err)
			}
		}
		r.outboxPayload = `{"title":"Seeded"}`
		return db.NewRaw(`INSERT INTO outbox (entity, rid, op, field_mask, payload, user_id, state, next_attempt_at, created_at, updated_at)
			VALUES ('Contacts', ?, 2, 'title', ?, ?, 1, ?, ?, ?) RETURNING id`, contact, r.outboxPayload, user, now, now, now).Scan(ctx, &outbox)
	},
	"0004": func(ctx context.Context, db *bun.DB, r *seedResult) error {
		now := time.Date(2026, 5, 5, 3, 2, 1, 0, time.UTC)
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO psa_sync_state (entity, watermark, pulled, last_ok_at, updated_at) VALUES ('Contacts', ?, 1, ?, ?)`, []any{now, now, now}},
			{`INSERT INTO psa_connector_status (key, value, updated_at) VALUES ('webhook-secret', 'seeded-secret', ?)`, []any{now}},
			{`INSERT INTO psa_webhook_events (webhook_guid, sequence_number, entity, psa_id, action, received_at, processed_at)
				VALUES ('guid-1', 1, 'Contacts', 7002, 'Update', ?, ?)`, []any{now, now}},
			{`INSERT INTO outbox_events (outbox_id, at, kind, message) SELECT id, ?, 'failed', 'seeded refusal' FROM outbox`, []any{now}},
		} {
			if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
				return fmt.Errorf("%s: %w", q.sql, err)
			}
		}
		r.entities = append(r.entities, mapping.EntityContacts)
		return nil
	},
}

// checkSeededData reads what the seeds wrote through the store, as the
// server and the admin commands do, and writes after it.
func checkSeededData(t *testing.T, s *Store, r seedResult) {
	t.Helper()
	ctx := context.Background()
	acct, err := s.Authenticate(ctx, r.login, r.password)
	if err != nil {
		t.Fatalf("the seeded user cannot log in: %v", err)
	}
	if acct.Settings.ContactsScope != ScopeAll || !acct.Settings.AllContacts || acct.Settings.TimeZone != "Europe/Berlin" {
		t.Errorf("settings after the upgrade: %+v", acct.Settings)
	}
	coll, err := s.UserCollection(ctx, acct.ID, CollContacts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.GetObject(ctx, coll.ID, r.href)
	if err != nil || string(obj.Body) != r.body {
		t.Fatalf("the seeded card: %v %q", err, obj.Body)
	}
	if tok, err := s.SyncToken(ctx, coll); err != nil || tok < r.changeSeq {
		t.Errorf("sync token %d (%v), the card has change %d", tok, err, r.changeSeq)
	}
	if props, err := s.Props(ctx, acct.ID, "contacts"); err != nil || len(props) != 1 || props[0].Value != "#ff0000" {
		t.Errorf("dead properties: %+v %v", props, err)
	}
	if v, err := s.SettingValues(ctx); err != nil || v["write-back-mode"] != "strict" {
		t.Errorf("write-back-mode after the upgrade: %q %v", v["write-back-mode"], err)
	}
	entries, err := s.Outbox(ctx, OutboxFilter{Limit: 10})
	if err != nil || len(entries) != 1 || string(entries[0].Payload) != r.outboxPayload || entries[0].UserLogin != r.login {
		t.Errorf("outbox after the upgrade: %+v %v", entries, err)
	}
	for _, e := range r.entities {
		if st, err := s.SyncState(ctx, e); err != nil || st.Pulled != 1 || st.Watermark == nil {
			t.Errorf("%s sync state after the upgrade: %+v %v", e, st, err)
		}
	}
	// The upgraded database takes writes: a new user, a setting.
	if _, err := s.CreateAccount(ctx, "afterupgrade", "after-upgrade-1", nil, DefaultUserSettings()); err != nil {
		t.Fatalf("a new account after the upgrade: %v", err)
	}
	if err := s.SetSetting(ctx, "window-past-days", "30"); err != nil {
		t.Fatalf("a setting after the upgrade: %v", err)
	}
}
