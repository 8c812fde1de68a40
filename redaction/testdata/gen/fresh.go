package main

import (
	"fmt"
	"strings"
)

// The fresh held-out part (indep-heldout2.jsonl) was written after the
// first held-out part had been looked at (docs/redaction.md, round 3). It
// shares nothing with the other two parts but the builder and the clinical
// sentences: its own seed, its own sentence shapes for every category, its
// own speaker labels and note layout, and filler pools disjoint from both
// other parts (names from the SSA and Census lists, real US towns from the
// Census gazetteer, invented employers and facilities, US chains). It is
// scored only at the end of a round, aggregate and per-category figures
// only: its test never prints a leak's text.

var freshPools = pools{
	given: []string{"Ottoline", "Deshawn", "Ezekiel", "Brianna", "Tomasz", "Priyanka", "Obadiah", "Shontelle", "Augustin",
		"Philomena", "Nikolai", "Esperanza", "Lamont", "Araceli", "Mordecai", "Tamsin", "Jericho", "Ines", "Bogdan",
		"Tameka", "Caspian", "Rosario", "Gideon", "Anneliese", "Tyrell", "Wilhelmina", "Cosimo", "Dagny", "Georgiana", "Arjun"},
	commonWordNames: []string{"Rusty", "Ginger", "Summer", "Misty", "Destiny", "Birdie", "Joy", "Tiny", "Cricket", "Duke",
		"Ace", "Buck", "Sonny", "Ivy", "Pepper", "Cash", "Colt", "Jewel", "Rebel", "Blaze", "Angel", "Hunter", "Autumn", "Trinity"},
	surnames: []string{"Przybylski", "Onwuachi", "Hollingsworth", "Villanueva", "Schermerhorn", "Boudreaux", "Mikkelsen",
		"Adeyemi", "Whitlock", "Carrasquillo", "Bergqvist", "Fairbanks", "Kaczmarek", "Underwood", "Pettibone", "Crenshaw",
		"Teodorescu", "Yoshimura", "Pendergrass", "Ochoa", "Wnuk", "Ballantyne", "Mwangi", "Sigurdsson", "Throckmorton",
		"Esposito", "Cheatham", "Nguyen", "Krzyzewski", "Olmstead"},
	particleSurnames: []string{"de Souza", "Van Houten", "O'Rourke", "del Toro", "La Fontaine", "Van Wyk", "di Stefano",
		"El-Amin", "St. Pierre", "MacGregor", "Lopez-Rivera", "D'Amico"},
	hyphenGiven: []string{"Ella-Mae", "Bobbie-Jo", "Billy-Ray", "Sue-Ellen"},
	towns: []string{"Logansport", "Kankakee", "Paducah", "Tullahoma", "Muskogee", "Ottumwa", "Hannibal", "Gallipolis",
		"Punxsutawney", "Biloxi", "Enid", "Laramie", "Elko", "Bastrop", "Yreka", "Winnemucca", "Red Wing", "Glens Falls",
		"Brattleboro", "Presque Isle", "Cape Girardeau", "Hot Springs", "Council Bluffs", "Grand Island", "Battle Creek",
		"Mattoon", "Wilkes-Barre", "Bowling Green", "Sedalia", "Marquette"},
	counties: []string{"Wyandot County", "Schuylkill County", "Pottawattamie County", "Cattaraugus County",
		"Tippecanoe County", "Lackawanna County"},
	streets:     []string{"Persimmon", "Magnolia", "Chestnut", "Dogwood", "Briarwood", "Fairview", "Lakeview", "Ridgeway", "Quince", "Prospect", "Stonegate", "Whitfield"},
	streetTypes: []string{"St.", "Ave", "Rd", "Circle", "Place", "Parkway", "Trail", "Highway"},
	facilityStems: []string{"Harbor Light", "Sunrise Ridge", "Hidden Valley", "Larch Haven", "Meadowbrook", "Bayberry",
		"Foxglove", "New Horizons", "Clearwater", "Bright Path", "Hilltop", "Kestrel Point"},
	brands: []string{"Casey's", "Dairy Queen", "Big Lots", "Bojangles", "Culver's", "Rural King", "Winn-Dixie",
		"Buc-ee's", "QuikTrip", "Save-A-Lot", "Aldi", "Hy-Vee", "Love's", "Ollie's"},
	employers: []string{"Dunlavy Precast", "Shelton Meat Packing", "Eastbrook Cold Storage", "Krebs Excavating",
		"Gorsuch Lumber", "Calloway Sheet Metal", "Hartwell Mills", "Stoltzfus Turkey Farm", "Tidewater Marine",
		"Prairie State Grain", "Tollefson Linen Service", "Bowers Fence and Deck"},
	schools: []string{"Coolidge Elementary", "Fillmore Middle School", "Marian Catholic", "Valley View High",
		"Southfork Junior High", "Tri-County Vocational", "Emerson Elementary", "Lakeland Community College"},
	mailHosts: []string{"gmail", "yahoo", "outlook", "hotmail", "icloud", "aol", "comcast", "att"},
	webWords:  []string{"renewalhouse", "freshstartcounseling", "soberpathways", "hopehavenrecovery", "firststepsfamily", "lighthouseclinic"},
}

