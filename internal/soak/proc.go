package soak

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// deployment is how one trial runs the scribe binary: the environment
// every process of the trial shares (database, master key, blob store,
// provider key).
type deployment struct {
	bin  string
	vars []string
}

// environ is the soak process's environment without any Scribe setting of
// its own (which would leak into the trial), plus the trial's.
func (d deployment) environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "SCRIBE_") || strings.HasPrefix(kv, "DATABASE_URL=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, d.vars...)
}

// cli runs a scribe command to completion and returns its standard output.
func (d deployment) cli(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.bin, args...)
	cmd.Env = d.environ()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("scribe %s: %v: %s", args[0], err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// A node is one `scribe serve` process.
type node struct {
	name    string
	dataDir string
	cmd     *exec.Cmd
	log     *os.File
	exited  chan struct{}
	killed  bool
}

// start runs `scribe serve` on a free port, appending its output to
// logPath, and returns once it answers /readyz.
func (d deployment) start(name, dataDir, logPath string, workers int) (*node, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "\n=== soak: starting %s on %s at %s\n", name, addr, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(d.bin, "serve", "--addr", addr, "--data-dir", dataDir, "--workers", fmt.Sprint(workers))
	cmd.Env = d.environ()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	n := &node{name: name, dataDir: dataDir, cmd: cmd, log: log, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(n.exited)
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-n.exited:
			return nil, fmt.Errorf("%s exited while starting (%v); see %s", name, cmd.ProcessState, logPath)
		default:
		}
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return n, nil
			}
		}
		if time.Now().After(deadline) {
			n.kill()
			return nil, fmt.Errorf("%s did not answer /readyz within a minute; see %s", name, logPath)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (n *node) kill() {
	n.killed = true
	n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
	fmt.Fprintf(n.log, "=== soak: killed %s (SIGKILL) at %s\n", n.name, time.Now().Format(time.RFC3339Nano))
	n.log.Close()
}

// stop asks the process to shut down (SIGTERM) and kills it if it has not
// within the timeout. A process already gone is left alone.
func (n *node) stop(timeout time.Duration) error {
	select {
	case <-n.exited:
		if n.killed {
			return nil
		}
		n.log.Close()
		return fmt.Errorf("%s had exited by itself (%v)", n.name, n.cmd.ProcessState)
	default:
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
		n.log.Close()
		return nil
	case <-time.After(timeout):
		n.kill()
		return errors.New(n.name + " did not stop within " + timeout.String() + " of SIGTERM")
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
