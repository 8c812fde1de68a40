package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/jobs"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/validate"
	"github.com/scribe-health/scribe/prompts"
)

// session loads the {id} session and checks, with internal/clients, that
// the user may see it; on failure it has answered the request. Refusals are
// audited, and say the same for Part 2 and other clients.
func (s *Server) session(w http.ResponseWriter, r *http.Request, c *call) (store.Session, bool) {
	sess, err := s.service().Session(r.Context(), c.user, r.PathValue("id"))
	switch {
	case errors.Is(err, app.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "there is no session with this ID")
		return sess, false
	case err != nil:
		s.refusal(w, r, err)
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
	// Today (a clinician's or supervisor's home, unfiltered): their
	// appointments of today in their zone, in time order; Day names the day.
	ShowDay bool
	Today   []dayRow
	Day     string
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
	list, err := clients.Sessions(ctx, s.cfg.Store, c.user, status, 200)
	if err != nil {
		s.serverError(w, r, err, "sessions could not be listed; try again")
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
	if status == "" && hasRole(c.user.Role, clinicalRoles) {
		loc := viewerZone(r)
		d.ShowDay, d.Day = true, s.cfg.Now().In(loc).Format("Monday 2 January")
		d.Today = dayView(d.Sessions, c.user.Email, s.cfg.Now(), loc)
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

// joinLink is a link shown once; Invite (a client's) is the invitation
// text and calendar file to send with it.
type joinLink struct {
	Label, URL string
	Invite     *invitation
}

func (s *Server) scheduleData(ctx context.Context) scheduleData {
	d := scheduleData{Templates: prompts.Formats(), Modalities: prompts.Modalities()}
	d.Custom, _ = s.cfg.Store.CustomTemplates(ctx)
	return d
}

func (s *Server) scheduleForm(w http.ResponseWriter, r *http.Request, c *call) {
	d := s.scheduleData(r.Context())
	d.Form = map[string]string{"clinician": ownSessions(c.user), "template": "soap", "modality": "general", "program": "mh", "clients": "1",
		"duration": strconv.Itoa(int(pipeline.DefaultSessionLength / time.Minute))}
	s.render(w, r, http.StatusOK, "schedule", c, page{Title: "Schedule a session", Nav: "schedule", Data: d})
}

// ownSessions pre-fills the clinician field: a clinician's or supervisor's
// own e-mail; an admin names the clinician.
func ownSessions(u store.User) string {
	if u.Role == store.RoleAdmin {
		return ""
	}
	return u.Email
}

func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if s.secure(r) {
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
	in := app.ScheduleInput{Template: f["template"], Modality: f["modality"], Program: f["program"], ClientAlias: f["alias"], Clinician: f["clinician"],
		Group: f["kind"] == "group"}
	if in.Group {
		var err error
		if in.Clients, err = strconv.Atoi(f["clients"]); err != nil || in.Clients < 1 || in.Clients > app.MaxGroupClients {
			again("A group session has between 1 and 11 client links (a call holds at most 12 people).")
			return
		}
	}
	var problem string
	in.Start, in.Length, problem = appointment(f, s.cfg.Now())
	if problem != "" {
		again(problem)
		return
	}
	if s.cfg.NewJoinToken == nil {
		again("Calls are not available on this server (no call relay is configured).")
		return
	}
	res, err := s.service().ScheduleSession(ctx, c.user, in)
	switch {
	case err == nil:
	case errors.Is(err, app.ErrConflict):
		f["alias"] = ""
		d := s.scheduleData(ctx)
		d.Form = f
		s.render(w, r, http.StatusConflict, "schedule", c, page{Title: "Schedule a session", Nav: "schedule", Error: capitalize(err.Error()) + ".", Data: d})
		return
	case errors.Is(err, app.ErrForbidden):
		again(capitalize(err.Error()) + ".")
		return
	default:
		if _, ok := validate.As(err); ok {
			again(formError(err))
			return
		}
		s.internalError(w, r, err)
		return
	}
	links := make([]joinLink, len(res.Links))
	for i, l := range res.Links {
		links[i] = joinLink{Label: l.Label, URL: fmt.Sprintf("%s/call/%s?token=%s", s.baseURL(r), res.Session.ID, l.Token)}
		if l.Role != "clinician" {
			links[i].Invite = s.invitation(res.Session.ID, res.Start, res.Start.Add(res.Length), in.Start.Location(), links[i].URL)
		}
	}
	d := s.scheduleData(ctx)
	d.Session, d.Links, d.Expires = &res.Session, links, res.ExpiresAt.UnixMilli()
	s.render(w, r, http.StatusCreated, "scheduled", c, page{Title: "Session scheduled", Nav: "schedule", Data: d})
}

// startCall issues a fresh clinician link and opens the call page.
func (s *Server) startCall(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	if sess.Source != "call" || (sess.Status != store.StatusScheduled && sess.Status != store.StatusInCall && sess.Status != store.StatusRecording) {
		s.fail(w, r, http.StatusConflict, fmt.Sprintf("this session is %s; only a scheduled or running call can be joined", statusWords(sess.Status)))
		return
	}
	if s.cfg.NewJoinToken == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "calls are not available on this server (no call relay is configured)")
		return
	}
	res, err := s.service().StartCallLink(r.Context(), c.user, sess.ID)
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	tok := res.Link.Token
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
	// FixURL: where an admin fixes the failure (steps.go); Steps: the
	// progress bar.
	FixURL string     `json:"fix_url,omitempty"`
	Steps  []pipeStep `json:"steps,omitempty"`
}

func (s *Server) progressOf(ctx context.Context, sess store.Session, admin bool) (progress, error) {
	p := progress{ID: sess.ID, Status: sess.Status, FailedStage: sess.FailedStage}
	p.FailedReason, p.FixURL = s.reasonForPerson(ctx, sess.FailedStage, sess.FailedReason, admin)
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
		p.Label, p.CanRetry = fmt.Sprintf("%s failed: %s", stageWords(sess.FailedStage), p.FailedReason), true
	default:
		p.Label = labelOf(kindStatus, sess.Status).Text
	}
	stages, err := s.cfg.Store.Stages(ctx, sess.ID)
	if err != nil {
		return p, err
	}
	var draftAt int64
	if sess.Status == store.StatusReady {
		if dr, err := s.cfg.Store.LatestDraft(ctx, sess.ID); err == nil {
			draftAt = dr.CreatedAt
		}
	}
	p.Steps = pipelineSteps(sess, stages, draftAt)
	return p, nil
}

// stageWords names a pipeline stage for the person reading a failed
// session's status ("Transcription failed: the transcription provider …").
func stageWords(stage string) string {
	switch stage {
	case jobs.StageTranscribe:
		return "Transcription"
	case jobs.StageRedact:
		return "Removing identifiers"
	case jobs.StageDraft:
		return "Drafting"
	}
	return "Stage " + stage
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
	// CanRenew: the user may issue a new client link (the session's
	// window is open or upcoming); NewLink is the one just issued.
	CanRenew bool
	NewLink  *joinLink
	// CanReschedule: a booked call that has not started, and the user is
	// an admin or its clinician.
	CanReschedule bool
	// CanUpload: a booked call that has not started takes its recording as
	// a file; ConsentInForce: the AI-scribe consent is on file already.
	CanUpload, ConsentInForce bool
	// CanRoom: the session can be recorded in the room ("Record in the room").
	CanRoom bool
	// Measures are the client's questionnaires: this session's and the
	// trend of each.
	Measures *measuresPanel
	// Brief is what the client's signed notes say, for the clinician
	// before the session (nil when the user may not draw on any).
	Brief *app.Brief
	// CanDictate: the session's clinician (or a supervisor) may dictate a
	// recap; DictateNewSession: the session has its recording, so the
	// recap becomes a new session for the same client.
	CanDictate, DictateNewSession bool
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
	s.renderSessionLink(w, r, c, sess, status, errMsg, failed, nil)
}

// renderSessionLink is renderSession showing a join link just issued.
func (s *Server) renderSessionLink(w http.ResponseWriter, r *http.Request, c *call, sess store.Session, status int, errMsg string, failed *consentForm, link *joinLink) {
	ctx := r.Context()
	p, err := s.progressOf(ctx, sess, c.user.Role == store.RoleAdmin)
	if err != nil {
		s.serverError(w, r, err, "the session's progress could not be read")
		return
	}
	d := sessionData{Session: sess, Progress: p, CanCancel: (sess.Open() || sess.UnstartedRoom()) && hasRole(c.user.Role, cancelRoles), CancelReasons: pipeline.CancelReasons}
	d.CanRenew = sess.Open() && hasRole(c.user.Role, cancelRoles) && s.cfg.NewJoinToken != nil &&
		(sess.ExpiresAt == 0 || s.cfg.Now().UnixMilli() < sess.ExpiresAt)
	d.NewLink = link
	d.CanReschedule = d.CanRenew && sess.Status == store.StatusScheduled && sess.ClockStartAt == 0
	d.CanUpload = s.cfg.Ingester != nil && sess.Source == "call" && sess.Status == store.StatusScheduled && !sess.CaptureEnded && sess.ClockStartAt == 0 &&
		hasRole(c.user.Role, schedulerRoles)
	// Record in the room: a booked individual session nobody has joined, or
	// a room session still recording (the link is issued again).
	d.CanRoom = s.cfg.Ingester != nil && s.cfg.NewJoinToken != nil && hasRole(c.user.Role, clinicalRoles) && !sess.Group && !sess.CaptureEnded &&
		((sess.Source == "call" && sess.Status == store.StatusScheduled && sess.ClockStartAt == 0) ||
			(sess.Source == app.ModeRoom && (sess.Status == store.StatusScheduled || sess.Status == store.StatusRecording)))
	if d.CanUpload {
		in, err := s.cfg.Store.ConsentScopesInForce(ctx, sess.ID)
		if err != nil {
			s.logFor(r).Error("web: session consents in force", "session_id", sess.ID, "error", err)
		}
		d.ConsentInForce = in["ai_scribe"]
	}
	d.CanDictate, d.DictateNewSession = s.dictation(sess, c.user)
	d.Stages, _ = s.cfg.Store.Stages(ctx, sess.ID)
	for i, st := range d.Stages {
		d.Stages[i].Error, _ = s.reasonForPerson(ctx, st.Stage, st.Error, c.user.Role == store.RoleAdmin)
	}
	if dr, err := s.cfg.Store.LatestDraft(ctx, sess.ID); err == nil {
		d.Draft = &dr
	}
	d.Measures = s.measuresFor(r, c, sess)
	if hasRole(c.user.Role, clinicalRoles) {
		if b, err := s.service().ClientBrief(ctx, c.user, sess.ID); err != nil {
			s.logFor(r).Warn("web: the client's brief could not be built", "error", err)
		} else if len(b.Lines) > 0 {
			d.Brief = &b
		}
	}
	if d.Consents, err = s.consentData(ctx, sess, failed); err != nil {
		s.serverError(w, r, err, "the session's consents could not be read")
		return
	}
	s.render(w, r, status, "session", c, page{Title: "Session " + sess.ClientAlias, Nav: "sessions", Error: errMsg, Data: d})
}

func (s *Server) sessionStatus(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	p, err := s.progressOf(r.Context(), sess, c.user.Role == store.RoleAdmin)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "the session's progress could not be read"})
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// retry restarts a failed session at the stage that failed, through the
// one retry path (pipeline.Retry). A second press while the retry runs
// says so; it is not an error.
func (s *Server) retry(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	res, err := s.service().RetrySession(r.Context(), c.user, sess.ID)
	switch {
	case err != nil:
		s.refusal(w, r, err)
	case res.AlreadyUnderway:
		back(w, r, "/sessions/"+sess.ID, "A retry is already under way.")
	default:
		back(w, r, "/sessions/"+sess.ID, "Retrying.")
	}
}

