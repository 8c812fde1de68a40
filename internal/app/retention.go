package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/auth"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/internal/vocab"
)

// The inputs of the retention policy, in the domain's words.
const (
	FieldAudioDays         Field = "audio retention"
	FieldTranscriptDays    Field = "transcript retention"
	FieldSecondFactorRoles Field = "roles that must use two-step sign-in"
	FieldHoldReason        Field = "legal hold reason"
)

// Retention limits: ten years of audio, a hundred of transcripts.
const (
	MaxAudioDays      = 3650
	MaxTranscriptDays = 36500
)

// PolicyInput is the retention policy (and, from the policy page, which
// roles besides admin must use a second factor).
type PolicyInput struct {
	// PurgeAudioAfterTranscription deletes a chunk's audio as soon as its
	// transcription succeeds.
	PurgeAudioAfterTranscription bool
	// AudioDays purges audio older than this (0: never by age, which only
	// the purge after transcription allows: audio is not kept for ever).
	AudioDays int
	// TranscriptDays purges redacted transcripts and identifier maps older
	// than this (0 keeps them; the notes are the record and are kept).
	TranscriptDays int
	// SecondFactorRoles lists the roles beside admin that must use
	// two-step sign-in; nil leaves the setting as it is.
	SecondFactorRoles []string
}

// SetPolicy replaces the retention policy (and the second-factor roles
// when given), audited. Admins only.
func (s *Service) SetPolicy(ctx context.Context, by store.User, in PolicyInput) (store.RetentionPolicy, error) {
	if err := requireRole(by, "change the retention policy", adminOnly...); err != nil {
		return store.RetentionPolicy{}, err
	}
	if err := validate.Int(FieldAudioDays, in.AudioDays, 0, MaxAudioDays); err != nil {
		return store.RetentionPolicy{}, err
	}
	if !in.PurgeAudioAfterTranscription && in.AudioDays == 0 {
		return store.RetentionPolicy{}, &validate.Error{Field: FieldAudioDays, Problem: "keeps audio for ever",
			Hint: fmt.Sprintf("purge audio after transcription, or after a number of days from 1 to %d", MaxAudioDays)}
	}
	if err := validate.Int(FieldTranscriptDays, in.TranscriptDays, 0, MaxTranscriptDays); err != nil {
		return store.RetentionPolicy{}, err
	}
	var roles []string
	if in.SecondFactorRoles != nil {
		roles = []string{string(vocab.RoleAdmin)}
		for _, r := range in.SecondFactorRoles {
			role, err := vocab.ParseRole(r)
			if err != nil {
				return store.RetentionPolicy{}, &validate.Error{Field: FieldSecondFactorRoles, Value: r, Allowed: vocab.Strings(vocab.Roles())}
			}
			if !slices.Contains(roles, string(role)) {
				roles = append(roles, string(role))
			}
		}
	}
	p := store.RetentionPolicy{AudioDays: in.AudioDays, TranscriptDays: in.TranscriptDays, PurgeAudioAfterTranscription: in.PurgeAudioAfterTranscription,
		UpdatedBy: cmp.Or(by.Email, by.ID)} // the page names who changed it; the audit log has the ID
	details := map[string]string{"purge_audio_after_transcription": strconv.FormatBool(p.PurgeAudioAfterTranscription),
		"audio_days": strconv.Itoa(p.AudioDays), "transcript_days": strconv.Itoa(p.TranscriptDays)}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetRetentionPolicy(ctx, &p); err != nil {
			return err
		}
		if roles != nil {
			if err := tx.PutSetting(ctx, auth.SettingTOTPRoles, strings.Join(roles, ",")); err != nil {
				return err
			}
			details["totp_roles"] = strings.Join(roles, ",")
		}
		return tx.Audit(ctx, event(by, audit.Event{Action: "policy.update", EntityType: "settings", EntityID: "policy", Details: details}))
	})
	if err != nil {
		return p, fmt.Errorf("save the policy: %w", err)
	}
	return p, nil
}

// SetLegalHold places (on) or lifts a legal hold on a session the
// principal may see: a held session's audio and transcript are left alone
// by every purge. A hold needs a reason (a case or matter number, no PHI).
func (s *Service) SetLegalHold(ctx context.Context, by store.User, sessionID string, on bool, reason string) error {
	sess, err := s.Session(ctx, by, sessionID)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if on && reason == "" {
		return &validate.Error{Field: FieldHoldReason, Hint: "give a case or matter number (never a client's details)"}
	}
	action := "legal_hold.release"
	if on {
		action = "legal_hold.hold"
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetLegalHold(ctx, sess.ID, on, reason); err != nil {
			return err
		}
		return tx.Audit(ctx, event(by, audit.Event{Action: action, EntityType: "session", EntityID: sess.ID, Details: map[string]string{"reason": reason}}))
	})
	if err != nil {
		return fmt.Errorf("change the legal hold: %w", err)
	}
	return nil
}
