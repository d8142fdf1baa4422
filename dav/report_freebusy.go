package dav

import (
	"net/http"
	"strconv"
	"time"

	"github.com/psadav/psadav/mapping"
)

// free-busy-query (RFC 4791 §7.10) on a calendar collection: one
// VFREEBUSY with the busy time of everything in it. Private items are busy
// like any other (free/busy carries no details); free (TRANSP:TRANSPARENT)
// and cancelled ones are not busy; tentative ones are BUSY-TENTATIVE.

type freeBusyQueryXML struct {
	TimeRange *timeRangeXML `xml:"urn:ietf:params:xml:ns:caldav time-range"`
}

func serveFreeBusyQuery(s *Server, w http.ResponseWriter, r *http.Request, res resource, body []byte) error {
	if res.kind != resCollection || res.home != homeCalendar {
		return errCond(http.StatusForbidden, name(nsDAV, "supported-report"), "free-busy-query goes to a calendar collection")
	}
	var req freeBusyQueryXML
	if err := decodeBody(body, &req); err != nil {
		return err
	}
	tr, err := req.TimeRange.parse()
	if err != nil {
		return err
	}
	if tr == nil || tr.start.IsZero() {
		return errStatus(http.StatusBadRequest, "free-busy-query needs a time-range with a start")
	}
	if tr.end.IsZero() {
		tr.end = tr.start.AddDate(1, 0, 0)
	}
	ctx := r.Context()
	user := userFrom(ctx)
	coll, err := s.store.UserCollection(ctx, user.ID, res.coll)
	if err != nil {
		return err
	}
	objs, err := s.store.ObjectsInRange(ctx, coll.ID, tr.start.Unix()-1, tr.end.Unix()+1, true)
	if err != nil {
		return err
	}
	loc := userLocation(user)
	var busy []mapping.Period
	for i := range objs {
		o, err := mapping.ParseCalendarObject(objs[i].Body, loc)
		if err != nil {
			s.log.Warn("free-busy-query: unreadable stored object", "href", objs[i].Href, "err", err)
			continue
		}
		busy = append(busy, o.BusyPeriods(tr.start, tr.end)...)
	}
	uid := "psadav-freebusy-" + user.Login + "-" + strconv.FormatInt(tr.start.Unix(), 10)
	out, err := mapping.RenderFreeBusy(tr.start, tr.end, time.Now(), uid, busy)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(out)
	return err
}
