package prompts

import (
	"encoding/json"
	"fmt"
	"github.com/scribe-health/scribe/internal/vocab"
	"strconv"
	"strings"

	"github.com/scribe-health/scribe/internal/transcript"
)

// RenderInput is what one drafting call is about. Exactly one of three modes
// applies: a single-pass draft (Segments, Window == 0), a pass-1 extraction
// over one window of a long session (Segments, Window >= 1), or a pass-2
// composition from extracted statements (Extracted non-nil).
type RenderInput struct {
	Segments     []transcript.Segment // already redacted
	Group        bool
	Program      string // "sud" or "mh"
	Part2        bool   // the session is a 42 CFR Part 2 record
	MAT          bool   // medication-assisted treatment visit
	RiskLanguage bool   // a keyword screen found risk language in the transcript
	// Dictation: the transcript is the clinician's dictated recap, not a
	// dialogue (passes/dictation.md is added to the system message).
	Dictation bool
	// InferredSpeakers: some speaker roles were inferred by a model on a
	// single-channel recording (the prompt says they may be wrong).
	InferredSpeakers bool

	Window, Windows int // pass 1: window number (1-based) and count

	Extracted []Extracted // pass 2

	// Style is the signing clinician's preferences (zero: none); it becomes
	// a delimited section of the system message (see Style).
	Style Style
}

// Extracted is one statement produced by a pass-1 extraction.
type Extracted struct {
	Section   string   `json:"section"`
	Text      string   `json:"text"`
	Citations []string `json:"citations"`
}

// Transcript block markers in the user message. Everything between them is
// one SegmentLine per segment, and nothing else.
const (
	TranscriptStart = "<transcript>"
	TranscriptEnd   = "</transcript>"
	ExtractedStart  = "<extracted>"
	ExtractedEnd    = "</extracted>"
)

// SegmentLine is how a segment is shown to the model:
// "[S0007 00:03:12 Client] text". Line breaks inside the text become spaces
// so that one segment is always one line.
func SegmentLine(s transcript.Segment) string {
	var b strings.Builder
	writeSegmentLine(&b, s)
	return b.String()
}

func writeSegmentLine(b *strings.Builder, s transcript.Segment) {
	b.WriteByte('[')
	b.WriteString(s.ID)
	b.WriteByte(' ')
	sec := s.StartMS / 1000
	fmt.Fprintf(b, "%02d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	b.WriteByte(' ')
	b.WriteString(transcript.Label(s.Speaker))
	b.WriteString("] ")
	if strings.ContainsAny(s.Text, "\r\n") {
		b.WriteString(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s.Text))
	} else {
		b.WriteString(s.Text)
	}
	b.WriteByte('\n')
}

