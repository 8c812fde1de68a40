package web

import "github.com/scribe-health/scribe/internal/store"

// MaySee is the web app's rule for who may see and act on a session, for
// the command line to apply to the person its credential names (the pages
// apply it through session).
func MaySee(u store.User, sess store.Session) error { return canSee(u, sess) }
