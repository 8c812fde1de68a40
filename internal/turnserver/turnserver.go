// Package turnserver is Scribe's embedded TURN server (pion/turn), for call
// participants behind strict NAT or a firewall that lets no direct UDP
// through: their browser relays its media through this server to the
// call relay in the same process.
//
// Credentials are per participant and time-limited, in the TURN REST API
// style (draft-uberti-behave-turn-rest): the username is
// "EXPIRY:participant" and the password an HMAC of it under a secret only
// the server holds, so nothing is stored and a leaked credential expires.
// The server relays only to this host's own addresses (the call relay),
// never to other hosts: a TURN server open to any peer would let anyone
// with a join link reach the server's network.
//
// It owns no call state; capture asks it for credentials (ICEServer) when
// a participant joins.
package turnserver

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"
)

// Config configures the server.
type Config struct {
	// Port is the UDP port to listen on (0: any, for tests).
	Port int
	// ListenIP is the address to listen on ("" = every interface).
	ListenIP string
	// PublicIP is the address browsers reach the server at; relayed
	// media is announced from it too.
	PublicIP string
	// AllowedPeers are further addresses the server may relay to (the
	// call relay's announced public IPs); this host's own interface
	// addresses are always allowed.
	AllowedPeers []string
	Realm        string
	// Secret derives the credentials ("" = a random one).
	Secret string
	// TTL is how long a credential stays valid.
	TTL    time.Duration
	Logger *slog.Logger
}

// Server is a running TURN server.
type Server struct {
	cfg  Config
	srv  *turn.Server
	conn net.PacketConn
	port int
}

// Start listens and serves until Close.
func Start(cfg Config) (*Server, error) {
	public := net.ParseIP(cfg.PublicIP)
	if public == nil {
		return nil, fmt.Errorf("turn_public_ip: %q is not an IP address", cfg.PublicIP)
	}
	if cfg.Realm == "" {
		cfg.Realm = "scribe"
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 12 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		cfg.Secret = base64.RawStdEncoding.EncodeToString(b)
	}
	allowed, err := allowedPeers(public, cfg.AllowedPeers)
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenPacket("udp4", net.JoinHostPort(cfg.ListenIP, strconv.Itoa(cfg.Port)))
	if err != nil {
		return nil, fmt.Errorf("turn_udp_port: listen on UDP port %d: %w", cfg.Port, err)
	}
	relayIP := "0.0.0.0"
	if public.IsLoopback() {
		relayIP = public.String()
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelDisabled // pion's own lines would carry usernames and addresses; we log what matters below
	log := cfg.Logger
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:         cfg.Realm,
		LoggerFactory: lf,
		AuthHandler:   turn.LongTermTURNRESTAuthHandler(cfg.Secret, lf.NewLogger("turn")),
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: public, Address: relayIP},
			PermissionHandler: func(client net.Addr, peer net.IP) bool {
				if allowed(peer) {
					return true
				}
				log.Warn("turn: refused to relay to another host", "peer", peer.String())
				return false
			},
		}},
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("turn server: %w", err)
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	log.Info("turn: serving", "port", port, "public_ip", public.String(), "realm", cfg.Realm)
	return &Server{cfg: cfg, srv: srv, conn: conn, port: port}, nil
}

// allowedPeers is the set of addresses media may be relayed to: this
// host's own (non-loopback, unless the server itself is on loopback, as in
// tests) and the configured ones.
func allowedPeers(public net.IP, extra []string) (func(net.IP) bool, error) {
	set := map[string]bool{public.String(): true}
	for _, s := range extra {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("%q is not an IP address", s)
		}
		set[ip.String()] = true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && (!n.IP.IsLoopback() || public.IsLoopback()) {
			set[n.IP.String()] = true
		}
	}
	return func(ip net.IP) bool { return set[ip.String()] }, nil
}

// Port is the UDP port the server listens on.
func (s *Server) Port() int { return s.port }

// ICEServer is the TURN entry of a participant's ICE server list, with
// credentials for that participant that expire after the TTL.
func (s *Server) ICEServer(participant string) (webrtc.ICEServer, error) {
	if participant == "" {
		return webrtc.ICEServer{}, errors.New("turn: a credential needs a participant")
	}
	user, pass, err := turn.GenerateLongTermTURNRESTCredentials(s.cfg.Secret, participant, s.cfg.TTL)
	if err != nil {
		return webrtc.ICEServer{}, err
	}
	return webrtc.ICEServer{
		URLs:       []string{"turn:" + net.JoinHostPort(s.cfg.PublicIP, strconv.Itoa(s.port)) + "?transport=udp"},
		Username:   user,
		Credential: pass,
	}, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }
