//go:build unix

package main

import "syscall"

// privateUmask makes whatever this process creates readable by its own
// user only (0600 files, 0700 directories), including files a library
// creates with default modes. Scribe's own files are created with those
// modes explicitly; this is the backstop.
func privateUmask() { syscall.Umask(0o077) }
