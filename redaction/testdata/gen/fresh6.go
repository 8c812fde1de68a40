package main

import (
	"fmt"
	"strings"
)

// The sixth held-out part (indep-heldout6.jsonl) was written in round 5,
// before any rule change of that round, and is scored once, at the end of
// round 5: aggregate and per-category figures only. Its own seed (6606),
// sentence shapes (more of them for the weak categories of round 4: names
// that are everyday words, single surnames, employers, schools, ages over
// 89), labels ("Outreach Worker" / "Neighbor", "School Counselor" /
// "Parent"), note layout (an employee-assistance intake) and pools;
// TestHeldoutPoolsDisjoint checks that no pool word occurs in the other
// parts' pools or in the dev corpus.

var fresh6Pools = pools{
	given: []string{"Hortense", "Casimir", "Eulalia", "Godfrey", "Seraphina", "Thelonious", "Zebulon", "Mehitabel", "Isolde",
		"Jocasta", "Octavius", "Evadne", "Florimond", "Bathsheba", "Cuthbert", "Drusilla", "Eberhard", "Fidelma", "Gottfried",
		"Hildegard", "Ichabod", "Marcellus", "Sebastiano", "Tiberius", "Wolfgang", "Crispin", "Delphine", "Gaspard", "Honoria",
		"Jolyon", "Leopoldo", "Magdalena", "Norbert", "Pascoe", "Ulrich", "Violetta", "Waldemar", "Benedikt"},
	commonWordNames: []string{"Goose", "Button", "Clover", "Twinkie", "Gumbo", "Pudding", "Pretzel", "Butterscotch", "Dimples",
		"Giggles", "Jellybean", "Ladybug", "Meatball", "Nibbles", "Pancake", "Popcorn", "Turnip", "Gravy", "Otter", "Rooster",
		"Tugboat", "Wrench", "Diesel", "Tadpole", "Mango", "Cocoa"},
	surnames: []string{"Pfluger", "Harkness", "Drummond", "Jorgensen", "Lacroix", "Montague", "Nyberg", "Ortolani", "Quigley",
		"Rourke", "Underhill", "Valdivia", "Whitcombe", "Zeller", "Abramowicz", "Bellweather", "Cardenas", "Eggleston",
		"Fortunato", "Gilchrist", "Hasselbach", "Idlewine", "Kirchner", "Niedermeyer", "Oglesby", "Pritchard", "Rademacher",
		"Schoenfeld", "Tillinghast", "Urquhart", "Vandersloot", "Wojnarowski", "Youngblood", "Zwicker", "Bickerstaff",
		"Culpepper", "Dalrymple", "Farquhar", "Loudermilk", "Mulrooney", "Nettleton", "Stallworth", "Wainwright"},
	particleSurnames: []string{"MacTavish", "della Rovere", "Ter Horst", "bin Rashed", "McGillicuddy", "van Zandt", "De Witt",
		"Le Marchand", "St. Germain", "MacAlister", "O'Flaherty", "DeGroot", "du Plessis"},
	hyphenGiven: []string{"Ae-Ri", "Hae-Won", "Jae-Hyun", "Ha-Neul", "Se-Ri"},
	towns: []string{"Oskaloosa", "Tahlequah", "Kenosha", "Waukegan", "Pueblo", "Durango", "Bloomsburg", "Chanute", "Harlan",
		"Iola", "Nogales", "Olathe", "Russellville", "Salina", "Tifton", "Vernal", "Abilene", "Dalhart", "Hays", "Idabel",
		"Lompoc", "Marshalltown", "Newberry", "Okmulgee", "Ruston", "Toccoa", "Ukiah", "Vinita", "Wausau"},
	counties: []string{"Bannock County", "Wicomico County", "Chautauqua County", "Onondaga County", "Androscoggin County",
		"Merrimack County"},
	streets: []string{"Bluebonnet", "Huckleberry", "Hollyhock", "Whippoorwill", "Bobwhite", "Kingfisher", "Osprey", "Tanager",
		"Quailridge"},
	streetTypes: []string{"Street", "Avenue", "Road", "Lane", "Drive", "Terrace", "Way", "Rd."},
	facilityStems: []string{"Northwind", "Sagebrush", "Timberline", "Sandpiper", "Greystone", "Copperline", "Bluewater",
		"Cedarcrest", "Goldcrest", "Hollowbrook", "Maplecrest", "Oakmont", "Prairieview", "Quailwood", "Sunridge",
		"Valleybrook", "Willowcreek"},
	brands: []string{"Zaxby's", "Schnucks", "Raising Cane's", "Academy Sports", "Runza", "Krispy Kreme", "Fareway", "Ingles",
		"Brookshire's"},
	employers: []string{"Brockway Towing", "Voorhees Sawmill", "Halvorsen Printing", "Delacorte Hatchery", "Ruggiero Fencing",
		"Coldiron Salvage", "Pasquale Tile", "Renwick Glass", "Sutter Landscaping", "Gorham Glassworks", "Tuttle Orchards",
		"Everly Hardwood Floors"},
	schools: []string{"Sequoyah Middle School", "Whitmore Elementary", "Kennedy Middle", "Bayside Academy",
		"Hillcrest Middle School", "Northfield High"},
	mailHosts: []string{"frontier", "hushmail", "bigpond", "cableone"},
	webWords: []string{"steadyrecoverycircle", "calmwatersgroup", "brightpathpeers", "recoveryrootsnetwork", "sobersundaysclub",
		"quietharborpeers", "gentlestepsrecovery", "anchorpointfamily"},
}

