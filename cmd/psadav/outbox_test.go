package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// psadav outbox list and show say who queued each write-back: the login
// whose client made the change, "-" for the server's own.
func TestOutboxListShowsWho(t *testing.T) {
	for _, db := range dbStoreVariants {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			dbArgs, opts := db.open(t)
			mustRun(t, "", append([]string{"migrate"}, dbArgs...)...)
			mustRun(t, "", append([]string{"user", "add", "jsmith"}, dbArgs...)...)
			s, err := storage.Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.Account(ctx, "jsmith")
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			err = s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
				res, err := tx.UpsertPSA(ctx, mapping.EntityAppointments, &mapping.Appointment{ID: 1, ResourceID: 100, Title: "Review",
					StartDateTime: time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC), EndDateTime: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}, nil)
				if err != nil {
					return err
				}
				for _, user := range []*int64{&a.ID, nil} {
					id, err := tx.Enqueue(ctx, mapping.EntityAppointments, res.RID, storage.OpUpdate, map[string]any{"title": "x"}, user, nil)
					if err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return nil
			})
			s.Close()
			if err != nil {
				t.Fatal(err)
			}
			out := mustRun(t, "", append([]string{"outbox", "list", "--state", "all"}, dbArgs...)...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || !strings.Contains(lines[0], "USER") || !strings.Contains(lines[2], " jsmith ") || !strings.Contains(lines[1], " - ") {
				t.Fatalf("outbox list:\n%s", out)
			}
			out = mustRun(t, "", append([]string{"outbox", "list", "--state", "all", "--user", "jsmith"}, dbArgs...)...)
			if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], strconv.FormatInt(ids[0], 10)+" ") {
				t.Fatalf("outbox list --user jsmith:\n%s", out)
			}
			out = mustRun(t, "", append([]string{"outbox", "show", strconv.FormatInt(ids[0], 10)}, dbArgs...)...)
			if !strings.Contains(out, "made by jsmith") {
				t.Fatalf("outbox show:\n%s", out)
			}
		})
	}
}
