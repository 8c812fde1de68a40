package instruments

import (
	"strings"
	"testing"
)

func TestScoringAndBands(t *testing.T) {
	for _, c := range []struct {
		in      Instrument
		answers []int
		total   int
		band    string
		risk    bool
	}{
		{PHQ9, []int{0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, "minimal", false},
		{PHQ9, []int{1, 1, 1, 1, 1, 0, 0, 0, 0}, 5, "mild", false},
		{PHQ9, []int{2, 2, 2, 2, 1, 1, 0, 0, 0}, 10, "moderate", false},
		{PHQ9, []int{3, 3, 3, 2, 2, 1, 1, 0, 0}, 15, "moderately severe", false},
		{PHQ9, []int{3, 3, 3, 3, 3, 2, 2, 0, 1}, 20, "severe", true},
		{PHQ9, []int{0, 0, 0, 0, 0, 0, 0, 0, 1}, 1, "minimal", true}, // item 9 alone
		{GAD7, []int{1, 1, 1, 1, 0, 0, 0}, 4, "minimal", false},
		{GAD7, []int{3, 3, 3, 3, 3, 3, 3}, 21, "severe", false},
		{AUDITC, []int{1, 1, 0}, 2, "negative", false},
		{AUDITC, []int{1, 1, 1}, 3, "positive for women (3 or more); negative for men", false},
		{AUDITC, []int{4, 4, 4}, 12, "positive (4 or more for men, 3 or more for women)", false},
	} {
		r, err := c.in.Score(c.answers)
		if err != nil || r.Total != c.total || r.Band != c.band || r.Risk != c.risk {
			t.Errorf("%s %v: %+v %v, want %d %q risk %v", c.in.Name, c.answers, r, err, c.total, c.band, c.risk)
		}
	}
}

func TestScoreRefusesBadAnswers(t *testing.T) {
	if _, err := PHQ9.Score([]int{0, 0}); err == nil || !strings.Contains(err.Error(), "9 questions") {
		t.Errorf("too few answers: %v", err)
	}
	if _, err := GAD7.Score([]int{0, 0, 0, 0, 0, 0, 4}); err == nil || !strings.Contains(err.Error(), "question 7") {
		t.Errorf("an answer out of range: %v", err)
	}
	if _, err := ByID("cssrs"); err == nil || !strings.Contains(err.Error(), "phq9, gad7, auditc") {
		t.Errorf("unknown instrument: %v", err)
	}
}

// TestBandsCoverEveryTotal: every possible total falls in exactly one band.
func TestBandsCoverEveryTotal(t *testing.T) {
	for _, in := range All {
		for total := 0; total <= in.MaxTotal; total++ {
			n := 0
			for _, b := range in.Bands {
				if total >= b.Min && total <= b.Max {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s total %d is in %d bands", in.Name, total, n)
			}
		}
		max := 0
		for _, it := range in.Items {
			top := 0
			for _, o := range it.Options {
				top = o.Value
			}
			max += top
		}
		if max != in.MaxTotal {
			t.Errorf("%s: items add up to %d, MaxTotal %d", in.Name, max, in.MaxTotal)
		}
	}
}
