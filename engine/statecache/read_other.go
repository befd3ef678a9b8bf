//go:build !(linux || darwin || freebsd)

package statecache

import (
	"errors"
	"io"
	"os"
	"time"
)

// readEntry returns an entry file's bytes and modification time.
func readEntry(path string) ([]byte, time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if !st.Mode().IsRegular() || st.Size() > maxEntryBytes {
		return nil, time.Time{}, errNotEntry
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, time.Time{}, err
	}
	return b, st.ModTime(), nil
}

var errNotEntry = errors.New("state cache: not an entry")
