package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/scribe-health/scribe/drafts"
	"github.com/scribe-health/scribe/internal/clients"
	"github.com/scribe-health/scribe/internal/instruments"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/redaction"
	"github.com/scribe-health/scribe/summarize"
)

// BriefLine is one sentence of a client's brief and the signed note it
// comes from.
type BriefLine struct {
	Topic     string // presenting concerns, progress, risk history, homework and plan, scores
	Text      string
	SessionID string // the signed note's session ('' for a score)
	SignedAt  int64
}

// Brief is what the next clinician reads before a session: sentences
// taken, unchanged, from the client's signed notes (and their latest
// questionnaire scores), each with its source. Nothing is generated, and
// no unsigned draft is used.
type Brief struct {
	Lines []BriefLine
	// Notes is how many signed notes it drew on.
	Notes int
}

// maxBriefNotes bounds how far back a brief reads.
const maxBriefNotes = 50

var riskWords = regexp.MustCompile(`(?i)\b(suicid\w*|self-harm\w*|self harm|harm (?:to )?others|homicid\w*|safety plan|overdos\w*|crisis|abuse|neglect)`)

// firstOf returns the first statement of the first section whose key is
// one of keys.
func firstOf(n summarize.Note, keys ...string) (summarize.Statement, bool) {
	for _, k := range keys {
		for _, sec := range n.Sections {
			if sec.Key == k && len(sec.Statements) > 0 {
				return sec.Statements[0], true
			}
		}
	}
	return summarize.Statement{}, false
}

// ClientBrief builds the brief for the client of a session the user may
// see, from the signed notes of that client's other sessions that the
// user may draw on: the client's care team (a Part 2 client's program
// staff only, as for every Part 2 record) reads the notes of every
// clinician of the team. Re-identified with each note's own identifier
// map for the reader.
func (s *Service) ClientBrief(ctx context.Context, by store.User, sessionID string) (Brief, error) {
	sess, err := s.Session(ctx, by, sessionID)
	if err != nil {
		return Brief{}, err
	}
	var b Brief
	if sess.ClientID == "" {
		return b, nil
	}
	client, err := s.Store.Client(ctx, sess.ClientID)
	if err != nil {
		return b, err
	}
	if !clients.MaySee(by, client) {
		return b, nil
	}
	sessions, err := s.Store.SessionsOfClient(ctx, client.ID, maxBriefNotes*2)
	if err != nil {
		return b, err
	}
	type signed struct {
		sess store.Session
		d    store.Draft
		note summarize.Note
		tm   redaction.TokenMap
	}
	var notes []signed
	for _, other := range sessions {
		if other.ID == sess.ID || (other.Part2() && !(client.Part2() && by.Part2Access)) {
			continue
		}
		d, err := s.Store.LatestDraft(ctx, other.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && d.Status != store.DraftSigned) {
			continue // only signed notes: never a draft, never a note awaiting co-signature
		}
		if err != nil {
			return b, err
		}
		v, err := drafts.BuildView(d, nil, drafts.RenderOptions{})
		if err != nil {
			return b, err
		}
		tm, err := s.TokenMap(ctx, other.ID)
		if err != nil {
			return b, err
		}
		notes = append(notes, signed{sess: other, d: d, note: v.Note, tm: tm})
		if len(notes) == maxBriefNotes {
			break
		}
	}
	sort.Slice(notes, func(i, j int) bool { return notes[i].d.SignedAt < notes[j].d.SignedAt })
	b.Notes = len(notes)
	add := func(topic string, n signed, st summarize.Statement) {
		text := st.Text
		if n.tm != nil {
			text, _ = redaction.Reidentify(text, n.tm)
		}
		b.Lines = append(b.Lines, BriefLine{Topic: topic, Text: text, SessionID: n.sess.ID, SignedAt: n.d.SignedAt})
	}
	if len(notes) > 0 {
		first, last := notes[0], notes[len(notes)-1]
		if st, ok := firstOf(first.note, "subjective", "data", "behavior", "goals"); ok {
			add("Presenting concerns", first, st)
		}
		if st, ok := firstOf(last.note, "assessment", "response"); ok {
			add("Progress", last, st)
		}
		var risk []BriefLine
		for i := len(notes) - 1; i >= 0 && len(risk) < 2; i-- {
			for _, sec := range notes[i].note.Sections {
				for _, st := range sec.Statements {
					if len(risk) < 2 && riskWords.MatchString(st.Text) {
						add("Risk history", notes[i], st)
						risk = append(risk, b.Lines[len(b.Lines)-1])
					}
				}
			}
		}
		for _, sec := range last.note.Sections {
			if sec.Key == "plan" {
				for i, st := range sec.Statements {
					if i < 2 {
						add("Homework and plan for today", last, st)
					}
				}
			}
		}
	}
	ms, err := s.Store.MeasuresOfClient(ctx, client.ID)
	if err != nil {
		return b, err
	}
	latest := map[string][]store.Measure{}
	for _, m := range ms {
		latest[m.Instrument] = append(latest[m.Instrument], m)
	}
	for _, in := range instruments.All {
		list := latest[in.ID]
		if len(list) == 0 {
			continue
		}
		m := list[len(list)-1]
		res, err := in.Score(m.Answers)
		if err != nil {
			continue
		}
		text := fmt.Sprintf("%s %d of %d (%s) on %s", in.Name, res.Total, in.MaxTotal, res.Band, time.UnixMilli(m.AdministeredAt).UTC().Format(time.DateOnly))
		if len(list) > 1 {
			prev, _ := in.Score(list[len(list)-2].Answers)
			text += fmt.Sprintf(", from %d before", prev.Total)
		}
		if res.Risk {
			text += fmt.Sprintf("; item %d positive", in.RiskItem)
		}
		b.Lines = append(b.Lines, BriefLine{Topic: "Scores", Text: text + ".", SessionID: m.SessionID, SignedAt: m.AdministeredAt})
	}
	return b, nil
}

// BriefTopic is one topic of a brief with its lines.
type BriefTopic struct {
	Name  string
	Lines []BriefLine
}

// Topics lists the brief's topics in reading order with their lines.
func (b Brief) Topics() []BriefTopic {
	var out []BriefTopic
	for _, l := range b.Lines {
		if len(out) == 0 || out[len(out)-1].Name != l.Topic {
			out = append(out, BriefTopic{Name: l.Topic})
		}
		out[len(out)-1].Lines = append(out[len(out)-1].Lines, l)
	}
	return out
}
