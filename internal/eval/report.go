package eval

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Notice heads every report.
const Notice = "Scored on Scribe's SYNTHETIC gold set (fictional sessions written for evaluation); " +
	"figures describe this configuration on these sessions, not any real client."

// Report is one evaluation: a summary per provider, ranked, and every
// scored note.
type Report struct {
	Notice       string         `json:"notice"`
	Generated    time.Time      `json:"generated"`
	GoldSessions int            `json:"gold_sessions"`
	Runs         int            `json:"runs"`
	Template     string         `json:"template,omitempty"` // "" : each session's own
	Path         string         `json:"path"`               // "text" or "audio via NAME"
	Judge        string         `json:"judge,omitempty"`
	Summaries    []Summary      `json:"summaries"`
	Sessions     []SessionScore `json:"sessions"`
}

// Formats are the report formats.
var Formats = []string{"text", "json", "html"}

// Write renders the report in one of Formats.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "", "text":
		return r.WriteText(w)
	case "json":
		return r.WriteJSON(w)
	case "html":
		return r.WriteHTML(w)
	}
	return fmt.Errorf("report format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// columns are the side-by-side table's rows: one metric a row, one
// provider a column.
var columns = []struct {
	name string
	get  func(Summary) string
}{
	{"rank", func(s Summary) string { return fmt.Sprint(s.Rank) }},
	{"quality", func(s Summary) string { return fmt.Sprintf("%.3f", s.Quality) }},
	{"notes (failed, skipped)", func(s Summary) string { return fmt.Sprintf("%d (%d, %d)", s.Notes, s.Failed, s.Skipped) }},
	{"omission rate", func(s Summary) string { return pct(s.OmissionRate) }},
	{"hallucination rate", func(s Summary) string { return pct(s.HallucinationRate) }},
	{"  unsupported", func(s Summary) string { return pct(s.UnsupportedRate) }},
	{"  contradicting", func(s Summary) string { return pct(s.ContradictionRate) }},
	{"notes with an omission", func(s Summary) string { return pct(s.NotesWithOmission) }},
	{"notes with a hallucination", func(s Summary) string { return pct(s.NotesWithHallucination) }},
	{"citation precision", func(s Summary) string { return pct(s.CitationPrecision) }},
	{"risk recall", func(s Summary) string { return pct(s.RiskRecall) }},
	{"risk precision", func(s Summary) string { return pct(s.RiskPrecision) }},
	{"medication recall", func(s Summary) string { return pct(s.MedRecall) }},
	{"medication precision", func(s Summary) string { return pct(s.MedPrecision) }},
	{"distractor leakage", func(s Summary) string { return pct(s.DistractorLeakage) }},
	{"format compliance", func(s Summary) string { return pct(s.FormatCompliance) }},
	{"mean latency per note", func(s Summary) string { return fmt.Sprintf("%.0f ms", s.MeanLatencyMS) }},
	{"mean tokens per note (prompt/completion)", func(s Summary) string {
		return fmt.Sprintf("%.0f / %.0f", s.MeanPromptTokens, s.MeanCompletionTokens)
	}},
	{"mean cost per note", func(s Summary) string {
		if s.Price == nil {
			return "not priced"
		}
		return fmt.Sprintf("$%.4f", s.MeanCostUSD)
	}},
}

var judgeColumns = []struct {
	name string
	get  func(JudgeSummary) string
}{
	{"judge: omission rate", func(j JudgeSummary) string { return pct(j.OmissionRate) }},
	{"judge: unsupported rate", func(j JudgeSummary) string { return pct(j.UnsupportedRate) }},
	{"judge: notes (failed)", func(j JudgeSummary) string { return fmt.Sprintf("%d (%d)", j.Notes, j.Failed) }},
}

// WriteText writes the side-by-side table and, per provider, the notes
// with findings.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "%s\n", r.Notice)
	fmt.Fprintf(w, "%d gold sessions, %d run(s) each, %s path, template: %s\n\n", r.GoldSessions, r.Runs, r.Path, orDefault(r.Template, "each session's own"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "metric")
	for _, s := range r.Summaries {
		fmt.Fprintf(tw, "\t%s", s.Provider)
	}
	fmt.Fprintln(tw)
	for _, c := range columns {
		fmt.Fprint(tw, c.name)
		for _, s := range r.Summaries {
			fmt.Fprintf(tw, "\t%s", c.get(s))
		}
		fmt.Fprintln(tw)
	}
	if r.Judge != "" {
		for _, c := range judgeColumns {
			fmt.Fprintf(tw, "%s (%s)", c.name, r.Judge)
			for _, s := range r.Summaries {
				v := "-"
				if s.Judge != nil {
					v = c.get(*s.Judge)
				}
				fmt.Fprintf(tw, "\t%s", v)
			}
			fmt.Fprintln(tw)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, sc := range r.Sessions {
		if sc.Skipped != "" {
			continue
		}
		if n := len(sc.Missing) + len(sc.Hallucinated) + len(sc.WrongCitations) + len(sc.Leaks) + len(sc.MedErrors); n == 0 && sc.Error == "" && sc.Format.Compliant {
			continue
		}
		fmt.Fprintf(w, "%s · %s · run %d: %d missing, %d hallucinated, %d wrong citations, %d leaks, %d medication errors, format %s",
			sc.Provider, sc.Session, sc.Run, len(sc.Missing), len(sc.Hallucinated), len(sc.WrongCitations), len(sc.Leaks), len(sc.MedErrors), compliance(sc.Format))
		if sc.Error != "" {
			fmt.Fprintf(w, ", drafting failed: %s", sc.Error)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func compliance(f FormatCheck) string {
	if f.Compliant {
		return "kept"
	}
	var why []string
	if f.Repaired {
		why = append(why, "repair retry needed")
	}
	if f.Uncited > 0 {
		why = append(why, fmt.Sprintf("%d uncited", f.Uncited))
	}
	if f.Misplaced > 0 {
		why = append(why, fmt.Sprintf("%d misplaced", f.Misplaced))
	}
	if len(why) == 0 {
		return "not kept"
	}
	return "not kept (" + strings.Join(why, ", ") + ")"
}

//go:embed report.html
var htmlFS embed.FS

var htmlTmpl = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"pct": pct, "compliance": compliance,
	"cell": func(i int, s Summary) string { return columns[i].get(s) },
	"judgeCell": func(i int, s Summary) string {
		if s.Judge == nil {
			return "-"
		}
		return judgeColumns[i].get(*s.Judge)
	},
	"sessionsOf": func(r *Report, provider string) []SessionScore {
		var out []SessionScore
		for _, sc := range r.Sessions {
			if sc.Provider == provider {
				out = append(out, sc)
			}
		}
		return out
	},
}).ParseFS(htmlFS, "report.html"))

type htmlRow struct {
	Name  string
	Index int
}

// WriteHTML writes a self-contained HTML page: the side-by-side table and
// each provider's per-session detail.
func (r *Report) WriteHTML(w io.Writer) error {
	var rows, jrows []htmlRow
	for i, c := range columns {
		rows = append(rows, htmlRow{c.name, i})
	}
	for i, c := range judgeColumns {
		jrows = append(jrows, htmlRow{c.name, i})
	}
	return htmlTmpl.Execute(w, map[string]any{"R": r, "Rows": rows, "JudgeRows": jrows})
}
