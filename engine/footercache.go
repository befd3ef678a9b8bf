package engine

import (
	"fmt"
	"sync"

	"github.com/dqlabs/dq/engine/parquetstats"
	"github.com/dqlabs/dq/engine/statecache"
)

// The answers from Parquet footers (plan_metadata.go) need every file's
// footer on every run, and parsing one costs milliseconds of CPU (5 ms for
// a 1M-row taxi file with arrow-go's thrift reader): a scheduled check of
// a dataset that gains a file a day would parse the footers of all the
// others again each time. With the state cache on, each file's footer
// summary (parquetstats.File: row counts, null counts and the bounds the
// trust rules keep) is kept in the same store, under the same identity
// as the file's states (path, size, mtime, inode and ctime; bucket, key
// and ETag for S3 objects), so only new or changed files' footers are
// parsed. The entries are bounded, checksummed and replaced atomically
// with the states; one that cannot be read or decoded is a miss.

// footerScope names the store's footer entries and their version: a new
// parquetstats.SummaryVersion makes the old ones misses.
var footerScope = fmt.Sprintf("parquet footer summary v%d", parquetstats.SummaryVersion)

// footerCache is a parquetstats.Cache over a state cache store. A file's
// identity is taken before its footer is parsed and again after: a file
// that changed meanwhile is not cached (its summary may be of either
// version).
type footerCache struct {
	store *statecache.Store
	// ids, when set, are the identities of the files by path (the local
	// copies of S3 objects, whose own identity would never match).
	ids map[string]statecache.Identity
	// keep, when set, names the columns Get decodes: the plan needs the
	// statistics of the columns its expressions use only, and decoding
	// the others' would cost more than reading the entry.
	keep func(name string) bool

	mu   sync.Mutex
	seen map[string]statecache.Identity // by path: the identity Get saw
}

func newFooterCache(store *statecache.Store, files []string, ids []statecache.Identity, keep func(name string) bool) *footerCache {
	c := &footerCache{store: store, seen: map[string]statecache.Identity{}, keep: keep}
	if ids != nil && len(ids) == len(files) {
		c.ids = make(map[string]statecache.Identity, len(files))
		for i, f := range files {
			c.ids[f] = ids[i]
		}
	}
	return c
}

func (c *footerCache) identity(path string) (statecache.Identity, bool) {
	if c.ids != nil {
		id, ok := c.ids[path]
		return id, ok
	}
	id, err := statecache.LocalIdentity(path)
	return id, err == nil
}

// Get returns the file's cached summary (of the columns keep accepts),
// or nil.
func (c *footerCache) Get(path string) *parquetstats.File {
	id, ok := c.identity(path)
	if !ok {
		return nil
	}
	c.mu.Lock()
	c.seen[path] = id
	c.mu.Unlock()
	b := c.store.GetBytes(id, footerScope)
	if b == nil {
		return nil
	}
	f, err := parquetstats.UnmarshalFileColumns(b, c.keep)
	if err != nil {
		return nil
	}
	return f
}

// Put caches the summary of a file just parsed, unless the file is not
// the version Get saw.
func (c *footerCache) Put(path string, f *parquetstats.File) {
	c.mu.Lock()
	before, ok := c.seen[path]
	c.mu.Unlock()
	if !ok {
		return
	}
	if now, ok := c.identity(path); !ok || now != before {
		return
	}
	b, err := f.MarshalBinary()
	if err != nil {
		return
	}
	_ = c.store.PutBytes(before, footerScope, b) // unwritable: the next run parses again
}
