package main

import (
	"fmt"
	"strings"
)

// The fourth held-out part (indep-heldout4.jsonl) was written in round 4
// before any rule of that round was changed, and is scored once, at the end
// of the round: aggregate and per-category figures only. Its own seed
// (4404), sentence shapes, speaker labels ("Case Manager" / "Resident",
// "Interviewer" / "Respondent"), note layout (a crisis-line contact form)
// and pools; TestHeldoutPoolsDisjoint checks that no pool word occurs in the
// other parts' pools or in the dev corpus.

var fresh4Pools = pools{
	given: []string{"Roswitha", "Barnaby", "Cosima", "Desmond", "Elspeth", "Ansgar", "Henrike", "Isidore", "Jessamine",
		"Leocadia", "Mortimer", "Nerissa", "Peregrine", "Rosamund", "Severin", "Theodora", "Ulysses", "Viveca", "Philomene",
		"Yusuf", "Zenobia", "Ambrose", "Oriana", "Eustace", "Filomena", "Griselda", "Horatio", "Ingeborg", "Lucius", "Maribel"},
	commonWordNames: []string{"Sprout", "Turbo", "Noodle", "Waffles", "Bongo", "Scooter", "Jinx", "Pudge", "Rascal", "Beans",
		"Bandit", "Pickles", "Smokey", "Bingo", "Gator", "Hoss", "Ziggy", "Nugget", "Bruiser", "Mouse"},
	surnames: []string{"Achebe", "Bergstrom", "Drozdowski", "Eichelberger", "Fairweather", "Grzybowski", "Honeycutt",
		"Ingebretsen", "Wachowiak", "Kuykendall", "Lautenschlager", "Oduya", "Nesbitt", "Gustafsson", "Pomerleau", "Quarles",
		"Riordan", "Schexnayder", "Tolliver", "Vandergriff", "Zimmerli", "Yeboah", "Bustamante", "Coulibaly",
		"Delgadillo", "Fontenot", "Hegarty", "Kasprzak", "Threadgill", "Villalpando"},
	particleSurnames: []string{"de Vries", "van Buskirk", "Del Vecchio", "O'Halloran", "MacDougall", "da Costa", "La Barbera",
		"ten Eyck", "McNamara-Ruiz", "Abu-Saleh"},
	hyphenGiven: []string{"Sun-Hee", "Eun-Ji", "Kim-Ly", "Thu-Trang"},
	towns: []string{"Yankton", "Aberdeen", "Brookings", "Spearfish", "Sturgis", "Dickinson", "Jamestown", "Williston", "Mandan",
		"Brainerd", "Faribault", "Mankato", "Winona", "Oshkosh", "Sheboygan", "Manitowoc", "Steubenville", "Vincennes",
		"Galesburg", "Carbondale", "Joplin", "Rolla", "Texarkana", "Keokuk", "Tupelo", "Gallup", "Kingman", "Bennington",
		"Escanaba", "Bozeman"},
	counties: []string{"Washtenaw County", "Chemung County", "Sangamon County", "Yavapai County", "Okanogan County",
		"Coos County"},
	streets: []string{"Buttonwood", "Catalpa", "Sumac", "Mockingbird", "Chickadee", "Bittersweet", "Snowberry", "Wintergreen",
		"Redbud", "Peachtree", "Bluebird", "Quail"},
	streetTypes: []string{"Street", "Avenue", "Road", "Lane", "Drive", "Way", "Terrace", "Rd."},
	facilityStems: []string{"Greenbriar", "Fox Run", "Amberfield", "Hickory Knoll", "Tranquil Waters", "Eagle's Nest",
		"Shepherd's Gate", "Northwoods", "Thornbury", "Glenmore", "Ashgrove", "Larchmont"},
	brands: []string{"Publix", "Rite Aid", "Food Lion", "Braum's", "Whataburger", "Sonic"},
	employers: []string{"Marlowe Millwork", "Ozark Timber Products", "Gulf Coast Shrimp Company", "Copperfield Mechanical",
		"Wendling Ethanol", "Sutterfield Cabinetry", "Hollenbeck Drywall", "Tamblyn Hauling", "Stillbrook Bottling",
		"Kessel Coil Springs", "Abernethy Tire and Lube", "Pennypacker Staffing"},
	schools: []string{"Thurgood Marshall Elementary", "Wildwood Middle School", "Blackhawk High School", "Meadowlark Elementary",
		"Cloverdale High", "Iroquois Middle", "Saint Brendan School", "Quinnipiac Elementary"},
	mailHosts: []string{"earthlink", "juno", "verizon", "cox", "gmx", "zoho", "rocketmail", "netzero"},
	webWords:  []string{"brightfuturescounseling", "hillsiderecovery", "openarmsfamily", "renewedpath", "lakeshorewellness", "anchorpointcare"},
}

