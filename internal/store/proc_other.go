//go:build !unix

package store

// instanceID is unknown here: other processes are judged by heartbeat age only.
func instanceID() string { return "" }

func processAlive(int) bool { return true }
