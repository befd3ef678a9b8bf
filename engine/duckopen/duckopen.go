// Package duckopen opens the in-memory DuckDB an engine Session runs on.
//
// Opening DuckDB takes about 30 ms of CPU, three quarters of it only the
// first time in a process (its code is paged in, its allocator grows, its
// catalog of built-in functions is built for the first time): a second
// open in the same process takes under 10 ms. For a short run, such as a
// scheduled check whose files' states are cached, that first open is on
// the critical path. Start begins it in the background, so that a program
// can overlap it with the rest of its start-up and hand it to its session
// (engine.SessionOptions.Opening). The package imports nothing of dq's, so
// that a program's own early package can call Start while the others
// initialise (cmd/internal/earlyduck).
package duckopen

import (
	"context"
	"database/sql"
	"sync"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" driver
)

// DSN is how every session's DuckDB is opened. Extension auto-install and
// auto-load and community extensions are off: without network access an
// attempt to install httpfs otherwise hangs on a download before failing,
// and untrusted SQL must not pull in extensions at all. Set at open, they
// hold until a session seals its configuration.
const DSN = "?autoinstall_known_extensions=false&autoload_known_extensions=false&allow_community_extensions=false"

// Open opens a new in-memory DuckDB with DSN now. (duckdb-go opens the
// database in sql.Open; connections are cheap.)
func Open() (*sql.DB, error) {
	return sql.Open("duckdb", DSN)
}

// An Opening is a DuckDB being opened in the background, for one taker.
type Opening struct {
	done chan struct{}
	db   *sql.DB
	err  error

	mu    sync.Mutex
	taken bool // by Take or Close
}

// Start begins opening a DuckDB with DSN.
func Start() *Opening {
	o := &Opening{done: make(chan struct{})}
	go func() {
		defer close(o.done)
		o.db, o.err = Open()
	}()
	return o
}

// Take waits for the opening to end and hands over the database (or why
// it could not be opened) to its first caller, who must close it. Later
// callers, and callers after Close, get nil and no error: they open their
// own. A ctx that ends first leaves the database to be taken or closed.
func (o *Opening) Take(ctx context.Context) (*sql.DB, error) {
	if o == nil {
		return nil, nil
	}
	select {
	case <-o.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.taken {
		return nil, nil
	}
	o.taken = true
	return o.db, o.err
}

// Close closes the database unless it was taken, waiting for the opening
// to end. Calling it more than once, or after Take, is harmless.
func (o *Opening) Close() error {
	if o == nil {
		return nil
	}
	<-o.done
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.taken || o.db == nil {
		o.taken = true
		return nil
	}
	o.taken = true
	return o.db.Close()
}
