package redaction

import "strings"

var dobCue = set(`birth born dob birthday b-day bday birthdate`)
var monthPrep = set(`in since until till of early late mid end beginning through last next this by around before after from`)
var notDayNoun = set(`step steps tradition grade floor time times week weeks day days year years month months session
sessions attempt attempts place person one ones shift round chapter page level dose try inning lesson module group
meeting meetings visit visits appointment child kid baby`)

// dayAt parses a day of month at token i: "3rd", "14", "twenty third",
// "thirty-first", "second". It returns the token after the day.
func (d *detector) dayAt(i int, allowCardinal bool) (next int, ok bool) {
	if i >= len(d.toks) || d.toks[i].label {
		return i, false
	}
	v, k := d.toks[i].num()
	switch k {
	case numOrdinal:
		return i + 1, v >= 1 && v <= 31
	case numDigits:
		return i + 1, allowCardinal && v >= 1 && v <= 31 && len(d.toks[i].low) <= 2
	case numTens:
		if v == 20 || v == 30 {
			if i+1 < len(d.toks) && d.joined(i) {
				if u, k2 := d.toks[i+1].num(); k2 == numOrdinal && u < 10 && v+u <= 31 {
					return i + 2, true
				}
				if u, k2 := d.toks[i+1].num(); allowCardinal && k2 == numUnit && u > 0 && v+u <= 31 {
					return i + 2, true
				}
			}
			return i + 1, allowCardinal
		}
	case numUnit, numTeen:
		return i + 1, allowCardinal && v >= 1
	case numCompound:
		return i + 1, allowCardinal && v <= 31
	}
	return i, false
}

// yearAt parses a year: "2023", "'23", "twenty twenty three", "nineteen ninety", "two thousand nine".
func (d *detector) yearAt(i int) (next int, ok bool) {
	if i >= len(d.toks) {
		return i, false
	}
	t := &d.toks[i]
	if t.digits && (len(t.low) == 4 && (t.low[0] == '1' || t.low[0] == '2') || len(t.low) == 2) {
		return i + 1, true
	}
	v, k := t.num()
	if (k == numTeen && v >= 18) || (k == numTens && v == 20) {
		j := i + 1
		if j < len(d.toks) && d.joined(j-1) {
			if _, k2 := d.toks[j].num(); k2 == numTens || k2 == numCompound || k2 == numTeen {
				j++
				if j < len(d.toks) && d.toks[j].nk == numUnit && d.joined(j-1) {
					j++
				}
				return j, true
			}
			if d.toks[j].low == "hundred" || d.toks[j].low == "oh" {
				return j + 1, true
			}
		}
	}
	if t.low == "two" && d.low(i+1) == "thousand" {
		j := i + 2
		if j < len(d.toks) {
			if k := d.toks[j].nk; k == numUnit || k == numTeen || k == numTens || k == numCompound {
				j++
				if j < len(d.toks) && d.toks[j].nk == numUnit {
					j++
				}
			}
		}
		return j, true
	}
	return i, false
}

func (d *detector) isMonth(i int) bool {
	t := &d.toks[i]
	m := int(t.lx.month)
	if m == 0 || t.label {
		return false
	}
	if len(t.low) <= 4 && t.low != "may" && t.low != "june" && t.low != "july" {
		// abbreviation: needs a capital and a following day
		if !t.cap {
			return false
		}
		_, dayOK := d.dayAt(i+1, true)
		return dayOK
	}
	if m == 5 || m == 3 || m == 8 {
		// may / march / august are also ordinary words or names
		if _, ok := d.dayAt(i+1, true); ok && d.joined(i) {
			return true
		}
		if _, ok := d.dayAt(i+2, false); ok && d.low(i+1) == "the" && d.joined(i) && d.joined(i+1) {
			return true // "March the fifth"
		}
		if _, ok := d.yearAt(i + 1); ok && d.joined(i) {
			return true
		}
		if i > 0 && d.toks[i-1].low == "of" {
			if _, ok := d.toks[max(i-2, 0)].num(); ok == numOrdinal {
				return true
			}
		}
		if i > 0 && d.toks[i-1].lowIs(lfMonthPrep) && d.joined(i-1) {
			nx := d.low(i + 1)
			if m == 8 && !d.lower && !t.cap {
				return false
			}
			return !(m == 5 && (nx == "be" || nx == "have" || nx == "not" || nx == "need" || nx == "want" || nx == "help" || nx == "i" || nx == "we" || nx == "you" || nx == "get"))
		}
		if m == 5 && t.cap && !t.sentStart {
			return true
		}
		// "on 3 may", "since the 4th may": a day right before, a date word before it
		if i >= 2 && d.joined(i-1) {
			if pv, pk := d.toks[i-1].num(); (pk == numDigits && len(d.toks[i-1].low) <= 2 || pk == numOrdinal) && pv >= 1 && pv <= 31 &&
				d.lowIs(i-2, lfMonthPrep|lfDatePrep) {
				return true
			}
		}
		return false
	}
	return true
}

