package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
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
	// Strict: write-back-mode strict, read with the collection (see
	// write_access.go for what it changes).
	Strict bool
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
	// TimeStart and TimeEnd (Unix seconds) bound a calendar object's
	// occurrences when known; set by ObjectsInRange only.
	TimeStart, TimeEnd *int64

	// ClientOwned: the user created the item on a client, so a DELETE
	// deletes it in the PSA (write_access.go).
	ClientOwned bool
}

// Object is a stored object with its body.
type Object struct {
	ObjectInfo
	Body []byte
}

// userCollectionSQL starts every read of a user's collection: the
// collection with the settings that decide whether the user has it and
// whether it is read-only. Queries add columns after these and conditions
// after the FROM part.
const (
	userCollectionCols = `c.id, c.min_token, s.contacts_scope, s.all_contacts, s.calendar, s.tasks,
		(SELECT value FROM org_settings WHERE key = 'read-only-books'),
		(SELECT value FROM org_settings WHERE key = 'write-back-mode')`
	userCollectionFrom = `FROM dav_collections c JOIN user_settings s ON s.user_id = c.user_id`
)

// userCollectionRow receives userCollectionCols.
type userCollectionRow struct {
	c        Collection
	st       UserSettings
	readOnly sql.NullString
	mode     sql.NullString
}

// dest lists the scan targets of userCollectionCols, then extra.
func (r *userCollectionRow) dest(extra ...any) []any {
	return append([]any{&r.c.ID, &r.c.MinToken, &r.st.ContactsScope, &r.st.AllContacts, &r.st.Calendar, &r.st.Tasks, &r.readOnly, &r.mode}, extra...)
}

// collection is the scanned collection of user userID named name, and
// whether the user's settings give it.
func (r *userCollectionRow) collection(userID int64, name string) (Collection, bool) {
	c := r.c
	c.UserID, c.Name = userID, name
	c.ReadOnly = r.readOnly.Valid && slices.Contains(readOnlyBooks(r.readOnly.String), name)
	c.Strict = r.mode.String == "strict"
	return c, r.st.Has(name)
}

// UserCollections returns the collections the user's settings give, in
// CollectionNames order.
func (s *Store) UserCollections(ctx context.Context, userID int64) ([]Collection, error) {
	if s.objects == nil {
		return s.readUserCollections(ctx, userID)
	}
	colls, gen, ok := s.objects.userCollections(userID)
	if ok {
		return slices.Clone(colls), nil
	}
	colls, err := s.readUserCollections(ctx, userID)
	if err == nil {
		s.objects.putUserCollections(userID, slices.Clone(colls), gen)
	}
	return colls, err
}

