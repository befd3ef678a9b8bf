//go:build unix

package engine

import (
	"errors"
	"os"
	"syscall"
)

// processAlive reports whether pid names a running process. Signal 0
// checks existence without sending anything; EPERM means the process
// exists but belongs to another user.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// tryLockFile takes an exclusive flock without waiting; false means another
// open file description holds it.
func tryLockFile(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
