package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/redaction"
)

func ingestOptions(f map[string]string, u store.User) pipeline.IngestOptions {
	return pipeline.IngestOptions{Template: f["template"], Modality: f["modality"], Program: f["program"], Speakers: f["speakers"],
		ClientAlias: f["alias"], Clinician: store.NormalizeEmail(f["clinician"]), ConsentAttestedBy: u.Email, Actor: u.Email}
}

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
}

type sectionView struct {
	Key, Title       string
	NotDiscussed     bool
	NotDiscussedText string
	Statements       []stmtView
	EditText         string
}

type stmtView struct {
	Text              string
	Citations         []string
	Unsupported       bool
	UnsupportedReason string
}

type reviewData struct {
	Session     store.Session
	View        drafts.View
	Sections    []sectionView
	Segments    []segView
	OpenFlags   []drafts.Flag
	Resolved    []drafts.Flag
	OpenHigh    bool
	Signed      bool
	Locked      bool
	CanSign     bool
	Audio       bool
	HasTOTP     bool
	Attestation string
	Templates   []prompts.Format
	Versions    []store.Draft
	Edited      bool
	Regenerable bool
}

// review is the review page: the draft beside the transcript.
func (s *Server) review(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	d, err := s.reviewData(r.Context(), sess, c)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("this session has no draft yet (it is %s); its page shows the progress", sess.Status))
		return
	}
	if err != nil {
		var ae auditError
		if errors.As(err, &ae) {
			s.fail(w, r, http.StatusServiceUnavailable, "the audit log could not record this view, so the note is not shown; try again")
			return
		}
		slog.Error("web: review", "session", sess.ID, "error", err)
		s.fail(w, r, http.StatusInternalServerError, "the draft could not be read; see the server log")
		return
	}
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
	if err := s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "draft.read", EntityType: "draft", EntityID: dr.ID,
		Details: map[string]string{"session": sess.ID, "reidentified": strconv.FormatBool(tokenMap != nil), "part2": strconv.FormatBool(sess.Part2()), "transcript": "true", "via": "web"}}); err != nil {
		return reviewData{}, auditError{err}
	}
	v, err := drafts.BuildView(dr, addenda, drafts.RenderOptions{TokenMap: tokenMap, Reidentify: true, Part2: sess.Part2()})
	if err != nil {
		return reviewData{}, err
	}
	d := reviewData{Session: sess, View: v, Signed: dr.Status == store.DraftSigned, HasTOTP: c.user.TOTPEnabled,
		Attestation: drafts.DefaultAttestation, Templates: prompts.Formats(), Edited: len(v.Edits) > 0}
	d.Locked = d.Signed || dr.Status == store.DraftRejected
	d.CanSign = !d.Locked && hasRole(c.user.Role, clinicalRoles)
	d.Regenerable = !d.Signed && hasRole(c.user.Role, clinicalRoles) && sess.Status == store.StatusReady
	for _, sec := range v.Note.Sections {
		sv := sectionView{Key: sec.Key, Title: sec.Title, NotDiscussed: sec.NotDiscussed || len(sec.Statements) == 0, NotDiscussedText: sec.NotDiscussedText}
		var texts []string
		for _, st := range sec.Statements {
			sv.Statements = append(sv.Statements, stmtView{Text: st.Text, Citations: st.Citations, Unsupported: st.Unsupported, UnsupportedReason: st.UnsupportedReason})
			texts = append(texts, st.Text)
		}
		sv.EditText = strings.Join(texts, "\n")
		d.Sections = append(d.Sections, sv)
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
		d.Segments[i] = segView{ID: sg.ID, Speaker: transcript.Label(sg.Speaker), Text: text, StartMS: sg.StartMS, EndMS: sg.EndMS}
	}
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

// deidentify puts placeholders back for identifiers a clinician typed or
// kept while editing the re-identified text, so the stored draft stays
// de-identified; originals are replaced longest first.
func deidentify(text string, m redaction.TokenMap) string {
	if len(m) == 0 {
		return text
	}
	type pair struct{ ph, orig string }
	pairs := make([]pair, 0, len(m))
	for ph, orig := range m {
		if len(orig) >= 2 {
			pairs = append(pairs, pair{ph, orig})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if len(pairs[i].orig) != len(pairs[j].orig) {
			return len(pairs[i].orig) > len(pairs[j].orig)
		}
		return pairs[i].ph < pairs[j].ph
	})
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.orig, p.ph)
	}
	return strings.NewReplacer(args...).Replace(text)
}

func (s *Server) svc() *drafts.Service { return &drafts.Service{Store: s.cfg.Store, Now: s.cfg.Now} }

