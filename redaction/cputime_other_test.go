//go:build !unix

package redaction

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
