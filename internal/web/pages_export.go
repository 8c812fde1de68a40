package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/exchange"
	"github.com/scribe-health/scribe/internal/store"
)

// exportNote downloads the note for the EHR: plain text to paste, a FHIR R4
// bundle or an HL7 v2 MDM^T02 message. It is a disclosure (for a Part 2
// record, to a named recipient under the consent in force) and is audited,
// like the command line's scribe export. Identifiers are put back unless
// the clinician unticks them.
func (s *Server) exportNote(w http.ResponseWriter, r *http.Request, c *call) {
	sess, ok := s.session(w, r, c)
	if !ok {
		return
	}
	ctx := r.Context()
	dr, addenda, err := drafts.Load(ctx, s.cfg.Store, sess.ID)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("this session has no note to export yet (it is %s)", statusWords(sess.Status)))
		return
	}
	if err != nil {
		slog.Error("web: export", "session", sess.ID, "error", err)
		s.fail(w, r, http.StatusInternalServerError, "the note could not be read; see the server log")
		return
	}
	opts := drafts.RenderOptions{Part2: sess.Part2()}
	if r.PostFormValue("identifiers") == "1" {
		if _, opts.TokenMap, err = s.transcriptFor(ctx, sess.ID); err != nil {
			slog.Error("web: export identifier map", "session", sess.ID, "error", err)
			s.fail(w, r, http.StatusInternalServerError, "the identifier map could not be read; export without identifiers or see the server log")
			return
		}
		opts.Reidentify = opts.TokenMap != nil
	}
	view, err := drafts.BuildView(dr, addenda, opts)
	if err != nil {
		slog.Error("web: export render", "session", sess.ID, "error", err)
		s.fail(w, r, http.StatusInternalServerError, "the note could not be rendered; see the server log")
		return
	}
	// Copy asks for the paste-ready text, shown in place (the page's
	// script puts it on the clipboard; without it the browser shows it).
	copyText := r.PostFormValue("copy") == "1"
	format := r.PostFormValue("format")
	if copyText {
		format = exchange.FormatText
	}
	ex, err := exchange.Run(ctx, s.cfg.Store, exchange.Request{
		Input:     exchange.Input{Session: sess, Draft: dr, View: view, Now: s.cfg.Now()},
		Format:    format,
		Recipient: strings.TrimSpace(r.PostFormValue("recipient")),
		Purpose:   strings.TrimSpace(r.PostFormValue("purpose")),
		Actor:     c.user.Email, AgentRole: c.user.Role, Via: "web", Reidentified: opts.Reidentify,
	})
	switch {
	case errors.Is(err, exchange.ErrPart2NeedsRecipient):
		s.fail(w, r, http.StatusBadRequest, "This is a 42 CFR Part 2 record: name the recipient and the purpose; the export is recorded as a disclosure.")
		return
	case errors.Is(err, compliance.ErrPart2NoConsent):
		s.fail(w, r, http.StatusForbidden, "No 42 CFR Part 2 consent to disclose this record is in force, so nothing was exported. Record the client's written consent on the session page first.")
		return
	case err != nil && strings.Contains(err.Error(), "export format"):
		s.fail(w, r, http.StatusBadRequest, "Choose plain text, FHIR R4 or HL7 v2.")
		return
	case err != nil:
		slog.Error("web: export", "session", sess.ID, "error", err)
		s.fail(w, r, http.StatusInternalServerError, "the note could not be exported (nothing was recorded as disclosed); see the server log")
		return
	}
	w.Header().Set("Content-Type", ex.ContentType)
	disposition := "attachment"
	if copyText {
		disposition = "inline"
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`%s; filename="note-%s-v%d.%s"`, disposition, sess.ID, dr.Version, ex.Extension))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(ex.Body)
}
