package storage_test

import (
	"context"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// An upsert after PrefetchStates decides created / changed / unchanged
// exactly as one without, and a record upserted twice in the transaction
// sees its own first write, not the state read ahead.
func TestPrefetchStatesAgreesWithLookups(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		ann := mapping.Contact{ID: 11, CompanyID: 1, IsActive: 1, FirstName: "Ann", LastName: "Acme"}
		before, err := changedSince(ctx, s, f.aliceBk, 0)
		must(t, err)
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if err := tx.PrefetchStates(ctx, mapping.EntityContacts, []int64{ann.ID, 12, 99}); err != nil {
				return err
			}
			res, err := tx.UpsertPSA(ctx, mapping.EntityContacts, &ann, nil)
			if err != nil || res.Created || res.Changed {
				t.Errorf("unchanged Ann after prefetch: %+v %v", res, err)
			}
			art := mapping.Contact{ID: 12, CompanyID: 1, IsActive: 1, FirstName: "Art", LastName: "Acme", Title: "CEO"}
			if res, err = tx.UpsertPSA(ctx, mapping.EntityContacts, &art, nil); err != nil || res.Created || !res.Changed {
				t.Errorf("changed Art after prefetch: %+v %v", res, err)
			}
			// Art again, as first written: unchanged now (the read-ahead
			// state was used up by the first upsert).
			if res, err = tx.UpsertPSA(ctx, mapping.EntityContacts, &art, nil); err != nil || res.Created || res.Changed {
				t.Errorf("Art written twice: %+v %v", res, err)
			}
			nu := mapping.Contact{ID: 99, CompanyID: 1, IsActive: 1, FirstName: "Neu", LastName: "Acme"}
			if res, err = tx.UpsertPSA(ctx, mapping.EntityContacts, &nu, nil); err != nil || !res.Created {
				t.Errorf("new contact after prefetch: %+v %v", res, err)
			}
			return nil
		}))
		after, err := changedSince(ctx, s, f.aliceBk, 0)
		must(t, err)
		if len(after) != len(before)+1 {
			t.Fatalf("alice's book has %d members, want %d", len(after), len(before)+1)
		}
	})
}

func changedSince(ctx context.Context, s *storage.Store, c storage.Collection, token int64) ([]storage.ObjectInfo, error) {
	cs, err := s.Changes(ctx, c, token, 0)
	var live []storage.ObjectInfo
	for _, o := range cs.Changes {
		if !o.Deleted {
			live = append(live, o)
		}
	}
	return live, err
}
