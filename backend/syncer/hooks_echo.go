package syncer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/storage"
)

// Echoes. The webhook callouts exclude the API user's resource, but a
// write-back made as a technician (impersonation) is that technician's
// change in Autotask, and the callout reports it like any other
// (docs/autotask.md A9). Such an event brings nothing new: the write-back
// read the record back already. It is recognised without calling the PSA
// and dropped when all of this holds:
//   - a write-back of that record was sent (or is being sent) within
//     echoWindow;
//   - the event names as its author the resource that write-back acted as
//     (or the API user's resource);
//   - an update event names only fields that write-back set, each to the
//     value it set; a create or delete event matches a create or delete.
// Anything else — a field psadav did not send, another value, another
// person, an event without fields — is a change made in Autotask and is
// processed. A change made in Autotask within the window that repeats
// psadav's own values exactly is dropped too, and nothing is lost by it:
// the mirror already holds those values.

// echoWindow is how long after a write-back an event may be its echo.
const echoWindow = 10 * time.Minute

// echoOf returns the outbox entry an event echoes, 0 when it echoes none.
func (h *HookHandler) echoOf(ctx context.Context, hint backend.Hint) (int64, error) {
	if hint.PersonID == nil {
		return 0, nil
	}
	now := time.Now().UTC()
	if h.Now != nil {
		now = h.Now().UTC()
	}
	recent, err := h.Store.Outbox(ctx, storage.OutboxFilter{Entity: string(hint.Entity), Limit: 50,
		States: []storage.OutboxState{storage.OutboxDone, storage.OutboxPending}})
	if err != nil {
		return 0, err
	}
	for _, e := range recent {
		if now.Sub(e.UpdatedAt) > echoWindow {
			continue
		}
		if e.State == storage.OutboxPending && e.Attempts == 0 {
			continue // not sent yet
		}
		if !h.sameAuthor(e, *hint.PersonID) || !sameWrite(hint, e) {
			continue
		}
		_, env, err := h.Store.Record(ctx, hint.Entity, e.RID)
		if err != nil || env.PSAID == nil || *env.PSAID != hint.ID {
			continue
		}
		return e.ID, nil
	}
	return 0, nil
}

// sameAuthor: the event's author is the resource the write-back acted as.
func (h *HookHandler) sameAuthor(e storage.OutboxEntry, person int64) bool {
	if e.AsResourceID != nil && *e.AsResourceID == person {
		return true
	}
	return h.APIResource != 0 && person == h.APIResource
}

// sameWrite: the event reports what the write-back did.
func sameWrite(hint backend.Hint, e storage.OutboxEntry) bool {
	op := backend.Op(e.Op)
	switch strings.ToLower(hint.Action) {
	case "create":
		return op == backend.OpCreate
	case "delete":
		return op == backend.OpDelete
	case "update":
	default:
		return false
	}
	if op != backend.OpUpdate || len(hint.Fields) == 0 {
		return false
	}
	sent, err := decodePayload(e.Payload)
	if err != nil {
		return false
	}
	for name, raw := range hint.Fields {
		want, ok := lookupField(sent, name)
		if !ok {
			return false
		}
		got, err := decodePayload(fmt.Sprintf(`{"v":%s}`, raw))
		if err != nil || !sameValue(hint.Entity, name, want, got["v"]) {
			return false
		}
	}
	return true
}

// lookupField finds a field of a payload regardless of case.
func lookupField(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// recordEcho stores an echo as processed, so a redelivery is known too.
func (h *HookHandler) recordEcho(ctx context.Context, hint backend.Hint, entry int64) error {
	ev := storage.WebhookEvent{GUID: hint.GUID, SequenceNumber: hint.Sequence, Entity: string(hint.Entity), PSAID: hint.ID,
		Action: hint.Action, PersonID: hint.PersonID, EventTime: hint.At}
	isNew, err := h.Store.RecordWebhookEvent(ctx, ev)
	if err != nil || !isNew {
		return err
	}
	h.Logger.Info("webhook event is the echo of psadav's own write-back; dropped", "entity", hint.Entity, "id", hint.ID,
		"outbox", entry, "person", *hint.PersonID)
	return h.Store.FinishWebhookEvent(ctx, hint.GUID, hint.Sequence, "")
}
