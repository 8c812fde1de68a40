// Command gen writes the independent redaction test corpus: synthetic
// therapy-session transcripts (cased and lower-case ASR-style) and written
// clinical notes with gold identifier spans known by construction, and gold
// clinical "keep" spans (medications, doses, diagnoses, scores, therapy
// terms) that must never be redacted.
//
// It was written apart from ../shared/corpus/phi-dev.jsonl: its names,
// places, employers and sentence shapes are its own (no name or place word of
// the dev corpus is used), and every identifier category of issue 13's leak
// list has sentence shapes of its own.
//
// Three files come out, with disjoint sentence shapes and disjoint filler
// pools (names, places, employers): indep-tune.jsonl may be looked at while
// changing the engine; indep-heldout.jsonl is scored once per change and
// never tuned against; indep-heldout2.jsonl (fresh.go), written in round 3
// after the first held-out part's leaks had been seen, is scored only at the
// end of a round; indep-heldout3.jsonl (fresh3.go), written after the fresh
// part's one score and before any change made in answer to it, likewise.
//
//	go run ./redaction/testdata/gen -out redaction/testdata
//
// Everything is invented; the seed is fixed so the output is reproducible.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a gold identifier (or, in Keep, clinical text to keep) in
// code-point offsets.
type span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Type  string `json:"type,omitempty"`
	Cat   string `json:"cat"`
	Value string `json:"value"`
}

type doc struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"` // speech, speech-asr, note
	Text  string `json:"text"`
	Spans []span `json:"spans"`
	Keep  []span `json:"keep"`
}

// builder appends text and records spans; asr lower-cases every piece and
// drops sentence punctuation, as a lower-case ASR transcript would.
type builder struct {
	sb    strings.Builder
	n     int // code points written
	asr   bool
	spans []span
	keep  []span
}

func (b *builder) norm(s string) string {
	if !b.asr {
		return s
	}
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', ',', '?', '!', ';', '"':
			return -1
		}
		return r
	}, s)
}

func (b *builder) write(s string) {
	b.sb.WriteString(s)
	b.n += utf8.RuneCountInString(s)
}

// t writes plain text.
func (b *builder) t(s string) *builder { b.write(b.norm(s)); return b }

// id writes an identifier of type typ and category cat.
func (b *builder) id(typ, cat, v string) *builder {
	v = b.norm(v)
	v = strings.TrimSpace(v)
	b.spans = append(b.spans, span{Start: b.n, End: b.n + utf8.RuneCountInString(v), Type: typ, Cat: cat, Value: v})
	b.write(v)
	return b
}

// k writes clinical content that must survive redaction.
func (b *builder) k(cat, v string) *builder {
	v = b.norm(v)
	b.keep = append(b.keep, span{Start: b.n, End: b.n + utf8.RuneCountInString(v), Cat: cat, Value: v})
	b.write(v)
	return b
}

// label writes a speaker label at the start of a line (kept in ASR text:
// the pipeline's transcripts label speakers either way).
func (b *builder) label(l string) *builder {
	if b.n > 0 {
		b.write("\n")
	}
	if b.asr {
		l = strings.ToLower(l)
	}
	b.write(l + ": ")
	return b
}

// pools of fillers; each pool is split in two halves by index parity, one
// per output file.
type pools struct {
	given, commonWordNames, surnames, particleSurnames, hyphenGiven []string
	towns, counties, streets, streetTypes                           []string
	facilityStems, brands, employers, schools                       []string
	mailHosts, webWords                                             []string
}

