package dav

import (
	"net/http"
	"strings"

	"github.com/emersion/go-vcard"

	"github.com/psadav/psadav/mapping"
)

// The CardDAV filter of addressbook-query (RFC 6352 §10.5), compiled from
// the request XML and matched against stored cards.

type cardFilter struct {
	allOf bool
	props []cardPropFilter
}

type cardPropFilter struct {
	name         string // upper case, without a group
	allOf        bool
	isNotDefined bool
	texts        []*textMatch
	params       []cardParamFilter
}

type cardParamFilter struct {
	name         string
	isNotDefined bool
	text         *textMatch // nil: the parameter exists
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
func (p *cardPropFilter) match(card vcard.Card) bool {
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

func (p *cardParamFilter) match(f *vcard.Field) bool {
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
