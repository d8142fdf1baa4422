package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/emersion/go-vcard"
)

// vCards are held as go-vcard Cards. Convention for Field.Value:
//   - structured properties (N, ADR, ORG, GENDER, CLIENTPIDMAP): the
//     components joined by ';', a ';' inside a component written "\;";
//   - every other property: the plain, unescaped value.
//
// DecodeCard reads with go-vcard's decoder and completes its unescaping;
// EncodeCard writes with escaping per value type and folded lines, which
// go-vcard's encoder does not do (it leaves ';' unescaped in text and
// escapes ',' inside URIs and data).

// ErrNotVCard is returned for a body that is not one vCard.
var ErrNotVCard = errors.New("not a vCard")

// MaxCardBytes bounds what DecodeCard accepts; DAV bodies are bounded earlier.
const MaxCardBytes = 4 << 20

var structuredProps = map[string]bool{"N": true, "ADR": true, "ORG": true, "GENDER": true, "CLIENTPIDMAP": true}

// listProps hold comma-separated lists.
var listProps = map[string]bool{"CATEGORIES": true, "NICKNAME": true}

// DecodeCard parses exactly one vCard (3.0 or 4.0).
func DecodeCard(body []byte) (vcard.Card, error) {
	if len(body) > MaxCardBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrNotVCard, MaxCardBytes)
	}
	trimmed := bytes.TrimSpace(body)
	if !bytes.HasPrefix(bytes.ToUpper(trimmed[:min(len(trimmed), 11)]), []byte("BEGIN:VCARD")) {
		return nil, fmt.Errorf("%w: it must start with BEGIN:VCARD", ErrNotVCard)
	}
	dec := vcard.NewDecoder(bytes.NewReader(typedBareParams(trimmed)))
	card, err := dec.Decode()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotVCard, err)
	}
	if _, err := dec.Decode(); err != io.EOF {
		return nil, fmt.Errorf("%w: more than one vCard in the body", ErrNotVCard)
	}
	switch v := card.Value(vcard.FieldVersion); v {
	case "3.0", "4.0":
	case "2.1":
		return nil, fmt.Errorf("%w: vCard 2.1 is not supported; send 3.0 or 4.0", ErrNotVCard)
	default:
		return nil, fmt.Errorf("%w: VERSION %q; send 3.0 or 4.0", ErrNotVCard, v)
	}
	for name, fields := range card {
		if !validName(name) {
			return nil, fmt.Errorf("%w: invalid property name %q", ErrNotVCard, name)
		}
		for _, f := range fields {
			if err := checkNames(name, f); err != nil {
				return nil, err
			}
			if !structuredProps[name] {
				f.Value = unescapeRest(f.Value)
			}
		}
	}
	return card, nil
}

// validName reports whether a property, parameter or group name is an
// iana-token or x-name (RFC 6350 §3.3: letters, digits and '-').
func validName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func checkNames(name string, f *vcard.Field) error {
	if f.Group != "" && !validName(f.Group) {
		return fmt.Errorf("%w: %s has an invalid group name %q", ErrNotVCard, name, f.Group)
	}
	for k := range f.Params {
		if !validName(k) {
			return fmt.Errorf("%w: %s has an invalid parameter name %q", ErrNotVCard, name, k)
		}
	}
	return nil
}

// unescapeRest finishes go-vcard's unescaping of a text value: it turns
// "\;" into ';', "\N" into a newline and "\:" (Outlook writes it) into ':'
// (go-vcard already did "\\", "\n", "\,").
func unescapeRest(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	return restUnescaper.Replace(v)
}

// typedBareParams rewrites parameters without a name ("TEL;WORK;VOICE:",
// the vCard 2.1 style that Outlook and older phones still write in 3.0
// cards) as TYPE parameters. go-vcard would otherwise read the value as a
// parameter and lose it. Lines are unfolded first (RFC 6350 §3.2), and the
// body is returned unfolded.
func typedBareParams(body []byte) []byte {
	text := unfolder.Replace(string(body))
	lines := strings.Split(text, "\n")
	changed := false
	for i, line := range lines {
		if fixed, ok := typeBareParams(line); ok {
			lines[i], changed = fixed, true
		}
	}
	if !changed {
		// Unfolded all the same: go-vcard joins a folded line's parts by
		// string concatenation, which costs the square of their number
		// (a long folded NOTE took seconds: docs/performance.md).
		return []byte(text)
	}
	return []byte(strings.Join(lines, "\n"))
}

// typeBareParams fixes one content line; ok is false when nothing changed.
func typeBareParams(line string) (string, bool) {
	semi := strings.IndexByte(line, ';')
	colon := strings.IndexByte(line, ':')
	if semi < 0 || (colon >= 0 && colon < semi) {
		return line, false
	}
	var b strings.Builder
	b.WriteString(line[:semi])
	changed, quoted, start := false, false, semi+1
	for i := semi + 1; i <= len(line); i++ {
		end := i == len(line)
		if !end && line[i] == '"' {
			quoted = !quoted
		}
		if !end && (quoted || (line[i] != ';' && line[i] != ':')) {
			continue
		}
		seg := line[start:i]
		b.WriteByte(';')
		if seg != "" && !strings.Contains(seg, "=") {
			b.WriteString("TYPE=")
			changed = true
		}
		b.WriteString(seg)
		if end || line[i] == ':' {
			b.WriteString(line[i:])
			break
		}
		start = i + 1
	}
	return b.String(), changed
}

