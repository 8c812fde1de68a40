//go:build unix

package redaction

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the test process has used:
// on a shared machine a benchmark's wall-clock time per operation grows with
// the load, its CPU time much less.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