var fresh4Shapes = map[string][]shape{
	"name-full": {
		func(g *gen) {
			g.b.t("The public defender they gave me is ")
			g.fullName("name-full")
			g.b.t(". ")
		},
		func(g *gen) {
			g.b.t("Honestly ")
			g.fullName("name-full")
			g.b.t(" is the only one who picks up when I call. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("My cousin ").id("NAME", "name-full", f+" "+l).t(" got out in May, and the ").id("NAME", "name-surname", l+"s").t(" threw him a party. ")
		},
		func(g *gen) {
			f, l := g.known()
			g.b.t("I sat next to ").id("NAME", "name-full", f+" "+l).t(" in group. ").id("NAME", "name-surname", l).t(" said it gets easier. ")
		},
	},
	"name-common-word": {
		func(g *gen) {
			g.b.t("Everybody at the shelter knows ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(". ")
		},
		func(g *gen) {
			g.b.t("I lent my car to ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" and never got it back. ")
		},
		func(g *gen) {
			g.b.t("Me and ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(" used to party every weekend. ")
		},
		func(g *gen) {
			g.b.t("My sponsor, ").id("NAME", "name-common-word", g.pick(g.p.commonWordNames)).t(", says one day at a time. ")
		},
	},
	"name-title": {
		func(g *gen) {
			_, l := g.person()
			g.b.t("Judge ").id("NAME", "name-title", l).t(" gave me another chance. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("I liked Ms. ").id("NAME", "name-title", l).t(" better than the last worker. ")
		},
		func(g *gen) {
			_, l := g.person()
			g.b.t("Officer ").id("NAME", "name-title", l).t(" was decent about it. ")
		},
	},
	"facility": {
		func(g *gen) {
			g.b.t("They want me to step down to ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Treatment Center").t(" next month. ")
		},
		func(g *gen) {
			g.b.t("My mother is in the memory unit at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Nursing and Rehab").t(". ")
		},
		func(g *gen) {
			g.b.t("I slept at ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" House").t(" for a couple of weeks. ")
		},
		func(g *gen) {
			g.b.t("The ambulance took him to ").id("LOCATION", "facility", g.pick(g.p.facilityStems)+" Medical Center").t(". ")
		},
	},
	"org": {
		func(g *gen) {
			g.b.t("I've been on second shift at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" since summer. ")
		},
		func(g *gen) {
			g.b.t("They hired me at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" but I have to pass a drug test. ")
		},
		func(g *gen) {
			g.b.t("My supervisor over at ").id("ORG", "org-employer", g.pick(g.p.employers)).t(" keeps cutting my hours. ")
		},
		func(g *gen) {
			g.b.t("I stopped at ").id("ORG", "org-brand", g.pick(g.p.brands)).t(" for gas and cigarettes. ")
		},
		func(g *gen) {
			g.b.t("She picks up shifts at the ").id("ORG", "org-brand", g.pick(g.p.brands)).t(" by the highway. ")
		},
		func(g *gen) {
			g.b.t("My daughter starts at ").id("ORG", "org-school", g.pick(g.p.schools)).t(" in the fall. ")
		},
	},
	"age": {
		func(g *gen) {
			g.b.t("My great-aunt is ").id("AGE", "age90", spokenNum(90+g.r.Intn(10))).t(" and still drives. ")
		},
		func(g *gen) {
			g.b.t("Pop died at ").id("AGE", "age90", fmt.Sprint(90+g.r.Intn(10))).t(". ")
		},
	},
	"url-spoken": {
		func(g *gen) {
			g.b.t("They told me to look at ").id("URL", "url-spoken", "w w w dot "+g.pick(g.p.webWords)+" dot com").t(". ")
		},
	},
	"email-spoken": {
		func(g *gen) {
			f, _ := g.person()
			g.b.t("You can reach my sister at ").id("EMAIL", "email-spoken", strings.ToLower(f)+" "+g.digits(2)+" at "+g.pick(g.p.mailHosts)+" dot com").t(". ")
		},
	},
	"plate": {
		func(g *gen) {
			g.b.t("His truck is tagged ").id("ID", "plate-spelled", g.letters(2)+" "+g.sayDigits(g.digits(3))+" "+g.letters(1)).t(". ")
		},
	},
	"id-digits": {
		func(g *gen) {
			g.b.t("My inmate number was ").id("ID", "id-digit-by-digit", g.sayDigits(g.digits(6))).t(". ")
		},
		func(g *gen) {
			g.b.t("The claim is ").id("ID", "id-dash", g.sayDigits(g.digits(3))+" dash "+g.sayDigits(g.digits(3))).t(". ")
		},
	},
	"ssn": {
		func(g *gen) {
			g.b.t("They need my social, it's ").id("SSN", "ssn-full", g.sayDigits(g.digits(3))+" "+g.sayDigits(g.digits(2))+" "+g.sayDigits(g.digits(4))).t(". ")
		},
		func(g *gen) {
			g.b.t("The form only wanted the last four of my social, ").id("SSN", "ssn-partial", g.digits(4)).t(". ")
		},
	},
	"date": {
		func(g *gen) {
			g.b.t("My next court date is ").id("DATE", "date-dmy", fmt.Sprintf("%s %d", g.pick(monthsW), 1+g.r.Intn(28))).t(". ")
		},
		func(g *gen) {
			g.b.t("I relapsed on ").id("DATE", "date-spoken", g.pick(monthsW)+" "+spokenOrd(1+g.r.Intn(28))).t(". ")
		},
		func(g *gen) {
			if g.b.asr {
				g.b.t("My clean date is ").id("DATE", "date-spoken", g.pick(monthsW)+" "+spokenOrd(1+g.r.Intn(28))).t(". ")
				return
			}
			g.b.t("My clean date is ").id("DATE", "date-short", fmt.Sprintf("%d-%d-2024", 1+g.r.Intn(12), 1+g.r.Intn(28))).t(". ")
		},
	},
	"street": {
		func(g *gen) {
			g.b.t("My sister lives at ").id("LOCATION", "street-unit", fmt.Sprintf("%d %s %s", 10+g.r.Intn(5000), g.pick(g.p.streets), g.pick(g.p.streetTypes))).t(". ")
		},
		func(g *gen) {
			g.b.t("I got jumped near ").id("LOCATION", "street", g.pick(g.p.streets)+" and "+g.pick(g.p.streets)).t(" last week. ")
		},
		func(g *gen) {
			g.b.t("The bus drops me at ").id("LOCATION", "street", g.pick(g.p.streets)+" and "+g.pick(g.p.streets)).t(". ")
		},
	},
	"zip": {
		func(g *gen) {
			g.b.t("We're moving to ").id("LOCATION", "town", g.pick(g.p.towns)).t(", ").id("LOCATION", "zip", "5"+g.digits(4)).t(". ")
		},
		func(g *gen) { g.b.t("The zip there is ").id("LOCATION", "zip-alone", "6"+g.digits(4)).t(". ") },
	},
	"town": {
		func(g *gen) {
			g.b.t("My dad still lives up in ").id("LOCATION", "town", g.pick(g.p.towns)).t(". ")
		},
		func(g *gen) {
			g.b.t("I drove all the way to ").id("LOCATION", "town", g.pick(g.p.towns)).t(" to see her. ")
		},
		func(g *gen) {
			g.b.t("The jail in ").id("LOCATION", "county", g.pick(g.p.counties)).t(" is the worst. ")
		},
	},
	"phone": {
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("Text me at ").id("PHONE", "phone-dashed", "("+a+") "+m+"-"+l).t(". ")
		},
		func(g *gen) {
			a, m, l := g.phone555()
			g.b.t("Her cell is ").id("PHONE", "phone-spoken", g.sayDigits(a)+" "+g.sayDigits(m)+" "+g.sayDigits(l)).t(". ")
		},
	},
	"ip": {
		func(g *gen) {
			g.b.t("The portal logged ").id("IP", "ip", fmt.Sprintf("192.168.%d.%d", g.r.Intn(255), 1+g.r.Intn(254))).t(". ")
		},
	},
	"email-written": {
		func(g *gen) {
			_, l := g.person()
			g.b.t("Email on file: ").id("EMAIL", "email-written", strings.ToLower(strings.NewReplacer(" ", "", "'", "").Replace(l))+"."+g.digits(2)+"@"+g.pick(g.p.mailHosts)+".net").t(". ")
		},
	},
	"url-written": {
		func(g *gen) {
			g.b.t("Resource given: ").id("URL", "url-written", "https://"+g.pick(g.p.webWords)+".org/help").t(". ")
		},
	},
}

var fresh4Fillers = []string{"Sure. ", "Uh-huh. ", "Go on. ", "That sounds hard. ", "Got it. ",
	"I don't know, man. ", "How did that feel? ", "Mm. ", "Things are better I guess. ", "Take your time. "}

func (g *gen) fresh4Shape(cat string) shape {
	ss := fresh4Shapes[cat]
	return ss[g.r.Intn(len(ss))]
}

func fresh4Speech(g *gen) {
	b := g.b
	staff, res := "Case Manager", "Resident"
	if g.r.Intn(2) == 0 {
		staff, res = "Interviewer", "Respondent"
	}
	b.label(staff).t("Alright, we're recording now. ")
	b.label(res).t(g.pick(fresh4Fillers))
	cats := append([]string(nil), spokenCats...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 9 + g.r.Intn(6)
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			b.label(res)
		} else {
			b.label(staff)
			b.t(g.pick(fresh4Fillers))
			g.clinical()
			b.label(res)
		}
		g.fresh4Shape(cats[i%len(cats)])(g)
		if g.r.Intn(2) == 0 {
			b.t(g.pick(fresh4Fillers))
		}
	}
	b.label(staff)
	g.clinical()
	b.t("Same time next week. ")
}

func fresh4Note(g *gen) {
	b := g.b
	f, l := g.person()
	a, m, ph := g.phone555()
	b.t("CRISIS LINE CONTACT FORM\nCaller: ").id("NAME", "name-full", l+", "+f).
		t("\nCallback: ").id("PHONE", "phone-dashed", a+"."+m+"."+ph).
		t("\nLocation given: ").id("LOCATION", "town", g.pick(g.p.towns)).t(" ").id("LOCATION", "zip", "4"+g.digits(4)).
		t("\nCall date: ").id("DATE", "date-written", fmt.Sprintf("%d/%d/2025", 1+g.r.Intn(12), 1+g.r.Intn(28))).
		t("\nCase #: ").id("ID", "id-mrn", "CL-"+g.digits(6)).t("\n\n")
	b.t("Caller reports ").k("diagnosis", g.pick(diagnoses)).t(" history. ")
	g.clinical()
	b.t("\n")
	cats := append([]string(nil), spokenCats...)
	cats = append(cats, writtenOnly...)
	g.r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	n := 8 + g.r.Intn(5)
	for i := 0; i < n; i++ {
		b.t(g.pick([]string{"Caller states: ", "Per caller, ", "Notes: "}))
		g.fresh4Shape(cats[i%len(cats)])(g)
		if i%3 == 0 {
			g.clinical()
			b.t("\n")
		}
	}
	b.t("\nWarm handoff; ").id("NAME", "name-first", f).t(" agreed to a follow-up call. ")
	g.clinical()
}
