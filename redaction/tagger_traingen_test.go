//go:build taggertrain

package redaction

import (
	"math/rand"
	"strings"
	"unicode"
)

// The third generator: training text for the statistical layer. It is
// written apart from the dev corpus (../shared/corpus) and from the
// independent corpus generator (testdata/gen): its own seed, its own
// sentence shapes, and fillers drawn at random from the public gazetteers
// (SSA given names, Census surnames, Census places, SCOWL words) and from
// its own lists of facility and employer heads, not from either corpus.

type trainSpan struct {
	s, e int // byte offsets
	tag  uint8
}

type trainDoc struct {
	text  string
	spans []trainSpan
}

type trainFillers struct {
	given, wordGiven, surnames, places, words []string
}

func titleCase(s string) string {
	parts := strings.Fields(s)
	for i, p := range parts {
		r := []rune(p)
		r[0] = unicode.ToUpper(r[0])
		parts[i] = string(r)
	}
	return strings.Join(parts, " ")
}

// fillersFrom samples the gazetteers.
func fillersFrom(g *gazetteers) trainFillers {
	var f trainFillers
	lx := g.lex
	for i := 1; i < len(lx.entries); i++ {
		e := &lx.entries[i]
		k := lx.key(e)
		if strings.ContainsAny(k, "'.-0123456789") || len(k) < 3 || e.flags&(lfClinical|lfExcluded|lfFnWord|lfTitle|lfRelation) != 0 {
			continue
		}
		switch {
		case e.given >= 3000 && e.level == 0 && !strings.Contains(k, " "):
			f.given = append(f.given, titleCase(k))
		case e.given >= 3000 && e.level > 0 && e.level <= 50 && !strings.Contains(k, " "):
			f.wordGiven = append(f.wordGiven, titleCase(k))
		}
		if e.surname > 0 && e.surname < 40000 && e.level == 0 && !strings.Contains(k, " ") {
			f.surnames = append(f.surnames, titleCase(k))
		}
		if e.place > 0 && e.level == 0 {
			f.places = append(f.places, titleCase(k))
		}
		if e.level > 0 && e.level <= 35 && e.given == 0 && e.surname == 0 && e.place == 0 && !strings.Contains(k, " ") && len(k) >= 4 {
			f.words = append(f.words, k)
		}
	}
	return f
}

var (
	trFacHeads = []string{"Recovery", "Recovery Center", "Hospital", "Medical Center", "Clinic", "Health", "Behavioral Health",
		"Treatment Center", "ER", "Urgent Care", "Detox", "House", "Crisis Center", "Counseling", "Regional", "Memorial",
		"Family Services", "Wellness", "Rehab", "Sober Living", "Health Center", "Care Center", "Lodge"}
	trOrgTails = []string{"Trucking", "Logistics", "Roofing", "Plumbing", "Construction", "Electric", "Manufacturing", "Foods",
		"Farms", "Auto Body", "Landscaping", "Staffing", "Packaging", "Machine Works", "Insurance", "Motors", "Builders",
		"and Sons", "Brothers", "Industries", "Transport", "Supply", "Paving", "Dairy", "Lumber", "Welding",
		"Fabrication", "Cleaners", "Feed and Seed", "Bakery", "Masonry", "Concrete", "Hardware", "Tire", "Towing"}
	trSchoolTails = []string{"Middle", "Middle School", "High", "High School", "Elementary", "Academy", "Junior High",
		"Community College", "Prep", "Primary"}
	trLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	trDigits  = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	trClin    = []string{"sertraline", "the lithium", "naltrexone", "my Suboxone", "the Vivitrol shot", "Seroquel",
		"the PHQ-9", "DBT group", "CBT homework", "the GAD-7", "buprenorphine", "Wellbutrin", "the IOP", "trazodone"}
)

type trainGen struct {
	r *rand.Rand
	f trainFillers
}

func (g *trainGen) pick(xs []string) string { return xs[g.r.Intn(len(xs))] }

