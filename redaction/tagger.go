package redaction

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The statistical layer: an averaged-perceptron token tagger over token
// features (shape, capitalisation, suffix, gazetteer and dictionary
// membership, the package's word-list flags, neighbouring words and their
// flags, the previous token's tag). It is one more detector: it runs after
// every rule and the backstop, and its spans join only where nothing else
// was found, so it can add an identifier, never remove or retype one.
//
// The weights (data/tagger.bin.gz) are trained by
//
//	go generate ./redaction
//
// from synthetic text written by a third generator (tagger_traingen_test.go:
// its own seed, sentence shapes and fillers drawn from the public
// gazetteers), never from the dev corpus or the independent corpus.

//go:generate go test -tags taggertrain -count=1 -v -run ^TestTrainTagger$ .

//go:embed data/tagger.bin.gz
var taggerData []byte

// Tagger classes; tagO is "not an identifier".
const (
	tagO = iota
	tagName
	tagLoc
	tagOrg
	tagID
	nTags
)

var tagTypes = [nTags]string{"", TypeName, TypeLocation, TypeOrg, TypeID}

// taggerBits is log2 of the number of hashed feature buckets.
const taggerBits = 16

// taggerMagic starts the weight file; the version changes with the features.
const taggerMagic = "SCRBTAG2"

// taggerModel holds int16 weights, bucket-major: w[b*nTags+tag].
type taggerModel struct {
	w         []int16
	rows      *[1 << taggerBits][nTags]int16 // w by bucket: a bucket indexes it without a bounds check
	threshold int32                          // margin of a tag over O needed to add a span
	// shapeSums[prev][shape] is the sum of the features that depend only on
	// the previous tag and the token's shape (fBias, fShape, fPrevTag,
	// fPrevTagShape, fMode): one read where tagFeatures makes five
	shapeSums *[nTags][128][nTags]int32
	// lexSums[kind][v] are the sums fill adds for the lexical class
	// kind<<8|v (tokFeat.lex): a few dozen classes, so one small table
	// where fill read the weight table nine times per class
	lexSums *[6][32]lexSum
	// ends[k] is the weight of the word feature of neighbour position k
	// (formSums.nb) past an end of the stretch: fWordPrev and fWordPrev2 of
	// bos, fWordNext and fWordNext2 of eos
	ends [4][nTags]int32
}

var (
	tagOnce  sync.Once
	tagModel *taggerModel
	tagErr   error
)

func loadTagger() (*taggerModel, error) {
	tagOnce.Do(func() { tagModel, tagErr = decodeTagger(taggerData) })
	return tagModel, tagErr
}

func decodeTagger(raw []byte) (*taggerModel, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("redaction: embedded tagger weights are not gzip: %w", err)
	}
	defer zr.Close()
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("redaction: reading embedded tagger weights: %w", err)
	}
	want := len(taggerMagic) + 4 + (1<<taggerBits)*nTags*2
	if len(b) != want || string(b[:len(taggerMagic)]) != taggerMagic {
		return nil, errors.New("redaction: embedded tagger weights do not match this version (run go generate ./redaction)")
	}
	m := &taggerModel{w: make([]int16, (1<<taggerBits)*nTags)}
	p := b[len(taggerMagic):]
	m.threshold = int32(binary.LittleEndian.Uint32(p))
	p = p[4:]
	for i := range m.w {
		m.w[i] = int16(binary.LittleEndian.Uint16(p[2*i:]))
	}
	m.setRows()
	return m, nil
}

// setRows copies w into rows, the layout tagLine reads.
func (m *taggerModel) setRows() {
	m.rows = new([1 << taggerBits][nTags]int16)
	for b := range m.rows {
		copy(m.rows[b][:], m.w[b*nTags:b*nTags+nTags])
	}
	m.ends = [4][nTags]int32{}
	m.addRow(&m.ends[nbPrev], feat(fWordPrev, tagBOS))
	m.addRow(&m.ends[nbNext], feat(fWordNext, tagEOS))
	m.addRow(&m.ends[nbNext2], feat(fWordNext2, tagEOS))
	m.addRow(&m.ends[nbPrev2], feat(fWordPrev2, tagBOS))
	m.lexSums = new([6][32]lexSum)
	for kind := range m.lexSums {
		for v := range m.lexSums[kind] {
			m.lexSum(&m.lexSums[kind][v], uint16(kind)<<8|uint16(v)|0x8000)
		}
	}
	m.shapeSums = new([nTags][128][nTags]int32)
	for prev := range nTags {
		for sh := range 128 {
			sc := &m.shapeSums[prev][sh]
			for _, b := range [...]uint32{feat(fBias, 0), feat(fShape, uint64(sh)), feat(fPrevTag, uint64(prev)),
				feat(fPrevTagShape, uint64(prev)<<8|uint64(sh)), feat(fMode, uint64(sh&64))} {
				m.addRow(sc, b)
			}
		}
	}
}