// ---- upload of a recording ----

func (s *Server) ingestForm(w http.ResponseWriter, r *http.Request, c *call) {
	d := s.scheduleData(r.Context())
	d.Form = map[string]string{"clinician": ownSessions(c.user), "template": "soap", "modality": "general", "program": "mh"}
	s.render(w, r, http.StatusOK, "ingest", c, page{Title: "Upload a recording", Nav: "ingest", Data: d})
}

// ingestSubmit streams an uploaded recording straight through the decoder
// into encrypted chunks: no byte of it is written to disk unencrypted, and
// memory does not grow with its length. The form's fields come first (the
// upload form puts the file last) and are checked before any audio is
// read; the recording must be the form's only file and its last part.
func (s *Server) ingestSubmit(w http.ResponseWriter, r *http.Request, c *call) {
	ctx := r.Context()
	if s.cfg.Ingester == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "uploads are not available on this server")
		return
	}
	body := s.pace(w, r)
	r.Body = struct {
		io.Reader
		io.Closer
	}{body, r.Body}
	refuse := func(status int, msg string) {
		body.done()
		if status != 0 {
			s.fail(w, r, status, msg)
		}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		refuse(http.StatusBadRequest, "the upload must be a multipart form with a recording file")
		return
	}
	f := map[string]string{}
	id := ""
	for id == "" {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			refuse(s.uploadRefusal(r, err))
			return
		}
		if part.FileName() == "" && part.FormName() != "recording" {
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				refuse(s.uploadRefusal(r, err))
				return
			}
			if len(f) >= maxFields {
				refuse(http.StatusBadRequest, fmt.Sprintf("the form has more than %d fields; nothing was stored", maxFields))
				return
			}
			if len(b) > maxFieldBytes {
				refuse(http.StatusBadRequest, fmt.Sprintf("the form field %q is longer than %d characters; nothing was stored", part.FormName(), maxFieldBytes))
				return
			}
			f[part.FormName()] = strings.TrimSpace(string(b))
			continue
		}
		if part.FormName() != "recording" {
			refuse(http.StatusBadRequest, fmt.Sprintf("the form takes one file, named recording, not %q; nothing was stored", part.FormName()))
			return
		}
		if c.user.Role == store.RoleClinician || f["clinician"] == "" {
			f["clinician"] = c.user.Email
		}
		dictation := f["kind"] == string(pipeline.KindDictation)
		if f["consent"] != "1" && !dictation {
			// A booked session may have its consent on file already.
			inForce := false
			if f["session"] != "" {
				in, err := s.cfg.Store.ConsentScopesInForce(ctx, f["session"])
				inForce = err == nil && in["ai_scribe"]
			}
			if !inForce {
				refuse(http.StatusBadRequest, "confirm that the client consented to AI scribing of this recording; nothing was stored")
				return
			}
		}
		id, err = s.service().Ingest(ctx, c.user, s.cfg.Ingester, app.IngestInput{Recording: part, Template: f["template"], Modality: f["modality"],
			Program: f["program"], Speakers: f["speakers"], ClientAlias: f["alias"], Clinician: f["clinician"], RequireChoices: true,
			ConsentAttested: f["consent"] == "1", SessionID: f["session"], Kind: f["kind"], BeforeCommit: func() error { return nothingAfter(mr) }})
		if errors.Is(err, app.ErrForbidden) {
			refuse(http.StatusForbidden, err.Error())
			return
		}
		if errors.Is(err, app.ErrNotFound) {
			refuse(http.StatusNotFound, capitalize(err.Error())+"; nothing was stored.")
			return
		}
		if err != nil {
			refuse(s.uploadRefusal(r, err))
			return
		}
	}
	body.done()
	if id == "" {
		s.fail(w, r, http.StatusBadRequest, "no recording was uploaded (the file is missing); choose the recording file")
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusCreated, map[string]string{"session_id": id, "location": "/sessions/" + id})
		return
	}
	http.Redirect(w, r, "/sessions/"+id, http.StatusSeeOther) // #nosec G710 -- a path on this site: the ID of the session just created
}

