package syncer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// StatusHookDeactivated is the connector status key set when the PSA
// reports that it deactivated a webhook.
const StatusHookDeactivated = "webhook-deactivated"

// maxHookBody bounds a webhook delivery.
const maxHookBody = 1 << 20

// HookHandler receives a PSA's webhook deliveries on any instance: it
// checks the signature, records each event once (by GUID and sequence
// number) and wakes the worker. Processing (reading the record) is the
// leading instance's ProcessHints; polling stays on as the safety net.
type HookHandler struct {
	Store    HookStore
	Receiver backend.WebhookReceiver
	Logger   *slog.Logger
	// Kick wakes the worker when this instance runs the connector (may be nil).
	Kick func()
	// Deactivation is the path the PSA reports a deactivated webhook on.
	Deactivation string
	// APIResource is the PSA resource of the connector's API user, 0 when
	// unknown: its changes are psadav's own (echoes, hooks_echo.go).
	APIResource int64
	// Now is the clock echoes are judged by; time.Now when nil.
	Now func() time.Time
}

func (h *HookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	status, why, events := h.serve(r)
	h.Logger.Log(r.Context(), levelFor(status), "webhook", "method", r.Method, "path", r.URL.Path, "status", status,
		"events", events, "why", why, "duration", time.Since(start).Round(time.Microsecond))
	if status != http.StatusOK {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

func (h *HookHandler) serve(r *http.Request) (status int, why string, events int) {
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, "not a POST", 0
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxHookBody+1))
	if err != nil || len(body) > maxHookBody {
		return http.StatusBadRequest, "body unreadable or too large", 0
	}
	if h.Deactivation != "" && r.URL.Path == h.Deactivation {
		return h.deactivated(r, body)
	}
	hints, err := h.Receiver.VerifyWebhook(r, body)
	if err != nil {
		if errors.Is(err, backend.ErrBadSignature) {
			return http.StatusUnauthorized, err.Error(), 0
		}
		return http.StatusBadRequest, err.Error(), 0
	}
	fresh, echoes := 0, 0
	for _, hint := range hints {
		if entry, err := h.echoOf(r.Context(), hint); err != nil {
			return http.StatusServiceUnavailable, err.Error(), fresh // the PSA retries
		} else if entry != 0 {
			if err := h.recordEcho(r.Context(), hint, entry); err != nil {
				return http.StatusServiceUnavailable, err.Error(), fresh
			}
			echoes++
			continue
		}
		ev := storage.WebhookEvent{GUID: hint.GUID, SequenceNumber: hint.Sequence, Entity: string(hint.Entity), PSAID: hint.ID,
			Action: hint.Action, PersonID: hint.PersonID, EventTime: hint.At}
		isNew, err := h.Store.RecordWebhookEvent(r.Context(), ev)
		if err != nil {
			return http.StatusServiceUnavailable, err.Error(), fresh // the PSA retries
		}
		if isNew {
			fresh++
		}
	}
	if fresh > 0 && h.Kick != nil {
		h.Kick()
	}
	if echoes > 0 {
		return http.StatusOK, "echo of psadav's own write-back", fresh
	}
	if fresh < len(hints) {
		return http.StatusOK, "duplicate", fresh
	}
	return http.StatusOK, "", fresh
}

// deactivated handles the PSA's notice that it deactivated a webhook. It is
// authenticated like a delivery (a forged one would send the operator to
// reinstall the webhooks); without a way to authenticate it there is no
// such endpoint.
func (h *HookHandler) deactivated(r *http.Request, body []byte) (status int, why string, events int) {
	dr, ok := h.Receiver.(backend.DeactivationReceiver)
	if !ok {
		return http.StatusNotFound, "deactivation notices are not authenticated for this PSA", 0
	}
	if err := dr.VerifyDeactivation(r, body); err != nil {
		if errors.Is(err, backend.ErrBadSignature) {
			return http.StatusUnauthorized, err.Error(), 0
		}
		return http.StatusBadRequest, err.Error(), 0
	}
	h.Logger.Error("the PSA deactivated a webhook: changes now arrive by polling only; reinstall it (psadav autotask webhooks install)",
		"payload_bytes", len(body))
	if err := h.Store.SetConnectorStatus(r.Context(), StatusHookDeactivated, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return http.StatusServiceUnavailable, err.Error(), 0 // the PSA retries
	}
	return http.StatusOK, "deactivation notice", 0
}

// hookAttempts is how often an event is tried before polling is left to catch it.
const hookAttempts = 5

// ProcessHints reads the records recorded webhook events name and applies
// them (a deletion when the PSA no longer has the record). Each record is
// read once however many events name it.
func (s *Syncer) ProcessHints(ctx context.Context) (int, error) {
	evs, err := s.store.PendingWebhookEvents(ctx, hookAttempts, 100)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	type key struct {
		entity mapping.Entity
		id     int64
	}
	done := map[key]string{}
	n := 0
	for _, ev := range evs {
		k := key{mapping.Entity(ev.Entity), ev.PSAID}
		msg, seen := done[k]
		if !seen {
			msg = ""
			if err := s.applyHint(ctx, k.entity, k.id); err != nil {
				msg = err.Error()
				if backend.Retryable(err) {
					return n, s.store.FinishWebhookEvent(ctx, ev.GUID, ev.SequenceNumber, msg) // the PSA is down: later
				}
			}
			done[k] = msg
		}
		if err := s.store.FinishWebhookEvent(ctx, ev.GUID, ev.SequenceNumber, msg); err != nil {
			return n, err
		}
		n++
	}
	s.count(func(c *Counters) { c.HintsProcessed += int64(n) })
	return n, nil
}

func (s *Syncer) applyHint(ctx context.Context, e mapping.Entity, id int64) error {
	r, err := s.conn.Get(ctx, e, id)
	if backend.KindOf(err) == backend.KindNotFound && !errors.Is(err, context.Canceled) {
		return s.store.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.MarkPulledDeleted(ctx, e, id)
			return err
		})
	}
	if err != nil {
		return err
	}
	if why := unstorable(r); why != "" {
		s.log.Error("psa record not mirrored", "entity", e, "id", id, "why", why)
		return nil
	}
	var res storage.UpsertResult
	err = s.store.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var err error
		res, _, err = tx.ApplyPulled(ctx, e, r.Rec, r.Raw)
		return err
	})
	if err == nil && res.Changed {
		s.log.Info("webhook applied", "entity", e, "id", id)
	}
	return err
}
