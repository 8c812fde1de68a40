package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/validate"
	"net/http"
	"strconv"
	"strings"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/redaction"
)

// transcriptFor returns the session's redacted, speaker-labelled
// transcript and its identifier map (nil when not redacted yet).
func (s *Server) transcriptFor(ctx context.Context, sessionID string) ([]transcript.Segment, redaction.TokenMap, error) {
	tr, err := s.cfg.Store.Transcript(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	b, err := s.cfg.Blobs.Get(ctx, tr.RedactedBlob)
	if err != nil {
		return nil, nil, fmt.Errorf("redacted transcript: %w", err)
	}
	var segs []transcript.Segment
	if err := json.Unmarshal(b, &segs); err != nil {
		return nil, nil, fmt.Errorf("redacted transcript is not valid JSON: %w", err)
	}
	mb, err := s.cfg.Blobs.Get(ctx, tr.MapBlob)
	if errors.Is(err, blob.ErrNotFound) {
		return segs, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("identifier map: %w", err)
	}
	rs, err := redaction.RestoreSession(mb)
	if err != nil {
		return nil, nil, fmt.Errorf("identifier map: %w", err)
	}
	return segs, rs.Map(), nil
}

type segView struct {
	ID, Speaker, Text string
	StartMS, EndMS    int64
	// Role is the segment's speaker role (Speaker is its label); Inferred
	// says a model assigned it, with Confidence in percent; Fixed says the
	// clinician set it.
	Role            string
	Inferred, Fixed bool
	Confidence      int
}

type sectionView struct {
	Key, Title       string
	NotDiscussed     bool
	NotDiscussedText string
	Statements       []stmtView
	EditText         string
	Missing          bool // a section of the template the note does not have (yet)
}

type stmtView struct {
	Text              string
	Citations         []string
	Unsupported       bool
	UnsupportedReason string
	Index             int
	Ref               string // drafts.StatementRef of the stored text
	Edited            bool   // written or changed by the clinician
}

type reviewData struct {
	Session  store.Session
	View     drafts.View
	Sections []sectionView
	Segments []segView
	// OneChannel: the recording had one channel, so its speakers were
	// diarized or inferred; CanFixSpeakers: the user may correct them.
	OneChannel, CanFixSpeakers bool
	SpeakerRoles               []string
	OpenFlags                  []drafts.Flag
	Resolved                   []drafts.Flag
	OpenHigh                   bool
	Signed                     bool
	Locked                     bool
	CanSign                    bool
	Audio                      bool
	HasTOTP                    bool
	Attestation                string
	Templates                  []prompts.Format
	Versions                   []store.Draft
	Edited                     bool
	Regenerable                bool
	reviewExtra
	// CanReidentify: the viewer is the session's clinician, the one person
	// who may export the note with identifiers.
	CanReidentify bool
	// CanCosign: the viewer is the supervisor of the associate whose
	// signed note waits for co-signature; CosignError is a refused
	// co-signature or return, shown in place.
	CanCosign   bool
	CosignError string
	// Measures are the client's questionnaires (this session's, trends).
	Measures *measuresPanel
}

// review is the review page: the draft beside the transcript.
func (s *Server) review(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	d, err := s.reviewData(r.Context(), sess, c)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("this session has no draft yet (it is %s); its page shows the progress", statusWords(sess.Status)))
		return
	}
	if err != nil {
		var ae auditError
		if errors.As(err, &ae) {
			s.fail(w, r, http.StatusServiceUnavailable, "the audit log could not record this view, so the note is not shown; try again")
			return
		}
		s.serverError(w, r, err, "the draft could not be read; try again")
		return
	}
	if d.CanSign {
		d.Codes = s.codesFor(r, c, sess, r.URL.Query().Get("kind"), r.URL.Query().Get("setting"))
	}
	d.Measures = s.measuresFor(r, c, sess)
	s.render(w, r, http.StatusOK, "review", c, page{Title: "Review note", Nav: "sessions", Data: d})
}

type auditError struct{ error }