var fresh6Shapes = map[string][]shape{
	"name-full": {
		func(g *gen) {
			g.b.t("The one who bailed me out was ")
			g.fullName("name-full")
			g.b.t(", from the Tuesday meeting. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("Honestly ").id("NAME", "name-full", f+" "+l).t(" is the reason I stayed. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("I signed the lease with ").id("NAME", "name-full", f+" "+l).t(", and now ").id("NAME", "name-first", f).t(" wants out. ")
		},
	},
	"name-surname": {
		func(g *gen) {
			_, l := g.person()
			g.b.t("Talked to ").id("NAME", "name-surname", l).t(" from my old unit yesterday. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("My supervisor, ").id("NAME", "name-surname", l).t(", wrote me up again. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("The night guy at the shelter goes by ").id("NAME", "name-surname", l).t(". ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("I asked ").id("NAME", "name-surname", l).t(" to cover my shift and he said no. ")
		},
	},
	"name-common-word": {
		func(g *gen) {
			g.b.t("Say hi to ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" for me. ")
		},
		func(g *gen) {
			g.b.id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" and me go way back. ")
		},
		func(g *gen) {
			g.b.t("I keep leaving voicemails for ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(". ")
		},
		func(g *gen) {
			g.b.t("My stepsister ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" moved back home. ")
		},
		func(g *gen) {
			g.b.t("That's when ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" started using again. ")
		},
	},
	"name-title": {
		func(g *gen) {
			_, l := g.person()
			g.b.t("Judge ").id("NAME", "name-title", l).t(" gave me one more chance. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Nurse ").id("NAME", "name-title", l).t(" said the wound looks better. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Pastor ").id("NAME", "name-title", l).t(" prayed with us after. ")
		},
	},
	"facility": {
		func(g *gen) {
			g.b.t("They sent me over to ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Treatment Center").t(" for thirty days. ")
		},
		func(g *gen) {
			g.b.t("My dad's in ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Nursing Home").t(" now. ")
		},
		func(g *gen) {
			g.b.t("I spent the night in the ER at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Regional").t(". ")
		},
	},
	"org": {
		func(g *gen) {
			g.b.t("I do nights for ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" now. ")
		},
		func(g *gen) {
			g.b.t(g.pick([]string{"", "So "})).id("ORG", "org-employer", g.pick(g.p.employers)).t(" wants a doctor's note by Friday. ")
		},
		func(g *gen) {
			g.b.t("I pick up Saturdays at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" when they need me. ")
		},
		func(g *gen) {
			g.b.t("The shift lead at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" covered for me. ")
		},
		func(g *gen) {
			g.b.t("I grabbed food at ").id("ORG", "org-brand", g.pick(g.p.brands)).t(" on the way. ")
		},
		func(g *gen) {
			g.b.t("She's in fourth grade at ").id("ORG", "org-school", g.pick(g.p.schools)).t(". ")
		},
		func(g *gen) {
			g.b.t("The principal at ").id("ORG", "org-school", g.pick(g.p.schools)).t(" called about his absences. ")
		},
	},
	"age": {
		func(g *gen) {
			g.b.t("Nana's hip surgery went fine, not bad for ").id("AGE", "age90", spokenNum(90+g.r.Intn(10))).t(". ")
		},
		func(g *gen) {
			g.b.t("Grandpa will be ").id("AGE", "age90", fmt.Sprint(90+g.r.Intn(10))).t(" in the spring. ")
		},
		func(g *gen) {
			g.b.t("At ").id("AGE", "age90", spokenNum(90+g.r.Intn(10))).t(" my nana still calls me every morning. ")
		},
	},
	"url-spoken": {
		func(g *gen) {
			g.b.t("They post the schedule on ").id("URL", "url-spoken", g.pick(g.p.webWords)+" dot org").t(". ")
		},
	},
	"email-spoken": {
		func(g *gen) {
			f, l := g.person()
			g.b.t("Anything from court goes to ").id("EMAIL", "email-spoken", strings.ToLower(strings.ReplaceAll(f, "-", ""))+strings.ToLower(strings.NewReplacer(" ", "", "'", "", ".", "").Replace(l))+" at "+g.pick(g.p.mailHosts)+" dot com").t(" now. ")
		},
	},
	"plate": {
		func(g *gen) {
			g.b.t("They ran the plate, ").id("ID", "plate-spelled", g.letters(2)+" "+g.sayDigits(g.digits(4))).t(", and it came back stolen. ")
		},
	},
	"id-digits": {
		func(g *gen) {
			g.b.t("My member number is ").id("ID", "id-digit-by-digit", g.sayDigits(g.digits(4))+" "+g.sayDigits(g.digits(4))).t(". ")
		},
		func(g *gen) {
			g.b.t("They said to use reference ").id("ID", "id-dash", g.sayDigits(g.digits(3))+" dash "+g.sayDigits(g.digits(4))).t(" when I call. ")
		},
	},
	"ssn": {
		func(g *gen) {
			g.b.t("For the form, social ").id("SSN", "ssn-full", g.digits(3)+"-"+g.digits(2)+"-"+g.digits(4)).t(" if you need it. ")
		},
		func(g *gen) {
			g.b.t("The last four of my social is ").id("SSN", "ssn-partial", g.sayDigits(g.digits(4))).t(". ")
		},
	},
	"date": {
		func(g *gen) {
			g.b.t("Court date is ").id("DATE", "date-spoken", g.pick(monthsW)+" "+spokenOrd(1+g.r.Intn(28))).t(". ")
		},
		func(g *gen) {
			g.b.t("The last time I used was ").id("DATE", "date-dmy", fmt.Sprintf("%s %d", g.pick(monthsW), 1+g.r.Intn(28))).t(", at a party. ")
		},
	},
	"street": {
		func(g *gen) {
			g.b.t("We're renting a place on ").id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s", 100+g.r.Intn(8000), g.pick(g.p.streets), g.pick(g.p.streetTypes))).t(" now. ")
		},
		func(g *gen) {
			g.b.t("Pick me up at ").id("LOCATION", "street", g.pick(g.p.streets)+" and "+g.pick(g.p.streets)).t(". ")
		},
	},
	"zip": {
		func(g *gen) {
			g.b.t("Send the paperwork care of my aunt in ").id("LOCATION", "town", g.pick(g.p.towns)).t(" ").id("LOCATION", "zip", "5"+g.digits(4)).t(". ")
		},
		func(g *gen) { g.b.t("It's ").id("LOCATION", "zip-alone", "4"+g.digits(4)).t(" for the zip. ") },
	},
	"town": {
		func(g *gen) {
			g.b.t("I still have people down in ").id("LOCATION", "town", g.pick(g.p.towns)).t(". ")
		},
		func(g *gen) {
			g.b.t("The bus drops me in ").id("LOCATION", "town", g.pick(g.p.towns)).t(" around six. ")
		},
		func(g *gen) {
			g.b.t("The warrant is out of ").id("LOCATION", "county", g.pick(g.p.counties)).t(". ")
		},
	},
	"phone": {
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("My sponsor's cell is ").id("PHONE", "phone-dashed", a+"-"+m+"-"+l).t(". ")
		},
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("Call me back at ").id("PHONE", "phone-spoken", g.sayDigits(a)+" "+g.sayDigits(m)+" "+g.sayDigits(l)).t(". ")
		},
	},
	"ip": {
		func(g *gen) {
			g.b.t("Session opened from address ").id("IP", "ip", fmt.Sprintf("10.%d.%d.%d", g.r.Intn(255), g.r.Intn(255), 1+g.r.Intn(254))).t(". ")
		},
	},
	"email-written": {
		func(g *gen) {
			f, _ := g.person()
			g.b.t("Employer contact: ").id("EMAIL", "email-written", strings.ToLower(strings.ReplaceAll(f, "-", ""))+"."+g.digits(2)+"@"+g.pick(g.p.mailHosts)+".com").t(". ")
		},
	},
	"url-written": {
		func(g *gen) {
			g.b.t("Printed the worksheet off ").id("URL", "url-written", "www."+g.pick(g.p.webWords)+".org").t(". ")
		},
	},
}

// fresh6Cats are the spoken categories of this part: spokenCats and single
// surnames.
var fresh6Cats = append(append([]string(nil), spokenCats...), "name-surname")

var fresh6Fillers = []string{"Mm-hm. ", "Go on. ", "That sounds hard. ", "Okay, okay. ", "I hear you. ",
	"Anyway. ", "You know? ", "Take your time. ", "Sure. ", "Thanks for saying that. "}

func (g *gen) fresh6Shape(cat string) shape {
	ss := fresh6Shapes[cat]
	return ss[g.r.Intn(len(ss))]
}

func fresh6Speech(g *gen) {
	b := g.b
	staff, res := "Outreach Worker", "Neighbor"
	if g.r.Intn(2) == 0 {
		staff, res = "School Counselor", "Parent"
	}
	b.label(staff).t("Alright, we're recording now. ")
	b.label(res).t(g.pick(fresh6Fillers))
	cats := append([]string(nil), fresh6Cats...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 10 + g.r.Intn(6)
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			b.label(res)
		} else {
			b.label(staff)
			b.t(g.pick(fresh6Fillers))
			g.clinical()
			b.label(res)
		}
		g.fresh6Shape(cats[i%len(cats)])(g)
		if g.r.Intn(2) == 0 {
			b.t(g.pick(fresh6Fillers))
		}
	}
	b.label(staff)
	g.clinical()
	b.t("Same time next week. ")
}

func fresh6Note(g *gen) {
	b := g.b
	f, l := g.person()
	a, m, ph := g.phone555()
	b.t("EMPLOYEE ASSISTANCE PROGRAM INTAKE\nEmployee: ").id("NAME", "name-full", f+" "+l).
		t("\nEmployer: ").id("ORG", "org-employer", g.pick(g.p.employers)).
		t("\nDate of birth: ").id("DATE", "date-dob", fmt.Sprintf("%s %d, 19%d", g.pick(monthsW), 1+g.r.Intn(28), 50+g.r.Intn(50))).
		t("\nHome: ").id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s", 10+g.r.Intn(9000), g.pick(g.p.streets), g.pick(g.p.streetTypes))).
		t(", ").id("LOCATION", "town", g.pick(g.p.towns)).t(" ").id("LOCATION", "zip", "3"+g.digits(4)).
		t("\nBest number: ").id("PHONE", "phone-dashed", "("+a+") "+m+"-"+ph).
		t("\nEAP case: ").id("ID", "id-mrn", "EAP-"+g.digits(6)).t("\n\n")
	b.t("Presenting concern: ").k("diagnosis", g.pick(diagnoses)).t(". ")
	g.clinical()
	b.t("\n")
	cats := append([]string(nil), fresh6Cats...)
	cats = append(cats, writtenOnly...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 9 + g.r.Intn(5)
	for i := 0; i < n; i++ {
		b.t(g.pick([]string{"Employee states: ", "Per HR: ", "Counselor notes: "}))
		g.fresh6Shape(cats[i%len(cats)])(g)
		if i%3 == 0 {
			g.clinical()
			b.t("\n")
		}
	}
	b.t("\nFollow-up with ").id("NAME", "name-first", f).t(" in two weeks. ")
	g.clinical()
}
