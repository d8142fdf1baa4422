package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// AppPassword is a device's own password for one account: DAV accepts it
// like the main password; deleting it (Revoke) takes effect at the next
// request.
type AppPassword struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	CreatedAt    time.Time  `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	LastUsedFrom string     `json:"last_used_from,omitempty"`
}

// MaxSecretName bounds the name of an app password or API token.
const MaxSecretName = 64

// ValidateSecretName checks the name given to an app password or token.
func ValidateSecretName(name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("a name is required (e.g. the device: \"Anna's iPhone\")")
	}
	if len(name) > MaxSecretName || !validText(name) {
		return fmt.Errorf("the name must be at most %d characters of text", MaxSecretName)
	}
	return nil
}

// validText reports whether s is UTF-8 without control characters.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// CreateAppPassword makes a new app password for login and returns it with
// its secret, which is stored only as a keyed hash and never shown again.
func (s *Store) CreateAppPassword(ctx context.Context, login, name string) (AppPassword, string, error) {
	if err := ValidateSecretName(name); err != nil {
		return AppPassword{}, "", err
	}
	acct, err := s.Account(ctx, login)
	if err != nil {
		return AppPassword{}, "", err
	}
	secret := newSecret()
	hash, err := s.hashSecret(ctx, secret)
	if err != nil {
		return AppPassword{}, "", err
	}
	now := s.now().UTC().Truncate(time.Second)
	var id int64
	err = s.Write(ctx, func(ctx context.Context, t *Tx) error {
		return t.tx.NewRaw("INSERT INTO app_passwords (user_id, name, secret_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			acct.ID, name, hash, now).Scan(ctx, &id)
	})
	if err != nil {
		return AppPassword{}, "", fmt.Errorf("storage: creating app password: %w", err)
	}
	return AppPassword{ID: id, Name: name, CreatedAt: now}, secret, nil
}

// AppPasswords lists login's app passwords, oldest first, without secrets.
func (s *Store) AppPasswords(ctx context.Context, login string) ([]AppPassword, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.Account(ctx, login); err != nil {
		return nil, err
	}
	var out []AppPassword
	err := s.db.NewRaw(`SELECT p.id, p.name, p.created_at, p.last_used_at, p.last_used_from FROM app_passwords p
		JOIN accounts a ON a.id = p.user_id WHERE a.login = ? ORDER BY p.id`, login).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("storage: listing app passwords: %w", err)
	}
	return out, nil
}

// AppPasswordCounts says how many app passwords each account has, by login.
func (s *Store) AppPasswordCounts(ctx context.Context) (map[string]int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []struct {
		Login string `bun:"login"`
		N     int    `bun:"n"`
	}
	err := s.db.NewRaw(`SELECT a.login, COUNT(*) AS n FROM app_passwords p JOIN accounts a ON a.id = p.user_id GROUP BY a.login`).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("storage: counting app passwords: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Login] = r.N
	}
	return out, nil
}

// RevokeAppPassword deletes login's app password id: the next request
// with it fails. ErrNotFound when login has no such app password.
func (s *Store) RevokeAppPassword(ctx context.Context, login string, id int64) error {
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		res, err := t.tx.NewRaw(`DELETE FROM app_passwords WHERE id = ? AND user_id = (SELECT id FROM accounts WHERE login = ?)`, id, login).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// appPasswordUseInterval is how often a password's last use is written:
// a syncing phone authenticates on every request.
const appPasswordUseInterval = time.Minute

// authenticateAppPassword finds login's app password by its keyed hash.
// ErrBadCredentials when there is none or the account is disabled.
func (s *Store) authenticateAppPassword(ctx context.Context, login, secret string) (Account, error) {
	hash, err := s.hashSecret(ctx, secret)
	if err != nil {
		return Account{}, err
	}
	var row struct {
		accountScan
		PasswordID int64      `bun:"password_id"`
		LastUsed   *time.Time `bun:"password_last_used"`
	}
	q := strings.Replace(s.accountQuery(), " FROM accounts a", ", p.id AS password_id, p.last_used_at AS password_last_used FROM accounts a", 1) +
		" JOIN app_passwords p ON p.user_id = a.id WHERE p.secret_hash = ? AND a.login = ?"
	if err := s.db.NewRaw(q, hash, login).Scan(ctx, &row); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Account{}, ErrBadCredentials
		}
		return Account{}, fmt.Errorf("storage: reading app password: %w", err)
	}
	if !row.Enabled {
		return Account{}, ErrBadCredentials
	}
	now := s.now()
	if row.LastUsed == nil || now.Sub(*row.LastUsed) > appPasswordUseInterval {
		if _, err := s.wdb.NewRaw("UPDATE app_passwords SET last_used_at = ?, last_used_from = ? WHERE id = ?",
			now.UTC(), remoteFrom(ctx), row.PasswordID).Exec(ctx); err != nil {
			s.log.Warn("recording app password use", "user", login, "err", err)
		}
	}
	acct := row.account()
	acct.AppPasswordID = row.PasswordID
	return acct, nil
}

type remoteKey struct{}

// WithRemote tells storage the client address a request came from, which
// it records with an app password's last use.
func WithRemote(ctx context.Context, remote string) context.Context {
	return context.WithValue(ctx, remoteKey{}, remote)
}

func remoteFrom(ctx context.Context) string {
	r, _ := ctx.Value(remoteKey{}).(string)
	if len(r) > 64 {
		r = r[:64]
	}
	return r
}
