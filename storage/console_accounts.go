package storage

import (
	"context"
	"fmt"
	"strings"
)

// What the web console and its API do to accounts beyond what the CLI's
// user commands already had (users.go).

// SetAdmin gives or takes a login's admin rights (console and API only).
func (s *Store) SetAdmin(ctx context.Context, login string, admin bool) error {
	return s.updateAccount(ctx, login, "is_admin = ?", admin)
}

// DeleteAccount removes a login with its collections, dead properties,
// app passwords and sessions (the foreign keys cascade). Its clients'
// next request is refused; the PSA is not touched.
func (s *Store) DeleteAccount(ctx context.Context, login string) error {
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		res, err := t.tx.NewDelete().Table("accounts").Where("login = ?", login).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		t.markAccountsChanged()
		return nil
	})
}

// AccountPage is one page of accounts as the console lists them.
type AccountPage struct {
	Accounts []Account
	Total    int // accounts matching the search, on every page
}

// maxPageSize bounds a page of a console listing.
const maxPageSize = 500

// SearchAccounts returns the accounts whose login contains query (any case),
// by login, skipping offset and returning at most limit.
func (s *Store) SearchAccounts(ctx context.Context, query string, offset, limit int) (AccountPage, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	limit = min(max(limit, 1), maxPageSize)
	offset = max(offset, 0)
	where, args := "", []any{}
	if query != "" {
		where = " WHERE LOWER(a.login) LIKE ? ESCAPE '\\'"
		args = append(args, "%"+escapeLike(strings.ToLower(query))+"%")
	}
	var page AccountPage
	if err := s.db.NewRaw("SELECT COUNT(*) FROM accounts a"+where, args...).Scan(ctx, &page.Total); err != nil {
		return AccountPage{}, fmt.Errorf("storage: counting accounts: %w", err)
	}
	var rows []accountScan
	q := s.accountQuery() + where + " ORDER BY a.login LIMIT ? OFFSET ?"
	if err := s.db.NewRaw(q, append(args, limit, offset)...).Scan(ctx, &rows); err != nil {
		return AccountPage{}, fmt.Errorf("storage: listing accounts: %w", err)
	}
	for _, r := range rows {
		page.Accounts = append(page.Accounts, r.account())
	}
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