// addRow adds the weights of bucket b to sc.
func (m *taggerModel) addRow(sc *[nTags]int32, b uint32) {
	row := &m.rows[uint16(b)]
	sc[0] += int32(row[0])
	sc[1] += int32(row[1])
	sc[2] += int32(row[2])
	sc[3] += int32(row[3])
	sc[4] += int32(row[4])
}

func encodeTagger(w []int16, threshold int32) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	hdr := make([]byte, len(taggerMagic)+4)
	copy(hdr, taggerMagic)
	binary.LittleEndian.PutUint32(hdr[len(taggerMagic):], uint32(threshold))
	zw.Write(hdr)
	out := make([]byte, 2*len(w))
	for i, v := range w {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
	}
	zw.Write(out)
	zw.Close()
	return buf.Bytes()
}

// Feature templates (the first argument of feat).
const (
	fBias = iota + 1
	fWord
	fWordPrev
	fWordNext
	fWordPrev2
	fWordNext2
	fBigramPrev
	fBigramNext
	fSuffix3
	fShape
	fShapePrevNext
	fLex
	fLexPrev
	fLexNext
	fLexNext2
	fPrevTag
	fPrevTagLex
	fPrevTagShape
	fMode
)

const (
	hashOff   = 14695981039346656037
	hashPrime = 1099511628211
)

func strHash(s string) uint64 {
	h := uint64(hashOff)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= hashPrime
	}
	return h
}

// tagBOS and tagEOS stand for the words before and after a stretch.
const tagBOS, tagEOS = 0x5bd1e995, 0x1b873593

// feat is the bucket of feature template t with value v.
func feat(t int, v uint64) uint32 {
	h := (v ^ uint64(t)*0x9E3779B97F4A7C15) * 0xBF58476D1CE4E5B9
	h ^= h >> 31
	return uint32(h >> (64 - taggerBits))
}

// lexFeatFlags are the word-list flags the tagger sees.
var lexFeatFlags = [...]lexFlag{lfTitle, lfRelation, lfNameCue, lfStreetType, lfFacilityHead, lfOrgHead, lfUSState,
	lfClinical, lfFnWord, lfLocPrep, lfStrongFacPrep, lfWorkCue, lfPlaceHead, lfPlaceFirst, lfIDCue, lfMotion,
	lfAtPerson, lfPlacePrep, lfPersonVerb, lfPersonBefore, lfBrand, lfBrandFirst, lfExcluded, lfAnd, lfNickCue}

// tokFeat is what the tagger needs of one token, computed once per token.
type tokFeat struct {
	word  uint64 // hash of the stem
	suf   uint64 // hash of the stem's last three bytes (0: stem of three or fewer)
	shape uint8
	lex   [8]uint16 // lexical classes (0 ends the list)
	form  int32     // index of the token's formSums (tagLineForms only)
}

// formSums are the sums of the feature weights that depend on a token's
// form alone (its lower-case text: the stem, the suffix and the lexicon
// classes follow from it), computed once per form of a text: a transcript
// repeats a few thousand forms, and each sum spares tagLine several reads
// of the 640 kB weight table, which miss the processor cache.
type formSums struct {
	gen     uint32              // detBufs.gen when computed (another generation: stale)
	word    uint64              // hash of the stem
	own     [nTags]int32        // fWord, fSuffix3 and fLex of the form
	prevLex [nTags][nTags]int32 // fPrevTagLex of the form, by previous tag
	// the form as a neighbour of the token tagged: at i-1 (fLexPrev,
	// fWordPrev), i+1 (fLexNext, fWordNext), i+2 (fLexNext2, fWordNext2),
	// i-2 (fWordPrev2)
	nb [4][nTags]int32
}

