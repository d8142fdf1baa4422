package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/psadav/psadav/mapping"
)

// PutRequest is a client's PUT of one object.
type PutRequest struct {
	Account     Account
	Collection  Collection
	Href        string // the resource name inside the collection
	Body        []byte
	ContentType string // the media type, without parameters
	IfMatch     string // raw If-Match header, "" when absent
	IfNoneMatch string // raw If-None-Match header
}

// PutResult says what a PUT did.
type PutResult struct {
	Created bool
	// ETag is set only when the stored object is byte-for-byte the request
	// body (RFC 4791 §5.3.4, RFC 6352 §6.3.2); otherwise the client must
	// read the object back.
	ETag string
}

// DeleteRequest is a client's DELETE of one object.
type DeleteRequest struct {
	Account     Account
	Collection  Collection
	Href        string
	IfMatch     string
	IfNoneMatch string
}

// collectionWriter applies client writes for one kind of collection. It
// runs inside the request's transaction; existing is the live object at the
// href (nil when the href is new). It returns the mirror row the object now
// comes from (zero for none).
type collectionWriter interface {
	put(ctx context.Context, t *Tx, req *PutRequest, existing *objectRow) (sourceKey, error)
	delete(ctx context.Context, t *Tx, req *DeleteRequest, existing *objectRow) error
}

// writers are the collection writers by collection name.
var writers = map[string]collectionWriter{
	CollContacts:    contactWriter{}, // write_contacts.go
	CollAllContacts: contactWriter{},
	CollCalendar:    calendarWriter{}, // write_calendar.go
	CollTasks:       tasksWriter{},    // write_tasks.go
}

// PutObject applies a client's PUT under the write-back rules, in one
// transaction: preconditions, mirror row, kept properties, outbox entry,
// re-rendered objects and change sequence.
func (s *Store) PutObject(ctx context.Context, req PutRequest) (PutResult, error) {
	w := writers[req.Collection.Name]
	if w == nil || req.Collection.ReadOnly {
		return PutResult{}, readOnlyCollection()
	}
	if err := nameFits("resource name", req.Href); err != nil {
		return PutResult{}, err
	}
	if err := mapping.CheckText(req.Body); err != nil {
		return PutResult{}, err
	}
	var res PutResult
	err := s.Write(ctx, func(ctx context.Context, t *Tx) error {
		existing, err := t.liveObject(ctx, req.Collection.ID, req.Href)
		if err != nil {
			return err
		}
		if err := checkPreconditions(existing, req.IfMatch, req.IfNoneMatch); err != nil {
			return err
		}
		src, err := w.put(ctx, t, &req, existing)
		if err != nil {
			return err
		}
		if err := t.checkWriteBudget(ctx, req.Account.ID); err != nil {
			return err
		}
		if err := t.proj.flush(ctx); err != nil {
			return err
		}
		res.Created = existing == nil
		// What the projection just stored at the href, else what is there.
		stored := t.proj.written[objKey{req.Collection.ID, req.Href}]
		if stored == nil {
			if stored, err = t.liveObject(ctx, req.Collection.ID, req.Href); err != nil {
				return err
			}
		}
		if stored == nil && src.rid != 0 {
			return fmt.Errorf("storage: %s was written but has no object at %s", src.entity, req.Href)
		}
		if stored != nil && string(stored.Body) == string(req.Body) {
			res.ETag = stored.ETag
		}
		return nil
	})
	return res, err
}

// DeleteObject applies a client's DELETE under the write-back rules: the
// collection's writer deletes what the user may delete; anything else (a
// PSA item, a read-only item or book) is hidden for that user in lenient
// mode and refused in strict mode (write_access.go).
func (s *Store) DeleteObject(ctx context.Context, req DeleteRequest) error {
	w := writers[req.Collection.Name]
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		existing, err := t.liveObject(ctx, req.Collection.ID, req.Href)
		if err != nil {
			return err
		}
		if existing == nil {
			return ErrNotFound
		}
		if err := checkPreconditions(existing, req.IfMatch, req.IfNoneMatch); err != nil {
			return err
		}
		if w != nil && !req.Collection.ReadOnly && !existing.ReadOnly {
			if err := w.delete(ctx, t, &req, existing); err != errNotUsers {
				if err != nil {
					return err
				}
				return t.checkWriteBudget(ctx, req.Account.ID)
			}
		}
		org, err := t.orgSettings(ctx)
		if err != nil {
			return err
		}
		if org.WriteBackMode == "strict" {
			msg := "this item comes from the PSA and cannot be deleted here; delete it in the PSA"
			if req.Collection.ReadOnly {
				msg = "this collection is read-only"
			}
			return &mapping.Refusal{Code: mapping.RefuseDelete, Message: msg}
		}
		return t.hideFor(ctx, req.Collection.ID, existing)
	})
}

// errNotUsers is a writer's answer to a DELETE of an item the user may not
// delete in the PSA: DeleteObject hides or refuses it.
var errNotUsers = errors.New("storage: the item is not the user's to delete")