// readUserCollections is UserCollections' query.
func (s *Store) readUserCollections(ctx context.Context, userID int64) ([]Collection, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.queryPrepared(ctx, `SELECT c.name, `+userCollectionCols+` `+userCollectionFrom+` WHERE c.user_id = ?`, userID)
	if err != nil {
		return nil, fmt.Errorf("storage: reading collections: %w", err)
	}
	defer rows.Close()
	byName := map[string]Collection{}
	for rows.Next() {
		var name string
		var r userCollectionRow
		if err := rows.Scan(append([]any{&name}, r.dest()...)...); err != nil {
			return nil, fmt.Errorf("storage: reading collections: %w", err)
		}
		if c, ok := r.collection(userID, name); ok {
			byName[name] = c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: reading collections: %w", err)
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
	row, err := s.queryRowPrepared(ctx, "SELECT COALESCE(MAX(change_seq), 0) FROM dav_objects WHERE collection_id = ?", c.ID)
	var seq int64
	if err == nil {
		err = row.Scan(&seq)
	}
	if err != nil {
		return 0, fmt.Errorf("storage: reading collection state: %w", err)
	}
	return max(seq, c.MinToken), nil
}

// CountObjects is the number of live objects in a collection (what a
// multiget may ask for at most, give or take: dav's request limits scale
// with it).
func (s *Store) CountObjects(ctx context.Context, collectionID int64) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row, err := s.queryRowPrepared(ctx, "SELECT COUNT(*) FROM dav_objects WHERE collection_id = ? AND NOT deleted", collectionID)
	var n int
	if err == nil {
		err = row.Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("storage: counting objects: %w", err)
	}
	return n, nil
}

var infoColumns = []string{"href", "uid", "etag", "comp", "size", "change_seq", "deleted", "read_only", "client_owned", "modified_at"}

func (o *objectRow) info() ObjectInfo {
	return ObjectInfo{Href: o.Href, UID: o.UID, ETag: o.ETag, Comp: o.Comp, Size: o.Size, ChangeSeq: o.ChangeSeq,
		Deleted: o.Deleted, ReadOnly: o.ReadOnly, ClientOwned: o.ClientOwned, ModifiedAt: o.ModifiedAt, TimeStart: o.TimeStart, TimeEnd: o.TimeEnd}
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
		if err := rows.Scan(&o.Href, &o.UID, &o.ETag, &o.Comp, &o.Size, &o.ChangeSeq, &o.Deleted, &o.ReadOnly, &o.ClientOwned, &o.ModifiedAt); err != nil {
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
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row, err := s.queryRowPrepared(ctx, `SELECT href, uid, etag, comp, size, change_seq, deleted, read_only, client_owned, modified_at, body
		FROM dav_objects WHERE collection_id = ? AND href = ? AND NOT deleted`, collectionID, href)
	if err != nil {
		return Object{}, fmt.Errorf("storage: reading object: %w", err)
	}
	var o Object
	err = row.Scan(&o.Href, &o.UID, &o.ETag, &o.Comp, &o.Size, &o.ChangeSeq, &o.Deleted, &o.ReadOnly, &o.ClientOwned, &o.ModifiedAt, &o.Body)
	if isNoRows(err) {
		return Object{}, ErrNotFound
	}
	if err != nil {
		return Object{}, fmt.Errorf("storage: reading object: %w", err)
	}
	return o, nil
}

// GetObjects reads the live objects among hrefs (missing ones are left
// out), in one query per batch of 500.
func (s *Store) GetObjects(ctx context.Context, collectionID int64, hrefs []string) ([]Object, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out []Object
	for start := 0; start < len(hrefs); start += maxHrefBatch {
		query, args := s.hrefsQuery(collectionID, hrefs[start:min(start+maxHrefBatch, len(hrefs))])
		rs, err := s.queryPrepared(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("storage: reading objects: %w", err)
		}
		if out, err = scanObjects(rs, out); err != nil {
			return nil, fmt.Errorf("storage: reading objects: %w", err)
		}
	}
	return out, nil
}

// hrefsQuery selects the live objects of a collection among hrefs with a
// statement that stays prepared whatever the batch size. PostgreSQL takes
// the hrefs as one array (an IN list padded to a fixed size cost its
// backend several times the CPU: docs/performance.md); SQLite has no
// arrays, so its IN list is padded (repeating the last href) to one of a
// few sizes.
func (s *Store) hrefsQuery(collectionID int64, hrefs []string) (string, []any) {
	const base = objectColumns + " FROM dav_objects WHERE collection_id = ? AND NOT deleted AND href "
	if s.dialect == Postgres {
		return base + "= ANY(?)", []any{collectionID, hrefs}
	}
	n := hrefBucket(len(hrefs))
	args := make([]any, 0, n+1)
	args = append(args, collectionID)
	for i := range n {
		args = append(args, hrefs[min(i, len(hrefs)-1)])
	}
	return base + "IN (?" + strings.Repeat(", ?", n-1) + ")", args
}

// maxHrefBatch is the most hrefs one query asks for.
const maxHrefBatch = 500

// hrefBucket is the IN-list size a batch of n hrefs is padded to.
func hrefBucket(n int) int {
	for _, b := range []int{1, 4, 16, 64, 128, 256} {
		if n <= b {
			return b
		}
	}
	return maxHrefBatch
}

// objectColumns are what scanObjects reads.
const objectColumns = `SELECT href, uid, etag, comp, size, change_seq, deleted, read_only, client_owned, modified_at, body, time_start, time_end`

// scanObjects appends the rows of an objectColumns query to out and
// closes rs.
func scanObjects(rs *sql.Rows, out []Object) ([]Object, error) {
	defer rs.Close()
	for rs.Next() {
		var o objectRow
		if err := rs.Scan(&o.Href, &o.UID, &o.ETag, &o.Comp, &o.Size, &o.ChangeSeq, &o.Deleted, &o.ReadOnly, &o.ClientOwned, &o.ModifiedAt,
			&o.Body, &o.TimeStart, &o.TimeEnd); err != nil {
			return out, err
		}
		out = append(out, Object{ObjectInfo: o.info(), Body: o.Body})
	}
	return out, rs.Err()
}

// ObjectsInRange reads the live objects of a collection whose time bounds
// overlap [start, end) (Unix seconds; 0 = open), plus those without bounds
// when withUnbounded. Callers filter precisely; this is the index prefilter.
//
// The bounded and the unbounded objects are two range scans of
// dav_objects_time, which covers both bounds, so only matching rows are
// read; with an ORDER BY href SQLite would rather walk the whole
// collection in href order, so the (small) result is sorted here.
func (s *Store) ObjectsInRange(ctx context.Context, collectionID int64, start, end int64, withUnbounded bool) ([]Object, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	const cols = objectColumns + " FROM dav_objects WHERE collection_id = ? AND NOT deleted"
	query := cols + " AND time_start IS NOT NULL"
	args := []any{collectionID}
	if end > 0 {
		query = cols + " AND time_start < ?"
		args = append(args, end)
	}
	if start > 0 {
		query += " AND (time_end IS NULL OR time_end > ?)"
		args = append(args, start)
	}
	if withUnbounded {
		query += " UNION ALL " + cols + " AND time_start IS NULL"
		args = append(args, collectionID)
	}
	rs, err := s.queryPrepared(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: reading objects in range: %w", err)
	}
	out, err := scanObjects(rs, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: reading objects in range: %w", err)
	}
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Href, b.Href) })
	return out, nil
}

