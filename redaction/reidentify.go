package redaction

import "strings"

// Reidentify puts the originals back for an authorised viewer. Placeholders
// that are not in m (for example ones a model invented) are left visible as
// they are and returned in unknown, each once, in order of appearance.
func Reidentify(text string, m TokenMap) (out string, unknown []string) {
	var b strings.Builder
	b.Grow(len(text))
	seen := map[string]bool{}
	i := 0
	for i < len(text) {
		k := strings.IndexByte(text[i:], '[')
		if k < 0 {
			break
		}
		k += i
		e := strings.IndexByte(text[k:], ']')
		if e < 0 {
			break
		}
		e += k + 1
		ph := text[k:e]
		if _, _, ok := parsePlaceholder(ph); !ok || strings.ContainsAny(ph[1:len(ph)-1], "[ \n") || !isUpperType(ph) {
			b.WriteString(text[i : k+1])
			i = k + 1
			continue
		}
		b.WriteString(text[i:k])
		if orig, ok := m[ph]; ok {
			b.WriteString(orig)
		} else {
			b.WriteString(ph)
			if !seen[ph] {
				seen[ph] = true
				unknown = append(unknown, ph)
			}
		}
		i = e
	}
	b.WriteString(text[i:])
	return b.String(), unknown
}

func isUpperType(ph string) bool {
	typ, _, _ := parsePlaceholder(ph)
	for i := 0; i < len(typ); i++ {
		if typ[i] < 'A' || typ[i] > 'Z' {
			return false
		}
	}
	return typ != ""
}