// maxFieldBytes and maxFields bound the upload form's text fields (it has
// seven): what is held in memory before the recording is small whatever
// the body limit.
const (
	maxFieldBytes = 4096
	maxFields     = 32
)

// nothingAfter reads the rest of the form once the recording is stored:
// anything but its end is refused (and the stored audio discarded).
func nothingAfter(mr *multipart.Reader) error {
	part, err := mr.NextPart()
	switch {
	case err == io.EOF:
		return nil
	case err != nil:
		return err
	case part.FileName() != "" || part.FormName() == "recording":
		return errSecondFile
	default:
		return errFieldAfter
	}
}

// uploadRefusal says why an upload was refused (nothing of it was kept):
// the status and the message, or status 0 when the browser has gone and
// there is no one to tell.
func (s *Server) uploadRefusal(r *http.Request, err error) (int, string) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("the recording is larger than %d MB; nothing was stored", tooBig.Limit>>20)
	case errors.Is(err, errUploadTooSlow):
		return http.StatusRequestTimeout, "the upload arrived too slowly and was stopped; nothing was stored"
	case errors.Is(err, errSecondFile), errors.Is(err, errFieldAfter):
		return http.StatusBadRequest, capitalize(err.Error()) + "; nothing was stored."
	case errors.Is(err, audio.ErrEmpty):
		return http.StatusBadRequest, "the recording file is empty; choose the session's audio or video file; nothing was stored"
	case isAudioError(err):
		return http.StatusBadRequest, "the recording was not accepted: " + err.Error() + "; nothing was stored"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, "the upload was cut off; nothing was stored"
	case errors.Is(err, app.ErrConflict):
		return http.StatusConflict, capitalize(err.Error()) + "; nothing was stored."
	}
	if _, ok := validate.As(err); ok {
		return http.StatusBadRequest, formError(err) + " Nothing was stored."
	}
	if r.Context().Err() != nil {
		s.logFor(r).Info("web: upload abandoned by the browser", "error", err)
		return 0, ""
	}
	s.logFor(r).Error("web: upload", "error", err)
	return http.StatusInternalServerError, "the recording could not be stored; nothing was kept; try again"
}

