package redaction

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func redact(t *testing.T, s *Session, text string) Result {
	t.Helper()
	r, err := s.Redact(text)
	if err != nil {
		t.Fatalf("Redact: %v", err)
	}
	return r
}

// spanText returns the input text each span covers (offsets are code points).
func spanTexts(text string, r Result) []string {
	rs := []rune(text)
	var out []string
	for _, sp := range r.Spans {
		out = append(out, string(rs[sp.Start:sp.End]))
	}
	return out
}

func TestDetectsIdentifierKinds(t *testing.T) {
	cases := []struct {
		name, text, want, typ string
	}{
		{"full name", "Client's sponsor, Teodoro Vance, called twice.", "Teodoro Vance", TypeName},
		{"title excluded", "She follows up with Dr. Okonkwo next week.", "Okonkwo", TypeName},
		{"lower-case relation", "client: my sister rashida drove me here", "rashida", TypeName},
		{"written phone", "Call me at (412) 555-0199 after five.", "(412) 555-0199", TypePhone},
		{"spoken phone", "her cell is four one two five five five oh one nine nine okay", "four one two five five five oh one nine nine", TypePhone},
		{"fax", "Records were faxed to 555-0142 yesterday.", "555-0142", TypeFax},
		{"ssn", "Social security number 123-45-6789 on file.", "123-45-6789", TypeSSN},
		{"spoken email", "it's jonah dot pike at yahoo dot com", "jonah dot pike at yahoo dot com", TypeEmail},
		{"written email", "Email jpike77@example.org please.", "jpike77@example.org", TypeEmail},
		{"url", "Log in at https://portal.example-clinic.org/login today.", "https://portal.example-clinic.org/login", TypeURL},
		{"ip", "The device at 10.20.30.40 kept dropping.", "10.20.30.40", TypeIP},
		{"case number", "Docket number CR-22-48113 is still open.", "CR-22-48113", TypeID},
		{"spoken date", "i'll see you june second okay", "june second", TypeDate},
		{"numeric date", "Seen on 3/14/2024 by video.", "3/14/2024", TypeDate},
		{"day alone", "Court is on the 14th.", "14th", TypeDate},
		{"age over 89", "Her grandmother is ninety-two and lives alone.", "ninety-two", TypeAge},
		{"street", "He moved to 412 Larkspur Lane last month.", "412 Larkspur Lane", TypeLocation},
		{"city", "She grew up in Altoona and moved away.", "Altoona", TypeLocation},
		{"zip", "Mailing address ends Ohio 43215.", "43215", TypeLocation},
		{"employer", "I work doubles at Brennan Logistics now.", "Brennan Logistics", TypeOrg},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := redact(t, NewSession(), c.text)
			got := spanTexts(c.text, r)
			for i, g := range got {
				if g == c.want {
					if r.Spans[i].Type != c.typ {
						t.Errorf("type of %q = %s, want %s", g, r.Spans[i].Type, c.typ)
					}
					return
				}
			}
			t.Errorf("in %q want span %q (%s), got %q", c.text, c.want, c.typ, got)
		})
	}
}

func TestKeepsDistractors(t *testing.T) {
	texts := []string{
		"Client continues Suboxone 16 milligrams and Vivitrol monthly; Lexapro 10 mg was stopped.",
		"We practiced Wise Mind and Radical Acceptance from the DBT skills.",
		"I hope it will rain; grace under pressure, you may say.",
		"Group meets every Wednesday at 7:30 and she is 45 years old.",
		"PHQ-9 of 14, GAD-7 of 9, ASAM level 3.5, working step four of the twelve steps.",
		"He went to AA and NA meetings and IOP in Pennsylvania back in 2019.",
		"the 8/2 films twice a day and ninety days clean",
	}
	for _, text := range texts {
		r := redact(t, NewSession(), text)
		if len(r.Spans) != 0 {
			t.Errorf("%q: false identifiers %q", text, spanTexts(text, r))
		}
	}
}

func TestSpeakerLabelsKept(t *testing.T) {
	text := "Clinician: How was your week, Marisol?\nClient: Fine. Marisol is my middle name too.\nClinician: Okay."
	r := redact(t, NewSession(), text)
	for _, line := range strings.Split(r.Text, "\n") {
		if !strings.HasPrefix(line, "Clinician: ") && !strings.HasPrefix(line, "Client: ") {
			t.Errorf("speaker label lost: %q", line)
		}
	}
	if strings.Contains(r.Text, "Marisol") {
		t.Errorf("name left in %q", r.Text)
	}
}