func (s *Server) reviewData(ctx context.Context, sess store.Session, c *call) (reviewData, error) {
	dr, addenda, err := drafts.Load(ctx, s.cfg.Store, sess.ID)
	if err != nil {
		return reviewData{}, err
	}
	segs, tokenMap, err := s.transcriptFor(ctx, sess.ID)
	if err != nil {
		return reviewData{}, err
	}
	// Every view of a draft and transcript is a disclosure: audited before
	// anything is shown, and nothing is shown if the entry cannot be written.
	if err := s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "draft.read", EntityType: "draft", EntityID: dr.ID,
		Details: map[string]string{"session": sess.ID, "reidentified": strconv.FormatBool(tokenMap != nil), "part2": strconv.FormatBool(sess.Part2()), "transcript": "true", "via": "web"}}); err != nil {
		return reviewData{}, auditError{err}
	}
	v, err := drafts.BuildView(dr, addenda, drafts.RenderOptions{TokenMap: tokenMap, Reidentify: true, Part2: sess.Part2(), Dictation: sess.Dictation()})
	if err != nil {
		return reviewData{}, err
	}
	if err := drafts.WithSupervision(ctx, s.cfg.Store, dr, &v); err != nil {
		return reviewData{}, err
	}
	d := reviewData{Session: sess, View: v, Signed: dr.Status == store.DraftSigned, HasTOTP: c.user.TOTPEnabled,
		Attestation: drafts.DefaultAttestation, Templates: prompts.Formats(), Edited: len(v.Edits) > 0}
	d.Locked = d.Signed || dr.Status == store.DraftRejected || dr.Status == store.DraftAwaitingCosign
	if dr.Status == store.DraftAwaitingCosign && c.user.Role == store.RoleSupervisor {
		sup, err := s.cfg.Store.SupervisorOf(ctx, dr.SignedBy)
		if err != nil {
			return reviewData{}, err
		}
		d.CanCosign = sup == c.user.Email
	}
	d.CanReidentify = sess.Clinician != "" && store.NormalizeEmail(sess.Clinician) == c.user.Email
	d.CanSign = !d.Locked && hasRole(c.user.Role, clinicalRoles)
	d.Regenerable = !d.Signed && hasRole(c.user.Role, clinicalRoles) && sess.Status == store.StatusReady
	if err := s.reviewSections(ctx, &d); err != nil {
		return reviewData{}, err
	}
	for _, f := range v.Flags {
		if f.Resolved {
			d.Resolved = append(d.Resolved, f)
			continue
		}
		d.OpenFlags = append(d.OpenFlags, f)
		if f.Severity == "high" {
			d.OpenHigh = true
		}
	}
	d.Segments = make([]segView, len(segs))
	for i, sg := range segs {
		text := sg.Text
		if tokenMap != nil {
			text, _ = redaction.Reidentify(text, tokenMap)
		}
		d.Segments[i] = segView{ID: sg.ID, Speaker: transcript.Label(sg.Speaker), Text: text, StartMS: sg.StartMS, EndMS: sg.EndMS,
			Role: sg.Speaker, Inferred: sg.Inferred(), Fixed: sg.SpeakerBy == transcript.SpeakerByClinician, Confidence: int(sg.Confidence*100 + 0.5)}
		if sg.SpeakerBy != "" || sg.Speaker == transcript.SpeakerMixed {
			d.OneChannel = true
		}
	}
	d.CanFixSpeakers = d.OneChannel && !d.Signed && hasRole(c.user.Role, clinicalRoles)
	d.SpeakerRoles = app.SpeakerRoles
	d.Audio = s.audioRetained(ctx, sess.ID)
	d.Versions, _ = s.cfg.Store.Drafts(ctx, sess.ID)
	return d, nil
}

func (s *Server) audioRetained(ctx context.Context, sessionID string) bool {
	chunks, err := s.cfg.Store.Chunks(ctx, sessionID)
	if err != nil || len(chunks) == 0 {
		return false
	}
	for _, ch := range chunks {
		if ch.AudioPurged {
			return false
		}
	}
	ok, err := s.cfg.Blobs.Exists(ctx, chunks[0].AudioBlob)
	return err == nil && ok
}

// deidentify is the service layer's: what a clinician types is stored
// with the session's placeholders.
var deidentify = app.Deidentify

// svc is the drafts service for the statement editor, which is the web
// app's alone (internal/app has the section-level operations).
func (s *Server) svc() *drafts.Service {
	return &drafts.Service{Store: s.cfg.Store, Blobs: s.cfg.Blobs, Now: s.cfg.Now}
}

// draftChange answers a change to the draft: JSON for the page's scripts,
// a redirect back to the review page otherwise.
func (s *Server) draftChange(w http.ResponseWriter, r *http.Request, sessionID, done string, err error) {
	if err == nil {
		back(w, r, "/sessions/"+sessionID+"/review", done)
		return
	}
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, app.ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, app.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, app.ErrForbidden):
		status = http.StatusForbidden
	default:
		if _, invalid := validate.As(err); !invalid {
			s.internalError(w, r, err)
			return
		}
		err = errors.New(strings.TrimSuffix(formError(err), "."))
	}
	s.fail(w, r, status, capitalize(err.Error())+"; nothing was changed.")
}

