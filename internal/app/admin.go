package app

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
	"github.com/scribe-health/scribe/prompts"
)

// The inputs of the admin operations, in the domain's words.
const (
	FieldEmail          Field = "e-mail"
	FieldTemplateSource Field = "template"
	FieldUserChange     Field = "change"
)

var adminOnly = []vocab.Role{vocab.RoleAdmin}

// PutProvider adds a model provider or replaces the one of the same name
// (its kind, URL, model, key variable, BAA dates and what it may receive).
// It reports whether the provider is new. Admins only.
func (s *Service) PutProvider(ctx context.Context, by store.User, p store.Provider) (added bool, err error) {
	if err := requireRole(by, "change the model providers", adminOnly...); err != nil {
		return false, err
	}
	p.Name, p.Kind, p.Use = strings.TrimSpace(p.Name), strings.TrimSpace(p.Kind), strings.TrimSpace(p.Use)
	p.BaseURL, p.Model, p.APIKeyEnv = strings.TrimSpace(p.BaseURL), strings.TrimSpace(p.Model), strings.TrimSpace(p.APIKeyEnv)
	if err := p.Validate(); err != nil {
		return false, err
	}
	old, err := s.Store.Providers(ctx, "")
	if err != nil {
		return false, fmt.Errorf("read the providers: %w", err)
	}
	added = true
	for _, o := range old {
		if o.Name == p.Name {
			added = false
		}
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutProvider(ctx, p); err != nil {
			return err
		}
		action := "provider.put"
		if added {
			action = "provider.add"
		}
		return tx.Audit(ctx, event(by, audit.Event{Action: action, EntityType: "provider", EntityID: p.Name, Details: map[string]string{
			"kind": p.Kind, "use": p.Use, "model": p.Model, "self_hosted": strconv.FormatBool(p.SelfHosted), "baa_signed": p.BAASigned, "baa_expires": p.BAAExpires,
			"zero_retention": strconv.FormatBool(p.ZeroRetention), "part2_allowed": strconv.FormatBool(p.Part2Allowed)}}))
	})
	if err != nil {
		return false, fmt.Errorf("save the provider: %w", err)
	}
	return added, nil
}

// AddTemplate adds a note template (its Markdown source, as
// prompts.ParseTemplate reads it), or a new version of one. Admins only.
func (s *Service) AddTemplate(ctx context.Context, by store.User, source []byte) (prompts.Format, error) {
	if err := requireRole(by, "add a note template", adminOnly...); err != nil {
		return prompts.Format{}, err
	}
	f, err := prompts.ParseTemplate(source)
	if err != nil {
		return f, &validate.Error{Field: FieldTemplateSource, Problem: "cannot be used", Hint: err.Error()}
	}
	have, err := s.Store.CustomTemplates(ctx)
	if err != nil {
		return f, fmt.Errorf("read the note templates: %w", err)
	}
	for _, t := range have {
		if t.ID == f.ID && t.Version == strconv.Itoa(f.Version) {
			return f, conflict(fmt.Sprintf("template %s is already on file; raise its version to change it", f.VersionString()))
		}
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutTemplate(ctx, store.CustomTemplate{ID: f.ID, Version: strconv.Itoa(f.Version), Content: string(source)}); err != nil {
			return err
		}
		return tx.Audit(ctx, event(by, audit.Event{Action: "template.add", EntityType: "template", EntityID: f.VersionString()}))
	})
	if err != nil {
		return f, fmt.Errorf("save the template: %w", err)
	}
	return f, nil
}

// UserInput is a new web app user.
type UserInput struct {
	Email       string
	Role        string // admin, clinician or supervisor; empty: clinician
	Part2Access bool
}

// NewUser is an added user and the one-time token of their invitation
// (the web app's /invite?token=…, valid auth.InviteTTL).
type NewUser struct {
	User        store.User
	InviteToken string
}

