// Package deploy holds Scribe's deployment files (Dockerfile, compose
// file, systemd unit, Grafana dashboard). Its tests check what those files
// assume of the binary, since no container engine or systemd runs in CI.
package deploy

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// unit is a parsed systemd unit: section → key → values (a key may repeat).
type unit map[string]map[string][]string

func parseUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not a key=value line in a section: %q", path, n, line)
			}
			u[section][strings.TrimSpace(k)] = append(u[section][strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

func (u unit) last(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// env is the unit's Environment= settings.
func (u unit) env() map[string]string {
	out := map[string]string{}
	for _, e := range u["Service"]["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		out[k] = v
	}
	return out
}

// TestSystemdUnitOptions: the hardening the unit promises, and that its
// pieces agree — the data directory is the state directory, the only path
// made writable, and the working directory.
func TestSystemdUnitOptions(t *testing.T) {
	u := parseUnit(t, "scribe.service")
	want := map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "RestrictSUIDSGID": "yes", "MemoryDenyWriteExecute": "yes", "UMask": "0077",
		"CapabilityBoundingSet": "", "StateDirectory": "scribe", "ExecStart": "/usr/local/bin/scribe serve",
	}
	for k, v := range want {
		if got := u.last("Service", k); got != v || len(u["Service"][k]) == 0 {
			t.Errorf("[Service] %s=%q, want %q", k, got, v)
		}
	}
	if u.last("Service", "DynamicUser") != "yes" && u.last("Service", "User") == "" {
		t.Error("the unit runs as root: set DynamicUser=yes or User=")
	}
	data := u.env()["SCRIBE_DATA_DIR"]
	if data != "/var/lib/"+u.last("Service", "StateDirectory") {
		t.Errorf("SCRIBE_DATA_DIR=%q is not the StateDirectory (/var/lib/%s)", data, u.last("Service", "StateDirectory"))
	}
	if rw := u["Service"]["ReadWritePaths"]; len(rw) != 1 || rw[0] != data {
		t.Errorf("ReadWritePaths=%q, want only the data directory %q", rw, data)
	}
	if wd := u.last("Service", "WorkingDirectory"); wd != data {
		t.Errorf("WorkingDirectory=%q, want the data directory", wd)
	}
	if addr := u.env()["SCRIBE_ADDR"]; !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("SCRIBE_ADDR=%q: serve on loopback behind the TLS proxy", addr)
	}
	// The seccomp filter must not refuse what the Go runtime does at start
	// (setrlimit for RLIMIT_NOFILE is in @resources).
	for _, f := range u["Service"]["SystemCallFilter"] {
		if strings.Contains(f, "@resources") && strings.HasPrefix(f, "~") {
			t.Errorf("SystemCallFilter=%s refuses setrlimit, which the Go runtime calls at start", f)
		}
	}
	if u.last("Install", "WantedBy") != "multi-user.target" {
		t.Error("[Install] WantedBy=multi-user.target is missing")
	}
}

// TestDockerfile: a CGO-free build, a distroless or scratch final image,
// a numeric non-root user, and the data directory as a volume that is
// SCRIBE_DATA_DIR.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := string(b)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(d, -1)
	if len(froms) < 2 {
		t.Fatalf("not a multi-stage build: %v", froms)
	}
	final := froms[len(froms)-1][1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final image %q: want distroless/static or scratch", final)
	}
	for _, want := range []string{"CGO_ENABLED=0", "VOLUME [\"/data\"]", "SCRIBE_DATA_DIR=/data", "./cmd/scribe"} {
		if !strings.Contains(d, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(d, -1)
	if len(user) == 0 || strings.HasPrefix(user[len(user)-1][1], "0") || strings.HasPrefix(user[len(user)-1][1], "root") {
		t.Errorf("final USER %v: want a numeric non-root user", user)
	}
}

// TestGrafanaDashboard: the dashboard is valid JSON and every series it
// queries is one Scribe exports (internal/metrics).
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../internal/metrics/metrics.go")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`"(scribe_[a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		known[m[1]] = true
	}
	seen := map[string]bool{}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, name := range regexp.MustCompile(`scribe_[a-z_]+`).FindAllString(tg.Expr, -1) {
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
				if !known[base] {
					t.Errorf("panel %q queries %s, which Scribe does not export", p.Title, name)
				}
				seen[base] = true
			}
		}
	}
	for name := range known {
		if !seen[name] {
			t.Errorf("no panel shows %s", name)
		}
	}
}

