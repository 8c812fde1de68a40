package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/scribe-health/scribe/internal/eval"
	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/testenv"
)

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.TrimSpace(b.String())
}

func evalFake(t *testing.T, model string, q gold.Quality) *fakeopenai.Server {
	t.Helper()
	sessions, err := gold.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := fakeopenai.New("unused", model)
	t.Cleanup(f.Close)
	f.CraftNotes(sessions, q)
	return f
}

// TestEvalCommandEndToEnd: `scribe eval` against two fake providers — one
// answering with good notes, one with degraded notes — and a fake judge,
// in one run: the HTML report's side-by-side table ranks the good one
// first with no omissions and no hallucinations, the degraded one second
// with both, and each provider's per-session table has every gold session
// with its findings. The JSON report says the same. A provider with no BAA
// is refused before anything is sent, and a provider not allowed Part 2
// records is not sent the substance-use sessions.
func TestEvalCommandEndToEnd(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	good := evalFake(t, "notes-good", gold.Good)
	bad := evalFake(t, "notes-bad", gold.Degraded)
	judge := evalFake(t, "notes-judge", gold.Good)
	if _, stderr, code := cli(t, dir, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	for _, p := range [][]string{
		{"--name", "fake-degraded", "--model", "notes-bad", "--base-url", bad.BaseURL(), "--self-hosted", "--part2-allowed"},
		{"--name", "fake-good", "--model", "notes-good", "--base-url", good.BaseURL(), "--self-hosted", "--part2-allowed"},
		{"--name", "judge", "--model", "notes-judge", "--base-url", judge.BaseURL(), "--self-hosted", "--part2-allowed"},
	} {
		if _, stderr, code := cli(t, dir, append([]string{"provider", "add", "--kind", "openai", "--use", "drafting"}, p...)...); code != 0 {
			t.Fatalf("provider add: %s", stderr)
		}
	}
	sessions, _ := gold.Load()

	out := filepath.Join(t.TempDir(), "report.html")
	stdout, stderr, code := cli(t, dir, "eval", "--provider", "fake-degraded", "--provider", "fake-good", "--judge", "judge", "--price", "fake-good=2.5/10", "--format", "html", "--out", out)
	if code != 0 {
		t.Fatalf("scribe eval: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "1. fake-good") || !strings.Contains(stdout, "2. fake-degraded") {
		t.Errorf("summary lines:\n%s", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(f)
	f.Close()
	if err != nil {
		t.Fatalf("the HTML report does not parse: %v", err)
	}
	var summary *html.Node
	sessionTables := map[string]*html.Node{}
	notice := ""
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "table" && attr(n, "id") == "summary" {
			summary = n
		}
		if n.Data == "table" && attr(n, "class") == "sessions" {
			sessionTables[attr(n, "data-provider")] = n
		}
		if attr(n, "id") == "notice" {
			notice = text(n)
		}
	})
	if !strings.Contains(notice, "SYNTHETIC") {
		t.Errorf("the report does not say the gold set is synthetic: %q", notice)
	}
	if summary == nil {
		t.Fatal("no side-by-side table (#summary) in the HTML report")
	}
	var columns []string
	cells := map[string][]string{} // metric → one cell per provider column
	walk(summary, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "th" && attr(n, "data-provider") != "" {
			columns = append(columns, attr(n, "data-provider"))
		}
		if n.Type == html.ElementNode && n.Data == "tr" && attr(n, "data-metric") != "" {
			var row []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "td" {
					row = append(row, text(c))
				}
			}
			cells[attr(n, "data-metric")] = row
		}
	})
	if strings.Join(columns, ",") != "fake-good,fake-degraded" {
		t.Fatalf("provider columns %v, want fake-good then fake-degraded (ranked)", columns)
	}
	percent := func(s string) float64 {
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if err != nil {
			t.Fatalf("cell %q is not a percentage", s)
		}
		return v
	}
	if r := cells["mean cost per note"]; len(r) != 2 || !strings.HasPrefix(r[0], "$") || r[1] != "not priced" {
		t.Errorf("cost row %v: want a dollar figure for the priced provider only", r)
	}
	if r := cells["rank"]; strings.Join(r, ",") != "1,2" {
		t.Errorf("rank row %v", r)
	}
	for _, m := range []string{"omission rate", "hallucination rate", "distractor leakage"} {
		r := cells[m]
		if len(r) != 2 || percent(r[0]) != 0 || percent(r[1]) <= 0 {
			t.Errorf("%s row %v: want 0%% for the good fake and more for the degraded one", m, r)
		}
	}
	for _, m := range []string{"citation precision", "risk recall", "medication precision", "format compliance"} {
		r := cells[m]
		if len(r) != 2 || percent(r[0]) != 100 || percent(r[1]) >= 100 {
			t.Errorf("%s row %v: want 100%% for the good fake and less for the degraded one", m, r)
		}
	}
	if r := cells["judge: omission rate"]; len(r) != 2 || percent(r[0]) >= percent(r[1]) {
		t.Errorf("judge row %v: the judge should find more missing in the degraded notes", r)
	}
	for _, p := range []string{"fake-good", "fake-degraded"} {
		tbl := sessionTables[p]
		if tbl == nil {
			t.Fatalf("no per-session table for %s", p)
		}
		rows, leaks := 0, 0
		walk(tbl, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "tr" && attr(n, "data-session") != "" {
				rows++
			}
			if n.Type == html.ElementNode && n.Data == "li" && strings.HasPrefix(text(n), "leak ") {
				leaks++
			}
		})
		if rows != len(sessions) {
			t.Errorf("%s: %d session rows, want %d", p, rows, len(sessions))
		}
		if (p == "fake-good") != (leaks == 0) {
			t.Errorf("%s: %d leak findings listed", p, leaks)
		}
	}

	// JSON, one provider allowed no Part 2 records.
	if _, stderr, code := cli(t, dir, "provider", "add", "--kind", "openai", "--use", "drafting", "--name", "no-part2", "--model", "notes-good", "--base-url", good.BaseURL(), "--self-hosted"); code != 0 {
		t.Fatalf("provider add: %s", stderr)
	}
	stdout, stderr, code = cli(t, dir, "eval", "--provider", "no-part2", "--format", "json")
	if code != 0 {
		t.Fatalf("scribe eval --format json: exit %d\n%s", code, stderr)
	}
	var rep eval.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	part2 := 0
	for _, s := range sessions {
		if s.Part2() {
			part2++
		}
	}
	if len(rep.Summaries) != 1 || rep.Summaries[0].Skipped != part2 || rep.Summaries[0].Notes != len(sessions)-part2 || rep.Summaries[0].OmissionRate != 0 {
		t.Errorf("JSON summary %+v: want %d Part 2 sessions skipped and the rest perfect", rep.Summaries, part2)
	}

	// A saved JSON report renders again without any model call.
	saved := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(saved, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	before := good.Requests(fakeopenai.ChatCompletions)
	text, stderr, code := cli(t, dir, "eval", "--from", saved, "--format", "text")
	if code != 0 || !strings.Contains(text, "no-part2") || !strings.Contains(text, "omission rate") || good.Requests(fakeopenai.ChatCompletions) != before {
		t.Errorf("eval --from: exit %d, %s\n%s", code, stderr, text)
	}

	// The BAA gate: nothing is sent to a cloud provider without a BAA.
	cloud := evalFake(t, "notes-cloud", gold.Good)
	if _, stderr, code := cli(t, dir, "provider", "add", "--kind", "openai", "--use", "drafting", "--name", "cloud", "--model", "notes-cloud", "--base-url", cloud.BaseURL()); code != 0 {
		t.Fatalf("provider add: %s", stderr)
	}
	_, stderr, code = cli(t, dir, "eval", "--provider", "cloud")
	if code != 1 || !strings.Contains(stderr, "no active BAA") {
		t.Errorf("eval with a provider without a BAA: exit %d, %s", code, stderr)
	}
	if n := cloud.Requests(fakeopenai.ChatCompletions); n != 0 {
		t.Errorf("%d requests reached the provider without a BAA", n)
	}
	// Bad input names the flag.
	_, stderr, code = cli(t, dir, "eval", "--provider", "nope")
	if code != 1 || !strings.Contains(stderr, "--provider") || !strings.Contains(stderr, "fake-good") {
		t.Errorf("eval with an unknown provider: exit %d, %s", code, stderr)
	}
	_, stderr, code = cli(t, dir, "eval", "--provider", "fake-good", "--price", "fake-good=cheap")
	if code != 1 || !strings.Contains(stderr, "--price") {
		t.Errorf("eval --price fake-good=cheap: exit %d, %s", code, stderr)
	}
	_, stderr, code = cli(t, dir, "eval", "--runs", "21", "--provider", "fake-good")
	if code != 1 || !strings.Contains(stderr, "--runs") {
		t.Errorf("eval --runs 21: exit %d, %s", code, stderr)
	}
	for name, f := range map[string]*fakeopenai.Server{"good": good, "degraded": bad, "judge": judge, "cloud": cloud} {
		if p := f.Problems(); len(p) > 0 {
			t.Errorf("the %s fake saw problems: %v", name, p)
		}
	}
}