// Neighbour positions of formSums.nb.
const (
	nbPrev = iota
	nbNext
	nbNext2
	nbPrev2
)

// lexSum is what one lexical class adds to a form's sums.
type lexSum struct {
	own     [nTags]int32
	prevLex [nTags][nTags]int32
	nb      [3][nTags]int32 // nbPrev, nbNext, nbNext2
}

// lexSum sets ls to the sums of lexical class l.
func (m *taggerModel) lexSum(ls *lexSum, l uint16) {
	*ls = lexSum{}
	m.addRow(&ls.own, feat(fLex, uint64(l)))
	for prev := range nTags {
		m.addRow(&ls.prevLex[prev], feat(fPrevTagLex, uint64(prev)<<16|uint64(l)))
	}
	if l>>8&0x7f == 5 { // word-list flags of neighbours only
		m.addRow(&ls.nb[nbPrev], feat(fLexPrev, uint64(l)))
		m.addRow(&ls.nb[nbNext], feat(fLexNext, uint64(l)))
		m.addRow(&ls.nb[nbNext2], feat(fLexNext2, uint64(l)))
	}
}

// fill sets the sums of the form whose per-token features are tf.
func (m *taggerModel) fill(f *formSums, tf *tokFeat) {
	*f = formSums{gen: f.gen, word: tf.word}
	m.addRow(&f.own, feat(fWord, tf.word))
	m.addRow(&f.nb[nbPrev], feat(fWordPrev, tf.word))
	m.addRow(&f.nb[nbNext], feat(fWordNext, tf.word))
	m.addRow(&f.nb[nbNext2], feat(fWordNext2, tf.word))
	m.addRow(&f.nb[nbPrev2], feat(fWordPrev2, tf.word))
	if tf.suf != 0 {
		m.addRow(&f.own, feat(fSuffix3, tf.suf))
	}
	var scratch lexSum
	for _, l := range tf.lex {
		if l == 0 {
			break
		}
		ls := &scratch
		if kind, v := l>>8&0x7f, l&0xff; int(kind) < len(m.lexSums) && int(v) < len(m.lexSums[kind]) {
			ls = &m.lexSums[kind][v]
		} else {
			m.lexSum(ls, l)
		}
		addSums(&f.own, &ls.own)
		for prev := range nTags {
			addSums(&f.prevLex[prev], &ls.prevLex[prev])
		}
		addSums(&f.nb[nbPrev], &ls.nb[nbPrev])
		addSums(&f.nb[nbNext], &ls.nb[nbNext])
		addSums(&f.nb[nbNext2], &ls.nb[nbNext2])
	}
}

// addSums adds v to sc.
func addSums(sc, v *[nTags]int32) {
	sc[0] += v[0]
	sc[1] += v[1]
	sc[2] += v[2]
	sc[3] += v[3]
	sc[4] += v[4]
}

func bucketOf(n int32, cuts ...int32) uint16 {
	for i, c := range cuts {
		if n < c {
			return uint16(i)
		}
	}
	return uint16(len(cuts))
}

func (d *detector) tokFeatures(i int) tokFeat {
	t := &d.toks[i]
	var f tokFeat
	s := t.stem()
	f.word = strHash(s)
	if len(s) > 3 {
		f.suf = strHash(s[len(s)-3:])
	}
	f.shape = d.shapeOf(i)
	e := t.lx
	n := 0
	put := func(kind, v uint16) {
		if n < len(f.lex) {
			f.lex[n] = kind<<8 | v | 0x8000
			n++
		}
	}
	put(1, bucketOf(e.given, 1, 20, 500, 5000, 50000))
	if e.surname > 0 {
		put(2, bucketOf(e.surname, 1000, 10000, 50000))
	} else {
		put(2, 7)
	}
	put(3, bucketOf(int32(e.level), 1, 20, 40, 60, 80))
	if e.place > 0 {
		put(4, bucketOf(e.place, 2, 5, 20))
	}
	fl := (t.lx.flags | t.lxl.flags)
	for k, lf := range lexFeatFlags {
		if fl&lf != 0 {
			put(5, uint16(k))
		}
	}
	return f
}

