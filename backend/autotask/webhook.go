package autotask

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/mapping"
)

// SignatureHeader carries a webhook delivery's signature: "sha1=" and the
// base64 HMAC-SHA1 of the body under the callout's secret key.
const SignatureHeader = "X-Hook-Signature"

// ErrBadSignature is a delivery whose signature does not match.
var ErrBadSignature = backend.ErrBadSignature

// Payload is a webhook delivery's body (docs/autotask.md A16).
type Payload struct {
	Action         string          `json:"Action"` // Create, Update, Delete
	GUID           string          `json:"Guid"`
	EntityType     string          `json:"EntityType"` // Contact, Company
	ID             int64           `json:"Id"`
	Fields         json.RawMessage `json:"Fields"`
	EventTime      string          `json:"EventTime"`
	SequenceNumber int64           `json:"SequenceNumber"`
	PersonID       *int64          `json:"PersonID"`
}

// SetWebhookSecret sets the secret key deliveries are checked against.
func (c *Connector) SetWebhookSecret(secret string) {
	c.SetWebhookSecretSource(func() string { return secret })
}

// SetWebhookSecretSource sets where the secret key comes from when a
// delivery arrives (it may be set up after the server started).
func (c *Connector) SetWebhookSecretSource(source func() string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.webhookSecret = source
}

// VerifyWebhook checks a delivery's X-Hook-Signature against its raw body
// and decodes the event. Autotask signs the body after escaping, inside
// strings, & < > ' " + ` and every non-ASCII character as \uXXXX (n8n's
// customEscapeJsonStrings); the signature over the body as received is
// accepted too, for a sender that signs what it sends.
func (c *Connector) VerifyWebhook(r *http.Request, body []byte) ([]backend.Hint, error) {
	secret, err := c.currentWebhookSecret()
	if err != nil {
		return nil, err
	}
	if !ValidSignature(secret, body, r.Header.Get(SignatureHeader)) {
		return nil, ErrBadSignature
	}
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("autotask: webhook payload: %w", err)
	}
	e, ok := webhookEntity(p.EntityType)
	if !ok || p.GUID == "" || p.ID == 0 {
		return nil, fmt.Errorf("autotask: webhook payload names no record psadav mirrors (%q %d)", p.EntityType, p.ID)
	}
	h := backend.Hint{GUID: p.GUID, Sequence: p.SequenceNumber, Entity: e, ID: p.ID, Action: p.Action, PersonID: p.PersonID}
	if t, err := time.Parse(time.RFC3339Nano, p.EventTime); err == nil {
		h.At = &t
	}
	// Fields holds the changed subscribed fields with their new values
	// (docs/autotask.md A16): what tells an echo of psadav's
	// own write-back from a change made in Autotask.
	var fields map[string]json.RawMessage
	if json.Unmarshal(p.Fields, &fields) == nil && len(fields) > 0 {
		h.Fields = fields
	}
	return []backend.Hint{h}, nil
}

// errNoWebhookSecret: nothing can be verified, so everything is refused.
var errNoWebhookSecret = fmt.Errorf("%w: no webhook secret is configured", ErrBadSignature)

func (c *Connector) currentWebhookSecret() (string, error) {
	c.mu.Lock()
	source := c.webhookSecret
	c.mu.Unlock()
	secret := ""
	if source != nil {
		secret = source()
	}
	if secret == "" {
		return "", errNoWebhookSecret
	}
	return secret, nil
}

// VerifyDeactivation authenticates a notice on the deactivation URL.
// Autotask documents the X-Hook-Signature for callouts only, not for this
// notice, so the URL webhooks install registers carries a token of its
// own (DeactivationURL); a notice that is signed like a delivery is
// accepted too. Anything else is forged.
func (c *Connector) VerifyDeactivation(r *http.Request, body []byte) error {
	secret, err := c.currentWebhookSecret()
	if err != nil {
		return err
	}
	token := r.URL.Query().Get(deactivationTokenParam)
	if hmac.Equal([]byte(token), []byte(deactivationToken(secret))) || ValidSignature(secret, body, r.Header.Get(SignatureHeader)) {
		return nil
	}
	return ErrBadSignature
}