func (g *trainGen) fill(slot string) (string, uint8) {
	switch slot {
	case "N":
		return g.pick(g.f.given), tagName
	case "F":
		return g.pick(g.f.given) + " " + g.pick(g.f.surnames), tagName
	case "S":
		return g.pick(g.f.surnames), tagName
	case "C":
		return g.pick(g.f.wordGiven), tagName
	case "T":
		return g.pick(g.f.places), tagLoc
	case "FAC":
		switch g.r.Intn(5) {
		case 0:
			return "Saint " + g.pick(g.f.given) + " " + g.pick(trFacHeads), tagLoc
		case 1:
			return g.pick(g.f.places) + " " + g.pick(trFacHeads), tagLoc
		case 2:
			return g.pick(g.f.surnames) + " " + g.pick(trFacHeads), tagLoc
		default:
			return titleCase(g.pick(g.f.words)+" "+g.pick(g.f.words)) + " " + g.pick(trFacHeads), tagLoc
		}
	case "EMP":
		switch g.r.Intn(3) {
		case 0:
			return g.pick(g.f.surnames) + " " + g.pick(trOrgTails), tagOrg
		case 1:
			return g.pick(g.f.places) + " " + g.pick(trOrgTails), tagOrg
		default:
			return titleCase(g.pick(g.f.words)) + " " + g.pick(trOrgTails), tagOrg
		}
	case "SCH":
		if g.r.Intn(2) == 0 {
			return g.pick(g.f.surnames) + " " + g.pick(trSchoolTails), tagOrg
		}
		return g.pick(g.f.places) + " " + g.pick(trSchoolTails), tagOrg
	case "PL":
		n := 4 + g.r.Intn(4)
		parts := make([]string, n)
		for i := range parts {
			if g.r.Intn(2) == 0 {
				parts[i] = string(trLetters[g.r.Intn(26)])
			} else {
				parts[i] = g.pick(trDigits)
			}
		}
		return strings.Join(parts, " "), tagID
	case "W":
		return g.pick(g.f.words), tagO
	case "K":
		return g.pick(trClin), tagO
	case "NUM":
		if g.r.Intn(2) == 0 {
			return g.pick(trDigits[1:]), tagO
		}
		return []string{"2", "5", "10", "15", "20", "25", "30", "50", "100", "150", "200", "300", "0.5", "7/14"}[g.r.Intn(14)], tagO
	case "ROLE":
		return g.pick([]string{"Client", "Therapist", "Prescriber", "Counselor", "Case Manager", "Peer Support", "Nurse", "Patient", "Provider", "Clinician", "Supervisor", "Manager"}), tagO
	case "FILL":
		return g.pick([]string{"mm-hm", "right right", "okay", "yeah", "you know", "I mean", "let's see", "um", "uh-huh", "sure", "alright", "so"}), tagO
	case "DAY":
		return g.pick([]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "tomorrow", "next week", "tonight"}), tagO
	case "PLACE":
		return g.pick([]string{"group", "home", "school", "work", "detox", "treatment", "court", "the hospital", "the ER",
			"the clinic", "rehab", "the sober house", "the shelter", "church", "the meeting", "jail", "the program",
			"residential", "the halfway house", "the pharmacy", "the store", "my mom's place", "the office"}), tagO
	case "WC":
		return titleCase(g.pick(g.f.words)), tagO
	}
	panic("unknown slot " + slot)
}

