package fakeopenai

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/scribe-health/scribe/internal/eval/gold"
	"github.com/scribe-health/scribe/prompts"
)

// CraftNotes makes the fake answer as a model of a known quality on the
// gold set (internal/eval/gold): a drafting request whose transcript is a
// gold session's (redacted or not) is answered with gold.Craft's note of
// quality q — good, or degraded, whose first reply also leaves out a
// required section so that drafting needs its repair retry. A pass-2
// request of a long session gets its extracted statements back in their
// sections. A judge request (the eval package's) is answered by a
// lexical check. Anything else is answered by BuildNote. The scorer's own
// regression test and `scribe eval` against this fake use it to check that
// the scores tell a good model from a bad one.
func (s *Server) CraftNotes(sessions []*gold.Session, q gold.Quality) {
	c := &crafter{sessions: sessions, q: q}
	s.Answer = c.answer
}

type crafter struct {
	sessions []*gold.Session
	q        gold.Quality
}

var schemaFormat = regexp.MustCompile(`^scribe_note_(.+)_v\d+$`)

func (c *crafter) answer(req ChatRequest) (string, error) {
	name := ""
	if req.ResponseFormat != nil && req.ResponseFormat.JSONSchema != nil {
		name = req.ResponseFormat.JSONSchema.Name
	}
	if strings.HasPrefix(name, "scribe_eval_judge") {
		return judge(req), nil
	}
	m := schemaFormat.FindStringSubmatch(name)
	if m == nil {
		return BuildNote(req)
	}
	f, err := prompts.FormatByID(strings.ReplaceAll(m[1], "_", "-"))
	if err != nil {
		return BuildNote(req)
	}
	user := ""
	for _, msg := range req.Messages {
		if msg.Role == "user" {
			user = msg.Content
			break
		}
	}
	if strings.Contains(user, prompts.ExtractedStart) {
		return echoExtracted(f, user), nil
	}
	segs := req.Segments()
	sess := c.identify(segs)
	if sess == nil {
		return BuildNote(req)
	}
	var present map[string]bool
	if len(segs) < len(sess.Turns) {
		present = map[string]bool{}
		for _, sg := range segs {
			present[sg.ID] = true
		}
	}
	note := gold.Craft(sess, f, c.q, present)
	repair := len(req.Messages) > 2
	if c.q == gold.Degraded && !repair && present == nil {
		if plan, ok := f.SectionByRole(prompts.RolePlan); ok && plan.Required {
			return note.JSON(plan.Key), nil
		}
	}
	return note.JSON(), nil
}

var wordRE = regexp.MustCompile(`[a-z0-9]+`)

func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range wordRE.FindAllString(strings.ToLower(s), -1) {
		if len(w) > 2 {
			out[w] = true
		}
	}
	return out
}

// identify finds the gold session whose turns the request's segments are
// (most of each segment's words in the turn of the same ID).
func (c *crafter) identify(segs []SegmentRef) *gold.Session {
	var best *gold.Session
	bestN := 0
	for _, s := range c.sessions {
		n := 0
		for _, sg := range segs {
			t, ok := s.Turn(sg.ID)
			if !ok {
				continue
			}
			tw, sw := words(t.Text), words(sg.Text)
			common := 0
			for w := range sw {
				if tw[w] {
					common++
				}
			}
			if len(sw) > 0 && 2*common >= len(sw) {
				n++
			}
		}
		if n > bestN {
			best, bestN = s, n
		}
	}
	if bestN == 0 || 2*bestN < len(segs) {
		return nil
	}
	return best
}

// echoExtracted answers a pass-2 request with its extracted statements,
// each in the section it came from.
func echoExtracted(f prompts.Format, user string) string {
	start := strings.Index(user, prompts.ExtractedStart)
	end := strings.Index(user, prompts.ExtractedEnd)
	note := gold.Crafted{Sections: map[string][]gold.Statement{}}
	for _, sec := range f.Sections {
		note.Sections[sec.Key] = []gold.Statement{}
	}
	if start < 0 || end < start {
		return note.JSON()
	}
	for _, line := range strings.Split(user[start+len(prompts.ExtractedStart):end], "\n") {
		var e prompts.Extracted
		if json.Unmarshal([]byte(strings.TrimSpace(line)), &e) != nil {
			continue
		}
		if _, ok := note.Sections[e.Section]; ok {
			note.Sections[e.Section] = append(note.Sections[e.Section], gold.Statement{Text: e.Text, Citations: e.Citations})
		}
	}
	return note.JSON()
}

var (
	judgeFact      = regexp.MustCompile(`(?m)^FACT ([a-z0-9-]+): (.*)$`)
	judgeStatement = regexp.MustCompile(`(?m)^STATEMENT (\d+): (.*)$`)
)

// judge answers a judge request lexically: a fact is present when most of
// its words are in the note's statements, a statement unsupported when
// fewer than half of its words were said in the transcript. It cannot
// tell a distractor stated as fact from the truth; a real judge should.
func judge(req ChatRequest) string {
	var user string
	for _, m := range req.Messages {
		if m.Role == "user" {
			user = m.Content
		}
	}
	said := map[string]bool{}
	for _, sg := range req.Segments() {
		for w := range words(sg.Speaker + " " + sg.Text) {
			said[w] = true
		}
	}
	stated := map[string]bool{}
	unsupported := []int{}
	for _, m := range judgeStatement.FindAllStringSubmatch(user, -1) {
		sw := words(m[2])
		found := 0
		for w := range sw {
			stated[w] = true
			if said[w] {
				found++
			}
		}
		if 2*found < len(sw) {
			n, _ := strconv.Atoi(m[1])
			unsupported = append(unsupported, n)
		}
	}
	type fact struct {
		ID      string `json:"id"`
		Present bool   `json:"present"`
	}
	facts := []fact{}
	for _, m := range judgeFact.FindAllStringSubmatch(user, -1) {
		fw := words(m[2])
		found := 0
		for w := range fw {
			if stated[w] {
				found++
			}
		}
		facts = append(facts, fact{ID: m[1], Present: len(fw) > 0 && 10*found >= 8*len(fw)})
	}
	b, _ := json.Marshal(map[string]any{"facts": facts, "unsupported": unsupported})
	return string(b)
}
