package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// Collection is one of a user's DAV collections.
type Collection struct {
	ID     int64
	UserID int64
	Name   string
	// MinToken: sync tokens below it are no longer answerable (tombstones
	// purged, or the collection was emptied).
	MinToken int64
	// ReadOnly: the user may read but not write the collection's members.
	ReadOnly bool
}

// ObjectInfo is an object as a listing shows it (no body).
type ObjectInfo struct {
	Href       string
	UID        string
	ETag       string
	Comp       string
	Size       int64
	ChangeSeq  int64
	Deleted    bool
	ReadOnly   bool
	ModifiedAt time.Time
}

// Object is a stored object with its body.
type Object struct {
	ObjectInfo
	Body []byte
}

// UserCollections returns the collections the user's settings give, in
// CollectionNames order.
func (s *Store) UserCollections(ctx context.Context, userID int64) ([]Collection, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []struct {
		collectionRow
		ContactsScope string  `bun:"contacts_scope"`
		AllContacts   bool    `bun:"all_contacts"`
		Calendar      bool    `bun:"calendar"`
		Tasks         bool    `bun:"tasks"`
		ReadOnly      *string `bun:"read_only_books"`
	}
	err := s.db.NewRaw(`SELECT c.id, c.user_id, c.name, c.min_token, s.contacts_scope, s.all_contacts, s.calendar, s.tasks,
		(SELECT value FROM org_settings WHERE key = 'read-only-books') AS read_only_books
		FROM dav_collections c JOIN user_settings s ON s.user_id = c.user_id WHERE c.user_id = ?`, userID).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("storage: reading collections: %w", err)
	}
	byName := map[string]Collection{}
	for _, r := range rows {
		st := UserSettings{ContactsScope: r.ContactsScope, AllContacts: r.AllContacts, Calendar: r.Calendar, Tasks: r.Tasks}
		if st.Has(r.Name) {
			byName[r.Name] = Collection{ID: r.ID, UserID: r.UserID, Name: r.Name, MinToken: r.MinToken,
				ReadOnly: r.ReadOnly != nil && slices.Contains(readOnlyBooks(*r.ReadOnly), r.Name)}
		}
	}
	var out []Collection
	for _, name := range CollectionNames {
		if c, ok := byName[name]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// UserCollection returns one collection the user has, ErrNotFound otherwise.
func (s *Store) UserCollection(ctx context.Context, userID int64, name string) (Collection, error) {
	colls, err := s.UserCollections(ctx, userID)
	if err != nil {
		return Collection{}, err
	}
	for _, c := range colls {
		if c.Name == name {
			return c, nil
		}
	}
	return Collection{}, ErrNotFound
}

// readOnlyBooks reads the stored read-only-books setting (validated when
// it was set).
func readOnlyBooks(v string) []string {
	books, _ := parseReadOnlyBooks(v)
	return books
}

// SyncToken is the collection's current state: the newest change sequence
// of any of its objects (tombstones included). It serves as CalendarServer
// getctag and as the DAV:sync-token.
func (s *Store) SyncToken(ctx context.Context, c Collection) (int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var seq int64
	err := s.db.NewSelect().Table("dav_objects").ColumnExpr("COALESCE(MAX(change_seq), 0)").
		Where("collection_id = ?", c.ID).Scan(ctx, &seq)
	if err != nil {
		return 0, fmt.Errorf("storage: reading collection state: %w", err)
	}
	return max(seq, c.MinToken), nil
}

var infoColumns = []string{"href", "uid", "etag", "comp", "size", "change_seq", "deleted", "read_only", "modified_at"}

func (o *objectRow) info() ObjectInfo {
	return ObjectInfo{Href: o.Href, UID: o.UID, ETag: o.ETag, Comp: o.Comp, Size: o.Size, ChangeSeq: o.ChangeSeq,
		Deleted: o.Deleted, ReadOnly: o.ReadOnly, ModifiedAt: o.ModifiedAt}
}

// ListObjects calls fn for every live object of a collection, in href
// order, reading only the index columns (never a body) and streaming rows
// so memory stays flat however big the collection is.
func (s *Store) ListObjects(ctx context.Context, collectionID int64, fn func(ObjectInfo) error) error {
	rows, err := s.db.NewSelect().Model((*objectRow)(nil)).Column(infoColumns...).
		Where("collection_id = ? AND NOT deleted", collectionID).Order("href").Rows(ctx)
	if err != nil {
		return fmt.Errorf("storage: listing objects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o objectRow
		if err := rows.Scan(&o.Href, &o.UID, &o.ETag, &o.Comp, &o.Size, &o.ChangeSeq, &o.Deleted, &o.ReadOnly, &o.ModifiedAt); err != nil {
			return fmt.Errorf("storage: listing objects: %w", err)
		}
		if err := fn(o.info()); err != nil {
			return err
		}
	}
	return rows.Err()
}

// GetObject reads one live object with its body.
func (s *Store) GetObject(ctx context.Context, collectionID int64, href string) (Object, error) {
	objs, err := s.GetObjects(ctx, collectionID, []string{href})
	if err != nil {
		return Object{}, err
	}
	if len(objs) == 0 {
		return Object{}, ErrNotFound
	}
	return objs[0], nil
}

// GetObjects reads the live objects among hrefs (missing ones are left
// out), in one query per batch of 500.
func (s *Store) GetObjects(ctx context.Context, collectionID int64, hrefs []string) ([]Object, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out []Object
	for start := 0; start < len(hrefs); start += 500 {
		batch := hrefs[start:min(start+500, len(hrefs))]
		var rows []objectRow
		q := s.db.NewSelect().Model(&rows).Column(append(infoColumns, "body")...).
			Where("collection_id = ? AND NOT deleted", collectionID)
		if len(batch) == 1 {
			q = q.Where("href = ?", batch[0])
		} else {
			q = q.Where("href IN (?)", bun.In(batch))
		}
		if err := q.Scan(ctx); err != nil {
			return nil, fmt.Errorf("storage: reading objects: %w", err)
		}
		for i := range rows {
			out = append(out, Object{ObjectInfo: rows[i].info(), Body: rows[i].Body})
		}
	}
	return out, nil
}

// ObjectsInRange reads the live objects of a collection whose time bounds
// overlap [start, end) (Unix seconds; 0 = open), plus those without bounds
// when withUnbounded. Callers filter precisely; this is the index prefilter.
func (s *Store) ObjectsInRange(ctx context.Context, collectionID int64, start, end int64, withUnbounded bool) ([]Object, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []objectRow
	q := s.db.NewSelect().Model(&rows).Column(append(infoColumns, "body")...).
		Where("collection_id = ? AND NOT deleted", collectionID).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery {
				if end > 0 {
					q = q.Where("time_start < ?", end)
				} else {
					q = q.Where("time_start IS NOT NULL")
				}
				if start > 0 {
					q = q.Where("(time_end IS NULL OR time_end > ?)", start)
				}
				return q
			})
			if withUnbounded {
				q = q.WhereOr("time_start IS NULL")
			}
			return q
		}).Order("href")
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("storage: reading objects in range: %w", err)
	}
	out := make([]Object, len(rows))
	for i := range rows {
		out[i] = Object{ObjectInfo: rows[i].info(), Body: rows[i].Body}
	}
	return out, nil
}

