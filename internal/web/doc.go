// Package web is Scribe's browser app: server-rendered pages (html/template,
// small embedded JavaScript and CSS, no build step) for sign-in and accounts,
// the therapist's sessions, the review and signing of drafts, and the admin
// pages. It owns authentication (argon2id passwords, TOTP, lockout, idle
// logoff), CSRF protection and the access rule for sessions; it changes
// drafts only through the drafts package and reads data only through the
// store, and it writes an audit entry before it shows any protected data.
//
// It does not own the call page (capture) or the pipeline's stages.
package web
