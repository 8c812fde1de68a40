package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/scribe-health/scribe/capture/recorder"
)

// Defaults for RelayConfig.
const (
	DefaultMaxParticipants = 12
	// DefaultChunkMax is 30 s: Whisper's own window, and what keeps a
	// recorded track under 2 MB of memory (the chunk being filled is the
	// bulk of it). A shorter last chunk also means a draft sooner after
	// hang-up.
	DefaultChunkMax = 30 * SampleRate
	// DefaultMaxDuration ends a call left open: a forgotten tab would
	// otherwise be recorded and transcribed for hours.
	DefaultMaxDuration = 4 * time.Hour
	// DefaultAloneTimeout closes a call once one participant has been alone
	// this long after everyone else left.
	DefaultAloneTimeout = 20 * time.Minute
)

// RelayConfig configures a Relay.
type RelayConfig struct {
	// ICEServers are given to the relay's peer connections (STUN/TURN).
	ICEServers []webrtc.ICEServer
	// Logger receives the relay's log lines (nil: nothing is logged). They
	// carry session and participant ids, never names or aliases.
	Logger *slog.Logger
	// ParticipantICE, when set, adds ICE servers for one participant's
	// browser to ICEServers (the embedded TURN server's per-participant,
	// time-limited credentials).
	ParticipantICE func(participantID string) []webrtc.ICEServer
	// UDPPort, when > 0, makes every peer connection share one UDP port
	// (webrtc.NewICEUDPMux), which is what a firewall rule can allow.
	UDPPort int
	// PublicIPs are announced instead of the host's own addresses in the
	// relay's ICE candidates, for a server behind 1:1 NAT (a cloud VM whose
	// public address is not on its interfaces).
	PublicIPs []string
	// Loopback includes loopback candidates and disables mDNS; for tests
	// and single-machine setups.
	Loopback bool
	// MaxParticipants caps a call; 0 means DefaultMaxParticipants.
	MaxParticipants int
	// ChunkMax is the longest chunk in samples at 16 kHz; 0 means
	// DefaultChunkMax.
	ChunkMax int
	// NewRecorder makes the per-track recorder; nil means NewRecorder
	// (capture/recorder).
	NewRecorder RecorderFactory
	// NewChunker makes the per-speaker chunker; nil means NewChunker
	// (internal/audio).
	NewChunker ChunkerFactory
	// MaxDuration ends a call this long after it started; 0 means
	// DefaultMaxDuration.
	MaxDuration time.Duration
	// AloneTimeout closes a call when one participant has been alone this
	// long after the others left (a participant waiting for the others to
	// arrive is not alone in this sense): it ends the session if that
	// participant is being recorded, and otherwise leaves it open; 0 means
	// DefaultAloneTimeout.
	AloneTimeout time.Duration
}

var (
	opusCapability = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}
	redCapability  = webrtc.RTPCodecCapability{MimeType: recorder.MimeTypeRED, ClockRate: 48000, Channels: 2, SDPFmtpLine: "111/111"}
)

// Relay is the call relay: it owns the rooms (one per session in a call),
// their peer connections and recorders.
type Relay struct {
	cfg     RelayConfig
	log     *slog.Logger
	backend Backend
	api     *webrtc.API
	udp     net.PacketConn
	udpMux  ice.UDPMux

	ctx    context.Context // outlives requests: storing chunks, ending calls
	cancel context.CancelFunc

	mu     sync.Mutex
	rooms  map[string]*room
	closed bool
}