// ChangeSet is what changed in a collection since a sync token.
type ChangeSet struct {
	Changes   []ObjectInfo // live (changed or new) and deleted objects, in change order
	Token     int64        // the token to continue from
	Truncated bool         // more changes follow: sync again from Token
}

// Changes lists the objects of a collection changed since token (0: from
// the beginning, an initial sync), at most
// limit (0: no limit), with one indexed range scan over (collection_id,
// change_seq): the cost grows with the number of changes, not with the
// size of the collection. An unknown or too old token is ErrSyncTokenGone.
func (s *Store) Changes(ctx context.Context, c Collection, since int64, limit int) (ChangeSet, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	// The counter and the collection's floor are read fresh: a caller's
	// Collection may predate a reset.
	var counter int64
	var minToken sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT value, (SELECT min_token FROM dav_collections WHERE id = ?)
		FROM change_counter WHERE id = 1`, c.ID).Scan(&counter, &minToken)
	if err != nil {
		return ChangeSet{}, fmt.Errorf("storage: reading the change counter: %w", err)
	}
	c.MinToken = minToken.Int64
	// Token 0 is the initial sync: every member, whatever was purged.
	if !minToken.Valid || (since != 0 && since < c.MinToken) || since > counter {
		return ChangeSet{}, ErrSyncTokenGone
	}
	var rows []objectRow
	q := s.db.NewSelect().Model(&rows).Column(infoColumns...).
		Where("collection_id = ? AND change_seq > ? AND change_seq <= ?", c.ID, since, counter).
		Order("change_seq")
	if limit > 0 {
		q = q.Limit(int64(limit + 1))
	}
	if err := q.Scan(ctx); err != nil {
		return ChangeSet{}, fmt.Errorf("storage: reading changes: %w", err)
	}
	cs := ChangeSet{Token: since}
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
		cs.Truncated = true
	}
	for i := range rows {
		cs.Changes = append(cs.Changes, rows[i].info())
		cs.Token = rows[i].ChangeSeq
	}
	if !cs.Truncated {
		// Nothing newer up to the counter: the collection's state is the token.
		cs.Token = max(cs.Token, c.MinToken)
	}
	return cs, nil
}

// PurgeTombstones deletes tombstones older than the cutoff. Each collection
// remembers the newest sequence it purged as its MinToken, so only tokens
// that could miss a purged deletion become invalid; the global low-water
// mark records the newest purged sequence anywhere.
func (s *Store) PurgeTombstones(ctx context.Context, olderThan time.Time) (int, error) {
	purged := 0
	err := s.Write(ctx, func(ctx context.Context, t *Tx) error {
		var marks []struct {
			CollectionID int64 `bun:"collection_id"`
			MaxSeq       int64 `bun:"max_seq"`
		}
		err := t.tx.NewSelect().Table("dav_objects").ColumnExpr("collection_id, MAX(change_seq) AS max_seq").
			Where("deleted AND modified_at < ?", olderThan.UTC()).Group("collection_id").Scan(ctx, &marks)
		if err != nil {
			return err
		}
		var low int64
		for _, m := range marks {
			res, err := t.tx.NewDelete().Table("dav_objects").
				Where("collection_id = ? AND deleted AND change_seq <= ?", m.CollectionID, m.MaxSeq).Exec(ctx)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			purged += int(n)
			if _, err := t.tx.NewUpdate().Table("dav_collections").Set("min_token = ?", m.MaxSeq).
				Where("id = ? AND min_token < ?", m.CollectionID, m.MaxSeq).Exec(ctx); err != nil {
				return err
			}
			low = max(low, m.MaxSeq)
		}
		if low > 0 {
			_, err = t.tx.NewUpdate().Table("change_counter").Set("low_water = ?", low).
				Where("id = 1 AND low_water < ?", low).Exec(ctx)
		}
		return err
	})
	return purged, err
}
