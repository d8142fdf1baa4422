package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Hidden items, for the administrator: what a user's DELETE hid (a PSA
// contact under contact-delete hide, and in lenient mode any item the user
// may not delete in the PSA) stays out of that user's collection until an
// administrator un-hides it; the item then comes back at the next sync, as
// the PSA has it by then.

// HiddenItem is one item hidden from one of a user's collections.
type HiddenItem struct {
	Collection string
	Href       string // its resource name in the collection
	Kind       string // contact, appointment, todo, service-call, time-off
	Entity     mapping.Entity
	PSAID      *int64 // nil while the PSA has not accepted a client-created item
	Title      string
	HiddenAt   time.Time

	userID, collectionID, rid int64
	createdBy                 *int64 // the user who created it on a client
}

// hiddenKinds names the kinds of item a user may hide.
var hiddenKinds = map[mapping.Entity]mapping.Kind{
	mapping.EntityContacts:        mapping.KindContact,
	mapping.EntityAppointments:    mapping.KindAppointment,
	mapping.EntityCompanyToDos:    mapping.KindToDo,
	mapping.EntityServiceCalls:    mapping.KindServiceCall,
	mapping.EntityTimeOffRequests: mapping.KindTimeOff,
}

// HiddenItems lists the items hidden from a user's collections, by
// collection and then by when they were hidden.
func (s *Store) HiddenItems(ctx context.Context, login string) ([]HiddenItem, error) {
	var out []HiddenItem
	err := s.Write(ctx, func(ctx context.Context, t *Tx) error {
		var err error
		out, err = t.hiddenItems(ctx, login)
		return err
	})
	return out, err
}

// Unhide un-hides the item a user's collection holds hidden under ref:
// "collection/name", or a resource name alone when only one collection
// has it hidden (a full /dav/… path works too). It returns how many items
// came back (0 when ref names none). The item is projected again at once:
// it is in the collection at the next sync if it still belongs there.
func (s *Store) Unhide(ctx context.Context, login, ref string) (int, error) {
	coll, name := splitHiddenRef(ref)
	n := 0
	err := s.Write(ctx, func(ctx context.Context, t *Tx) error {
		items, err := t.hiddenItems(ctx, login)
		if err != nil {
			return err
		}
		var match []HiddenItem
		for _, it := range items {
			if it.Href == name && (coll == "" || it.Collection == coll) {
				match = append(match, it)
			}
		}
		if len(match) > 1 {
			var names []string
			for _, it := range match {
				names = append(names, it.Collection+"/"+it.Href)
			}
			return fmt.Errorf("%s is hidden in more than one collection; name one: %s: %w", name, strings.Join(names, ", "), ErrConflict)
		}
		n = len(match)
		return t.unhide(ctx, match)
	})
	return n, err
}

// UnhideAll un-hides every item hidden from a user's collections and
// returns how many there were.
func (s *Store) UnhideAll(ctx context.Context, login string) (int, error) {
	n := 0
	err := s.Write(ctx, func(ctx context.Context, t *Tx) error {
		items, err := t.hiddenItems(ctx, login)
		if err != nil {
			return err
		}
		n = len(items)
		return t.unhide(ctx, items)
	})
	return n, err
}

// splitHiddenRef reads "name", "collection/name" or a /dav/… path.
func splitHiddenRef(ref string) (coll, name string) {
	parts := strings.Split(strings.Trim(strings.TrimSpace(ref), "/"), "/")
	name = parts[len(parts)-1]
	if len(parts) > 1 {
		coll = parts[len(parts)-2]
	}
	return coll, name
}

