package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// waitForReference is how long an entry waits for a create it refers to.
const waitForReference = 30 * time.Second

// PushDue pushes the write-backs that are due, oldest first, and returns
// how many it settled (done or failed). After the PSA fails or throttles,
// the worker pauses until that entry's next attempt instead of trying the
// rest: one request per backoff period while the PSA is down.
func (s *Syncer) PushDue(ctx context.Context) (int, error) {
	settled := 0
	for {
		s.mu.Lock()
		paused := s.now().Before(s.pausedUntil)
		s.mu.Unlock()
		if paused {
			return settled, nil
		}
		due, err := s.store.DueOutbox(ctx, s.now(), 20)
		if err != nil || len(due) == 0 {
			return settled, err
		}
		progressed := false
		for _, e := range due {
			if ctx.Err() != nil {
				return settled, ctx.Err()
			}
			out, err := s.push(ctx, e)
			if err != nil {
				return settled, err
			}
			switch out {
			case outcomeSettled:
				settled++
				progressed = true
			case outcomeRetry:
				return settled, nil
			}
		}
		if !progressed {
			return settled, nil
		}
	}
}

type outcome int

const (
	outcomeSettled outcome = iota // done or failed
	outcomeWaiting                // waits for another entry
	outcomeRetry                  // the PSA failed; retried after the backoff
)

// push handles one entry: prepare it, then attempt it with the PSA, then
// record what the PSA answered. Errors returned are the mirror's, not the
// PSA's.
func (s *Syncer) push(ctx context.Context, e storage.OutboxEntry) (outcome, error) {
	p, out, err := s.preparePush(ctx, e)
	if p == nil {
		return out, err
	}
	return s.attemptPush(ctx, p)
}

// pushPlan is an entry ready for the PSA: its payload with every reference
// resolved, the mirror's record and the PSA id it concerns.
type pushPlan struct {
	e       storage.OutboxEntry
	entity  mapping.Entity
	op      backend.Op
	env     storage.Envelope
	psaID   int64 // 0 for a create
	fields  map[string]any
	current any
}

// preparePush reads what an entry needs and says whether it can be sent
// now. When it cannot, it returns no plan and has already settled the
// entry, refused it or made it wait.
func (s *Syncer) preparePush(ctx context.Context, e storage.OutboxEntry) (*pushPlan, outcome, error) {
	entity := mapping.Entity(e.Entity)
	rec, env, err := s.store.Record(ctx, entity, e.RID)
	if errors.Is(err, storage.ErrNotFound) {
		out, err := s.settle(ctx, e, "", "the mirror row is gone", nil)
		return nil, out, err
	}
	if err != nil {
		return nil, 0, err
	}
	fields, err := decodePayload(e.Payload)
	if err != nil {
		out, err := s.settle(ctx, e, "", "", fmt.Errorf("the entry's payload is not JSON: %v", err))
		return nil, out, err
	}
	// References to rows a client created resolve to their PSA ids now.
	wait, refused, err := s.resolve(ctx, entity, fields)
	if err != nil {
		return nil, 0, err
	}
	if refused != "" {
		out, err := s.refuse(ctx, e, refused)
		return nil, out, err
	}
	current, cwait, err := s.resolvedRecord(ctx, entity, rec)
	if err != nil {
		return nil, 0, err
	}
	if wait == "" {
		wait = cwait
	}
	p := &pushPlan{e: e, entity: entity, op: backend.Op(e.Op), env: env, fields: fields, current: current}
	if p.op != backend.OpCreate {
		switch {
		case env.PSAID != nil:
			p.psaID = *env.PSAID
		case env.Live():
			wait = "waiting for the PSA to accept the row's create"
		default:
			out, err := s.refuse(ctx, e, "the row's create was refused by the PSA, so this change cannot be sent")
			return nil, out, err
		}
	} else if env.PSAID != nil {
		out, err := s.settle(ctx, e, fmt.Sprintf("already created (PSA id %d)", *env.PSAID), "", nil)
		return nil, out, err
	}
	if wait != "" {
		return nil, outcomeWaiting, s.store.WaitOutbox(ctx, e.ID, s.now().Add(waitForReference), wait)
	}
	return p, 0, nil
}

// attemptPush stores the next attempt's backoff, checks an update for a
// lost update and sends the change to the PSA.
func (s *Syncer) attemptPush(ctx context.Context, p *pushPlan) (outcome, error) {
	// The backoff is stored before the PSA is called: a crash or a hang
	// never brings the next attempt forward.
	e, err := s.store.BeginOutboxAttempt(ctx, p.e.ID, s.now().Add(s.backoff(p.e.Attempts)))
	if errors.Is(err, storage.ErrConflict) {
		return outcomeSettled, nil // an operator changed it meanwhile
	}
	if err != nil {
		return 0, err
	}
	p.e = e
	note := ""
	if p.op == backend.OpUpdate && e.BaseStamp != nil {
		var done bool
		if p.fields, note, done, err = s.checkLostUpdate(ctx, e, p.env, p.psaID, p.fields); err != nil {
			return s.failed(ctx, e, p.env, err)
		}
		if done {
			return s.settle(ctx, e, note, "", nil)
		}
	}
	res, err := s.conn.Push(ctx, backend.Change{Entity: p.entity, Op: p.op, ID: p.psaID, Fields: p.fields, Current: p.current,
		AsResource: e.AsResourceID})
	if err != nil {
		return s.failed(ctx, e, p.env, err)
	}
	return s.recordPush(ctx, p, res, note)
}

