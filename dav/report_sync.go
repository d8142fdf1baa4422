package dav

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/psadav/psadav/storage"
)

// sync-collection (RFC 6578) on every collection. The sync token is a
// change sequence; the answer lists the members changed since it (with
// the properties asked for) and those removed (404), read with one range
// scan over the change index: a no-change sync touches no object row.
// DAV:limit is honoured: a truncated answer ends with a 507 response for
// the collection and a token to continue from. An unknown or too old token
// gets 403 DAV:valid-sync-token and the client resyncs from scratch.

type syncCollectionXML struct {
	reportPropsXML
	SyncToken string `xml:"DAV: sync-token"`
	SyncLevel string `xml:"DAV: sync-level"`
	Limit     *struct {
		NResults string `xml:"DAV: nresults"`
	} `xml:"DAV: limit"`
}

func init() {
	registerReport(name(nsDAV, "sync-collection"), serveSyncCollection)
}

func serveSyncCollection(s *Server, w http.ResponseWriter, r *http.Request, res resource, body []byte) error {
	if res.kind != resCollection {
		return errStatus(http.StatusBadRequest, "sync-collection goes to a collection")
	}
	var req syncCollectionXML
	if err := decodeBody(body, &req); err != nil {
		return err
	}
	switch strings.TrimSpace(req.SyncLevel) {
	case "1", "infinite", "infinity", "":
	default:
		return errStatus(http.StatusBadRequest, "sync-level must be 1 or infinite")
	}
	limit := 0
	if req.Limit != nil {
		n, err := strconv.Atoi(strings.TrimSpace(req.Limit.NResults))
		if err != nil || n < 1 {
			return errStatus(http.StatusBadRequest, "DAV:nresults must be a positive number")
		}
		limit = n
	}
	var since int64
	if tok := strings.TrimSpace(req.SyncToken); tok != "" {
		var ok bool
		if since, ok = parseSyncToken(tok); !ok {
			return errCond(http.StatusForbidden, condValidSyncToken, "unknown sync token; sync again without a token")
		}
	}
	ctx := r.Context()
	user, coll, err := s.reportCollection(r, res)
	if err != nil {
		return err
	}
	cs, err := s.store.Changes(ctx, coll, since, limit)
	if err != nil {
		return err
	}
	preq := req.request()
	initial := since == 0
	var bodies map[string]*storage.Object
	if needsData(&preq) {
		var live []string
		for _, c := range cs.Changes {
			if !c.Deleted {
				live = append(live, c.Href)
			}
		}
		objs, err := s.store.GetObjects(ctx, coll.ID, live)
		if err != nil {
			return err
		}
		bodies = make(map[string]*storage.Object, len(objs))
		for i := range objs {
			bodies[objs[i].Href] = &objs[i]
		}
	}
	ms := startMultistatus(w, minimal(r))
	for _, c := range cs.Changes {
		href := objectPath(user.Login, coll.Name, c.Href)
		if c.Deleted {
			if !initial {
				ms.status(href, http.StatusNotFound)
			}
			continue
		}
		info, data := c, []byte(nil)
		if bodies != nil {
			o := bodies[c.Href]
			if o == nil { // changed again meanwhile; the next sync reports it
				continue
			}
			info, data = o.ObjectInfo, o.Body
		}
		ms.response(href, objectProps(info, coll, data).values(&preq))
	}
	if cs.Truncated {
		ms.truncated(res.path())
	}
	ms.raw(textElem(pSyncToken, SyncTokenURI(cs.Token)))
	return ms.close()
}
