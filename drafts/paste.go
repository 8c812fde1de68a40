package drafts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/summarize"
)

// SettingAIStatement is the settings key of the organisation's
// AI-assistance statement, which every note signed from then on carries.
const SettingAIStatement = "ai_assistance_statement"

// MaxAIStatement bounds the statement's length (characters).
const MaxAIStatement = 1000

// AIStatement is the organisation's AI-assistance statement, AIDisclosure
// unless an admin has set one.
func AIStatement(ctx context.Context, s *store.Store) (string, error) {
	v, err := s.Setting(ctx, SettingAIStatement, "")
	if err != nil {
		return "", fmt.Errorf("the AI-assistance statement cannot be read: %w", err)
	}
	if strings.TrimSpace(v) == "" {
		return AIDisclosure, nil
	}
	return v, nil
}

// CleanAIStatement checks an admin's statement: one paragraph, not empty,
// at most MaxAIStatement characters. It returns the statement with its
// whitespace collapsed.
func CleanAIStatement(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "", fmt.Errorf("the statement is empty; leave the default or write one")
	}
	if n := len([]rune(s)); n > MaxAIStatement {
		return "", fmt.Errorf("the statement is %d characters long; keep it under %d", n, MaxAIStatement)
	}
	return s, nil
}

// PasteText is the note as a clinician pastes it into the record: the
// headings and statements, the signature line and the AI-assistance
// statement of a signed note (with its addenda and the codes confirmed at
// signing), or the AI-draft banner of an unsigned one, the DictationLabel
// of a note drafted from dictation, and nothing else: no model, tokens,
// flags, citations or
// hashes (those stay in the FHIR and HL7 exports and the audit log).
func PasteText(v View) string {
	var b strings.Builder
	if v.Banner != "" {
		fmt.Fprintf(&b, "%s\n\n", v.Banner)
	}
	fmt.Fprintf(&b, "Progress note (%s)\n", strings.ToUpper(v.Template))
	if v.SourceLabel != "" {
		fmt.Fprintf(&b, "%s.\n", v.SourceLabel)
	}
	for _, sec := range v.Note.Sections {
		fmt.Fprintf(&b, "\n%s\n", sec.Title)
		if sec.NotDiscussed || len(sec.Statements) == 0 {
			t := sec.NotDiscussedText
			if t == "" {
				t = summarize.NotDiscussedText
			}
			b.WriteString(t + "\n")
			continue
		}
		texts := make([]string, len(sec.Statements))
		for i, st := range sec.Statements {
			texts[i] = sentence(st.Text)
		}
		b.WriteString(strings.Join(texts, " ") + "\n")
	}
	if v.Billing != nil {
		b.WriteString("\nCodes\n")
		for _, c := range v.Billing.Procedures {
			fmt.Fprintf(&b, "Service: %s %s\n", c.Label(), c.Display)
		}
		for _, c := range v.Billing.Diagnoses {
			fmt.Fprintf(&b, "Diagnosis: %s %s\n", c.Code, c.Display)
		}
		if v.Billing.PlaceOfService != "" {
			fmt.Fprintf(&b, "Place of service: %s\n", v.Billing.PlaceOfService)
		}
	}
	if v.Signature != "" {
		fmt.Fprintf(&b, "\n%s\n", v.Signature)
		if v.Cosign != nil {
			fmt.Fprintf(&b, "Co-signed by %s on %s\n", v.Cosign.Supervisor, time.UnixMilli(v.Cosign.CosignedAt).UTC().Format("2006-01-02 15:04 MST"))
		}
		if v.Disclosure != "" {
			fmt.Fprintf(&b, "\n%s\n", v.Disclosure)
		}
	}
	for _, a := range v.Addenda {
		fmt.Fprintf(&b, "\nAddendum by %s on %s:\n%s\n", a.Author, time.UnixMilli(a.CreatedAt).UTC().Format("2006-01-02 15:04 MST"), a.Text)
	}
	return b.String()
}

// sentence ends a statement with a full stop unless it ends a sentence already.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?") {
		return s
	}
	return s + "."
}
