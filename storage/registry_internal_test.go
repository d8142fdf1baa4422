package storage

import (
	"testing"

	"github.com/psadav/psadav/mapping"
)

// The tables of entities, projectors and writers are literals; these checks
// stand where an init() used to panic on a missing entry.
func TestEveryEntityHasATableAndAProjector(t *testing.T) {
	for _, e := range append(mapping.Entities[:len(mapping.Entities):len(mapping.Entities)], gatewayEntities...) {
		info := entityInfos[e]
		if info == nil {
			t.Errorf("entity %s has no table", e)
			continue
		}
		if info.entity != e {
			t.Errorf("entity %s: table entry says %s", e, info.entity)
		}
	}
	for coll, entities := range collectionEntities {
		if writers[coll] == nil {
			t.Errorf("collection %s has no writer", coll)
		}
		for _, e := range entities {
			if projectors[e] == nil {
				t.Errorf("collection %s: entity %s has no projector", coll, e)
			}
		}
	}
}
