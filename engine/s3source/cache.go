package s3source

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// DefaultCacheBytes bounds the cache when Options.MaxCacheBytes is 0.
const DefaultCacheBytes = 10 << 30

// DefaultCacheDir is <user cache dir>/dq/s3.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory (use --no-cache): %w", err)
	}
	return filepath.Join(d, "dq", "s3"), nil
}

// span is a half-open byte range [Off, End).
type span struct{ Off, End int64 }

// spans is a sorted list of disjoint, non-adjacent ranges.
type spans []span

func (s spans) add(r span) spans {
	if r.End <= r.Off {
		return s
	}
	out := make(spans, 0, len(s)+1)
	for _, x := range s {
		switch {
		case x.End < r.Off || x.Off > r.End:
			out = append(out, x)
		default:
			r = span{min(r.Off, x.Off), max(r.End, x.End)}
		}
	}
	out = append(out, r)
	sort.Slice(out, func(i, j int) bool { return out[i].Off < out[j].Off })
	return out
}

// missing is the parts of want not covered by s.
func (s spans) missing(want span) spans {
	var out spans
	cur := want.Off
	for _, x := range s {
		if x.End <= cur || x.Off >= want.End {
			continue
		}
		if x.Off > cur {
			out = append(out, span{cur, x.Off})
		}
		cur = max(cur, x.End)
	}
	if cur < want.End {
		out = append(out, span{cur, want.End})
	}
	return out
}

func (s spans) bytes() int64 {
	var n int64
	for _, x := range s {
		n += x.End - x.Off
	}
	return n
}

// entry is one cached object: a data file of the object's full size
// (sparse where nothing was fetched) and a sidecar recording which byte
// ranges hold the object's bytes. The sidecar is written, atomically,
// only after the ranges it lists are on disk, so a crash or a failed
// fetch never makes holes count as data.
type entry struct {
	data, meta string
	Bucket     string `json:"bucket"`
	Key        string `json:"key"`
	ETag       string `json:"etag"`
	Size       int64  `json:"size"`
	Filled     spans  `json:"filled"`
}

func entryPaths(dir string, o Object) (data, meta string) {
	h := sha256.Sum256([]byte(o.Bucket + "\x00" + o.Key + "\x00" + o.ETag))
	name := hex.EncodeToString(h[:20])
	sub := filepath.Join(dir, name[:2])
	return filepath.Join(sub, name+".data"), filepath.Join(sub, name+".json")
}

// openEntry loads the cache entry of o, or starts an empty one.
func openEntry(dir string, o Object) (*entry, error) {
	data, meta := entryPaths(dir, o)
	e := &entry{data: data, meta: meta, Bucket: o.Bucket, Key: o.Key, ETag: o.ETag, Size: o.Size}
	b, err := os.ReadFile(meta)
	if err == nil {
		var old entry
		if json.Unmarshal(b, &old) == nil && old.ETag == o.ETag && old.Size == o.Size && old.Key == o.Key && old.Bucket == o.Bucket {
			if st, err := os.Stat(data); err == nil && st.Size() == o.Size {
				e.Filled = old.Filled
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(data), 0o700); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return e, nil
}

// save records e.Filled, atomically, and marks the entry recently used.
func (e *entry) save() error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(e.meta), ".meta-*")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), e.meta); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// createEmpty makes the data file of a 0-byte object, which no fetch
// ever writes, and records the entry.
func (e *entry) createEmpty() error {
	f, err := os.OpenFile(e.data, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return e.save()
}

// touch marks the entry as used now, for LRU eviction.
func (e *entry) touch() {
	now := time.Now()
	_ = os.Chtimes(e.meta, now, now)
}

// evict removes least recently used entries until the filled bytes of the
// cache are within max. Entries in keep (this run's) stay.
func evict(dir string, max int64, keep map[string]bool) error {
	type item struct {
		meta, data string
		bytes      int64
		used       time.Time
	}
	var items []item
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		var e entry
		if json.Unmarshal(b, &e) != nil {
			return nil
		}
		it := item{meta: p, data: strings.TrimSuffix(p, ".json") + ".data", bytes: e.Filled.bytes(), used: info.ModTime()}
		items = append(items, it)
		total += it.bytes
		return nil
	})
	if err != nil || total <= max {
		return err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].used.Before(items[j].used) })
	for _, it := range items {
		if total <= max {
			break
		}
		if keep[it.meta] {
			continue
		}
		os.Remove(it.meta)
		os.Remove(it.data)
		total -= it.bytes
	}
	return nil
}