var all = pools{
	given: []string{"Thaddeus", "Rosalind", "Ignatius", "Marguerite", "Cornelius", "Philippa", "Leopold", "Henrietta",
		"Bartholomew", "Clementine", "Florian", "Winifred", "Evander", "Ottilie", "Lysander", "Perpetua", "Anselm",
		"Ximena", "Tobiah", "Fenella", "Oswin", "Jolene", "Ravi", "Soledad", "Kwame", "Agnieszka", "Dmitri", "Nkechi",
		"Thuy", "Beatriz", "Sven", "Marisela", "Jarvis", "Odessa", "Cyrus", "Lavinia", "Emeka", "Paloma", "Hamish", "Zinnia"},
	commonWordNames: []string{"Hope", "Will", "Champ", "Dusty", "Sunny", "Rocky", "Buddy", "Chance", "Faith", "Skip",
		"Brandy", "Lucky", "Storm", "Bear", "Precious", "Tank", "Honey", "Major", "Sky", "Junior", "Royal", "Dallas"},
	surnames: []string{"Vanterpool", "Szczepanski", "Nwachukwu", "Kowalczyk", "Thibodeaux", "Abernathy", "Quattlebaum",
		"Oyelowo", "Featherstone", "Lindgren", "Castellanos", "Pemberton", "Okonjo", "Heffernan", "Dziedzic", "Villalobos",
		"Auclair", "Rasmussen", "Tremblay", "Mbeki", "Galbraith", "Yamaguchi", "Ferreira", "Blankenship", "Haugen",
		"Iwasaki", "Kettleborough", "Sobczak", "Achterberg", "Ruhnke", "Pellegrino", "Wojcik", "Delacroix", "Umberger",
		"Gunnarsson", "Hatfield", "Nakashima", "Brzezinski", "Ogundipe", "Faircloth"},
	particleSurnames: []string{"de la Cruz", "Van der Berg", "O'Donnell-Price", "St. Clair", "DuBois", "MacKenzie",
		"al-Rashid", "Le Blanc", "von Ahn", "Garcia-Ortiz", "D'Angelo", "Ben-David", "da Silva", "McAllister-Ross"},
	hyphenGiven: []string{"Mary-Kate", "Jean-Paul", "Anne-Marie", "Lee-Ann", "Jo-Beth", "Kai-Lin"},
	towns: []string{"Tonawanda", "Wapakoneta", "Kalispell", "Bemidji", "Opelousas", "Natchitoches", "Ashtabula",
		"Pocatello", "Marrowby", "Quillan Springs", "East Harlow", "Coldwater", "Port Jervis", "Ypsilanti", "Hibbing",
		"Kewanee", "Cheektowaga", "Nacogdoches", "Sandusky", "Bucyrus", "Owatonna", "Greeley", "Vidalia", "Wahpeton",
		"Fort Dodge", "Lake Havasu City", "Mount Pleasant", "Piqua", "Altoona", "Moline"},
	counties: []string{"Tuscarawas County", "Lycoming County", "Kanawha County", "Coshocton County", "Potter County",
		"Jasper County", "Otsego County", "Wabash County"},
	streets: []string{"Larkspur", "Quimby", "Tamarack", "Dunmore", "Wexford", "Ballard", "Cottonwood", "Kensington",
		"Pickering", "Old Mill", "Juniper", "Sorrel", "Garrison", "Halsey", "Beacon Hill", "Orchard", "Vine", "Locust"},
	streetTypes: []string{"Avenue", "Road", "Street", "Lane", "Drive", "Court", "Boulevard", "Terrace", "Pike", "Way"},
	facilityStems: []string{"Maple Grove", "Cedar Bluff", "Silver Lake", "Stillwater", "Blue Heron", "Copper Ridge",
		"Willow Creek", "Morning Star", "Three Rivers", "Red Oak", "Pine Hollow", "Ironwood"},
	brands: []string{"Dollar General", "Walgreens", "Kroger", "Waffle House", "Tractor Supply", "Sheetz", "Wawa",
		"Cracker Barrel", "Menards", "Family Dollar", "Hobby Lobby", "AutoZone", "Jiffy Lube", "Meijer", "Safeway",
		"Piggly Wiggly", "Arby's", "Applebee's", "Costco", "Lowe's"},
	employers: []string{"Harmon Freight", "Kessling Tool and Die", "Brightline Packaging", "Ostrander Roofing",
		"Tri-Valley Credit Union", "Mercer Poultry", "Allard Manufacturing", "Northgate Staffing"},
	schools: []string{"Lincoln Middle", "Garfield Elementary", "Westmoor High", "Pinecrest Middle School",
		"Hawthorne Elementary", "Eastview High School", "Sacred Heart Academy", "Bellmont Community College"},
	mailHosts: []string{"fastmail", "gmail", "yahoo", "outlook", "protonmail", "icloud", "hotmail", "aol"},
	webWords:  []string{"hopefulpaths", "newleafcounseling", "bridgesrecovery", "calmharbor", "stepsforward", "clearskiescare"},
}

// half returns every other element of xs, starting at h (0 or 1).
func half(xs []string, h int) []string {
	var out []string
	for i := h; i < len(xs); i += 2 {
		out = append(out, xs[i])
	}
	return out
}

func (p pools) half(h int) pools {
	return pools{
		given: half(p.given, h), commonWordNames: half(p.commonWordNames, h), surnames: half(p.surnames, h),
		particleSurnames: half(p.particleSurnames, h), hyphenGiven: half(p.hyphenGiven, h), towns: half(p.towns, h),
		counties: half(p.counties, h), streets: half(p.streets, h), streetTypes: p.streetTypes,
		facilityStems: half(p.facilityStems, h), brands: half(p.brands, h), employers: half(p.employers, h),
		schools: half(p.schools, h), mailHosts: p.mailHosts, webWords: half(p.webWords, h),
	}
}

// gen draws fillers for one document.
type gen struct {
	r *rand.Rand
	p pools
	b *builder
	// people of the document, mentioned again by first name later
	people [][2]string
}

func (g *gen) pick(xs []string) string { return xs[g.r.Intn(len(xs))] }