// recordPush records a change the PSA accepted: the PSA id of a create,
// the tombstone of a delete, the entry done with what happened; then it
// reads the record back.
func (s *Syncer) recordPush(ctx context.Context, p *pushPlan, res backend.PushResult, note string) (outcome, error) {
	e, entity, op, psaID := p.e, p.entity, p.op, p.psaID
	msg := "accepted by the PSA"
	switch {
	case op == backend.OpCreate:
		msg = fmt.Sprintf("created in the PSA as id %d", res.ID)
		psaID = res.ID
	case op == backend.OpDelete:
		msg = "deleted in the PSA"
	}
	if res.Impersonated {
		msg += fmt.Sprintf(", acting as resource %d", *e.AsResourceID)
	}
	msg = joinNotes(note, msg, res.Note)
	err := s.store.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		switch op {
		case backend.OpCreate:
			if err := tx.AcceptCreate(ctx, entity, e.RID, psaID); err != nil {
				return err
			}
		case backend.OpDelete:
			if err := tx.MarkPSADeleted(ctx, entity, psaID); err != nil {
				return err
			}
		}
		return tx.CompleteOutbox(ctx, e.ID, msg)
	})
	if err != nil {
		return 0, fmt.Errorf("recording write-back %d, which the PSA accepted: %w", e.ID, err)
	}
	s.count(func(c *Counters) { c.PushesDone++ })
	s.log.Info("write-back done", "outbox", e.ID, "entity", entity, "op", e.Op, "note", msg)
	if op != backend.OpDelete {
		s.readBack(ctx, entity, psaID)
	}
	return outcomeSettled, nil
}

// backoff is the wait before the next attempt after attempts failures:
// RetryBase doubling up to RetryMax.
func (s *Syncer) backoff(attempts int) time.Duration {
	d := s.cfg.RetryBase
	for i := 0; i < attempts && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryMax)
}

// readBack stores the record as the PSA has it after a write: its new
// change stamp, content hash and raw JSON. A failure is only logged: the
// next poll reads it.
func (s *Syncer) readBack(ctx context.Context, entity mapping.Entity, id int64) {
	r, err := s.conn.Get(ctx, entity, id)
	if err == nil {
		err = s.store.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, _, err := tx.ApplyPulled(ctx, entity, r.Rec, r.Raw)
			return err
		})
	}
	if err != nil {
		s.log.Warn("read-back after a write-back failed; the next poll will read it", "entity", entity, "id", id, "err", err)
	}
}

// failed handles a push the PSA did not take: retried later when the PSA
// (or the way to it) failed, refused with the PSA's message otherwise.
func (s *Syncer) failed(ctx context.Context, e storage.OutboxEntry, env storage.Envelope, err error) (outcome, error) {
	kind := backend.KindOf(err)
	msg := err.Error()
	switch {
	case kind == backend.KindAuth || backend.Retryable(err):
		if e.Attempts >= s.cfg.MaxAttempts {
			return s.refuse(ctx, e, fmt.Sprintf("gave up after %d attempts; last: %s", e.Attempts, msg))
		}
		at := s.now()
		if ra := backend.RetryAfter(err); ra > 0 {
			at = at.Add(ra)
		}
		if err := s.store.RetryOutboxLater(ctx, e.ID, at, msg); err != nil {
			return 0, err
		}
		next, _ := s.store.OutboxEntryByID(ctx, e.ID)
		s.mu.Lock()
		s.pausedUntil = next.NextAttemptAt
		s.mu.Unlock()
		s.count(func(c *Counters) { c.PushesRetried++ })
		s.log.Warn("write-back will be retried", "outbox", e.ID, "attempt", e.Attempts, "next", next.NextAttemptAt, "err", msg)
		return outcomeRetry, nil
	case kind == backend.KindNotFound && backend.Op(e.Op) == backend.OpDelete:
		return s.settle(ctx, e, "already gone from the PSA", "", nil)
	case kind == backend.KindNotFound:
		// A refused write never deletes anything here: one zone answers a
		// PATCH of a record that exists with an HTML 404 (docs/autotask.md
		// A5). If the record is really gone, the next deletion sweep (with
		// its mass-deletion guard) or a webhook finds it.
		return s.refuse(ctx, e, "the PSA answered the write with \"not found\"; nothing was deleted in psadav "+
			"(a record that is really gone is found by the next deletion sweep): "+msg)
	}
	return s.refuse(ctx, e, msg)
}

