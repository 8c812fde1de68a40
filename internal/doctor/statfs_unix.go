//go:build unix

package doctor

import "syscall"

func statDisk(path string) (DiskUsage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return DiskUsage{}, err
	}
	bs := uint64(st.Bsize) // #nosec G115 -- a block size is positive
	return DiskUsage{Free: st.Bavail * bs, Total: st.Blocks * bs}, nil
}
