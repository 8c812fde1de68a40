package summarize

import (
	"strings"
	"unicode"
)

// token is one normalised word of a statement or segment.
type token struct {
	stem        string
	negated     bool // inside the scope of a negation cue
	number      bool
	placeholder bool // a redaction placeholder such as [name_1]
	content     bool // counts for lexical support
}

// rawWord is a word or a clause boundary before normalisation.
type rawWord struct {
	text     string
	boundary bool
	number   bool
	placeh   bool
}

func splitWords(s string) []rawWord {
	out := make([]rawWord, 0, len(s)/5)
	rs := []rune(strings.ToLower(s))
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '[':
			j := i + 1
			for j < len(rs) && j-i < 40 && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_') {
				j++
			}
			if j < len(rs) && rs[j] == ']' && j > i+1 && strings.ContainsRune(string(rs[i+1:j]), '_') {
				out = append(out, rawWord{text: string(rs[i : j+1]), placeh: true})
				i = j + 1
				continue
			}
			i++
		case unicode.IsDigit(r):
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || ((rs[j] == '.' || rs[j] == ',') && j+1 < len(rs) && unicode.IsDigit(rs[j+1]))) {
				j++
			}
			num := strings.ReplaceAll(string(rs[i:j]), ",", "")
			out = append(out, rawWord{text: num, number: true})
			i = j
		case unicode.IsLetter(r):
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || ((rs[j] == '\'' || rs[j] == '’' || rs[j] == '-') && j+1 < len(rs) && unicode.IsLetter(rs[j+1]))) {
				j++
			}
			w := strings.ReplaceAll(string(rs[i:j]), "’", "'")
			if strings.Contains(w, "-") && w != "self-harm" {
				for _, part := range strings.Split(w, "-") {
					out = append(out, rawWord{text: part})
				}
			} else {
				out = append(out, rawWord{text: w})
			}
			i = j
		case r == '.' || r == ',' || r == ';' || r == ':' || r == '!' || r == '?' || r == '(' || r == ')' || r == '"' || r == '\n':
			if len(out) > 0 && !out[len(out)-1].boundary {
				out = append(out, rawWord{boundary: true})
			}
			i++
		default:
			i++
		}
	}
	return out
}

// negationScope is how many content words after a cue it negates.
const negationScope = 3

// tokenize normalises text into stems with negation marks.
func tokenize(s string) []token {
	words := splitWords(s)
	toks := make([]token, 0, len(words))
	scope := 0
	for _, w := range words {
		if w.boundary || clauseWords[w.text] {
			scope = 0
			continue
		}
		if w.placeh {
			toks = append(toks, token{stem: w.text, placeholder: true, content: true, negated: scope > 0})
			if scope > 0 {
				scope--
			}
			continue
		}
		if w.number {
			toks = append(toks, token{stem: normNumber(w.text), number: true, content: true, negated: scope > 0})
			if scope > 0 {
				scope--
			}
			continue
		}
		text := w.text
		if n, ok := numberWords[text]; ok {
			toks = append(toks, token{stem: n, number: true, content: true, negated: scope > 0})
			if scope > 0 {
				scope--
			}
			continue
		}
		if negationCues[text] || strings.HasSuffix(text, "n't") {
			scope = negationScope
			continue
		}
		if privativeNext[text] {
			// "poor sleep", "trouble sleeping": the next content word is lacking.
			scope = 1
			continue
		}
		if privativePrev[text] {
			// "slept poorly": the previous content word is lacking.
			for k := len(toks) - 1; k >= 0; k-- {
				if toks[k].content {
					toks[k].negated = true
					break
				}
			}
			continue
		}
		text = strings.TrimSuffix(strings.TrimSuffix(text, "'s"), "'")
		if stopWords[text] || len(text) < 2 {
			continue
		}
		st := stem(text)
		content := !metaWords[text] && !metaWords[st]
		toks = append(toks, token{stem: st, content: content, negated: scope > 0 && content})
		if content && scope > 0 {
			scope--
		}
	}
	return toks
}

