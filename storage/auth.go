package storage

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// DefaultPasswordCost makes one verification slow for a guesser
// (docs/performance.md), and paid once per client and password thanks to
// verifiedCache. Tests lower it (Options.PasswordCost).
const DefaultPasswordCost = 11

// MinPasswordLength is the shortest password an account may have.
const MinPasswordLength = 4

func (s *Store) hashPassword(password string) (string, error) {
	if len(password) < MinPasswordLength {
		return "", fmt.Errorf("storage: password must have at least %d characters", MinPasswordLength)
	}
	if len(password) > 72 {
		return "", errors.New("storage: password must have at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.passwordCost)
	if err != nil {
		return "", fmt.Errorf("storage: hashing password: %w", err)
	}
	return string(h), nil
}

// verifiedCache remembers passwords already checked against a stored hash,
// by SHA-256 only, so a client sending Basic credentials on every request
// pays for bcrypt once. An entry is valid only while the stored hash is the
// one it was checked against: a password change or reset invalidates it.
type verifiedCache struct {
	mu sync.Mutex
	m  map[string]verifiedEntry
}

type verifiedEntry struct {
	hash  string
	sum   [32]byte
	until time.Time
}

const verifiedTTL = 10 * time.Minute

func (c *verifiedCache) ok(login, hash string, sum [32]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.m[login]
	return found && e.hash == hash && now.Before(e.until) && subtle.ConstantTimeCompare(e.sum[:], sum[:]) == 1
}

func (c *verifiedCache) put(login, hash string, sum [32]byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]verifiedEntry{}
	}
	c.m[login] = verifiedEntry{hash: hash, sum: sum, until: now.Add(verifiedTTL)}
}

// dummyHash is compared against when the login does not exist, so a wrong
// login costs as much time as a wrong password. Made on first use.
func (s *Store) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte("psadav-no-such-user"), s.passwordCost)
	})
	return s.dummy
}

// checkPassword compares a password with a stored bcrypt hash (the dummy
// hash when hash is empty) on the bounded pool. Concurrent checks of the
// same login, hash and password share one comparison (singleflight): a
// client's first requests after a restart cost one hash, not one each.
func (s *Store) checkPassword(ctx context.Context, login, hash string, sum [32]byte, password string) (bool, error) {
	key := login + "\x00" + hash + "\x00" + string(sum[:])
	v, err, _ := s.passwordFlight.Do(key, func() (any, error) {
		// Shared by every waiter: the first caller's cancellation must not
		// fail the others; the pool bounds the wait.
		ctx := context.WithoutCancel(ctx)
		ok := false
		err := s.passwords.run(ctx, func() {
			s.passwordChecks.Add(1)
			if hash == "" {
				bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(password))
				return
			}
			ok = bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
		})
		return ok, err
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// PasswordChecks is how many passwords this store has compared against a
// bcrypt hash since it was opened: the work a login costs, counted for
// tests and benchmarks.
func (s *Store) PasswordChecks() int64 { return s.passwordChecks.Load() }

// Authenticate checks a login and password. It returns ErrBadCredentials
// for an unknown login, a wrong password or a disabled account alike, and
// ErrBusy when the password could not be checked now (the pool of password
// work is full). Throttling guessers is the caller's job (package dav): it
// knows the client's address.
func (s *Store) Authenticate(ctx context.Context, login, password string) (Account, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if looksLikeSecret(password) {
		// An app password is checked by an index lookup of its keyed
		// hash (app_passwords.go); a main password of the same shape
		// still gets its bcrypt check below.
		if acct, err := s.authenticateAppPassword(ctx, login, password); !errors.Is(err, ErrBadCredentials) {
			return acct, err
		}
	}
	row, err := s.queryRowPrepared(ctx, `SELECT a.id, a.login, a.resource_id, a.enabled, a.created_at, a.last_login_at, a.is_admin, a.password_hash,
	        s.contacts_scope, s.all_contacts, s.calendar, s.tasks, s.time_zone
	        FROM accounts a JOIN user_settings s ON s.user_id = a.id WHERE a.login = ?`, login)
	if err != nil {
		return Account{}, fmt.Errorf("storage: reading account: %w", err)
	}
	var a accountScan
	var hash string
	var resource sql.NullInt64
	var lastLogin sql.NullTime
	err = row.Scan(&a.ID, &a.Login, &resource, &a.Enabled, &a.CreatedAt, &lastLogin, &a.Admin, &hash,
		&a.ContactsScope, &a.AllContacts, &a.Calendar, &a.Tasks, &a.TimeZone)
	found := err == nil
	if err != nil && !isNoRows(err) {
		return Account{}, fmt.Errorf("storage: reading account: %w", err)
	}
	if resource.Valid {
		a.ResourceID = &resource.Int64
	}
	if lastLogin.Valid {
		a.LastLoginAt = &lastLogin.Time
	}
	now := s.now()
	sum := sha256.Sum256([]byte(password))
	if !found {
		if _, err := s.checkPassword(ctx, login, "", sum, password); err != nil {
			return Account{}, err
		}
		return Account{}, ErrBadCredentials
	}
	// A password already verified against this hash costs no bcrypt and
	// never waits for the pool: known clients are answered during a flood.
	if !s.verified.ok(login, hash, sum, now) {
		ok, err := s.checkPassword(ctx, login, hash, sum, password)
		if err != nil {
			return Account{}, err
		}
		if !ok {
			return Account{}, ErrBadCredentials
		}
		s.verified.put(login, hash, sum, now)
	}
	if !a.Enabled {
		return Account{}, ErrBadCredentials
	}
	acct := a.account()
	// Record the login, at most every few minutes per user.
	if acct.LastLoginAt == nil || now.Sub(*acct.LastLoginAt) > 5*time.Minute {
		_, err := s.wdb.NewUpdate().Table("accounts").Set("last_login_at = ?", now.UTC()).Where("id = ?", acct.ID).Exec(ctx)
		if err != nil {
			s.log.Warn("recording last login", "user", login, "err", err)
		}
	}
	return acct, nil
}
