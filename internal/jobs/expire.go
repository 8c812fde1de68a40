package jobs

// StageExpireSessions is the kind of the periodic sweep that ends call
// sessions whose appointment time (and grace period) is over.
const StageExpireSessions = "expire_sessions"

// ExpireSessionsArgs ends expired call sessions (internal/pipeline works it,
// every minute).
type ExpireSessionsArgs struct{}

func (ExpireSessionsArgs) Kind() string { return StageExpireSessions }
