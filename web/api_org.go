package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/storage"
)

type settingJSON struct {
	Key     string `json:"key"`
	Value   string `json:"value"`
	Default string `json:"default"`
	Help    string `json:"help"`
}

func (s *Server) settings(r *http.Request) ([]settingJSON, error) {
	values, err := s.store.SettingValues(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]settingJSON, 0, len(storage.SettingKeys))
	for _, k := range storage.SettingKeys {
		out = append(out, settingJSON{Key: k.Key, Value: values[k.Key], Default: k.Default, Help: k.Help})
	}
	return out, nil
}

func (s *Server) listSettings(w http.ResponseWriter, r *http.Request, _ *principal) error {
	settings, err := s.settings(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"settings": settings})
	return nil
}

// setSetting validates and stores one setting; the refusal is the CLI's.
func (s *Server) setSetting(r *http.Request, p *principal, key, value string) error {
	if err := storage.ValidateSetting(key, value); err != nil {
		if strings.Contains(err.Error(), "unknown setting") {
			return errNotFound("%s", userText(err))
		}
		return errBadInput("value", "%s", userText(err))
	}
	if err := s.store.SetSetting(r.Context(), key, value); err != nil {
		return err
	}
	return s.audit(r, p, "settings.set", key, value)
}

func (s *Server) putSetting(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Value *string `json:"value"`
	}
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	if body.Value == nil {
		return errBadInput("value", "value is required")
	}
	key := r.PathValue("key")
	if err := s.setSetting(r, p, key, *body.Value); err != nil {
		return err
	}
	settings, err := s.settings(r)
	if err != nil {
		return err
	}
	for _, st := range settings {
		if st.Key == key {
			writeJSON(w, http.StatusOK, st)
		}
	}
	return nil
}