var units = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
var teens = []string{"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
var tensW = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
var monthsW = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December"}
var ordW = []string{"", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
	"eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
	"nineteenth", "twentieth"}

// spokenNum says 0..99 as words ("forty-two", "seven").
func spokenNum(n int) string {
	switch {
	case n < 10:
		return units[n]
	case n < 20:
		return teens[n-10]
	case n%10 == 0:
		return tensW[n/10]
	}
	return tensW[n/10] + "-" + units[n%10]
}

// spokenOrd says a day of month as an ordinal ("twenty-seventh").
func spokenOrd(n int) string {
	if n <= 20 {
		return ordW[n]
	}
	if n == 30 {
		return "thirtieth"
	}
	return tensW[n/10] + "-" + ordW[n%10]
}

func ordSuffix(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return "th"
	case n%10 == 1:
		return "st"
	case n%10 == 2:
		return "nd"
	case n%10 == 3:
		return "rd"
	}
	return "th"
}

// digits draws n random digits.
func (g *gen) digits(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(byte('0' + g.r.Intn(10)))
	}
	return b.String()
}

// sayDigits reads a digit string one digit at a time ("oh" for some zeros).
func (g *gen) sayDigits(s string) string {
	var w []string
	for _, c := range s {
		if c == '0' && g.r.Intn(2) == 0 {
			w = append(w, "oh")
		} else {
			w = append(w, units[c-'0'])
		}
	}
	return strings.Join(w, " ")
}

func (g *gen) phone555() (area, mid, last string) {
	return fmt.Sprintf("%d%s", 2+g.r.Intn(8), g.digits(2)), "555", "01" + g.digits(2)
}

// person draws a fresh full name, remembering it for later mentions.
func (g *gen) person() (first, last string) {
	first = g.pick(g.p.given)
	if g.r.Intn(6) == 0 {
		first = g.pick(g.p.hyphenGiven)
	}
	last = g.pick(g.p.surnames)
	if g.r.Intn(4) == 0 {
		last = g.pick(g.p.particleSurnames)
	}
	g.people = append(g.people, [2]string{first, last})
	return
}

// known returns a person already mentioned, or a new one.
func (g *gen) known() (string, string) {
	if len(g.people) == 0 || g.r.Intn(3) == 0 {
		return g.person()
	}
	p := g.people[g.r.Intn(len(g.people))]
	return p[0], p[1]
}

// ---- clinical content that must be kept ----

var meds = []struct{ name, dose string }{{"sertraline", "100 mg"}, {"buprenorphine", "8 mg"}, {"Lexapro", "10 milligrams"},
	{"naltrexone", "50 mg"}, {"hydroxyzine", "25 mg"}, {"quetiapine", "200 mg"}, {"Suboxone", "8/2 mg"},
	{"gabapentin", "300 mg"}, {"prazosin", "2 mg"}, {"bupropion XL", "150 mg"}, {"Vivitrol", "380 mg"},
	{"lamotrigine", "100 mg"}, {"trazodone", "50 mg"}, {"clonidine", "0.1 mg"}, {"methadone", "90 mg"}}
var diagnoses = []string{"major depressive disorder", "opioid use disorder, moderate", "PTSD", "generalized anxiety disorder",
	"alcohol use disorder", "bipolar II disorder", "ADHD", "panic disorder", "borderline personality disorder",
	"cannabis use disorder", "persistent depressive disorder"}
var therapy = []string{"CBT", "DBT", "MAT", "motivational interviewing", "Wise Mind", "distress tolerance",
	"behavioral activation", "exposure work", "the TIPP skill", "radical acceptance", "a safety plan", "EMDR",
	"cognitive restructuring", "the Serenity Prayer", "chain analysis"}
var scales = []struct {
	name string
	max  int
}{{"PHQ-9", 27}, {"GAD-7", 21}, {"AUDIT-C", 12}, {"PCL-5", 80}, {"C-SSRS", 6},
	{"DAST-10", 10}, {"BAM", 17}}

func (g *gen) clinical() {
	b := g.b
	switch g.r.Intn(5) {
	case 0:
		m := meds[g.r.Intn(len(meds))]
		b.t("We kept ").k("med", m.name).t(" at ").k("dose", m.dose).t(" and talked about side effects. ")
	case 1:
		s := scales[g.r.Intn(len(scales))]
		b.t("Their ").k("scale", s.name).t(" came in at ").k("score", fmt.Sprint(g.r.Intn(s.max+1))).t(" today. ")
	case 2:
		b.t("Working diagnosis remains ").k("diagnosis", g.pick(diagnoses)).t(". ")
	case 3:
		b.t("We practiced ").k("therapy", g.pick(therapy)).t(" and reviewed ").k("therapy", g.pick(therapy)).t(". ")
	case 4:
		m := meds[g.r.Intn(len(meds))]
		b.t("Prescriber may switch to ").k("med", m.name).t(", starting at ").k("dose", m.dose).t(". ")
	}
}

