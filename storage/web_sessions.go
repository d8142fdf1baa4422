package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A browser session of the web console: the cookie holds a random secret,
// the database its keyed hash (console_secrets.go) with the account, the
// CSRF token the session's forms carry, and when it expires. Stored in
// the database so every instance behind a load balancer knows it.

// WebSession is a signed-in browser.
type WebSession struct {
	Account   Account
	CSRF      string
	ExpiresAt time.Time
}

// CreateWebSession signs login's browser in for ttl and returns the
// cookie's secret with the session.
func (s *Store) CreateWebSession(ctx context.Context, acct Account, ttl time.Duration) (string, WebSession, error) {
	secret := newSecret()
	hash, err := s.hashSecret(ctx, secret)
	if err != nil {
		return "", WebSession{}, err
	}
	now := s.now().UTC().Truncate(time.Second)
	sess := WebSession{Account: acct, CSRF: newSecret(), ExpiresAt: now.Add(ttl)}
	err = s.Write(ctx, func(ctx context.Context, t *Tx) error {
		// Expired sessions go whenever someone signs in.
		if _, err := t.tx.NewRaw("DELETE FROM web_sessions WHERE expires_at < ?", now).Exec(ctx); err != nil {
			return err
		}
		_, err := t.tx.NewRaw("INSERT INTO web_sessions (secret_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			hash, acct.ID, sess.CSRF, now, sess.ExpiresAt).Exec(ctx)
		return err
	})
	if err != nil {
		return "", WebSession{}, fmt.Errorf("storage: creating session: %w", err)
	}
	return secret, sess, nil
}

// WebSessionBySecret returns the live session a cookie's secret names, with
// its account as it is now; ErrNotFound when there is none, it expired or
// the account is disabled.
func (s *Store) WebSessionBySecret(ctx context.Context, secret string) (WebSession, error) {
	if !looksLikeSecret(secret) {
		return WebSession{}, ErrNotFound
	}
	hash, err := s.hashSecret(ctx, secret)
	if err != nil {
		return WebSession{}, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row struct {
		UserID    int64     `bun:"user_id"`
		CSRF      string    `bun:"csrf"`
		ExpiresAt time.Time `bun:"expires_at"`
	}
	err = s.db.NewRaw("SELECT user_id, csrf, expires_at FROM web_sessions WHERE secret_hash = ?", hash).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return WebSession{}, ErrNotFound
	}
	if err != nil {
		return WebSession{}, fmt.Errorf("storage: reading session: %w", err)
	}
	if !s.now().Before(row.ExpiresAt) {
		return WebSession{}, ErrNotFound
	}
	var accts []accountScan
	if err := s.db.NewRaw(s.accountQuery()+" WHERE a.id = ?", row.UserID).Scan(ctx, &accts); err != nil {
		return WebSession{}, fmt.Errorf("storage: reading account: %w", err)
	}
	if len(accts) == 0 || !accts[0].Enabled {
		return WebSession{}, ErrNotFound
	}
	return WebSession{Account: accts[0].account(), CSRF: row.CSRF, ExpiresAt: row.ExpiresAt}, nil
}

// DeleteWebSession signs a browser out.
func (s *Store) DeleteWebSession(ctx context.Context, secret string) error {
	if !looksLikeSecret(secret) {
		return nil
	}
	hash, err := s.hashSecret(ctx, secret)
	if err != nil {
		return err
	}
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		_, err := t.tx.NewRaw("DELETE FROM web_sessions WHERE secret_hash = ?", hash).Exec(ctx)
		return err
	})
}