func (s *Server) editSection(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	_, err := s.service().EditSection(r.Context(), c.user, app.DraftEdit{SessionID: sess.ID, Section: r.PathValue("key"), Text: r.PostFormValue("text")})
	if ve, ok := validate.As(err); ok && ve.Field == app.FieldSectionText {
		err = errors.New("the new section text is empty")
	}
	if err != nil {
		s.editRefused(w, r, c, sess, "edit-"+r.PathValue("key"), err)
		return
	}
	s.draftChange(w, r, sess.ID, "Saved.", err)
}

// fixSpeakers swaps two speakers for the whole session or reassigns one
// segment (app.FixSpeakers); the draft's citations keep their segments.
func (s *Server) fixSpeakers(w http.ResponseWriter, r *http.Request, c *call) {
	in := app.SpeakerFix{SessionID: r.PathValue("id")}
	what := "Speakers swapped."
	if r.PostFormValue("action") == "swap" {
		in.Swap = [2]string{r.PostFormValue("a"), r.PostFormValue("b")}
	} else {
		in.Segment, in.Role = r.PostFormValue("segment"), r.PostFormValue("role")
		what = "Speaker changed."
	}
	_, err := s.service().FixSpeakers(r.Context(), c.user, in)
	s.draftChange(w, r, in.SessionID, what, err)
}

func (s *Server) resolveFlag(w http.ResponseWriter, r *http.Request, c *call) {
	_, err := s.service().ResolveFlag(r.Context(), c.user, r.PathValue("id"), r.PathValue("code"), r.PostFormValue("reason"))
	s.draftChange(w, r, r.PathValue("id"), "Flag resolved.", err)
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	ctx := r.Context()
	in := app.Signature{SessionID: sess.ID, Attest: r.PostFormValue("attest") == "1", Override: r.PostFormValue("override"),
		Codes: codeChoice(r), Zone: viewerZone(r)}
	if !in.Attest {
		field, msg, _ := signError(drafts.ErrNoAttestation)
		s.signRefused(w, r, c, sess, http.StatusBadRequest, field, msg)
		return
	}
	if status, msg := s.checkSignCredential(ctx, c.user, r.PostFormValue("credential")); status != 0 {
		s.signRefused(w, r, c, sess, status, "credential", msg)
		return
	}
	_, err := s.service().Sign(ctx, c.user, in)
	if ve, ok := validate.As(err); ok && isCodeField(ve.Field) {
		s.signRefused(w, r, c, sess, http.StatusBadRequest, "codes", formError(err)+" The note was not signed.")
		return
	}
	if field, msg, ok := signError(err); ok {
		s.signRefused(w, r, c, sess, http.StatusBadRequest, field, msg)
		return
	}
	s.draftChange(w, r, sess.ID, "Signed. The note is locked.", err)
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request, c *call) {
	_, err := s.service().Reject(r.Context(), c.user, r.PathValue("id"), r.PostFormValue("reason"))
	s.draftChange(w, r, r.PathValue("id"), "Draft rejected.", err)
}

func (s *Server) regenerate(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	v, err := s.service().Regenerate(r.Context(), c.user, id, r.PostFormValue("template"))
	if err != nil {
		s.draftChange(w, r, id, "", err)
		return
	}
	back(w, r, "/sessions/"+id, fmt.Sprintf("Draft version %d is being generated.", v))
}

func (s *Server) addendum(w http.ResponseWriter, r *http.Request, c *call) {
	_, err := s.service().AddAddendum(r.Context(), c.user, r.PathValue("id"), r.PostFormValue("text"))
	s.draftChange(w, r, r.PathValue("id"), "Addendum added.", err)
}

// ---- version history ----

type diffLine struct {
	Op   string // "=", "+", "-"
	Text string
}