func (g *gen) freshCommon() string { return g.pick(g.p.commonWordNames) }

var freshShapes = map[string][]shape{
	"name-full": {
		func(g *gen) {
			g.b.t("My sponsor's name is ")
			g.fullName("name-full")
			g.b.t(", she has eleven years. ")
		},
		func(g *gen) {
			g.b.t("I had a falling out with ")
			g.fullName("name-full")
			g.b.t(" over the summer. ")
		},
		func(g *gen) {
			g.fullName("name-full")
			g.b.t(" from the housing office finally called back. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("You remember ").id("NAME", "name-full", f+" "+l).t("? He's out now. ").id("NAME", "name-first", f).t(" wants to meet up. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("The ").id("NAME", "name-surname", l).t(" kids are over every day, and ").id("NAME", "name-first", f).t(" never picks them up. ")
		},
	},
	"name-common-word": {
		func(g *gen) {
			g.b.t("My buddy ").id("NAME", "name-common-word", g.freshCommon()).t(" is getting out next month. ")
		},
		func(g *gen) {
			g.b.t("I'm staying with ").id("NAME", "name-common-word", g.freshCommon()).t(" for a while, on the couch. ")
		},
		func(g *gen) {
			g.b.t("Ask ").id("NAME", "name-common-word", g.freshCommon()).t(", she'll tell you the same thing. ")
		},
		func(g *gen) {
			g.b.t("My girlfriend ").id("NAME", "name-common-word", g.freshCommon()).t(" wants me to move in. ")
		},
		func(g *gen) {
			g.b.t("Then ").id("NAME", "name-common-word", g.freshCommon()).t(" called and said he was outside. ")
		},
		func(g *gen) {
			g.b.t("Her dad, ").id("NAME", "name-common-word", g.freshCommon()).t(", doesn't want me around. ")
		},
	},
	"name-title": {
		func(g *gen) {
			_, l := g.person()
			g.b.t("Pastor ").id("NAME", "name-title", l).t(" lets us use the basement for meetings. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Sergeant ").id("NAME", "name-title", l).t(" was the one who arrested me. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Nurse ").id("NAME", "name-title", l).t(" does the injections on Fridays. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Coach ").id("NAME", "name-title", l).t(" kicked him off the team. ")
		},
	},
	"facility": {
		func(g *gen) {
			g.b.t("I was inpatient at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Behavioral Hospital").t(" for two weeks. ")
		},
		func(g *gen) {
			g.b.t("They sent me to ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Detox").t(" the first time. ")
		},
		func(g *gen) {
			g.b.t("We slept at the ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Shelter").t(" for a month. ")
		},
		func(g *gen) {
			g.b.t("My dosing is at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Treatment Services").t(", every morning. ")
		},
		func(g *gen) {
			g.b.t("He ended up in the psych unit at ").id("LOCATION", "facility", "Saint "+g.pick([]string{"Elizabeth", "Vincent", "Joseph", "Francis", "Anthony"})+" Medical Center").t(". ")
		},
		func(g *gen) {
			g.b.t("The halfway house in ").id("LOCATION", "town", g.pick(g.p.towns)).t(" had a bed open. ")
		},
	},
	"org": {
		func(g *gen) {
			g.b.id("ORG", "org-employer", g.pick(g.p.employers)).t(" laid me off last spring. ")
		},
		func(g *gen) {
			g.b.t("My manager at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" keeps cutting my hours. ")
		},
		func(g *gen) {
			g.b.t("I've been at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" going on six years. ")
		},
		func(g *gen) {
			g.b.t("They let me go from ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" after the drug test. ")
		},
		func(g *gen) {
			g.b.t("I got a job stocking shelves at ").id("ORG", "org-brand", g.pick(g.p.brands)).t(". ")
		},
		func(g *gen) {
			g.b.t("We met up in the ").id("ORG", "org-brand", g.pick(g.p.brands)).t(" parking lot. ")
		},
		func(g *gen) {
			g.b.t("My youngest is in second grade at ").id("ORG", "org-school", g.pick(g.p.schools)).t(". ")
		},
		func(g *gen) {
			g.b.id("ORG", "org-school", g.pick(g.p.schools)).t(" called about her attendance again. ")
		},
	},
	"age": {
		func(g *gen) {
			g.b.t("Nana's ").id("AGE", "age90", spokenNum(90+g.r.Intn(10))).t(" now and still sharp. ")
		},
		func(g *gen) {
			g.b.t("My neighbor, he's ").id("AGE", "age90", fmt.Sprint(90+g.r.Intn(10))).t(", he watches the dog. ")
		},
		func(g *gen) {
			g.b.t("Great-grandpa made it to a ").id("AGE", "age90", "hundred and "+units[2+g.r.Intn(5)]).t(". ")
		},
	},
	"url-spoken": {
		func(g *gen) {
			g.b.t("They have a website, ").id("URL", "url-spoken", g.pick(g.p.webWords)+" dot org").t(", with the meeting list. ")
		},
		func(g *gen) {
			g.b.t("Look at ").id("URL", "url-spoken", "w w w dot "+g.pick(g.p.webWords)+" dot com slash families").t(" tonight. ")
		},
	},
	"email-spoken": {
		func(g *gen) {
			f, l := g.person()
			g.b.t("My email's ").id("EMAIL", "email-spoken", strings.ToLower(f)+" underscore "+strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(l, " ", ""), "'", ""))+" at "+g.pick(g.p.mailHosts)+" dot com").t(". ")
		},
		func(g *gen) {
			f, _ := g.person()
			g.b.t("You can write to ").id("EMAIL", "email-spoken", strings.ToLower(f)+" "+spokenNum(20+g.r.Intn(70))+" at "+g.pick(g.p.mailHosts)+" dot net").t(". ")
		},
	},
	"plate": {
		func(g *gen) {
			g.b.t("Her plate says ").id("ID", "plate-spelled", g.letters(3)+" "+g.sayDigits(g.digits(3))).t(", it's a red Civic. ")
		},
		func(g *gen) {
			g.b.t("The car had plates ").id("ID", "plate-spelled", g.letters(1)+" "+g.sayDigits(g.digits(1))+" "+g.sayDigits(g.digits(1))+" "+g.letters(3)).t(". ")
		},
		func(g *gen) {
			g.b.t("His tag is ").id("ID", "plate-spelled", g.letters(2)+" "+g.sayDigits(g.digits(3))+" "+g.letters(1)).t(", out of state. ")
		},
		func(g *gen) {
			g.b.t("I remember the license, ").id("ID", "plate-spelled", g.sayDigits(g.digits(1))+" "+g.letters(3)+" "+g.sayDigits(g.digits(2))).t(". ")
		},
	},
	"id-digits": {
		func(g *gen) {
			g.b.t("My policy number is ").id("ID", "id-digit-by-digit", g.sayDigits(g.digits(10))).t(". ")
		},
		func(g *gen) {
			g.b.t("My probation number's ").id("ID", "id-dash", g.sayDigits(g.digits(2))+" dash "+g.sayDigits(g.digits(5))).t(". ")
		},
		func(g *gen) {
			g.b.t("His inmate number is ").id("ID", "id-digit-by-digit", g.sayDigits(g.digits(7))).t(" if you want to write him. ")
		},
	},
	"ssn": {
		func(g *gen) {
			g.b.t("Social's ").id("SSN", "ssn-full", g.sayDigits(g.digits(3))+" "+g.sayDigits(g.digits(2))+" "+g.sayDigits(g.digits(4))).t(". ")
		},
		func(g *gen) {
			g.b.t("Mine ends in ").id("SSN", "ssn-partial", g.sayDigits(g.digits(4))).t(", the social I mean. ")
		},
	},
	"date": {
		func(g *gen) {
			g.b.t("It happened on ").id("DATE", "date-spoken", g.pick(monthsW)+" the "+spokenOrd(1+g.r.Intn(28))).t(". ")
		},
		func(g *gen) {
			d := 1 + g.r.Intn(28)
			g.b.t("I get out on the ").id("DATE", "date-dmy", fmt.Sprintf("%d%s of %s", d, ordSuffix(d), g.pick(monthsW))).t(". ")
		},
		func(g *gen) {
			if g.b.asr {
				g.b.t("My last drink was ").id("DATE", "date-spoken", g.pick(monthsW)+" "+spokenOrd(1+g.r.Intn(28))).t(". ")
				return
			}
			g.b.t("My last drink was ").id("DATE", "date-short", fmt.Sprintf("%d/%d", 1+g.r.Intn(12), 1+g.r.Intn(28))).t(". ")
		},
		func(g *gen) {
			g.b.t("The funeral is ").id("DATE", "date-ordinal", "the "+spokenOrd(2+g.r.Intn(27))).t(", a Saturday. ")
		},
	},
	"street": {
		func(g *gen) {
			g.b.t("I live off of ").id("LOCATION", "street-unit", fmt.Sprintf("%d N. %s %s", 100+g.r.Intn(9000), g.pick(g.p.streets), g.pick(g.p.streetTypes))).t(" now. ")
		},
		func(g *gen) {
			g.b.t("He's over on ").id("LOCATION", "street", g.pick(g.p.streets)+" "+g.pick([]string{"Street", "Avenue", "Road", "Drive"})).t(" near the school. ")
		},
		func(g *gen) {
			g.b.t("It's ").id("LOCATION", "street-unit", fmt.Sprintf("%s hundred %s %s", spokenNum(20+g.r.Intn(70)), g.pick(g.p.streets), g.pick([]string{"Road", "Street", "Lane"}))).t(", the blue house. ")
		},
	},
	"zip": {
		func(g *gen) { g.b.t("My zip's ").id("LOCATION", "zip-alone", g.sayDigits(g.digits(5))).t(". ") },
		func(g *gen) {
			g.b.t("They only cover zip codes like ").id("LOCATION", "zip-alone", "6"+g.digits(4)).t(". ")
		},
	},
	"town": {
		func(g *gen) {
			g.b.t("My whole family is back in ").id("LOCATION", "town", g.pick(g.p.towns)).t(". ")
		},
		func(g *gen) {
			g.b.id("LOCATION", "town", g.pick(g.p.towns)).t(" is where I got my first DUI. ")
		},
		func(g *gen) {
			g.b.t("We drove up to ").id("LOCATION", "town", g.pick(g.p.towns)).t(" for the funeral. ")
		},
		func(g *gen) {
			g.b.t("The apartment in ").id("LOCATION", "town", g.pick(g.p.towns)).t(" fell through. ")
		},
		func(g *gen) {
			g.b.t("He works up in ").id("LOCATION", "county", g.pick(g.p.counties)).t(" now. ")
		},
	},
	"phone": {
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("You can reach me on ").id("PHONE", "phone-spaced", a+" "+m+" "+l).t(". ")
		},
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("Her cell is ").id("PHONE", "phone-spoken", g.sayDigits(a)+" "+g.sayDigits(m)+" "+g.sayDigits(l)).t(", text first. ")
		},
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("The shelter's number is (").id("PHONE", "phone-paren", a+") "+m+"-"+l).t(". ")
		},
	},
	"ip": {
		func(g *gen) {
			g.b.t("Access log shows ").id("IP", "ip", fmt.Sprintf("172.16.%d.%d", g.r.Intn(255), 1+g.r.Intn(254))).t(". ")
		},
	},
	"email-written": {
		func(g *gen) {
			f, l := g.person()
			g.b.t("Contact: ").id("EMAIL", "email-written", strings.ToLower(f)+"."+strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(l, " ", ""), "'", ""))+"@"+g.pick(g.p.mailHosts)+".com").t(". ")
		},
	},
	"url-written": {
		func(g *gen) {
			g.b.t("Handout from ").id("URL", "url-written", "http://"+g.pick(g.p.webWords)+".org/help").t(". ")
		},
	},
}