// shapeOf is the shape code of token i (tokFeat.shape).
func (d *detector) shapeOf(i int) uint8 {
	t := &d.toks[i]
	s := t.stem()
	var sh uint8
	switch {
	case t.digits || t.hasDigit:
		sh = 1
	case !t.alpha:
		sh = 2
	case t.upper && len(s) == 1:
		sh = 3
	case t.upper:
		sh = 4
	case t.cap:
		sh = 5
	default:
		sh = 6
	}
	if len(s) == 1 {
		sh |= 8
	}
	if t.nk != numNone {
		sh |= 16
	}
	if t.sentStart {
		sh |= 32
	}
	if d.lower {
		sh |= 64
	}
	return sh
}

// tagFeatures appends the feature buckets of token i to dst, given the
// per-token features and the previous token's tag.
func tagFeatures(dst []uint32, tf []tokFeat, i int, prev int) []uint32 {
	const bos, eos = tagBOS, tagEOS
	w := func(k int) uint64 {
		if k < 0 {
			return bos
		}
		if k >= len(tf) {
			return eos
		}
		return tf[k].word
	}
	sh := func(k int) uint64 {
		if k < 0 || k >= len(tf) {
			return 255
		}
		return uint64(tf[k].shape)
	}
	t := &tf[i]
	dst = append(dst,
		feat(fBias, 0),
		feat(fWord, t.word),
		feat(fWordPrev, w(i-1)),
		feat(fWordNext, w(i+1)),
		feat(fWordPrev2, w(i-2)),
		feat(fWordNext2, w(i+2)),
		feat(fBigramPrev, w(i-1)*31+t.word),
		feat(fBigramNext, t.word*31+w(i+1)),
		feat(fShape, uint64(t.shape)),
		feat(fShapePrevNext, sh(i-1)<<16|uint64(t.shape)<<8|sh(i+1)),
		feat(fPrevTag, uint64(prev)),
		feat(fPrevTagShape, uint64(prev)<<8|uint64(t.shape)),
		feat(fMode, uint64(t.shape&64)),
	)
	if t.suf != 0 {
		dst = append(dst, feat(fSuffix3, t.suf))
	}
	for _, l := range t.lex {
		if l == 0 {
			break
		}
		dst = append(dst, feat(fLex, uint64(l)), feat(fPrevTagLex, uint64(prev)<<16|uint64(l)))
	}
	for _, k := range [...]struct {
		off  int
		tmpl int
	}{{-1, fLexPrev}, {1, fLexNext}, {2, fLexNext2}} {
		j := i + k.off
		if j < 0 || j >= len(tf) {
			continue
		}
		for _, l := range tf[j].lex {
			if l == 0 {
				break
			}
			if l>>8&0x7f == 5 { // word-list flags of neighbours only
				dst = append(dst, feat(k.tmpl, uint64(l)))
			}
		}
	}
	return dst
}

// taggable: a token the tagger may put inside an identifier of tag tg.
func (d *detector) taggable(i int, tg uint8) bool {
	t := &d.toks[i]
	if d.used[i] || t.label || t.aposStem || d.inPhrase != nil && d.inPhrase[i] || d.excluded(i) {
		return false
	}
	// A mention of an identifier another detector found ("-Altoona" after
	// "Altoona", a phone number again) is left to propagation, which gives
	// it that identifier's placeholder; the tagger would make it a new one.
	if d.mentionsFound(i) {
		return false
	}
	if tg == tagID { // "oh" is a digit here
		return t.hasDigit || t.nk != numNone || t.alpha && len(t.stem()) == 1
	}
	if (t.lx.flags|t.lxl.flags)&lfClinical != 0 || t.lx.month != 0 || t.filler {
		return false
	}
	for k := i + 1; k < len(d.toks) && k <= i+2 && d.joined(k-1); k++ {
		if d.toks[k].is(lfClinical) || diagnosisTails[d.toks[k].low] {
			return false // a clinical term's modifier ("major depressive disorder")
		}
	}
	if t.hasDot || !d.lower && t.upper && len(t.stem()) <= 5 {
		return false // "p.m.", an acronym ("SI", "HI", "IOP")
	}
	return t.alpha && t.nk == numNone
}

