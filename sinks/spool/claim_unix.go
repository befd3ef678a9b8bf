//go:build unix

package spool

import (
	"errors"
	"syscall"
)

// processAlive reports whether pid runs on this host; EPERM means it
// exists but belongs to another user.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