// dates finds date elements finer than a year.
func (d *detector) dates() {
	n := len(d.toks)
	next := 0 // a date ends before it
	for _, ti := range d.trig[trDate] {
		i := int(ti)
		if i < next || d.used[i] || d.toks[i].label {
			continue
		}
		t := &d.toks[i]
		start, end := i, -1
		switch {
		case d.isMonth(i):
			end = i + 1
			// month day[,] [year]
			if d.low(i+1) == "of" {
				if ny, ok := d.yearAt(i + 2); ok {
					end = ny
				}
			} else if nx, ok := d.dayAt(i+2, false); ok && d.low(i+1) == "the" && d.joined(i) && d.joined(i+1) {
				end = nx // "March the fifth"
			} else if nx, ok := d.dayAt(i+1, true); ok && d.joinedLoose(i) {
				end = nx
				if d.low(end) == "of" {
					if ny, ok := d.yearAt(end + 1); ok {
						end = ny
					}
				} else if ny, ok := d.yearAt(end); ok && d.joinedLoose(end-1) {
					end = ny
				}
			} else if ny, ok := d.yearAt(i + 1); ok && d.joined(i) {
				end = ny
			}
			// "14 February 2024", "3rd March": the day before the month
			if i >= 1 && d.joinedLoose(i-1) && !d.used[i-1] {
				if pv, pk := d.toks[i-1].num(); pk == numOrdinal && pv >= 1 && pv <= 31 ||
					pk == numDigits && pv >= 1 && pv <= 31 && len(d.toks[i-1].low) <= 2 {
					start = i - 1
				}
			}
			// "the 4th of July"
			if i >= 2 && d.toks[i-1].low == "of" {
				if _, ok := d.dayAt(i-2, false); ok {
					start = i - 2
				} else if i >= 3 && d.toks[i-2].low != "" {
					if _, ok := d.toks[i-2].num(); ok == numOrdinal {
						start = i - 2
						if d.toks[i-3].nk == numTens {
							start = i - 3
						}
					}
				}
			}
		case t.low == "the" && i+1 < n && d.digitDay(i+1) > 0:
			// a day read digit by digit: "on the one-eight", "on the two seven"
			start, end = i+1, i+1+d.digitDay(i+1)
		case t.low == "the" && i+1 < n:
			// "the 14th", "the twenty third" (not "the third step")
			if nx, ok := d.dayAt(i+1, false); ok {
				if nx < n && d.toks[nx].lowIs(lfNotDayNoun) || d.low(nx) == "of" && !d.monthAt(nx+1) {
					break
				}
				if d.low(nx) == "of" {
					break // handled by the month branch
				}
				start, end = i+1, nx
			}
		case t.hasDigit && strings.ContainsAny(t.low, "/-."):
			if numericDate(t.low) && !d.doseContext(i) {
				start, end = i, i+1
			} else if shortDashDate(t.low) && d.lowIs(i-1, lfMonthPrep|lfDatePrep) && !d.doseContext(i) {
				start, end = i, i+1 // "on 7-22", "since 3-14"
			}
		}
		if end < 0 {
			continue
		}
		// a weekday right before belongs to the date: "Wednesday the 23rd", "Friday, March 3"
		if start > 0 && d.toks[start-1].lowIs(lfWeekday) {
			start--
		} else if start > 1 && d.toks[start-1].low == "the" && d.toks[start-2].lowIs(lfWeekday) {
			start -= 2
		}
		d.add(start, end, TypeDate, 75)
		next = end
	}
	// spoken dates of birth: "date of birth eleven seventeen fifty-six", also
	// answered on the next speaker's line
	for _, ti := range d.trig[trDobCue] {
		i := int(ti)
		if !d.toks[i].is(lfDobCue) {
			continue
		}
		for k := i + 1; k < n && k < i+25; k++ {
			if d.toks[k].label || d.used[k] || !d.isRunToken(k) || !(d.toks[k].sentStart || d.toks[k-1].comma) {
				continue
			}
			j := k
			for j < n && j < k+5 && !d.used[j] && d.isRunToken(j) && (j == k || d.joinedLoose(j-1)) {
				j++
			}
			if v, kd := d.toks[k].num(); j-k >= 3 && j-k <= 4 && kd != numDigits && v >= 1 && v <= 12 {
				d.add(k, j, TypeDate, 74)
				break
			}
		}
		k := i + 1
		for k < n && k < i+4 && (d.toks[k].low == "is" || d.toks[k].low == "on" || d.toks[k].low == "was" || d.toks[k].low == "of" || d.toks[k].low == "date") {
			k++
		}
		j := k
		for j < n && j < k+7 && !d.used[j] && (d.isRunToken(j) || d.toks[j].nk == numOrdinal) && d.joinedLoose(j-1) {
			j++
		}
		if j-k >= 2 {
			d.add(k, j, TypeDate, 74)
		}
	}
}