// ChangeSet is what changed in a collection since a sync token.
type ChangeSet struct {
	Changes   []ObjectInfo // live (changed or new) and deleted objects, in change order
	Token     int64        // the token to continue from
	Truncated bool         // more changes follow: sync again from Token
}

// Changes lists the objects of a collection changed since token (0: from
// the beginning, an initial sync), at most limit (0: no limit). See
// EachChange.
func (s *Store) Changes(ctx context.Context, c Collection, since int64, limit int) (ChangeSet, error) {
	scan, err := s.SyncScan(ctx, c, since)
	if err != nil {
		return ChangeSet{}, err
	}
	var cs ChangeSet
	cs.Token, cs.Truncated, err = scan.Each(ctx, limit, func(o ObjectInfo) error {
		cs.Changes = append(cs.Changes, o)
		return nil
	})
	return cs, err
}

// ChangeScan is a validated sync request, ready to be streamed: a token
// is checked before a client is answered, and changes are read after.
type ChangeScan struct {
	s     *Store
	c     Collection
	since int64
	upTo  int64 // the counter when the scan was validated
	// unchanged: UserSyncScan already saw that no member changed in
	// (since, upTo], so there is nothing to scan.
	unchanged bool
}

// SyncScan validates a sync token for a collection: an unknown or too old
// token is ErrSyncTokenGone; 0 is the initial sync (every member, whatever
// was purged).
func (s *Store) SyncScan(ctx context.Context, c Collection, since int64) (*ChangeScan, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	// The counter and the collection's floor are read fresh: a caller's
	// Collection may predate a reset.
	var counter int64
	var minToken sql.NullInt64
	row, err := s.queryRowPrepared(ctx, `SELECT value, (SELECT min_token FROM dav_collections WHERE id = ?)
		FROM change_counter WHERE id = 1`, c.ID)
	if err == nil {
		err = row.Scan(&counter, &minToken)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: reading the change counter: %w", err)
	}
	c.MinToken = minToken.Int64
	if !minToken.Valid || (since != 0 && since < c.MinToken) || since > counter {
		return nil, ErrSyncTokenGone
	}
	return &ChangeScan{s: s, c: c, since: since, upTo: counter}, nil
}

// userSyncScanQuery reads a user's collection by name (args: since, user
// id, name) with the change counter and whether any member changed after
// the token: one index probe of (collection_id, change_seq), so a
// no-change sync, the most frequent request of all, is this one query.
const userSyncScanQuery = `SELECT ` + userCollectionCols + `, (SELECT value FROM change_counter WHERE id = 1),
		EXISTS (SELECT 1 FROM dav_objects o WHERE o.collection_id = c.id AND o.change_seq > ?
			AND o.change_seq <= (SELECT value FROM change_counter WHERE id = 1))
		` + userCollectionFrom + ` WHERE c.user_id = ? AND c.name = ?`

// UserSyncScan is UserCollection and SyncScan in one query: a
// sync-collection request costs one round trip to the database when
// nothing changed, two otherwise (this and the scan), not three.
func (s *Store) UserSyncScan(ctx context.Context, userID int64, name string, since int64) (Collection, *ChangeScan, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row, err := s.queryRowPrepared(ctx, userSyncScanQuery, since, userID, name)
	var r userCollectionRow
	var counter int64
	var changed bool
	if err == nil {
		err = row.Scan(r.dest(&counter, &changed)...)
	}
	c, has := r.collection(userID, name)
	if isNoRows(err) || (err == nil && !has) {
		return Collection{}, nil, ErrNotFound
	}
	if err != nil {
		return Collection{}, nil, fmt.Errorf("storage: reading collection: %w", err)
	}
	if (since != 0 && since < c.MinToken) || since > counter {
		return c, nil, ErrSyncTokenGone
	}
	return c, &ChangeScan{s: s, c: c, since: since, upTo: counter, unchanged: !changed}, nil
}

