package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Claims. Two `dq publish` runs on one spool must not both send an entry.
// A publisher claims an entry before sending it by renaming its file to a
// hidden claim name, .claim.<host>.<pid>.<entry file>; rename is atomic, so
// of two publishers exactly one succeeds and the other skips the entry.
// The claim is removed once the entry is delivered or re-spooled, and
// renamed back if neither happened. A claim whose publisher died (killed,
// crashed) is recovered by the next publisher: on the same host when the
// PID no longer runs, and from any host once the claim is older than
// StaleClaimAge.

const claimPrefix = ".claim."

// StaleClaimAge is how old a claim must be before it is taken over
// whatever its host. Sending one entry is bounded by the publish timeout (30 s
// by default), so an hour-old claim has no live publisher.
const StaleClaimAge = time.Hour

// Claimed is an entry this process has claimed. Its Path is the entry's
// own file name (where it is restored); the entry was read from the claim.
type Claimed struct {
	Item
	claim string
}

// Claim takes the entry it for this process. ok is false, with no error,
// when another publisher claimed or removed it first. The entry is read
// again from the claimed file, since it may have been replaced after List.
func (d Dir) Claim(it Item) (c Claimed, ok bool, err error) {
	claim := filepath.Join(d.path, claimPrefix+hostID()+"."+strconv.Itoa(os.Getpid())+"."+filepath.Base(it.Path))
	if err := os.Rename(it.Path, claim); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Claimed{}, false, nil
		}
		return Claimed{}, false, fmt.Errorf("spool: claiming %s: %w", it.Path, err)
	}
	// Rename keeps the entry's modification time; the claim's age must
	// start now.
	now := time.Now()
	_ = os.Chtimes(claim, now, now)
	c = Claimed{Item: Item{Path: it.Path}, claim: claim}
	data, err := os.ReadFile(claim)
	if err == nil {
		err = json.Unmarshal(data, &c.Entry)
	}
	if err != nil {
		if rerr := d.Release(c); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return Claimed{}, false, fmt.Errorf("spool: %s is not a spool entry: %w", it.Path, err)
	}
	return c, true, nil
}

// Done removes a claimed entry: it was delivered, or spooled again (Put)
// with its new error.
func (d Dir) Done(c Claimed) error {
	if err := os.Remove(c.claim); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// Release gives a claimed entry back, unchanged, for the next publisher.
// If the entry was spooled again meanwhile, the newer entry wins.
func (d Dir) Release(c Claimed) error {
	return restore(c.claim, c.Path)
}

func restore(claim, path string) error {
	if _, err := os.Lstat(path); err == nil {
		if err := os.Remove(claim); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("spool: %w", err)
		}
		return nil
	}
	if err := os.Rename(claim, path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: restoring %s: %w", path, err)
	}
	return nil
}

// RecoverStale gives back the claims of publishers that died, so that
// their entries are sent, and returns how many it recovered. A missing
// spool has none.
func (d Dir) RecoverStale() (int, error) {
	des, err := os.ReadDir(d.path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("spool: %w", err)
	}
	host := hostID()
	n := 0
	for _, de := range des {
		claimHost, pid, entry, ok := parseClaim(de.Name())
		if !ok {
			continue
		}
		claim := filepath.Join(d.path, de.Name())
		stale := claimHost == host && !processAlive(pid)
		if fi, err := de.Info(); err == nil && time.Since(fi.ModTime()) > StaleClaimAge {
			stale = true
		}
		if !stale {
			continue
		}
		if err := restore(claim, filepath.Join(d.path, entry)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// parseClaim splits .claim.<host>.<pid>.<entry file>.
func parseClaim(name string) (host string, pid int, entry string, ok bool) {
	rest, ok := strings.CutPrefix(name, claimPrefix)
	if !ok {
		return "", 0, "", false
	}
	parts := strings.SplitN(rest, ".", 3)
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return "", 0, "", false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return "", 0, "", false
	}
	return parts[0], pid, parts[2], true
}

// hostID is this host's name made safe for a file name and free of the
// '.' that separates a claim name's parts.
func hostID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	b := []byte(h)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}