// refuse marks an entry failed with the PSA's message and puts the
// client's object back to the PSA's state, so the client sees the truth on
// its next sync: a refused create leaves the client's collection (the
// outbox keeps what it wrote); a refused update or delete re-applies the
// record as the PSA last sent it.
func (s *Syncer) refuse(ctx context.Context, e storage.OutboxEntry, msg string) (outcome, error) {
	entity := mapping.Entity(e.Entity)
	err := s.store.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if err := tx.FailOutbox(ctx, e.ID, msg); err != nil {
			return err
		}
		return s.restore(ctx, tx, entity, e.RID)
	})
	if err != nil {
		return 0, err
	}
	s.count(func(c *Counters) { c.PushesFailed++ })
	s.log.Warn("write-back refused; the client's object shows the PSA's version again", "outbox", e.ID, "entity", entity,
		"op", e.Op, "psa_says", msg)
	return outcomeSettled, nil
}

// restore brings a row back to the PSA's state.
func (s *Syncer) restore(ctx context.Context, tx *storage.Tx, entity mapping.Entity, rid int64) error {
	_, env, err := tx.Record(ctx, entity, rid)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if env.PSAID == nil {
		if !env.Live() {
			return nil
		}
		return tx.MarkClientDeleted(ctx, entity, rid)
	}
	rec, ferrs := atjson.Decode(entity, []byte(env.Raw))
	if rec == nil {
		return fmt.Errorf("the PSA's last version of %s %d does not decode: %v", entity, *env.PSAID, ferrs)
	}
	if env.Live() {
		return tx.UpdateFromClient(ctx, entity, rid, rec)
	}
	_, err = tx.UpsertPSA(ctx, entity, rec, json.RawMessage(env.Raw))
	return err
}

// settle completes an entry without (further) PSA calls: a note when it is
// moot, a refusal message (with cause) when it cannot be sent.
func (s *Syncer) settle(ctx context.Context, e storage.OutboxEntry, note, refusal string, cause error) (outcome, error) {
	if cause != nil {
		refusal = cause.Error()
	}
	if refusal != "" {
		return s.refuse(ctx, e, refusal)
	}
	err := s.store.Write(ctx, func(ctx context.Context, tx *storage.Tx) error { return tx.CompleteOutbox(ctx, e.ID, note) })
	if err == nil {
		s.count(func(c *Counters) { c.PushesDone++ })
		s.log.Info("write-back settled", "outbox", e.ID, "note", note)
	}
	return outcomeSettled, err
}

func decodePayload(p string) (map[string]any, error) {
	fields := map[string]any{}
	dec := json.NewDecoder(strings.NewReader(p))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil {
		return nil, err
	}
	return fields, nil
}

// resolve turns negative local ids in a payload into PSA ids. It returns
// why the entry must wait (a referenced create is not through yet), or why
// it can never be sent (that create was refused).
func (s *Syncer) resolve(ctx context.Context, entity mapping.Entity, fields map[string]any) (wait, refused string, err error) {
	refs := storage.References[entity]
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		target, ok := lookupRef(refs, k)
		if !ok {
			continue
		}
		ref, isNum := asInt64(fields[k])
		if !isNum || !mapping.LocalID(ref) {
			continue
		}
		id, accepted, err := s.store.PSAIDOf(ctx, target, ref)
		if errors.Is(err, storage.ErrNotFound) {
			return "", fmt.Sprintf("%s refers to %s %d, which does not exist", k, target, ref), nil
		}
		if err != nil {
			return "", "", err
		}
		if accepted {
			fields[k] = id
			continue
		}
		_, env, err := s.store.Record(ctx, target, -ref)
		if err != nil {
			return "", "", err
		}
		if !env.Live() {
			return "", fmt.Sprintf("%s refers to a %s a client created that the PSA refused", k, target), nil
		}
		return fmt.Sprintf("waiting for the PSA to accept %s %d (%s)", target, ref, k), "", nil
	}
	return "", "", nil
}

func lookupRef(refs map[string]mapping.Entity, field string) (mapping.Entity, bool) {
	if e, ok := refs[field]; ok {
		return e, true
	}
	for k, e := range refs {
		if strings.EqualFold(k, field) {
			return e, true
		}
	}
	return "", false
}

// resolvedRecord is the mirror's record with its references resolved (a
// connector finds write paths in it).
func (s *Syncer) resolvedRecord(ctx context.Context, entity mapping.Entity, rec any) (any, string, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, "", err
	}
	fields, err := decodePayload(string(b))
	if err != nil {
		return nil, "", err
	}
	wait, _, err := s.resolve(ctx, entity, fields)
	if err != nil {
		return nil, "", err
	}
	b, _ = json.Marshal(fields)
	out := atjson.NewRecord(entity)
	if err := json.Unmarshal(b, out); err != nil {
		return nil, "", err
	}
	return out, wait, nil
}

func asInt64(v any) (int64, bool) {
	if n, ok := v.(json.Number); ok {
		i, err := n.Int64()
		return i, err == nil
	}
	f, ok := atjson.Number(v)
	return int64(f), ok && f == float64(int64(f))
}

func joinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "; ")
}
