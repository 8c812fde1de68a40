//go:build taggertrain

package redaction

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"
)

func init() { taggerTraining = true }

// TestTrainTagger trains the statistical layer on the third generator's
// text and on the dev corpus, and writes data/tagger.bin.gz (go generate
// ./redaction runs it). Validation text comes from another seed of the
// generator, in sentence shapes kept out of training.
func TestTrainTagger(t *testing.T) {
	g, err := loadGazetteers()
	if err != nil {
		t.Fatal(err)
	}
	dev := devTrainDocs(loadCorpus(t), nil)
	m := trainTaggerModel(t, g, fullRecipe, dev)
	out := encodeTagger(m.w, m.threshold)
	if err := os.WriteFile("data/tagger.bin.gz", out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote data/tagger.bin.gz: %d bytes, threshold %d", len(out), m.threshold)
}

// recipe: how much generated text, how many epochs, how many times the dev
// documents are repeated (they are few, and the only real-shaped speech).
type recipe struct {
	genDocs, validDocs, epochs, devRepeat int
}

var (
	fullRecipe = recipe{genDocs: 6000, validDocs: 600, epochs: 8, devRepeat: 5}
	// cvRecipe: the same with less generated text, so that 15 models train
	// in minutes (the family cross-validation)
	cvRecipe = recipe{genDocs: 2000, validDocs: 300, epochs: 5, devRepeat: 5}
)

// devTrainDocs turns dev documents into training documents (NAME, LOCATION,
// ORG and ID spans; the other types are the rules' alone), leaving out the
// documents of the family skip.
func devTrainDocs(docs []corpusDoc, skip func(string) bool) []trainDoc {
	var out []trainDoc
	for _, d := range docs {
		if skip != nil && skip(devFamily(d.Text)) {
			continue
		}
		// code-point offsets to byte offsets
		off := make([]int, 0, len(d.Text)+1)
		for b := range d.Text {
			off = append(off, b)
		}
		off = append(off, len(d.Text))
		td := trainDoc{text: d.Text}
		for _, s := range d.Spans {
			tag := uint8(tagO)
			switch s.Type {
			case TypeName:
				tag = tagName
			case TypeLocation:
				tag = tagLoc
			case TypeOrg:
				tag = tagOrg
			case TypeID:
				tag = tagID
			default:
				continue
			}
			td.spans = append(td.spans, trainSpan{off[s.Start], off[s.End], tag})
		}
		out = append(out, td)
	}
	return out
}

// trainTaggerModel trains an averaged perceptron on the generator's text and
// extra (repeated r.devRepeat times), and sets its margin threshold: the
// smallest at which the tagger, run as Redact runs it (with its filters),
// reaches span precision 0.95 on validation text in unseen sentence shapes.
func trainTaggerModel(t testing.TB, g *gazetteers, r recipe, extra []trainDoc) *taggerModel {
	docs := trainDocs(g, 0x5c41be, r.genDocs, false)
	for k := 0; k < r.devRepeat; k++ {
		docs = append(docs, extra...)
	}
	train := trainLines(g, docs)
	validDocs := trainDocs(g, 0x7a11d, r.validDocs, true)
	const B = 1 << taggerBits
	w := make([]float32, B*nTags)
	acc := make([]float32, B*nTags) // sum of c*update, for the average
	c := float32(1)
	rnd := rand.New(rand.NewSource(1))
	var buf []uint32
	for epoch := 0; epoch < r.epochs; epoch++ {
		rnd.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
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
	m.setRows()
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
	m.threshold = best
	return m
}

// TestTaggerFamilyCrossValidation: the statistical layer is the engine's only
// fitted part, and it is trained on the dev corpus too; this test measures
// what that training is worth on speech it did not see. For each of the 14
// dev template families it trains a tagger (cvRecipe) on the generator's
// text and the dev documents of the other families, and scores the whole
// engine with that tagger on the family left out (cross-validated); it
// scores the family again with a tagger trained on every family
// (in-sample, same recipe). The rules are not refitted: they were written
// against the whole dev corpus (docs/redaction.md).
//
//	go test -tags taggertrain -run TestTaggerFamilyCrossValidation -v ./redaction
func TestTaggerFamilyCrossValidation(t *testing.T) {
	g, err := loadGazetteers()
	if err != nil {
		t.Fatal(err)
	}
	corpus := loadCorpus(t)
	docs := devAsIndep(corpus)
	fams := map[string]bool{}
	for _, d := range docs {
		fams[d.Kind] = true
	}
	var names []string
	for f := range fams {
		names = append(names, f)
	}
	sort.Strings(names)
	withModel := func(m *taggerModel) *gazetteers {
		gg := *g
		gg.tag = m
		return &gg
	}
	inModel := withModel(trainTaggerModel(t, g, cvRecipe, devTrainDocs(corpus, nil)))
	noTagger := withModel(nil)
	cv, in, none := newScore(), newScore(), newScore()
	cv.g, in.g, none.g = nil, inModel, noTagger
	var b strings.Builder
	for _, f := range names {
		m := trainTaggerModel(t, g, cvRecipe, devTrainDocs(corpus, func(x string) bool { return x == f }))
		fcv, fin := newScore(), newScore()
		fcv.g, fin.g = withModel(m), inModel
		for _, d := range docs {
			if d.Kind != f {
				continue
			}
			for _, sc := range []*score{fcv, cv} {
				sc.g = fcv.g
				sc.add(t, d)
			}
			fin.add(t, d)
			in.add(t, d)
			none.add(t, d)
		}
		fmt.Fprintf(&b, "  %-14s cross-validated recall %.4f precision %.4f | in-sample recall %.4f precision %.4f\n",
			f, fcv.recall(), fcv.precision(), fin.recall(), fin.precision())
	}
	t.Logf("dev corpus, tagger trained without the family (cross-validated) and with it (in-sample):\n%s%s%s%s", b.String(),
		cv.table("cross-validated (all families)", false, false), in.table("in-sample (all families)", false, false),
		none.table("no tagger", false, false))
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