// Render builds the system and user messages for one drafting call and the
// version string of every template that went into them, e.g.
// "system@1+soap@3+cbt@1" (+"extract@1" for pass 1, +"extract@1+compose@1"
// for pass 2, +"dictation@1" for a clinician's dictated recap). A zero Modality means the general default.
func Render(f Format, m Modality, in RenderInput) (system, user, version string) {
	if m.ID == "" {
		m = registry.modalities[DefaultModality]
	}
	sys := registry.system
	parts := []string{sys.VersionString(), f.VersionString(), m.VersionString()}

	var s strings.Builder
	s.WriteString(sys.Guidance)
	s.WriteString("\n\n## Note format: ")
	s.WriteString(f.Title)
	s.WriteString("\n")
	if f.Guidance != "" {
		s.WriteString(f.Guidance)
		s.WriteString("\n")
	}
	s.WriteString("Sections (key: title — what belongs there):\n")
	for _, sec := range f.Sections {
		fmt.Fprintf(&s, "- %s: %s — %s", sec.Key, sec.Title, sec.Description)
		if sec.Required {
			s.WriteString(" (required heading; leave its statements empty if not discussed)")
		}
		s.WriteString("\n")
	}
	s.WriteString("\n## Modality: ")
	s.WriteString(m.Title)
	s.WriteString("\n")
	s.WriteString(m.Guidance)
	s.WriteString("\n")
	switch {
	case in.Extracted != nil:
		parts = append(parts, registry.extract.VersionString(), registry.compose.VersionString())
		s.WriteString("\n## Long session, pass 2\n")
		s.WriteString(registry.compose.Guidance)
		s.WriteString("\n")
	case in.Window > 0:
		parts = append(parts, registry.extract.VersionString())
		s.WriteString("\n## Long session, pass 1\n")
		s.WriteString(strings.NewReplacer("{{window}}", strconv.Itoa(in.Window), "{{windows}}", strconv.Itoa(in.Windows)).Replace(registry.extract.Guidance))
		s.WriteString("\n")
	}
	if sec := styleSection(in.Style); sec != "" {
		parts = append(parts, fmt.Sprintf("style@%d", StyleVersion))
		s.WriteString(sec)
	}
	if in.Dictation {
		parts = append(parts, registry.dictation.VersionString())
		s.WriteString("\n## Source: clinician dictation\n")
		s.WriteString(registry.dictation.Guidance)
		s.WriteString("\n")
	}
	s.WriteString("\n## Output\n")
	s.WriteString(OutputContract(f))

	var u strings.Builder
	u.WriteString("Session facts:\n")
	switch {
	case in.Dictation:
		u.WriteString("- Clinician's dictated recap of the session, not a dialogue: one speaker, the clinician.\n")
	case in.Group || f.Group:
		u.WriteString("- Group session: several clients speak; attribute by speaker label.\n")
	default:
		u.WriteString("- Individual session.\n")
	}
	switch vocab.Program(in.Program) {
	case vocab.ProgramSUD:
		u.WriteString("- Program: substance use disorder treatment.\n")
	case vocab.ProgramMH:
		u.WriteString("- Program: mental health.\n")
	}
	if in.Part2 {
		u.WriteString("- This is a 42 CFR Part 2 record.\n")
	}
	if in.MAT {
		u.WriteString("- Medication-assisted treatment visit: reconcile medications in the medications section.\n")
	}
	if in.InferredSpeakers {
		u.WriteString("- Recorded on one channel: speaker roles were inferred by a model, not known from separate tracks, and may be wrong; where a line's role does not fit what is said, do not attribute it.\n")
	}
	if in.RiskLanguage {
		u.WriteString("- Risk language appears in this transcript: the risk assessment section must document it with citations.\n")
	}
	if in.Extracted != nil {
		u.WriteString("\nExtracted statements, one JSON object per line:\n")
		u.WriteString(ExtractedStart)
		u.WriteString("\n")
		for _, e := range in.Extracted {
			b, _ := json.Marshal(e) // strings and string slices always marshal
			u.Write(b)
			u.WriteString("\n")
		}
		u.WriteString(ExtractedEnd)
		u.WriteString("\n")
	} else {
		if in.Window > 0 {
			fmt.Fprintf(&u, "\nTranscript window %d of %d, one segment per line as [ID time speaker] text:\n", in.Window, in.Windows)
		} else {
			u.WriteString("\nTranscript, one segment per line as [ID time speaker] text:\n")
		}
		u.WriteString(TranscriptStart)
		u.WriteString("\n")
		for _, seg := range in.Segments {
			writeSegmentLine(&u, seg)
		}
		u.WriteString(TranscriptEnd)
		u.WriteString("\n")
	}
	u.WriteString("\nReply with the JSON object now.")
	return s.String(), u.String(), strings.Join(parts, "+")
}

// OutputContract describes the JSON reply shape for format f in words, for
// servers that cannot enforce a JSON schema.
func OutputContract(f Format) string {
	var b strings.Builder
	b.WriteString(`Reply with one JSON object of exactly this shape: {"sections": {"<key>": {"statements": [{"text": "<one statement>", "citations": ["S0001"]}]}}}.` + "\n")
	b.WriteString("Include every one of these section keys, in this order: ")
	for i, sec := range f.Sections {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sec.Key)
	}
	b.WriteString(".\nA section with no evidence in the transcript has an empty statements array. ")
	b.WriteString("Every statement has a non-empty citations array of segment IDs taken from the transcript.\n")
	return b.String()
}

// RolesSpeakerLabel is how a line of unknown speaker is shown in a roles
// prompt; a diarized line shows "Voice " and the provider's label.
const RolesSpeakerLabel = "Unknown"

// RolesLine is a transcript line of a roles prompt: [ID time voice] text.
func RolesLine(s transcript.Segment) string {
	var b strings.Builder
	sec := s.StartMS / 1000
	who := RolesSpeakerLabel
	if s.Voice != "" {
		who = "Voice " + strings.NewReplacer("]", ")", "[", "(").Replace(s.Voice)
	}
	fmt.Fprintf(&b, "[%s %02d:%02d:%02d %s] %s\n", s.ID, sec/3600, sec/60%60, sec%60, who, strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s.Text))
	return b.String()
}

// RenderRoles builds the messages that ask the drafting model for the
// speaker role of every segment of a single-channel recording (already
// redacted), and the template's version ("roles@1").
func RenderRoles(segs []transcript.Segment, diarized bool) (system, user, version string) {
	var u strings.Builder
	if diarized {
		u.WriteString("The transcription provider told the voices apart (voice labels); name each voice's role.\n")
	} else {
		u.WriteString("No voice labels: decide each line's role from what is said and the turn-taking.\n")
	}
	u.WriteString("\nTranscript, one line per segment as [ID time voice] text:\n")
	u.WriteString(TranscriptStart)
	u.WriteString("\n")
	for _, s := range segs {
		u.WriteString(RolesLine(s))
	}
	u.WriteString(TranscriptEnd)
	u.WriteString("\n\nReply with the JSON object now.")
	return registry.roles.Guidance, u.String(), registry.roles.VersionString()
}