func TestConsistentPlaceholders(t *testing.T) {
	s := NewSession()
	r := redact(t, s, "Client's mother, Maria Lopez, attended. Later Maria said she was proud.")
	if got := strings.Count(r.Text, "[NAME_1]"); got != 2 || strings.Contains(r.Text, "Maria") {
		t.Fatalf("want Maria Lopez and Maria as [NAME_1] twice, got %q", r.Text)
	}
	// the next call of the same session continues the map
	r2 := redact(t, s, "Then Maria called back about her son Tobias.")
	if !strings.HasPrefix(r2.Text, "Then [NAME_1] called") || !strings.Contains(r2.Text, "[NAME_2]") {
		t.Fatalf("second call: %q", r2.Text)
	}
	if m := s.Map(); m["[NAME_1]"] != "Maria Lopez" || m["[NAME_2]"] != "Tobias" {
		t.Fatalf("map = %v", m)
	}
	// a fresh session starts again at 1
	r3 := redact(t, NewSession(), "Tobias was there.")
	if r3.Text != "[NAME_1] was there." {
		t.Fatalf("fresh session: %q", r3.Text)
	}
}

func TestMarshalRestoreContinuesNumbering(t *testing.T) {
	s := NewSession()
	redact(t, s, "Her brother Shane Albright lives in Scranton, call 570-555-0101.")
	blob, err := s.MarshalMap()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(blob, []byte("sha")) && bytes.Contains(blob, []byte("hash")) {
		t.Fatalf("map must hold originals, not hashes")
	}
	s2, err := RestoreSession(blob)
	if err != nil {
		t.Fatal(err)
	}
	r := redact(t, s2, "Shane came with his friend Dominic.")
	if !strings.Contains(r.Text, "[NAME_1] came") || !strings.Contains(r.Text, "[NAME_2]") {
		t.Fatalf("restored session: %q", r.Text)
	}
	for _, bad := range []string{"", "{", `{"version":2}`, `{"version":1,"entities":[{"placeholder":"NAME_1","type":"NAME","forms":["x"]}]}`, `{"version":1,"entities":[null]}`} {
		if _, err := RestoreSession([]byte(bad)); err == nil {
			t.Errorf("RestoreSession(%q) accepted bad input", bad)
		}
	}
}

func TestReidentify(t *testing.T) {
	s := NewSession()
	r := redact(t, s, "Client reports that Dana Whitfield from Altoona called on March 3rd.")
	back, unknown := Reidentify(r.Text, s.Map())
	if back != "Client reports that Dana Whitfield from Altoona called on March 3rd." || len(unknown) != 0 {
		t.Fatalf("round trip: %q unknown=%v", back, unknown)
	}
	out, unknown := Reidentify("[NAME_1] met [NAME_7] and [NAME_7] at [ORG_2]; see [note] and [x_1].", s.Map())
	if out != "Dana Whitfield met [NAME_7] and [NAME_7] at [ORG_2]; see [note] and [x_1]." {
		t.Fatalf("got %q", out)
	}
	if len(unknown) != 2 || unknown[0] != "[NAME_7]" || unknown[1] != "[ORG_2]" {
		t.Fatalf("unknown = %v", unknown)
	}
}

func TestInvalidUTF8(t *testing.T) {
	s := NewSession()
	if _, err := s.Redact("Maria \xff Lopez"); !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("want ErrInvalidUTF8, got %v", err)
	}
	if len(s.Map()) != 0 {
		t.Fatal("a rejected input changed the session")
	}
	var out bytes.Buffer
	err := RunCLI(strings.NewReader("ok \xc3\x28 bad"), &out)
	if err == nil || !strings.Contains(err.Error(), "not valid UTF-8") || !strings.Contains(err.Error(), "byte 3") {
		t.Fatalf("CLI error = %v", err)
	}
	if out.Len() != 0 {
		t.Fatalf("CLI wrote output for bad input: %q", out.String())
	}
}

