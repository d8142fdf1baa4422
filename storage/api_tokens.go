package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APITokenPrefix starts every API token, so a token pasted where a
// password belongs (or found in a log) is recognised for what it is.
const APITokenPrefix = "psadav_"

// APIToken is a named credential for scripts using the JSON API with an
// admin's rights. Its secret is stored only as a keyed hash.
type APIToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// CreateAPIToken makes a token and returns it with its secret, shown once.
func (s *Store) CreateAPIToken(ctx context.Context, name string) (APIToken, string, error) {
	if err := ValidateSecretName(name); err != nil {
		return APIToken{}, "", err
	}
	secret := newSecret()
	hash, err := s.hashSecret(ctx, secret)
	if err != nil {
		return APIToken{}, "", err
	}
	now := s.now().UTC().Truncate(time.Second)
	var id int64
	err = s.Write(ctx, func(ctx context.Context, t *Tx) error {
		err := t.tx.NewRaw("INSERT INTO api_tokens (name, secret_hash, created_at) VALUES (?, ?, ?) RETURNING id",
			name, hash, now).Scan(ctx, &id)
		if err != nil && isUniqueViolation(err) {
			return fmt.Errorf("%w: a token named %q exists", ErrConflict, name)
		}
		return err
	})
	if err != nil {
		return APIToken{}, "", err
	}
	return APIToken{ID: id, Name: name, CreatedAt: now}, APITokenPrefix + secret, nil
}

// APITokens lists the tokens by name, without secrets.
func (s *Store) APITokens(ctx context.Context) ([]APIToken, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out []APIToken
	if err := s.db.NewRaw("SELECT id, name, created_at, last_used_at FROM api_tokens ORDER BY name").Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("storage: listing API tokens: %w", err)
	}
	return out, nil
}

// RevokeAPIToken deletes the token of that name; ErrNotFound if none.
func (s *Store) RevokeAPIToken(ctx context.Context, name string) error {
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		res, err := t.tx.NewRaw("DELETE FROM api_tokens WHERE name = ?", name).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// AuthenticateAPIToken returns the token a bearer secret belongs to, or
// ErrBadCredentials.
func (s *Store) AuthenticateAPIToken(ctx context.Context, token string) (APIToken, error) {
	secret, ok := strings.CutPrefix(token, APITokenPrefix)
	if !ok || !looksLikeSecret(secret) {
		return APIToken{}, ErrBadCredentials
	}
	hash, err := s.hashSecret(ctx, secret)
	if err != nil {
		return APIToken{}, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var t APIToken
	err = s.db.NewRaw("SELECT id, name, created_at, last_used_at FROM api_tokens WHERE secret_hash = ?", hash).Scan(ctx, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, ErrBadCredentials
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("storage: reading API token: %w", err)
	}
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > appPasswordUseInterval {
		if _, err := s.wdb.NewRaw("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now.UTC(), t.ID).Exec(ctx); err != nil {
			s.log.Warn("recording API token use", "token", t.Name, "err", err)
		}
	}
	return t, nil
}
