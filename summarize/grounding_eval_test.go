package summarize

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/transcript"
)

// fact is a template for one thing said in a session and statements about it.
type fact struct {
	speaker string
	said    string   // segment text; %d is a number when numeric
	support []string // faithful paraphrases
	negated string   // contradicts the segment's polarity
	numeric bool
}

var facts = []fact{
	{"client", "I've been sleeping about %d hours a night since the new job started.",
		[]string{"Client reports sleeping about %d hours nightly since starting the new job.", "Sleep is about %d hours a night since the new job began."},
		"Client denies sleeping %d hours a night since the new job started.", true},
	{"client", "No, I haven't had any thoughts of hurting myself.",
		[]string{"Client denies thoughts of hurting self.", "Client denies any thoughts of self-harm or hurting herself."},
		"Client reports thoughts of hurting self.", false},
	{"client", "I had %d drinks on Saturday at my brother's party.",
		[]string{"Client reports drinking %d drinks at a party on Saturday.", "Client drank %d drinks at brother's party Saturday."},
		"Client denies drinking at the party on Saturday.", true},
	{"client", "I've been taking the sertraline every morning, I haven't missed a dose.",
		[]string{"Client reports taking sertraline every morning with no missed doses.", "Sertraline taken each morning; client denies missed doses."},
		"Client reports missing doses of sertraline.", false},
	{"client", "My anxiety at work was about a %d out of 10 this week.",
		[]string{"Client rates work anxiety at %d out of 10 this week.", "Anxiety at work this week was %d/10."},
		"Client denies anxiety at work this week.", true},
	{"client", "I walked with [NAME_3] three times this week and it helped my mood.",
		[]string{"Client walked with [NAME_3] three times this week, which helped mood.", "Walking with [NAME_3] 3 times this week improved client's mood."},
		"Client reports walking with [NAME_3] did not help mood.", false},
	{"client", "I'm not using anymore, I've been clean for %d days.",
		[]string{"Client reports %d days clean with no current use.", "Client denies current use; clean for %d days."},
		"Client reports using again after %d days clean.", true},
	{"clinician", "Let's meet again next Tuesday, and try the thought record twice before then.",
		[]string{"Next session Tuesday; client to try the thought record twice before then.", "Homework: thought record twice before meeting again next Tuesday."},
		"Clinician did not assign the thought record before next Tuesday.", false},
	{"client", "I argued with my partner about money and I felt really angry afterward.",
		[]string{"Client reports arguing with partner about money and feeling angry afterward.", "Argument with spouse over money left client angry."},
		"Client denies arguing with partner about money.", false},
	{"client", "The panic attacks have stopped since I started the breathing exercises.",
		[]string{"Client reports panic attacks stopped after starting breathing exercises.", "Panic attacks have stopped since client began breathing exercises."},
		"Client reports panic attacks continue despite breathing exercises.", false},
}

var invented = []string{
	"Client reports a new diagnosis of bipolar disorder from a psychiatrist.",
	"Client was hospitalized last month for chest pain.",
	"Client plans to move to another state with a cousin.",
	"Client lost custody of the children in court.",
	"Mood and affect within normal limits.",
	"Thought process unremarkable; no acute distress.",
	"Client reports daily cannabis use to manage pain.",
}

var fillers = []string{
	"Tell me more about that.",
	"Mm-hmm, go on.",
	"How did that feel for you?",
	"Okay.",
}

type labelled struct {
	st          Statement
	unsupported bool
	kind        string
}