func TestRunCLI(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		var out bytes.Buffer
		if err := RunCLI(strings.NewReader(""), &out); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(out.String()) != `{"text":"","spans":[]}` {
			t.Fatalf("got %q", out.String())
		}
	})
	t.Run("code points", func(t *testing.T) {
		in := "Clinician: 😀 hola José, ¿cómo está?\nClient: Bien. My daughter Ximena Ñúñez lives in Altoona; call (814) 555-0188."
		var out bytes.Buffer
		if err := RunCLI(strings.NewReader(in), &out); err != nil {
			t.Fatal(err)
		}
		var res struct {
			Text  string `json:"text"`
			Spans []Span `json:"spans"`
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("output is not one JSON object: %v: %q", err, out.String())
		}
		rs := []rune(in)
		want := map[string]string{"José": TypeName, "Ximena Ñúñez": TypeName, "Altoona": TypeLocation, "(814) 555-0188": TypePhone}
		prevEnd := 0
		for _, sp := range res.Spans {
			if sp.Start < prevEnd || sp.End <= sp.Start || sp.End > len(rs) {
				t.Fatalf("spans not sorted/non-overlapping/in range: %+v", res.Spans)
			}
			prevEnd = sp.End
			got := string(rs[sp.Start:sp.End])
			if typ, ok := want[got]; ok && typ == sp.Type {
				delete(want, got)
			}
			if !strings.HasPrefix(sp.Placeholder, "["+sp.Type+"_") {
				t.Errorf("placeholder %q does not match type %s", sp.Placeholder, sp.Type)
			}
		}
		if len(want) != 0 {
			t.Fatalf("missing spans %v; got %+v", want, res.Spans)
		}
		if strings.Contains(res.Text, "Ximena") || !strings.HasPrefix(res.Text, "Clinician: 😀 hola [NAME_1], ¿cómo") {
			t.Fatalf("text = %q", res.Text)
		}
		if !utf8.ValidString(res.Text) {
			t.Fatal("output text is not UTF-8")
		}
	})
}

func TestPlaceholdersAreNotHashes(t *testing.T) {
	a, b := NewSession(), NewSession()
	ra := redact(t, a, "Officer Brenda Quill called.")
	rb := redact(t, b, "Dr. Imogen Rask called.")
	// placeholders depend on order of appearance only, never on the value
	if ra.Spans[0].Placeholder != rb.Spans[0].Placeholder {
		t.Fatalf("placeholders depend on the value: %v %v", ra.Spans, rb.Spans)
	}
}

func BenchmarkRedact(b *testing.B) {
	docs := loadCorpus(b)
	var sb strings.Builder
	for sb.Len() < 60_000 {
		for _, d := range docs {
			sb.WriteString(d.Text)
			sb.WriteByte('\n')
		}
	}
	text := sb.String()
	if _, err := loadGazetteers(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu0, okCPU := processCPU()
	for i := 0; i < b.N; i++ {
		if _, err := NewSession().Redact(text); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(text))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s_text")
	reportCPU(b, cpu0, okCPU, len(text))
}

// reportCPU reports throughput per CPU-second of the whole process (GC
// included): the per-core figure, which a loaded machine distorts less
// than wall-clock time.
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool, size int) {
	cpu1, ok1 := processCPU()
	if !ok || !ok1 || cpu1 <= cpu0 {
		return
	}
	per := (cpu1 - cpu0).Seconds() / float64(b.N)
	b.ReportMetric(float64(size)/per/1e6, "MB/cpu-s")
	b.ReportMetric(per*1e3, "cpu-ms/op")
}

// spanCase is a text and every span it must produce, as "TYPE text", in order
// (nil: no span at all).
type spanCase struct {
	name, text string
	want       []string
}

func checkSpans(t *testing.T, cases []spanCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := redact(t, NewSession(), c.text)
			var got []string
			for i, s := range spanTexts(c.text, r) {
				got = append(got, r.Spans[i].Type+" "+s)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%q:\n got spans %q\nwant spans %q", c.text, got, c.want)
			}
		})
	}
}

