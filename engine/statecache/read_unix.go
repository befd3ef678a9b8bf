//go:build linux || darwin || freebsd

package statecache

import (
	"errors"
	"syscall"
	"time"
)

// readEntry returns an entry file's bytes and modification time. It makes
// four system calls (open, fstat, read, close) where os.ReadFile makes
// ten (the runtime poller's registration attempts, a read to see the
// end): a run reads two entries per data file. An entry is replaced by
// renaming, never written in place, so the open file's size is its
// length; a file cut short meanwhile is an error, and one grown fails the
// checksum.
func readEntry(path string) ([]byte, time.Time, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, time.Time{}, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size > maxEntryBytes {
		return nil, time.Time{}, errNotEntry
	}
	b := make([]byte, st.Size)
	for n := 0; n < len(b); {
		k, err := syscall.Read(fd, b[n:])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return nil, time.Time{}, err
		case k == 0:
			return nil, time.Time{}, errNotEntry
		}
		n += k
	}
	return b, time.Unix(0, mtimeNS(&st)), nil
}

var errNotEntry = errors.New("state cache: not an entry")
