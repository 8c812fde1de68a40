package turnserver

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

func loopbackAPI() *webrtc.API {
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithSettingEngine(se))
}

func startLoopback(t *testing.T, ttl time.Duration) *Server {
	t.Helper()
	s, err := Start(Config{ListenIP: "127.0.0.1", PublicIP: "127.0.0.1", Realm: "scribe-test", TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestRelayOnlyPeerConnectsThroughTURN: a real Pion peer that may use
// relay candidates only (ICETransportPolicy relay) gets a relay candidate
// from the embedded server with its per-participant credentials, and
// connects through it to a second peer (the call relay's side) on
// loopback; a data channel message crosses.
func TestRelayOnlyPeerConnectsThroughTURN(t *testing.T) {
	s := startLoopback(t, time.Hour)
	iceServer, err := s.ICEServer("participant-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(iceServer.Username, ":participant-1") || iceServer.Credential == "" {
		t.Fatalf("credentials %+v", iceServer)
	}
	api := loopbackAPI()
	browser, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: []webrtc.ICEServer{iceServer}, ICETransportPolicy: webrtc.ICETransportPolicyRelay})
	if err != nil {
		t.Fatal(err)
	}
	defer browser.Close()
	sfu, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer sfu.Close()

	// No trickle: each side's description carries its gathered candidates.
	relayCandidate := make(chan string, 8)
	browser.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		if c.Typ != webrtc.ICECandidateTypeRelay {
			t.Errorf("a relay-only peer gathered a %s candidate", c.Typ)
		}
		relayCandidate <- c.Address
	})
	got := make(chan string, 1)
	sfu.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(m webrtc.DataChannelMessage) { got <- string(m.Data) })
	})
	dc, err := browser.CreateDataChannel("probe", nil)
	if err != nil {
		t.Fatal(err)
	}
	dc.OnOpen(func() { _ = dc.SendText("through the relay") })

	gathered := func(pc *webrtc.PeerConnection, set func(webrtc.SessionDescription) error, d webrtc.SessionDescription) webrtc.SessionDescription {
		t.Helper()
		done := webrtc.GatheringCompletePromise(pc)
		if err := set(d); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Fatal("ICE gathering did not finish")
		}
		return *pc.LocalDescription()
	}
	offer, err := browser.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	offer = gathered(browser, browser.SetLocalDescription, offer)
	if !strings.Contains(offer.SDP, "typ relay") || strings.Contains(offer.SDP, "typ host") {
		t.Fatalf("a relay-only offer should carry relay candidates only:\n%s", offer.SDP)
	}
	if err := sfu.SetRemoteDescription(offer); err != nil {
		t.Fatal(err)
	}
	answer, err := sfu.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	answer = gathered(sfu, sfu.SetLocalDescription, answer)
	if err := browser.SetRemoteDescription(answer); err != nil {
		t.Fatal(err)
	}
	select {
	case addr := <-relayCandidate:
		if addr != "127.0.0.1" {
			t.Errorf("relay candidate at %s, want the server's public IP", addr)
		}
	default:
		t.Fatal("no relay candidate from the TURN server")
	}
	select {
	case m := <-got:
		if m != "through the relay" {
			t.Fatalf("message %q", m)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no message through the relay (ICE state %s)", browser.ICEConnectionState())
	}
	pair, err := browser.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || pair.Local.Typ != webrtc.ICECandidateTypeRelay {
		t.Fatalf("selected pair %v (%v); want the relay candidate", pair, err)
	}
}

// TestWrongOrExpiredCredentialsGetNoRelay: a credential under another
// secret, or one that has expired, allocates nothing.
func TestWrongOrExpiredCredentialsGetNoRelay(t *testing.T) {
	s := startLoopback(t, time.Hour)
	good, err := s.ICEServer("participant-2")
	if err != nil {
		t.Fatal(err)
	}
	other := startLoopback(t, time.Hour)
	forged, _ := other.ICEServer("participant-2") // another server's secret
	forged.URLs = good.URLs
	expired := good
	expired.Username = "1000000000:participant-2" // 2001

	for name, srv := range map[string]webrtc.ICEServer{"forged": forged, "expired": expired} {
		pc, err := loopbackAPI().NewPeerConnection(webrtc.Configuration{ICEServers: []webrtc.ICEServer{srv}, ICETransportPolicy: webrtc.ICETransportPolicyRelay})
		if err != nil {
			t.Fatal(err)
		}
		done := webrtc.GatheringCompletePromise(pc)
		relays := 0
		pc.OnICECandidate(func(c *webrtc.ICECandidate) {
			if c != nil && c.Typ == webrtc.ICECandidateTypeRelay {
				relays++
			}
		})
		if _, err := pc.CreateDataChannel("x", nil); err != nil {
			t.Fatal(err)
		}
		offer, _ := pc.CreateOffer(nil)
		if err := pc.SetLocalDescription(offer); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: gathering did not finish", name)
		}
		if relays != 0 {
			t.Errorf("%s credentials got a relay candidate", name)
		}
		pc.Close()
	}
}

// TestRelaysOnlyToThisHost: the server lets a client relay to this host's
// addresses (the call relay) and to no other host.
func TestRelaysOnlyToThisHost(t *testing.T) {
	allowed, err := allowedPeers(net.ParseIP("198.51.100.7"), []string{"198.51.100.8"})
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]bool{"198.51.100.7": true, "198.51.100.8": true, "203.0.113.1": false, "127.0.0.1": false, "169.254.169.254": false} {
		if got := allowed(net.ParseIP(ip)); got != want {
			t.Errorf("relay to %s allowed = %v, want %v", ip, got, want)
		}
	}
}
