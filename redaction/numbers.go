package redaction

import (
	"strconv"
	"strings"
)

var unitWords = map[string]int{"zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"six": 6, "seven": 7, "eight": 8, "nine": 9}
var teenWords = map[string]int{"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
	"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
var tensWords = map[string]int{"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
	"seventy": 70, "eighty": 80, "ninety": 90}
var ordinalWords = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
	"seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
	"fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
	"twentieth": 20, "thirtieth": 30}

// numKind classifies one token as a number.
type numKind uint8

const (
	numNone     numKind = iota
	numDigits           // "555", "2023"
	numUnit             // "five", "oh"
	numTeen             // "fifteen"
	numTens             // "fifty"
	numCompound         // "fifty-six"
	numOrdinal          // "3rd", "twenty-first", "eighth"
	numHundred          // "hundred", "thousand"
)

// numWord is the parse of a number word.
type numWord struct {
	val  int
	kind numKind
}

// numWords holds every number word number() knows, compounds included
// ("fifty-six", "twenty-first"), so that a word needs one lookup.
var numWords = func() map[string]numWord {
	m := map[string]numWord{"hundred": {0, numHundred}, "thousand": {0, numHundred}}
	for w, v := range ordinalWords {
		m[w] = numWord{v, numOrdinal}
	}
	for w, v := range tensWords {
		m[w] = numWord{v, numTens}
		for b, u := range unitWords {
			if u > 0 && b != "oh" && b != "o" {
				m[w+"-"+b] = numWord{v + u, numCompound}
			}
		}
		for b, o := range ordinalWords {
			if o < 10 {
				m[w+"-"+b] = numWord{v + o, numOrdinal}
			}
		}
	}
	for w, v := range teenWords {
		m[w] = numWord{v, numTeen}
	}
	for w, v := range unitWords {
		m[w] = numWord{v, numUnit}
	}
	return m
}()

// number parses a token as a spoken or written number. For ordinals val is
// the day number.
func number(low string) (val int, kind numKind) {
	if low == "" {
		return 0, numNone
	}
	if low[0] < '0' || low[0] > '9' {
		if w, ok := numWords[low]; ok {
			return w.val, w.kind
		}
		return 0, numNone
	}
	return numberDigits(low)
}

// numberDigits parses "555", "2023" and "1st", "21st".
func numberDigits(low string) (val int, kind numKind) {
	if isDigits(low) {
		if len(low) > 9 {
			return 0, numDigits
		}
		v, _ := strconv.Atoi(low)
		return v, numDigits
	}
	// 1st 2nd 3rd 4th 21st
	if n := len(low); n >= 3 && isDigits(low[:n-2]) {
		suf := low[n-2:]
		if suf == "st" || suf == "nd" || suf == "rd" || suf == "th" {
			v, _ := strconv.Atoi(low[:n-2])
			return v, numOrdinal
		}
	}
	return 0, numNone
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func digitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// num returns the token's number parse (made by tokenize).
func (t *token) num() (int, numKind) { return int(t.nv), t.nk }

// isNumberToken reports whether a token is any kind of number, including
// digit groups with separators ("555-0116", "(814)").
func isNumberToken(t *token) bool {
	if _, k := t.num(); k != numNone {
		return true
	}
	return digitGroup(t.low)
}

// digitGroup: digits with - or . separators only ("555-0116").
func digitGroup(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// spokenDigits returns the digit string a run of number tokens spells
// ("eight one four" → "814", "fifty five" → "55", "555-0116" → "5550116").
func spokenDigits(toks []token) string {
	var b strings.Builder
	for i := 0; i < len(toks); i++ {
		v, k := number(toks[i].low)
		switch k {
		case numDigits:
			b.WriteString(toks[i].low)
		case numUnit:
			b.WriteByte(byte('0' + v))
		case numTeen, numCompound:
			b.WriteString(strconv.Itoa(v))
		case numTens:
			if i+1 < len(toks) {
				if u, k2 := number(toks[i+1].low); k2 == numUnit && u > 0 && toks[i+1].low != "oh" && toks[i+1].low != "o" {
					b.WriteString(strconv.Itoa(v + u))
					i++
					continue
				}
			}
			b.WriteString(strconv.Itoa(v))
		case numHundred:
			if toks[i].low == "hundred" {
				b.WriteString("00")
			} else {
				b.WriteString("000")
			}
		default:
			for j := 0; j < len(toks[i].low); j++ {
				if c := toks[i].low[j]; c >= '0' && c <= '9' {
					b.WriteByte(c)
				}
			}
		}
	}
	return b.String()
}

// numberValue evaluates a short run of number tokens as one quantity
// ("ninety-three" → 93, "ninety three" → 93, "101" → 101), -1 if it is not one.
func numberValue(toks []token) int {
	total := 0
	for i, t := range toks {
		v, k := number(t.low)
		switch k {
		case numDigits:
			if len(toks) != 1 {
				return -1
			}
			return v
		case numTens:
			total += v
		case numUnit:
			if i > 0 {
				if _, pk := number(toks[i-1].low); pk != numTens && pk != numHundred { // #nosec G602 -- i > 0 is checked just above
					return -1
				}
			}
			total += v
		case numTeen, numCompound:
			total += v
		case numHundred:
			if total == 0 {
				total = 1
			}
			if t.low == "hundred" {
				total *= 100
			} else {
				total *= 1000
			}
		default:
			return -1
		}
	}
	return total
}
