//go:build !unix

package doctor

import "errors"

func statDisk(string) (DiskUsage, error) {
	return DiskUsage{}, errors.New("free space is not read on this operating system")
}