// ---- identifier sentence shapes ----
//
// Each category has shapes for the tuning file (index 0, 2, …) and for the
// held-out file (1, 3, …). A shape writes one or more sentences.

type shape func(g *gen)

func (g *gen) fullName(cat string) {
	f, l := g.person()
	g.b.id("NAME", cat, f+" "+l)
}

var shapes = map[string][]shape{
	"name-full": {
		func(g *gen) {
			g.b.t("My caseworker now is ")
			g.fullName("name-full")
			g.b.t(", she started last month. ")
		},
		func(g *gen) {
			g.b.t("I ran into ")
			g.fullName("name-full")
			g.b.t(" at the laundromat and we talked for an hour. ")
		},
		func(g *gen) {
			g.b.t("Honestly ")
			g.fullName("name-full")
			g.b.t(" is the only one who checks on me. ")
		},
		func(g *gen) {
			g.b.t("The referral came from ")
			g.fullName("name-full")
			g.b.t(", who coordinates the reentry program. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("Yesterday ").id("NAME", "name-first", f).t(" drove me, I mean ").id("NAME", "name-full", f+" "+l).t(" did, to my appointment. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("I keep thinking about what ").id("NAME", "name-first", f).t(" said. ").id("NAME", "name-surname", l).t(" family stuff is complicated. ")
		},
	},
	"name-common-word": {
		func(g *gen) {
			n := g.pick(g.p.commonWordNames)
			g.b.t("My cousin ").id("NAME", "name-common-word", n).t(" picked me up after group. ")
		},
		func(g *gen) {
			n := g.pick(g.p.commonWordNames)
			g.b.t("So ").id("NAME", "name-common-word", n).t(" texted me at two in the morning again. ")
		},
		func(g *gen) {
			n := g.pick(g.p.commonWordNames)
			g.b.t("Me and ").id("NAME", "name-common-word", n).t(" have been fighting about money. ")
		},
		func(g *gen) {
			n := g.pick(g.p.commonWordNames)
			g.b.t("I told ").id("NAME", "name-common-word", n).t(" I couldn't keep lending the car. ")
		},
	},
	"name-title": {
		func(g *gen) {
			_, l := g.person()
			g.b.t("Dr. ").id("NAME", "name-title", l).t(" wants labs before the refill. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Officer ").id("NAME", "name-title", l).t(" is my new PO and she's strict. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Ms. ").id("NAME", "name-title", l).t(" from the school called twice. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Judge ").id("NAME", "name-title", l).t(" gave me ninety days to finish. ")
		},
	},
	"facility": {
		func(g *gen) {
			g.b.t("She's at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Recovery").t(" now, thirty days in. ")
		},
		func(g *gen) {
			g.b.t("They took him to ").id("LOCATION", "facility", "Saint "+g.pick([]string{"Agnes", "Brigid", "Casimir", "Benedict", "Ursula"})+" ER").t(" by ambulance. ")
		},
		func(g *gen) {
			g.b.t("I did detox at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" "+g.pick([]string{"Hospital", "Medical Center", "Behavioral Health", "Treatment Center"})).t(" back then. ")
		},
		func(g *gen) {
			g.b.t("We went to the county crisis center in ").id("LOCATION", "town", g.pick(g.p.towns)).t(" that night. ")
		},
		func(g *gen) {
			g.b.t("The sober house is called ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" House").t(". ")
		},
		func(g *gen) {
			g.b.t("My mom is in ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Nursing Home").t(" and I visit on weekends. ")
		},
	},
	"org": {
		func(g *gen) {
			g.b.t("I work nights at the ").id("ORG", "org-brand", g.pick(g.p.brands)).t(" off ").id("LOCATION", "street", "Route "+fmt.Sprint(3+g.r.Intn(60))).t(". ")
		},
		func(g *gen) {
			g.b.t("My son's at ").id("ORG", "org-school", g.pick(g.p.schools)).t(" and the counselor there is helpful. ")
		},
		func(g *gen) {
			g.b.t("I picked up shifts at ").id("ORG", "org-brand", g.pick(g.p.brands)).t(" to cover rent. ")
		},
		func(g *gen) {
			g.b.t("He got hired on at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(", second shift. ")
		},
		func(g *gen) {
			g.b.t("The ").id("ORG", "org-brand", g.pick(g.p.brands)).t(" manager let me switch to days. ")
		},
		func(g *gen) {
			g.b.t("My daughter goes to ").id("ORG", "org-school", g.pick(g.p.schools)).t(" now. ")
		},
	},
	"age": {
		func(g *gen) {
			g.b.t("My grandmother turns ").id("AGE", "age90", spokenNum(90+g.r.Intn(10))).t(" next week. ")
		},
		func(g *gen) {
			g.b.t("Grandpa is ").id("AGE", "age90", fmt.Sprint(90+g.r.Intn(12))).t(" and still drives, which scares me. ")
		},
		func(g *gen) {
			g.b.t("She lived to be a ").id("AGE", "age90", "hundred and "+units[1+g.r.Intn(4)]).t(". ")
		},
		func(g *gen) {
			g.b.t("My great aunt, she's ").id("AGE", "age90", spokenNum(90+g.r.Intn(10))).t(" years old, moved in with us. ")
		},
	},
	"url-spoken": {
		func(g *gen) {
			w := g.pick(g.p.webWords)
			g.b.t("You can look them up at ").id("URL", "url-spoken", "w w w dot "+w+" dot org").t(". ")
		},
		func(g *gen) {
			w := g.pick(g.p.webWords)
			g.b.t("The site is ").id("URL", "url-spoken", w+" dot com slash intake").t(", it has the forms. ")
		},
		func(g *gen) {
			w := g.pick(g.p.webWords)
			g.b.t("Their page is ").id("URL", "url-spoken", "www dot "+w+" dot net").t(". ")
		},
		func(g *gen) {
			w := g.pick(g.p.webWords)
			g.b.t("Just go to ").id("URL", "url-spoken", w+" dot org").t(" and click on groups. ")
		},
	},
	"email-spoken": {
		func(g *gen) {
			f, l := g.person()
			g.b.t("It's ").id("EMAIL", "email-spoken", strings.ToLower(f[:1])+strings.ToLower(strings.ReplaceAll(l, " ", ""))+" at "+g.pick(g.p.mailHosts)+" dot com").t(". ")
		},
		func(g *gen) {
			f, _ := g.person()
			g.b.t("Email me at ").id("EMAIL", "email-spoken", strings.ToLower(f)+" underscore "+spokenNum(10+g.r.Intn(89))+" at "+g.pick(g.p.mailHosts)+" dot com").t(". ")
		},
		func(g *gen) {
			f, l := g.person()
			g.b.t("My new address is ").id("EMAIL", "email-spoken", strings.ToLower(f)+" dot "+strings.ToLower(strings.ReplaceAll(l, " ", ""))+" at "+g.pick(g.p.mailHosts)+" dot com").t(". ")
		},
		func(g *gen) {
			f, _ := g.person()
			g.b.t("Send it to ").id("EMAIL", "email-spoken", strings.ToLower(f)+" "+spokenNum(70+g.r.Intn(29))+" at "+g.pick(g.p.mailHosts)+" dot net").t(" please. ")
		},
	},
	"plate": {
		func(g *gen) {
			g.b.t("The plate was ").id("ID", "plate-spelled", g.letters(3)+" "+g.sayDigits(g.digits(3))).t(", I wrote it down. ")
		},
		func(g *gen) {
			g.b.t("His truck, license plate ").id("ID", "plate-spelled", g.letters(2)+" "+g.sayDigits(g.digits(4))).t(", was in the lot. ")
		},
		func(g *gen) {
			g.b.t("My plate number's ").id("ID", "plate-spelled", g.letters(3)+" "+g.sayDigits(g.digits(4))).t(". ")
		},
		func(g *gen) {
			g.b.t("Tag number ").id("ID", "plate-spelled", g.letters(1)+" "+g.sayDigits(g.digits(2))+" "+g.letters(2)).t(" if you need it for the form. ")
		},
	},
	"id-digits": {
		func(g *gen) {
			g.b.t("My member ID is ").id("ID", "id-digit-by-digit", g.sayDigits(g.digits(9))).t(". ")
		},
		func(g *gen) {
			g.b.t("My case number is ").id("ID", "id-dash", spokenNum(10+g.r.Intn(90))+" "+units[g.r.Intn(10)]+" dash oh "+units[1+g.r.Intn(9)]).t(". ")
		},
		func(g *gen) {
			g.b.t("The Medicaid number on the card is ").id("ID", "id-digit-by-digit", g.sayDigits(g.digits(8))).t(". ")
		},
		func(g *gen) {
			g.b.t("Claim number ").id("ID", "id-dash", g.sayDigits(g.digits(3))+" dash "+g.sayDigits(g.digits(4))).t(" for the ER visit. ")
		},
	},
	"ssn": {
		func(g *gen) {
			g.b.t("The last four of my social are ").id("SSN", "ssn-partial", strings.Join(strings.Split(g.digits(4), ""), " ")).t(". ")
		},
		func(g *gen) {
			g.b.t("She needs the last four of your social. ").t("It's ").id("SSN", "ssn-partial", g.sayDigits(g.digits(4))).t(". ")
		},
		func(g *gen) {
			g.b.t("My social is ").id("SSN", "ssn-full", g.sayDigits(g.digits(3))+", "+g.sayDigits(g.digits(2))+", "+g.sayDigits(g.digits(4))).t(". ")
		},
		func(g *gen) {
			g.b.t("Last four of his social security number: ").id("SSN", "ssn-partial", g.sayDigits(g.digits(4))).t(". ")
		},
	},
	"date": {
		func(g *gen) {
			g.b.t("My court date is ").id("DATE", "date-dmy", fmt.Sprintf("%d %s 2024", 1+g.r.Intn(28), g.pick(monthsW))).t(". ")
		},
		func(g *gen) {
			g.b.t("I relapsed on ").id("DATE", "date-short", fmt.Sprintf("%d-%d", 1+g.r.Intn(12), 1+g.r.Intn(28))).t(", right after payday. ")
		},
		func(g *gen) {
			g.b.t("We go back on the ").id("DATE", "date-ordinal", spokenOrd(21+g.r.Intn(10))).t(". ")
		},
		func(g *gen) {
			d := 10 + g.r.Intn(19)
			g.b.t("The hearing got moved, it's on the ").id("DATE", "date-digit-day", units[d/10]+"-"+units[d%10]).t(" now. ")
		},
		func(g *gen) {
			g.b.t("She was born ").id("DATE", "date-dob", fmt.Sprintf("%s %d%s", g.pick(monthsW), 1+g.r.Intn(28), ordSuffix(1+g.r.Intn(3)))).t(", same as me. ")
		},
		func(g *gen) {
			g.b.t("My sobriety date is ").id("DATE", "date-spoken", g.pick(monthsW)+" "+spokenOrd(1+g.r.Intn(28))).t(". ")
		},
		func(g *gen) {
			if g.b.asr { // speech has no dotted dates: the month by name
				g.b.t("Since ").id("DATE", "date-spoken", g.pick(monthsW)+" "+spokenOrd(1+g.r.Intn(28))).t(" I've been clean. ")
				return
			}
			g.b.t("Since ").id("DATE", "date-dotted", fmt.Sprintf("%d.%d.24", 1+g.r.Intn(12), 1+g.r.Intn(28))).t(" I've been clean. ")
		},
		func(g *gen) {
			g.b.t("The intake was on ").id("DATE", "date-dmy", fmt.Sprintf("%d %s", 1+g.r.Intn(28), g.pick(monthsW))).t(" at the old building. ")
		},
	},
	"street": {
		func(g *gen) {
			g.b.t("I'm staying at ").id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s, Apt %d%c", 10+g.r.Intn(4000), g.pick(g.p.streets), g.pick(g.p.streetTypes), 1+g.r.Intn(9), 'A'+rune(g.r.Intn(4)))).t(" for now. ")
		},
		func(g *gen) {
			g.b.t("The new place is ").id("LOCATION", "street-unit", fmt.Sprintf("%s %s %s unit %s", spokenNum(10+g.r.Intn(89)), g.pick(g.p.streets), g.pick(g.p.streetTypes), spokenNum(1+g.r.Intn(20)))).t(". ")
		},
		func(g *gen) {
			g.b.t("Mail goes to ").id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s #%d", 100+g.r.Intn(900), g.pick(g.p.streets), g.pick(g.p.streetTypes), 1+g.r.Intn(30))).t(". ")
		},
		func(g *gen) {
			g.b.t("We moved over to ").id("LOCATION", "street", g.pick(g.p.streets)+" "+g.pick(g.p.streetTypes)).t(" by the tracks. ")
		},
	},
	"zip": {
		func(g *gen) { g.b.t("Zip is ").id("LOCATION", "zip-alone", g.digits(5)).t(". ") },
		func(g *gen) {
			g.b.t("Everybody in the ").id("LOCATION", "zip-alone", "4"+g.digits(4)).t(" area knows that corner. ")
		},
		func(g *gen) { g.b.t("The zip code is ").id("LOCATION", "zip-alone", g.sayDigits(g.digits(5))).t(". ") },
		func(g *gen) {
			g.b.t("It only delivers to ZIP ").id("LOCATION", "zip-alone", g.digits(5)).t(" and nearby. ")
		},
	},
	"town": {
		func(g *gen) { g.b.t("I grew up in ").id("LOCATION", "town", g.pick(g.p.towns)).t(", a small place. ") },
		func(g *gen) {
			g.b.t("She moved back to ").id("LOCATION", "town", g.pick(g.p.towns)).t(" to be near her dad. ")
		},
		func(g *gen) {
			g.b.t("Out in ").id("LOCATION", "county", g.pick(g.p.counties)).t(" there's nothing to do. ")
		},
		func(g *gen) {
			g.b.t("It's a long drive from ").id("LOCATION", "town", g.pick(g.p.towns)).t(" every week. ")
		},
	},
	"phone": {
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("Call me at ").id("PHONE", "phone-dotted", a+"."+m+"."+l).t(" after five. ")
		},
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("Her number is ").id("PHONE", "phone-intl", "+1 ("+a+") "+m+"-"+l).t(". ")
		},
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("My cell is ").id("PHONE", "phone-spoken", g.sayDigits(a)+", "+g.sayDigits(m)+", "+g.sayDigits(l)).t(". ")
		},
		func(g *gen) {
			g.b.t("My brother is in London, his number is ").id("PHONE", "phone-intl", "+44 20 7946 0"+g.digits(3)).t(". ")
		},
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("Text ").id("PHONE", "phone-dashed", "1-"+a+"-"+m+"-"+l).t(" if you're running late. ")
		},
		func(g *gen) {
			_, m, l := g.phone555()
			g.b.t("The landline is ").id("PHONE", "phone-seven", m+"."+l).t(". ")
		},
	},
	"ip": {
		func(g *gen) {
			g.b.t("The portal logged me from ").id("IP", "ip", fmt.Sprintf("10.%d.%d.%d", g.r.Intn(255), g.r.Intn(255), 1+g.r.Intn(254))).t(". ")
		},
		func(g *gen) {
			g.b.t("IT said my address was ").id("IP", "ip", fmt.Sprintf("192.168.%d.%d", g.r.Intn(255), 1+g.r.Intn(254))).t(". ")
		},
	},
	"email-written": {
		func(g *gen) {
			f, l := g.person()
			g.b.t("Email: ").id("EMAIL", "email-written", strings.ToLower(f[:1])+"."+strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(l, " ", ""), "'", ""))+"@"+g.pick(g.p.mailHosts)+".com").t(". ")
		},
		func(g *gen) {
			f, _ := g.person()
			g.b.t("Reach her at ").id("EMAIL", "email-written", strings.ToLower(f)+"_"+g.digits(2)+"@"+g.pick(g.p.mailHosts)+".net").t(". ")
		},
	},
	"url-written": {
		func(g *gen) {
			g.b.t("See ").id("URL", "url-written", "https://www."+g.pick(g.p.webWords)+".org/intake").t(" for the forms. ")
		},
		func(g *gen) {
			g.b.t("Resources at ").id("URL", "url-written", g.pick(g.p.webWords)+".com").t(". ")
		},
	},
}

