package web

import (
	"net"
	"net/http"
	"net/url"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/psadav/psadav/storage"
)

func (s *Server) registerAccountPages() {
	for _, pg := range []struct {
		pattern string
		h       pageHandler
	}{
		{"GET /account/{$}", s.accountPage},
		{"GET /account/qr.png", s.qrCode},
		{"GET /account/psadav.mobileconfig", s.mobileConfig},
		{"POST /account/psadav.mobileconfig", s.mobileConfigWithAppPassword},
		{"POST /account/app-passwords", s.createAppPasswordForm},
		{"POST /account/app-passwords/revoke", s.revokeAppPasswordForm},
		{"POST /account/password", s.changePasswordForm},
	} {
		s.mux.Handle(pg.pattern, s.page(false, pg.h))
	}
}

// serverAddress is where clients reach this server, as the browser did:
// the scheme (https behind TLS or a proxy that says so), host and port.
type serverAddress struct {
	TLS  bool
	Host string // without the port
	Port int
}

func addressOf(r *http.Request) serverAddress {
	a := serverAddress{TLS: secureRequest(r), Host: r.Host, Port: 80}
	if a.TLS {
		a.Port = 443
	}
	if h, p, err := net.SplitHostPort(r.Host); err == nil {
		a.Host = h
		if n, err := strconv.Atoi(p); err == nil {
			a.Port = n
		}
	}
	return a
}

// url is the server's base URL (discovery finds the rest from it).
func (a serverAddress) url() string {
	u := url.URL{Scheme: "http", Host: a.hostPort(), Path: "/"}
	if a.TLS {
		u.Scheme = "https"
	}
	return u.String()
}

func (a serverAddress) hostPort() string {
	if (a.TLS && a.Port == 443) || (!a.TLS && a.Port == 80) {
		if net.ParseIP(a.Host) != nil && a.Host != "" && !isIPv4(a.Host) {
			return "[" + a.Host + "]"
		}
		return a.Host
	}
	return net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
}

func isIPv4(h string) bool { ip := net.ParseIP(h); return ip != nil && ip.To4() != nil }

// davx5URL is DAVx⁵'s login-by-URL form: caldavs://LOGIN@HOST/ opens its
// login screen with the https URL and the user name filled in (caldav://
// for plain http); the password is never in it.
func (a serverAddress) davx5URL(login string) string {
	u := url.URL{Scheme: "caldav", User: url.User(login), Host: a.hostPort(), Path: "/"}
	if a.TLS {
		u.Scheme = "caldavs"
	}
	return u.String()
}

type accountPageData struct {
	ServerURL, DAVx5URL           string
	CalendarHome, AddressbookHome string
	AppPasswords                  []storage.AppPassword
	NewPassword                   *createdAppPassword
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, p *principal, created *createdAppPassword, msg, problem string) error {
	list, err := s.store.AppPasswords(r.Context(), p.account.Login)
	if err != nil {
		return err
	}
	addr := addressOf(r)
	base := addr.url()
	login := url.PathEscape(p.account.Login)
	d := accountPageData{ServerURL: base, DAVx5URL: addr.davx5URL(p.account.Login),
		CalendarHome: base + "dav/calendars/" + login + "/", AddressbookHome: base + "dav/addressbooks/" + login + "/",
		AppPasswords: list, NewPassword: created}
	data := pageFor(p, "Your account", "account", d)
	data.Flash, data.Error = msg, problem
	status := http.StatusOK
	if problem != "" {
		status = http.StatusBadRequest
	}
	s.render(w, status, "account", data)
	return nil
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.renderAccount(w, r, p, nil, flash(r), "")
}

// qrCode is the DAVx⁵ login URL as a QR code a phone's camera reads.
func (s *Server) qrCode(w http.ResponseWriter, r *http.Request, p *principal) error {
	png, err := qrcode.Encode(addressOf(r).davx5URL(p.account.Login), qrcode.Medium, 240)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(png)
	return nil
}

func (s *Server) createAppPasswordForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	created, err := s.newAppPassword(r, p, r.PostFormValue("name"))
	if ae := statusOf(err); err != nil && ae.status == http.StatusBadRequest {
		return s.renderAccount(w, r, p, nil, "", ae.msg)
	}
	if err != nil {
		return err
	}
	return s.renderAccount(w, r, p, &created, "", "")
}

func (s *Server) revokeAppPasswordForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		return errNotFound("no such app password")
	}
	if err := s.doRevokeAppPassword(r, p, id); err != nil {
		return err
	}
	return redirectDone(w, r, "/account/", "revoked")
}

func (s *Server) changePasswordForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	err := s.doChangeOwnPassword(r, p, r.PostFormValue("current"), r.PostFormValue("new"))
	if ae := statusOf(err); err != nil && ae.status == http.StatusBadRequest {
		return s.renderAccount(w, r, p, nil, "", ae.msg)
	}
	if err != nil {
		return err
	}
	return redirectDone(w, r, "/account/", "password")
}
