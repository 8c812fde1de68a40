package store

import "context"

// JobCount is the number of River jobs of one kind in one state.
type JobCount struct {
	Kind, State string
	Count       int64
}

// JobCounts counts River's jobs (of every node sharing the database) by
// kind and state, for the metrics endpoint: one grouped read of
// river_job, the same SQL on both dialects.
func (s *Store) JobCounts(ctx context.Context) ([]JobCount, error) {
	return collect(ctx, s.conn, func(r rows) (JobCount, error) {
		var c JobCount
		err := r.Scan(&c.Kind, &c.State, &c.Count)
		return c, err
	}, `SELECT kind, CAST(state AS TEXT), COUNT(*) FROM river_job GROUP BY kind, state ORDER BY kind, state`)
}
