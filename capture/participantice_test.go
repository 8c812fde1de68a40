package capture

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

// TestWelcomeCarriesEachParticipantsICE: with ParticipantICE set (the
// embedded TURN server), each participant's welcome lists the configured
// ICE servers and then that participant's own TURN credentials.
func TestWelcomeCarriesEachParticipantsICE(t *testing.T) {
	stun := webrtc.ICEServer{URLs: []string{"stun:stun.example.org:3478"}}
	b := newMemBackend()
	_, srv := startRelay(t, RelayConfig{ICEServers: []webrtc.ICEServer{stun}, ParticipantICE: func(id string) []webrtc.ICEServer {
		return []webrtc.ICEServer{{URLs: []string{"turn:127.0.0.1:3478?transport=udp"}, Username: "1900000000:" + id, Credential: "pw-" + id}}
	}}, b)
	clin, cli := joinBoth(t, srv.URL, b)
	for _, tc := range []struct {
		who  string
		list []webrtc.ICEServer
		id   string
	}{{"clinician", clin.Welcome().ICEServers, clinician.ID}, {"client", cli.Welcome().ICEServers, client.ID}} {
		if len(tc.list) != 2 || tc.list[0].URLs[0] != stun.URLs[0] {
			t.Fatalf("%s's ICE servers %+v", tc.who, tc.list)
		}
		if tc.list[1].Username != "1900000000:"+tc.id || tc.list[1].Credential != "pw-"+tc.id {
			t.Errorf("%s got TURN credentials %+v, want their own", tc.who, tc.list[1])
		}
	}
}
