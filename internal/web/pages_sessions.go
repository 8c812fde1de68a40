package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/prompts"
)

// errNoAccess is what a user who may not see a session is told.
type accessError struct{ msg string }

func (e accessError) Error() string { return e.msg }

// canSee applies the session rule: admins and supervisors see every
// session, clinicians only their own; Part 2 sessions only users with
// Part 2 access.
func canSee(u store.User, sess store.Session) error {
	if sess.Part2() && !u.Part2Access {
		return accessError{"this is a 42 CFR Part 2 record; your account does not have Part 2 access"}
	}
	if u.Role == store.RoleAdmin || u.Role == store.RoleSupervisor {
		return nil
	}
	if store.NormalizeEmail(sess.Clinician) != u.Email {
		return accessError{"this session belongs to another clinician; ask a supervisor if you need it"}
	}
	return nil
}

// session loads the {id} session and checks the user may see it; on
// failure it has answered the request. Refusals are audited.
func (s *Server) session(w http.ResponseWriter, r *http.Request, c *call) (store.Session, bool) {
	ctx := r.Context()
	sess, err := s.cfg.Store.Session(ctx, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "there is no session with this ID")
		return sess, false
	}
	if err != nil {
		slog.Error("web: read session", "error", err)
		s.fail(w, r, http.StatusInternalServerError, "the session could not be read; try again")
		return sess, false
	}
	if err := canSee(c.user, sess); err != nil {
		_ = s.cfg.Store.Audit(ctx, audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "session.access_denied", EntityType: "session", EntityID: sess.ID, Outcome: "denied",
			Details: map[string]string{"role": c.user.Role, "part2": strconv.FormatBool(sess.Part2())}})
		s.fail(w, r, http.StatusForbidden, err.Error())
		return sess, false
	}
	return sess, true
}

var statuses = []string{store.StatusScheduled, store.StatusInCall, store.StatusRecording, store.StatusTranscribing, store.StatusRedacting, store.StatusDrafting, store.StatusReady, store.StatusFailed,
	store.StatusNoRecording, store.StatusCancelled}

type sessionRow struct {
	store.Session
	Draft string // latest draft status
}

type listData struct {
	Status   string
	Statuses []string
	Sessions []sessionRow
	All      bool
}

func (s *Server) sessionsList(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	status := r.URL.Query().Get("status")
	if status != "" && !hasRole(status, statuses) {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("unknown status %q (use one of %s)", status, strings.Join(statuses, ", ")))
		return
	}
	mine := c.user.Email
	if c.user.Role != store.RoleClinician {
		mine = ""
	}
	list, err := s.cfg.Store.ListSessionsFor(ctx, mine, status, c.user.Part2Access, 200)
	if err != nil {
		slog.Error("web: list sessions", "error", err)
		s.fail(w, r, http.StatusInternalServerError, "sessions could not be listed; try again")
		return
	}
	d := listData{Status: status, Statuses: statuses, All: mine == ""}
	for _, ss := range list {
		row := sessionRow{Session: ss}
		if dr, err := s.cfg.Store.LatestDraft(ctx, ss.ID); err == nil {
			row.Draft = dr.Status
		}
		d.Sessions = append(d.Sessions, row)
	}
	s.render(w, r, http.StatusOK, "sessions", c, page{Title: "Sessions", Nav: "sessions", Data: d})
}

type scheduleData struct {
	Templates  []prompts.Format
	Custom     []store.CustomTemplate
	Modalities []prompts.Modality
	Form       map[string]string
	Session    *store.Session
	Links      []joinLink
	Expires    int64
}

type joinLink struct{ Label, URL string }

func (s *Server) scheduleData(ctx context.Context) scheduleData {
	d := scheduleData{Templates: prompts.Formats(), Modalities: prompts.Modalities()}
	d.Custom, _ = s.cfg.Store.CustomTemplates(ctx)
	return d
}

func (s *Server) scheduleForm(w http.ResponseWriter, r *http.Request, c *call) {
	d := s.scheduleData(r.Context())
	d.Form = map[string]string{"clinician": c.user.Email, "template": "soap", "modality": "general", "program": "mh", "clients": "1",
		"duration": strconv.Itoa(int(pipeline.DefaultSessionLength / time.Minute))}
	s.render(w, r, http.StatusOK, "schedule", c, page{Title: "Schedule a session", Nav: "schedule", Data: d})
}

