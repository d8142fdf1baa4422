package web

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"

	"howett.net/plist"
)

// An Apple configuration profile (.mobileconfig): an XML property list
// with one CalDAV and one CardDAV account payload, which iOS installs
// from Safari and macOS from System Settings. Keys as Apple's
// Configuration Profile Reference names them (CalDAV, CardDAV).

type profile struct {
	PayloadContent           []any  `plist:"PayloadContent"`
	PayloadDisplayName       string `plist:"PayloadDisplayName"`
	PayloadDescription       string `plist:"PayloadDescription"`
	PayloadIdentifier        string `plist:"PayloadIdentifier"`
	PayloadOrganization      string `plist:"PayloadOrganization"`
	PayloadRemovalDisallowed bool   `plist:"PayloadRemovalDisallowed"`
	PayloadType              string `plist:"PayloadType"`
	PayloadUUID              string `plist:"PayloadUUID"`
	PayloadVersion           int    `plist:"PayloadVersion"`
}

// stableUUID derives a UUID from its parts, so the profile of one login
// on one server always has the same identifiers: installed again, it
// replaces the old one instead of adding a second account.
func stableUUID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	h[6] = h[6]&0x0f | 0x50 // version 5 layout (name-based)
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// buildProfile makes login's profile for the server at addr; password ""
// leaves the device to ask for one.
func buildProfile(addr serverAddress, login, password string) ([]byte, error) {
	id := "psadav." + addr.Host + "." + login
	account := func(kind, prefix, name, description string) map[string]any {
		p := map[string]any{
			"PayloadDisplayName":          name,
			"PayloadIdentifier":           id + "." + kind,
			"PayloadType":                 "com.apple." + kind + ".account",
			"PayloadUUID":                 stableUUID(addr.Host, login, kind),
			"PayloadVersion":              1,
			prefix + "AccountDescription": description + " (" + addr.Host + ")",
			prefix + "HostName":           addr.Host,
			prefix + "Port":               addr.Port,
			prefix + "UseSSL":             addr.TLS,
			prefix + "PrincipalURL":       "/dav/principals/" + login + "/",
			prefix + "Username":           login,
		}
		if password != "" {
			p[prefix+"Password"] = password
		}
		return p
	}
	p := profile{
		PayloadContent: []any{
			account("caldav", "CalDAV", "Calendar and tasks", "psadav calendar"),
			account("carddav", "CardDAV", "Contacts", "psadav contacts"),
		},
		PayloadDisplayName:  "psadav: " + login + " on " + addr.Host,
		PayloadDescription:  "Contacts, calendar and tasks of " + login + " from the psadav server " + addr.Host + ".",
		PayloadIdentifier:   id,
		PayloadOrganization: "psadav",
		PayloadType:         "Configuration",
		PayloadUUID:         stableUUID(addr.Host, login, "profile"),
		PayloadVersion:      1,
	}
	return plist.MarshalIndent(p, plist.XMLFormat, "\t")
}

const mobileConfigType = "application/x-apple-aspen-config"

func (s *Server) serveProfile(w http.ResponseWriter, r *http.Request, login, password string) error {
	b, err := buildProfile(addressOf(r), login, password)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", mobileConfigType)
	w.Header().Set("Content-Disposition", `attachment; filename="psadav.mobileconfig"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(b)
	return nil
}

// mobileConfig is the profile without a password: the device asks.
func (s *Server) mobileConfig(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.serveProfile(w, r, p.account.Login, "")
}

// mobileConfigWithAppPassword makes an app password for the device and
// puts it in the profile, so the device never asks.
func (s *Server) mobileConfigWithAppPassword(w http.ResponseWriter, r *http.Request, p *principal) error {
	created, err := s.newAppPassword(r, p, r.PostFormValue("name"))
	if ae := statusOf(err); err != nil && ae.status == http.StatusBadRequest {
		return s.renderAccount(w, r, p, nil, "", ae.msg)
	}
	if err != nil {
		return err
	}
	return s.serveProfile(w, r, p.account.Login, created.Password)
}