// letters spells n capital letters ("K L M").
func (g *gen) letters(n int) string {
	var w []string
	for i := 0; i < n; i++ {
		w = append(w, string(rune('A'+g.r.Intn(26))))
	}
	return strings.Join(w, " ")
}

// spoken categories (said aloud in a session) and written-only categories
var spokenCats = []string{"name-full", "name-common-word", "name-title", "facility", "org", "age", "url-spoken",
	"email-spoken", "plate", "id-digits", "ssn", "date", "street", "zip", "town", "phone"}
var writtenOnly = []string{"ip", "email-written", "url-written"}

// pickShape returns a shape of cat for file half h.
func (g *gen) pickShape(cat string, h int) shape {
	ss := shapes[cat]
	var mine []shape
	for i := h; i < len(ss); i += 2 {
		mine = append(mine, ss[i])
	}
	return mine[g.r.Intn(len(mine))]
}

var fillers = []string{"Yeah, I hear that. ", "Mm-hm. ", "That sounds really hard. ", "Okay. ",
	"I don't know, it's been a week. ", "Tell me more about that. ", "Right, right. ",
	"I went to my meeting on Tuesday like I said I would. ", "We can come back to that. ",
	"Sleep has been better since Monday. ", "I called my sponsor twice. "}

// speech writes a transcript: a therapist and a client, identifiers in the
// client's and therapist's turns, clinical talk between.
func speech(g *gen, h int) {
	b := g.b
	b.label("Therapist").t("Okay, we're on. How are things since last time? ")
	b.label("Client").t(g.pick(fillers))
	cats := append([]string(nil), spokenCats...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 8 + g.r.Intn(6)
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			b.label("Client")
		} else {
			b.label("Therapist")
			b.t(g.pick(fillers))
			g.clinical()
			b.label("Client")
		}
		g.pickShape(cats[i%len(cats)], h)(g)
		if g.r.Intn(2) == 0 {
			b.t(g.pick(fillers))
		}
	}
	b.label("Therapist")
	g.clinical()
	b.t("Let's stop there for today. ")
	if len(g.people) > 0 {
		p := g.people[0]
		b.t("Say hi to ").id("NAME", "name-first", p[0]).t(" for me. ")
	}
}

