package summarize

import "time"

// NotDiscussedText is shown for a section the transcript gave no evidence for.
const NotDiscussedText = "Not discussed in this session."

// Note is the structured draft.
type Note struct {
	Format   string    `json:"format"`
	Sections []Section `json:"sections"`
}

// Section is one heading of the note, in format order.
type Section struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	// NotDiscussed is set when the section has no statements; the section
	// then reads NotDiscussedText instead of a default finding.
	NotDiscussed     bool        `json:"not_discussed"`
	NotDiscussedText string      `json:"not_discussed_text,omitempty"`
	Statements       []Statement `json:"statements"`
}

// Statement is one fact of the note with the segments it rests on.
type Statement struct {
	Text      string   `json:"text"`
	Citations []string `json:"citations"`
	// Unsupported statements are kept and shown flagged; the reason names
	// what failed (unknown segment, no overlap, number or negation mismatch)
	// without quoting transcript text.
	Unsupported       bool   `json:"unsupported"`
	UnsupportedReason string `json:"unsupported_reason,omitempty"`
	// ClinicianEdited marks a statement a clinician wrote or changed after
	// drafting (set by drafts, never by the model). It keeps the citations
	// the clinician did not remove; the clinician's words stand as their own
	// and are not checked against the transcript.
	ClinicianEdited bool `json:"clinician_edited,omitempty"`
}

// Flag is a gap or problem a clinician must see before signing.
type Flag struct {
	Code     string `json:"code"`
	Severity string `json:"severity"` // "high", "medium" or "low"
	Reason   string `json:"reason"`
	// Segment is the first transcript segment the flag is about, if any
	// (the first with risk language for FlagRiskNotAssessed).
	Segment string `json:"segment,omitempty"`
}

// Flag codes.
const (
	FlagRiskNotAssessed       = "risk_not_assessed"
	FlagMedRecMissing         = "med_rec_missing"
	FlagNoPlan                = "no_plan"
	FlagNoFocus               = "no_focus"
	FlagConsentMissing        = "consent_missing"
	FlagPart2ConsentMissing   = "part2_consent_missing"
	FlagUnsupportedStatements = "unsupported_statements"
)

// Severities.
const (
	SeverityHigh   = "high"
	SeverityMedium = "medium"
	SeverityLow    = "low"
)

// Usage counts tokens as the provider reported them, summed over all calls.
type Usage struct {
	Prompt     int `json:"prompt"`
	Completion int `json:"completion"`
	Total      int `json:"total"`
}

func (u *Usage) add(v Usage) {
	u.Prompt += v.Prompt
	u.Completion += v.Completion
	u.Total += v.Total
}

// Result is one drafting run.
type Result struct {
	Note          Note          `json:"note"`
	Flags         []Flag        `json:"flags"`
	Model         string        `json:"model"`
	PromptVersion string        `json:"prompt_version"`
	Usage         Usage         `json:"usage"`
	Latency       time.Duration `json:"latency"`
	Passes        int           `json:"passes"`   // 1, or 2 for a session over the context budget
	Attempts      int           `json:"attempts"` // LLM calls made, repair retries included
}