// draftChange answers a change to the draft: JSON for the page's scripts,
// a redirect back to the review page otherwise.
func (s *Server) draftChange(w http.ResponseWriter, r *http.Request, sessionID, done string, err error) {
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, drafts.ErrAlreadySigned) || errors.Is(err, drafts.ErrRejected) {
			status = http.StatusConflict
		}
		if errors.Is(err, store.ErrNotFound) {
			status = http.StatusNotFound
		}
		s.fail(w, r, status, capitalize(err.Error())+"; nothing was changed.")
		return
	}
	back(w, r, "/sessions/"+sessionID+"/review", done)
}

func (s *Server) editSection(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	ctx := r.Context()
	text := r.PostFormValue("text")
	_, tm, err := s.transcriptFor(ctx, sess.ID)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the identifier map could not be read; the edit was not saved")
		return
	}
	_, err = s.svc().Edit(ctx, sess.ID, r.PathValue("key"), deidentify(text, tm), c.user.Email)
	s.draftChange(w, r, sess.ID, "Saved.", err)
}

func (s *Server) resolveFlag(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	_, err := s.svc().ResolveFlag(r.Context(), sess.ID, r.PathValue("code"), strings.TrimSpace(r.PostFormValue("reason")), c.user.Email)
	s.draftChange(w, r, sess.ID, "Flag resolved.", err)
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	ctx := r.Context()
	if r.PostFormValue("attest") != "1" {
		s.draftChange(w, r, sess.ID, "", errors.New("tick the attestation to sign"))
		return
	}
	if status, msg := s.checkSignCredential(ctx, c.user, r.PostFormValue("credential")); status != 0 {
		s.fail(w, r, status, msg)
		return
	}
	_, err := s.svc().Sign(ctx, sess.ID, drafts.SignOptions{Clinician: c.user.Email, Attest: true, OverrideReason: strings.TrimSpace(r.PostFormValue("override"))})
	s.draftChange(w, r, sess.ID, "Signed. The note is locked.", err)
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	_, err := s.svc().Reject(r.Context(), sess.ID, strings.TrimSpace(r.PostFormValue("reason")), c.user.Email)
	s.draftChange(w, r, sess.ID, "Draft rejected.", err)
}

func (s *Server) regenerate(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	tpl := strings.TrimSpace(r.PostFormValue("template"))
	if tpl != "" {
		if err := s.checkTemplate(r.Context(), tpl); err != nil {
			s.draftChange(w, r, sess.ID, "", err)
			return
		}
	}
	v, err := s.svc().Regenerate(r.Context(), sess.ID, tpl, c.user.Email)
	if err != nil {
		s.draftChange(w, r, sess.ID, "", err)
		return
	}
	back(w, r, "/sessions/"+sess.ID, fmt.Sprintf("Draft version %d is being generated.", v))
}

func (s *Server) addendum(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	ctx := r.Context()
	_, tm, err := s.transcriptFor(ctx, sess.ID)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the identifier map could not be read; the addendum was not saved")
		return
	}
	_, err = s.svc().AddAddendum(ctx, sess.ID, c.user.Email, deidentify(r.PostFormValue("text"), tm))
	s.draftChange(w, r, sess.ID, "Addendum added.", err)
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
		s.fail(w, r, http.StatusInternalServerError, "the identifier map could not be read")
		return
	}
	if err := s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "draft.read", EntityType: "session", EntityID: sess.ID,
		Details: map[string]string{"versions": fmt.Sprintf("%d,%d", d.A, d.B), "part2": strconv.FormatBool(sess.Part2()), "via": "web"}}); err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "the audit log could not record this view, so the versions are not shown")
		return
	}
	for _, dr := range ds {
		if dr.Version != d.A && dr.Version != d.B {
			continue
		}
		v, err := drafts.BuildView(dr, nil, drafts.RenderOptions{TokenMap: tm, Reidentify: true, Part2: sess.Part2()})
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
			fmt.Fprintf(&b, "%s\n", st.Text)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// lineDiff is a longest-common-subsequence diff of two line lists.
func lineDiff(a, b []string) []diffLine {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{"=", a[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{"-", a[i]})
			i++
		default:
			out = append(out, diffLine{"+", b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, diffLine{"-", a[i]})
	}
	for ; j < m; j++ {
		out = append(out, diffLine{"+", b[j]})
	}
	return out
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
		s.fail(w, r, http.StatusInternalServerError, "the transcript could not be read")
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
		s.fail(w, r, http.StatusInternalServerError, "the session's audio could not be listed")
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
			s.fail(w, r, http.StatusInternalServerError, "the audio could not be read")
			return
		}
		_, chans, err := audio.Decode16k(bytes.NewReader(b), audio.Options{})
		if err != nil || len(chans) == 0 {
			s.fail(w, r, http.StatusInternalServerError, "the stored audio could not be decoded")
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
	if err := s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.Email, AgentRole: c.user.Role, Action: "audio.read", EntityType: "session", EntityID: sess.ID,
		Details: map[string]string{"segment": seg.ID, "part2": strconv.FormatBool(sess.Part2()), "via": "web"}}); err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "the audit log could not record this playback, so it is refused")
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(audio.EncodeWAV(out, 16000))
}
