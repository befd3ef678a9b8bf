package engine

import (
	"context"
	"slices"

	"github.com/dqlabs/dq/engine/parquetstats"
	"github.com/dqlabs/dq/engine/statecache"
)

// footerRead is the reading of a dataset's Parquet footers (or their
// summaries from the state cache), started when the files were listed so
// that it runs while DuckDB starts (startSession) instead of after; the
// plan takes its result (readParquetFooters).
type footerRead struct {
	files []string
	store *statecache.Store
	done  chan struct{}
	ds    *parquetstats.Dataset
	err   error
}

// prefetchFooters starts reading the footers of the files of rel, the
// statistics of the columns need wants only (the plan's expressions name
// no others). The read outlives the registration that starts it (and its
// context): Close ends it.
func (s *Session) prefetchFooters(rel string, files []string, need ColumnNeed) {
	if s.footerReads == nil {
		s.footerReads = map[string]*footerRead{}
		s.readsCtx, s.stopReads = context.WithCancel(context.Background())
	}
	ctx := s.readsCtx
	fr := &footerRead{files: files, store: s.stateCache, done: make(chan struct{})}
	var keep func(string) bool
	if !need.All {
		keep = need.Wants
	}
	var cache parquetstats.Cache
	if fr.store != nil {
		cache = newFooterCache(fr.store, files, nil, keep)
	}
	go func() {
		defer close(fr.done)
		fr.ds, fr.err = parquetstats.ReadCachedColumns(ctx, files, cache, keep)
	}()
	s.footerReads[rel] = fr
}

// readParquetFooters reads the footers of files, the dataset of rel,
// through store (nil: none), or takes them from the read prefetchFooters
// started for the same files and store. ids are the files' identities for
// local copies of remote objects (nil: their own). The Dataset has at
// least the columns keep accepts (nil: all): a prefetched one has those
// of the registration's column need, which name every column the plan's
// expressions use.
func (s *Session) readParquetFooters(ctx context.Context, rel string, files []string, ids []statecache.Identity, store *statecache.Store, keep func(name string) bool) (*parquetstats.Dataset, error) {
	if fr := s.footerReads[rel]; fr != nil && ids == nil && fr.store == store && slices.Equal(fr.files, files) {
		select {
		case <-fr.done:
			return fr.ds, fr.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var cache parquetstats.Cache
	if store != nil {
		cache = newFooterCache(store, files, ids, keep)
	}
	return parquetstats.ReadCachedColumns(ctx, files, cache, keep)
}