// nameLike: a word that can carry a name of tag tg: capitalised
// mid-sentence in cased text, no English word, a common given name used as a
// person's name ("Hope", "Will"), or a facility or organisation head.
func (d *detector) nameLike(i int, tg uint8) bool {
	t := &d.toks[i]
	e := t.lx
	if t.is(lfFnWord) {
		return false
	}
	if e.level == 0 || t.is(lfFacilityHead|lfOrgHead|lfPlaceHead) {
		return true
	}
	if tg == tagName {
		// an everyday word is a person's name only where the words around
		// it make it one ("so Champ texted me", "me and sky")
		return (e.given >= 1000 || !d.lower && t.cap && !t.sentStart) && (d.personCue(i) || d.personContext(i))
	}
	// a capitalised common word names a place only when it is rare ("in
	// Teams", "in Inpatient" name none)
	return !d.lower && t.cap && !t.sentStart && e.level >= 50
}

// tagLine tags tf (the features of one line's tokens) greedily left to
// right into tags, with each tag's margin over O.
func (m *taggerModel) tagLine(tf []tokFeat, tags []uint8, margins []int32, buf []uint32) []uint32 {
	prev := tagO
	for i := range tf {
		buf = tagFeatures(buf[:0], tf, i, prev)
		var sc [nTags]int32
		rows := m.rows
		for _, b := range buf {
			row := &rows[uint16(b)]
			sc[0] += int32(row[0])
			sc[1] += int32(row[1])
			sc[2] += int32(row[2])
			sc[3] += int32(row[3])
			sc[4] += int32(row[4])
		}
		best := tagO
		for k := 1; k < nTags; k++ {
			if sc[k] > sc[best] {
				best = k
			}
		}
		tags[i] = uint8(best)
		margins[i] = sc[best] - sc[tagO]
		prev = best
	}
	return buf
}

// tagLineForms is tagLine over the form sums of the tokens (tf[i].form
// indexes forms): the same features, the same integer sums in another
// order, so the same tags and margins (TestTagLineFormsSame).
func (m *taggerModel) tagLineForms(tf []tokFeat, forms []formSums, tags []uint8, margins []int32) {
	const bos, eos = tagBOS, tagEOS
	n := len(tf)
	w := func(k int) uint64 {
		if k < 0 {
			return bos
		}
		if k >= n {
			return eos
		}
		return tf[k].word
	}
	sh := func(k int) uint64 {
		if k < 0 || k >= n {
			return 255
		}
		return uint64(tf[k].shape)
	}
	add := func(sc, v *[nTags]int32) {
		sc[0] += v[0]
		sc[1] += v[1]
		sc[2] += v[2]
		sc[3] += v[3]
		sc[4] += v[4]
	}
	prev := tagO
	for i := range tf {
		t := &tf[i]
		f := &forms[t.form]
		sc := m.shapeSums[prev][t.shape&127]
		add(&sc, &f.own)
		add(&sc, &f.prevLex[prev])
		// the neighbours' words and word-list flags; the features of a
		// neighbour past either end of the stretch have their own buckets
		// (bos, eos) and no flags
		if i > 0 {
			add(&sc, &forms[tf[i-1].form].nb[nbPrev])
		} else {
			add(&sc, &m.ends[nbPrev])
		}
		if i+1 < n {
			add(&sc, &forms[tf[i+1].form].nb[nbNext])
		} else {
			add(&sc, &m.ends[nbNext])
		}
		if i+2 < n {
			add(&sc, &forms[tf[i+2].form].nb[nbNext2])
		} else {
			add(&sc, &m.ends[nbNext2])
		}
		if i > 1 {
			add(&sc, &forms[tf[i-2].form].nb[nbPrev2])
		} else {
			add(&sc, &m.ends[nbPrev2])
		}
		m.addRow(&sc, feat(fBigramPrev, w(i-1)*31+t.word))
		m.addRow(&sc, feat(fBigramNext, t.word*31+w(i+1)))
		m.addRow(&sc, feat(fShapePrevNext, sh(i-1)<<16|uint64(t.shape)<<8|sh(i+1)))
		best := tagO
		for k := 1; k < nTags; k++ {
			if sc[k] > sc[best] {
				best = k
			}
		}
		tags[i] = uint8(best)
		margins[i] = sc[best] - sc[tagO]
		prev = best
	}
}

// prioTagger is below the backstop: a tagger span joins only where no other
// recognizer found anything.
const prioTagger = 10

// lines calls f with the token range of every line.
func (d *detector) lines(f func(a, b int)) {
	a := 0
	for i := 1; i <= len(d.toks); i++ {
		if i == len(d.toks) || d.toks[i].lineStart {
			if a < i {
				f(a, i)
			}
			a = i
		}
	}
}