var freshFillers = []string{"Uh-huh. ", "That makes sense. ", "I guess so. ", "Go on. ",
	"It's been rough, honestly. ", "How did that feel? ", "Sure, sure. ",
	"I made it to two meetings this week. ", "Let's hold that thought. ",
	"The cravings were bad on Saturday. ", "I journaled most nights. "}

func (g *gen) freshShape(cat string) shape {
	ss := freshShapes[cat]
	return ss[g.r.Intn(len(ss))]
}

// freshSpeech writes a session transcript with its own speaker labels.
func freshSpeech(g *gen) {
	b := g.b
	coun, part := "Counselor", "Participant"
	if g.r.Intn(2) == 0 {
		coun, part = "Speaker 1", "Speaker 2"
	}
	b.label(coun).t("Alright, we're recording. Where do you want to start? ")
	b.label(part).t(g.pick(freshFillers))
	cats := append([]string(nil), spokenCats...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 9 + g.r.Intn(6)
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			b.label(part)
		} else {
			b.label(coun)
			b.t(g.pick(freshFillers))
			g.clinical()
			b.label(part)
		}
		g.freshShape(cats[i%len(cats)])(g)
		if g.r.Intn(2) == 0 {
			b.t(g.pick(freshFillers))
		}
	}
	b.label(coun)
	g.clinical()
	b.t("Same time next week. ")
	if len(g.people) > 0 {
		p := g.people[len(g.people)-1]
		b.t("And tell ").id("NAME", "name-first", p[0]).t(" I said thanks. ")
	}
}

