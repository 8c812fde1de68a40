// Package metrics holds the counters Scribe keeps about itself — plain
// in-process counts by label, with no dependency — so that the packages
// that count need not know how they are exposed. An exporter (a /metrics
// endpoint) walks All and reports each counter; label values are kinds
// and reasons, never IDs of people or PHI.
package metrics

import (
	"sort"
	"sync"
)

// Counter is a monotonically increasing count per label value.
type Counter struct {
	Name, Help, Label string

	mu     sync.Mutex
	counts map[string]uint64
}

var (
	registryMu sync.Mutex
	registry   []*Counter
)

// NewCounter creates and registers a counter.
func NewCounter(name, help, label string) *Counter {
	c := &Counter{Name: name, Help: help, Label: label, counts: map[string]uint64{}}
	registryMu.Lock()
	registry = append(registry, c)
	registryMu.Unlock()
	return c
}

// Add adds n to the count of a label value.
func (c *Counter) Add(value string, n uint64) {
	c.mu.Lock()
	c.counts[value] += n
	c.mu.Unlock()
}

// Inc adds one to the count of a label value.
func (c *Counter) Inc(value string) { c.Add(value, 1) }

// Get returns the count of one label value.
func (c *Counter) Get(value string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[value]
}

// Total is the sum over every label value.
func (c *Counter) Total() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n uint64
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Each calls fn for every label value, in order.
func (c *Counter) Each(fn func(value string, n uint64)) {
	c.mu.Lock()
	values := make([]string, 0, len(c.counts))
	for v := range c.counts {
		values = append(values, v)
	}
	counts := make(map[string]uint64, len(c.counts))
	for k, v := range c.counts {
		counts[k] = v
	}
	c.mu.Unlock()
	sort.Strings(values)
	for _, v := range values {
		fn(v, counts[v])
	}
}

// All lists every registered counter, in registration order.
func All() []*Counter {
	registryMu.Lock()
	defer registryMu.Unlock()
	return append([]*Counter(nil), registry...)
}

// Counters of recovery; the packages that count them increment these.
var (
	// SessionRepairs counts the reconciler's repairs by what it repaired.
	SessionRepairs = NewCounter("scribe_session_repairs_total", "Sessions whose state and jobs disagreed, repaired by the reconciler, by repair.", "repair")
	// JobsRescued counts running jobs taken back from a worker process that
	// is gone or from an attempt past its lease, by reason.
	JobsRescued = NewCounter("scribe_jobs_rescued_total", "Running jobs moved back to the queue, by reason.", "reason")
)
