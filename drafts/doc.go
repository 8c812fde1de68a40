// Package drafts owns the life of a progress note: the draft stage's River
// worker (which calls summarize), then draft → edited → signed or rejected,
// addenda on signed notes, regeneration into new versions, the content hash
// that makes a signed note tamper-evident, and every rendering of a note
// (text, JSON) with its AI-draft banner or its signature and AI-assistance
// disclosure. Placeholders from redaction are put back only when a
// rendering is made for an authorised clinician.
package drafts
