package redaction

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/*.txt.gz
var dataFS embed.FS

// gazetteers are read-only after load and shared by every Session.
type gazetteers struct {
	given    map[string]int // given name → total US births
	surnames map[string]int // surname → census frequency rank
	places   map[string]int // US place name → number of ZIP codes
	words    map[string]int // English word → SCOWL level (10 common … 70 rare)
	// placeFirst: first words of multi-word place names
	placeFirst map[string]bool
}

var (
	gazOnce sync.Once
	gaz     *gazetteers
	gazErr  error
)

func loadGazetteers() (*gazetteers, error) {
	gazOnce.Do(func() {
		g := &gazetteers{}
		for _, f := range []struct {
			name string
			dst  *map[string]int
		}{
			{"given", &g.given}, {"surnames", &g.surnames}, {"places", &g.places}, {"words", &g.words},
		} {
			m, err := readList("data/" + f.name + ".txt.gz")
			if err != nil {
				gazErr = err
				return
			}
			*f.dst = m
		}
		g.placeFirst = map[string]bool{}
		for p := range g.places {
			if f, _, ok := strings.Cut(p, " "); ok {
				g.placeFirst[f] = true
			}
		}
		gaz = g
	})
	return gaz, gazErr
}

func readList(path string) (map[string]int, error) {
	raw, err := dataFS.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("redaction: embedded gazetteer %s missing: %w", path, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("redaction: embedded gazetteer %s is not gzip: %w", path, err)
	}
	defer zr.Close()
	m := make(map[string]int, 1<<16)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		line := sc.Text()
		k, v, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("redaction: embedded gazetteer %s has a malformed line", path)
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("redaction: embedded gazetteer %s has a malformed number: %w", path, err)
		}
		m[k] = n
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("redaction: reading embedded gazetteer %s: %w", path, err)
	}
	return m, nil
}

// wordLevel returns the SCOWL level of an English word, or 0 when it is not a
// known English word.
func (g *gazetteers) wordLevel(w string) int { return g.words[w] }

// commonWord reports whether w is an everyday English word (levels 10–35).
func (g *gazetteers) commonWord(w string) bool {
	l := g.words[w]
	return l > 0 && l <= 35
}