// statTagger runs the tagger over each line and adds the runs it tags that
// no recognizer took.
func (d *detector) statTagger(m *taggerModel) {
	if m == nil {
		return
	}
	var tf []tokFeat
	var tags []uint8
	var margins []int32
	var buf []uint32
	d.lines(func(la, lb int) {
		// tag only the stretches around words that could be in a span
		// (tagWorthy), with four words of context either side
		for a := la; a < lb; {
			for a < lb && !d.tagWorthy(a) {
				a++
			}
			if a == lb {
				return
			}
			b := a + 1
			for k := a + 1; k < lb && k <= b+8; k++ {
				if d.tagWorthy(k) {
					b = k + 1
				}
			}
			// a spelled identifier runs on over number words and letters
			for b < lb && !d.used[b] && (d.toks[b].nk != numNone || d.toks[b].hasDigit || d.toks[b].alpha && len(d.toks[b].stem()) == 1) {
				b++
			}
			sa, sb := max(la, a-4), min(lb, b+4)
			tf, tags, margins, buf = d.tagStretch(m, sa, sb, tf, tags, margins, buf)
			a = sb
		}
	})
}

// tagStretch tags tokens [a, b) and adds the runs it tags that no
// recognizer took.
func (d *detector) tagStretch(m *taggerModel, a, b int, tf []tokFeat, tags []uint8, margins []int32, buf []uint32) ([]tokFeat, []uint8, []int32, []uint32) {
	{
		tf = tf[:0]
		tags = append(tags[:0], make([]uint8, b-a)...)
		margins = append(margins[:0], make([]int32, b-a)...)
		if forms := d.tokForms(m, a, b, tf); forms != nil {
			tf = d.bufs.tf
			m.tagLineForms(tf, forms, tags, margins)
		} else {
			for i := a; i < b; i++ {
				tf = append(tf, d.tokFeatures(i))
			}
			buf = m.tagLine(tf, tags, margins, buf)
		}
		for i := a; i < b; i++ {
			tg := tags[i-a]
			if tg == tagO || !d.taggable(i, tg) {
				continue
			}
			j, sum := i+1, margins[i-a]
			for j < b && tags[j-a] == tg && d.joined(j-1) && d.taggable(j, tg) {
				sum += margins[j-a]
				j++
			}
			avg := sum / int32(j-i)
			k, l := i, j
			for tg != tagID && k < l && d.toks[k].is(lfFnWord|lfAnd) {
				k++
			}
			for tg != tagID && l > k && d.toks[l-1].is(lfFnWord|lfAnd) {
				l--
			}
			if k < l && avg >= m.threshold && d.tagRunOK(k, l, tg) {
				nc := len(d.cands)
				d.add(k, l, tagTypes[tg], prioTagger)
				if len(d.cands) > nc && (tg == tagName || tg == tagLoc) {
					d.cands[nc].unclear = true
				}
			}
			i = j - 1
		}
	}
	return tf, tags, margins, buf
}

// tokForms sets d.bufs.tf to the features of tokens [a, b) with their
// form sums, computing the sums of a form the first time it is met, and
// returns the sums; nil when a token has no form number (no look-up cache)
// or the detector has no buffers: then tagLine computes every feature.
func (d *detector) tokForms(m *taggerModel, a, b int, tf []tokFeat) []formSums {
	bf := d.bufs
	if bf == nil || d.slowTagger {
		return nil
	}
	for i := a; i < b; i++ {
		if d.toks[i].fid == 0 {
			return nil
		}
	}
	if bf.formsModel != m {
		bf.formsModel = m
		if bf.gen++; bf.gen == 0 { // sums of another model are stale
			bf.gen = 1
		}
	}
	tf = bf.tf[:0]
	for i := a; i < b; i++ {
		t := &d.toks[i]
		fid := int(t.fid)
		if fid >= len(bf.forms) {
			bf.forms = append(bf.forms, make([]formSums, fid+1-len(bf.forms)+len(bf.forms)/2)...)
		}
		f := &bf.forms[fid]
		if f.gen != bf.gen {
			full := d.tokFeatures(i)
			f.gen = bf.gen
			m.fill(f, &full)
		}
		tf = append(tf, tokFeat{word: f.word, shape: d.shapeOf(i), form: int32(fid)})
	}
	bf.tf = tf
	return bf.forms
}