// hideFor hides an object's item from one collection: it leaves the
// collection now (a tombstone) and for good, and a pin no longer keeps it.
func (t *Tx) hideFor(ctx context.Context, collectionID int64, o *objectRow) error {
	entity := mapping.Entity(o.SourceEntity)
	if err := t.unpin(ctx, collectionID, entity, o.SourceRID); err != nil {
		return err
	}
	return t.HideObject(ctx, collectionID, entity, o.SourceRID)
}

// readOnlyCollection refuses writes to a collection users may only read
// (the read-only-books setting): 403 DAV:need-privileges.
func readOnlyCollection() error {
	return &mapping.Refusal{Code: mapping.RefuseReadOnlyItem, Message: "this collection is read-only"}
}

// checkUID refuses an object whose UID another live object of the
// collection has (RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1 no-uid-conflict): a
// client that retried a create under a new name, or copied an object. The
// object at the PUT's own href is no conflict.
func (t *Tx) checkUID(ctx context.Context, req *PutRequest, uid string) error {
	if uid == "" {
		return nil
	}
	if err := nameFits("UID", uid); err != nil {
		return err
	}
	rows, err := t.query(ctx, qUIDHolders, req.Collection.ID, uid, req.Href)
	if err != nil {
		return err
	}
	var hrefs []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return err
		}
		hrefs = append(hrefs, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(hrefs) == 0 {
		return err
	}
	return &mapping.Refusal{Code: mapping.RefuseUIDConflict, Fields: []string{"UID"}, Href: hrefs[0],
		Message: fmt.Sprintf("another object of this collection (%s) has the UID %q", hrefs[0], uid)}
}

// maxNameLength bounds the resource names and UIDs psadav keeps for
// clients (the columns hold 255 characters).
const maxNameLength = 255

// nameFits refuses a resource name or UID longer than psadav keeps: a
// clear refusal rather than a database error.
func nameFits(what, name string) error {
	if utf8.RuneCountInString(name) <= maxNameLength {
		return nil
	}
	r := &mapping.Refusal{Code: mapping.RefuseTooLong, Limit: maxNameLength,
		Message: fmt.Sprintf("the %s is longer than psadav keeps: at most %d characters", what, maxNameLength)}
	if what == "UID" {
		r.Fields = []string{"UID"}
	}
	return r
}

// liveObject reads the live object at href with its body, nil when none.
func (t *Tx) liveObject(ctx context.Context, collectionID int64, href string) (*objectRow, error) {
	var o objectRow
	found, err := t.scanOne(ctx, &o, qLiveObject, collectionID, href)
	if err != nil || !found {
		return nil, err
	}
	return &o, nil
}

// checkPreconditions enforces If-Match and If-None-Match (RFC 9110 §13.1).
func checkPreconditions(existing *objectRow, ifMatch, ifNoneMatch string) error {
	if ifMatch != "" {
		if existing == nil || !etagListMatches(ifMatch, existing.ETag) {
			return ErrPreconditionFailed
		}
	}
	if ifNoneMatch != "" && existing != nil && etagListMatches(ifNoneMatch, existing.ETag) {
		return ErrPreconditionFailed
	}
	return nil
}

// etagListMatches reports whether a header's ETag list (or "*") matches.
// Weak tags never match: psadav's tags are strong.
func etagListMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		if strings.HasPrefix(t, "W/") {
			continue
		}
		if strings.Trim(t, `"`) == etag {
			return true
		}
	}
	return false
}

// HideObject hides a source's object from one collection for good (a
// client DELETE of a PSA item under the hide rule): a tombstone now, and
// no re-render brings it back.
func (t *Tx) HideObject(ctx context.Context, collectionID int64, entity mapping.Entity, rid int64) error {
	t.sideChanged("hidden_items", entity)
	row := hiddenRow{itemKey: itemKey{collectionID, string(entity), rid}, HiddenAt: t.now}
	if _, err := t.tx.NewInsert().Model(&row).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return err
	}
	t.proj.touch(sourceKey{entity, rid})
	return nil
}

// SetKept stores a user's kept properties for a source row in a collection
// ("" removes them) and re-renders the row.
func (t *Tx) SetKept(ctx context.Context, collectionID int64, entity mapping.Entity, rid int64, data string) error {
	t.sideChanged("kept_props", entity)
	t.proj.touch(sourceKey{entity, rid})
	if data == "" {
		return t.exec(ctx, qKeptDelete, collectionID, string(entity), rid)
	}
	return t.exec(ctx, qKeptUpsert, t.s.args(collectionID, string(entity), rid, data, t.now)...)
}

// Kept reads a user's kept properties for a source row in a collection.
func (t *Tx) Kept(ctx context.Context, collectionID int64, entity mapping.Entity, rid int64) (string, error) {
	st, err := t.stmt(ctx, qKept)
	if err != nil {
		return "", err
	}
	var data string
	err = st.QueryRowContext(ctx, collectionID, string(entity), rid).Scan(&data)
	if isNoRows(err) {
		return "", nil
	}
	return data, err
}
