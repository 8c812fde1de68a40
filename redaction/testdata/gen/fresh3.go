package main

import (
	"fmt"
	"strings"
)

// The third held-out part (indep-heldout3.jsonl) was written in round 3
// after the fresh part (fresh.go) had been scored once, and before any
// change made in answer to that score; it is scored only at the end of the
// round, aggregate and per-category figures only. Its own seed, shapes,
// labels, note layout (a discharge summary) and pools, disjoint from the
// other three parts and from the dev corpus.

var fresh3Pools = pools{
	given: []string{"Hortensia", "Leandro", "Marguerita", "Quincy", "Saoirse", "Bartosz", "Dolores", "Emmanuel", "Fiorella",
		"Gunnar", "Hyacinth", "Ivo", "Jacinta", "Kasimir", "Ludmila", "Matthias", "Norberto", "Octavia", "Prosper", "Radomir",
		"Sabine", "Tadeo", "Ulrike", "Valentin", "Wendeline", "Xavier", "Yolanda", "Zbigniew", "Aurelio", "Brunhilde"},
	commonWordNames: []string{"Biscuit", "Pebbles", "Shorty", "Goober", "Sarge", "Bubba", "Tex", "Doodle", "Lady", "Princess",
		"Boomer", "Chip", "Dodger", "Freckles", "Sparky", "Buster", "Cupcake", "Tater", "Skeeter", "Peanut"},
	surnames: []string{"Ostendorf", "Wierzbicki", "Appiah", "Fenstermacher", "Quattrochi", "Lundqvist", "Baptiste", "Ogletree",
		"Zielinski", "Vukovich", "Hargreaves", "Ebersole", "Kaminski", "Prendergast", "Szekely", "Torvik", "Umstead", "Wojtowicz",
		"Yarborough", "Amankwah", "Breckenridge", "Cavanaugh", "Dombrowski", "Esterhazy", "Gallardo", "Hulsizer", "Ibarra",
		"Jaworek", "Kittredge", "Lachance"},
	particleSurnames: []string{"van Dijk", "De Luca", "O'Shaughnessy", "dos Santos", "Le Roux", "von Bülow", "al-Amin",
		"St. John", "MacLeod", "Fitz-Simmons"},
	hyphenGiven: []string{"Bobbi-Lynn", "Pierre-Yves", "Rae-Lynn", "Anna-Sofia"},
	towns: []string{"Meadville", "Tiffin", "Lufkin", "Ardmore", "Dubuque", "Kearney", "Minot", "Scottsbluff", "Beloit",
		"Effingham", "Bluefield", "Corbin", "Hazard", "Natchez", "Greenwood", "Valdosta", "Dothan", "Pikeville", "Clarksburg",
		"Cumberland", "Oneonta", "Plattsburgh", "Rutland", "Houlton", "Berlin Heights", "New Iberia", "Fort Payne", "West Plains",
		"Eagle Butte", "Spirit Lake"},
	counties: []string{"Fayette County", "Venango County", "Tioga County", "Tazewell County", "Clinton County", "Adair County"},
	streets: []string{"Sassafras", "Hemlock", "Bramblewood", "Kingsley", "Osage", "Pawnee", "Mulberry", "Spruce", "Thistle",
		"Aspen", "Cardinal", "Wren"},
	streetTypes: []string{"Street", "Avenue", "Road", "Lane", "Drive", "Court", "Ct.", "Blvd."},
	facilityStems: []string{"Laurel Heights", "Twin Pines", "Stony Brook", "Highland", "Mountain View", "Serene Meadows",
		"Whispering Oaks", "Bayview", "Sparrow Hill", "Cornerstone", "Quarry Hill", "Alder Ridge"},
	brands: []string{"Stewart's Shops", "Target", "Ace Hardware", "McDonald's", "Taco Bell", "Kwik Trip", "Dunkin'", "Kohl's", "Bealls",
		"Burlington", "Marshalls", "Wendy's"},
	employers: []string{"Brandywine Auto Parts", "Midwest Pallet", "Ridgeline Excavation", "Laurelwood Home Health", "Greer Family Farms",
		"Allegheny Steel Fabricators", "Northern Tier Transport", "Bluegrass Bottling", "Oakes and Daughters Plumbing",
		"Cascade Window and Door", "Pioneer Feed Mill", "Hanley Brothers Masonry"},
	schools: []string{"Washington Irving Elementary", "Madison Middle School", "North Central High School",
		"St. Bernadette School", "Lakota East High", "Stonebridge Academy", "Polk County Community College", "Harding Elementary"},
	mailHosts: []string{"gmail", "yahoo", "outlook", "hotmail", "proton", "live", "msn", "ymail"},
	webWords:  []string{"pathwayshome", "newdawnrecovery", "familybridges", "steadyground", "clearmindclinic", "wellspringcare"},
}

