package store

import "log/slog"

// Logger is the logger the store was opened with (Options.Logger): the
// stages that run on the store log through it, with ids, never PHI.
func (s *Store) Logger() *slog.Logger { return s.log }
