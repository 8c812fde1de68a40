// Package app is Scribe's service layer: every operation a person can
// perform — schedule, cancel and retry a session, add or change a model
// provider, add a note template, add a user or change one's role and
// access — is one method of Service taking a typed input and the acting
// principal (the store.User acting: a signed-in user, a user proven by a
// personal API token, or the host operator at the command line), and
// returning typed errors: ErrNotFound, ErrForbidden and ErrConflict (test
// with errors.Is) and *ValidationError (test with errors.As) for input
// Scribe does not accept.
//
// Authorization is decided here (internal/clients' rule of who may see
// which session, and each operation's roles), so the web app and the
// command line cannot disagree; both are adapters that parse their input,
// call one method and render the answer. Every change is audited here, in
// the transaction that makes it, with the principal's user ID as the actor
// (the audit viewer shows the e-mail beside it).
//
// Messages speak to the person who sees them: no command-line flag, form
// field name or Go identifier appears in an error from this package
// (TestErrorsSpeakTheDomain walks them).
//
// The pipeline's own work (ingest, the stage workers, the retry path and a
// session's end) stays in internal/pipeline; this package calls it.
package app
