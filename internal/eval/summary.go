package eval

import (
	"sort"

	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/internal/transcript"
)

// Summary is one provider's figures over every note it drafted. Rates are
// shares of the whole set (micro averages): omissions over all facts that
// must appear, hallucinations over all statements, and so on. A share with
// nothing to count (no risk facts, no medication named) is taken as
// perfect: 0 for a rate of errors, 1 for a recall or precision.
type Summary struct {
	Provider string `json:"provider"`
	Model    string `json:"model,omitempty"`
	Notes    int    `json:"notes"`
	Failed   int    `json:"failed"`
	Skipped  int    `json:"skipped"`

	OmissionRate      float64 `json:"omission_rate"`
	HallucinationRate float64 `json:"hallucination_rate"`
	UnsupportedRate   float64 `json:"unsupported_rate"`
	ContradictionRate float64 `json:"contradiction_rate"`
	CitationPrecision float64 `json:"citation_precision"`
	RiskRecall        float64 `json:"risk_recall"`
	RiskPrecision     float64 `json:"risk_precision"`
	MedRecall         float64 `json:"medication_recall"`
	MedPrecision      float64 `json:"medication_precision"`
	DistractorLeakage float64 `json:"distractor_leakage"`
	FormatCompliance  float64 `json:"format_compliance"`
	// Per note, as the physician-rated studies count: the share of notes
	// with at least one omission, and with at least one hallucination.
	NotesWithOmission      float64 `json:"notes_with_omission"`
	NotesWithHallucination float64 `json:"notes_with_hallucination"`

	MeanLatencyMS        float64 `json:"mean_latency_ms"`
	MaxLatencyMS         int64   `json:"max_latency_ms"`
	MeanPromptTokens     float64 `json:"mean_prompt_tokens"`
	MeanCompletionTokens float64 `json:"mean_completion_tokens"`
	// Price, when given, makes MeanCostUSD the mean cost per note.
	Price       *Price  `json:"price,omitempty"`
	MeanCostUSD float64 `json:"mean_cost_usd,omitempty"`

	// Quality is 1 minus the mean of the seven error shares (omissions,
	// hallucinations, leaks, and one minus citation precision, risk
	// recall, medication precision and format compliance); providers are
	// ranked by it, best first.
	Quality float64 `json:"quality"`
	Rank    int     `json:"rank"`

	// Judge is the model-as-judge pass, apart from the deterministic
	// scores (nil without one).
	Judge *JudgeSummary `json:"judge,omitempty"`
}

func share(n, d int, empty float64) float64 {
	if d == 0 {
		return empty
	}
	return float64(n) / float64(d)
}

// Summarize adds up one provider's scored notes (skipped ones are counted
// apart and score nothing).
func Summarize(provider string, scores []SessionScore) Summary {
	sum := Summary{Provider: provider}
	var withOmission, withHallucination int
	var facts, missing, stmts, unsup, contra, cites, supp, riskF, riskFound, riskS, riskC, meds, medsFound, medM, medC, distr, leaks, compliant int
	var latency, prompt, completion int64
	for _, sc := range scores {
		if sc.Skipped != "" {
			sum.Skipped++
			continue
		}
		sum.Notes++
		if sc.Error != "" {
			sum.Failed++
		}
		if len(sc.Missing) > 0 {
			withOmission++
		}
		if len(sc.Hallucinated) > 0 {
			withHallucination++
		}
		facts += sc.Facts
		missing += len(sc.Missing)
		stmts += sc.Statements
		unsup += sc.Unsupported
		contra += sc.Contradicting
		cites += sc.Citations
		supp += sc.Supporting
		riskF += sc.RiskFacts
		riskFound += sc.RiskFound
		riskS += sc.RiskStatements
		riskC += sc.RiskCorrect
		meds += sc.Meds
		medsFound += sc.MedsFound
		medM += sc.MedMentions
		medC += sc.MedCorrect
		distr += sc.Distractors
		leaks += len(sc.Leaks)
		if sc.Format.Compliant && sc.Error == "" {
			compliant++
		}
		latency += sc.LatencyMS
		sum.MaxLatencyMS = max(sum.MaxLatencyMS, sc.LatencyMS)
		prompt += int64(sc.PromptTokens)
		completion += int64(sc.CompletionTokens)
	}
	sum.OmissionRate = share(missing, facts, 0)
	sum.HallucinationRate = share(unsup+contra, stmts, 0)
	sum.UnsupportedRate = share(unsup, stmts, 0)
	sum.ContradictionRate = share(contra, stmts, 0)
	sum.CitationPrecision = share(supp, cites, 1)
	sum.RiskRecall = share(riskFound, riskF, 1)
	sum.RiskPrecision = share(riskC, riskS, 1)
	sum.MedRecall = share(medsFound, meds, 1)
	sum.MedPrecision = share(medC, medM, 1)
	sum.DistractorLeakage = share(leaks, distr, 0)
	sum.FormatCompliance = share(compliant, sum.Notes, 0)
	sum.NotesWithOmission = share(withOmission, sum.Notes, 0)
	sum.NotesWithHallucination = share(withHallucination, sum.Notes, 0)
	if sum.Notes > 0 {
		sum.MeanLatencyMS = float64(latency) / float64(sum.Notes)
		sum.MeanPromptTokens = float64(prompt) / float64(sum.Notes)
		sum.MeanCompletionTokens = float64(completion) / float64(sum.Notes)
	}
	sum.Quality = 1 - (sum.OmissionRate+sum.HallucinationRate+sum.DistractorLeakage+
		(1-sum.CitationPrecision)+(1-sum.RiskRecall)+(1-sum.MedPrecision)+(1-sum.FormatCompliance))/7
	return sum
}

// rank orders summaries best first and numbers them.
func rank(sums []Summary) {
	sort.SliceStable(sums, func(i, j int) bool { return sums[i].Quality > sums[j].Quality })
	for i := range sums {
		sums[i].Rank = i + 1
		if i > 0 && sums[i].Quality == sums[i-1].Quality {
			sums[i].Rank = sums[i-1].Rank
		}
	}
}

// Segments is the transcript of a gold session as the text path gives it
// to the pipeline: one segment a turn, IDs S0001….
func Segments(s *gold.Session) []transcript.Segment {
	out := make([]transcript.Segment, len(s.Turns))
	for i, t := range s.Turns {
		out[i] = transcript.Segment{ID: t.ID, Speaker: t.Speaker, StartMS: t.StartMS, EndMS: t.EndMS, Text: t.Text}
	}
	return out
}
