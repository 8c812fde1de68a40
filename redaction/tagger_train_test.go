//go:build taggertrain

package redaction

import (
	"math"
	"math/rand"
	"os"
	"testing"
)

func init() { taggerTraining = true }

// TestTrainTagger trains the statistical layer on the third generator's
// text and writes data/tagger.bin.gz (go generate ./redaction runs it).
// Training and validation text come from different seeds of that generator.
func TestTrainTagger(t *testing.T) {
	g, err := loadGazetteers()
	if err != nil {
		t.Fatal(err)
	}
	train := trainLines(g, trainDocs(g, 0x5c41be, 6000, false))
	validDocs := trainDocs(g, 0x7a11d, 600, true)
	const B = 1 << taggerBits
	w := make([]float32, B*nTags)
	acc := make([]float32, B*nTags) // sum of c*update, for the average
	c := float32(1)
	r := rand.New(rand.NewSource(1))
	var buf []uint32
	for epoch := 0; epoch < 8; epoch++ {
		r.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
		errs, n := 0, 0
		for _, ln := range train {
			prev := tagO
			for i := range ln.tf {
				buf = tagFeatures(buf[:0], ln.tf, i, prev)
				var sc [nTags]float32
				for _, b := range buf {
					for k := range sc {
						sc[k] += w[int(b)*nTags+k]
					}
				}
				best := 0
				for k := 1; k < nTags; k++ {
					if sc[k] > sc[best] {
						best = k
					}
				}
				gold := int(ln.gold[i])
				if best != gold {
					errs++
					for _, b := range buf {
						w[int(b)*nTags+gold]++
						w[int(b)*nTags+best]--
						acc[int(b)*nTags+gold] += c
						acc[int(b)*nTags+best] -= c
					}
				}
				n++
				c++
				prev = best
			}
		}
		t.Logf("epoch %d: %d errors in %d tokens", epoch, errs, n)
	}
	maxAbs := float32(0)
	avg := make([]float32, len(w))
	for i := range w {
		avg[i] = w[i] - acc[i]/c
		maxAbs = max(maxAbs, float32(math.Abs(float64(avg[i]))))
	}
	scale := 32000 / maxAbs / 4 // a token sums about 30 weights; keep the sum far from int32 limits and precise
	q := make([]int16, len(w))
	for i, v := range avg {
		q[i] = int16(math.Round(float64(v * scale)))
	}
	m := &taggerModel{w: q}
	// threshold: the smallest margin at which the tagger, run as Redact runs
	// it (with its filters), reaches precision 0.95 on the validation text
	// (sentence shapes it was not trained on), by identifier
	best := int32(math.MaxInt32)
	for _, th := range []int32{0, 200, 400, 800, 1600, 3200, 6400, 12800} {
		m.threshold = th
		tp, fp, fn := 0, 0, 0
		for _, doc := range validDocs {
			d := newDetector(g, doc.text)
			d.statTagger(m)
			hit := make([]bool, len(doc.spans))
			for _, c := range d.cands {
				ok := false
				for k, s := range doc.spans {
					if c.s < s.e && c.e > s.s {
						ok, hit[k] = true, true
					}
				}
				if ok {
					tp++
				} else {
					fp++
				}
			}
			for _, h := range hit {
				if !h {
					fn++
				}
			}
		}
		prec := float64(tp) / float64(max(1, tp+fp))
		found := 0
		for _, doc := range validDocs {
			found += len(doc.spans)
		}
		rec := float64(found-fn) / float64(max(1, found))
		t.Logf("threshold %d: validation span precision %.4f, identifiers touched %.4f", th, prec, rec)
		if prec >= 0.95 && th < best {
			best = th
		}
	}
	if best == math.MaxInt32 {
		t.Fatal("no threshold reaches validation precision 0.95")
	}
	out := encodeTagger(q, best)
	if err := os.WriteFile("data/tagger.bin.gz", out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote data/tagger.bin.gz: %d bytes, threshold %d", len(out), best)
}

type trainLine struct {
	tf   []tokFeat
	gold []uint8
}

// trainLines tokenizes documents as the detector does and labels each token
// with the tag of the gold span it overlaps.
func trainLines(g *gazetteers, docs []trainDoc) []trainLine {
	var out []trainLine
	for _, doc := range docs {
		d := newDetector(g, doc.text)
		d.lines(func(a, b int) {
			ln := trainLine{}
			for i := a; i < b; i++ {
				ln.tf = append(ln.tf, d.tokFeatures(i))
				tag := uint8(tagO)
				for _, s := range doc.spans {
					if int(d.toks[i].s) < s.e && int(d.toks[i].e) > s.s {
						tag = s.tag
						break
					}
				}
				ln.gold = append(ln.gold, tag)
			}
			out = append(out, ln)
		})
	}
	return out
}