// Street names at a corner are each a location, also without a street type.
func TestIntersections(t *testing.T) {
	checkSpans(t, []spanCase{
		{"corner of two bare names", "We met at the corner of Elm and Main.", []string{"LOCATION Elm and Main"}},
		{"corner of, unpunctuated", "we met at the corner of elm and main", []string{"LOCATION elm and main"}},
		{"corner of, no preposition before", "we met at the corner of Elm and Main", []string{"LOCATION Elm and Main"}},
		{"three-word street at a corner", "The shop on the corner of Martin Luther King and Vine closed.", []string{"LOCATION Martin Luther King and Vine"}},
		{"plural street type", "I live near Elm and Main streets.", []string{"LOCATION Elm and Main"}},
		{"street then bare name", "We met at Elm Street and Main.", []string{"LOCATION Elm Street", "LOCATION Main"}},
		{"bare name then street", "We met at Elm and Main Street.", []string{"LOCATION Elm", "LOCATION Main Street"}},
		{"bare name then street, unpunctuated", "we met at elm and main street", []string{"LOCATION elm", "LOCATION main street"}},
		{"two streets, unpunctuated", "we met at elm street and main street", []string{"LOCATION elm street", "LOCATION main street"}},
		{"numbered street", "We met at 5th and Main.", []string{"LOCATION 5th and Main"}},
		// the street name does not spread to the common word
		{"common word later", "We met at the corner of Elm and Main. The main thing is trust.", []string{"LOCATION Elm and Main"}},
		{"corner as a figure of speech", "Those are all people in your corner and you know it.", nil},
		{"two people", "I saw Dana Whitfield and Sam Lee yesterday.", []string{"NAME Dana Whitfield", "NAME Sam Lee"}},
	})
}

// A firm named by one surname twice is one identifier, not two people.
func TestRepeatedSurnameFirm(t *testing.T) {
	checkSpans(t, []spanCase{
		{"unpunctuated employer", "i work at johnson and johnson now", []string{"ORG johnson and johnson"}},
		{"unpunctuated, no work cue", "my dad retired from johnson and johnson", []string{"ORG johnson and johnson"}},
		{"sentence start", "Johnson and Johnson called me back.", []string{"ORG Johnson and Johnson"}},
		{"no cue", "I love Johnson and Johnson products.", []string{"ORG Johnson and Johnson"}},
		{"employer", "I work at Johnson and Johnson now.", []string{"ORG Johnson and Johnson"}},
	})
}

// A middle initial joins the given name and the surname.
func TestMiddleInitials(t *testing.T) {
	checkSpans(t, []spanCase{
		{"initial I with period at sentence start", "John I. Smith called.", []string{"NAME John I. Smith"}},
		{"initial I without period", "Then John I Smith called.", []string{"NAME John I Smith"}},
		{"hyphenated given name, O' surname", "Mary-Ann K. O'Brien is my aunt.", []string{"NAME Mary-Ann K. O'Brien"}},
		{"unpunctuated hyphenated given name", "then mary-ann k. o'brien is my aunt", []string{"NAME mary-ann k. o'brien"}},
		{"after a relation", "My aunt Mary-Ann K. O'Brien called.", []string{"NAME Mary-Ann K. O'Brien"}},
		{"mid-sentence", "Then Mary K. Lopez called.", []string{"NAME Mary K. Lopez"}},
		// the pronoun and a letter that ends a sentence are no initials
		{"pronoun before a common word", "I told Dana I Think so.", []string{"NAME Dana"}},
		{"letter after a disease", "Hepatitis C. Client denies symptoms.", nil},
		{"letter after a common word", "I got Plan B. Then I left.", nil},
		{"pronoun alone", "The client and I reviewed the plan. I. Then we stopped.", nil},
	})
}

// A program or facility named by one or two capitalised words after a verb
// of place; generic programs, therapies, platforms and people stay.
func TestFacilityAfterPlaceVerb(t *testing.T) {
	checkSpans(t, []spanCase{
		{"went to", "I went to Pathways last year.", []string{"LOCATION Pathways"}},
		{"she's at", "She's at Serenity now.", []string{"LOCATION Serenity"}},
		{"back at, two words", "He is back at Harbor House again.", []string{"LOCATION Harbor House"}},
		{"came from", "I came from Brightwater after detox.", []string{"LOCATION Brightwater"}},
		{"left", "I left Pathways after thirty days.", []string{"LOCATION Pathways"}},
		{"twelve-step programs", "I went to AA and NA meetings twice this week.", nil},
		{"therapies", "She's in IOP now and doing CBT.", nil},
		{"video platforms", "We did it on Zoom and in Teams.", nil},
		{"care setting", "I was in Inpatient for two weeks.", nil},
		{"generic program word", "I'm going to Group tonight.", nil},
		{"weekday and month", "I went to Pathways on Monday and left in March.", []string{"LOCATION Pathways", "DATE March"}},
		{"state", "I moved to Florida last year.", nil},
		{"person's home", "I was at Marisol's last night.", []string{"NAME Marisol"}},
		// a therapy phrase keeps its word although the facility shares it
		{"serenity prayer", "She's at Serenity now. We said the Serenity Prayer after.", []string{"LOCATION Serenity"}},
		{"speaker label", "Client: I went to Pathways.\nClinician: Okay.", []string{"LOCATION Pathways"}},
	})
	// an employer named again after a place verb keeps its employer type
	// and its placeholder
	text := "I'm on break at Quillmart. Everybody at Quillmart will know."
	r := redact(t, NewSession(), text)
	if len(r.Spans) != 2 || r.Spans[0].Type != TypeOrg || r.Spans[1].Placeholder != r.Spans[0].Placeholder {
		t.Errorf("%q: want the same ORG placeholder twice, got %+v", text, r.Spans)
	}
}

