package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/internal/transcript"
	"github.com/scribe-health/scribe/prompts"
	"github.com/scribe-health/scribe/summarize"
)

// JudgeSchemaName names the judge's structured reply.
const JudgeSchemaName = "scribe_eval_judge_v1"

// Judge prompt markers (the fake reads them too).
const (
	JudgeFactPrefix      = "FACT "
	JudgeStatementPrefix = "STATEMENT "
)

// JudgeVerdict is the judge's reading of one note.
type JudgeVerdict struct {
	Facts       int      `json:"facts"`
	Missing     []string `json:"missing"` // fact IDs the judge did not find stated
	Statements  int      `json:"statements"`
	Unsupported []int    `json:"unsupported"` // 1-based statement numbers the judge found unsupported
	Error       string   `json:"error,omitempty"`
}

// JudgeSummary is the judge's figures for one drafting provider, kept apart
// from the deterministic scores.
type JudgeSummary struct {
	Judge           string  `json:"judge"`
	Notes           int     `json:"notes"`
	Failed          int     `json:"failed"`
	OmissionRate    float64 `json:"omission_rate"`
	UnsupportedRate float64 `json:"unsupported_rate"`
}

var judgeSchema = json.RawMessage(`{"type":"object","additionalProperties":false,"required":["facts","unsupported"],"properties":{
"facts":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["id","present"],"properties":{"id":{"type":"string"},"present":{"type":"boolean"}}}},
"unsupported":{"type":"array","items":{"type":"integer"}}}}`)

const judgeSystem = `You review an AI-drafted progress note against the transcript it was drafted from.
For each FACT, say whether the note states it (same meaning, any wording). For each numbered STATEMENT
of the note, decide whether the transcript supports it; list the numbers of those it does not support
(invented, contradicted, or stating something said hypothetically or about another person as the
client's own). Answer with one JSON object: {"facts": [{"id": "...", "present": true}], "unsupported": [3]}.`

// judgeNote asks the judge model about one note.
func judgeNote(ctx context.Context, llm summarize.LLM, s *gold.Session, segs []transcript.Segment, n summarize.Note) JudgeVerdict {
	v := JudgeVerdict{Missing: []string{}, Unsupported: []int{}}
	var u strings.Builder
	u.WriteString("Transcript:\n" + prompts.TranscriptStart + "\n")
	for _, sg := range segs {
		u.WriteString(prompts.SegmentLine(sg))
		u.WriteString("\n")
	}
	u.WriteString(prompts.TranscriptEnd + "\n\nFacts the note should state:\n")
	facts := s.MustAppear()
	for _, f := range facts {
		fmt.Fprintf(&u, "%s%s: %s\n", JudgeFactPrefix, f.ID, f.Note)
	}
	u.WriteString("\nStatements of the note:\n")
	for _, sec := range n.Sections {
		for _, st := range sec.Statements {
			v.Statements++
			fmt.Fprintf(&u, "%s%d: %s\n", JudgeStatementPrefix, v.Statements, st.Text)
		}
	}
	v.Facts = len(facts)
	resp, err := llm.Chat(ctx, summarize.ChatRequest{
		Messages: []summarize.Message{{Role: summarize.RoleSystem, Content: judgeSystem}, {Role: summarize.RoleUser, Content: u.String()}},
		Schema:   &summarize.OutputSchema{Name: JudgeSchemaName, Schema: judgeSchema},
	})
	if err != nil {
		v.Error = err.Error()
		return v
	}
	var reply struct {
		Facts []struct {
			ID      string `json:"id"`
			Present bool   `json:"present"`
		} `json:"facts"`
		Unsupported []int `json:"unsupported"`
	}
	body := strings.TrimSpace(resp.Content)
	body = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(body, "```json"), "```"), "```")
	if err := json.Unmarshal([]byte(body), &reply); err != nil {
		v.Error = "the judge's reply is not the JSON asked for"
		return v
	}
	present := map[string]bool{}
	for _, f := range reply.Facts {
		present[f.ID] = f.Present
	}
	for _, f := range facts {
		if !present[f.ID] {
			v.Missing = append(v.Missing, f.ID)
		}
	}
	for _, k := range reply.Unsupported {
		if k >= 1 && k <= v.Statements {
			v.Unsupported = append(v.Unsupported, k)
		}
	}
	return v
}

func summarizeJudge(judge string, scores []SessionScore) *JudgeSummary {
	js := &JudgeSummary{Judge: judge}
	var facts, missing, stmts, unsup int
	for _, sc := range scores {
		if sc.Judge == nil {
			continue
		}
		js.Notes++
		if sc.Judge.Error != "" {
			js.Failed++
			continue
		}
		facts += sc.Judge.Facts
		missing += len(sc.Judge.Missing)
		stmts += sc.Judge.Statements
		unsup += len(sc.Judge.Unsupported)
	}
	js.OmissionRate = share(missing, facts, 0)
	js.UnsupportedRate = share(unsup, stmts, 0)
	return js
}