// tagRunOK: a run worth a span: an ID of three tokens or more, or with a
// digit; anything else with a name-like word of two letters or more.
func (d *detector) tagRunOK(i, j int, tg uint8) bool {
	if tg == tagID {
		// a lone digit ("0") identifies nothing by itself
		digits := 0
		for _, r := range d.text[d.toks[i].s:d.toks[j-1].e] {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		return j-i >= 3 || d.toks[i].hasDigit && digits >= 2
	}
	named, heads := false, true
	for k := i; k < j; k++ {
		t := &d.toks[k]
		head := t.is(lfFacilityHead | lfOrgHead | lfPlaceHead | lfStreetType)
		if !head && len(t.stem()) >= 2 && d.nameLike(k, tg) && (d.lower || t.lx.level == 0 || !t.sentStart) {
			named = true
		}
		if !head && t.lx.level != 0 {
			heads = false
		}
	}
	if named {
		return true
	}
	// heads alone ("er", "medical center") or words no dictionary holds
	// name nothing by themselves; they only finish an identifier found right
	// before or after them ("saint brigid er", "von" before a surname)
	// (not after a possessive: "Tyler's place" is no facility)
	return heads && (i > 0 && d.used[i-1] && d.joined(i-1) && d.toks[i-1].stemCut == 0 || j < len(d.toks) && d.used[j] && d.joined(j-1))
}

// diagnosisTails end the names of diagnoses; the words before them are no
// identifier.
var diagnosisTails = set(`disorder disorders syndrome disease episode depression anxiety psychosis dementia`)

// tagWorthy reports whether token i could be inside a span statTagger
// would add (see taggable, nameLike and tagRunOK): an unused word that no
// dictionary holds, a head, a given name, a capital mid-sentence in cased
// text, a token with a digit or a single letter. The tagger looks only at
// the stretches around such words.
func (d *detector) tagWorthy(i int) bool {
	t := &d.toks[i]
	if d.used[i] || t.label {
		return false
	}
	if t.hasDigit {
		return true
	}
	if !t.alpha {
		return false
	}
	if len(t.stem()) == 1 {
		return t.low != "a" && t.low != "i" // these two only inside a stretch another token opens
	}
	if t.lx.level == 0 || !d.lower && t.cap && !t.sentStart || t.is(lfFacilityHead|lfOrgHead|lfPlaceHead) {
		return true
	}
	return t.lx.given >= 1000 && (d.personCue(i) || d.personContext(i))
}

// mentionsFound reports whether token i's text, or a run of its letters,
// is the whole text of a span already found.
func (d *detector) mentionsFound(i int) bool {
	t := &d.toks[i]
	raw := d.text[t.s:t.e]
	word := ""
	if a, b, ok := asciiAlnumCore(raw); ok {
		// ASCII: lower-casing keeps the length and EqualFold ignores case
		word = raw[a:b]
	} else {
		word = strings.ToLower(strings.TrimFunc(raw, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
	}
	if word == "" {
		return false
	}
	// candidates by length, indexed as they are added
	if d.candsByLen == nil {
		d.candsByLen = map[int][]int32{}
	}
	for ; d.candsIndexed < len(d.cands); d.candsIndexed++ {
		c := &d.cands[d.candsIndexed]
		d.candsByLen[c.e-c.s] = append(d.candsByLen[c.e-c.s], int32(d.candsIndexed))
	}
	for _, k := range d.candsByLen[len(word)] {
		c := &d.cands[k]
		if strings.EqualFold(d.text[c.s:c.e], word) && (c.s != int(t.s) || c.e != int(t.e)) {
			return true
		}
	}
	return false
}

// asciiAlnumCore returns the bounds of s without the bytes at either end
// that are no ASCII letter or digit, and false when s has a byte that is
// not ASCII.
func asciiAlnumCore(s string) (a, b int, ok bool) {
	for k := 0; k < len(s); k++ {
		if s[k] >= utf8.RuneSelf {
			return 0, 0, false
		}
	}
	isAlnum := func(c byte) bool { return byteClass[c]&(bLetter|bDigit) != 0 }
	a, b = 0, len(s)
	for a < b && !isAlnum(s[a]) {
		a++
	}
	for b > a && !isAlnum(s[b-1]) {
		b--
	}
	return a, b, true
}
