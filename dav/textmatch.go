package dav

import (
	"net/http"
	"strings"
	"unicode"
)

// text-match, shared by CalDAV (RFC 4791 §9.7.5) and CardDAV (RFC 6352
// §10.5.4) filters: a collation, negation and, in CardDAV, a match type.

type textMatchXML struct {
	Collation string `xml:"collation,attr"`
	Negate    string `xml:"negate-condition,attr"`
	MatchType string `xml:"match-type,attr"`
	Text      string `xml:",chardata"`
}

// textMatch is a compiled text-match.
type textMatch struct {
	fold      func(string) string
	matchType string // equals, contains, starts-with, ends-with
	negate    bool
	text      string // folded
}

// collations are those the RFCs require, plus i;octet (RFC 4790).
// i;unicode-casemap folds case rune by rune (simple case folding); it does
// not apply NFKD.
var collations = map[string]func(string) string{
	"i;unicode-casemap": func(s string) string {
		return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, s)
	},
	"i;ascii-casemap": func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, s)
	},
	"i;octet": func(s string) string { return s },
}

// compile checks a text-match; ns names the protocol whose preconditions a
// refusal carries, defaultCollation applies when none is given.
func (x *textMatchXML) compile(ns, defaultCollation string) (*textMatch, error) {
	if x == nil {
		return nil, nil
	}
	collation := strings.TrimSpace(x.Collation)
	if collation == "" {
		collation = defaultCollation
	}
	fold := collations[collation]
	if fold == nil {
		return nil, errCond(http.StatusForbidden, name(ns, "supported-collation"),
			"collation %q is not supported: use i;unicode-casemap, i;ascii-casemap or i;octet", collation)
	}
	mt := strings.TrimSpace(x.MatchType)
	switch mt {
	case "":
		mt = "contains"
	case "equals", "contains", "starts-with", "ends-with":
	default:
		return nil, errCond(http.StatusForbidden, name(ns, "supported-filter"),
			"match-type %q is not supported: use equals, contains, starts-with or ends-with", mt)
	}
	var negate bool
	switch strings.TrimSpace(x.Negate) {
	case "", "no":
	case "yes":
		negate = true
	default:
		return nil, errStatus(http.StatusBadRequest, "negate-condition must be yes or no")
	}
	return &textMatch{fold: fold, matchType: mt, negate: negate, text: fold(x.Text)}, nil
}

// match tests one value (CardDAV: negation applies per value).
func (m *textMatch) match(value string) bool {
	return m.test(value) != m.negate
}

func (m *textMatch) test(value string) bool {
	v := m.fold(value)
	switch m.matchType {
	case "equals":
		return v == m.text
	case "starts-with":
		return strings.HasPrefix(v, m.text)
	case "ends-with":
		return strings.HasSuffix(v, m.text)
	}
	return strings.Contains(v, m.text)
}

// matches tests a property's values together (CalDAV: negation applies to
// whether any value matches).
func (m *textMatch) matches(values []string) bool {
	found := false
	for _, v := range values {
		if m.test(v) {
			found = true
			break
		}
	}
	return found != m.negate
}
