package dav

import (
	"errors"
	"fmt"
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
// gets 403 DAV:valid-sync-token and the client resyncs from scratch
// (Thunderbird gets 400: tokenRefused).

type syncCollectionXML struct {
	reportPropsXML
	SyncToken string `xml:"DAV: sync-token"`
	SyncLevel string `xml:"DAV: sync-level"`
	Limit     *struct {
		NResults string `xml:"DAV: nresults"`
	} `xml:"DAV: limit"`
}

// tokenRefused answers a sync token we cannot continue from: 403 with
// DAV:valid-sync-token (RFC 6578 §3.2). Thunderbird gets 400 with the same
// body: its address book takes only 207 or 400 from sync-collection and
// refetches the book on 400, while any other status fails that sync and
// every later one, the token kept (comm-central CardDAVDirectory.sys.mjs,
// updateAllFromServerV2); its calendars drop the token on any 4xx. See
// docs/clients.md.
func tokenRefused(r *http.Request, msg string) error {
	noteTokenRefused(r.Context())
	status := http.StatusForbidden
	if ClientFamily(r.UserAgent()) == "thunderbird" {
		status = http.StatusBadRequest
	}
	return errCond(status, condValidSyncToken, "%s", msg)
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
			return tokenRefused(r, "unknown sync token; sync again without a token")
		}
	}
	ctx := r.Context()
	user := userFrom(ctx)
	coll, scan, err := s.store.UserSyncScan(ctx, user.ID, res.coll, since)
	if errors.Is(err, storage.ErrSyncTokenGone) {
		return tokenRefused(r, "the sync token is unknown or too old; sync again without a token")
	}
	if err != nil {
		return err
	}
	noteSync(ctx, since == 0, scan)
	s.store.NoteClientSync(ctx, coll.ID, ClientFamily(r.UserAgent()))
	preq := req.request()
	if err := preq.checkDataFormats(); err != nil {
		return err
	}
	initial := since == 0
	withData := needsData(&preq)
	ms := startMultistatus(w, minimal(r))
	// Members are written as the scan reads them; when their data is asked
	// for, in batches whose bodies are read in one query each.
	var batch []storage.ObjectInfo
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		hrefs := make([]string, len(batch))
		for i, c := range batch {
			hrefs[i] = c.Href
		}
		objs, err := s.store.GetObjects(ctx, coll.ID, hrefs)
		if err != nil {
			return err
		}
		for _, o := range objs {
			ms.response(objectPath(user.Login, coll.Name, o.Href), objectProps(o.ObjectInfo, coll, o.Body).values(&preq))
		}
		// A member missing now changed again meanwhile; the next sync reports it.
		batch = batch[:0]
		return nil
	}
	token, truncated, err := scan.Each(ctx, limit, func(c storage.ObjectInfo) error {
		href := objectPath(user.Login, coll.Name, c.Href)
		switch {
		case c.Deleted:
			if !initial {
				ms.status(href, http.StatusNotFound)
			}
		case withData:
			batch = append(batch, c)
			if len(batch) == 200 {
				return flush()
			}
		default:
			ms.response(href, objectProps(c, coll, nil).values(&preq))
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		// The status line is out: ServeHTTP cuts the answer, the client
		// gets no token and syncs again.
		return fmt.Errorf("streaming sync-collection: %w", err)
	}
	if truncated {
		ms.truncated(res.path())
	}
	ms.raw(textElem(pSyncToken, SyncTokenURI(token)))
	return ms.close()
}