// TestEvalAudio: `scribe eval --audio` synthesises each turn with flite,
// sends it through the transcription provider (the fake runs the offline
// recogniser pocketsphinx on it) and drafts from what was recognised. The
// good fake still ranks above the degraded one.
func TestEvalAudio(t *testing.T) {
	testenv.Tool(t, "flite")
	testenv.Tool(t, "pocketsphinx_continuous")
	dir := t.TempDir()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	good := evalFake(t, "notes-good", gold.Good)
	good.TranscribeModel = "whisper-x"
	bad := evalFake(t, "notes-bad", gold.Degraded)
	if _, stderr, code := cli(t, dir, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	for _, p := range [][]string{
		{"--name", "speech", "--use", "transcription", "--model", "whisper-x", "--base-url", good.BaseURL()},
		{"--name", "fake-good", "--use", "drafting", "--model", "notes-good", "--base-url", good.BaseURL()},
		{"--name", "fake-degraded", "--use", "drafting", "--model", "notes-bad", "--base-url", bad.BaseURL()},
	} {
		if _, stderr, code := cli(t, dir, append([]string{"provider", "add", "--kind", "openai", "--self-hosted"}, p...)...); code != 0 {
			t.Fatalf("provider add: %s", stderr)
		}
	}
	const session = "brief-telehealth-checkin"
	stdout, stderr, code := cli(t, dir, "eval", "--audio", "--session", session, "--provider", "fake-good,fake-degraded", "--format", "json")
	if code != 0 {
		t.Fatalf("scribe eval --audio: exit %d\n%s", code, stderr)
	}
	var rep eval.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	var turns int
	sessions, _ := gold.Load()
	for _, s := range sessions {
		if s.ID == session {
			turns = len(s.Turns)
		}
	}
	if got := len(good.Transcriptions()); got != turns {
		t.Errorf("%d turns sent for transcription, want %d", got, turns)
	}
	if rep.Path != "audio via speech" || len(rep.Summaries) != 2 || rep.Summaries[0].Provider != "fake-good" {
		t.Fatalf("report: path %q, summaries %+v", rep.Path, rep.Summaries)
	}
	g, b := rep.Summaries[0], rep.Summaries[1]
	t.Logf("spoken path: good omissions %.3f hallucinations %.3f; degraded omissions %.3f hallucinations %.3f", g.OmissionRate, g.HallucinationRate, b.OmissionRate, b.HallucinationRate)
	if g.Failed+b.Failed != 0 || !(g.OmissionRate < b.OmissionRate) {
		t.Errorf("spoken path does not tell them apart: good %+v, degraded %+v", g, b)
	}
	for name, f := range map[string]*fakeopenai.Server{"good": good, "degraded": bad} {
		if p := f.Problems(); len(p) > 0 {
			t.Errorf("the %s fake saw problems: %v", name, p)
		}
	}
}
