package main

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"
)

// TestConfigCommand: `scribe config` prints every setting with its value
// and source — a value from the file, one from the environment, one from
// a flag and the defaults — and masks the secrets.
func TestConfigCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "scribe.toml")
	if err := os.WriteFile(file, []byte("log_format = \"json\"\nworkers = 3\nlisten_addr = \"127.0.0.1:7001\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	t.Setenv("SCRIBE_MASTER_KEY", key)
	t.Setenv("SCRIBE_WORKERS", "5")
	t.Setenv("SCRIBE_ADDR", "127.0.0.1:7002")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_CONFIG", "")
	out := mustCLI(t, "", "config", "--config", file, "--addr", "127.0.0.1:7003")
	rows := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 {
			rows[f[0]] = f[1:]
		}
	}
	for name, want := range map[string][]string{
		"log_format":   {"json", "file", file},
		"workers":      {"5", "env", "SCRIBE_WORKERS"},
		"listen_addr":  {"127.0.0.1:7003", "flag", "--addr"},
		"master_key":   {"********", "env", "SCRIBE_MASTER_KEY"},
		"http_timeout": {"1m0s", "default"},
	} {
		if strings.Join(rows[name], " ") != strings.Join(want, " ") {
			t.Errorf("%s: %q, want %q", name, rows[name], want)
		}
	}
	if strings.Contains(out, key) {
		t.Errorf("the master key is printed:\n%s", out)
	}

	// A refused value names the setting and where it came from.
	t.Setenv("SCRIBE_HTTP_TIMEOUT", "2h")
	_, errOut, code := cli(t, "", "config")
	if code == 0 || !strings.Contains(errOut, "http_timeout: 2h0m0s is out of range") || !strings.Contains(errOut, "env SCRIBE_HTTP_TIMEOUT") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = cli(t, dir, "serve", "--workers", "0")
	if code == 0 || !strings.Contains(errOut, "workers: 0 is out of range") || !strings.Contains(errOut, "flag --workers") {
		t.Errorf("serve --workers 0: exit %d, stderr %q", code, errOut)
	}
}

// TestServeBehindTrustedProxy: serve takes --trusted-proxies; a request
// from that proxy saying it took HTTPS gets HSTS and Secure cookies, and
// --public-url is the base of the links serve prints.
func TestServeBehindTrustedProxy(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	for _, tc := range []struct {
		proxies string
		secure  bool
	}{{"127.0.0.1", true}, {"10.0.0.0/8", false}} {
		base := startServe(t, t.TempDir(), "--trusted-proxies", tc.proxies, "--public-url", "https://scribe.example.org")
		req, _ := http.NewRequest("GET", base+"/login", nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Strict-Transport-Security") != ""; got != tc.secure {
			t.Errorf("trusted proxies %s: HSTS sent = %v", tc.proxies, got)
		}
		for _, c := range res.Cookies() {
			if c.Secure != tc.secure {
				t.Errorf("trusted proxies %s: cookie %s Secure = %v", tc.proxies, c.Name, c.Secure)
			}
		}
		if res.Header.Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id")
		}
	}
}

// TestServeWithEmbeddedTURN: `serve --turn` runs the TURN server on its
// port; a relay-only Pion peer with credentials under the configured
// secret allocates a relay candidate from it.
func TestServeWithEmbeddedTURN(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("SCRIBE_TURN_SECRET", "test-turn-secret")
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	startServe(t, t.TempDir(), "--turn", "--turn-public-ip", "127.0.0.1", "--turn-udp-port", strconv.Itoa(port))
	user, pass, err := turn.GenerateLongTermTURNRESTCredentials("test-turn-secret", "participant-x", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	peer, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{
		ICEServers:         []webrtc.ICEServer{{URLs: []string{"turn:127.0.0.1:" + strconv.Itoa(port) + "?transport=udp"}, Username: user, Credential: pass}},
		ICETransportPolicy: webrtc.ICETransportPolicyRelay})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	relay := make(chan string, 4)
	peer.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil && c.Typ == webrtc.ICECandidateTypeRelay {
			relay <- c.Address
		}
	})
	if _, err := peer.CreateDataChannel("probe", nil); err != nil {
		t.Fatal(err)
	}
	offer, _ := peer.CreateOffer(nil)
	if err := peer.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	select {
	case addr := <-relay:
		if addr != "127.0.0.1" {
			t.Errorf("relay candidate at %s", addr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve's TURN server gave no relay candidate")
	}
}