// note writes a written clinical note: a header of fields and narrative.
func note(g *gen, h int) {
	b := g.b
	f, l := g.person()
	a, m, ph := g.phone555()
	b.t("PROGRESS NOTE\nClient: ").id("NAME", "name-full", f+" "+l).t("\nDOB: ").
		id("DATE", "date-dob", fmt.Sprintf("%02d/%02d/19%d", 1+g.r.Intn(12), 1+g.r.Intn(28), 40+g.r.Intn(60))).
		t("\nMRN: ").id("ID", "id-mrn", g.digits(8)).t("\nAddress: ")
	if h == 0 {
		b.id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s, Apt. %d", 10+g.r.Intn(900), g.pick(g.p.streets), g.pick(g.p.streetTypes), 1+g.r.Intn(40))).
			t(", ").id("LOCATION", "town", g.pick(g.p.towns)).t(", OH ").id("LOCATION", "zip", "4"+g.digits(4))
	} else {
		b.id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s Suite %d", 10+g.r.Intn(900), g.pick(g.p.streets), g.pick(g.p.streetTypes), 100+g.r.Intn(300))).
			t(", ").id("LOCATION", "town", g.pick(g.p.towns)).t(", PA ").id("LOCATION", "zip", "1"+g.digits(4))
	}
	b.t("\nPhone: ").id("PHONE", "phone-dotted", a+"."+m+"."+ph).t("\n\n")
	b.t("Session ").k("therapy", "CBT").t(", 53 minutes, telehealth. Client seen on ").
		id("DATE", "date-written", fmt.Sprintf("%s %d, 2024", g.pick(monthsW)[:3]+".", 1+g.r.Intn(28))).t(". ")
	g.clinical()
	b.t("\n")
	cats := append([]string(nil), spokenCats...)
	cats = append(cats, writtenOnly...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 7 + g.r.Intn(5)
	for i := 0; i < n; i++ {
		b.t("Client reports: ")
		g.pickShape(cats[i%len(cats)], h)(g)
		if i%3 == 2 {
			g.clinical()
			b.t("\n")
		}
	}
	b.t("\nPlan: continue ").k("therapy", g.pick(therapy)).t("; ").id("NAME", "name-first", f).t(" to return in two weeks. ")
	g.clinical()
}

func main() {
	out := flag.String("out", "redaction/testdata", "directory for indep-tune.jsonl and indep-heldout.jsonl")
	n := flag.Int("n", 80, "documents per file")
	flag.Parse()
	for h, name := range []string{"indep-tune.jsonl", "indep-heldout.jsonl"} {
		r := rand.New(rand.NewSource(int64(1301 + h)))
		p := all.half(h)
		f, err := os.Create(filepath.Join(*out, name))
		if err != nil {
			log.Fatal(err)
		}
		enc := json.NewEncoder(f)
		for i := 0; i < *n; i++ {
			g := &gen{r: r, p: p, b: &builder{}}
			kind := "speech"
			switch i % 3 {
			case 0:
				note(g, h)
				kind = "note"
			case 1:
				speech(g, h)
			case 2:
				g.b.asr = true
				speech(g, h)
				kind = "speech-asr"
			}
			d := doc{ID: fmt.Sprintf("%s-%03d", strings.TrimSuffix(name, ".jsonl"), i+1), Kind: kind,
				Text: g.b.sb.String(), Spans: g.b.spans, Keep: g.b.keep}
			check(d)
			if err := enc.Encode(d); err != nil {
				log.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
	writeFresh(filepath.Join(*out, "indep-heldout2.jsonl"), *n, 20261206, freshPools, freshNote, freshSpeech)
	writeFresh(filepath.Join(*out, "indep-heldout3.jsonl"), *n, 3303, fresh3Pools, fresh3Note, fresh3Speech)
	writeFresh(filepath.Join(*out, "indep-heldout4.jsonl"), *n, 4404, fresh4Pools, fresh4Note, fresh4Speech)
	writeFresh(filepath.Join(*out, "indep-heldout5.jsonl"), *n, 5505, fresh5Pools, fresh5Note, fresh5Speech)
	writeFresh(filepath.Join(*out, "indep-heldout6.jsonl"), *n, 6606, fresh6Pools, fresh6Note, fresh6Speech)
}

// writeFresh writes a fresh held-out part (fresh.go, fresh3.go): its own
// seed, shapes, layouts and pools.
func writeFresh(path string, n int, seed int64, p pools, note, speech func(*gen)) {
	r := rand.New(rand.NewSource(seed))
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for i := 0; i < n; i++ {
		g := &gen{r: r, p: p, b: &builder{}}
		kind := "speech"
		switch i % 3 {
		case 0:
			note(g)
			kind = "note"
		case 1:
			speech(g)
		case 2:
			g.b.asr = true
			speech(g)
			kind = "speech-asr"
		}
		d := doc{ID: fmt.Sprintf("%s-%03d", strings.TrimSuffix(filepath.Base(path), ".jsonl"), i+1), Kind: kind, Text: g.b.sb.String(), Spans: g.b.spans, Keep: g.b.keep}
		check(d)
		if err := enc.Encode(d); err != nil {
			log.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// check asserts that every span's offsets hold its value.
func check(d doc) {
	rs := []rune(d.Text)
	for _, s := range append(append([]span(nil), d.Spans...), d.Keep...) {
		if string(rs[s.Start:s.End]) != s.Value || s.Value == "" || unicode.IsSpace(rs[s.Start]) {
			log.Fatalf("%s: span %q at %d-%d does not match the text", d.ID, s.Value, s.Start, s.End)
		}
	}
}