// AddUser adds a web app user with a role (a clinician when none is given) and makes
// their invitation. Admins only.
func (s *Service) AddUser(ctx context.Context, by store.User, in UserInput) (NewUser, error) {
	if err := requireRole(by, "add users", adminOnly...); err != nil {
		return NewUser{}, err
	}
	email := strings.TrimSpace(in.Email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return NewUser{}, &validate.Error{Field: FieldEmail, Value: email, Hint: "give the person's e-mail address, such as name@example.org"}
	}
	// Most people added are clinicians: a role left out makes one.
	if strings.TrimSpace(in.Role) == "" {
		in.Role = string(vocab.RoleClinician)
	}
	role, err := vocab.ParseRole(in.Role)
	if err != nil {
		return NewUser{}, err
	}
	u := store.User{ID: uuid.NewString(), Email: email, Role: string(role), Part2Access: in.Part2Access}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		return tx.Audit(ctx, event(by, audit.Event{Action: "user.add", EntityType: "user", EntityID: u.ID,
			Details: map[string]string{"role": u.Role, "part2_access": strconv.FormatBool(u.Part2Access)}}))
	})
	if errors.Is(err, store.ErrEmailTaken) {
		return NewUser{}, as(ErrConflict, err)
	}
	if err != nil {
		return NewUser{}, fmt.Errorf("add the user: %w", err)
	}
	tok, err := auth.CreateInvite(ctx, s.Store, u.ID, auth.InviteTTL, s.now())
	if err != nil {
		return NewUser{User: u}, fmt.Errorf("make the invitation: %w", err)
	}
	return NewUser{User: u, InviteToken: tok}, nil
}

// UserChange is what an admin changes about a user.
type UserChange string

const (
	ChangeRole      UserChange = "save"       // role and Part 2 access
	ChangeDisable   UserChange = "disable"    // the account can no longer sign in
	ChangeEnable    UserChange = "enable"     // it can again
	ChangeUnlock    UserChange = "unlock"     // lift sign-in locks
	ChangeResetTOTP UserChange = "reset_totp" // remove the second factor
)

// UserUpdate is one change to a user.
type UserUpdate struct {
	UserID      string
	Change      UserChange
	Role        string // ChangeRole
	Part2Access bool   // ChangeRole
}

// UpdateUser changes a user's role and Part 2 access, disables or enables
// the account, lifts its sign-in locks or resets its second factor. Every
// change but an unlock signs the user out everywhere. An admin cannot take
// away their own admin role or disable their own account. Admins only.
func (s *Service) UpdateUser(ctx context.Context, by store.User, in UserUpdate) (store.User, error) {
	if err := requireRole(by, "change users", adminOnly...); err != nil {
		return store.User{}, err
	}
	var role vocab.Role
	switch in.Change {
	case ChangeRole:
		var err error
		if role, err = vocab.ParseRole(in.Role); err != nil {
			return store.User{}, err
		}
	case ChangeDisable, ChangeEnable, ChangeUnlock, ChangeResetTOTP:
	default:
		return store.User{}, &validate.Error{Field: FieldUserChange, Value: string(in.Change),
			Hint: "choose a role change, disable, enable, unlock or a second-factor reset"}
	}
	var u store.User
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.User(ctx, in.UserID); err != nil {
			return err
		}
		details := map[string]string{"change": string(in.Change)}
		switch in.Change {
		case ChangeRole:
			if u.ID == by.ID && role != vocab.RoleAdmin {
				return forbidden("you cannot remove your own admin role (another admin must)")
			}
			u.Role, u.Part2Access = string(role), in.Part2Access
			details["role"], details["part2_access"] = u.Role, strconv.FormatBool(u.Part2Access)
		case ChangeDisable, ChangeEnable:
			if u.ID == by.ID {
				return forbidden("you cannot disable your own account")
			}
			u.Disabled = in.Change == ChangeDisable
		case ChangeUnlock:
			if err := auth.Unlock(ctx, tx, &u); err != nil {
				return err
			}
		case ChangeResetTOTP:
			if err := auth.ResetSecondFactor(ctx, tx, &u); err != nil {
				return err
			}
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		if in.Change != ChangeUnlock {
			if err := tx.DeleteUserLoginSessions(ctx, u.ID); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, event(by, audit.Event{Action: "user.update", EntityType: "user", EntityID: u.ID, Details: details}))
	})
	var r *refusal
	switch {
	case errors.Is(err, store.ErrNotFound):
		return u, notFound("there is no user with this ID")
	case errors.As(err, &r):
		return u, err
	case err != nil:
		return u, fmt.Errorf("change the user: %w", err)
	}
	return u, nil
}
