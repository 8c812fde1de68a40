package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/vocab"
)

// Clients and their care teams (issue 12). Who may see a client is
// internal/clients' rule; these pages let admins see clients and change
// care teams, and attach new sessions to their client.

func programsLabel(ps []string) string {
	var out []string
	for _, p := range ps {
		switch p {
		case store.ProgramSUD:
			out = append(out, "substance use (42 CFR Part 2)")
		case store.ProgramMH:
			out = append(out, "mental health")
		default:
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

type clientView struct {
	store.Client
	ProgramsLabel string
}

type memberView struct {
	Email, Account string
}

type clientsData struct {
	Clients []clientView
}

type clientData struct {
	Client     clientView
	Members    []memberView
	Candidates []store.User
	Sessions   []store.Session
}

func (s *Server) adminClients(w http.ResponseWriter, r *http.Request, c *call) {
	cs, err := clients.Visible(r.Context(), s.cfg.Store, c.user)
	if err != nil {
		s.serverError(w, r, err, "clients could not be listed; try again")
		return
	}
	d := clientsData{}
	for _, cl := range cs {
		d.Clients = append(d.Clients, clientView{Client: cl, ProgramsLabel: programsLabel(cl.Programs)})
	}
	s.render(w, r, http.StatusOK, "admin_clients", c, page{Title: "Clients and care teams", Nav: "admin", Data: d})
}

// adminClient loads the {client} the admin may see; a client they may not
// see (a Part 2 client, without Part 2 access) is not found, like one that
// does not exist.
func (s *Server) adminClientLoad(w http.ResponseWriter, r *http.Request, c *call) (store.Client, bool) {
	cl, err := s.cfg.Store.Client(r.Context(), r.PathValue("client"))
	if errors.Is(err, store.ErrNotFound) || err == nil && !clients.MaySee(c.user, cl) {
		s.fail(w, r, http.StatusNotFound, "there is no client with this ID that you may see")
		return cl, false
	}
	if err != nil {
		s.serverError(w, r, err, "the client could not be read; try again")
		return cl, false
	}
	return cl, true
}

func (s *Server) adminClient(w http.ResponseWriter, r *http.Request, c *call) {
	cl, ok := s.adminClientLoad(w, r, c)
	if !ok {
		return
	}
	s.renderClient(w, r, c, cl, http.StatusOK, "")
}

func (s *Server) renderClient(w http.ResponseWriter, r *http.Request, c *call, cl store.Client, status int, errMsg string) {
	ctx := r.Context()
	users, err := s.cfg.Store.Users(ctx)
	if err != nil {
		s.serverError(w, r, err, "users could not be listed")
		return
	}
	d := clientData{Client: clientView{Client: cl, ProgramsLabel: programsLabel(cl.Programs)}}
	byEmail := map[string]store.User{}
	for _, u := range users {
		byEmail[u.Email] = u
		if !u.Disabled && !cl.OnCareTeam(u.Email) && (!cl.Part2() || u.Part2Access) {
			d.Candidates = append(d.Candidates, u)
		}
	}
	for _, m := range cl.CareTeam {
		account := "no account (named on a session)"
		if u, ok := byEmail[m]; ok {
			account = roleLabel(vocab.Role(u.Role)).Text
			if u.Disabled {
				account += ", disabled"
			}
			if cl.Part2() && !u.Part2Access {
				account += ", no Part 2 access"
			}
		}
		d.Members = append(d.Members, memberView{Email: m, Account: account})
	}
	if d.Sessions, err = s.cfg.Store.SessionsOfClient(ctx, cl.ID, 100); err != nil {
		s.serverError(w, r, err, "the client's sessions could not be listed")
		return
	}
	s.render(w, r, status, "admin_client", c, page{Title: "Client and care team", Nav: "admin", Error: errMsg, Data: d})
}

func (s *Server) adminClientMemberAdd(w http.ResponseWriter, r *http.Request, c *call) {
	s.changeCareTeam(w, r, c, true)
}

func (s *Server) adminClientMemberRemove(w http.ResponseWriter, r *http.Request, c *call) {
	s.changeCareTeam(w, r, c, false)
}

func (s *Server) changeCareTeam(w http.ResponseWriter, r *http.Request, c *call, add bool) {
	cl, ok := s.adminClientLoad(w, r, c)
	if !ok {
		return
	}
	ctx := r.Context()
	email := store.NormalizeEmail(r.PostFormValue("email"))
	member, err := s.cfg.Store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound) && !add && cl.OnCareTeam(email):
		member = store.User{Email: email} // a clinician named on a session who has no account
	case errors.Is(err, store.ErrNotFound):
		s.renderClient(w, r, c, cl, http.StatusBadRequest, fmt.Sprintf("There is no user %q; nothing was changed.", email))
		return
	case err != nil:
		s.serverError(w, r, err, "the user could not be read; nothing was changed")
		return
	}
	change := clients.RemoveMember
	if add {
		change = clients.AddMember
	}
	_, changed, err := change(ctx, s.cfg.Store, c.user, c.user.ID, cl.ID, member)
	switch {
	case errors.Is(err, clients.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "there is no client with this ID that you may see")
	case errors.Is(err, clients.ErrNoPart2Access) || errors.Is(err, clients.ErrMemberDisabled):
		s.renderClient(w, r, c, cl, http.StatusBadRequest, capitalize(err.Error())+"; nothing was changed.")
	case err != nil:
		s.serverError(w, r, err, "the care team could not be changed; try again")
	default:
		msg := fmt.Sprintf("%s is now on the care team.", email)
		if !add {
			msg = fmt.Sprintf("%s is no longer on the care team.", email)
		}
		if !changed {
			msg = "Nothing changed."
		}
		back(w, r, "/admin/clients/"+cl.ID, msg)
	}
}