// evalSet builds a synthetic session of facts and fillers and ~200 labelled
// statements about it: faithful paraphrases (supported) and wrong
// citations, contradicted negations, changed numbers and invented facts
// (unsupported).
func evalSet(rng *rand.Rand, instances int) ([]transcript.Segment, []labelled) {
	var segs []transcript.Segment
	type inst struct {
		f   fact
		n   int
		seg int
	}
	var insts []inst
	for i := 0; i < instances; i++ {
		f := facts[i%len(facts)]
		n := 2 + rng.Intn(12)
		text := f.said
		if f.numeric {
			text = fmt.Sprintf(f.said, n)
		}
		segs = append(segs, transcript.Segment{Speaker: "clinician", Text: fillers[rng.Intn(len(fillers))]})
		segs = append(segs, transcript.Segment{Speaker: f.speaker, Text: text})
		insts = append(insts, inst{f, n, len(segs) - 1})
	}
	for i := range segs {
		segs[i].StartMS = int64(i) * 4000
		segs[i].EndMS = int64(i)*4000 + 3500
	}
	transcript.AssignIDs(segs)
	id := func(i int) string { return segs[i].ID }
	fill := func(format string, n int) string {
		if strings.Contains(format, "%d") {
			return fmt.Sprintf(format, n)
		}
		return format
	}
	var out []labelled
	for k, in := range insts {
		// Two faithful paraphrases, one also citing the filler before it.
		out = append(out,
			labelled{Statement{Text: fill(in.f.support[0], in.n), Citations: []string{id(in.seg)}}, false, "paraphrase"},
			labelled{Statement{Text: fill(in.f.support[1], in.n), Citations: []string{id(in.seg - 1), id(in.seg)}}, false, "paraphrase"})
		// Two unsupported statements of rotating kinds.
		for j := 0; j < 2; j++ {
			switch (k*2 + j) % 4 {
			case 0: // wrong citation: a true statement about another fact
				other := insts[(k+1+rng.Intn(len(facts)-1))%len(insts)]
				if other.f.said == in.f.said {
					other = insts[(k+1)%len(insts)]
				}
				out = append(out, labelled{Statement{Text: fill(other.f.support[0], other.n), Citations: []string{id(in.seg)}}, true, "wrong_citation"})
			case 1:
				out = append(out, labelled{Statement{Text: fill(in.f.negated, in.n), Citations: []string{id(in.seg)}}, true, "negation"})
			case 2:
				if in.f.numeric {
					out = append(out, labelled{Statement{Text: fill(in.f.support[0], in.n+1+rng.Intn(5)), Citations: []string{id(in.seg)}}, true, "number"})
				} else {
					out = append(out, labelled{Statement{Text: fill(in.f.support[0], in.n) + " Client also started a new antipsychotic at 40 mg.", Citations: []string{id(in.seg)}}, true, "added_fact"})
				}
			case 3:
				out = append(out, labelled{Statement{Text: invented[rng.Intn(len(invented))], Citations: []string{id(in.seg)}}, true, "invented"})
			}
		}
	}
	return segs, out
}

func TestGroundingEvaluation(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	segs, set := evalSet(rng, 50)
	idx := newSegIndex(segs)
	var tp, fn, fp, tn int
	missed := map[string]int{}
	for _, l := range set {
		st := l.st
		st.Citations = append([]string(nil), st.Citations...)
		idx.groundStatement(&st)
		switch {
		case l.unsupported && st.Unsupported:
			tp++
		case l.unsupported:
			fn++
			missed[l.kind]++
			t.Logf("missed %s: %q", l.kind, l.st.Text)
		case st.Unsupported:
			fp++
			t.Logf("false flag: %q (%s)", l.st.Text, st.UnsupportedReason)
		default:
			tn++
		}
	}
	recall := float64(tp) / float64(tp+fn)
	falseFlag := float64(fp) / float64(fp+tn)
	t.Logf("grounding evaluation: %d statements (%d unsupported, %d supported); recall of unsupported = %.3f; false-flag rate = %.3f; missed by kind %v",
		len(set), tp+fn, fp+tn, recall, falseFlag, missed)
	fmt.Printf("grounding evaluation: statements=%d recall_unsupported=%.3f false_flag_rate=%.3f\n", len(set), recall, falseFlag)
	if len(set) < 200 {
		t.Errorf("evaluation set has %d statements, want ≥ 200", len(set))
	}
	if recall < 0.9 {
		t.Errorf("recall of unsupported statements %.3f < 0.9", recall)
	}
	if falseFlag > 0.1 {
		t.Errorf("false-flag rate %.3f > 0.1", falseFlag)
	}
}
