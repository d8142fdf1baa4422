package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// Password is every demo account's password.
const Password = "demo"

// Result says what Seed did.
type Result struct {
	Logins  []string // the technicians' logins, sorted
	Created bool     // false: the store was not empty, nothing was written
}

// Store is what seeding needs of storage (*storage.Store): whether it is
// still empty, and one write transaction.
type Store interface {
	Accounts(ctx context.Context) ([]storage.Account, error)
	CountPSA(ctx context.Context, entity mapping.Entity) (int, error)
	Write(ctx context.Context, fn func(ctx context.Context, tx *storage.Tx) error) error
}

var _ Store = (*storage.Store)(nil)

// Seed fills an empty store with the demo organisation in one transaction:
// an account per technician, then the PSA records (picklists first, then
// records in mapping.Entities order). All dated records lie between 90 days
// before and 180 days after now's day (UTC). A store that already has an
// account or a company is left alone; Seed then reports the demo logins
// it has.
func Seed(ctx context.Context, s Store, now time.Time) (Result, error) {
	accounts, err := s.Accounts(ctx)
	if err != nil {
		return Result{}, err
	}
	companies, err := s.CountPSA(ctx, mapping.EntityCompanies)
	if err != nil {
		return Result{}, err
	}
	if len(accounts) > 0 || companies > 0 {
		return Result{Logins: existingLogins(accounts)}, nil
	}

	g := newGen(now)
	g.build()
	res := Result{Created: true}
	// One transaction: accounts first (their collections start empty), then
	// the records, so each object is rendered once for every user, and a
	// failure leaves the store as empty as it was.
	err = s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		for i, t := range technicians {
			settings := storage.DefaultUserSettings()
			settings.AllContacts = t.allContacts
			if t.timeZone != "" {
				settings.TimeZone = t.timeZone
			}
			if _, err := tx.CreateAccount(ctx, t.user, Password, &g.techs[i].ID, settings); err != nil {
				return fmt.Errorf("account %s: %w", t.user, err)
			}
			res.Logins = append(res.Logins, t.user)
		}
		return g.write(ctx, tx)
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo: seeding the organisation: %w", err)
	}
	slices.Sort(res.Logins)
	return res, nil
}

// write stores the picklists and then every record, in dependency order.
func (g *gen) write(ctx context.Context, tx *storage.Tx) error {
	for _, p := range picklists {
		if err := tx.SavePicklist(ctx, p.entity, p.field, p.values()); err != nil {
			return err
		}
	}
	for _, e := range mapping.Entities {
		for _, rec := range g.recs[e] {
			if _, err := tx.UpsertPSA(ctx, e, rec, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// existingLogins are the accounts of a seeded store that are demo technicians.
func existingLogins(accounts []storage.Account) []string {
	var out []string
	for _, a := range accounts {
		for _, t := range technicians {
			if a.Login == t.user {
				out = append(out, a.Login)
			}
		}
	}
	slices.Sort(out)
	return out
}
