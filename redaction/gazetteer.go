package redaction

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/*.txt.gz
var dataFS embed.FS

// gazetteers are read-only after load and shared by every Session.
type gazetteers struct {
	// lex holds the four embedded lists (given names with total US births,
	// surnames with census rank, US places with their number of ZIP codes,
	// English words with their SCOWL level) and the package's own word lists,
	// one entry per lower-case form.
	lex *lexicon
	// tag is the statistical layer's model (tagger.go)
	tag *taggerModel
}

// taggerTraining is set while the tagger's weights are trained (go
// generate): the weights being replaced are not loaded.
var taggerTraining bool

var (
	gazOnce sync.Once
	gaz     *gazetteers
	gazErr  error
)

func loadGazetteers() (*gazetteers, error) {
	gazOnce.Do(func() {
		lex := newLexBuilder(1 << 18)
		for _, f := range []struct {
			name string
			set  func(e *lexEntry, n int32)
		}{
			{"given", func(e *lexEntry, n int32) { e.given = n }},
			{"surnames", func(e *lexEntry, n int32) { e.surname = n }},
			{"places", func(e *lexEntry, n int32) { e.place = n }},
			{"words", func(e *lexEntry, n int32) { e.level = uint8(min(n, 255)) }},
		} {
			if err := readList("data/"+f.name+".txt.gz", func(k string, n int32) { f.set(lex.add(k), n) }); err != nil {
				gazErr = err
				return
			}
		}
		lex.addLists()
		// first words of multi-word place names
		for i, n := 1, len(lex.entries); i < n; i++ {
			if lex.entries[i].place != 0 {
				if f, _, ok := strings.Cut(lex.keys[i], " "); ok {
					lex.add(f).flags |= lfPlaceFirst
				}
			}
		}
		frozen, err := lex.build()
		if err != nil {
			gazErr = err
			return
		}
		var tag *taggerModel
		if !taggerTraining {
			if tag, err = loadTagger(); err != nil {
				gazErr = err
				return
			}
		}
		gaz = &gazetteers{lex: frozen, tag: tag}
	})
	return gaz, gazErr
}

// readList calls add for every entry of an embedded gazetteer.
func readList(path string, add func(k string, n int32)) error {
	raw, err := dataFS.ReadFile(path)
	if err != nil {
		return fmt.Errorf("redaction: embedded gazetteer %s missing: %w", path, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("redaction: embedded gazetteer %s is not gzip: %w", path, err)
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		line := sc.Text()
		k, v, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("redaction: embedded gazetteer %s has a malformed line", path)
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("redaction: embedded gazetteer %s has a malformed number: %w", path, err)
		}
		if n < 0 || n > math.MaxInt32 {
			return fmt.Errorf("redaction: embedded gazetteer %s has a number out of range", path)
		}
		add(k, int32(n)) // #nosec G109 -- 0 <= n <= MaxInt32 is checked just above
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("redaction: reading embedded gazetteer %s: %w", path, err)
	}
	return nil
}