// freshNote writes a referral letter: a different layout from note.
func freshNote(g *gen) {
	b := g.b
	f, l := g.person()
	a, m, ph := g.phone555()
	d := 1 + g.r.Intn(28)
	b.t("REFERRAL FOR CONTINUED CARE\nRe: ").id("NAME", "name-full", l+", "+f).
		t(" (DOB ").id("DATE", "date-dob", fmt.Sprintf("%d/%d/%d", 1+g.r.Intn(12), d, 1950+g.r.Intn(55))).
		t(")\nMedicaid ID: ").id("ID", "id-mrn", fmt.Sprintf("%c%c%s", 'A'+rune(g.r.Intn(26)), 'A'+rune(g.r.Intn(26)), g.digits(7))).
		t("\nHome: ").id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s Unit %d", 10+g.r.Intn(9000), g.pick(g.p.streets), g.pick(g.p.streetTypes), 1+g.r.Intn(40))).
		t(", ").id("LOCATION", "town", g.pick(g.p.towns)).t(", ").t(g.pick([]string{"IA", "KY", "NY", "MO"})).t(" ").id("LOCATION", "zip", "5"+g.digits(4)).
		t("\nTel ").id("PHONE", "phone-paren", "("+a+") "+m+"-"+ph).t("\n\n")
	b.t("To whom it may concern: I am referring the above client, last seen ").
		id("DATE", "date-written", fmt.Sprintf("%s %d, 2025", g.pick(monthsW), 1+g.r.Intn(28))).t(", for ").k("therapy", g.pick(therapy)).t(". ")
	g.clinical()
	b.t("\n")
	cats := append([]string(nil), spokenCats...)
	cats = append(cats, writtenOnly...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 8 + g.r.Intn(5)
	for i := 0; i < n; i++ {
		b.t(g.pick([]string{"Per client, ", "Client states: ", "Collateral reports: "}))
		g.freshShape(cats[i%len(cats)])(g)
		if i%3 == 1 {
			g.clinical()
			b.t("\n")
		}
	}
	b.t("\nRecommendation: ").k("therapy", g.pick(therapy)).t(". Please contact me with questions regarding Mr./Ms. ").id("NAME", "name-surname", l).t(". ")
	g.clinical()
}