func normNumber(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	return s
}

// stem reduces a lowercase word to a crude stem: irregular forms and
// clinical synonyms first, then common English suffixes.
func stem(w string) string {
	if s, ok := irregular[w]; ok {
		w = s
	}
	for _, p := range synonymPrefixes {
		if strings.HasPrefix(w, p[0]) {
			return p[1]
		}
	}
	n := len(w)
	switch {
	case n > 5 && strings.HasSuffix(w, "ies"):
		w = w[:n-3] + "y"
	case n > 4 && (strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes")):
		w = w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:n-1]
	}
	n = len(w)
	for _, suf := range []string{"ingly", "edly", "ing", "ed", "ly", "ness", "ment", "ful", "ation", "ity", "er"} {
		if n > len(suf)+3 && strings.HasSuffix(w, suf) {
			w = w[:n-len(suf)]
			break
		}
	}
	n = len(w)
	if n > 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouls", rune(w[n-1])) {
		w = w[:n-1] // "stopped" → "stopp" → "stop"
	}
	n = len(w)
	if n > 3 && (w[n-1] == 'e' || w[n-1] == 'y') {
		w = w[:n-1] // "increase"/"increas", "worry"/"worri"
	}
	if n := len(w); n > 3 && w[n-1] == 'i' {
		w = w[:n-1]
	}
	return w
}

var negationCues = set("not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without",
	"deny", "denies", "denied", "denying", "cannot", "cant", "dont", "didnt", "wont", "havent", "hasnt", "isnt", "wasnt", "negative", "free", "stopped", "quit")

var privativeNext = set("poor", "trouble", "difficulty", "difficult", "unable", "lack", "lacking", "barely", "hardly", "rarely", "less", "fewer", "decreased", "reduced", "struggling", "struggles", "struggle")

var privativePrev = set("poorly", "badly")

var clauseWords = set("but", "and", "so", "because", "although", "though", "however", "while", "then", "except", "yet", "whereas")

var numberWords = map[string]string{
	"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
	"eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
	"fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
	"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
	"hundred": "100", "twice": "2", "once": "1", "single": "1", "couple": "2", "dozen": "12",
}

var irregular = map[string]string{
	"slept": "sleep", "felt": "feel", "went": "go", "gone": "go", "goes": "go", "drank": "drink", "drunk": "drink",
	"ate": "eat", "eaten": "eat", "took": "take", "taken": "take", "told": "tell", "said": "say",
	"began": "begin", "begun": "begin", "bought": "buy", "got": "get", "gotten": "get",
	"kids": "child", "kid": "child", "children": "child", "mom": "mother", "mum": "mother", "dad": "father",
	"job": "work", "boss": "work", "meds": "medication", "medicine": "medication", "medications": "medication",
	"fought": "fight", "ran": "run", "lost": "lose", "left": "leave", "brought": "bring", "saw": "see", "seen": "see",
	"spoke": "speak", "woke": "wake", "awake": "wake", "wakes": "wake", "waking": "wake", "worse": "bad", "worst": "bad",
	"better": "good", "best": "good", "men": "man", "women": "woman", "wife": "spouse", "husband": "spouse",
	"partner": "spouse", "argument": "argu", "argue": "argu", "arguing": "argu", "argued": "argu", "fight": "argu",
	"hrs": "hour", "hr": "hour", "mg": "milligram", "milligrams": "milligram", "daily": "day", "nightly": "night",
	"nights": "night", "yesterday": "day", "sleeping": "sleep", "asleep": "sleep", "using": "use", "used": "use",
	"uses": "use", "thinking": "think", "thoughts": "think", "thought": "think", "ideation": "think", "thinks": "think", "feeling": "feel", "feelings": "feel",
	"feels": "feel", "began.": "begin", "dying": "die", "died": "die", "dead": "die", "death": "die",
	"drinking": "drink", "drinks": "drink", "beer": "drink", "beers": "drink", "alcohol": "drink", "wine": "drink",
	"self-harm": "hurt", "cravings": "crave", "craving": "crave", "crave": "crave", "urges": "crave", "urge": "crave",
}