type outboxJSON struct {
	ID            int64     `json:"id"`
	Entity        string    `json:"entity"`
	RID           int64     `json:"rid"`
	Op            string    `json:"op"`
	State         string    `json:"state"`
	Fields        []string  `json:"fields"`
	Payload       any       `json:"payload,omitempty"`
	User          string    `json:"user"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	History       []any     `json:"history,omitempty"`
}

func outboxOf(e storage.OutboxEntry, withPayload bool) outboxJSON {
	out := outboxJSON{ID: e.ID, Entity: e.Entity, RID: e.RID, Op: e.Op.String(), State: e.State.String(), Fields: e.Fields(),
		User: e.UserLogin, Attempts: e.Attempts, NextAttemptAt: e.NextAttemptAt, LastError: e.LastError,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if out.Fields == nil {
		out.Fields = []string{}
	}
	if withPayload {
		out.Payload = json.RawMessage(e.Payload)
		if !json.Valid([]byte(e.Payload)) {
			out.Payload = e.Payload
		}
	}
	return out
}

var outboxStates = map[string]storage.OutboxState{"pending": storage.OutboxPending, "done": storage.OutboxDone,
	"failed": storage.OutboxFailed, "held": storage.OutboxHeld}

func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request, _ *principal) error {
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	if limit < 1 || limit > 1000 {
		return errBadInput("limit", "limit must be from 1 to 1000")
	}
	f := storage.OutboxFilter{Limit: limit}
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "failed,pending,held"
	}
	if state != "all" {
		for _, name := range strings.Split(state, ",") {
			st, ok := outboxStates[name]
			if !ok {
				return errBadInput("state", "state must be pending, failed, held, done or all (comma-separated), not %q", name)
			}
			f.States = append(f.States, st)
		}
	}
	if login := r.URL.Query().Get("user"); login != "" {
		a, err := s.store.Account(r.Context(), login)
		if !storage.ValidLogin(login) || errors.Is(err, storage.ErrNotFound) {
			return errBadInput("user", "no user %q", login)
		}
		if err != nil {
			return err
		}
		f.UserID = a.ID
	}
	entries, err := s.store.Outbox(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]outboxJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, outboxOf(e, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
	return nil
}

func (s *Server) outboxEntry(r *http.Request) (outboxJSON, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return outboxJSON{}, err
	}
	e, err := s.store.OutboxEntryByID(r.Context(), id)
	if err != nil {
		return outboxJSON{}, err
	}
	hist, err := s.store.OutboxHistory(r.Context(), id)
	if err != nil {
		return outboxJSON{}, err
	}
	out := outboxOf(e, true)
	out.History = []any{}
	for _, h := range hist {
		out.History = append(out.History, map[string]any{"at": h.At, "kind": h.Kind, "message": h.Message})
	}
	return out, nil
}

func (s *Server) getOutbox(w http.ResponseWriter, r *http.Request, _ *principal) error {
	out, err := s.outboxEntry(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) retryOutbox(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.doRetryOutbox(r, p, id); err != nil {
		return err
	}
	out, err := s.outboxEntry(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) doRetryOutbox(r *http.Request, p *principal, id int64) error {
	e, err := s.store.RequeueOutbox(r.Context(), id)
	if err != nil {
		return err
	}
	return s.audit(r, p, "outbox.retry", strconv.FormatInt(id, 10), e.Op.String()+" "+e.Entity)
}

// psaStatusJSON is what psadav autotask status prints. Connector status
// values other than these (the webhook secret among them) are never shown.
type psaStatusJSON struct {
	Configured        bool                 `json:"configured"`
	Leader            string               `json:"leader"`
	LeaderSince       *time.Time           `json:"leader_since"`
	Budget            *syncer.BudgetStatus `json:"api_budget"`
	WebhookDisabledAt string               `json:"webhook_deactivated_at"`
	Webhooks          map[string]int       `json:"webhook_events"`
	Outbox            map[string]int       `json:"outbox"`
	Entities          []entityStatusJSON   `json:"entities"`
}

// entityStatusJSON is one PSA entity's row of the status.
type entityStatusJSON struct {
	Entity       string     `json:"entity"`
	Pulled       int64      `json:"pulled"`
	Deleted      int64      `json:"deleted"`
	Watermark    *time.Time `json:"watermark"`
	LastOKAt     *time.Time `json:"last_ok_at"`
	LastSweepAt  *time.Time `json:"last_sweep_at"`
	FirstReading bool       `json:"first_read_under_way"`
	LastError    string     `json:"last_error"`
	SweepRefused string     `json:"sweep_refused"`
}

func (s *Server) psaStatus(r *http.Request) (psaStatusJSON, error) {
	out := psaStatusJSON{Configured: s.readPSA != nil, Outbox: map[string]int{}, Webhooks: map[string]int{}, Entities: []entityStatusJSON{}}
	if s.readPSA == nil {
		return out, nil
	}
	st, err := s.readPSA(r.Context())
	if err != nil {
		return out, err
	}
	if v, ok := st.Connector[syncer.StatusLeader]; ok {
		out.Leader, out.LeaderSince = v.Value, &v.UpdatedAt
	}
	if v, ok := st.Connector[syncer.StatusBudget]; ok {
		var b syncer.BudgetStatus
		if json.Unmarshal([]byte(v.Value), &b) == nil {
			out.Budget = &b
		}
	}
	if v, ok := st.Connector[syncer.StatusHookDeactivated]; ok {
		out.WebhookDisabledAt = v.Value
	}
	out.Webhooks = map[string]int{"received": st.HooksReceived, "processed": st.HooksProcessed, "failing": st.HooksFailing}
	for state, n := range st.Outbox {
		out.Outbox[state.String()] = n
	}
	for _, e := range st.Entities {
		out.Entities = append(out.Entities, entityStatusJSON{Entity: e.Entity, Pulled: e.Pulled, Deleted: e.Deleted,
			Watermark: e.Watermark, LastOKAt: e.LastOKAt, LastSweepAt: e.LastSweepAt, FirstReading: e.FullStartedAt != nil,
			LastError: e.LastError, SweepRefused: e.SweepRefused})
	}
	return out, nil
}

func (s *Server) getPSAStatus(w http.ResponseWriter, r *http.Request, _ *principal) error {
	out, err := s.psaStatus(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, _ *principal) error {
	before, err := queryInt(r, "before", 0)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	if limit < 1 || limit > 500 {
		return errBadInput("limit", "limit must be from 1 to 500")
	}
	entries, err := s.store.AuditLog(r.Context(), int64(before), limit)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []storage.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, _ *principal) error {
	tokens, err := s.store.APITokens(r.Context())
	if err != nil {
		return err
	}
	if tokens == nil {
		tokens = []storage.APIToken{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": tokens})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.doRevokeToken(r, p, r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) doRevokeToken(r *http.Request, p *principal, name string) error {
	if err := s.store.RevokeAPIToken(r.Context(), name); err != nil {
		return err
	}
	return s.audit(r, p, "token.revoke", name, "")
}
