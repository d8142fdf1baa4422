package dav

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/emersion/go-vcard"

	"github.com/psadav/psadav/mapping"
)

// The CardDAV filter of addressbook-query (RFC 6352 §10.5), compiled from
// the request XML and matched against stored cards.

type cardFilter struct {
	allOf bool
	props []propFilter
}

type propFilter struct {
	name         string // upper case, without a group
	allOf        bool
	isNotDefined bool
	texts        []textMatch
	params       []paramFilter
}

type paramFilter struct {
	name         string
	isNotDefined bool
	text         *textMatch // nil: the parameter exists
}

type textMatch struct {
	fold      func(string) string
	matchType string
	negate    bool
	text      string // folded
}

// collations are those RFC 6352 §8.3 requires, plus i;octet (RFC 4790).
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

func anyOf(test string) (allOf bool, err error) {
	switch test {
	case "", "anyof":
		return false, nil
	case "allof":
		return true, nil
	}
	return false, errStatus(http.StatusBadRequest, "test must be anyof or allof, not %q", test)
}

func compileTextMatch(x *textMatchXML) (textMatch, error) {
	collation := x.Collation
	if collation == "" {
		collation = "i;unicode-casemap"
	}
	fold := collations[collation]
	if fold == nil {
		return textMatch{}, errCond(http.StatusForbidden, name(nsCardDAV, "supported-collation"),
			"collation %q is not supported: use i;unicode-casemap, i;ascii-casemap or i;octet", collation)
	}
	mt := x.MatchType
	switch mt {
	case "":
		mt = "contains"
	case "equals", "contains", "starts-with", "ends-with":
	default:
		return textMatch{}, errCond(http.StatusForbidden, name(nsCardDAV, "supported-filter"),
			"match-type %q is not supported: use equals, contains, starts-with or ends-with", mt)
	}
	var negate bool
	switch x.Negate {
	case "", "no":
	case "yes":
		negate = true
	default:
		return textMatch{}, errStatus(http.StatusBadRequest, "negate-condition must be yes or no")
	}
	return textMatch{fold: fold, matchType: mt, negate: negate, text: fold(x.Text)}, nil
}

func (m *textMatch) match(value string) bool {
	v := m.fold(value)
	var ok bool
	switch m.matchType {
	case "equals":
		ok = v == m.text
	case "starts-with":
		ok = strings.HasPrefix(v, m.text)
	case "ends-with":
		ok = strings.HasSuffix(v, m.text)
	default:
		ok = strings.Contains(v, m.text)
	}
	return ok != m.negate
}

func (f *cardFilter) match(card vcard.Card) bool {
	if len(f.props) == 0 {
		return true
	}
	for i := range f.props {
		if f.props[i].match(card) != f.allOf {
			return !f.allOf
		}
	}
	return f.allOf
}

// match: a property-filter matches when the property is absent and it says
// is-not-defined; or the property exists and the filter is empty, or its
// text-matches and param-filters hold (any or all of them, each for some
// instance of the property).
func (p *propFilter) match(card vcard.Card) bool {
	fields := card[p.name]
	if p.isNotDefined || len(fields) == 0 {
		return p.isNotDefined && len(fields) == 0
	}
	n := len(p.texts) + len(p.params)
	if n == 0 {
		return true
	}
	for i := 0; i < n; i++ {
		var ok bool
		for _, f := range fields {
			if i < len(p.texts) {
				ok = p.texts[i].match(textValue(p.name, f))
			} else {
				ok = p.params[i-len(p.texts)].match(f)
			}
			if ok {
				break
			}
		}
		if ok != p.allOf {
			return !p.allOf
		}
	}
	return p.allOf
}

// textValue is what a text-match compares: the value, with a structured
// value's components unescaped and joined by ';'.
func textValue(prop string, f *vcard.Field) string {
	switch prop {
	case "N", "ADR", "ORG", "GENDER":
		return strings.Join(mapping.Components(f.Value), ";")
	}
	return f.Value
}

func (p *paramFilter) match(f *vcard.Field) bool {
	var values []string
	found := false
	for k, vs := range f.Params {
		if strings.EqualFold(k, p.name) {
			values, found = append(values, vs...), true
		}
	}
	switch {
	case p.isNotDefined:
		return !found
	case p.text == nil:
		return found
	}
	for _, v := range values {
		if p.text.match(v) {
			return true
		}
	}
	return false
}