// hiddenItems reads a user's hidden items; ErrNotFound for an unknown login.
func (t *Tx) hiddenItems(ctx context.Context, login string) ([]HiddenItem, error) {
	var userID int64
	if err := t.tx.NewSelect().Table("accounts").Column("id").Where("login = ?", login).Scan(ctx, &userID); err != nil {
		if isNoRows(err) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	var rows []struct {
		CollectionID int64     `bun:"collection_id"`
		Collection   string    `bun:"name"`
		SourceEntity string    `bun:"source_entity"`
		SourceRID    int64     `bun:"source_rid"`
		HiddenAt     time.Time `bun:"hidden_at"`
	}
	err := t.tx.NewSelect().TableExpr("hidden_items AS h").
		ColumnExpr("h.collection_id, c.name, h.source_entity, h.source_rid, h.hidden_at").
		Join("JOIN dav_collections AS c ON c.id = h.collection_id").
		Where("c.user_id = ?", userID).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]HiddenItem, 0, len(rows))
	for _, r := range rows {
		entity := mapping.Entity(r.SourceEntity)
		it := HiddenItem{Collection: r.Collection, Entity: entity, Kind: string(hiddenKinds[entity]), HiddenAt: r.HiddenAt,
			userID: userID, collectionID: r.CollectionID, rid: r.SourceRID}
		row, err := t.loadRow(ctx, entity, r.SourceRID)
		if err != nil && err != ErrNotFound {
			return nil, err
		}
		ref := -r.SourceRID
		if row != nil {
			env := row.envelope()
			it.PSAID, ref = env.PSAID, env.RefID()
			if env.Origin == OriginClient {
				it.createdBy = env.OriginUserID
			}
			it.Title = hiddenTitle(row.record())
		}
		// The name the client knew it by: its tombstone's, or (purged) the
		// name the item would have.
		var hrefs []string
		if err := t.tx.NewSelect().Table("dav_objects").Column("href").
			Where("collection_id = ? AND source_entity = ? AND source_rid = ?", r.CollectionID, r.SourceEntity, r.SourceRID).
			OrderExpr("change_seq DESC").Limit(1).Scan(ctx, &hrefs); err != nil {
			return nil, err
		}
		switch {
		case len(hrefs) > 0:
			it.Href = hrefs[0]
		case it.Kind != "":
			it.Href = mapping.Href(mapping.Kind(it.Kind), ref)
		default:
			it.Href = fmt.Sprintf("%s-%d", r.SourceEntity, r.SourceRID)
		}
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b HiddenItem) int {
		if c := strings.Compare(a.Collection, b.Collection); c != 0 {
			return c
		}
		if c := a.HiddenAt.Compare(b.HiddenAt); c != 0 {
			return c
		}
		return strings.Compare(a.Href, b.Href)
	})
	return out, nil
}

// unhide deletes the hidden rows of items and re-projects them. A contact
// the user created is pinned to the book again, as it was before the
// DELETE unpinned it (write_contact_links.go).
func (t *Tx) unhide(ctx context.Context, items []HiddenItem) error {
	for _, it := range items {
		if _, err := t.tx.NewDelete().Model((*hiddenRow)(nil)).
			Where("collection_id = ? AND source_entity = ? AND source_rid = ?", it.collectionID, string(it.Entity), it.rid).
			Exec(ctx); err != nil {
			return err
		}
		t.sideChanged("hidden_items", it.Entity)
		t.proj.touch(sourceKey{it.Entity, it.rid})
		if it.Entity == mapping.EntityContacts && it.createdBy != nil && *it.createdBy == it.userID {
			if err := t.pin(ctx, it.collectionID, it.Entity, it.rid); err != nil {
				return err
			}
		}
	}
	return nil
}

// hiddenTitle is what an administrator recognises an item by.
func hiddenTitle(rec any) string {
	switch r := rec.(type) {
	case *mapping.Contact:
		return strings.TrimSpace(r.FirstName + " " + r.LastName)
	case *mapping.Appointment:
		return r.Title
	case *mapping.ToDo:
		return firstLine(r.ActivityDescription)
	case *mapping.ServiceCall:
		return firstLine(r.Description)
	case *mapping.TimeOffRequest:
		return fmt.Sprintf("Time off, %s hours", strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", r.Hours), "0"), "."))
	}
	return ""
}

// firstLine is a text's first line, at most 80 characters.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	return strings.TrimSpace(s)
}