// NewRelay returns a relay that asks backend about tokens, consent and
// storage. Close it to end every call and release the UDP port.
func NewRelay(cfg RelayConfig, backend Backend) (*Relay, error) {
	if backend == nil {
		return nil, errors.New("capture: NewRelay needs a Backend")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NewRecorder == nil {
		cfg.NewRecorder = newRecorder(cfg.Logger)
	}
	if cfg.MaxParticipants == 0 {
		cfg.MaxParticipants = DefaultMaxParticipants
	}
	if cfg.MaxParticipants < 2 {
		return nil, fmt.Errorf("capture: RelayConfig.MaxParticipants is %d; a call needs at least 2", cfg.MaxParticipants)
	}
	if cfg.ChunkMax == 0 {
		cfg.ChunkMax = DefaultChunkMax
	}
	if cfg.ChunkMax < SampleRate {
		return nil, fmt.Errorf("capture: RelayConfig.ChunkMax is %d samples; it must be at least one second (%d)", cfg.ChunkMax, SampleRate)
	}
	if cfg.UDPPort < 0 || cfg.UDPPort > 65535 {
		return nil, fmt.Errorf("capture: RelayConfig.UDPPort %d is not a port number", cfg.UDPPort)
	}
	if cfg.NewChunker == nil {
		cfg.NewChunker = NewChunker
	}
	if cfg.MaxDuration == 0 {
		cfg.MaxDuration = DefaultMaxDuration
	}
	if cfg.AloneTimeout == 0 {
		cfg.AloneTimeout = DefaultAloneTimeout
	}
	for _, ip := range cfg.PublicIPs {
		if net.ParseIP(ip) == nil {
			return nil, fmt.Errorf("capture: public IP %q is not an IP address", ip)
		}
	}
	if cfg.MaxDuration < 0 || cfg.AloneTimeout < 0 {
		return nil, fmt.Errorf("capture: RelayConfig.MaxDuration (%v) and AloneTimeout (%v) must not be negative", cfg.MaxDuration, cfg.AloneTimeout)
	}
	r := &Relay{cfg: cfg, log: cfg.Logger, backend: backend, rooms: map[string]*room{}}
	api, err := r.newAPI()
	if err != nil {
		if r.udp != nil {
			r.udp.Close()
		}
		return nil, err
	}
	r.api = api
	r.ctx, r.cancel = context.WithCancel(context.Background())
	liveRelays.Store(r, struct{}{})
	return r, nil
}

func (r *Relay) newAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, fmt.Errorf("capture: register codecs: %w", err)
	}
	// RFC 2198 redundant Opus, which Chrome sends when it is preferred (the
	// call page prefers it): a lost packet is recovered from the next one.
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: redCapability, PayloadType: 63}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("capture: register RED: %w", err)
	}
	ir := &interceptor.Registry{}
	// No NACK responder or generator here: they copy every packet into a
	// retransmission buffer (two heap allocations per packet and
	// subscriber). Subscribers' NACKs are forwarded to the publisher
	// instead, whose retransmissions (RTX, unwrapped by Pion) are forwarded
	// like any packet. Reports and transport-wide congestion control keep
	// the publishers' bandwidth estimation working.
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("capture: configure RTCP reports: %w", err)
	}
	if err := webrtc.ConfigureTWCCSender(m, ir); err != nil {
		return nil, fmt.Errorf("capture: configure TWCC: %w", err)
	}
	se := webrtc.SettingEngine{}
	if r.cfg.Loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	if len(r.cfg.PublicIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{External: r.cfg.PublicIPs, AsCandidateType: webrtc.ICECandidateTypeHost}); err != nil {
			return nil, fmt.Errorf("capture: public IPs %v: %w", r.cfg.PublicIPs, err)
		}
	}
	if r.cfg.UDPPort > 0 {
		conn, err := net.ListenUDP("udp", &net.UDPAddr{Port: r.cfg.UDPPort})
		if err != nil {
			return nil, fmt.Errorf("capture: listen on UDP port %d for media: %w", r.cfg.UDPPort, err)
		}
		r.udp = conn
		r.udpMux = webrtc.NewICEUDPMux(nil, conn)
		se.SetICEUDPMux(r.udpMux)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// Close closes every call (flushing recorders; the sessions stay open and
// the call pages reconnect once a relay is back) and releases the relay's
// UDP port.
func (r *Relay) Close() error {
	liveRelays.Delete(r)
	r.mu.Lock()
	r.closed = true
	rooms := make([]*room, 0, len(r.rooms))
	for _, rm := range r.rooms {
		rooms = append(rooms, rm)
	}
	r.mu.Unlock()
	for _, rm := range rooms {
		rm.close("The call server is restarting; this page reconnects when it is back.", relayClosing)
	}
	r.cancel()
	var err error
	if r.udpMux != nil {
		err = r.udpMux.Close()
	}
	if r.udp != nil {
		r.udp.Close()
	}
	return err
}

// roomFor returns the live room of a session, creating it on first join.
// A room that is closing is waited for (its last chunks are being stored),
// unless it ended the session.
func (r *Relay) roomFor(ctx context.Context, sessionID string) (*room, error) {
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return nil, errors.New("relay is shutting down")
		}
		rm := r.rooms[sessionID]
		r.mu.Unlock()
		if rm == nil {
			break
		}
		closing, over := rm.closing()
		if !closing {
			return rm, nil
		}
		if over {
			return nil, ErrSessionEnded
		}
		select {
		case <-rm.endedSignal:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// A new call here: claim it first when other relays share the backend.
	host, shared := r.backend.(CallHost)
	if shared {
		if err := host.HostCall(ctx, sessionID); err != nil {
			if errors.Is(err, ErrSessionEnded) {
				return nil, err
			}
			if !errors.Is(err, ErrHostedElsewhere) {
				r.log.Error("capture: claiming the call failed", "session_id", sessionID, "err", err)
				return nil, errors.New("server error: the call could not be started; try again")
			}
			r.log.Warn("capture: join for a call hosted by another relay", "session_id", sessionID)
			return nil, ErrHostedElsewhere
		}
	}
	var info CallInfo
	if k, ok := r.backend.(SessionKeeper); ok {
		var err error
		if info, err = k.OpenCall(ctx, sessionID); err != nil {
			if errors.Is(err, ErrSessionEnded) {
				return nil, err
			}
			r.log.Error("capture: reading the session's schedule and recording failed", "session_id", sessionID, "err", err)
			return nil, errors.New("server error: the call could not be started; try again")
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errors.New("relay is shutting down")
	}
	if rm := r.rooms[sessionID]; rm != nil {
		return rm, nil
	}
	rm := newRoom(r, sessionID, info)
	r.rooms[sessionID] = rm
	go rm.watchLimits()
	if shared {
		go rm.keepHosting(host)
	}
	r.log.Info("capture: call started", "session_id", sessionID)
	return rm, nil
}

func (r *Relay) forget(rm *room) {
	r.mu.Lock()
	if r.rooms[rm.id] == rm {
		delete(r.rooms, rm.id)
	}
	r.mu.Unlock()
}