func isAudioError(err error) bool { return audio.IsInputError(err) }

// dictation says whether u, the session's clinician, may dictate a recap
// on the session page, and
// whether it becomes a new session (the session has a recording, or its
// call ended otherwise than with nothing recorded). A session that is a
// dictation already offers none. The service decides
// again when the dictation arrives.
func (s *Server) dictation(sess store.Session, u store.User) (can, newSession bool) {
	// The browser records the person at it: only the session's own
	// clinician dictates its recap there.
	if s.cfg.Ingester == nil || sess.Sample() || sess.Dictation() || !hasRole(u.Role, []string{store.RoleClinician, store.RoleSupervisor}) ||
		store.NormalizeEmail(sess.Clinician) != u.Email {
		return false, false
	}
	switch sess.Status {
	case store.StatusInCall, store.StatusRecording, store.StatusCancelled:
		return false, false
	case store.StatusNoRecording:
		return true, false
	case store.StatusScheduled:
		return true, sess.Source != store.SourceCall || sess.CaptureEnded || sess.ClockStartAt > 0
	}
	return true, true
}

// renewLink issues a fresh link for the session's client and revokes the
// old one; the page shows the new link once.
func (s *Server) renewLink(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	if s.cfg.NewJoinToken == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "calls are not available on this server (no call relay is configured)")
		return
	}
	res, err := s.service().RenewClientLink(r.Context(), c.user, sess.ID, r.PostFormValue("participant"))
	if _, invalid := validate.As(err); invalid {
		s.renderSession(w, r, c, sess, http.StatusBadRequest, formError(err), nil)
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	link := &joinLink{Label: res.Link.Label, URL: fmt.Sprintf("%s/call/%s?token=%s", s.baseURL(r), sess.ID, res.Link.Token)}
	if start, end, ok := sess.Window(); ok {
		loc := time.Local
		if off, err := strconv.Atoi(r.PostFormValue("tz_offset")); err == nil && off >= -14*60 && off <= 14*60 {
			loc = offsetZone(off)
		}
		link.Invite = s.invitation(sess.ID, start, end, loc, link.URL)
	}
	s.renderSessionLink(w, r, c, sess, http.StatusOK, "", nil, link)
}

// reschedule moves a booked session's appointment (the form's start,
// duration and tz_offset, as on the schedule form); its links follow.
func (s *Server) reschedule(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	f := map[string]string{}
	for _, k := range []string{"start", "duration", "tz_offset"} {
		f[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	if f["start"] == "" {
		s.renderSession(w, r, c, sess, http.StatusBadRequest, "Choose the new date and time of the appointment; nothing was changed.", nil)
		return
	}
	start, length, problem := appointment(f, s.cfg.Now())
	if problem != "" {
		s.renderSession(w, r, c, sess, http.StatusBadRequest, problem+" Nothing was changed.", nil)
		return
	}
	res, err := s.service().RescheduleSession(r.Context(), c.user, sess.ID, start, length)
	if _, invalid := validate.As(err); invalid {
		s.renderSession(w, r, c, sess, http.StatusBadRequest, formError(err), nil)
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	back(w, r, "/sessions/"+sess.ID, fmt.Sprintf("Appointment moved to %s for %d minutes. The links already sent still work, from 30 minutes before the new time.",
		res.Start.Format("Monday 2 January 2006 at 15:04 (MST)"), int(res.Length/time.Minute)))
}
