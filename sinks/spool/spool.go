// Package spool keeps results that a sink could not deliver, in a local
// directory, until `dq publish DIR` re-sends them.
//
// Each entry is one JSON file, <ResultId>.<sink key>.json, holding the
// result (in dq's documented JSON schema, see sinks/jsonout), an opaque
// description of the sink to re-send it to, the last error and the number
// of attempts. Spooling the same run for the same sink again replaces the
// entry, so a run is never re-sent twice to one destination by the spool;
// and a publisher claims an entry before sending it (see Claim), so two
// concurrent `dq publish` runs never both send it.
// Entries are written atomically and contain no credentials: the sink is
// described by its configuration, and credentials come from the AWS SDK's
// default chain when the entry is re-sent.
package spool

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
	"github.com/dqlabs/dq/sinks/jsonout"
)

// Entry is one undelivered result for one sink.
type Entry struct {
	// Sink is the sink's display name, for messages.
	Sink string `json:"sink"`
	// Key distinguishes the sinks one result is spooled for; it is part of
	// the file name, so it must be short and file-name safe.
	Key string `json:"key"`
	// Target is how the caller rebuilds the sink; the spool does not
	// interpret it.
	Target    json.RawMessage `json:"target"`
	Error     string          `json:"error"`
	Attempts  int             `json:"attempts"`
	SpooledAt time.Time       `json:"spooledAt"`
	// Result is the result as dq's JSON document.
	Result json.RawMessage `json:"result"`
}

// Item is an entry read back, with the file that holds it.
type Item struct {
	Path string
	Entry
}

// Decode returns the entry's result.
func (e Entry) Decode() (*engine.Result, error) {
	var r engine.Result
	if err := json.Unmarshal(e.Result, &r); err != nil {
		return nil, fmt.Errorf("decoding the spooled result: %w", err)
	}
	return &r, nil
}

// NewEntry encodes r for spooling.
func NewEntry(sink, key string, target any, r *engine.Result, cause error, attempts int, now time.Time) (Entry, error) {
	tj, err := json.Marshal(target)
	if err != nil {
		return Entry{}, fmt.Errorf("encoding the sink target: %w", err)
	}
	var doc bytes.Buffer
	if err := jsonout.Write(&doc, r); err != nil {
		return Entry{}, err
	}
	e := Entry{Sink: sink, Key: key, Target: tj, Attempts: attempts, SpooledAt: now.UTC(), Result: doc.Bytes()}
	if cause != nil {
		e.Error = cause.Error()
	}
	return e, nil
}

// Dir is a spool directory. The zero value is not usable; use Open.
type Dir struct{ path string }

// Open returns the spool at path; the directory is created on first Put.
func Open(path string) (Dir, error) {
	if path == "" {
		return Dir{}, errors.New("spool: empty directory name")
	}
	return Dir{path: path}, nil
}

// Path is the directory.
func (d Dir) Path() string { return d.path }

// Put stores e, replacing an earlier entry for the same result and sink,
// and returns the file's path.
func (d Dir) Put(ctx context.Context, resultID string, e Entry) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if e.Key == "" {
		return "", errors.New("spool: entry has no key")
	}
	if err := os.MkdirAll(d.path, 0o755); err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return "", fmt.Errorf("spool: encoding entry: %w", err)
	}
	path := filepath.Join(d.path, sinks.SafeID(resultID)+"."+sinks.SafeID(e.Key)+".json")
	tmp, err := os.CreateTemp(d.path, ".spool-*.tmp")
	if err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", fmt.Errorf("spool: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("spool: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("spool: writing %s: %w", path, err)
	}
	return path, nil
}

// List returns the entries in file-name order. A missing directory is an
// empty spool. An unreadable entry is an error naming its file: it must not
// be silently skipped, or its result would be lost.
func (d Dir) List() ([]Item, error) {
	des, err := os.ReadDir(d.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	var names []string
	for _, de := range des {
		if de.Type().IsRegular() && strings.HasSuffix(de.Name(), ".json") && !strings.HasPrefix(de.Name(), ".") {
			names = append(names, de.Name())
		}
	}
	sort.Strings(names)
	items := make([]Item, 0, len(names))
	for _, n := range names {
		path := filepath.Join(d.path, n)
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			// Claimed or delivered by another publisher since ReadDir:
			// not this run's to send, and not lost.
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
		var e Entry
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("spool: %s is not a spool entry: %w", path, err)
		}
		items = append(items, Item{Path: path, Entry: e})
	}
	return items, nil
}

// Remove deletes a delivered entry.
func (d Dir) Remove(it Item) error {
	if err := os.Remove(it.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}
