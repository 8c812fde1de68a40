package exchange

import (
	"fmt"
	"strings"
	"time"
)

// HL7 v2 delimiters (MSH-1 and MSH-2).
const (
	hl7Field     = '|'
	hl7Encoding  = `^~\&`
	hl7SegmentCR = "\r"
)

var hl7Escaper = strings.NewReplacer(`\`, `\E\`, `|`, `\F\`, `^`, `\S\`, `~`, `\R\`, `&`, `\T\`, "\r", `\X0D\`, "\n", `\X0A\`)

// EscapeHL7 escapes text for an HL7 v2 field: \ | ^ ~ & become \E\ \F\ \S\
// \R\ \T\, and the line breaks CR and LF, which end a segment, become the
// hexadecimal escapes \X0D\ and \X0A\ (HL7 v2.5 section 2.7.5), so nothing in
// a field can split it or start a segment.
func EscapeHL7(s string) string { return hl7Escaper.Replace(s) }

func hl7Time(t time.Time) string { return t.UTC().Format("20060102150405") + "+0000" }

// HL7Options name the two ends of the message.
type HL7Options struct {
	SendingFacility   string
	ReceivingApp      string
	ReceivingFacility string
}

// MDMT02 renders the note as an HL7 v2.5.1 MDM^T02 (original document
// notification and content): MSH, EVN, PID (client alias only), PV1, TXA
// (completion status IP for a draft, AU once signed; confidentiality R for a
// Part 2 record) and one OBX per line of the rendered note (result status P
// for a draft, F once signed), every field escaped. Segments end with CR.
func MDMT02(in Input, opt HL7Options) ([]byte, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	if opt.SendingFacility == "" {
		opt.SendingFacility = "SCRIBE"
	}
	now := hl7Time(in.Now)
	control := fhirID("hl7", in.Draft.ID, fmt.Sprint(in.Draft.Version), now)[:20]
	completion, obxStatus := "IP", "P"
	if in.Signed() {
		completion, obxStatus = "AU", "F"
	}
	confidentiality := "U"
	if in.Session.Part2() {
		confidentiality = "R"
	}
	processing := "P" // MSH-11: production
	if in.Session.Sample() {
		processing = "T" // training: the SAMPLE session of scribe demo
	}
	var segs [][]string
	segs = append(segs,
		[]string{"MSH", hl7Encoding, "SCRIBE", EscapeHL7(opt.SendingFacility), EscapeHL7(opt.ReceivingApp), EscapeHL7(opt.ReceivingFacility), now, "", "MDM^T02^MDM_T02", control, processing, "2.5.1"},
		[]string{"EVN", "T02", now},
		// PID-3 and PID-5 carry the client alias only: no name, birth date or address leaves Scribe.
		[]string{"PID", "1", "", EscapeHL7(in.Session.ClientAlias) + "^^^SCRIBE^PI", "", EscapeHL7(in.Session.ClientAlias)},
		[]string{"PV1", "1", "O"},
	)
	author := ""
	if in.Session.Clinician != "" {
		author = EscapeHL7(in.Session.Clinician)
	}
	txa := make([]string, 24)
	txa[0] = "TXA"
	txa[1] = "1"
	txa[2] = "PN"                                                             // document type: progress note
	txa[3] = "TX"                                                             // content presentation: text
	txa[4] = hl7Time(time.UnixMilli(in.Session.CreatedAt))                    // activity date/time
	txa[5] = author                                                           // primary activity provider
	txa[6] = hl7Time(time.UnixMilli(in.Draft.CreatedAt))                      // origination date/time
	txa[8] = hl7Time(time.UnixMilli(in.Draft.UpdatedAt))                      // edit date/time
	txa[12] = EscapeHL7(fmt.Sprintf("%s-v%d", in.Draft.ID, in.Draft.Version)) // unique document number
	txa[17] = completion                                                      // document completion status
	txa[18] = confidentiality                                                 // document confidentiality status
	txa[19] = "AV"                                                            // availability
	if in.Signed() {
		// TXA-22 authentication person, time stamp: ID ^ ... ^ time (component 15).
		txa[22] = EscapeHL7(in.Draft.SignedBy) + strings.Repeat("^", 14) + hl7Time(time.UnixMilli(in.Draft.SignedAt))
		txa[10] = EscapeHL7(in.Draft.SignedBy) // assigned document authenticator
	}
	segs = append(segs, txa)
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(RenderedText(in), "\r\n", "\n"), "\n"), "\n")
	for i, line := range lines {
		segs = append(segs, []string{"OBX", fmt.Sprint(i + 1), "TX", LOINCProgressNote + "^Progress note^LN", "1", EscapeHL7(strings.ReplaceAll(line, "\r", " ")), "", "", "", "", "", obxStatus})
	}
	var b strings.Builder
	for _, s := range segs {
		if s[0] == "MSH" {
			// MSH-1 is the field separator itself; MSH-2 follows it directly.
			b.WriteString("MSH")
			b.WriteByte(hl7Field)
			b.WriteString(strings.Join(s[1:], string(hl7Field)))
		} else {
			b.WriteString(strings.Join(s, string(hl7Field)))
		}
		b.WriteString(hl7SegmentCR)
	}
	return []byte(b.String()), nil
}
