package eval

import (
	"regexp"
	"strings"
)

// medicationNames are the medications the scorer recognises in a note:
// generic names common in behavioral health and addiction care, and the
// brand names people say, mapped to the generic.
var medicationNames = map[string]string{
	"sertraline": "", "fluoxetine": "", "paroxetine": "", "citalopram": "", "escitalopram": "", "fluvoxamine": "",
	"venlafaxine": "", "desvenlafaxine": "", "duloxetine": "", "bupropion": "", "mirtazapine": "", "trazodone": "",
	"vortioxetine": "", "vilazodone": "", "amitriptyline": "", "nortriptyline": "", "clomipramine": "", "imipramine": "",
	"lithium": "", "lamotrigine": "", "valproate": "", "divalproex": "", "carbamazepine": "", "oxcarbazepine": "",
	"quetiapine": "", "olanzapine": "", "risperidone": "", "aripiprazole": "", "ziprasidone": "", "lurasidone": "",
	"haloperidol": "", "clozapine": "", "paliperidone": "", "cariprazine": "", "brexpiprazole": "",
	"lorazepam": "", "clonazepam": "", "alprazolam": "", "diazepam": "", "chlordiazepoxide": "", "temazepam": "",
	"zolpidem": "", "eszopiclone": "", "melatonin": "", "hydroxyzine": "", "buspirone": "", "propranolol": "",
	"prazosin": "", "clonidine": "", "guanfacine": "", "gabapentin": "", "pregabalin": "", "topiramate": "",
	"methylphenidate": "", "amphetamine": "", "lisdexamfetamine": "", "dextroamphetamine": "", "atomoxetine": "",
	"buprenorphine": "", "methadone": "", "naltrexone": "", "naloxone": "", "acamprosate": "", "disulfiram": "",
	"varenicline": "", "nicotine patch": "nicotine", "phentermine": "", "modafinil": "",
	"zoloft": "sertraline", "prozac": "fluoxetine", "lexapro": "escitalopram", "celexa": "citalopram", "paxil": "paroxetine",
	"effexor": "venlafaxine", "cymbalta": "duloxetine", "wellbutrin": "bupropion", "remeron": "mirtazapine",
	"lamictal": "lamotrigine", "depakote": "divalproex", "seroquel": "quetiapine", "zyprexa": "olanzapine",
	"risperdal": "risperidone", "abilify": "aripiprazole", "ativan": "lorazepam", "klonopin": "clonazepam",
	"xanax": "alprazolam", "valium": "diazepam", "ambien": "zolpidem", "vistaril": "hydroxyzine", "buspar": "buspirone",
	"neurontin": "gabapentin", "ritalin": "methylphenidate", "adderall": "amphetamine", "vyvanse": "lisdexamfetamine",
	"strattera": "atomoxetine", "suboxone": "buprenorphine", "subutex": "buprenorphine", "sublocade": "buprenorphine",
	"vivitrol": "naltrexone", "narcan": "naloxone", "antabuse": "disulfiram", "chantix": "varenicline",
}

var medicationRE = func() *regexp.Regexp {
	var alts []string
	for n := range medicationNames {
		alts = append(alts, regexp.QuoteMeta(n))
	}
	return regexp.MustCompile(`(?i)\b(` + strings.Join(alts, "|") + `)\b`)
}()

// medicationsIn returns the generic names of the medications text names,
// once each, in order.
func medicationsIn(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range medicationRE.FindAllString(text, -1) {
		m = strings.ToLower(m)
		if g := medicationNames[m]; g != "" {
			m = g
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}
