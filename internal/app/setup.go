package app

import (
	"context"
	"fmt"

	"github.com/scribe-health/scribe/internal/store"
)

// SetupProgress is how far the first-run set-up has come. Every step is
// read from the data it produces (no flag of its own that could drift): a
// provider of each use exists, the retention policy was saved by someone
// (the shipped default row has never been updated), and a user who is not
// an admin exists.
type SetupProgress struct {
	SecondFactor  bool // the admin asking has two-step sign-in on
	Transcription bool
	Drafting      bool
	Retention     bool
	Clinician     bool
}

// Providers is the providers step: one transcription and one drafting model.
func (p SetupProgress) Providers() bool { return p.Transcription && p.Drafting }

// Done reports whether every step of the set-up is done.
func (p SetupProgress) Done() bool {
	return p.SecondFactor && p.Providers() && p.Retention && p.Clinician
}

// SetupProgress reads the set-up steps' state for an admin.
func (s *Service) SetupProgress(ctx context.Context, by store.User) (SetupProgress, error) {
	if err := requireRole(by, "see the set-up steps", adminOnly...); err != nil {
		return SetupProgress{}, err
	}
	p := SetupProgress{SecondFactor: by.TOTPEnabled}
	ps, err := s.Store.Providers(ctx, "")
	if err != nil {
		return p, fmt.Errorf("read the providers: %w", err)
	}
	for _, pr := range ps {
		switch pr.Use {
		case store.UseTranscription:
			p.Transcription = true
		case store.UseDrafting:
			p.Drafting = true
		}
	}
	pol, err := s.Store.RetentionPolicy(ctx)
	if err != nil {
		return p, fmt.Errorf("read the retention policy: %w", err)
	}
	p.Retention = pol.UpdatedAt > 0
	us, err := s.Store.Users(ctx)
	if err != nil {
		return p, fmt.Errorf("read the users: %w", err)
	}
	for _, u := range us {
		if u.Role != store.RoleAdmin && !u.Disabled {
			p.Clinician = true
		}
	}
	return p, nil
}
