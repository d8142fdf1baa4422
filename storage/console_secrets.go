package storage

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
)

// App passwords, API tokens and browser sessions are long random secrets
// (160 bits). They need no slow hash: nobody can guess one, so what the
// stored hash must resist is only a stolen database, and a keyed hash
// (HMAC-SHA256 under a key the database holds once, server_secrets) makes
// checking one an index lookup — microseconds, where bcrypt costs tens of
// milliseconds per phone after every restart.

// secretLen is the length of a generated secret: 20 random bytes in
// lower-case base32.
const secretLen = 32

var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newSecret returns a fresh random secret.
func newSecret() string {
	b := make([]byte, 20)
	rand.Read(b) // never fails (crypto/rand)
	return strings.ToLower(secretEncoding.EncodeToString(b))
}

// looksLikeSecret reports whether s has the shape newSecret gives.
func looksLikeSecret(s string) bool {
	if len(s) != secretLen {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// secretKeyCache holds the HMAC key once read from the database.
type secretKeyCache struct {
	mu  sync.Mutex
	key []byte
}

const secretKeyName = "secret-hash-key"

// hashSecret returns the keyed hash a secret is stored and found by. The
// key is made on first use; every instance sharing the database reads the
// same one.
func (s *Store) hashSecret(ctx context.Context, secret string) (string, error) {
	key, err := s.loadSecretKey(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil)), nil
}

func (s *Store) loadSecretKey(ctx context.Context) ([]byte, error) {
	c := &s.secretKey
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != nil {
		return c.key, nil
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	// Two instances starting at once: the first insert wins, both read it.
	if _, err := s.wdb.NewRaw("INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
		secretKeyName, hex.EncodeToString(fresh)).Exec(ctx); err != nil {
		return nil, fmt.Errorf("storage: storing the secret key: %w", err)
	}
	var value string
	if err := s.wdb.NewRaw("SELECT value FROM server_secrets WHERE name = ?", secretKeyName).Scan(ctx, &value); err != nil {
		return nil, fmt.Errorf("storage: reading the secret key: %w", err)
	}
	key, err := hex.DecodeString(value)
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("storage: the secret key in server_secrets is damaged")
	}
	c.key = key
	return key, nil
}