func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || s.cfg.Secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) scheduleSubmit(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	f := map[string]string{}
	for _, k := range []string{"clinician", "alias", "template", "modality", "program", "kind", "clients", "start", "duration", "tz_offset"} {
		f[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	again := func(msg string) {
		d := s.scheduleData(ctx)
		d.Form = f
		s.render(w, r, http.StatusBadRequest, "schedule", c, page{Title: "Schedule a session", Nav: "schedule", Error: msg, Data: d})
	}
	if c.user.Role == store.RoleClinician || f["clinician"] == "" {
		f["clinician"] = c.user.Email
	}
	if _, err := mail.ParseAddress(f["clinician"]); err != nil {
		again("The clinician must be an e-mail address.")
		return
	}
	if f["alias"] == "" {
		again("Enter the client's alias (never the client's real name).")
		return
	}
	if f["program"] != "mh" && f["program"] != "sud" {
		again("Choose the program: mental health, or substance use (42 CFR Part 2).")
		return
	}
	if f["program"] == "sud" && !c.user.Part2Access {
		again("Your account has no Part 2 access, so it cannot schedule a substance-use (Part 2) session.")
		return
	}
	if err := s.checkTemplate(ctx, f["template"]); err != nil {
		again(err.Error())
		return
	}
	if _, err := prompts.ModalityByID(f["modality"]); err != nil {
		again(fmt.Sprintf("Unknown modality %q.", f["modality"]))
		return
	}
	group := f["kind"] == "group"
	n := 1
	if group {
		var err error
		if n, err = strconv.Atoi(f["clients"]); err != nil || n < 1 || n > 11 {
			again("A group session has between 1 and 11 client links (a call holds at most 12 people).")
			return
		}
	}
	start, length, problem := appointment(f, s.cfg.Now())
	if problem != "" {
		again(problem)
		return
	}
	if s.cfg.NewJoinToken == nil {
		again("Calls are not available on this server (no call relay is configured).")
		return
	}
	sess := store.Session{ID: uuid.NewString(), Source: "call", Status: store.StatusScheduled, Template: f["template"], Modality: f["modality"],
		Program: f["program"], Group: group, ClientAlias: f["alias"], Clinician: store.NormalizeEmail(f["clinician"])}
	// The links work until the appointment window and its grace period end.
	sess.Book(start, length)
	expires := time.UnixMilli(sess.ExpiresAt)
	var links []joinLink
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(ctx, &sess); err != nil {
			return err
		}
		for i := 0; i <= n; i++ {
			role, label := "client", "client"
			if i == 0 {
				role, label = "clinician", "clinician"
			} else if group {
				label = fmt.Sprintf("participant %d", i)
			}
			tok, hash := s.cfg.NewJoinToken()
			if err := tx.AddJoinToken(ctx, store.JoinToken{TokenHash: hash, SessionID: sess.ID, Role: role, Label: label, ExpiresAt: expires.UnixMilli()}); err != nil {
				return err
			}
			links = append(links, joinLink{Label: label, URL: fmt.Sprintf("%s/call/%s?token=%s", s.baseURL(r), sess.ID, tok)})
		}
		return tx.Audit(ctx, audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "session.create", EntityType: "session", EntityID: sess.ID,
			Details: map[string]string{"program": sess.Program, "group": strconv.FormatBool(group), "links": strconv.Itoa(len(links)), "via": "web",
				"scheduled_at": start.UTC().Format(time.RFC3339), "minutes": strconv.Itoa(int(length / time.Minute))}})
	})
	if err != nil {
		slog.Error("web: schedule", "error", err)
		again("The session could not be saved; nothing was scheduled. Try again.")
		return
	}
	d := s.scheduleData(ctx)
	d.Session, d.Links, d.Expires = &sess, links, expires.UnixMilli()
	s.render(w, r, http.StatusCreated, "scheduled", c, page{Title: "Session scheduled", Nav: "schedule", Data: d})
}

func (s *Server) checkTemplate(ctx context.Context, id string) error {
	if _, err := prompts.FormatByID(id); err == nil {
		return nil
	}
	if _, err := s.cfg.Store.CustomTemplate(ctx, id); err == nil {
		return nil
	}
	return fmt.Errorf("unknown note template %q", id)
}

