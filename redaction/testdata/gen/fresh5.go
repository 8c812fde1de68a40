package main

import (
	"fmt"
	"strings"
)

// The fifth held-out part (indep-heldout5.jsonl) was written in round 4
// after the fourth part had been scored once (too early: before round 4's
// rule work was finished) and before any further rule change; it is scored
// once, at the end of round 4: aggregate and per-category figures only. Its
// own seed (5505), sentence shapes, labels ("Peer Specialist" / "Guest",
// "Nurse" / "Caller"), note layout (a probation referral) and pools;
// TestHeldoutPoolsDisjoint checks that no pool word occurs in the other parts'
// pools or in the dev corpus.

var fresh5Pools = pools{
	given: []string{"Wilbur", "Agatha", "Bertram", "Clotilde", "Dashiell", "Euphemia", "Ferdinand", "Gwendolyn", "Hartley",
		"Imogen", "Jedidiah", "Kunigunde", "Lorcan", "Minerva", "Percival", "Quentin", "Rowena", "Sigrid", "Tobias", "Ursula",
		"Vesna", "Wendell", "Xiomara", "Yevgeny", "Zephyrine", "Algernon", "Benedetta", "Cormac", "Agathe", "Bronislava"},
	commonWordNames: []string{"Sizzle", "Boots", "Crumb", "Domino", "Fuzzy", "Gizmo", "Jelly", "Kiwi", "Lollipop", "Marbles",
		"Muffin", "Nacho", "Oreo", "Pip", "Rocket", "Snoop", "Tinker", "Whiskers", "Yoyo", "Zippy"},
	surnames: []string{"Aberle", "Blumenthal", "Czarnecki", "Etheridge", "Fleischmann", "Goldsworthy", "Hinojosa",
		"Iverson", "Jankowski", "Kilpatrick", "Mbatha", "Nordstrom", "Osterhout", "Pankhurst", "Quintanilla", "Rutkowski",
		"Trowbridge", "Uchenna", "Wetherby", "Yablonski", "Zavala", "Ashcroft", "Brannigan", "Colquitt", "Dimitriou",
		"Ekwueme", "Gudmundsen", "Hollingworth", "Kowalewski", "Lanzarotti"},
	particleSurnames: []string{"O'Sullivan", "MacPherson", "Fitzpatrick-Lowe", "van Wijngaarden", "De Santis", "da Fonseca",
		"Le Goff", "bin Khalid", "McCorkle", "St. Amand"},
	hyphenGiven: []string{"Bo-Ra", "Hye-Jin", "Min-Seo", "Su-Min"},
	towns: []string{"Beckley", "Ashland", "Danville", "Elkins", "Frankfort", "Gadsden", "Hattiesburg", "Ironton", "Kirksville",
		"Lamar", "Madisonville", "Ogden", "Parkersburg", "Quitman", "Roswell", "Selma", "Uvalde", "Warsaw", "Yuma", "Alpena",
		"Cheyenne", "Decorah", "Emporia", "Fremont", "Grayling", "Cheboygan", "Ludington", "Petoskey", "Manistique", "Ishpeming"},
	counties: []string{"Ouachita County", "Scioto County", "Tuolumne County", "Sebastian County", "Wabaunsee County", "Pottawatomie County"},
	streets: []string{"Hackberry", "Cypress", "Willowbrook", "Partridge", "Primrose", "Thrasher", "Goldfinch", "Elderberry",
		"Basswood", "Sunnyside", "Crestview", "Bridgewater"},
	streetTypes: []string{"Street", "Avenue", "Road", "Lane", "Drive", "Circle", "Pike", "Ave."},
	facilityStems: []string{"Heartland", "Windsong", "Lighthouse", "Crestmoor", "Silverleaf", "Kingsbridge", "Foxhollow",
		"Brightmoor", "Ravenwood", "Stonehaven", "Bellhaven", "Millbrook"},
	brands: []string{"Sam's Club", "Dillard's", "Panera", "Fastenal", "Bass Pro", "Boot Barn"},
	employers: []string{"Crandall Plastics", "Ellery Fabrication", "Tolland Concrete", "Voss Trucking", "Hadfield Lumber",
		"Prewitt Welding", "Goshenridge Dairy", "Whitlatch Roofing", "Marchese Bakery", "Hartsell Paving", "Brinkerhoff Masonry",
		"Osgood Electric"},
	schools: []string{"Longfellow Elementary", "Hawthorn Middle School", "Bayfield Elementary", "Quarrytown High",
		"Aldric Academy", "Osceola Middle", "Covenant Christian School", "Briarcliff High School"},
	mailHosts: []string{"bellsouth", "sbcglobal", "charter", "optonline", "tutanota", "yandex", "windstream", "mediacom"},
	webWords:  []string{"mindfulstepsclinic", "recoveryroadpartners", "safeharbortalk", "newleafwellness", "familyfirstcounsel", "hopewellcenter"},
}