type versionsData struct {
	Session  store.Session
	Versions []store.Draft
	A, B     int
	Diff     []diffLine
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	ctx := r.Context()
	ds, err := s.cfg.Store.Drafts(ctx, sess.ID)
	if err != nil || len(ds) == 0 {
		s.fail(w, r, http.StatusNotFound, "this session has no draft versions yet")
		return
	}
	d := versionsData{Session: sess, Versions: ds, A: ds[0].Version, B: ds[len(ds)-1].Version}
	if v, err := strconv.Atoi(r.URL.Query().Get("a")); err == nil {
		d.A = v
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("b")); err == nil {
		d.B = v
	}
	var ta, tb string
	found := 0
	_, tm, err := s.transcriptFor(ctx, sess.ID)
	if err != nil {
		s.serverError(w, r, err, "the identifier map could not be read")
		return
	}
	if err := s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "draft.read", EntityType: "session", EntityID: sess.ID,
		Details: map[string]string{"versions": fmt.Sprintf("%d,%d", d.A, d.B), "part2": strconv.FormatBool(sess.Part2()), "via": "web"}}); err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "the audit log could not record this view, so the versions are not shown")
		return
	}
	for _, dr := range ds {
		if dr.Version != d.A && dr.Version != d.B {
			continue
		}
		v, err := drafts.BuildView(dr, nil, drafts.RenderOptions{TokenMap: tm, Reidentify: true, Part2: sess.Part2(), Dictation: sess.Dictation()})
		if err != nil {
			continue
		}
		text := noteText(v)
		if dr.Version == d.A {
			ta = text
			found++
		}
		if dr.Version == d.B {
			tb = text
			found++
		}
	}
	if found < 2 && d.A != d.B {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("versions %d and %d are not both versions of this note", d.A, d.B))
		return
	}
	d.Diff = lineDiff(strings.Split(ta, "\n"), strings.Split(tb, "\n"))
	s.render(w, r, http.StatusOK, "versions", c, page{Title: "Version history", Nav: "sessions", Data: d})
}