var fresh3Shapes = map[string][]shape{
	"name-full": {
		func(g *gen) {
			g.b.t("The guy who runs the meeting, ")
			g.fullName("name-full")
			g.b.t(", asked about you. ")
		},
		func(g *gen) {
			g.b.t("I got a letter from ")
			g.fullName("name-full")
			g.b.t(" at legal aid. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("Me and ").id("NAME", "name-full", f+" "+l).t(" go way back. ").id("NAME", "name-first", f).t(" knows everything. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("Her new boyfriend is ").id("NAME", "name-full", f+" "+l).t(", and ").id("NAME", "name-surname", l).t(" has a record. ")
		},
	},
	"name-common-word": {
		func(g *gen) {
			g.b.t("We call him ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" because he never sits still. ")
		},
		func(g *gen) {
			g.b.t("My roommate ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" uses in the apartment. ")
		},
		func(g *gen) {
			g.b.t("I went fishing with ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" on Saturday. ")
		},
		func(g *gen) {
			g.b.id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" told me I looked good. ")
		},
	},
	"name-title": {
		func(g *gen) {
			_, l := g.person()
			g.b.t("Deputy ").id("NAME", "name-title", l).t(" drove me home that night. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Mrs. ").id("NAME", "name-title", l).t(" next door called the police. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Father ").id("NAME", "name-title", l).t(" still visits on Sundays. ")
		},
	},
	"facility": {
		func(g *gen) {
			g.b.t("I did ninety days at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Recovery Center").t(". ")
		},
		func(g *gen) {
			g.b.t("She works the front desk at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Clinic").t(". ")
		},
		func(g *gen) {
			g.b.t("They kept me overnight at ").id("LOCATION", "facility", "St. "+g.pick([]string{"Luke's", "Mary's", "Catherine's", "Jude"})+" Hospital").t(". ")
		},
		func(g *gen) {
			g.b.t("The men's shelter on the east side, ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Mission").t(", takes walk-ins. ")
		},
	},
	"org": {
		func(g *gen) {
			g.b.t("I drive a truck for ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" now. ")
		},
		func(g *gen) {
			g.b.t("The job at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" fell through after the background check. ")
		},
		func(g *gen) {
			g.b.t("He's a foreman at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(". ")
		},
		func(g *gen) {
			g.b.t("I ran into her at ").id("ORG", "org-brand", g.pick(g.p.brands)).t(" buying diapers. ")
		},
		func(g *gen) {
			g.b.t("My son got suspended from ").id("ORG", "org-school", g.pick(g.p.schools)).t(". ")
		},
	},
	"age": {
		func(g *gen) {
			g.b.t("Grandma just turned ").id("AGE", "age90", spokenNum(90+g.r.Intn(10))).t(" last week. ")
		},
		func(g *gen) {
			g.b.t("He's almost ").id("AGE", "age90", fmt.Sprint(90+g.r.Intn(10))).t(" years old. ")
		},
	},
	"url-spoken": {
		func(g *gen) {
			g.b.t("Check out ").id("URL", "url-spoken", g.pick(g.p.webWords)+" dot org").t(" when you get a chance. ")
		},
	},
	"email-spoken": {
		func(g *gen) {
			f, _ := g.person()
			g.b.t("Her email is ").id("EMAIL", "email-spoken", strings.ToLower(f)+" at "+g.pick(g.p.mailHosts)+" dot com").t(". ")
		},
	},
	"plate": {
		func(g *gen) {
			g.b.t("The license plate was ").id("ID", "plate-spelled", g.letters(3)+" "+g.sayDigits(g.digits(4))).t(". ")
		},
		func(g *gen) {
			g.b.t("I got the plate, ").id("ID", "plate-spelled", g.sayDigits(g.digits(2))+" "+g.letters(2)+" "+g.sayDigits(g.digits(2))).t(", and called it in. ")
		},
	},
	"id-digits": {
		func(g *gen) {
			g.b.t("My Medicare number is ").id("ID", "id-digit-by-digit", g.sayDigits(g.digits(4))+" "+g.letters(2)+" "+g.sayDigits(g.digits(4))).t(". ")
		},
		func(g *gen) {
			g.b.t("Docket number ").id("ID", "id-dash", g.sayDigits(g.digits(2))+" dash "+g.sayDigits(g.digits(4))).t(". ")
		},
		func(g *gen) {
			g.b.t("The account number is ").id("ID", "id-digit-by-digit", g.sayDigits(g.digits(8))).t(". ")
		},
	},
	"ssn": {
		func(g *gen) {
			g.b.t("My social security number is ").id("SSN", "ssn-full", g.digits(3)+"-"+g.digits(2)+"-"+g.digits(4)).t(". ")
		},
		func(g *gen) {
			g.b.t("Last four of the social, ").id("SSN", "ssn-partial", g.sayDigits(g.digits(4))).t(". ")
		},
	},
	"date": {
		func(g *gen) {
			g.b.t("I was arrested on ").id("DATE", "date-dmy", fmt.Sprintf("%s %d", g.pick(monthsW), 1+g.r.Intn(28))).t(". ")
		},
		func(g *gen) {
			g.b.t("Her birthday is ").id("DATE", "date-spoken", g.pick(monthsW)+" "+spokenOrd(1+g.r.Intn(28))).t(". ")
		},
		func(g *gen) {
			if g.b.asr {
				g.b.t("Court is ").id("DATE", "date-spoken", g.pick(monthsW)+" "+spokenOrd(1+g.r.Intn(28))).t(". ")
				return
			}
			g.b.t("Court is ").id("DATE", "date-short", fmt.Sprintf("%d/%d/25", 1+g.r.Intn(12), 1+g.r.Intn(28))).t(". ")
		},
	},
	"street": {
		func(g *gen) {
			g.b.t("We rent a place at ").id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s", 10+g.r.Intn(3000), g.pick(g.p.streets), g.pick(g.p.streetTypes))).t(". ")
		},
		func(g *gen) {
			g.b.t("It's the corner of ").id("LOCATION", "street", g.pick(g.p.streets)+" and "+g.pick(g.p.streets)).t(". ")
		},
	},
	"zip": {
		func(g *gen) { g.b.t("Zip code ").id("LOCATION", "zip-alone", g.digits(5)).t(". ") },
	},
	"town": {
		func(g *gen) {
			g.b.t("My kids are with their dad in ").id("LOCATION", "town", g.pick(g.p.towns)).t(". ")
		},
		func(g *gen) {
			g.b.t("I grew up outside of ").id("LOCATION", "town", g.pick(g.p.towns)).t(". ")
		},
		func(g *gen) {
			g.b.t("We might move to ").id("LOCATION", "town", g.pick(g.p.towns)).t(" in the spring. ")
		},
		func(g *gen) {
			g.b.t("There's no work in ").id("LOCATION", "county", g.pick(g.p.counties)).t(". ")
		},
	},
	"phone": {
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("Call my mom at ").id("PHONE", "phone-dashed", a+"-"+m+"-"+l).t(". ")
		},
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("The number is ").id("PHONE", "phone-spoken", g.sayDigits(a)+", "+g.sayDigits(m)+", "+g.sayDigits(l)).t(". ")
		},
	},
	"ip": {
		func(g *gen) {
			g.b.t("Login came from ").id("IP", "ip", fmt.Sprintf("10.%d.%d.%d", g.r.Intn(255), g.r.Intn(255), 1+g.r.Intn(254))).t(". ")
		},
	},
	"email-written": {
		func(g *gen) {
			f, _ := g.person()
			g.b.t("E-mail ").id("EMAIL", "email-written", strings.ToLower(f)+g.digits(3)+"@"+g.pick(g.p.mailHosts)+".com").t(". ")
		},
	},
	"url-written": {
		func(g *gen) {
			g.b.t("Referred to ").id("URL", "url-written", "www."+g.pick(g.p.webWords)+".org").t(". ")
		},
	},
}

var fresh3Fillers = []string{"Right. ", "Okay, okay. ", "Hmm. ", "That's a lot. ", "I hear you. ",
	"Honestly I'm tired. ", "What happened next? ", "Yeah. ", "I didn't use this week. ", "Keep going. "}

func (g *gen) fresh3Shape(cat string) shape {
	ss := fresh3Shapes[cat]
	return ss[g.r.Intn(len(ss))]
}

func fresh3Speech(g *gen) {
	b := g.b
	clin, pt := "Clinician", "Patient"
	if g.r.Intn(2) == 0 {
		clin, pt = "Provider", "Member"
	}
	b.label(clin).t("Okay, I've started the recording. ")
	b.label(pt).t(g.pick(fresh3Fillers))
	cats := append([]string(nil), spokenCats...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 9 + g.r.Intn(6)
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			b.label(pt)
		} else {
			b.label(clin)
			b.t(g.pick(fresh3Fillers))
			g.clinical()
			b.label(pt)
		}
		g.fresh3Shape(cats[i%len(cats)])(g)
		if g.r.Intn(2) == 0 {
			b.t(g.pick(fresh3Fillers))
		}
	}
	b.label(clin)
	g.clinical()
	b.t("Take care this week. ")
}

func fresh3Note(g *gen) {
	b := g.b
	f, l := g.person()
	a, m, ph := g.phone555()
	b.t("DISCHARGE SUMMARY\nPatient name: ").id("NAME", "name-full", f+" "+l).
		t("\nDate of birth: ").id("DATE", "date-dob", fmt.Sprintf("%s %d, 19%d", g.pick(monthsW), 1+g.r.Intn(28), 40+g.r.Intn(60))).
		t("\nAccount #: ").id("ID", "id-mrn", g.digits(9)).
		t("\nResidence: ").id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s", 10+g.r.Intn(9000), g.pick(g.p.streets), g.pick(g.p.streetTypes))).
		t(", ").id("LOCATION", "town", g.pick(g.p.towns)).t(" ").id("LOCATION", "zip", "3"+g.digits(4)).
		t("\nContact: ").id("PHONE", "phone-dashed", a+"-"+m+"-"+ph).t("\n\n")
	b.t("Admitted ").id("DATE", "date-written", fmt.Sprintf("%d/%d/2025", 1+g.r.Intn(12), 1+g.r.Intn(28))).t(" for ").k("diagnosis", g.pick(diagnoses)).t(". ")
	g.clinical()
	b.t("\n")
	cats := append([]string(nil), spokenCats...)
	cats = append(cats, writtenOnly...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 8 + g.r.Intn(5)
	for i := 0; i < n; i++ {
		b.t(g.pick([]string{"Pt reports: ", "Per pt, ", "History: "}))
		g.fresh3Shape(cats[i%len(cats)])(g)
		if i%3 == 0 {
			g.clinical()
			b.t("\n")
		}
	}
	b.t("\nFollow-up with ").id("NAME", "name-first", f).t(" in one week. ")
	g.clinical()
}
