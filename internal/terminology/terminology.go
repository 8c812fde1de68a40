// Package terminology holds the code lists Scribe suggests from, as data
// embedded in the binary: CPT codes for behavioral-health services (with
// descriptions written by the project, not the AMA's), the ICD-10-CM subset
// for mental, behavioural and neurodevelopmental disorders and the Z-codes
// behavioural health uses, and the LOINC codes of the screening
// instruments. data/SOURCES.md gives each file's source and licence.
package terminology

import (
	"bufio"
	"embed"
	"fmt"

	"strings"
	"sync"
)

// Version names the editions of the embedded lists.
const Version = "icd10cm-FY2025-bh-subset; cpt-bh-2025; loinc-instruments-1"

// Code systems (FHIR URIs).
const (
	SystemCPT   = "http://www.ama-assn.org/go/cpt"
	SystemICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
	SystemLOINC = "http://loinc.org"
)

//go:embed data/*.tsv
var files embed.FS

// Term is one code of a list.
type Term struct {
	System  string
	Code    string
	Kind    string // CPT only: intake, psychotherapy, crisis, crisis-addon, family, group, addon
	Display string
}

type list struct {
	byCode map[string]Term
	order  []string
}

var (
	once  sync.Once
	lists map[string]list
	err   error
)

func load() {
	lists = map[string]list{}
	for system, name := range map[string]string{SystemCPT: "data/cpt.tsv", SystemICD10: "data/icd10cm-bh.tsv", SystemLOINC: "data/loinc.tsv"} {
		l, e := parse(system, name)
		if e != nil {
			err = e
			return
		}
		lists[system] = l
	}
}

func parse(system, name string) (list, error) {
	b, e := files.ReadFile(name)
	if e != nil {
		return list{}, e
	}
	l := list{byCode: map[string]Term{}}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		t := Term{System: system, Code: f[0]}
		switch {
		case system == SystemCPT && len(f) == 3:
			t.Kind, t.Display = f[1], f[2]
		case system != SystemCPT && len(f) == 2:
			t.Display = f[1]
		default:
			return list{}, fmt.Errorf("terminology: %s line %d: want tab-separated fields", name, n)
		}
		if _, dup := l.byCode[t.Code]; dup {
			return list{}, fmt.Errorf("terminology: %s line %d: code %s twice", name, n, t.Code)
		}
		l.byCode[t.Code] = t
		l.order = append(l.order, t.Code)
	}
	return l, sc.Err()
}

// Lookup returns the code of a system, and whether the list holds it.
func Lookup(system, code string) (Term, bool) {
	once.Do(load)
	t, ok := lists[system].byCode[code]
	return t, ok
}

// All returns a system's codes in the file's order.
func All(system string) []Term {
	once.Do(load)
	l := lists[system]
	out := make([]Term, 0, len(l.order))
	for _, c := range l.order {
		out = append(out, l.byCode[c])
	}
	return out
}

// Check reports a malformed embedded file (tests and `scribe doctor`).
func Check() error {
	once.Do(load)
	if err != nil {
		return err
	}
	for _, s := range []string{SystemCPT, SystemICD10, SystemLOINC} {
		if len(lists[s].order) == 0 {
			return fmt.Errorf("terminology: no codes for %s", s)
		}
	}
	return nil
}

// ValidICD10Shape reports whether code has the shape of an ICD-10-CM code
// (a letter, two characters, then an optional dot and up to four more), so a
// clinician may type a code the curated subset does not hold.
func ValidICD10Shape(code string) bool {
	if len(code) < 3 || len(code) > 8 || code[0] < 'A' || code[0] > 'Z' {
		return false
	}
	rest := code[1:]
	head, tail, dotted := strings.Cut(rest, ".")
	if len(head) != 2 || (dotted && (len(tail) == 0 || len(tail) > 4)) || (!dotted && len(rest) != 2) {
		return false
	}
	for _, r := range head + tail {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return head[0] >= '0' && head[0] <= '9'
}