// changeScanQuery streams a collection's changes in (since, upTo].
const changeScanQuery = `SELECT href, uid, etag, comp, size, change_seq, deleted, read_only, client_owned, modified_at FROM dav_objects
		WHERE collection_id = ? AND change_seq > ? AND change_seq <= ? ORDER BY change_seq`

// Each calls fn for the objects changed since the token, in change order,
// at most limit (0: no limit), streaming them from one range scan over
// (collection_id, change_seq): the cost grows with the number of changes,
// not with the size of the collection, and memory stays flat. It returns
// the token to continue from and whether the answer was truncated.
func (sc *ChangeScan) Each(ctx context.Context, limit int, fn func(ObjectInfo) error) (token int64, truncated bool, err error) {
	ctx, cancel := sc.s.bound(ctx)
	defer cancel()
	if sc.unchanged {
		return max(sc.since, sc.c.MinToken), false, nil
	}
	query := changeScanQuery
	args := []any{sc.c.ID, sc.since, sc.upTo}
	if limit > 0 {
		// One row more than asked tells whether the answer is truncated.
		query += " LIMIT ?"
		args = append(args, limit+1)
	}
	rs, err := sc.s.queryPrepared(ctx, query, args...)
	if err != nil {
		return 0, false, fmt.Errorf("storage: reading changes: %w", err)
	}
	defer rs.Close()
	token = sc.since
	n := 0
	for rs.Next() {
		if limit > 0 && n == limit {
			return token, true, nil
		}
		var o objectRow
		if err := rs.Scan(&o.Href, &o.UID, &o.ETag, &o.Comp, &o.Size, &o.ChangeSeq, &o.Deleted, &o.ReadOnly, &o.ClientOwned, &o.ModifiedAt); err != nil {
			return 0, false, fmt.Errorf("storage: reading changes: %w", err)
		}
		if err := fn(o.info()); err != nil {
			return 0, false, err
		}
		token = o.ChangeSeq
		n++
	}
	if err := rs.Err(); err != nil {
		return 0, false, fmt.Errorf("storage: reading changes: %w", err)
	}
	// Nothing newer up to the counter: the collection's state is the token.
	return max(token, sc.c.MinToken), false, nil
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

// GetUserObject reads, in one query, one of a user's collections (which
// their settings must give) and a live object in it: the GET path. With
// CacheObjects on, it answers from memory while nothing changed.
func (s *Store) GetUserObject(ctx context.Context, userID int64, collection, href string) (Collection, Object, error) {
	if s.objects == nil {
		return s.readUserObject(ctx, userID, collection, href)
	}
	key := objectKey{userID, collection, href}
	e, gen, ok := s.objects.get(key)
	if ok {
		s.cacheHits.Add(1)
		return e.c, e.o, nil
	}
	s.cacheMisses.Add(1)
	c, o, err := s.readUserObject(ctx, userID, collection, href)
	if err == nil {
		s.objects.put(key, cachedObject{c, o}, gen)
	}
	return c, o, err
}

// readUserObject is GetUserObject's query.
func (s *Store) readUserObject(ctx context.Context, userID int64, collection, href string) (Collection, Object, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row, err := s.queryRowPrepared(ctx, `SELECT `+userCollectionCols+`,
		o.href, o.uid, o.etag, o.comp, o.size, o.change_seq, o.read_only, o.client_owned, o.modified_at, o.body
		`+userCollectionFrom+`
		LEFT JOIN dav_objects o ON o.collection_id = c.id AND o.href = ? AND NOT o.deleted
		WHERE c.user_id = ? AND c.name = ?`, href, userID, collection)
	if err != nil {
		return Collection{}, Object{}, fmt.Errorf("storage: reading object: %w", err)
	}
	var r userCollectionRow
	var oHref, uid, etag, comp sql.NullString
	var size, seq sql.NullInt64
	var objReadOnly, owned sql.NullBool
	var modified sql.NullTime
	var body []byte
	err = row.Scan(r.dest(&oHref, &uid, &etag, &comp, &size, &seq, &objReadOnly, &owned, &modified, &body)...)
	c, has := r.collection(userID, collection)
	if isNoRows(err) || (err == nil && !has) {
		return Collection{}, Object{}, ErrNotFound
	}
	if err != nil {
		return Collection{}, Object{}, fmt.Errorf("storage: reading object: %w", err)
	}
	if !oHref.Valid {
		return c, Object{}, ErrNotFound
	}
	o := Object{ObjectInfo: ObjectInfo{Href: oHref.String, UID: uid.String, ETag: etag.String, Comp: comp.String,
		Size: size.Int64, ChangeSeq: seq.Int64, ReadOnly: objReadOnly.Bool, ClientOwned: owned.Bool, ModifiedAt: modified.Time}, Body: body}
	return c, o, nil
}
