package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/scribe-health/scribe/internal/metrics"
)

// Crash recovery of running jobs.
//
// Every process that works jobs has a River client with an ID of its own
// (River records it in each job's attempted_by) and writes a heartbeat
// row for that ID every HeartbeatEvery. After each beat the process looks
// for running jobs whose client is gone and moves them back to the queue,
// where any live process takes them:
//
//   - a client whose heartbeat is older than StaleAfter is gone (a process
//     killed with -9, a host that died, a process cut off from the
//     database); a process only judges others by staleness once its own
//     heartbeats have gone through for StaleAfter/2 without a break, so
//     that a database outage that stopped every heartbeat at once makes
//     nobody look dead;
//   - a client that ran on this host and in this PID namespace whose
//     process no longer exists is gone at once (a restart after kill -9
//     resumes its jobs within one beat).
//
// Every live process does this, not only River's elected leader, so
// losing the leader does not delay it. River's own rescuer
// (RescueStuckJobsAfter) stays as a long safety net for clients that
// never wrote a heartbeat.

// Heartbeat defaults.
const (
	DefaultHeartbeatEvery = 3 * time.Second
	DefaultStaleAfter     = 12 * time.Second
)

// liveClients holds the IDs of the River clients working in this process
// (tests run several stores in one process, each a node of its own).
var liveClients sync.Map

func liveHere(clientID string) bool {
	_, ok := liveClients.Load(clientID)
	return ok
}

// newClientID names this process's River client: host, PID and a random
// part (a restarted process on the same host and PID is a new client).
func newClientID() string {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, host)
	if len(host) > 50 {
		host = host[:50]
	}
	if host == "" {
		host = "host"
	}
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s_%d_%s", host, os.Getpid(), hex.EncodeToString(b))
}

// ClientID is the River client ID of this process's workers ("" before
// StartWorkers).
func (s *Store) ClientID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		return ""
	}
	return s.clientID
}

func (s *Store) dbNowMS() string { return s.dialect.nowMS() }

// beat records that clientID is alive, on the database's clock.
func (s *Store) beat(ctx context.Context, clientID, instance string, started int64) error {
	_, err := s.conn.exec(ctx, `INSERT INTO worker_heartbeats (client_id, host, pid, instance, started_at, beat_at) VALUES ($1, $2, $3, $4, $5, `+s.dbNowMS()+`)
		ON CONFLICT (client_id) DO UPDATE SET beat_at = excluded.beat_at`, clientID, hostname(), os.Getpid(), instance, started)
	return err
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

type heartbeatRow struct {
	client, instance string
	pid              int
	ageMS            int64
}

// rescueOrphans moves back to the queue the running jobs of every client
// that is gone (see the comment at the top of this file). judgeStale says
// whether this process's own heartbeats have been steady long enough to
// judge others by the age of theirs.
func (s *Store) rescueOrphans(ctx context.Context, self, me string, staleAfter time.Duration, judgeStale bool) ([]RescuedJob, error) {
	beats, err := collect(ctx, s.conn, func(r rows) (h heartbeatRow, err error) {
		err = r.Scan(&h.client, &h.instance, &h.pid, &h.ageMS)
		return h, err
	}, `SELECT client_id, instance, pid, `+s.dbNowMS()+` - beat_at FROM worker_heartbeats WHERE client_id <> $1`, self)
	if err != nil {
		return nil, fmt.Errorf("read heartbeats: %w", err)
	}
	lastClient := s.dialect.lastAttemptedBy() + ` = $1`
	var out []RescuedJob
	for _, h := range beats {
		var reason string
		switch {
		case h.instance != "" && h.instance == me && h.pid == os.Getpid() && !liveHere(h.client):
			reason = "an earlier worker client of this process has stopped"
		case h.instance != "" && h.instance == me && h.pid != os.Getpid() && !processAlive(h.pid):
			reason = fmt.Sprintf("the worker process %d on this host has exited", h.pid)
		case judgeStale && time.Duration(h.ageMS)*time.Millisecond > staleAfter:
			reason = fmt.Sprintf("the worker process sent no heartbeat for %s", (time.Duration(h.ageMS) * time.Millisecond).Round(time.Second))
		default:
			continue
		}
		rescued, err := s.rescueRunning(ctx, lastClient, []any{h.client}, reason+"; its running job was taken back")
		if err != nil {
			return out, fmt.Errorf("rescue the jobs of client %s: %w", h.client, err)
		}
		for _, j := range rescued {
			metrics.JobsRescued.Inc("worker_gone")
			s.log.Warn("job of a stopped worker process taken back", "job", j.ID, "kind", j.Kind, "session_id", j.SessionID, "attempt", j.Attempt, "now", j.State, "client", h.client, "why", reason)
		}
		out = append(out, rescued...)
		// Its jobs are back in the queue and it can take no new ones: the
		// row has served its purpose (a process that was only cut off
		// writes it again with its next beat).
		if _, err := s.conn.exec(ctx, `DELETE FROM worker_heartbeats WHERE client_id = $1`, h.client); err != nil {
			return out, fmt.Errorf("remove the heartbeat of client %s: %w", h.client, err)
		}
	}
	return out, nil
}

// heartbeat runs until ctx ends: a beat every `every`, then a rescue of
// the running jobs of clients that are gone.
func (s *Store) heartbeat(ctx context.Context, clientID, instance string, every, staleAfter time.Duration) {
	started := time.Now().UnixMilli()
	var steadySince time.Time
	failing := false
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.beat(ctx, clientID, instance, started); err != nil {
			if ctx.Err() != nil {
				return
			}
			steadySince = time.Time{}
			if !failing {
				s.log.Error("worker heartbeat could not be written; other processes may take over this process's jobs", "client", clientID, "error", err)
			}
			failing = true
		} else {
			if failing {
				s.log.Info("worker heartbeat written again", "client", clientID)
			}
			failing = false
			if steadySince.IsZero() {
				steadySince = time.Now()
			}
			if _, err := s.rescueOrphans(ctx, clientID, instance, staleAfter, time.Since(steadySince) >= staleAfter/2); err != nil && ctx.Err() == nil {
				s.log.Error("rescue of stopped workers' jobs failed", "client", clientID, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
