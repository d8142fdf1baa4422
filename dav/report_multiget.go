package dav

import (
	"net/http"

	"github.com/psadav/psadav/storage"
)

// addressbook-multiget (RFC 6352 §8.7) and calendar-multiget (RFC 4791
// §7.9): the objects named by hrefs, read in one query per batch and
// served as stored, in the order asked.

type multigetXML struct {
	reportPropsXML
	Hrefs []string `xml:"DAV: href"`
}

func init() {
	registerReport(name(nsCardDAV, "addressbook-multiget"), serveMultiget)
	registerReport(name(nsCalDAV, "calendar-multiget"), serveMultiget)
}

func serveMultiget(s *Server, w http.ResponseWriter, r *http.Request, res resource, body []byte) error {
	if res.kind != resCollection && res.kind != resObject {
		return errStatus(http.StatusBadRequest, "a multiget REPORT goes to a collection")
	}
	var req multigetXML
	if err := decodeBody(body, &req); err != nil {
		return err
	}
	ctx := r.Context()
	user, coll, err := s.reportCollection(r, res)
	if err != nil {
		return err
	}
	names := make([]string, len(req.Hrefs))
	var wanted []string
	for i, href := range req.Hrefs {
		if n, ok := hrefIn(href, user.Login, coll.Name); ok {
			names[i] = n
			wanted = append(wanted, n)
		}
	}
	objs, err := s.store.GetObjects(ctx, coll.ID, wanted)
	if err != nil {
		return err
	}
	byName := make(map[string]*storage.Object, len(objs))
	for i := range objs {
		byName[objs[i].Href] = &objs[i]
	}
	preq := req.request()
	ms := startMultistatus(w, minimal(r))
	for i, href := range req.Hrefs {
		o := byName[names[i]]
		if o == nil {
			ms.status(href, http.StatusNotFound)
			continue
		}
		ms.response(href, objectProps(o.ObjectInfo, coll, o.Body).values(&preq))
	}
	return ms.close()
}