// A ZIP code spoken or spaced digit by digit after a state.
func TestSpokenZipAfterState(t *testing.T) {
	checkSpans(t, []spanCase{
		{"spoken digits", "She lives in Illinois six two seven oh one.", []string{"LOCATION six two seven oh one"}},
		{"spaced digits", "I live in Ohio 4 3 2 1 5 now.", []string{"LOCATION 4 3 2 1 5"}},
		{"leading oh, unpunctuated", "she lives in maine oh four seven seven one with her kids", []string{"LOCATION oh four seven seven one"}},
		{"two-word state", "He lives in Albany, New York one two two oh seven.", []string{"LOCATION Albany", "LOCATION one two two oh seven"}},
		{"state abbreviation", "The mailing address ends OH 4 3 2 1 5.", []string{"LOCATION 4 3 2 1 5"}},
		{"numbers that are no ZIP", "i lived in ohio two three years", nil},
	})
}

// A nickname after "call me", "nickname is", "goes by" is a name.
func TestNicknames(t *testing.T) {
	checkSpans(t, []spanCase{
		{"they call me", "They call me Slim.", []string{"NAME Slim"}},
		{"they call me, unpunctuated", "they call me slim", []string{"NAME slim"}},
		{"everyone calls him", "Everyone calls him Red at work.", []string{"NAME Red"}},
		{"everyone calls him, unpunctuated", "everyone calls him red at work", []string{"NAME red"}},
		{"nickname is", "My nickname is Tiny.", []string{"NAME Tiny"}},
		{"nickname is, unpunctuated", "my nickname is tiny", []string{"NAME tiny"}},
		{"goes by", "He goes by Ace now.", []string{"NAME Ace"}},
		{"call me back", "Can you call me back tomorrow?", nil},
		{"call me later, unpunctuated", "call me later okay", nil},
		{"an insult is no nickname", "they call me crazy sometimes", nil},
		{"calls me every morning", "She calls me every morning.", nil},
		{"time goes by", "Time goes by fast.", nil},
	})
}

// A two-word state is one unit. Like a one-word state it is kept (states
// are not identifiers here: the corpus does not label them), so neither word
// becomes a placeholder of its own; a city before it is still a place, and a
// two-word place after a place word is one location.
func TestTwoWordStatesAndPlaces(t *testing.T) {
	checkSpans(t, []spanCase{
		{"west virginia", "She grew up in West Virginia and moved.", nil},
		{"north carolina", "I lived in North Carolina for years.", nil},
		{"new mexico, new hampshire", "We drove to New Mexico then New Hampshire.", nil},
		{"rhode island, unpunctuated", "the client moved to rhode island last year", nil},
		{"north carolina, unpunctuated", "they moved to north carolina in the fall", nil},
		{"south dakota, unpunctuated", "they stayed in south dakota", nil},
		{"state like a one-word state", "Her aunt lives in Virginia, then West Virginia.", nil},
		{"city before the state", "Huntington, West Virginia 25174.", []string{"LOCATION Huntington", "LOCATION 25174"}},
		{"city, unpunctuated", "they live in huntington west virginia", []string{"LOCATION huntington"}},
		{"new york city", "He moved to New York City last year.", []string{"LOCATION New York City"}},
		{"state school", "She was at West Virginia University for a year.", []string{"ORG West Virginia University"}},
		{"state street", "He lives on West Virginia Avenue now.", []string{"LOCATION West Virginia Avenue"}},
		{"two-word city", "He grew up in South Bend.", []string{"LOCATION South Bend"}},
		{"two-word city, unpunctuated", "she lives in west chester near the mall", []string{"LOCATION west chester"}},
		{"two-word city after from", "he is from north platte originally", []string{"LOCATION north platte"}},
		{"person whose given name is a town", "I talked to Dana Warren about it.", []string{"NAME Dana Warren"}},
	})
}