// deactivationTokenParam is the query parameter of the deactivation URL
// that carries its token (a query, not a path segment: psadav logs paths).
const deactivationTokenParam = "token"

// deactivationToken is derived from the webhook secret (HMAC-SHA256 of a
// fixed label), so it needs no storage of its own and changes when the
// secret does; it is as hard to guess as the secret.
func deactivationToken(secret string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte("psadav webhook deactivation notice"))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// DeactivationURL is the deactivation URL webhooks install registers
// under base (psadav's public address).
func DeactivationURL(base, secret string) string {
	return strings.TrimSuffix(base, "/") + DeactivationPath + "?" + deactivationTokenParam + "=" + deactivationToken(secret)
}

// webhookEntity maps a payload's EntityType ("Contact") to the entity.
func webhookEntity(t string) (mapping.Entity, bool) {
	for _, s := range specs {
		if !s.plan.Webhooks {
			continue
		}
		name := string(s.plan.Entity)
		if strings.EqualFold(t, name) || strings.EqualFold(t, singular(name)) {
			return s.plan.Entity, true
		}
	}
	return "", false
}

func singular(plural string) string {
	switch {
	case strings.HasSuffix(plural, "ies"):
		return strings.TrimSuffix(plural, "ies") + "y"
	case strings.HasSuffix(plural, "s"):
		return strings.TrimSuffix(plural, "s")
	}
	return plural
}

// Sign computes the X-Hook-Signature value Autotask sends with body.
func Sign(secret string, body []byte) string {
	return "sha1=" + base64.StdEncoding.EncodeToString(mac(secret, EscapeForSignature(body)))
}

// ValidSignature checks a signature header against a body in constant time.
func ValidSignature(secret string, body []byte, header string) bool {
	got, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(strings.TrimSpace(header), "sha1="))
	if err != nil || len(got) != sha1.Size {
		return false
	}
	escaped := hmac.Equal(got, mac(secret, EscapeForSignature(body)))
	plain := hmac.Equal(got, mac(secret, body))
	return escaped || plain
}

func mac(secret string, b []byte) []byte {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write(b)
	return h.Sum(nil)
}

// signatureEscapes are the characters Autotask escapes inside strings.
var signatureEscapes = map[rune]string{
	'&': `\u0026`, '<': `\u003C`, '>': `\u003E`, '\'': `\u0027`, '"': `\u0022`, '`': `\u0060`, '+': `\u002B`,
}

// EscapeForSignature applies Autotask's escaping to a JSON body: inside
// string values, the characters above and every character beyond ASCII
// become \uXXXX (UTF-16 code units, upper-case hex), and an escaped quote
// \" becomes \u0022. Everything else, escapes included, stays as it is.
func EscapeForSignature(body []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(body) + len(body)/8)
	inString, escaped := false, false
	for _, r := range string(body) {
		switch {
		case r == '"' && escaped && inString:
			out.Truncate(out.Len() - 1) // the backslash
			out.WriteString(signatureEscapes['"'])
		case r == '\\' && !escaped:
			escaped = true
			out.WriteByte('\\')
			continue
		case r == '"' && !escaped:
			inString = !inString
			out.WriteByte('"')
		case inString && !escaped:
			if e, ok := signatureEscapes[r]; ok {
				out.WriteString(e)
			} else if r > 127 {
				for _, u := range utf16.Encode([]rune{r}) {
					fmt.Fprintf(&out, `\u%04X`, u)
				}
			} else {
				out.WriteRune(r)
			}
		default:
			out.WriteRune(r)
		}
		escaped = false
	}
	return out.Bytes()
}
