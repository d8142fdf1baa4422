package web

import (
	"net/http"
	"strconv"

	"github.com/psadav/psadav/storage"
)

func (s *Server) getMe(w http.ResponseWriter, r *http.Request, p *principal) error {
	a := p.account
	writeJSON(w, http.StatusOK, map[string]any{"login": a.Login, "admin": a.Admin, "csrf_token": p.csrf,
		"principal_url": "/dav/principals/" + a.Login + "/"})
	return nil
}

func (s *Server) changeOwnPassword(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Current *string `json:"current"`
		New     *string `json:"new"`
	}
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	if body.Current == nil {
		return errBadInput("current", "the current password is required")
	}
	if body.New == nil {
		return errBadInput("new", "the new password is required")
	}
	if err := s.doChangeOwnPassword(r, p, *body.Current, *body.New); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) doChangeOwnPassword(r *http.Request, p *principal, current, next string) error {
	if err := checkPassword("new", next); err != nil {
		return err
	}
	// The current password is checked as a login is (and throttled alike).
	if s.checkLogin == nil {
		return errForbidden("password changes are not available")
	}
	if _, err := s.checkLogin(r, p.account.Login, current); err != nil {
		if ae := statusOf(err); ae.status == http.StatusUnauthorized {
			return errBadInput("current", "the current password is wrong")
		}
		return err
	}
	if err := s.store.SetPassword(r.Context(), p.account.Login, next); err != nil {
		return err
	}
	return s.audit(r, p, "me.password", p.account.Login, "own password changed")
}

func (s *Server) listAppPasswords(w http.ResponseWriter, r *http.Request, p *principal) error {
	list, err := s.store.AppPasswords(r.Context(), p.account.Login)
	if err != nil {
		return err
	}
	if list == nil {
		list = []storage.AppPassword{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"app_passwords": list})
	return nil
}

// createdAppPassword is the answer to POST /api/v1/me/app-passwords: the
// only time the password is shown.
type createdAppPassword struct {
	storage.AppPassword
	Password string `json:"password"`
}

func (s *Server) newAppPassword(r *http.Request, p *principal, name string) (createdAppPassword, error) {
	if err := storage.ValidateSecretName(name); err != nil {
		return createdAppPassword{}, errBadInput("name", "%s", err.Error())
	}
	ap, secret, err := s.store.CreateAppPassword(r.Context(), p.account.Login, name)
	if err != nil {
		return createdAppPassword{}, err
	}
	if err := s.audit(r, p, "me.app-password.create", p.account.Login, name); err != nil {
		return createdAppPassword{}, err
	}
	return createdAppPassword{ap, secret}, nil
}

func (s *Server) createAppPassword(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	created, err := s.newAppPassword(r, p, body.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, created)
	return nil
}

func (s *Server) revokeAppPassword(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.doRevokeAppPassword(r, p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) doRevokeAppPassword(r *http.Request, p *principal, id int64) error {
	if err := s.store.RevokeAppPassword(r.Context(), p.account.Login, id); err != nil {
		return err
	}
	return s.audit(r, p, "me.app-password.revoke", p.account.Login, strconv.FormatInt(id, 10))
}
