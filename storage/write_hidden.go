package storage

import (
	"context"
	"fmt"

	"github.com/psadav/psadav/mapping"
)

// A PSA item a user's DELETE hid (write.go, DeleteObject) may come back
// from the same user's client as a new object with the item's UID: an
// undo on the phone, a restored backup, a client that lost its sync
// state. Taken as new, it would become a new PSA appointment or to-do — a
// copy of a service call, of somebody else's appointment. It is the item
// itself: it is un-hidden for that user, served at the href the client
// chose (a client identity where that is not the item's own), and the PUT
// is judged as a PUT of the item (README "Calendar and tasks").

// qHiddenByUID finds, by the tombstone its hiding left, the item a
// collection hides under a UID.
const qHiddenByUID = `SELECT o.href, o.source_entity, o.source_rid FROM dav_objects o
	JOIN hidden_items h ON h.collection_id = o.collection_id AND h.source_entity = o.source_entity AND h.source_rid = o.source_rid
	WHERE o.collection_id = ? AND o.uid = ? AND o.deleted ORDER BY o.id LIMIT 1`

// revealHidden brings back the item the collection hides under uid for a
// client's PUT of a new object at req.Href, and returns its object there;
// nil when the collection hides no item under uid.
func (t *Tx) revealHidden(ctx context.Context, req *PutRequest, uid string) (*objectRow, error) {
	if uid == "" {
		return nil, nil
	}
	var o objectRow
	found, err := t.scanOne(ctx, &o, qHiddenByUID, req.Collection.ID, uid)
	if err != nil || !found {
		return nil, err
	}
	k := sourceKey{mapping.Entity(o.SourceEntity), o.SourceRID}
	if err := t.unhide(ctx, []HiddenItem{{Entity: k.entity, collectionID: req.Collection.ID, rid: k.rid}}); err != nil {
		return nil, err
	}
	if o.Href != req.Href {
		kept, err := t.keptAt(ctx, req.Collection.ID, o.Href, k)
		if err != nil {
			return nil, err
		}
		if err := t.addIdentity(ctx, req.Collection.ID, req.Href, k, uid, kept); err != nil {
			return nil, err
		}
	}
	if err := t.proj.flush(ctx); err != nil {
		return nil, err
	}
	live, err := t.liveObject(ctx, req.Collection.ID, req.Href)
	if err != nil || live != nil {
		return live, err
	}
	// The item left the collection while hidden (moved out of the window,
	// given to someone else): there is nothing to bring back, and a copy
	// must not reach the PSA.
	return nil, &mapping.Refusal{Code: mapping.RefuseUIDConflict, Fields: []string{"UID"},
		Message: fmt.Sprintf("UID %q is a PSA item you deleted here that is no longer in this collection; it cannot be created again", uid)}
}