// startCall issues a fresh clinician link and opens the call page.
func (s *Server) startCall(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	if sess.Source != "call" || (sess.Status != store.StatusScheduled && sess.Status != store.StatusInCall && sess.Status != store.StatusRecording) {
		s.fail(w, r, http.StatusConflict, fmt.Sprintf("this session is %s; only a scheduled or running call can be joined", sess.Status))
		return
	}
	if s.cfg.NewJoinToken == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "calls are not available on this server (no call relay is configured)")
		return
	}
	tok, hash := s.cfg.NewJoinToken()
	ctx := r.Context()
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.AddJoinToken(ctx, store.JoinToken{TokenHash: hash, SessionID: sess.ID, Role: "clinician", Label: "clinician", ExpiresAt: s.cfg.Now().Add(4 * time.Hour).UnixMilli()}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "call.start", EntityType: "session", EntityID: sess.ID})
	})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the call could not be started; try again")
		return
	}
	http.Redirect(w, r, "/call/"+sess.ID+"?token="+tok, http.StatusSeeOther)
}

// progress is the live state of a session's pipeline.
type progress struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Label        string `json:"label"`
	ChunksDone   int    `json:"chunks_done"`
	Chunks       int    `json:"chunks"`
	FailedStage  string `json:"failed_stage,omitempty"`
	FailedReason string `json:"failed_reason,omitempty"`
	Ready        bool   `json:"ready"`
	CanRetry     bool   `json:"can_retry"`
}

func (s *Server) progressOf(ctx context.Context, sess store.Session) (progress, error) {
	p := progress{ID: sess.ID, Status: sess.Status, FailedStage: sess.FailedStage, FailedReason: sess.FailedReason}
	chunks, err := s.cfg.Store.Chunks(ctx, sess.ID)
	if err != nil {
		return p, err
	}
	p.Chunks = len(chunks)
	for _, ch := range chunks {
		if ch.State == store.StateDone {
			p.ChunksDone++
		}
	}
	switch sess.Status {
	case store.StatusScheduled:
		p.Label = "Scheduled: waiting for the call"
	case store.StatusInCall:
		p.Label = "Call started: nothing recorded yet"
	case store.StatusNoRecording:
		p.Label = "Ended with nothing recorded"
		if sess.EndReason != "" {
			p.Label += ": " + sess.EndReason
		}
	case store.StatusCancelled:
		p.Label = "Cancelled: " + sess.EndReason
	case store.StatusRecording:
		p.Label = "Recording"
	case store.StatusTranscribing:
		p.Label = fmt.Sprintf("Transcribing %d/%d chunks", p.ChunksDone, p.Chunks)
	case store.StatusRedacting:
		p.Label = "Removing identifiers"
	case store.StatusDrafting:
		p.Label = "Drafting the note"
	case store.StatusReady:
		p.Label, p.Ready = "Draft ready for review", true
	case store.StatusFailed:
		p.Label, p.CanRetry = fmt.Sprintf("Failed at %s: %s", sess.FailedStage, sess.FailedReason), true
	default:
		p.Label = sess.Status
	}
	return p, nil
}

type sessionData struct {
	Session  store.Session
	Progress progress
	Stages   []store.Stage
	Draft    *store.Draft
	Consents consentData
	// CanCancel: the session is open and the user is an admin or its
	// clinician; CancelReasons are the reasons offered.
	CanCancel     bool
	CancelReasons []pipeline.CancelReason
}

func (s *Server) sessionPage(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	s.renderSession(w, r, c, sess, http.StatusOK, "", nil)
}

// renderSession shows the session page; after a refused consent form, with
// the error and that form as submitted.
func (s *Server) renderSession(w http.ResponseWriter, r *http.Request, c *call, sess store.Session, status int, errMsg string, failed *consentForm) {
	ctx := r.Context()
	p, err := s.progressOf(ctx, sess)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the session's progress could not be read")
		return
	}
	d := sessionData{Session: sess, Progress: p, CanCancel: sess.Open() && hasRole(c.user.Role, cancelRoles), CancelReasons: pipeline.CancelReasons}
	d.Stages, _ = s.cfg.Store.Stages(ctx, sess.ID)
	if dr, err := s.cfg.Store.LatestDraft(ctx, sess.ID); err == nil {
		d.Draft = &dr
	}
	if d.Consents, err = s.consentData(ctx, sess, failed); err != nil {
		slog.Error("web: session consents", "session", sess.ID, "error", err)
		s.fail(w, r, http.StatusInternalServerError, "the session's consents could not be read")
		return
	}
	s.render(w, r, status, "session", c, page{Title: "Session " + sess.ClientAlias, Nav: "sessions", Error: errMsg, Data: d})
}