// trainTemplates: sentence shapes of this generator alone. {X} is a slot.
var trainTemplates = []string{
	"I stayed at {FAC} for about two weeks.",
	"They moved him over to {FAC} after the detox.",
	"She's been at {FAC} since the spring.",
	"My cousin drove me to {FAC} that night.",
	"The ambulance took me to {FAC}.",
	"We went to the county crisis center in {T}.",
	"He got discharged from {FAC} on a Friday.",
	"I work second shift at {EMP}.",
	"I've been working for {EMP} about three years now.",
	"My husband drives for {EMP}.",
	"{EMP} let me go after I missed those days.",
	"I picked up hours at {EMP} in {T}.",
	"My daughter goes to {SCH}.",
	"He started at {SCH} this fall and hates it.",
	"The counselor at {SCH} called me again.",
	"The plate was {PL} I think.",
	"Her car, the tag number is {PL}.",
	"I wrote down the plate, {PL}.",
	"It's {PL} on the registration.",
	"My car is the gray one, {PL}.",
	"Write this down, {PL}, that's the truck.",
	"They ran {PL} and it came back stolen.",
	"It's a blue Tacoma, license {PL}.",
	"The number on my card is {PL}.",
	"{PL}, that's the one on the back of the car.",
	"My case is {PL} if you need it.",
	"Member number {PL}.",
	"Plate {PL}, white sedan.",
	"Then {C} and I left early.",
	"I was with {C} the whole night.",
	"{C} was the one who called the cops.",
	"We stayed at {C}'s place on {DAY}.",
	"I asked {C} to come to group.",
	"{N} {S} picked me up from {FAC}.",
	"Last week {C} finally called back.",
	"My ex, {C}, has the kids this week.",
	"I drove out to {T} to see my dad.",
	"The job is in {T}, about an hour out.",
	"{T} is where I grew up.",
	"We're from around {T}, near the lake.",
	"I got pulled over outside {T}.",
	"He's locked up in {T} right now.",
	"So {C} came by the house yesterday.",
	"Me and {C} got into it again.",
	"I told {C} I wasn't going.",
	"{C} said he'd pick me up after group.",
	"{C} keeps texting me at night.",
	"My brother {C} is staying with us.",
	"I talked to {N} about the rent.",
	"{N} and I have been fighting.",
	"My sponsor {F} says I should call more.",
	"{F} from the church brought food.",
	"Ask for {S} at the front desk.",
	"Mr. {S} is my probation officer.",
	"We grew up in {T} but moved when I was ten.",
	"I'm staying with my aunt out in {T}.",
	"There's a meeting in {T} on Tuesdays.",
	"She lives over in {T} now.",
	"I {W} that I would {W} more.",
	"I hope it will get better with {K}.",
	"The {W} was a big {W} for me.",
	"We talked about {K} and sleep.",
	"I will try the {W} thing this week.",
	"Honestly the hope is that I can rest.",
	"I will be there, I promise.",
	"There was a storm and the power went out.",
	"She was so sunny that day, it felt good.",
	"My chance of relapse feels lower with {K}.",
	"The major thing is getting back to work.",
	"We took a chance on the new place.",
	"It's a big deal for me to stay sober.",
	"I started {K} last month and it helps.",
	"Going to the Walmart is hard with the crowds.",
	"On Monday I see the doctor again.",
	"Patient reports good adherence to {K}.",
	"{FILL}, {W} {W} the {W} and {W}.",
	"{WC} {W} {W} {W} {W}.",
	"{W} {W}, {W} {W} {W} {W} {W}.",
	"{FILL} {FILL}, I was {W} about the {W}.",
	"The {ROLE} {W} the {W} plan with me.",
	"{ROLE} reviewed {K} and {W} {W}.",
	"Per {ROLE}, {K} {NUM} mg at night.",
	"It's been {NUM} days, {FILL}.",
	"I'm on {K} XL {NUM} mg now.",
	"{FILL}. {WC} {W} {W} on {DAY}.",
	"Let's {W} {W} the {W} work {DAY}.",
	"{WC} is {W}, {W} is {W}.",
	"We did {NUM} {W} of {W} {W} {W} work.",
	"I scored {NUM} on {K}, {FILL}.",
	"Page {NUM} of the {W} {W}.",
	"Running {W}, {FILL}, {W} {W}.",
	"I went to {PLACE} and then {PLACE}.",
	"After {PLACE} I was {W}.",
	"She's still at {PLACE}, {FILL}.",
	"I had to leave {PLACE} early to get to {PLACE}.",
	"They sent me back to {PLACE} on {DAY}.",
	"Can you bill the {W} for {PLACE}?",
	"I mark it down after {PLACE}.",
	"It was {W} at {PLACE} today.",
	"Client identified triggers and practiced grounding.",
	// round 3: work and company contexts
	"My manager at {EMP} cut my hours again.",
	"{EMP} laid me off in the spring.",
	"I clock in at {EMP} at six.",
	"I quit {EMP} after two weeks.",
	"{C} and I went down to the lake.",
	"I'm staying with {C} for now.",
	"{C}'s mom doesn't want me around.",
	"I talked to {C} about the money.",
	"I'm living with my {W} and it's {W}.",
	"Work has been {W} since {DAY}.",
}

// trainDocs writes n documents: a third cased speech, a third lower-case
// ASR-style speech, a third written notes. valid selects the sentence
// shapes: every fifth template is kept for validation (valid true), the
// others for training, so that validation measures unseen shapes.
func trainDocs(g *gazetteers, seed int64, n int, valid bool) []trainDoc {
	tg := &trainGen{r: rand.New(rand.NewSource(seed)), f: fillersFrom(g)}
	var templates []string
	for i, t := range trainTemplates {
		if (i%5 == 0) == valid {
			templates = append(templates, t)
		}
	}
	docs := make([]trainDoc, 0, n)
	for i := 0; i < n; i++ {
		mode := i % 3
		var sb strings.Builder
		var spans []trainSpan
		lines := 6 + tg.r.Intn(10)
		for l := 0; l < lines; l++ {
			if l > 0 {
				sb.WriteByte('\n')
			}
			switch mode {
			case 0:
				sb.WriteString(tg.pick([]string{"Client: ", "Therapist: ", "Counselor: "}))
			case 1:
				sb.WriteString(tg.pick([]string{"client: ", "therapist: ", "speaker 1: "}))
			}
			for s := 0; s < 1+tg.r.Intn(3); s++ {
				if s > 0 {
					sb.WriteByte(' ')
				}
				t := tg.pick(templates)
				for {
					a := strings.IndexByte(t, '{')
					if a < 0 {
						sb.WriteString(tg.norm(mode, t))
						break
					}
					b := strings.IndexByte(t, '}')
					sb.WriteString(tg.norm(mode, t[:a]))
					v, tag := tg.fill(t[a+1 : b])
					v = tg.norm(mode, v)
					start := sb.Len()
					sb.WriteString(v)
					if tag != tagO {
						spans = append(spans, trainSpan{start, sb.Len(), tag})
					}
					t = t[b+1:]
				}
			}
		}
		docs = append(docs, trainDoc{text: sb.String(), spans: spans})
	}
	return docs
}

func (g *trainGen) norm(mode int, s string) string {
	if mode != 1 {
		return s
	}
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', ',', '?', '!', ';':
			return -1
		}
		return r
	}, s)
}
