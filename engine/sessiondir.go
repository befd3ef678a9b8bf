package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// sessionPrefix starts the name of every session's private directory:
// dq-session-<pid>-<random>. The PID lets a later process tell a directory
// whose owner died (killed, out of memory, power cut) from a live one, and
// remove it: DuckDB's spill files can be gigabytes.
const sessionPrefix = "dq-session-"

// newSessionDir removes stale session directories in base ("" = the
// system's temporary directory), then creates this session's. The returned
// file holds an exclusive lock on the directory's owner.lock for the
// session's life (where the platform has flock), which a cleaner in
// another PID namespace sharing base checks before removing anything.
func newSessionDir(base string) (dir string, lock *os.File, err error) {
	if base == "" {
		base = os.TempDir()
	}
	removeStaleSessionDirs(base)
	dir, err = os.MkdirTemp(base, sessionPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", nil, err
	}
	lock, err = os.OpenFile(filepath.Join(dir, "owner.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		_, err = tryLockFile(lock)
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("locking the session directory: %w", err)
	}
	return dir, lock, nil
}

// removeStaleSessionDirs removes the session directories in base whose
// owner process is gone. It is best effort: a directory it cannot judge
// (another naming scheme, another user's) or cannot remove is left alone,
// and errors are not reported, since they must not stop this run.
func removeStaleSessionDirs(base string) {
	des, err := os.ReadDir(base)
	if err != nil {
		return
	}
	self := os.Getpid()
	for _, de := range des {
		pid, ok := sessionOwner(de.Name())
		if !ok || !de.IsDir() || pid == self || processAlive(pid) {
			continue
		}
		dir := filepath.Join(base, de.Name())
		// The PID may be dead here but alive in another PID namespace
		// sharing this directory (containers): a held lock says so.
		f, err := os.OpenFile(filepath.Join(dir, "owner.lock"), os.O_RDWR, 0)
		if err == nil {
			locked, lerr := tryLockFile(f)
			if lerr != nil || !locked {
				f.Close()
				continue
			}
		}
		os.RemoveAll(dir)
		if f != nil {
			f.Close()
		}
	}
}

// sessionOwner parses the PID out of a session directory's name.
func sessionOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, sessionPrefix)
	if !ok {
		return 0, false
	}
	pidText, random, ok := strings.Cut(rest, "-")
	if !ok || random == "" {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}