func (s *Server) sessionStatus(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	p, err := s.progressOf(r.Context(), sess)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "the session's progress could not be read"})
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// retry restarts a failed session at the stage that failed.
func (s *Server) retry(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	ctx := r.Context()
	if sess.Status != store.StatusFailed {
		s.fail(w, r, http.StatusConflict, fmt.Sprintf("the session is %s, not failed; there is nothing to retry", sess.Status))
		return
	}
	var err error
	switch sess.FailedStage {
	case jobs.StageDraft:
		svc := &drafts.Service{Store: s.cfg.Store, Now: s.cfg.Now}
		_, err = svc.Regenerate(ctx, sess.ID, "", c.user.ID)
	case jobs.StageTranscribe, jobs.StageRedact:
		err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
			chunks, err := tx.Chunks(ctx, sess.ID)
			if err != nil {
				return err
			}
			pending := 0
			for _, ch := range chunks {
				if ch.State == store.StateDone {
					continue
				}
				pending++
				if err := tx.SetStage(ctx, sess.ID, jobs.StageTranscribe, ch.ID, store.StatePending, 0, ""); err != nil {
					return err
				}
				if err := tx.Enqueue(ctx, jobs.TranscribeChunkArgs{SessionID: sess.ID, ChunkID: ch.ID}, nil); err != nil {
					return err
				}
			}
			status := store.StatusTranscribing
			if pending == 0 {
				status = store.StatusRedacting
				if err := tx.SetStage(ctx, sess.ID, jobs.StageRedact, 0, store.StatePending, 0, ""); err != nil {
					return err
				}
				if err := tx.Enqueue(ctx, jobs.RedactArgs{SessionID: sess.ID}, nil); err != nil {
					return err
				}
			}
			if err := tx.SetSessionStatus(ctx, sess.ID, status); err != nil {
				return err
			}
			return tx.Audit(ctx, audit.Event{Actor: c.user.ID, AgentRole: c.user.Role, Action: "session.retry", EntityType: "session", EntityID: sess.ID, Details: map[string]string{"stage": sess.FailedStage}})
		})
	default:
		err = fmt.Errorf("the session failed at %q, which cannot be retried from here", sess.FailedStage)
	}
	if err != nil {
		s.fail(w, r, http.StatusConflict, "retry refused: "+err.Error())
		return
	}
	back(w, r, "/sessions/"+sess.ID, "Retrying.")
}

// ---- upload of a recording ----

func (s *Server) ingestForm(w http.ResponseWriter, r *http.Request, c *call) {
	d := s.scheduleData(r.Context())
	d.Form = map[string]string{"clinician": c.user.Email, "template": "soap", "modality": "general", "program": "mh"}
	s.render(w, r, http.StatusOK, "ingest", c, page{Title: "Upload a recording", Nav: "ingest", Data: d})
}

func (s *Server) ingestSubmit(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	if s.cfg.Ingester == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "uploads are not available on this server")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "the upload must be a multipart form with a recording file")
		return
	}
	f := map[string]string{}
	var tmp *os.File
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var size int64
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("the upload was cut off or is larger than %d MB; nothing was stored", s.cfg.MaxUpload>>20))
			return
		}
		if part.FormName() == "recording" {
			if tmp, err = os.CreateTemp("", "scribe-upload-*.wav"); err != nil {
				s.fail(w, r, http.StatusInternalServerError, "the server could not store the upload")
				return
			}
			if size, err = io.Copy(tmp, part); err != nil {
				s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("the upload was cut off or is larger than %d MB; nothing was stored", s.cfg.MaxUpload>>20))
				return
			}
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(part, 4096))
		f[part.FormName()] = strings.TrimSpace(string(b))
	}
	if tmp == nil || size == 0 {
		s.fail(w, r, http.StatusBadRequest, "no recording was uploaded (the file is missing or empty); choose a WAV file")
		return
	}
	if c.user.Role == store.RoleClinician || f["clinician"] == "" {
		f["clinician"] = c.user.Email
	}
	if f["program"] == "sud" && !c.user.Part2Access {
		s.fail(w, r, http.StatusForbidden, "your account has no Part 2 access, so it cannot create a substance-use (Part 2) session")
		return
	}
	if err := s.checkTemplate(ctx, f["template"]); err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if f["consent"] != "1" {
		s.fail(w, r, http.StatusBadRequest, "confirm that the client consented to AI scribing of this recording; nothing was stored")
		return
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the server could not read the upload back")
		return
	}
	id, err := s.cfg.Ingester.Ingest(ctx, tmp, ingestOptions(f, c.user))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "the recording was not accepted: "+err.Error())
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusCreated, map[string]string{"session_id": id, "location": "/sessions/" + id})
		return
	}
	http.Redirect(w, r, "/sessions/"+id, http.StatusSeeOther)
}
