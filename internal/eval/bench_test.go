package eval_test

import (
	"testing"

	"github.com/scribe-health/scribe/internal/eval"
	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/prompts"
)

// BenchmarkScore is the scorer's own cost per note (the degraded crafted
// note of every gold session, grounded, then scored): what the harness
// adds to a provider's latency.
func BenchmarkScore(b *testing.B) {
	sessions := loadGold(b)
	type input struct {
		s *gold.Session
		f prompts.Format
	}
	var ins []input
	for _, s := range sessions {
		f, err := prompts.FormatByID(s.Template)
		if err != nil {
			b.Fatal(err)
		}
		ins = append(ins, input{s, f})
	}
	b.ResetTimer()
	notes := 0
	for b.Loop() {
		for _, in := range ins {
			res, segs := crafted(in.s, in.f, gold.Craft(in.s, in.f, gold.Degraded, nil), nil)
			eval.Score(in.s, in.f, segs, res)
			notes++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(notes), "ms/note")
}
