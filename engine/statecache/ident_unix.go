//go:build linux || darwin || freebsd

package statecache

import (
	"fmt"
	"io/fs"
	"syscall"
)

// sysIdentity adds the inode and the status-change time, which every write
// updates and no user tool can set.
func sysIdentity(st fs.FileInfo) string {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("\x00%d\x00%d\x00%d", s.Dev, s.Ino, ctimeNS(s))
}