// noteText is the note's sections and statements, one per line (what a diff
// between versions compares).
func noteText(v drafts.View) string {
	var b strings.Builder
	for _, sec := range v.Note.Sections {
		fmt.Fprintf(&b, "## %s\n", sec.Title)
		for _, st := range sec.Statements {
			if st.ClinicianEdited {
				fmt.Fprintf(&b, "%s (edited by clinician)\n", st.Text)
				continue
			}
			fmt.Fprintf(&b, "%s\n", st.Text)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// lineDiff is a longest-common-subsequence diff of two line lists in
// linear space: O(len(a)+len(b)) memory and O(len(a)·len(b)) time (the
// table it replaced was O(len(a)·len(b)) memory: 800 MB for two
// 10,000-line versions).
//
// Its output is exactly the old table-driven diff's: walking from the top,
// a matching line is kept, otherwise a line of a is removed when that still
// allows a longest common subsequence, else a line of b is added. That walk
// needs the LCS of every suffix; Hirschberg's divide and conquer finds, in
// linear space, the cell where the walk crosses the middle row of a (see
// crossing), and each half is the same walk on a smaller problem, because
// a walk known to pass through a cell makes, on either side of it, the same
// choices as the walk of that side alone.
func lineDiff(a, b []string) []diffLine {
	out := make([]diffLine, 0, max(len(a), len(b)))
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] { // the walk keeps a common prefix
		out = append(out, diffLine{"=", a[n]})
		n++
	}
	// Lines are compared as numbers: one per distinct line.
	ids := make(map[string]int32)
	number := func(lines []string) []int32 {
		out := make([]int32, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = int32(len(ids))
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	d := differ{textA: a[n:], textB: b[n:], out: out}
	d.a, d.b = number(d.textA), number(d.textB)
	w := len(d.b) + 1
	d.buf = make([]int32, 4*w)
	d.walk(0, 0, len(d.a), len(d.b))
	return d.out
}

type differ struct {
	textA, textB []string
	a, b         []int32 // the lines' numbers
	out          []diffLine
	buf          []int32 // four rows of len(b)+1: two of suffix LCS, two of crossings
}

// walk appends the diff of a[i0:i1] against b[j0:j1].
func (d *differ) walk(i0, j0, i1, j1 int) {
	if i1-i0 <= 1 || j0 == j1 {
		d.walkRow(i0, j0, i1, j1)
		return
	}
	r := (i0 + i1) / 2
	c := d.crossing(i0, j0, i1, j1, r)
	d.walk(i0, j0, r, c)
	d.walk(r, c, i1, j1)
}

// crossing computes the suffix LCS of a[i0:i1] against b[j0:j1] from the
// bottom row up, two rows at a time, and with it, for every cell above row
// r, the column at which the walk from that cell first reaches row r (the
// cell the walk moves to has it already). The answer is the walk's own
// crossing, from (i0, j0).
func (d *differ) crossing(i0, j0, i1, j1, r int) int {
	w := j1 - j0 + 1
	stride := len(d.b) + 1
	below, row := d.buf[:w], d.buf[stride:stride+w]
	cBelow, cRow := d.buf[2*stride:2*stride+w], d.buf[3*stride:3*stride+w]
	clear(below)
	for i := i1 - 1; i >= i0; i-- {
		row[w-1] = 0
		for j := j1 - 1; j >= j0; j-- {
			x := j - j0
			if d.a[i] == d.b[j] {
				row[x] = below[x+1] + 1
			} else {
				row[x] = max(below[x], row[x+1])
			}
		}
		if i == r-1 {
			for x := range cBelow {
				cBelow[x] = int32(j0 + x)
			}
		}
		if i < r {
			cRow[w-1] = cBelow[w-1] // at the last column the walk goes down
			for j := j1 - 1; j >= j0; j-- {
				x := j - j0
				switch {
				case d.a[i] == d.b[j]: // keep the line: diagonal
					cRow[x] = cBelow[x+1]
				case below[x] >= row[x+1]: // remove a[i]: down
					cRow[x] = cBelow[x]
				default: // add b[j]: right
					cRow[x] = cRow[x+1]
				}
			}
			cBelow, cRow = cRow, cBelow
		}
		below, row = row, below
	}
	return int(cBelow[0])
}

// walkRow is the walk over at most one line of a (or no line of b): the
// line is removed at the first column from which b has no later copy of it.
func (d *differ) walkRow(i0, j0, i1, j1 int) {
	i, j := i0, j0
	if i < i1 && j < j1 {
		// i1 == i0+1: only a[i0]'s last copy in b[j0:j1] matters.
		last := -1
		for k := j1 - 1; k >= j0; k-- {
			if d.b[k] == d.a[i] {
				last = k
				break
			}
		}
		for i < i1 && j < j1 {
			switch {
			case d.a[i] == d.b[j]:
				d.out = append(d.out, diffLine{"=", d.textA[i]})
				i, j = i+1, j+1
			case last <= j:
				d.out = append(d.out, diffLine{"-", d.textA[i]})
				i++
			default:
				d.out = append(d.out, diffLine{"+", d.textB[j]})
				j++
			}
		}
	}
	for ; i < i1; i++ {
		d.out = append(d.out, diffLine{"-", d.textA[i]})
	}
	for ; j < j1; j++ {
		d.out = append(d.out, diffLine{"+", d.textB[j]})
	}
}

// ---- audio of one transcript segment ----

func (s *Server) segmentAudio(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	ctx := r.Context()
	segs, _, err := s.transcriptFor(ctx, sess.ID)
	if err != nil {
		s.serverError(w, r, err, "the transcript could not be read")
		return
	}
	want := r.URL.Query().Get("seg")
	var seg *transcript.Segment
	for i := range segs {
		if segs[i].ID == want {
			seg = &segs[i]
		}
	}
	if seg == nil {
		s.fail(w, r, http.StatusNotFound, "the transcript has no segment "+strconv.Quote(want))
		return
	}
	chunks, err := s.cfg.Store.Chunks(ctx, sess.ID)
	if err != nil {
		s.serverError(w, r, err, "the session's audio could not be listed")
		return
	}
	var out []int16
	for _, ch := range chunks {
		if ch.Speaker != seg.Speaker || ch.EndMS <= seg.StartMS || ch.StartMS >= seg.EndMS {
			continue
		}
		if ch.AudioPurged {
			s.fail(w, r, http.StatusGone, "the audio of this session was deleted under the retention policy; the transcript remains")
			return
		}
		b, err := s.cfg.Blobs.Get(ctx, ch.AudioBlob)
		if errors.Is(err, blob.ErrNotFound) {
			s.fail(w, r, http.StatusGone, "the audio of this session is no longer kept")
			return
		}
		if err != nil {
			s.serverError(w, r, err, "the audio could not be read")
			return
		}
		_, chans, err := audio.Decode16k(bytes.NewReader(b), audio.Options{})
		if err != nil || len(chans) == 0 {
			s.serverError(w, r, err, "the stored audio could not be decoded")
			return
		}
		from := max(0, (seg.StartMS-ch.StartMS)*16)
		to := min(int64(len(chans[0])), (seg.EndMS-ch.StartMS)*16)
		if from < to {
			out = append(out, chans[0][from:to]...)
		}
	}
	if len(out) == 0 {
		s.fail(w, r, http.StatusGone, "no audio is kept for this stretch of the session")
		return
	}
	if err := s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "audio.read", EntityType: "session", EntityID: sess.ID,
		Details: map[string]string{"segment": seg.ID, "part2": strconv.FormatBool(sess.Part2()), "via": "web"}}); err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "the audit log could not record this playback, so it is refused")
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(audio.EncodeWAV(out, 16000))
}
