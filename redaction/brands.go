package redaction

// brandNames finds the chains of the brands list: "works nights at the
// Dollar General", "picked up shifts at costco", "the Walgreens on Main".
// A chain whose name is also an everyday word ("Target", "Subway",
// "Sonic") needs a capital in cased text or "at"/"from"/"to"/"for" before it
// in lower-case speech.
func (d *detector) brandNames() {
	n := len(d.toks)
	var b []byte
	for _, ti := range d.trig[trBrand] {
		i := int(ti)
		t := &d.toks[i]
		if !t.lowIs(lfBrandFirst) && !t.is(lfBrandFirst) || d.used[i] || t.label {
			continue
		}
		for w := 4; w >= 1; w-- {
			if i+w > n {
				continue
			}
			ok := true
			b = b[:0]
			for k := i; k < i+w; k++ {
				if d.used[k] || d.toks[k].label || k > i && !d.joined(k-1) {
					ok = false
					break
				}
				if k > i {
					b = append(b, ' ')
				}
				b = append(b, d.toks[k].low...)
			}
			if !ok {
				continue
			}
			e := d.g.lex.get(string(b))
			if e.flags&lfBrand == 0 && d.toks[i+w-1].stemCut > 0 {
				// "Walgreens'" or "Kroger's" written as a possessive
				b = b[:len(b)-int(d.toks[i+w-1].stemCut)]
				e = d.g.lex.get(string(b))
			}
			if e.flags&lfBrand == 0 {
				continue
			}
			if w == 1 && e.level > 0 && e.level <= 50 {
				// an everyday word: "target", "subway", "sonic"
				prev := d.low(i - 1)
				cue := prev == "at" || prev == "from" || prev == "to" || prev == "for" || prev == "the" && (d.low(i-2) == "at" || d.low(i-2) == "from")
				if d.lower && !cue || !d.lower && (!t.cap || t.sentStart && !cue) {
					continue
				}
			}
			if !d.lower && !t.cap && e.level > 0 {
				continue // cased text: a lower-case brand word is the word
			}
			d.add(i, i+w, TypeOrg, 57)
			i += w - 1
			break
		}
	}
}
