package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture"
	"github.com/scribe-health/scribe/internal/pipeline"
	"github.com/scribe-health/scribe/internal/turnserver"
)

// mountCalls serves the call page and its signaling, backed by the store.
func mountCalls(ctx context.Context, mux *http.ServeMux, a *app) error {
	sc := a.settings
	ice, err := parseICEServers(strings.Join(sc.ICEServers, ","))
	if err != nil {
		return err
	}
	backend := &pipeline.CallBackend{Store: a.store, Blobs: a.blobs, PurgeOnRevoke: !sc.KeepAudioOnRevoke}
	rc := capture.RelayConfig{ICEServers: ice, UDPPort: sc.WebRTCUDPPort, Loopback: len(ice) == 0, PublicIPs: sc.WebRTCPublicIP,
		MaxDuration: sc.MaxCallDuration, AloneTimeout: sc.CallAloneTimeout, Logger: a.log}
	if sc.TURNEnabled {
		ts, err := turnserver.Start(turnserver.Config{Port: sc.TURNUDPPort, PublicIP: sc.TURNAddress(), AllowedPeers: sc.WebRTCPublicIP,
			Realm: sc.TURNRealm, Secret: sc.TURNSecret, TTL: sc.TURNCredentialTTL, Logger: a.log})
		if err != nil {
			return err
		}
		closers = append(closers, func() { ts.Close() })
		rc.ParticipantICE = func(participant string) []webrtc.ICEServer {
			s, err := ts.ICEServer(participant)
			if err != nil {
				a.log.Error("turn: credentials", "participant", participant, "error", err)
				return nil
			}
			return []webrtc.ICEServer{s}
		}
	}
	relay, err := capture.NewRelay(rc, backend)
	if err != nil {
		return fmt.Errorf("call relay: %w", err)
	}
	relay.Routes(mux)
	closers = append(closers, func() { relay.Close() })
	return nil
}

// parseICEServers reads "stun:host:3478,turn:user:pass@host:3478".
func parseICEServers(s string) ([]webrtc.ICEServer, error) {
	var out []webrtc.ICEServer
	for _, raw := range strings.Split(s, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		scheme, rest, ok := strings.Cut(raw, ":")
		if !ok || (scheme != "stun" && scheme != "stuns" && scheme != "turn" && scheme != "turns") {
			return nil, fmt.Errorf("ice_servers: %q is not a stun: or turn: URL", raw)
		}
		srv := webrtc.ICEServer{URLs: []string{raw}}
		if at := strings.LastIndex(rest, "@"); at >= 0 && strings.HasPrefix(scheme, "turn") {
			cred := rest[:at]
			user, pass, _ := strings.Cut(cred, ":")
			u, _ := url.PathUnescape(user)
			p, _ := url.PathUnescape(pass)
			srv = webrtc.ICEServer{URLs: []string{scheme + ":" + rest[at+1:]}, Username: u, Credential: p}
		}
		out = append(out, srv)
	}
	return out, nil
}
