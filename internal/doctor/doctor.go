// Package doctor checks that a Scribe installation can do its job and says,
// for each problem, what an admin does about it: the database and its
// migrations, the master key, disk space, each model provider (reachable,
// its model listed, a one-second transcription and a JSON-structured chat
// call), BAA dates, the public address against TLS, and the audit chain.
// `scribe doctor` and the admin System check page run the same checks.
//
// It changes nothing: it opens no key file for writing, applies no
// migration, and sends providers only synthetic data (one second of a tone,
// a fixed question), and only providers the BAA gate would let a session
// use. Results name no client, transcript or key.
package doctor

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/config"
	"github.com/scribe-health/scribe/internal/store"
)

// Status is a check's outcome.
type Status string

// Outcomes, from good to bad.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Result is one check: what it looked at, what it found and, when it is
// not OK, the fix in an admin's words.
type Result struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Report is every check of one run, in the order they ran.
type Report struct {
	Results []Result `json:"results"`
}

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	_, _, f := r.Counts()
	return f > 0
}

// Counts counts the results by outcome.
func (r Report) Counts() (ok, warn, fail int) {
	for _, x := range r.Results {
		switch x.Status {
		case OK:
			ok++
		case Warn:
			warn++
		case Fail:
			fail++
		}
	}
	return
}

// DiskUsage is the space of the file system holding a directory.
type DiskUsage struct {
	Free, Total uint64 // bytes available to Scribe, and the file system's size
}

// Defaults of Options.
const (
	DefaultDiskWarnFree = 5 << 30 // 5 GiB: about 40 hours of audio waiting for transcription
	DefaultDiskFailFree = 1 << 30 // 1 GiB
	DefaultCallTimeout  = 30 * time.Second
	// BAAWarnWithin: a BAA that ends sooner than this is a warning.
	BAAWarnWithin = 30 * 24 * time.Hour
)

// Options is what the checks look at. Zero values take the defaults.
type Options struct {
	// Store is the open database; nil when it could not be opened, and
	// OpenErr says why.
	Store   *store.Store
	OpenErr error
	// DataDir holds the key file, the built-in database and stored audio.
	DataDir string
	// Audit is what audit verification trusts outside the database.
	Audit compliance.AuditTrust
	// PublicURL is the address people reach Scribe at ("" = not set), TLS
	// whether Scribe itself serves HTTPS, TrustedProxies the reverse
	// proxies it believes, ListenAddr where it listens.
	PublicURL      string
	TLS            bool
	TrustedProxies []string
	ListenAddr     string
	// SkipModelCalls leaves out the transcription and chat round trips
	// (the provider's model list is still read).
	SkipModelCalls bool

	Now      func() time.Time
	Getenv   func(string) string                  // default config.Secret
	DiskStat func(path string) (DiskUsage, error) // default the file system's own figures
	// DiskWarnFree and DiskFailFree are the free-space thresholds in bytes.
	DiskWarnFree, DiskFailFree uint64
	// CallTimeout bounds each request to a provider.
	CallTimeout time.Duration
	// Transport carries provider requests (default http.DefaultTransport).
	Transport http.RoundTripper
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Getenv == nil {
		o.Getenv = config.Secret
	}
	if o.DiskStat == nil {
		o.DiskStat = statDisk
	}
	if o.DiskWarnFree == 0 {
		o.DiskWarnFree = DefaultDiskWarnFree
	}
	if o.DiskFailFree == 0 {
		o.DiskFailFree = DefaultDiskFailFree
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	if o.Audit.DataDir == "" {
		o.Audit.DataDir = o.DataDir
	}
}

// Run runs every check. It never fails as a whole: a check that cannot be
// made is a failed result saying why.
func Run(ctx context.Context, opt Options) Report {
	opt.defaults()
	var r Report
	add := func(res ...Result) { r.Results = append(r.Results, res...) }
	db := checkDatabase(ctx, opt)
	add(db)
	add(checkMasterKey(opt))
	add(checkDisk(opt))
	add(checkPublicURL(opt))
	if db.Status != OK {
		// Providers and the audit log live in the database: read from an
		// older or newer schema they would only add confusing failures.
		add(Result{Check: "Model providers and audit log", Status: Warn, Detail: "not checked: the database is not ready (see the database check)",
			Fix: "Put the database right as the database check says, then run the checks again."})
		return r
	}
	add(checkProviders(ctx, opt)...)
	add(checkAudit(ctx, opt))
	return r
}

func checkDatabase(ctx context.Context, opt Options) Result {
	res := Result{Check: "Database"}
	if opt.Store == nil {
		res.Status, res.Detail = Fail, "the database cannot be opened: "+oneLine(opt.OpenErr)
		res.Fix = "For PostgreSQL, check DATABASE_URL (host, port, user, password, database name) and that the server is running and reachable from this machine. For the built-in database, check that the data directory exists and this account can read and write it."
		return res
	}
	kind := "built-in SQLite database"
	if opt.Store.Dialect() == store.Postgres {
		kind = "PostgreSQL"
	}
	st, err := opt.Store.MigrationStatus(ctx)
	if err != nil {
		res.Status, res.Detail = Fail, kind+" does not answer: "+oneLine(err)
		res.Fix = "Check that the database server is running and that its disk is not full, then run the check again."
		return res
	}
	switch {
	case len(st.Unknown) > 0:
		res.Status = Fail
		res.Detail = fmt.Sprintf("%s was updated by a newer version of Scribe (database updates %s are not known to this version)", kind, joinInts(st.Unknown))
		res.Fix = "Run the newer version of Scribe that updated this database; an older one may misread it."
	case len(st.Pending) > 0:
		res.Status = Fail
		res.Detail = fmt.Sprintf("%s is reachable but %d of %d database updates are not applied yet (%s)", kind, len(st.Pending), len(st.Known), joinInts(st.Pending))
		res.Fix = "Take a backup, then run scribe migrate (starting scribe serve also applies them)."
	default:
		res.Status = OK
		res.Detail = fmt.Sprintf("%s is reachable; all %d database updates are applied", kind, len(st.Known))
	}
	return res
}

func checkAudit(ctx context.Context, opt Options) Result {
	res := Result{Check: "Audit log"}
	rep, err := compliance.VerifyAudit(ctx, opt.Store, opt.Audit)
	if err != nil {
		res.Status, res.Detail = Fail, "the audit log does not verify: "+oneLine(err)
		res.Fix = "Treat this as a possible tampering incident: keep a copy of the database and the witness file as they are, restore the last good backup to compare, and follow your security incident procedure."
		return res
	}
	res.Status = OK
	res.Detail = fmt.Sprintf("%d %s, hash chain whole, %d signed checkpoint(s) match", rep.Entries, plural(rep.Entries, "entry", "entries"), rep.Checkpoints)
	return res
}

func oneLine(err error) string {
	if err == nil {
		return "unknown error"
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%03d", x)
	}
	return strings.Join(s, ", ")
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
