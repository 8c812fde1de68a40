// Package config is every setting Scribe can be given, in one place: the
// typed Config, its defaults, where each value may come from (flag >
// environment > the optional TOML file named by --config / SCRIBE_CONFIG >
// default), the checks a value must pass before anything starts, and the
// documentation of each (docs/configuration.md is generated from the
// struct tags below; `go generate ./internal/config`).
//
// Nothing else in Scribe reads or sets the process environment: commands
// get their settings from a Loader, and the few secrets named at run time
// (a model provider's API key variable) are read through Secret.
//
// It owns no policy beyond a value's syntax and range; what a setting does
// is up to the package it is handed to.
package config

//go:generate go run ./gendoc -o ../../docs/configuration.md

import (
	"time"
)

// Config is the effective configuration. Each field's tags say:
//
//	name    the setting's name (in the file, in errors, in `scribe config`)
//	env     the environment variable that sets it
//	flag    the command-line flag that sets it (for the commands that take it)
//	default its default, in the syntax of the environment variable
//	help    one line for the documentation and --help
//	secret  "true": never printed (masked by `scribe config`)
//	group   the section of docs/configuration.md
type Config struct {
	// Storage
	DataDir     string `name:"data_dir" env:"SCRIBE_DATA_DIR" flag:"data-dir" default:"./scribe-data" group:"Storage" help:"data directory (SQLite database, encrypted blobs, key file)"`
	DatabaseURL string `name:"database_url" env:"DATABASE_URL" group:"Storage" secret:"true" help:"postgres:// URL selects PostgreSQL; empty = the embedded SQLite database in the data directory"`
	BlobStore   string `name:"blob_store" env:"SCRIBE_BLOB_STORE" flag:"blob-store" default:"dir" group:"Storage" help:"where encrypted audio, transcripts and token maps are kept: dir (the data directory) or database (the blobs table; use it when several scribe processes share one PostgreSQL, with the same master key)"`
	MasterKey   string `name:"master_key" env:"SCRIBE_MASTER_KEY" group:"Storage" secret:"true" help:"key-encryption key, the base64 encoding of 32 bytes (head -c32 /dev/urandom | base64); empty = DATA_DIR/master.key, created on first use"`

	// Web server
	ListenAddr     string        `name:"listen_addr" env:"SCRIBE_ADDR" flag:"addr" default:"127.0.0.1:8080" group:"Web server" help:"listen address (host:port)"`
	PublicURL      string        `name:"public_url" env:"SCRIBE_PUBLIC_URL" flag:"public-url" group:"Web server" help:"the address people use to reach Scribe (https://scribe.example.org), the base of join, invitation and set-up links; empty = the listen address"`
	PracticeName   string        `name:"practice_name" env:"SCRIBE_PRACTICE_NAME" flag:"practice-name" group:"Web server" help:"the practice's name as clients know it, put in appointment invitations (\"Your appointment with NAME on …\"); empty = no name"`
	TLSCert        string        `name:"tls_cert" env:"SCRIBE_TLS_CERT" flag:"tls-cert" group:"Web server" help:"TLS certificate file: serve HTTPS (browsers need a secure context for calls away from localhost)"`
	TLSKey         string        `name:"tls_key" env:"SCRIBE_TLS_KEY" flag:"tls-key" group:"Web server" help:"TLS private key file (with tls_cert)"`
	TrustedProxies []string      `name:"trusted_proxies" env:"SCRIBE_TRUSTED_PROXIES" flag:"trusted-proxies" group:"Web server" help:"comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-Proto, X-Forwarded-For and X-Request-Id are believed (Secure cookies and HSTS when the proxy took HTTPS, the client's address for rate limits and logs); empty = believe no one"`
	HTTPTimeout    time.Duration `name:"http_timeout" env:"SCRIBE_HTTP_TIMEOUT" flag:"http-timeout" default:"1m" group:"Web server" help:"longest time to read a request (headers and body) and to write its answer; recording uploads are paced by upload_stall instead"`
	UploadStall    time.Duration `name:"upload_stall" env:"SCRIBE_UPLOAD_STALL" flag:"upload-stall" default:"30s" group:"Web server" help:"a recording upload that sends nothing for this long, or averages under 64 KiB/s over the time the server waited for it, is stopped and nothing of it kept"`
	IdleTimeout    time.Duration `name:"idle_timeout" env:"SCRIBE_IDLE_TIMEOUT" flag:"idle-timeout" default:"15m" group:"Web server" help:"a browser is signed out after this long without a request (at least 1m)"`

	// Pipeline
	Workers           int  `name:"workers" env:"SCRIBE_WORKERS" flag:"workers" default:"4" group:"Pipeline" help:"pipeline jobs worked at once by this process (1-64)"`
	KeepAudioOnRevoke bool `name:"keep_audio_on_revoke" env:"SCRIBE_KEEP_AUDIO_ON_REVOKE" flag:"keep-audio-on-revoke" default:"false" group:"Pipeline" help:"retention policy: keep audio already captured when a participant stops the AI scribe (default: purge it)"`

	// Calls
	ICEServers       []string      `name:"ice_servers" env:"SCRIBE_ICE_SERVERS" flag:"ice-servers" group:"Calls" help:"comma-separated STUN/TURN URLs for calls (turn:user:pass@host:port for TURN); none needed on one network"`
	WebRTCUDPPort    int           `name:"webrtc_udp_port" env:"SCRIBE_WEBRTC_UDP_PORT" flag:"webrtc-udp-port" default:"0" group:"Calls" help:"carry all call media on this one UDP port (for firewalls); 0 = any port"`
	WebRTCPublicIP   []string      `name:"webrtc_public_ip" env:"SCRIBE_WEBRTC_PUBLIC_IP" flag:"webrtc-public-ip" group:"Calls" help:"public IP address(es), comma-separated, to announce for call media when this server is behind 1:1 NAT (a cloud VM's elastic IP)"`
	MaxCallDuration  time.Duration `name:"max_call_duration" env:"SCRIBE_MAX_CALL_DURATION" flag:"max-call-duration" default:"4h" group:"Calls" help:"a call still open after this long ends (and moves on to the draft)"`
	CallAloneTimeout time.Duration `name:"call_alone_timeout" env:"SCRIBE_CALL_ALONE_TIMEOUT" flag:"call-alone-timeout" default:"20m" group:"Calls" help:"a participant alone this long after the others left is disconnected: the session ends if that participant is being recorded, else it stays open for a rejoin"`

	// Embedded TURN server
	TURNEnabled       bool          `name:"turn_enabled" env:"SCRIBE_TURN_ENABLED" flag:"turn" default:"false" group:"Embedded TURN server" help:"run a TURN server in this process for clients behind strict NAT or firewalls that allow no direct UDP; each call participant gets its own time-limited credentials in the call's ICE server list"`
	TURNUDPPort       int           `name:"turn_udp_port" env:"SCRIBE_TURN_UDP_PORT" flag:"turn-udp-port" default:"3478" group:"Embedded TURN server" help:"UDP port the TURN server listens on (open it in the firewall)"`
	TURNRealm         string        `name:"turn_realm" env:"SCRIBE_TURN_REALM" flag:"turn-realm" default:"scribe" group:"Embedded TURN server" help:"TURN realm (any name; browsers show it nowhere)"`
	TURNPublicIP      string        `name:"turn_public_ip" env:"SCRIBE_TURN_PUBLIC_IP" flag:"turn-public-ip" group:"Embedded TURN server" help:"the IP address browsers reach the TURN server at, also announced for relayed media; empty = the first webrtc_public_ip"`
	TURNSecret        string        `name:"turn_secret" env:"SCRIBE_TURN_SECRET" group:"Embedded TURN server" secret:"true" help:"shared secret the per-call credentials are derived from (TURN REST style); empty = a random one per process (set it when several nodes share a TURN server)"`
	TURNCredentialTTL time.Duration `name:"turn_credential_ttl" env:"SCRIBE_TURN_CREDENTIAL_TTL" flag:"turn-credential-ttl" default:"12h" group:"Embedded TURN server" help:"how long a participant's TURN credentials stay valid"`

	// Audit
	AuditWitness            string        `name:"audit_witness" env:"SCRIBE_AUDIT_WITNESS" flag:"audit-witness" group:"Audit" help:"append-only file that receives a copy of every audit checkpoint, outside the database (empty = DATA_DIR/audit-witness.jsonl; point it at WORM storage)"`
	AuditCheckpointEvery    int64         `name:"audit_checkpoint_every" env:"SCRIBE_AUDIT_CHECKPOINT_EVERY" flag:"audit-checkpoint-every" default:"1000" group:"Audit" help:"sign the audit chain head (Ed25519; also appended to the witness) after this many new entries"`
	AuditCheckpointInterval time.Duration `name:"audit_checkpoint_interval" env:"SCRIBE_AUDIT_CHECKPOINT_INTERVAL" flag:"audit-checkpoint-interval" default:"10m" group:"Audit" help:"and at least this often while entries arrive, so no entry stays unsigned longer"`

	// Observability
	MetricsToken       string `name:"metrics_token" env:"SCRIBE_METRICS_TOKEN" flag:"metrics-token" group:"Observability" secret:"true" help:"bearer token that GET /metrics requires; empty: /metrics is open (keep it off the public proxy)"`
	OTLPEndpoint       string `name:"otlp_endpoint" env:"OTEL_EXPORTER_OTLP_ENDPOINT" group:"Observability" help:"OpenTelemetry collector (OTLP over HTTP, such as http://collector:4318) that receives traces; empty: tracing is off. The SDK reads its other OTEL_* variables itself"`
	OTLPTracesEndpoint string `name:"otlp_traces_endpoint" env:"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" group:"Observability" help:"the traces-only endpoint, in place of otlp_endpoint"`

	// Logging
	LogLevel  string `name:"log_level" env:"SCRIBE_LOG_LEVEL" flag:"log-level" default:"info" group:"Logging" help:"debug, info, warn or error"`
	LogFormat string `name:"log_format" env:"SCRIBE_LOG_FORMAT" flag:"log-format" default:"text" group:"Logging" help:"text (key=value lines) or json (one object a line)"`

	// Command line
	TokenFile string `name:"token_file" env:"SCRIBE_TOKEN_FILE" flag:"token-file" group:"Command line" help:"file holding your personal API token from your account page in the web app (mode 0600), for commands that act as a clinician"`
	Token     string `name:"token" env:"SCRIBE_TOKEN" group:"Command line" secret:"true" help:"your personal API token itself (prefer token_file); without either, a terminal asks for your password and authenticator code"`
	ActAs     string `name:"act_as" env:"SCRIBE_USER" flag:"as" group:"Command line" help:"act as this Scribe user (e-mail) in the client commands: only the clients and sessions they may see, audited under their name (empty = the host operator)"`
}
