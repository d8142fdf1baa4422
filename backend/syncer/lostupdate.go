package syncer

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// checkLostUpdate guards an update against overwriting a change made in
// the PSA meanwhile (Autotask has no conditional write, docs/autotask.md A22):
// it reads the record, and when its change stamp moved since the stamp the
// client's change was based on, it pulls first — the mirror takes the
// PSA's version — and re-applies the rule: of the fields the client
// changed, only those the PSA did not change too are sent; the PSA's
// values win the others. The decision is the returned note. done is true
// when nothing is left to send.
func (s *Syncer) checkLostUpdate(ctx context.Context, e storage.OutboxEntry, env storage.Envelope, psaID int64,
	fields map[string]any) (map[string]any, string, bool, error) {
	entity := mapping.Entity(e.Entity)
	cur, err := s.conn.Get(ctx, entity, psaID)
	if err != nil {
		return nil, "", false, err
	}
	if cur.Stamp == nil || cur.Stamp.Equal(*e.BaseStamp) {
		return fields, "", false, nil
	}
	base, now := rawFields(env.Raw), rawFields(string(cur.Raw))
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	var kept, dropped []string
	for _, k := range names {
		bv, known := atjson.Lookup(base, k)
		cv, _ := atjson.Lookup(now, k)
		if known && !sameValue(entity, k, bv, cv) {
			dropped = append(dropped, k)
			delete(fields, k)
			continue
		}
		kept = append(kept, k)
	}
	note := fmt.Sprintf("lost-update check: the PSA changed the record after the client's change was made (change stamp %s, now %s)",
		e.BaseStamp.UTC().Format("2006-01-02T15:04:05Z"), cur.Stamp.UTC().Format("2006-01-02T15:04:05Z"))
	if len(dropped) > 0 {
		note += "; the PSA changed " + strings.Join(dropped, ", ") + " too, so its values stay"
	}
	if len(kept) > 0 {
		note += "; sending the client's " + strings.Join(kept, ", ")
	} else {
		note += "; nothing of the client's change is left to send"
	}
	err = s.store.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if err := tx.NoteOutbox(ctx, e.ID, "decided", note); err != nil {
			return err
		}
		_, err := tx.UpsertPSA(ctx, entity, cur.Rec, cur.Raw)
		return err
	})
	if err != nil {
		return nil, "", false, err
	}
	s.log.Info("lost update avoided", "outbox", e.ID, "entity", entity, "id", psaID, "decision", note)
	return fields, note, len(fields) == 0, nil
}

// rawFields decodes a record's JSON, numbers kept exact.
func rawFields(raw string) map[string]any {
	m, err := decodePayload(raw)
	if err != nil {
		return map[string]any{}
	}
	return m
}

// sameValue compares two JSON values of a field: times as instants,
// numbers as numbers (booleans as 0/1), null as empty.
func sameValue(e mapping.Entity, field string, a, b any) bool {
	empty := func(v any) bool { return v == nil || v == "" }
	if empty(a) || empty(b) {
		return empty(a) && empty(b)
	}
	if spec := atjson.Spec(e); spec != nil {
		if f := spec.ByName[strings.ToLower(field)]; f != nil && f.Kind == atjson.KindTime {
			as, _ := a.(string)
			bs, _ := b.(string)
			ta, err1 := atjson.ParseTime(as)
			tb, err2 := atjson.ParseTime(bs)
			if err1 == nil && err2 == nil {
				return ta.Equal(tb)
			}
		}
	}
	na, okA := atjson.Number(a)
	nb, okB := atjson.Number(b)
	if okA && okB {
		return na == nb
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}
