package web

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/audio"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
)

// TestSegmentAudioWhileRetained: while a session's audio is kept, a
// citation's transcript segment plays exactly its stretch of its speaker's
// audio (audited); once purged the endpoint says so.
func TestSegmentAudioWhileRetained(t *testing.T) {
	e := newEnv(t, "", nil)
	u := e.addUser("c1@example.org", store.RoleClinician, false)
	sess := e.seedSession(u.Email, "mh", store.StatusReady)
	_, segs := e.seedDraft(sess.ID, 1) // 12 segments, one every 5 s, alternating speakers
	// Store each speaker's 60 s of audio as one chunk: a ramp whose value
	// encodes the time, so the stretch served can be checked exactly.
	var ids []int64
	for _, sp := range []string{"clinician", "client"} {
		pcm := make([]int16, 60*16000)
		for i := range pcm {
			pcm[i] = int16(i / 1600) // +1 every 100 ms
		}
		id := pipeline.AudioBlobID(sess.ID, sp, 0)
		if err := e.blobs.Put(e.ctx, id, audio.EncodeWAV(pcm, 16000)); err != nil {
			t.Fatal(err)
		}
		err := e.store.InTx(e.ctx, func(tx *store.Tx) error {
			cid, err := tx.AddChunk(e.ctx, &store.Chunk{SessionID: sess.ID, Speaker: sp, Index: 0, StartMS: 0, EndMS: 60_000, AudioBlob: id})
			ids = append(ids, cid)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	b := e.client()
	b.login(u.Email, "")
	if r := b.get("/sessions/" + sess.ID + "/review"); r.status != http.StatusOK || !strings.Contains(r.body, "<audio") {
		t.Fatalf("review page has no audio player while audio is kept (HTTP %d)", r.status)
	}
	seg := segs[3] // client, 15.0–19.5 s
	r := b.get("/sessions/" + sess.ID + "/audio?seg=" + seg.ID)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "audio/") {
		t.Fatalf("segment audio: HTTP %d %s", r.status, r.header.Get("Content-Type"))
	}
	_, ch, err := audio.Decode16k(bytes.NewReader([]byte(r.body)), audio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantLen := int((seg.EndMS - seg.StartMS) * 16)
	if len(ch[0]) != wantLen || ch[0][0] != int16(seg.StartMS/100) || ch[0][len(ch[0])-1] != int16((seg.EndMS-1)/100) {
		t.Fatalf("served %d samples starting at %d, want %d samples of %d–%d ms", len(ch[0]), ch[0][0], wantLen, seg.StartMS, seg.EndMS)
	}
	if !contains(e.auditActions(), "audio.read") {
		t.Fatal("listening to audio was not audited")
	}
	for _, id := range ids {
		if err := e.store.MarkAudioPurged(e.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if r := b.get("/sessions/" + sess.ID + "/audio?seg=" + seg.ID); r.status != http.StatusGone {
		t.Fatalf("purged audio: HTTP %d", r.status)
	}
}
