package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scribe-health/scribe/internal/app"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/store"
)

// roomCall is one request of the room page to its JSON API.
func (e *env) roomCall(method, path, token, origin, contentType string, body []byte) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set(roomTokenHeader, token)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// TestRecordInTheRoom: "Record in the room" on a booked session's page
// makes it a room session and opens the room page with a fresh room link;
// the session's call can no longer be joined. The room page's calls are
// refused without the link's token, from another site, with a piece too
// large, and before consent, with nothing kept.
func TestRecordInTheRoom(t *testing.T) {
	e := newEnv(t, "", nil)
	clin := e.addUser("therapist@example.org", store.RoleClinician, false)
	booked, err := e.web.service().ScheduleSession(e.ctx, clin, app.ScheduleInput{ClientAlias: "client-41", Start: e.clock.Now().Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	callToken := booked.Links[0].Token
	b := e.client()
	b.login(clin.Email, "")
	page := b.get("/sessions/" + booked.Session.ID)
	if !strings.Contains(page.body, `data-testid="record-room"`) || !strings.Contains(page.body, "Record in the room") {
		t.Fatal("a booked session's page has no Record in the room button")
	}
	r := b.post("/sessions/"+booked.Session.ID+"/room", nil)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/room/"+booked.Session.ID+"?token=") {
		t.Fatalf("Record in the room: HTTP %d to %q", r.status, r.location)
	}
	u, _ := url.Parse(r.location)
	tok := u.Query().Get("token")
	room := b.get(r.location)
	if room.status != http.StatusOK || !strings.Contains(room.body, `data-testid="consent-attest"`) || !strings.Contains(room.body, `data-testid="record-start"`) {
		t.Fatalf("the room page: HTTP %d", room.status)
	}
	if cc := room.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the room page may be cached: Cache-Control %q", cc)
	}
	sess, _ := e.store.Session(e.ctx, booked.Session.ID)
	if sess.Source != app.ModeRoom {
		t.Errorf("source after Record in the room: %q", sess.Source)
	}
	if page := b.get("/sessions/" + booked.Session.ID); strings.Contains(page.body, `data-testid="start-call"`) || !strings.Contains(page.body, "Continue recording in the room") {
		t.Error("a room session's page still offers the call, or not the room")
	}
	cb := &pipeline.CallBackend{Store: e.store, Blobs: e.blobs, Now: e.clock.Now}
	if _, err := cb.Authorize(context.Background(), booked.Session.ID, callToken); err == nil {
		t.Error("the clinician's call link still joins a session recorded in the room")
	}
	if e.auditActions()[len(e.auditActions())-1] != "room.start" {
		t.Errorf("audit: %v", e.auditActions())
	}

	base := "/room/" + booked.Session.ID
	if code, _ := e.roomCall("GET", base+"/state", "", "", "", nil); code != http.StatusForbidden {
		t.Errorf("state without the token: HTTP %d", code)
	}
	if code, _ := e.roomCall("GET", base+"/state", callToken, "", "", nil); code != http.StatusForbidden {
		t.Errorf("state with the call link's token: HTTP %d", code)
	}
	if r := b.get(base + "?token=wrong"); r.status != http.StatusForbidden || !strings.Contains(r.body, "room link is not valid") {
		t.Errorf("the room page with a wrong token: HTTP %d", r.status)
	}
	code, st := e.roomCall("GET", base+"/state", tok, "", "", nil)
	if code != http.StatusOK || st["consentState"] != "pending" {
		t.Fatalf("state: HTTP %d %v", code, st)
	}
	if code, out := e.roomCall("POST", base+"/pieces/0/0?startedAt=1", tok, "", "application/octet-stream", []byte("audio")); code != http.StatusForbidden || !strings.Contains(out["error"].(string), "consent") {
		t.Errorf("a piece before consent: HTTP %d %v", code, out)
	}
	consent, _ := json.Marshal(map[string]string{"choice": "attest", "textVersion": pipeline.ConsentTextVersion})
	if code, _ := e.roomCall("POST", base+"/consent", tok, "https://elsewhere.example", "application/json", consent); code != http.StatusForbidden {
		t.Errorf("consent from another site: HTTP %d", code)
	}
	if code, out := e.roomCall("POST", base+"/consent", tok, "", "application/json", []byte(`{"choice":"maybe","textVersion":"x"}`)); code != http.StatusBadRequest {
		t.Errorf("a made-up consent answer: HTTP %d %v", code, out)
	}
	if code, out := e.roomCall("POST", base+"/consent", tok, "", "application/json", consent); code != http.StatusOK || out["consentState"] != "granted" {
		t.Fatalf("attest: HTTP %d %v", code, out)
	}
	if code, _ := e.roomCall("POST", base+"/pieces/0/0?startedAt=1", tok, "", "application/octet-stream", make([]byte, app.MaxRoomPiece+1)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a piece too large: HTTP %d", code)
	}
	if code, _ := e.roomCall("POST", base+"/pieces/0/x?startedAt=1", tok, "", "application/octet-stream", []byte("audio")); code != http.StatusBadRequest {
		t.Errorf("a piece without a number: HTTP %d", code)
	}
	if ps, _ := e.store.RoomPieces(e.ctx, booked.Session.ID); len(ps) != 0 {
		t.Errorf("refused pieces were kept: %d", len(ps))
	}
	if code, out := e.roomCall("POST", base+"/pieces/0/0?startedAt=1", tok, "", "application/octet-stream", []byte("audio")); code != http.StatusOK || out["added"] != true {
		t.Errorf("a piece: HTTP %d %v", code, out)
	}
	if code, out := e.roomCall("POST", base+"/pieces/0/0?startedAt=1", tok, "", "application/octet-stream", []byte("audio")); code != http.StatusOK || out["added"] != false {
		t.Errorf("the same piece again: HTTP %d %v", code, out)
	}
	if code, out := e.roomCall("POST", base+"/finish", tok, "", "application/json", []byte(`{"pieces":{"0":2}}`)); code != http.StatusConflict || out["missing"] != float64(1) {
		t.Errorf("stop with a piece missing: HTTP %d %v", code, out)
	}
}
