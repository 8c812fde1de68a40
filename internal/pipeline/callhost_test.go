//go:build cgo && nolibopusfile

package pipeline_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/capture/capturetest"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestCallHostedByOneRelay: two scribe processes (two relays) share one
// database. A call runs on the relay where it started: a join that reaches
// the other relay is refused with a message saying so, instead of opening a
// second room that would split the participants and record two timelines.
// A relay whose claim is no longer renewed (a crashed process) can be
// taken over; a call that ends gives its claim up.
func TestCallHostedByOneRelay(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testenv.Backend) {
		r := newCallRig(t, b)
		id, tokens := r.createCall(time.Hour)
		second := func(now func() time.Time) *httptest.Server {
			return serveRelay(t, &pipeline.CallBackend{Store: r.store, Blobs: r.blobs, PurgeOnRevoke: true, Now: now})
		}

		r.join(id, tokens["clinician"]) // the call starts on relay A
		other := second(nil)
		if p, refused := capturetest.Dial(t, other.URL, id, tokens["client"]); p != nil || !strings.Contains(refused, "another Scribe server") {
			t.Fatalf("join on the other relay: peer %v, refused %q; want a refusal naming the other server", p != nil, refused)
		}
		// Later than the claim's lifetime with no renewal (relay A stopped
		// answering): relay C takes the call over.
		late := second(func() time.Time { return time.Now().Add(31 * time.Second) })
		if p, refused := capturetest.Dial(t, late.URL, id, tokens["client"]); p == nil {
			t.Fatalf("a stale claim was not taken over: %q", refused)
		}

		// A call that ends gives its claim up.
		id2, tokens2 := r.createCall(time.Hour)
		c2 := r.join(id2, tokens2["clinician"])
		probe := func() bool {
			ok, err := r.store.ClaimCall(r.ctx, id2, "probe-relay", time.Now().UnixMilli(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if probe() {
			t.Fatal("a live call's claim was taken by another relay")
		}
		c2.End()
		c2.WaitFor(10*time.Second, "the call ended", c2.Ended)
		deadline := time.Now().Add(10 * time.Second)
		for !probe() {
			if time.Now().After(deadline) {
				t.Fatal("the ended call still holds its claim")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