// datePrep: words before a bare numeric date ("on 7-22").
var datePrep = set(`on since until till by before after from starting`)

// shortDashDate: "7-22", month-day with a dash (a range of numbers reads the same,
// so callers want a date word before it).
func shortDashDate(s string) bool {
	a, b, ok := strings.Cut(s, "-")
	if !ok || !isDigits(a) || !isDigits(b) || len(a) > 2 || len(b) > 2 {
		return false
	}
	m, dd := atoi(a), atoi(b)
	return m >= 1 && m <= 12 && dd >= 1 && dd <= 31
}

// digitDay returns how many tokens from i spell a day of the month digit by
// digit after "the" ("one-eight", "two seven", "oh nine"), or 0. The spaced
// form needs "on the" before it.
func (d *detector) digitDay(i int) int {
	t := &d.toks[i]
	if a, b, ok := strings.Cut(t.low, "-"); ok {
		x, okx := unitWords[a]
		y, oky := unitWords[b]
		if okx && oky && x <= 3 && 10*x+y >= 1 && 10*x+y <= 31 {
			return 1
		}
		return 0
	}
	if i < 2 || d.low(i-2) != "on" || i+1 >= len(d.toks) || !d.joined(i) || t.nk != numUnit || d.toks[i+1].nk != numUnit {
		return 0
	}
	x, y := unitWords[t.low], unitWords[d.toks[i+1].low]
	if x > 3 || 10*x+y < 1 || 10*x+y > 31 || d.lowIs(i+2, lfNotDayNoun) {
		return 0
	}
	return 2
}

func (d *detector) monthAt(i int) bool { return i < len(d.toks) && d.isMonth(i) }

// numericDate: 3/14, 3/14/2023, 03-09-1957, 2023-03-14.
func numericDate(s string) bool {
	sep := "/"
	if !strings.Contains(s, "/") {
		sep = "-"
		if strings.Count(s, ".") == 2 && !strings.Contains(s, "-") {
			sep = "." // "7.19.24": three parts only ("3.5" is a dose)
		}
	}
	if sep == "." && strings.Count(s, ".") != 2 {
		return false
	}
	p := strings.Split(s, sep)
	if len(p) < 2 || len(p) > 3 {
		return false
	}
	for _, x := range p {
		if !isDigits(x) {
			return false
		}
	}
	if len(p) == 3 && len(p[0]) == 4 {
		p = []string{p[1], p[2], p[0]}
	}
	a, b := atoi(p[0]), atoi(p[1])
	if len(p[0]) > 2 || len(p[1]) > 2 || a < 1 || b < 1 {
		return false
	}
	if !(a <= 12 && b <= 31 || a <= 31 && b <= 12) {
		return false
	}
	if len(p) == 3 {
		return len(p[2]) == 2 || len(p[2]) == 4
	}
	return sep == "/"
}

func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

var doseWords = set(`film films strip strips tab tabs tablet tablets mg milligram milligrams dose doses pill pills
suboxone buprenorphine zubsolv bup naloxone scale rating rated score out`)

// doseContext: "the 8/2 films", "pain is 7/10".
func (d *detector) doseContext(i int) bool {
	if d.lowIs(i+1, lfDoseWord) || d.lowIs(i-1, lfDoseWord) || d.lowIs(i-2, lfDoseWord) {
		return true
	}
	return strings.HasSuffix(d.toks[i].low, "/10") && !strings.Contains(d.toks[i].low[:len(d.toks[i].low)-3], "/") &&
		d.lowIs(i-1, lfScoreWord)
}

var scoreWords = set(`pain rated rate rating is was a at about like mood anxiety craving cravings scale level
maybe around an it's solid`)
