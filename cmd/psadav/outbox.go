package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/psadav/psadav/storage"
)

const outboxUsage = `Usage:
  psadav outbox list [--state failed|pending|held|done|all] [--user LOGIN] [--limit N]
  psadav outbox show ID                 an entry with its payload and history
  psadav outbox retry ID                queue a failed (or held) entry again

Write-backs are what clients changed that must reach the PSA. A failed one
keeps what the client wrote and the PSA's message; the client's object
shows the PSA's version again. The USER column is the login whose client
made the change (each user may queue user-write-budget an hour).
`

func cmdOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "show" && args[0] != "retry") {
		fmt.Fprint(stderr, outboxUsage)
		return errors.New("outbox: list, show or retry?")
	}
	sub := args[0]
	fs := newFlags("outbox "+sub, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, outboxUsage) }
	state := fs.String("state", "failed,pending,held", "states to list (comma-separated, or all)")
	limit := fs.Int("limit", 100, "list at most this many, newest first")
	user := fs.String("user", "", "list only the write-backs this login's clients made")
	c, err := openCommand(ctx, fs, args[1:], stderr, false, nil)
	if err != nil {
		return err
	}
	defer c.store.Close()
	s, rest := c.store, c.args
	if sub == "list" {
		return outboxList(ctx, s, *state, *user, *limit, stdout)
	}
	if len(rest) != 1 {
		fmt.Fprint(stderr, outboxUsage)
		return fmt.Errorf("outbox %s: name one entry id", sub)
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil {
		return fmt.Errorf("outbox %s: %q is not an entry id", sub, rest[0])
	}
	if sub == "retry" {
		e, err := s.RequeueOutbox(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "write-back %d (%s %s row %d) queued again; the running connector sends it shortly\n", e.ID, e.Op, e.Entity, e.RID)
		auditCLI(ctx, s, "outbox.retry", rest[0], "")
		return nil
	}
	return outboxShow(ctx, s, id, stdout)
}

func outboxList(ctx context.Context, s *storage.Store, states, user string, limit int, stdout io.Writer) error {
	f := storage.OutboxFilter{Limit: limit}
	if user != "" {
		a, err := s.Account(ctx, user)
		if err != nil {
			return fmt.Errorf("outbox list --user %s: %w", user, err)
		}
		f.UserID = a.ID
	}
	if states != "all" {
		for _, name := range strings.Split(states, ",") {
			st, ok := parseOutboxState(strings.TrimSpace(name))
			if !ok {
				return fmt.Errorf("outbox list: unknown state %q (failed, pending, held, done, all)", name)
			}
			f.States = append(f.States, st)
		}
	}
	entries, err := s.Outbox(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tOP\tENTITY\tROW\tFIELDS\tUSER\tATTEMPTS\tCREATED\tMESSAGE")
	for _, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\n", e.ID, e.State, e.Op, e.Entity, e.RID, e.FieldMask, outboxUser(e), e.Attempts,
			e.CreatedAt.UTC().Format("2006-01-02 15:04:05"), oneLine(e.LastError))
	}
	tw.Flush()
	if len(entries) == 0 {
		fmt.Fprintln(stdout, "(no write-backs in these states)")
	}
	return nil
}

func outboxShow(ctx context.Context, s *storage.Store, id int64, stdout io.Writer) error {
	e, err := s.OutboxEntryByID(ctx, id)
	if err != nil {
		return fmt.Errorf("outbox show %d: %w", id, err)
	}
	fmt.Fprintf(stdout, "write-back %d: %s %s row %d, %s after %d attempt(s)\n", e.ID, e.Op, e.Entity, e.RID, e.State, e.Attempts)
	fmt.Fprintf(stdout, "payload: %s\n", e.Payload)
	if e.UserID != nil {
		fmt.Fprintf(stdout, "made by %s", outboxUser(e))
		if e.AsResourceID != nil {
			fmt.Fprintf(stdout, " (PSA resource %d)", *e.AsResourceID)
		}
		fmt.Fprintln(stdout)
	}
	if e.LastError != "" {
		fmt.Fprintf(stdout, "message: %s\n", e.LastError)
	}
	hist, err := s.OutboxHistory(ctx, id)
	if err != nil {
		return err
	}
	for _, h := range hist {
		fmt.Fprintf(stdout, "  %s  %-9s %s\n", h.At.UTC().Format("2006-01-02 15:04:05"), h.Kind, h.Message)
	}
	return nil
}

// outboxUser names who made a write-back: a login, a user since removed
// (#id), or "-" for the server's own (no user).
func outboxUser(e storage.OutboxEntry) string {
	switch {
	case e.UserLogin != "":
		return e.UserLogin
	case e.UserID != nil:
		return fmt.Sprintf("#%d", *e.UserID)
	}
	return "-"
}

func parseOutboxState(s string) (storage.OutboxState, bool) {
	for _, st := range []storage.OutboxState{storage.OutboxPending, storage.OutboxDone, storage.OutboxFailed, storage.OutboxHeld} {
		if st.String() == s {
			return st, true
		}
	}
	return 0, false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
