package web

import (
	"fmt"
	"net/http"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/exchange"
	"github.com/scribe-health/scribe/internal/validate"
)

// exportNote downloads the note for the EHR: plain text to paste, a FHIR R4
// bundle or an HL7 v2 MDM^T02 message. It is a disclosure (for a Part 2
// record, to a named recipient under the consent in force) and is audited,
// like the command line's scribe export, through the same service method.
// The session's own clinician may have identifiers put back (the box is
// ticked for them).
func (s *Server) exportNote(w http.ResponseWriter, r *http.Request, c *call) {
	// Copy asks for the paste-ready text, shown in place (the page's
	// script puts it on the clipboard; without it the browser shows it).
	copyText := r.PostFormValue("copy") == "1"
	format := r.PostFormValue("format")
	if copyText {
		format = exchange.FormatText
	}
	ex, err := s.service().Export(r.Context(), c.user, app.ExportInput{SessionID: r.PathValue("id"), Format: format,
		Reidentify: r.PostFormValue("identifiers") == "1", Recipient: r.PostFormValue("recipient"), Purpose: r.PostFormValue("purpose"), Via: "web"})
	if ve, invalid := validate.As(err); invalid {
		switch ve.Field {
		case app.FieldRecipient, app.FieldPurpose:
			s.fail(w, r, http.StatusBadRequest, "This is a 42 CFR Part 2 record: name the recipient and the purpose; the export is recorded as a disclosure.")
		case app.FieldExportFormat:
			s.fail(w, r, http.StatusBadRequest, "Choose plain text, FHIR R4 or HL7 v2.")
		default:
			s.fail(w, r, http.StatusBadRequest, formError(err))
		}
		return
	}
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ex.ContentType)
	disposition := "attachment"
	if copyText {
		disposition = "inline"
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`%s; filename="note-%s-v%d.%s"`, disposition, ex.Session.ID, ex.Draft.Version, ex.Extension))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(ex.Body)
}
