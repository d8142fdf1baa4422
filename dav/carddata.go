package dav

import (
	"mime"
	"net/http"
	"strings"

	"github.com/psadav/psadav/mapping"
)

// vCard version negotiation: objects are stored as vCard 3.0 (what iOS
// needs); a client that asks for 4.0 (address-data version="4.0" in a
// REPORT, or Accept: text/vcard; version=4.0 on GET) gets it converted.
// Both versions carry the same ETag: they are two renderings of one stored
// state, and a client always asks for the same one.

func cardData(body []byte, version string) ([]byte, error) {
	if version != "4.0" {
		return body, nil
	}
	card, err := mapping.DecodeCard(body)
	if err != nil {
		return nil, err
	}
	return mapping.EncodeCard(mapping.ConvertCard(card, "4.0")), nil
}

// acceptedCardVersion reads the vCard version an Accept header prefers.
func acceptedCardVersion(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || (mt != "text/vcard" && mt != "text/x-vcard") {
			continue
		}
		if params["version"] == "4.0" {
			return "4.0"
		}
		return "3.0"
	}
	return "3.0"
}