// A word that is both a person's name and a town keeps one placeholder
// where its context does not say which it is; where the contexts clearly
// differ ("my friend Jordan", "lived in Jordan") the two kinds stay apart.
func TestNameAndPlaceSameWord(t *testing.T) {
	cases := []struct {
		name string
		text []string // calls of one session
		want string   // the last call's redacted text
	}{
		{"person, then after an unclear to", []string{"My friend Jordan came by. I talked to Jordan after."},
			"My friend [NAME_1] came by. I talked to [NAME_1] after."},
		{"person, then after an unclear from", []string{"My brother Tyler called. I got a text from Tyler."},
			"My brother [NAME_1] called. I got a text from [NAME_1]."},
		{"surname that is a town", []string{"I talked to Dana Warren about it. Warren said she grew up in Warren."},
			"I talked to [NAME_1] about it. [NAME_1] said she grew up in [LOCATION_1]."},
		{"clearly two kinds", []string{"My friend Jordan came by. Later Jordan said he lived in Jordan for a year."},
			"My friend [NAME_1] came by. Later [NAME_1] said he lived in [LOCATION_1] for a year."},
		{"town, then a bare mention", []string{"I grew up in Tyler. Tyler is where my mom lives."},
			"I grew up in [LOCATION_1]. [LOCATION_1] is where my mom lives."},
		{"same sentence context twice", []string{"I talked to Chester today and I talked to Chester yesterday about Chester."},
			"I talked to [NAME_1] today and I talked to [NAME_1] yesterday about [NAME_1]."},
		{"a possessive is a person's", []string{"So Hector texted me. I went over to Hector's place after."},
			"So [NAME_1] texted me. I went over to [NAME_1]'s place after."},
		{"drove all the way from", []string{"My friend Jordan drove all the way from Dayton."},
			"My friend [NAME_1] drove all the way from [LOCATION_1]."},
		{"across calls of a session", []string{"Her sponsor Chester helped.", "I talked to Chester last week."},
			"I talked to [NAME_1] last week."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewSession()
			var r Result
			for _, text := range c.text {
				r = redact(t, s, text)
			}
			if r.Text != c.want {
				t.Errorf("got  %q\nwant %q", r.Text, c.want)
			}
		})
	}
}

// Lower-case speech: a facility named by one word after a verb of going or
// staying, when the word is no common word and reads as a facility's name.
func TestFacilityAfterPlaceVerbLowerCase(t *testing.T) {
	checkSpans(t, []spanCase{
		{"went to", "we went to pathways last year", []string{"LOCATION pathways"}},
		{"staying at", "she's staying at riverside right now", []string{"LOCATION riverside"}},
		{"admitted to", "he was admitted to brightwater in the spring", []string{"LOCATION brightwater"}},
		{"discharged from", "i got discharged from gaudenzia after thirty days", []string{"LOCATION gaudenzia"}},
		{"in treatment at", "he is in treatment at hazelden now", []string{"LOCATION hazelden"}},
		{"goes to", "my son goes to ridgeview twice a week", []string{"LOCATION ridgeview"}},
		{"with a facility head", "we went to pathways recovery last year", []string{"LOCATION pathways recovery"}},
		{"went to work, went to bed", "i went to work and then went to bed", nil},
		{"staying at home", "i was staying at home with my mom", nil},
		{"the store", "we went to the store after", nil},
		{"generic places", "she goes to school and he went to jail and i went to rehab and church", nil},
		{"going to sleep", "i'm going to sleep early and we went to dinner", nil},
		{"therapy and meetings", "i went to therapy and he goes to meetings", nil},
	})
}

// BenchmarkRedact90Minutes redacts one 90-minute session transcript: about
// 13,500 spoken words (150 a minute), built from the independent corpus's
// speech documents, and reports milliseconds per transcript.
func BenchmarkRedact90Minutes(b *testing.B) {
	var sb strings.Builder
	words := 0
	for words < 13_500 {
		for _, d := range loadIndep(b, "indep-tune.jsonl") {
			if d.Kind == "note" {
				continue
			}
			sb.WriteString(d.Text)
			sb.WriteByte('\n')
			words += len(strings.Fields(d.Text))
			if words >= 13_500 {
				break
			}
		}
	}
	text := sb.String()
	if _, err := loadGazetteers(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu0, okCPU := processCPU()
	for i := 0; i < b.N; i++ {
		if _, err := NewSession().Redact(text); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/transcript")
	reportCPU(b, cpu0, okCPU, len(text))
}
