//go:build !unix

package main

// privateUmask has no equivalent here; Scribe's files are created with
// private modes explicitly.
func privateUmask() {}
