package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

type problem struct{ name, msg string }

// problems checks every value's syntax and range. Each problem names the
// setting (Resolve adds where the value came from).
func (c *Config) problems() []problem {
	var out []problem
	add := func(name, f string, a ...any) { out = append(out, problem{name, fmt.Sprintf(f, a...)}) }
	between := func(name string, d, lo, hi time.Duration) {
		if d < lo || d > hi {
			add(name, "%v is out of range: give %v to %v", d, lo, hi)
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		add("data_dir", "is empty: give a directory")
	}
	if c.BlobStore != "dir" && c.BlobStore != "database" {
		add("blob_store", "%q: want dir or database", c.BlobStore)
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		add("database_url", "must be a postgres:// URL; leave it empty for the embedded SQLite database")
	}
	if v := strings.TrimSpace(c.MasterKey); v != "" {
		if k, err := base64.StdEncoding.DecodeString(v); err != nil || len(k) != 32 {
			add("master_key", "must be the base64 encoding of exactly 32 bytes (generate one with: head -c32 /dev/urandom | base64)")
		}
	}
	if _, port, err := net.SplitHostPort(c.ListenAddr); err != nil || port == "" {
		add("listen_addr", "%q is not host:port (for example 127.0.0.1:8080 or :8443)", c.ListenAddr)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			add("public_url", "%q is not an http(s) address such as https://scribe.example.org", c.PublicURL)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		add("tls_cert", "tls_cert and tls_key go together: give both or neither")
	}
	if _, err := ParsePrefixes(c.TrustedProxies); err != nil {
		add("trusted_proxies", "%v", err)
	}
	between("http_timeout", c.HTTPTimeout, 100*time.Millisecond, time.Hour)
	between("upload_stall", c.UploadStall, 100*time.Millisecond, time.Hour)
	between("idle_timeout", c.IdleTimeout, time.Minute, 24*time.Hour)
	if c.Workers < 1 || c.Workers > 64 {
		add("workers", "%d is out of range: give 1 to 64", c.Workers)
	}
	for _, s := range c.ICEServers {
		scheme, _, ok := strings.Cut(s, ":")
		if !ok || (scheme != "stun" && scheme != "stuns" && scheme != "turn" && scheme != "turns") {
			add("ice_servers", "%q is not a stun: or turn: URL", redactURLCredentials(s))
		}
	}
	if c.WebRTCUDPPort < 0 || c.WebRTCUDPPort > 65535 {
		add("webrtc_udp_port", "%d is not a port (0 to 65535)", c.WebRTCUDPPort)
	}
	for _, ip := range c.WebRTCPublicIP {
		if _, err := netip.ParseAddr(ip); err != nil {
			add("webrtc_public_ip", "%q is not an IP address", ip)
		}
	}
	between("max_call_duration", c.MaxCallDuration, time.Minute, 24*time.Hour)
	between("call_alone_timeout", c.CallAloneTimeout, 5*time.Second, 24*time.Hour)
	if c.TURNEnabled {
		if c.TURNUDPPort < 1 || c.TURNUDPPort > 65535 {
			add("turn_udp_port", "%d is not a port (1 to 65535)", c.TURNUDPPort)
		}
		if c.TURNUDPPort == c.WebRTCUDPPort {
			add("turn_udp_port", "%d is also webrtc_udp_port: give the TURN server its own port", c.TURNUDPPort)
		}
		if strings.TrimSpace(c.TURNRealm) == "" {
			add("turn_realm", "is empty: give any name, such as scribe")
		}
		if c.TURNPublicIP == "" && len(c.WebRTCPublicIP) == 0 {
			add("turn_public_ip", "is needed with turn_enabled: the IP address browsers reach this server at")
		} else if c.TURNPublicIP != "" {
			if _, err := netip.ParseAddr(c.TURNPublicIP); err != nil {
				add("turn_public_ip", "%q is not an IP address", c.TURNPublicIP)
			}
		}
		between("turn_credential_ttl", c.TURNCredentialTTL, time.Minute, 7*24*time.Hour)
	}
	if c.AuditCheckpointEvery < 1 {
		add("audit_checkpoint_every", "%d: must be at least 1", c.AuditCheckpointEvery)
	}
	if c.AuditCheckpointInterval < time.Second {
		add("audit_checkpoint_interval", "%v: must be at least 1s", c.AuditCheckpointInterval)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		add("log_level", "%q: want debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		add("log_format", "%q: want text or json", c.LogFormat)
	}
	return out
}

// ParsePrefixes reads addresses and CIDR ranges (a lone address is a
// range of one).
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR range (such as 10.0.0.0/8)", s)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a CIDR range (such as 10.0.0.0/8)", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// TrustedProxyPrefixes is trusted_proxies parsed (valid after Resolve).
func (c *Config) TrustedProxyPrefixes() []netip.Prefix {
	p, _ := ParsePrefixes(c.TrustedProxies)
	return p
}

// TURNAddress is the IP browsers reach the embedded TURN server at.
func (c *Config) TURNAddress() string {
	if c.TURNPublicIP != "" {
		return c.TURNPublicIP
	}
	if len(c.WebRTCPublicIP) > 0 {
		return c.WebRTCPublicIP[0]
	}
	return ""
}

// redactURLCredentials hides a turn: URL's user:password.
func redactURLCredentials(s string) string {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return s
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return scheme + ":****@" + rest[at+1:]
	}
	return s
}
