// Package store is Scribe's one storage contract with two backends: an
// embedded SQLite file (modernc.org/sqlite, River's riversqlite driver) and
// PostgreSQL (pgx/v5, riverpgxv5). App tables and River's queue live in the
// same database so a row change and the job it triggers commit together.
//
// It owns schema, migrations, queries and the River client; it imports no
// pipeline stage. The same contract suite (storetest) runs on both backends.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite"
)

// The schema's migrations: migrations/common holds those whose SQL is the
// same on both databases, migrations/sqlite and migrations/postgres those
// that differ (a type, an index expression, a function). A version is in
// one place only.
//
//go:embed migrations
var migrationsFS embed.FS

type migration struct {
	version int
	name    string // NNN_name.sql
	body    string
}

// migrations lists the dialect's migrations in version order.
func migrations(d Dialect) ([]migration, error) {
	var out []migration
	seen := map[int]string{}
	for _, dir := range []string{"migrations/common", "migrations/" + string(d)} {
		entries, err := fs.ReadDir(migrationsFS, dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			num, _, ok := strings.Cut(e.Name(), "_")
			version, err := strconv.Atoi(num)
			if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
				return nil, fmt.Errorf("migration file %s/%s is not named NNN_name.sql", dir, e.Name())
			}
			if other, dup := seen[version]; dup {
				return nil, fmt.Errorf("migration %d is both %s and %s/%s", version, other, dir, e.Name())
			}
			body, err := migrationsFS.ReadFile(dir + "/" + e.Name())
			if err != nil {
				return nil, err
			}
			seen[version] = dir + "/" + e.Name()
			out = append(out, migration{version: version, name: e.Name(), body: string(body)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

// Options selects and configures a backend.
type Options struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or
	// postgresql://; empty means the embedded SQLite file in DataDir.
	DatabaseURL string
	DataDir     string
	// SkipMigrations opens the database as it is, applying nothing (scribe
	// doctor looks without changing anything; see MigrationStatus).
	SkipMigrations bool
}

// Store is the one storage contract. Both backends are the same type; the
// dialect lives in the adapter below.
type Store struct {
	dialect Dialect
	sqlDB   *sql.DB
	pool    *pgxpool.Pool
	conn    querier

	mu       sync.Mutex
	insertTx func(ctx context.Context, tx any, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	client   riverClient
	clientID string // of client
	// stopBeat ends the heartbeat of client and waits for it.
	stopBeat func()
	now      func() time.Time
}

type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// Open connects to the configured backend and applies migrations (app and
// River). It creates DataDir when it does not exist.
func Open(ctx context.Context, opt Options) (*Store, error) { return open(ctx, opt, 0) }

// open is Open applying app migrations up to version upTo only (0: all), so
// a test can put rows in an older schema and then migrate them.
func open(ctx context.Context, opt Options, upTo int) (*Store, error) {
	s := &Store{now: time.Now}
	if strings.HasPrefix(opt.DatabaseURL, "postgres://") || strings.HasPrefix(opt.DatabaseURL, "postgresql://") {
		pool, err := pgxpool.New(ctx, opt.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		if err := pool.Ping(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("connect to PostgreSQL (check DATABASE_URL and that the server is running): %w", err)
		}
		s.dialect, s.pool, s.conn = Postgres, pool, pgConn{pool: pool}
	} else if opt.DatabaseURL != "" {
		return nil, errors.New("DATABASE_URL must be a postgres:// URL; leave it unset for the embedded SQLite database")
	} else {
		if opt.DataDir == "" {
			return nil, errors.New("no data dir configured")
		}
		if err := PrivateDir(opt.DataDir); err != nil {
			return nil, err
		}
		path := filepath.Join(opt.DataDir, "scribe.db")
		if err := privateSQLite(path); err != nil {
			return nil, err
		}
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open SQLite database: %w", err)
		}
		db.SetMaxOpenConns(1)
		s.dialect, s.sqlDB, s.conn = SQLite, db, sqlConn{q: db}
	}
	if !opt.SkipMigrations {
		if err := s.migrate(ctx, upTo); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.initRiver(nil, WorkerOptions{}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Dialect is the backend: SQLite or Postgres.
func (s *Store) Dialect() Dialect { return s.dialect }

// SetClock replaces the store's clock (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

func (s *Store) nowMS() int64 { return s.now().UnixMilli() }

// Close stops workers and closes the database.
func (s *Store) Close() error {
	c, stopBeat := s.takeClient()
	if c != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = c.Stop(ctx)
		cancel()
	}
	stopBeat()
	if s.pool != nil {
		s.pool.Close()
	}
	if s.sqlDB != nil {
		return s.sqlDB.Close()
	}
	return nil
}

// Migrate applies the embedded, numbered app migrations and River's own.
// Each is applied once; running it again changes nothing.
func (s *Store) Migrate(ctx context.Context) error { return s.migrate(ctx, 0) }

func (s *Store) migrate(ctx context.Context, upTo int) error {
	if s.dialect == SQLite {
		m, err := rivermigrate.New(riversqlite.New(s.sqlDB), nil)
		if err != nil {
			return err
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("river migrations: %w", err)
		}
	} else {
		m, err := rivermigrate.New(riverpgxv5.New(s.pool), nil)
		if err != nil {
			return err
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("river migrations: %w", err)
		}
	}
	if _, err := s.conn.exec(ctx, `CREATE TABLE IF NOT EXISTS scribe_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	list, err := migrations(s.dialect)
	if err != nil {
		return err
	}
	for _, m := range list {
		version := m.version
		if upTo > 0 && version > upTo {
			continue
		}
		err = s.InTx(ctx, func(tx *Tx) error {
			var n int
			if err := tx.q.queryRow(ctx, `SELECT COUNT(*) FROM scribe_migrations WHERE version = $1`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range splitSQL(m.body) {
				if _, err := tx.q.exec(ctx, stmt); err != nil {
					return fmt.Errorf("migration %s: %w", m.name, err)
				}
			}
			_, err := tx.q.exec(ctx, `INSERT INTO scribe_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, version, m.name, s.nowMS())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func splitSQL(body string) []string {
	// Comment lines go first: a semicolon in a comment is not a statement's end.
	var code []string
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			code = append(code, line)
		}
	}
	var out []string
	for _, part := range strings.Split(strings.Join(code, "\n"), ";") {
		if strings.TrimSpace(part) != "" {
			out = append(out, part)
		}
	}
	return out
}

// Tx is a database transaction in which rows change and jobs are enqueued
// together.
type Tx struct {
	s     *Store
	q     querier
	rawTx any // *sql.Tx or pgx.Tx, for River's InsertTx
}

// Enqueue inserts a River job inside this transaction: it becomes visible
// to workers only when the transaction commits. Unless opts says
// otherwise, the job is unique by its arguments while it is active: the
// same job still queued or running is not inserted twice, while a
// completed, cancelled or discarded one does not count.
func (tx *Tx) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	tx.s.mu.Lock()
	ins := tx.s.insertTx
	tx.s.mu.Unlock()
	if opts == nil {
		opts = &river.InsertOpts{}
	}
	if !opts.UniqueOpts.ByArgs && opts.UniqueOpts.ByPeriod == 0 {
		opts.UniqueOpts = UniqueWhileActive()
	}
	_, err := ins(ctx, tx.rawTx, args, opts)
	return err
}

// InTx runs fn in a transaction, committing when it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if s.dialect == SQLite {
		sqlTx, err := s.sqlDB.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		if err := fn(&Tx{s: s, q: sqlConn{q: sqlTx}, rawTx: sqlTx}); err != nil {
			sqlTx.Rollback()
			return err
		}
		return sqlTx.Commit()
	}
	pgTx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(&Tx{s: s, q: pgConn{pool: s.pool, tx: pgTx}, rawTx: pgTx}); err != nil {
		pgTx.Rollback(ctx)
		return err
	}
	return pgTx.Commit(ctx)
}

// QueueMaintenance is the queue of the reconciler: its own worker, so
// that a process whose pipeline workers are all busy (long provider
// calls) still reconciles.
const QueueMaintenance = "maintenance"

// WorkerOptions configures the River client that runs pipeline jobs.
type WorkerOptions struct {
	Concurrency int // jobs worked at once; default 4
	// RescueAfter is River's own rescuer: how long a job may stay
	// "running" before it is taken to be orphaned and retried, whatever
	// its client's heartbeat says. A long safety net (default 20 minutes,
	// above the longest job timeout); heartbeats (below) take back the
	// jobs of a stopped process within seconds.
	RescueAfter time.Duration
	// HeartbeatEvery is how often this process records that it is alive
	// and looks for the running jobs of processes that are not; default 3 s.
	HeartbeatEvery time.Duration
	// StaleAfter is how old a process's last heartbeat may be before its
	// running jobs are taken back; default 12 s.
	StaleAfter time.Duration
	// Instance names this host's boot and PID namespace, within which a
	// worker process's exit is seen at once by its PID; empty detects it
	// (Linux). A test sets another to play a process on another host.
	Instance string
	// Periodic jobs this client schedules when it is the elected leader
	// (the retention sweep, the reconciler).
	Periodic []*river.PeriodicJob
	// Middleware wraps job inserts and work (OpenTelemetry tracing).
	Middleware []rivertype.Middleware
}

// StartWorkers starts a River client that works jobs with the given
// workers; until then the store can only enqueue.
//
// It also starts this process's heartbeat, which takes back the running
// jobs of worker processes that stopped (heartbeats.go).
func (s *Store) StartWorkers(ctx context.Context, workers *river.Workers, opt WorkerOptions) error {
	if err := s.initRiver(workers, opt); err != nil {
		return err
	}
	s.mu.Lock()
	c, id := s.client, s.clientID
	s.mu.Unlock()
	every, stale := opt.HeartbeatEvery, opt.StaleAfter
	if every <= 0 {
		every = DefaultHeartbeatEvery
	}
	if stale <= 0 {
		stale = DefaultStaleAfter
	}
	instance := opt.Instance
	if instance == "" {
		instance = instanceID()
	}
	// The first beat is written before the client takes any job: a job
	// never runs under a client without a heartbeat row, so a process
	// killed at any moment is noticed.
	liveClients.Store(id, true)
	if err := s.beat(ctx, id, instance, time.Now().UnixMilli()); err != nil {
		liveClients.Delete(id)
		return fmt.Errorf("write the first worker heartbeat: %w", err)
	}
	if err := c.Start(ctx); err != nil {
		liveClients.Delete(id)
		return err
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.heartbeat(bctx, id, instance, every, stale)
	}()
	s.mu.Lock()
	s.stopBeat = func() { cancel(); <-done }
	s.mu.Unlock()
	return nil
}

// takeClient detaches the running client. stopBeat ends its heartbeat:
// call it once the client has stopped (a process finishing its running
// jobs is alive, and they are not to be taken from it).
func (s *Store) takeClient() (c riverClient, stopBeat func()) {
	s.mu.Lock()
	c, stop, id := s.client, s.stopBeat, s.clientID
	s.client, s.stopBeat = nil, nil
	s.mu.Unlock()
	return c, func() {
		if stop != nil {
			stop()
		}
		liveClients.Delete(id)
	}
}

// StopWorkers stops the River client gracefully (running jobs finish).
func (s *Store) StopWorkers(ctx context.Context) error {
	c, stopBeat := s.takeClient()
	defer stopBeat()
	if c == nil {
		return nil
	}
	return c.Stop(ctx)
}

// KillWorkers stops the River client abruptly, cancelling running jobs as a
// crash would (tests).
func (s *Store) KillWorkers(ctx context.Context) error {
	c, stopBeat := s.takeClient()
	defer stopBeat()
	if c == nil {
		return nil
	}
	return c.StopAndCancel(ctx)
}

func (s *Store) initRiver(workers *river.Workers, opt WorkerOptions) error {
	cfg := &river.Config{
		ID:                   newClientID(),
		MaxAttempts:          5,
		JobTimeout:           10 * time.Minute,
		RescueStuckJobsAfter: 20 * time.Minute,
		Middleware:           opt.Middleware,
	}
	if opt.RescueAfter > 0 {
		cfg.RescueStuckJobsAfter = opt.RescueAfter
		cfg.JobTimeout = min(cfg.JobTimeout, opt.RescueAfter)
	}
	concurrency := opt.Concurrency
	if workers != nil {
		if concurrency <= 0 {
			concurrency = 4
		}
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: concurrency},
			// Polled once a second: on SQLite every poll takes the write
			// lock, and a pass every few seconds needs no faster pick-up.
			QueueMaintenance: {MaxWorkers: 1, FetchCooldown: time.Second, FetchPollInterval: time.Second},
		}
		cfg.FetchCooldown = 20 * time.Millisecond
		cfg.FetchPollInterval = 50 * time.Millisecond
		cfg.RetryPolicy = &retryPolicy{}
		cfg.PeriodicJobs = opt.Periodic
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.newJobClient(cfg)
	if err != nil {
		return err
	}
	s.insertTx = c.insertTx
	if workers != nil {
		s.client, s.clientID = c, cfg.ID
	}
	return nil
}

// retryPolicy backs off exponentially from one second, capped at five
// minutes: provider hiccups (429, 5xx) clear quickly, outages do not spin.
type retryPolicy struct{}

func (retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	d := time.Second << min(job.Attempt, 8)
	if d > 5*time.Minute {
		d = 5 * time.Minute
	}
	return time.Now().Add(d)
}