// Components splits a structured value into its unescaped components.
func Components(v string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v) && v[i+1] == ';':
			cur.WriteByte(';')
			i++
		case v[i] == ';':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(v[i])
		}
	}
	return append(out, cur.String())
}

// JoinComponents builds a structured value from unescaped components,
// dropping empty trailing components beyond min.
func JoinComponents(parts []string, min int) string {
	n := len(parts)
	for n > min && parts[n-1] == "" {
		n--
	}
	esc := make([]string, n)
	for i, p := range parts[:n] {
		esc[i] = strings.ReplaceAll(p, ";", `\;`)
	}
	return strings.Join(esc, ";")
}

// Component returns component i of a structured value ("" when absent).
func Component(v string, i int) string {
	c := Components(v)
	if i < len(c) {
		return c[i]
	}
	return ""
}

// EncodeCard writes a card: BEGIN, VERSION, then the properties in name
// order (the output is a function of the card, so ETags are stable), END.
func EncodeCard(card vcard.Card) []byte {
	var b bytes.Buffer
	b.WriteString("BEGIN:VCARD\r\n")
	version := card.Value(vcard.FieldVersion)
	if version == "" {
		version = "3.0"
	}
	writeFolded(&b, "VERSION:"+version)
	names := make([]string, 0, len(card))
	for name := range card {
		if name != vcard.FieldVersion && name != "BEGIN" && name != "END" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		for _, f := range card[name] {
			writeFolded(&b, contentLine(name, f))
		}
	}
	b.WriteString("END:VCARD\r\n")
	return b.Bytes()
}

func contentLine(name string, f *vcard.Field) string {
	var b strings.Builder
	if f.Group != "" {
		b.WriteString(f.Group)
		b.WriteByte('.')
	}
	b.WriteString(name)
	keys := make([]string, 0, len(f.Params))
	for k := range f.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals := f.Params[k]
		if len(vals) == 0 {
			continue
		}
		b.WriteByte(';')
		b.WriteString(k)
		b.WriteByte('=')
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(paramValue(v))
		}
	}
	b.WriteByte(':')
	b.WriteString(escapeValue(name, f))
	return b.String()
}

// paramValue quotes a parameter value that holds a separator; a double
// quote cannot be represented and becomes a single quote.
func paramValue(v string) string {
	v = paramCleaner.Replace(v)
	if strings.ContainsAny(v, ";:,") {
		return `"` + v + `"`
	}
	return v
}

var (
	// Built once: a Replacer builds its lookup on first use.
	restUnescaper = strings.NewReplacer(`\;`, ";", `\N`, "\n", `\:`, ":")
	unfolder      = strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "")
	paramCleaner  = strings.NewReplacer(`"`, "'", "\r", "", "\n", " ")
	textEscaper   = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	listEscaper   = strings.NewReplacer(`\`, `\\`, ";", `\;`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	rawEscaper    = strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\n`)
)

func escapeValue(name string, f *vcard.Field) string {
	switch {
	case structuredProps[name]:
		parts := Components(f.Value)
		for i, p := range parts {
			parts[i] = textEscaper.Replace(p)
		}
		return strings.Join(parts, ";")
	case listProps[name]:
		return listEscaper.Replace(f.Value)
	case rawValue(name, f):
		return rawEscaper.Replace(f.Value)
	default:
		return textEscaper.Replace(f.Value)
	}
}

// rawValue reports whether a value is a URI, a date or binary data, which
// take no backslash escapes.
func rawValue(name string, f *vcard.Field) bool {
	switch name {
	case "URL", "PHOTO", "LOGO", "SOUND", "KEY", "IMPP", "SOURCE", "MEMBER", "FBURL", "CALURI", "CALADRURI",
		"REV", "BDAY", "ANNIVERSARY", "GEO", "TZ", "X-SOCIALPROFILE", "X-ADDRESSBOOKSERVER-MEMBER", "VERSION":
		return true
	}
	if strings.EqualFold(f.Params.Get("ENCODING"), "b") || strings.EqualFold(f.Params.Get("ENCODING"), "base64") {
		return true
	}
	switch strings.ToLower(f.Params.Get(vcard.ParamValue)) {
	case "uri", "url", "date", "date-time", "timestamp", "date-and-or-time", "binary":
		return true
	}
	return false
}

// writeFolded writes one content line folded at 75 octets (RFC 6350 §3.2,
// RFC 5545 §3.1), never inside a UTF-8 sequence, ending with CRLF.
func writeFolded(b *bytes.Buffer, line string) {
	const limit = 75
	for len(line) > limit {
		cut := limit
		for cut > 1 && line[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		// continuation lines carry the leading space in their 75 octets
		const cont = limit - 1
		for len(line) > cont {
			c := cont
			for c > 1 && line[c]&0xC0 == 0x80 {
				c--
			}
			b.WriteString(line[:c])
			b.WriteString("\r\n ")
			line = line[c:]
		}
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}
