package dav

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// addressbook-query (RFC 6352 §8.6): the cards of an address book that
// match a filter on their properties (FN, EMAIL, TEL, ORG or any other),
// with the properties asked for — address-data in the version asked for,
// as in a multiget. Cards are matched as the user sees them (kept
// properties included). A limit (CARDDAV:limit, or DAV:limit) truncates
// the answer: a 507 response for the collection with
// DAV:number-of-matches-within-limits says there were more (§8.6.1).

type addressbookQueryXML struct {
	reportPropsXML
	Filter *struct {
		Test  string              `xml:"test,attr"`
		Props []cardPropFilterXML `xml:"urn:ietf:params:xml:ns:carddav prop-filter"`
	} `xml:"urn:ietf:params:xml:ns:carddav filter"`
	Limit    *limitXML `xml:"urn:ietf:params:xml:ns:carddav limit"`
	DAVLimit *limitXML `xml:"DAV: limit"`
}

type limitXML struct {
	NResults    string `xml:"urn:ietf:params:xml:ns:carddav nresults"`
	DAVNResults string `xml:"DAV: nresults"`
}

type cardPropFilterXML struct {
	Name         string               `xml:"name,attr"`
	Test         string               `xml:"test,attr"`
	IsNotDefined *struct{}            `xml:"urn:ietf:params:xml:ns:carddav is-not-defined"`
	TextMatches  []textMatchXML       `xml:"urn:ietf:params:xml:ns:carddav text-match"`
	Params       []cardParamFilterXML `xml:"urn:ietf:params:xml:ns:carddav param-filter"`
}

type cardParamFilterXML struct {
	Name         string        `xml:"name,attr"`
	IsNotDefined *struct{}     `xml:"urn:ietf:params:xml:ns:carddav is-not-defined"`
	TextMatch    *textMatchXML `xml:"urn:ietf:params:xml:ns:carddav text-match"`
}

func serveAddressbookQuery(s *Server, w http.ResponseWriter, r *http.Request, res resource, body []byte) error {
	if res.kind != resCollection || res.home != homeAddress {
		return errCond(http.StatusForbidden, name(nsDAV, "supported-report"), "addressbook-query goes to an address book")
	}
	var req addressbookQueryXML
	if err := decodeBody(body, &req); err != nil {
		return err
	}
	filter, err := req.compile()
	if err != nil {
		return err
	}
	limit, err := req.limit()
	if err != nil {
		return err
	}
	ctx := r.Context()
	user, coll, err := s.reportCollection(r, res)
	if err != nil {
		return err
	}
	preq := req.request()
	if err := preq.checkDataFormats(); err != nil {
		return err
	}
	ms := startMultistatus(w, minimal(r))
	matched := 0
	err = s.eachMember(ctx, coll.ID, func(o *storage.Object) error {
		card, err := mapping.DecodeCard(o.Body)
		if err != nil || !filter.match(card) {
			return nil
		}
		if matched++; limit > 0 && matched > limit {
			ms.truncated(res.path())
			return errStopMembers
		}
		ms.response(objectPath(user.Login, coll.Name, o.Href), objectProps(o.ObjectInfo, coll, o.Body).values(&preq))
		return nil
	})
	if err != nil { // the 207 is out: ServeHTTP cuts it
		return fmt.Errorf("addressbook-query: %w", err)
	}
	return ms.close()
}

func (q *addressbookQueryXML) compile() (*cardFilter, error) {
	f := &cardFilter{}
	if q.Filter == nil {
		return f, nil // no filter: every card
	}
	var err error
	if f.allOf, err = anyOf(q.Filter.Test); err != nil {
		return nil, err
	}
	for _, px := range q.Filter.Props {
		pname := strings.ToUpper(strings.TrimSpace(px.Name))
		if _, after, ok := strings.Cut(pname, "."); ok {
			pname = after // a group prefix: match the property in any group
		}
		if pname == "" {
			return nil, errStatus(http.StatusBadRequest, "a prop-filter needs a name")
		}
		p := cardPropFilter{name: pname, isNotDefined: px.IsNotDefined != nil}
		if p.allOf, err = anyOf(px.Test); err != nil {
			return nil, err
		}
		for i := range px.TextMatches {
			tm, err := px.TextMatches[i].compile(nsCardDAV, "i;unicode-casemap")
			if err != nil {
				return nil, err
			}
			p.texts = append(p.texts, tm)
		}
		for _, pfx := range px.Params {
			pf := cardParamFilter{name: strings.TrimSpace(pfx.Name), isNotDefined: pfx.IsNotDefined != nil}
			if pf.name == "" {
				return nil, errStatus(http.StatusBadRequest, "a param-filter needs a name")
			}
			if pfx.TextMatch != nil {
				tm, err := pfx.TextMatch.compile(nsCardDAV, "i;unicode-casemap")
				if err != nil {
					return nil, err
				}
				pf.text = tm
			}
			p.params = append(p.params, pf)
		}
		f.props = append(f.props, p)
	}
	return f, nil
}

// limit is the nresults asked for, 0 for none.
func (q *addressbookQueryXML) limit() (int, error) {
	l := q.Limit
	if l == nil {
		l = q.DAVLimit
	}
	if l == nil {
		return 0, nil
	}
	v := strings.TrimSpace(l.NResults + l.DAVNResults)
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errStatus(http.StatusBadRequest, "nresults must be a positive number, not %q", v)
	}
	return n, nil
}