// TestSystemdUnitAssumptions runs the binary as the unit would: built
// CGO-free (and checked to be static), as an unprivileged user, with the
// unit's environment and command line, every mount of the file system
// read-only except the data directory (a private mount namespace; where
// that is not allowed, HOME, the working directory and TMPDIR at least are
// not writable), and no TMPDIR. It must serve /healthz and /readyz and
// write only inside the data directory.
func TestSystemdUnitAssumptions(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	need := func(reason string) {
		t.Helper()
		if os.Getenv("SCRIBE_REQUIRE_ALL") == "1" {
			t.Fatal(reason)
		}
		t.Skip(reason)
	}
	if os.Geteuid() != 0 {
		need("switching to an unprivileged user needs root; run as root (CI does) to check the unit's assumptions")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		need("setpriv (util-linux) is not installed")
	}
	const uid, gid = 65534, 65534 // nobody: no home, no groups

	// root-owned and traversable by the service user; only the data dir
	// inside is the user's.
	root := t.TempDir()
	for _, d := range []string{filepath.Dir(root), root} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(root, "scribe")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/scribe")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	checkStatic(t, bin)

	data := filepath.Join(root, "data")
	home := filepath.Join(root, "home")
	cwd := filepath.Join(root, "cwd")
	for _, d := range []string{data, home, cwd} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(data, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(data, 0o700); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root, data)

	u := parseUnit(t, "scribe.service")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + home, "SCRIBE_LOG_LEVEL=info"}
	for k, v := range u.env() {
		switch k {
		case "SCRIBE_DATA_DIR":
			v = data
		case "SCRIBE_ADDR":
			v = addr
		case "SCRIBE_WEBRTC_UDP_PORT":
			v = "0" // any free port here; the unit's fixed one may be taken
		}
		env = append(env, k+"="+v)
	}
	execStart := strings.Fields(u.last("Service", "ExecStart"))
	args := append([]string{bin}, execStart[1:]...)
	privDrop := []string{setpriv, fmt.Sprintf("--reuid=%d", uid), fmt.Sprintf("--regid=%d", gid), "--clear-groups", "--no-new-privs", "--"}

	readOnlyRoot := mountNamespaceWorks(t)
	var cmd *exec.Cmd
	if readOnlyRoot {
		// In a private mount namespace: the data dir becomes its own
		// mount, then every mount is remounted read-only but that one.
		script := `set -e
mount --bind "$1" "$1"
mount -o remount,bind,ro /
for m in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do
  [ "$m" = "$1" ] || [ "$m" = / ] || mount -o remount,bind,ro "$m" 2>/dev/null || true
done
shift
exec "$@"`
		cmd = exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", data}, append(privDrop, args...)...)...)
	} else {
		t.Log("no private mount namespace here (unshare --mount refused): checking an unprivileged user with HOME, the working directory and TMPDIR not writable")
		cmd = exec.Command(privDrop[0], append(privDrop[1:], args...)...)
	}
	cmd.Dir = cwd
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill() // a failed check leaves no server behind

	base := "http://" + addr
	for _, path := range []string{"/healthz", "/readyz"} {
		deadline := time.Now().Add(60 * time.Second)
		for {
			resp, err := http.Get(base + path)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			select {
			case err := <-exited:
				t.Fatalf("scribe serve exited (%v) before %s answered 200:\n%s", err, path, out.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not answer 200 within 60 s (last: %v):\n%s", path, err, out.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// unshare, sh and setpriv exec in turn: the PID is scribe's.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("scribe serve did not stop cleanly on SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("scribe serve did not stop within 60 s of SIGTERM:\n%s", out.String())
	}
	if strings.Contains(out.String(), "read-only file system") || strings.Contains(out.String(), "permission denied") {
		t.Errorf("scribe tried to write outside its data directory:\n%s", out.String())
	}

	// Nothing appeared or changed outside the data directory; inside it,
	// what scribe wrote belongs to the unprivileged user.
	if after := snapshot(t, root, data); !equalMaps(before, after) {
		t.Errorf("files outside the data directory changed:\nbefore %v\nafter  %v", before, after)
	}
	var wrote []string
	filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == data {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid != uid {
			t.Errorf("%s is owned by uid %d, not the service user", p, st.Uid)
		}
		wrote = append(wrote, strings.TrimPrefix(p, data+"/"))
		return nil
	})
	if len(wrote) == 0 {
		t.Error("scribe wrote nothing in its data directory (no database?)")
	}
	t.Logf("read-only root: %v; written in the data directory: %v", readOnlyRoot, wrote)
}

// mountNamespaceWorks reports whether this process may make a private
// mount namespace and remount in it (root in a container may not).
func mountNamespaceWorks(t *testing.T) bool {
	if _, err := exec.LookPath("unshare"); err != nil {
		return false
	}
	d := t.TempDir()
	err := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		`mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ! touch "$1/probe" 2>/dev/null`, "sh", d).Run()
	return err == nil
}

// checkStatic fails unless bin is a static ELF executable (no interpreter,
// no shared libraries): what distroless/static and scratch can run.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a dynamic loader (PT_INTERP): not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links shared libraries %v", libs)
	}
}

// snapshot lists every file under root outside skip, with size and mtime.
func snapshot(t *testing.T, root, skip string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		m[p] = fmt.Sprintf("%v %d %d", info.Mode(), info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestComposeFile: what the README's quick start and docs/deploy.md rely on
// (the services, the local-models profile), and that the database password
// is not put inside DATABASE_URL, where a generated password holding '/'
// (base64) would break the URL.
func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := string(b)
	for _, want := range []string{"\n  scribe:\n", "\n  postgres:\n", "\n  ollama:\n", "\n  whisper:\n", "profiles: [local-models]", "dockerfile: deploy/Dockerfile",
		"PGPASSWORD: ${POSTGRES_PASSWORD", "read_only: true", "scribe-data:/data"} {
		if !strings.Contains(c, want) {
			t.Errorf("compose.yaml lacks %q", want)
		}
	}
	for _, line := range strings.Split(c, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && k == "DATABASE_URL" {
			if userinfo, _, found := strings.Cut(strings.TrimPrefix(strings.TrimSpace(v), "postgres://"), "@"); found && strings.Contains(userinfo, ":") {
				t.Errorf("DATABASE_URL carries a password in the URL: %s", line)
			}
		}
	}
}
