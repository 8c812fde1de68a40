//go:build unix

package store

import (
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
)

// instanceID names this host's boot and this process's PID namespace: two
// processes with the same instance see each other's PIDs. "" when unknown.
var instanceID = sync.OnceValue(func() string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(boot)) + "/" + ns
})

// processAlive reports whether a process with this PID exists (in this PID
// namespace); when in doubt, it is taken to be alive.
func processAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || !errors.Is(err, syscall.ESRCH)
}
