package retention_test

import (
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/scribe-health/scribe/internal/retention"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestPeriodicSweepIsARiverJob: the age-based sweep runs as a periodic
// River job (on start, then hourly) and purges audio past audio_days.
func TestPeriodicSweepIsARiverJob(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			old := e.session(t, "s-aged", time.Now().AddDate(0, 0, -40).UnixMilli())
			fresh := e.session(t, "s-fresh", time.Now().UnixMilli())
			if err := e.st.InTx(e.ctx, func(tx *store.Tx) error {
				return tx.SetRetentionPolicy(e.ctx, &store.RetentionPolicy{AudioDays: 30, PurgeAudioAfterTranscription: true, UpdatedBy: "admin"})
			}); err != nil {
				t.Fatal(err)
			}
			w := river.NewWorkers()
			river.AddWorker(w, &retention.Worker{Store: e.st, Blobs: e.blobs})
			river.AddWorker(w, &retention.SweepWorker{Store: e.st, Blobs: e.blobs})
			if err := e.st.StartWorkers(e.ctx, w, store.WorkerOptions{Concurrency: 2, Periodic: []*river.PeriodicJob{retention.Periodic()}}); err != nil {
				t.Fatal(err)
			}
			defer e.st.StopWorkers(e.ctx)
			deadline := time.Now().Add(60 * time.Second)
			for e.exists(t, old[0].AudioBlob) || e.exists(t, old[1].AudioBlob) {
				if time.Now().After(deadline) {
					t.Fatal("the periodic sweep did not purge audio older than audio_days")
				}
				time.Sleep(100 * time.Millisecond)
			}
			if !e.exists(t, fresh[1].AudioBlob) {
				t.Fatal("the sweep purged recent audio")
			}
		})
	}
}