// synonymPrefixes maps word families to one stem, checked before suffix rules.
var synonymPrefixes = [][2]string{
	{"anxi", "anxi"}, {"nervous", "anxi"}, {"worri", "anxi"}, {"worry", "anxi"},
	{"depress", "depress"}, {"suicid", "suicid"}, {"overdos", "overdos"},
	{"panic", "panic"}, {"medicat", "medication"}, {"prescri", "prescri"}, {"insomni", "sleep"},
	{"homework", "homework"}, {"exercis", "exercis"}, {"appoint", "appoint"}, {"breath", "breath"},
	{"relaps", "relaps"}, {"sober", "sober"}, {"angr", "ang"}, {"anger", "ang"}, {"irritab", "irrit"}, {"irritat", "irrit"},
}

// metaWords frame a clinical statement ("client reports …") and say nothing
// checkable about the session's content.
var metaWords = set("client", "patient", "clinician", "therapist", "counselor", "counsellor", "facilitator", "provider",
	"report", "reports", "reported", "reporting", "state", "states", "stated", "say", "says", "describe", "describes", "described",
	"endorse", "endorses", "endorsed", "note", "notes", "noted", "indicate", "indicates", "indicated", "discuss", "discusses", "discussed",
	"share", "shares", "shared", "explain", "explains", "explained", "mention", "mentions", "mentioned", "express", "expresses", "expressed",
	"verbalize", "verbalizes", "verbalized", "acknowledge", "acknowledges", "acknowledged", "session", "today", "also", "currently",
	"tell", "talk", "talked", "talks", "identify", "identified", "identifies", "admit", "admits", "admitted", "agree", "agrees", "agreed",
	"continue", "continues", "continued", "ongoing", "recent", "recently", "approximately", "about", "around", "per", "regarding",
	"member", "participant", "group", "writer", "able", "ask", "asked", "asks", "explore", "explored", "explores", "review", "reviewed", "reviews",
	"passive", "active", "experience", "experiences", "experienced", "experiencing", "having", "feel", "felt", "feels", "feeling", "notic", "noticed")

var stopWords = set("a", "an", "the", "i", "me", "my", "mine", "myself", "herself", "himself", "themselves", "yourself", "self", "we", "us", "our", "you", "your", "he", "him", "his",
	"she", "her", "hers", "they", "them", "their", "it", "its", "this", "that", "these", "those", "is", "am", "are", "was", "were",
	"be", "been", "being", "have", "has", "had", "do", "does", "did", "of", "to", "in", "on", "at", "by", "for", "with", "from",
	"as", "or", "if", "than", "too", "very", "really", "just", "like", "um", "uh", "yeah", "okay", "ok", "well", "oh", "so",
	"what", "which", "who", "whom", "how", "when", "where", "why", "there", "here", "can", "could", "would", "should", "will",
	"shall", "may", "might", "must", "into", "out", "up", "down", "over", "under", "again", "some", "any", "all", "each", "more",
	"most", "other", "such", "only", "own", "same", "maybe", "kind", "sort", "lot", "lots", "pretty", "actually", "guess",
	"know", "mean", "get", "got", "going", "gonna", "thing", "things", "stuff", "even", "still", "now", "right",
	"much", "many", "yes", "way", "since", "until", "after", "before", "during", "because", "also", "back", "been", "let", "lets",
	"let's", "i'm", "i've", "i'd", "i'll", "you're", "it's", "that's", "he's", "she's", "they're", "we're", "there's", "something",
	"anything", "everything", "someone", "anyone", "everyone", "one's", "both", "either", "via", "said", "says", "say", "tell", "told")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