var fresh5Shapes = map[string][]shape{
	"name-full": {
		func(g *gen) {
			g.b.t("The landlord, ")
			g.fullName("name-full")
			g.b.t(", says we have thirty days. ")
		},
		func(g *gen) {
			g.b.t("I keep thinking about what ")
			g.fullName("name-full")
			g.b.t(" told me before she passed. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("We moved in with ").id("NAME", "name-full", f+" "+l).t(" for a while. The ").id("NAME", "name-surname", l+"s").t(" have three dogs. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("My probation officer is ").id("NAME", "name-full", f+" "+l).t(". I think ").id("NAME", "name-surname", l).t(" actually wants me to make it. ")
		},
	},
	"name-common-word": {
		func(g *gen) {
			g.b.t("My ex, ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(", keeps texting me. ")
		},
		func(g *gen) {
			g.b.t("I used with ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" behind the laundromat. ")
		},
		func(g *gen) {
			g.b.t("My little brother ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" is the one I worry about. ")
		},
		func(g *gen) {
			g.b.t("Ask ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(", he was there. ")
		},
	},
	"name-title": {
		func(g *gen) {
			_, l := g.person()
			g.b.t("Dr. ").id("NAME", "name-title", l).t(" upped my dose last month. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Coach ").id("NAME", "name-title", l).t(" was like a father to me. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("I have to see Sergeant ").id("NAME", "name-title", l).t(" on Thursday. ")
		},
	},
	"facility": {
		func(g *gen) {
			g.b.t("I was a patient at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Behavioral Health").t(" twice. ")
		},
		func(g *gen) {
			g.b.t("They moved grandpa into ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Assisted Living").t(". ")
		},
		func(g *gen) {
			g.b.t("The detox bed opened up at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Hospital").t(". ")
		},
		func(g *gen) {
			g.b.t("I go to meetings at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Community Church").t(". ")
		},
	},
	"org": {
		func(g *gen) {
			g.b.t("My brother got me on at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(". ")
		},
		func(g *gen) {
			g.b.t("I put in two years at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" before I got hurt. ")
		},
		func(g *gen) {
			g.b.t("The guys from ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" all drink after work. ")
		},
		func(g *gen) {
			g.b.t("I got caught stealing at ").id("ORG", "org-brand", g.pick(g.p.brands)).t(" when I was nineteen. ")
		},
		func(g *gen) {
			g.b.t("She's a cashier at the ").id("ORG", "org-brand", g.pick(g.p.brands)).t(" now. ")
		},
		func(g *gen) {
			g.b.t("My son goes to ").id("ORG", "org-school", g.pick(g.p.schools)).t(". ")
		},
	},
	"age": {
		func(g *gen) {
			g.b.t("My grandfather lived to ").id("AGE", "age90", spokenNum(90+g.r.Intn(10))).t(". ")
		},
		func(g *gen) {
			g.b.t("The lady upstairs is ").id("AGE", "age90", fmt.Sprint(90+g.r.Intn(10))).t(" and I check on her. ")
		},
	},
	"url-spoken": {
		func(g *gen) {
			g.b.t("There's a group online at ").id("URL", "url-spoken", g.pick(g.p.webWords)+" dot net").t(". ")
		},
	},
	"email-spoken": {
		func(g *gen) {
			f, l := g.person()
			g.b.t("Send it to ").id("EMAIL", "email-spoken", strings.ToLower(f)+" dot "+strings.ToLower(strings.NewReplacer(" ", "", "'", "", ".", "").Replace(l))+" at "+g.pick(g.p.mailHosts)+" dot net").t(". ")
		},
	},
	"plate": {
		func(g *gen) {
			g.b.t("Her plate number is ").id("ID", "plate-spelled", g.sayDigits(g.digits(1))+" "+g.letters(3)+" "+g.sayDigits(g.digits(3))).t(". ")
		},
	},
	"id-digits": {
		func(g *gen) {
			g.b.t("My Medicaid ID is ").id("ID", "id-digit-by-digit", g.sayDigits(g.digits(5))+" "+g.sayDigits(g.digits(5))).t(". ")
		},
		func(g *gen) {
			g.b.t("The case number is ").id("ID", "id-dash", g.sayDigits(g.digits(2))+" dash "+g.sayDigits(g.digits(5))).t(". ")
		},
	},
	"ssn": {
		func(g *gen) {
			g.b.t("Social is ").id("SSN", "ssn-full", g.digits(3)+" "+g.digits(2)+" "+g.digits(4)).t(". ")
		},
		func(g *gen) {
			g.b.t("For the application I gave the last four of my social, ").id("SSN", "ssn-partial", g.sayDigits(g.digits(4))).t(". ")
		},
	},
	"date": {
		func(g *gen) {
			g.b.t("My mom died on ").id("DATE", "date-dmy", fmt.Sprintf("%d %s", 1+g.r.Intn(28), g.pick(monthsW))).t(". ")
		},
		func(g *gen) {
			g.b.t("I got my chip on ").id("DATE", "date-spoken", g.pick(monthsW)+" "+spokenOrd(1+g.r.Intn(28))).t(". ")
		},
		func(g *gen) {
			if g.b.asr {
				g.b.t("Hearing's set for ").id("DATE", "date-spoken", g.pick(monthsW)+" "+spokenOrd(1+g.r.Intn(28))).t(". ")
				return
			}
			g.b.t("Hearing's set for ").id("DATE", "date-short", fmt.Sprintf("%02d/%02d/2025", 1+g.r.Intn(12), 1+g.r.Intn(28))).t(". ")
		},
	},
	"street": {
		func(g *gen) {
			g.b.t("I'm staying at ").id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s", 100+g.r.Intn(8000), g.pick(g.p.streets), g.pick(g.p.streetTypes))).t(" until Friday. ")
		},
		func(g *gen) {
			g.b.t("There's a food pantry on the corner of ").id("LOCATION", "street", g.pick(g.p.streets)+" and "+g.pick(g.p.streets)).t(". ")
		},
		func(g *gen) {
			g.b.t("He got picked up by ").id("LOCATION", "street", g.pick(g.p.streets)+" and "+g.pick(g.p.streets)).t(". ")
		},
	},
	"zip": {
		func(g *gen) {
			g.b.t("My new address is in ").id("LOCATION", "town", g.pick(g.p.towns)).t(" ").id("LOCATION", "zip", "7"+g.digits(4)).t(". ")
		},
		func(g *gen) { g.b.t("The zip code is ").id("LOCATION", "zip-alone", "8"+g.digits(4)).t(". ") },
	},
	"town": {
		func(g *gen) {
			g.b.t("I haven't been back to ").id("LOCATION", "town", g.pick(g.p.towns)).t(" since the funeral. ")
		},
		func(g *gen) {
			g.b.t("She transferred me to the clinic in ").id("LOCATION", "town", g.pick(g.p.towns)).t(". ")
		},
		func(g *gen) {
			g.b.t("Child services in ").id("LOCATION", "county", g.pick(g.p.counties)).t(" has the case. ")
		},
	},
	"phone": {
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("My aunt's number is ").id("PHONE", "phone-dashed", a+" "+m+" "+l).t(". ")
		},
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("Call the house, ").id("PHONE", "phone-spoken", g.sayDigits(a)+" "+g.sayDigits(m)+" "+g.sayDigits(l)).t(". ")
		},
	},
	"ip": {
		func(g *gen) {
			g.b.t("Access from IP ").id("IP", "ip", fmt.Sprintf("172.16.%d.%d", g.r.Intn(255), 1+g.r.Intn(254))).t(" flagged. ")
		},
	},
	"email-written": {
		func(g *gen) {
			f, _ := g.person()
			g.b.t("Guardian email ").id("EMAIL", "email-written", strings.ToLower(strings.ReplaceAll(f, "-", ""))+"_"+g.digits(4)+"@"+g.pick(g.p.mailHosts)+".net").t(". ")
		},
	},
	"url-written": {
		func(g *gen) {
			g.b.t("See ").id("URL", "url-written", g.pick(g.p.webWords)+".com/groups").t(" for times. ")
		},
	},
}

var fresh5Fillers = []string{"Okay. ", "I see. ", "Tell me more. ", "That makes sense. ", "Right, right. ",
	"It's been rough. ", "Where were we? ", "Yep. ", "I'm doing my best. ", "No rush. "}

func (g *gen) fresh5Shape(cat string) shape {
	ss := fresh5Shapes[cat]
	return ss[g.r.Intn(len(ss))]
}

func fresh5Speech(g *gen) {
	b := g.b
	staff, res := "Peer Specialist", "Guest"
	if g.r.Intn(2) == 0 {
		staff, res = "Nurse", "Caller"
	}
	b.label(staff).t("Okay, the recorder is on. ")
	b.label(res).t(g.pick(fresh5Fillers))
	cats := append([]string(nil), spokenCats...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 9 + g.r.Intn(6)
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			b.label(res)
		} else {
			b.label(staff)
			b.t(g.pick(fresh5Fillers))
			g.clinical()
			b.label(res)
		}
		g.fresh5Shape(cats[i%len(cats)])(g)
		if g.r.Intn(2) == 0 {
			b.t(g.pick(fresh5Fillers))
		}
	}
	b.label(staff)
	g.clinical()
	b.t("See you Tuesday. ")
}

func fresh5Note(g *gen) {
	b := g.b
	f, l := g.person()
	a, m, ph := g.phone555()
	b.t("PROBATION REFERRAL\nSupervisee: ").id("NAME", "name-full", f+" "+l).
		t("\nDOB: ").id("DATE", "date-dob", fmt.Sprintf("%d/%d/19%d", 1+g.r.Intn(12), 1+g.r.Intn(28), 50+g.r.Intn(50))).
		t("\nLast known address: ").id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s", 10+g.r.Intn(9000), g.pick(g.p.streets), g.pick(g.p.streetTypes))).
		t(", ").id("LOCATION", "town", g.pick(g.p.towns)).t(", ").id("LOCATION", "zip", "6"+g.digits(4)).
		t("\nPhone: ").id("PHONE", "phone-dashed", a+"-"+m+"-"+ph).
		t("\nDocket: ").id("ID", "id-mrn", "CR"+g.digits(2)+"-"+g.digits(5)).t("\n\n")
	b.t("Referred for ").k("diagnosis", g.pick(diagnoses)).t(". ")
	g.clinical()
	b.t("\n")
	cats := append([]string(nil), spokenCats...)
	cats = append(cats, writtenOnly...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 8 + g.r.Intn(5)
	for i := 0; i < n; i++ {
		b.t(g.pick([]string{"Supervisee reports: ", "Collateral: ", "Officer notes: "}))
		g.fresh5Shape(cats[i%len(cats)])(g)
		if i%3 == 0 {
			g.clinical()
			b.t("\n")
		}
	}
	b.t("\nPlease contact ").id("NAME", "name-first", f).t("'s officer with questions. ")
	g.clinical()
}
