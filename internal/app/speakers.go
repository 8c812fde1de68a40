package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/internal/validate"
)

// The inputs of a speaker fix.
const (
	FieldSpeakerRole    Field = "speaker"
	FieldSpeakerSegment Field = "transcript segment"
)

// SpeakerRoles are the roles a single-channel segment can take.
var SpeakerRoles = []string{transcript.SpeakerClinician, transcript.SpeakerClient, transcript.SpeakerOther}

// SpeakerFix corrects who speaks in a single-channel transcript: either
// Swap two roles for the whole session (every segment of one becomes the
// other's), or give one Segment (its ID) a new Role. The draft cites
// segments, so its citations keep pointing at the same words; only the
// segment's speaker changes.
type SpeakerFix struct {
	SessionID string
	Swap      [2]string
	Segment   string
	Role      string
}

// ErrSpeakersFromTracks refuses a fix of speakers that are known from the
// recording's separate tracks.
var ErrSpeakersFromTracks = errors.New("this session's speakers are known from its separate recording tracks; only a single-channel recording's speakers can be changed")

// FixSpeakers applies a speaker fix to the session's transcript (the
// clinician's correction; marked transcript.SpeakerByClinician, confidence
// cleared) and returns how many segments changed. It is audited
// (transcript.speakers, with the roles and the segment ID, never text); a
// signed note's transcript is not changed.
func (s *Service) FixSpeakers(ctx context.Context, by store.User, in SpeakerFix) (int, error) {
	sess, _, err := s.draftChange(ctx, by, in.SessionID, "change a transcript's speakers")
	if err != nil {
		return 0, err
	}
	swap := in.Swap != [2]string{}
	switch {
	case swap && in.Segment != "":
		return 0, &validate.Error{Field: FieldSpeakerSegment, Value: in.Segment, Hint: "either swap two speakers or reassign one segment, not both"}
	case swap:
		for _, r := range in.Swap {
			if err := validate.OneOf(FieldSpeakerRole, r, SpeakerRoles...); err != nil {
				return 0, err
			}
		}
		if in.Swap[0] == in.Swap[1] {
			return 0, &validate.Error{Field: FieldSpeakerRole, Value: in.Swap[1], Hint: "choose two different speakers to swap"}
		}
	default:
		if in.Segment == "" {
			return 0, &validate.Error{Field: FieldSpeakerSegment, Hint: "choose the transcript segment whose speaker to change"}
		}
		if err := validate.OneOf(FieldSpeakerRole, in.Role, SpeakerRoles...); err != nil {
			return 0, err
		}
	}
	if d, err := s.Store.LatestDraft(ctx, sess.ID); err == nil && d.Status == store.DraftSigned {
		return 0, as(ErrConflict, errors.New("the note is signed, so its transcript's speakers no longer change; add an addendum instead"))
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	tr, err := s.Store.Transcript(ctx, sess.ID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, notFound("this session has no transcript yet")
	}
	if err != nil {
		return 0, err
	}
	old, err := s.Blobs.Get(ctx, tr.RedactedBlob)
	if err != nil {
		return 0, fmt.Errorf("read the transcript: %w", err)
	}
	var segs []transcript.Segment
	if err := json.Unmarshal(old, &segs); err != nil {
		return 0, fmt.Errorf("the transcript is not valid JSON: %w", err)
	}
	changed := 0
	details := map[string]string{"session": sess.ID}
	fix := func(i int, role string) {
		if segs[i].Speaker != role {
			changed++
		}
		segs[i].Speaker, segs[i].SpeakerBy, segs[i].Confidence = role, transcript.SpeakerByClinician, 0
	}
	if swap {
		details["change"], details["swapped"] = "swap", in.Swap[0]+","+in.Swap[1]
		singleChannel := false
		for i, sg := range segs {
			if !oneChannel(sg) {
				continue // a track's speaker is exact
			}
			singleChannel = true
			switch sg.Speaker {
			case in.Swap[0]:
				fix(i, in.Swap[1])
			case in.Swap[1]:
				fix(i, in.Swap[0])
			}
		}
		if !singleChannel {
			return 0, as(ErrConflict, ErrSpeakersFromTracks)
		}
	} else {
		i := slices.IndexFunc(segs, func(sg transcript.Segment) bool { return sg.ID == in.Segment })
		if i < 0 {
			return 0, &validate.Error{Field: FieldSpeakerSegment, Value: in.Segment, Problem: "is not a segment of this transcript", Hint: "choose one of the transcript's segments"}
		}
		if !oneChannel(segs[i]) {
			return 0, as(ErrConflict, ErrSpeakersFromTracks)
		}
		details["change"], details["segment"], details["from"], details["to"] = "reassign", in.Segment, segs[i].Speaker, in.Role
		fix(i, in.Role)
	}
	details["segments"] = fmt.Sprint(changed)
	body, err := json.Marshal(segs)
	if err != nil {
		return 0, err
	}
	if err := s.Blobs.Put(ctx, tr.RedactedBlob, body); err != nil {
		return 0, fmt.Errorf("store the transcript: %w", err)
	}
	// The change is audited before it is reported; if the audit entry
	// cannot be written, the transcript is put back and the fix fails.
	if err := s.Store.Audit(ctx, audit.Event{Actor: by.ID, AgentRole: by.Role, Action: "transcript.speakers", EntityType: "session", EntityID: sess.ID, Details: details}); err != nil {
		if rerr := s.Blobs.Put(context.WithoutCancel(ctx), tr.RedactedBlob, old); rerr != nil {
			return 0, fmt.Errorf("audit the speaker change: %w (and the transcript could not be put back: %v)", err, rerr)
		}
		return 0, fmt.Errorf("audit the speaker change: %w; nothing was changed", err)
	}
	return changed, nil
}

// oneChannel reports whether a segment is of a single-channel recording
// (its role assigned, or not yet), whose speaker a clinician may fix.
func oneChannel(sg transcript.Segment) bool {
	return sg.SpeakerBy != "" || sg.Speaker == transcript.SpeakerMixed
}
