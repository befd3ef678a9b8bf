package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	// Registers the "duckdb" database/sql driver.
	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/dqlabs/dq/engine/duckopen"
	"github.com/dqlabs/dq/engine/statecache"
)

// SessionOptions bound what one evaluation may use.
type SessionOptions struct {
	// Threads is DuckDB's worker thread count; 0 = the CPUs this process
	// may use (runtime.GOMAXPROCS, which follows a container's CPU quota,
	// where DuckDB's own default counts the host's cores).
	Threads int
	// MemoryLimit caps DuckDB's memory, e.g. "2GB"; beyond it DuckDB spills
	// to TempDir. "" = DefaultMemoryLimit or DuckDB's default (80% of RAM),
	// whichever is smaller.
	MemoryLimit string
	Timeout     time.Duration // 0 = none; applied via context by callers, and by the session to its own queries
	// TempDir is where the session's private directory (DuckDB's spill
	// files, staged output) is made; "" = the system's temporary directory.
	// Close removes it, and a later session removes those left by a
	// process that died (see newSessionDir). (DuckDB's own default for an
	// in-memory database is ".tmp" in the working directory, which litters
	// the user's directory.)
	TempDir string
	// OutputPaths are files dq itself will write after Seal (the row-level
	// Parquet). Naming them here lets DuckDB write them in place; any other
	// path given to WriteRowLevel is written in the session's private
	// directory and then moved, which costs a copy across file systems.
	OutputPaths []string
	// Opening, when set, is a DuckDB already being opened (duckopen.Start,
	// begun early in the process) that the session takes over instead of
	// opening its own (one taken already counts as none; one that failed
	// fails the session, as its own opening would have).
	Opening *duckopen.Opening
	// CloseInBackground makes Close return without waiting for DuckDB to
	// end: it ends on a goroutine of its own (after a 1M-row scan,
	// returning its memory takes ~10 ms), while Close removes the private
	// directory at once. For a process that exits right after (the dq
	// CLI): the exit ends DuckDB wherever it got to, and none of it needs
	// to be durable (the database is in memory). Ignored on Windows, where
	// a file DuckDB holds open cannot be removed, and for OpenSessionOn.
	CloseInBackground bool
}

// Session is one DuckDB connection holding the registered datasets. A single
// *sql.Conn is essential: temporary views and tables, and Arrow
// registrations, are visible only on the connection that made them.
type Session struct {
	db      *sql.DB // owned (OpenSession) or nil (OpenSessionOn)
	conn    *sql.Conn
	opts    SessionOptions
	owned   bool   // we created the database, so we may lock it down
	private string // session-owned directory: spill, staged output; "" if none
	// privateLock holds the private directory's owner lock until Close.
	privateLock *os.File
	sealed      bool
	datasets    map[string]*Dataset // by lower-cased alias: DuckDB names ignore case

	allowedPaths   []string                      // data files the registered views read
	allowedOutputs map[string]string             // declared output (absolute) → its staging file beside it
	sourceFiles    map[string]localFiles         // by relation: what a Files source read
	remoteFiles    map[string]localFiles         // by relation: a Remote source's local Parquet copies (footers at least)
	deferred       []deferredFetch               // Remote data not fetched yet (ColumnNeed.Deferred)
	remoteStates   map[string]stateFiles         // by relation: the local copies a Remote source read, for the state cache
	temps          []string                      // temp objects to drop on Close (OpenSessionOn)
	unparseable    map[string][]UnparseableCount // by relation, set by sources during register
	glueTables     []glueTableOf                 // Remote sources that are Glue tables, by relation
	objectFiles    []string                      // Remote sources' local copies, for NameObjects…
	objectURLs     []string                      // …and the objects they copy
	cleanups       []func() error                // run on Close after the connection is gone (Remote sources' temporary copies)
	seq            int                           // for unique internal names
	// opening, when not nil, is closed once DuckDB has started in the
	// background (startSession), openErr saying why it did not.
	opening chan struct{}
	openErr error
	// footerReads are the footer reads started at registration, by
	// relation (footerprefetch.go), for the relation footersFor only:
	// the primary dataset, whose plan reads them.
	footerReads map[string]*footerRead
	footersFor  string
	// readsCtx is the footer reads' context, which stopReads ends when
	// the session closes: they outlive the registration that started
	// them.
	readsCtx  context.Context
	stopReads context.CancelFunc
	// stateCache, when set, keeps the columns of Parquet files between
	// runs (schemacache.go).
	stateCache *statecache.Store
	// pending are the statements of registrations that needed nothing
	// else from DuckDB (a dataset whose columns the cache knows), and
	// sealing, when Seal came before DuckDB had started: ready runs them,
	// in order, once it has. A run then plans while DuckDB starts
	// instead of after. pendingErr is why they did not all run.
	pending    []pendingStmt
	pendingErr error
	// known are the columns of relations whose registration knew them
	// exactly (by relation), so Register does not DESCRIBE them.
	known map[string][]Column
}

// pendingStmt is a statement left for ready, and the error to report
// when it fails (a source's, naming its location).
type pendingStmt struct {
	sql  string
	fail func(error) error
	seal bool // part of sealing, which runs even after a registration failed
}

// deferStmt leaves stmt to ready. A registration that defers its statements
// must not read anything from DuckDB itself.
func (s *Session) deferStmt(stmt string, fail func(error) error) {
	s.pending = append(s.pending, pendingStmt{sql: stmt, fail: fail})
}

// ready waits for DuckDB to have started and runs the pending statements;
// every use of the connection goes through it (or Conn).
func (s *Session) ready(ctx context.Context) error {
	if err := s.await(ctx); err != nil {
		return err
	}
	// After a failure the loop still runs what is left of sealing (an
	// interrupted call leaves it for the next).
	for len(s.pending) > 0 {
		p := s.pending[0]
		if s.pendingErr != nil && !p.seal {
			s.pending = s.pending[1:]
			continue
		}
		if _, err := s.conn.ExecContext(ctx, p.sql); err != nil {
			if ctx.Err() != nil {
				return err // not the statement's fault: it runs again next time
			}
			if p.seal {
				// An unsealed connection must not be handed out: closed,
				// it refuses every statement.
				s.pending = nil
				s.pendingErr = errors.Join(s.pendingErr, p.fail(err))
				_ = s.conn.Close()
				return s.pendingErr
			}
			// A registration failed: the run fails with its error, but
			// the session is still locked down before anything else can
			// run on it.
			s.pendingErr = p.fail(err)
		}
		s.pending = s.pending[1:]
	}
	return s.pendingErr
}

// Dataset is a registered relation.
type Dataset struct {
	Alias    string   // "primary" or a reference alias
	Relation string   // SQL text to put after FROM, already quoted, e.g. "primary" (with the double quotes)
	Columns  []Column // in order
	Location string   // human description: path/glob, "arrow stream", "query: ..."

	local localFiles // the files of a Files source; zero for others
	state stateFiles // the files the state cache keys states by; zero when none
	// Unparseable counts, per column read with FileOptions.ColumnTypes,
	// the values that did not convert and are NULL in the relation.
	Unparseable []UnparseableCount
}

// Column is one column of a dataset as DuckDB types it.
type Column struct{ Name, Type string }

// duckDSN disables extension auto-install/auto-load and community
// extensions (duckopen.DSN). Set at open, they hold until Seal locks the
// configuration (nothing of dq's changes them in between), so Seal need not
// set them again.
const duckDSN = duckopen.DSN

// OpenSession opens a new in-memory DuckDB limited by opts. Call Register
// for each dataset, then Seal before running any user SQL.
func OpenSession(ctx context.Context, opts SessionOptions) (*Session, error) {
	s, err := startSession(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := s.ready(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// startSession is OpenSession with DuckDB still starting in the
// background when it returns: opening a DuckDB database takes ~30 ms of
// CPU (registering its catalog of functions and extensions), which a
// Files or Remote source overlaps with listing its files, reading their
// cached columns and footers, or fetching objects. Everything that needs
// the connection calls await first; Close waits for the start to end.
func startSession(ctx context.Context, opts SessionOptions) (*Session, error) {
	s := &Session{opts: opts, owned: true, datasets: map[string]*Dataset{}, allowedOutputs: map[string]string{}, sourceFiles: map[string]localFiles{}, remoteFiles: map[string]localFiles{}}
	var err error
	if s.private, s.privateLock, err = newSessionDir(opts.TempDir); err != nil {
		return nil, fmt.Errorf("creating session directory: %w", err)
	}
	for _, p := range opts.OutputPaths {
		abs, err := filepath.Abs(p)
		if err == nil {
			var target string
			if target, err = outputTarget(abs); err == nil {
				// The file is written under a name of its own beside the
				// target and renamed over it (see WriteRowLevel); the
				// sandbox must know that name before it is sealed.
				s.allowedOutputs[abs] = stagingName(target)
				continue
			}
		}
		_ = s.Close()
		return nil, fmt.Errorf("output path %s: %w", p, err)
	}
	opening := make(chan struct{})
	s.opening = opening
	// The context ends the start, not the session: it is only read while
	// DuckDB starts.
	go func() {
		defer close(opening)
		s.openErr = s.bringUp(ctx)
	}()
	return s, nil
}

// await waits for DuckDB to have started (startSession) and returns why
// it did not, if it did not.
func (s *Session) await(ctx context.Context) error {
	if s.opening == nil {
		return s.openErr
	}
	select {
	case <-s.opening:
		return s.openErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bringUp opens the session's DuckDB and configures it. On failure it
// leaves nothing open.
func (s *Session) bringUp(ctx context.Context) (err error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	db, err := s.opts.Opening.Take(ctx)
	if err == nil && db == nil {
		db, err = duckopen.Open()
	}
	if err != nil {
		return fmt.Errorf("opening DuckDB: %w", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return fmt.Errorf("connecting to DuckDB: %w", err)
	}
	defer func() {
		if err != nil {
			conn.Close()
			db.Close()
		}
	}()
	// Spill inside the private directory even under opts.TempDir, so that
	// Close, or the next dq after a killed one, removes the spill files.
	spill := filepath.Join(s.private, "spill")
	threads := s.opts.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	settings := []string{"SET temp_directory = " + QuoteString(spill), fmt.Sprintf("SET threads = %d", threads),
		// Every statement of a run binds the dataset's view again, and
		// binding read_parquet reads and parses every file's footer: with
		// this cache the session parses each footer once (a dataset of 31
		// files was bound four times per run). The cache lives and dies
		// with the session's in-memory database, and DuckDB checks each
		// file's modification time before using an entry.
		"SET parquet_metadata_cache = true"}
	limit := s.opts.MemoryLimit
	if limit == "" {
		if limit, err = defaultMemoryLimit(ctx, conn); err != nil {
			return err
		}
	}
	if limit != "" {
		settings = append(settings, "SET memory_limit = "+QuoteString(limit))
	}
	for _, st := range settings {
		if _, err := conn.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("configuring DuckDB (%s): %w", st, err)
		}
	}
	s.db, s.conn = db, conn
	return nil
}

// DefaultMemoryLimit is the memory limit of a session whose options name
// none, unless DuckDB's own default (80% of RAM) is smaller. DuckDB's
// default lets one dq on a large machine take most of its memory before it
// spills, although a scan needs little and the grouping rules (Uniqueness,
// DistinctValuesCount, …) spill to disk efficiently: with this limit dq
// evaluates the 20-rule taxi benchmark on 100M rows within 2 GiB of RSS,
// and 10M rows no slower than with DuckDB's default.
const DefaultMemoryLimit = "1.5GiB"

const defaultMemoryLimitBytes = 1.5 * (1 << 30) // DefaultMemoryLimit

// defaultMemoryLimit is DefaultMemoryLimit, or "" when DuckDB's default
// is already smaller (a small machine or container).
func defaultMemoryLimit(ctx context.Context, conn *sql.Conn) (string, error) {
	var cur string
	if err := conn.QueryRowContext(ctx, "SELECT current_setting('memory_limit')").Scan(&cur); err != nil {
		return "", fmt.Errorf("reading DuckDB's memory limit: %w", err)
	}
	n, ok := parseDuckSize(cur)
	if ok && n <= defaultMemoryLimitBytes {
		return "", nil
	}
	return DefaultMemoryLimit, nil
}

// parseDuckSize reads a size as DuckDB prints settings: "18.8 GiB",
// "512.0 MiB", "1000 bytes".
func parseDuckSize(v string) (float64, bool) {
	num, unit, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	mult := map[string]float64{"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "PiB": 1 << 50,
		"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15}[unit]
	if mult == 0 {
		return 0, false
	}
	return n * mult, true
}

// OpenSessionOn uses a caller's DuckDB (library use). dq takes one
// connection from db and leaves the database's settings alone: locking them
// down is the caller's decision. Seal only stops further registrations, so
// untrusted SQL must still go through CheckReadOnly.
func OpenSessionOn(ctx context.Context, db *sql.DB) (*Session, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to DuckDB: %w", err)
	}
	return &Session{conn: conn, datasets: map[string]*Dataset{}, allowedOutputs: map[string]string{}, sourceFiles: map[string]localFiles{}, remoteFiles: map[string]localFiles{}}, nil
}

// Conn is the session's connection; all queries on the datasets must use
// it. It waits for DuckDB to have started and for the registrations and
// sealing left until then; a caller that wants their error calls Ready
// first.
func (s *Session) Conn() *sql.Conn {
	_ = s.ready(context.Background())
	return s.conn
}

// Ready waits until the session's DuckDB has started and its datasets'
// registrations and sealing (which may run late: Register and Seal do
// not wait for DuckDB when they need nothing from it) have completed,
// and returns why they failed, if they did.
func (s *Session) Ready(ctx context.Context) error {
	return s.ready(ctx)
}

// Close releases the connection and everything the session created.
func (s *Session) Close() error {
	if s.stopReads != nil {
		s.stopReads()
	}
	if s.opening != nil {
		<-s.opening
		s.opening = nil
	}
	var errs []error
	if s.owned && s.opts.CloseInBackground && runtime.GOOS != "windows" && (s.conn != nil || s.db != nil) {
		conn, db := s.conn, s.db
		s.conn, s.db = nil, nil
		go func() {
			// Nothing to report to: the session is gone, and an
			// in-memory database keeps nothing.
			if conn != nil {
				_ = conn.Close()
			}
			if db != nil {
				_ = db.Close()
			}
		}()
	}
	if s.conn != nil {
		if !s.owned {
			// The connection goes back to the caller's pool: our temp views
			// must not leak into whoever gets it next.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			for i := len(s.temps) - 1; i >= 0; i-- {
				if _, err := s.conn.ExecContext(ctx, s.temps[i]); err != nil {
					errs = append(errs, err)
				}
			}
			cancel()
			if len(errs) > 0 {
				// Could not clean up: make database/sql discard the
				// connection instead of pooling it (this also closes s.conn).
				_ = s.conn.Raw(func(any) error { return driver.ErrBadConn })
				s.conn = nil
			}
		}
		if s.conn != nil {
			errs = append(errs, s.conn.Close())
			s.conn = nil
		}
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
		s.db = nil
	}
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		errs = append(errs, s.cleanups[i]())
	}
	s.cleanups = nil
	if s.private != "" {
		errs = append(errs, os.RemoveAll(s.private))
		s.private = ""
	}
	if s.privateLock != nil {
		s.privateLock.Close()
		s.privateLock = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("closing session: %w", err)
	}
	return nil
}

func (s *Session) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.opts.Timeout > 0 {
		return context.WithTimeout(ctx, s.opts.Timeout)
	}
	return context.WithCancel(ctx)
}

func (s *Session) internalName(kind string) string {
	s.seq++
	return fmt.Sprintf("__dq_%s_%d", kind, s.seq)
}

// Register makes src available under alias (a temporary view or table named
// by the quoted alias) and describes its columns.
func (s *Session) Register(ctx context.Context, alias string, src Source) (*Dataset, error) {
	if s.sealed {
		return nil, fmt.Errorf("registering %q: session is sealed", alias)
	}
	if alias == "" {
		return nil, errors.New("registering a dataset: empty alias")
	}
	if src == nil {
		return nil, fmt.Errorf("registering %q: nil source", alias)
	}
	key := strings.ToLower(alias)
	if prev, dup := s.datasets[key]; dup {
		return nil, fmt.Errorf("registering %q: alias already used by %q (names ignore case)", alias, prev.Alias)
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rel := QuoteIdent(alias)
	loc, err := src.register(ctx, s, rel)
	if err != nil {
		return nil, err
	}
	cols, ok := s.known[rel]
	if !ok {
		if err := s.ready(ctx); err != nil {
			return nil, err
		}
		if cols, err = s.describe(ctx, rel); err != nil {
			return nil, &SourceError{Location: loc, Err: err}
		}
	}
	ds := &Dataset{Alias: alias, Relation: rel, Columns: cols, Location: loc, local: s.sourceFiles[rel], Unparseable: s.unparseable[rel]}
	if lf, ok := s.sourceFiles[rel]; ok {
		ds.state = stateFiles{files: lf.files, read: lf.read, uniform: lf.uniform}
	} else {
		ds.state = s.remoteStates[rel]
	}
	s.datasets[key] = ds
	return ds, nil
}

// Dataset returns the dataset registered under alias (case-insensitive).
func (s *Session) Dataset(alias string) (*Dataset, bool) {
	ds, ok := s.datasets[strings.ToLower(alias)]
	return ds, ok
}

// Relations maps each registered alias to its relation text, ready for
// RewriteRelations.
func (s *Session) Relations() map[string]string {
	m := make(map[string]string, len(s.datasets))
	for _, ds := range s.datasets {
		m[ds.Alias] = ds.Relation
	}
	return m
}

func (s *Session) describe(ctx context.Context, rel string) ([]Column, error) {
	return describeSQL(ctx, s.conn, "SELECT * FROM "+rel)
}

// Seal locks the session down before untrusted SQL runs. For a session from
// OpenSession, DuckDB may afterwards read only the registered data files and
// write only in the session's private directory and OutputPaths: no other
// file, no network, no extension install/load, no setting changes.
func (s *Session) Seal(ctx context.Context) error {
	if s.sealed {
		return nil
	}
	if !s.owned {
		s.sealed = true
		return nil
	}
	stmts := s.sealStatements()
	fail := func(st string) func(error) error {
		return func(err error) error { return fmt.Errorf("sealing session (%.60s): %w", st, err) }
	}
	if len(s.pending) > 0 {
		// Registrations wait for DuckDB: so does sealing, which must
		// come after them and before any other statement. ready runs
		// the pending statements before any other, and refuses to run
		// any once one has failed.
		for _, st := range stmts {
			s.pending = append(s.pending, pendingStmt{sql: st, fail: fail(st), seal: true})
		}
		s.sealed = true
		return nil
	}
	if err := s.await(ctx); err != nil {
		return err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	for _, st := range stmts {
		if _, err := s.conn.ExecContext(ctx, st); err != nil {
			return fail(st)(err)
		}
	}
	s.sealed = true
	return nil
}

// sealStatements lock the session down (Seal).
func (s *Session) sealStatements() []string {
	var outs []string
	for _, p := range sortedKeys(s.allowedOutputs) {
		// Only the staging file: WriteRowLevel renames it over the target
		// itself, and DuckDB's own tmp_<name> is never used.
		outs = append(outs, s.allowedOutputs[p])
	}
	// Order matters: the allow-lists cannot be changed once external access
	// is off, and nothing can be changed once the configuration is locked.
	stmts := []string{
		"SET allowed_paths = " + quoteStringList(append(append([]string{}, s.allowedPaths...), outs...)),
		"SET allowed_directories = " + quoteStringList([]string{s.private + string(filepath.Separator)}),
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	}
	return stmts
}

// CheckReadOnly vets untrusted user SQL (CustomSql): CheckReadOnlySQL's
// static rules, then DuckDB's parser, which serialises only a single SELECT
// statement (so WITH … INSERT and friends are refused whatever their
// spelling).
func (s *Session) CheckReadOnly(ctx context.Context, userSQL string) error {
	if err := CheckReadOnlySQL(userSQL); err != nil {
		return err
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var isErr bool
	var n int
	var msg sql.NullString
	err := s.conn.QueryRowContext(ctx,
		`SELECT coalesce(CAST(j->>'error' AS BOOLEAN), true), coalesce(json_array_length(j->'statements'), 0), j->>'error_message'
		 FROM (SELECT json_serialize_sql(?::VARCHAR) AS j)`, userSQL).Scan(&isErr, &n, &msg)
	if err != nil {
		return fmt.Errorf("checking SQL: %w", err)
	}
	switch {
	case isErr && msg.Valid && strings.Contains(msg.String, "Only SELECT"):
		// PIVOT/UNPIVOT subqueries are read-only but not serialisable;
		// the static check has already refused WITH … INSERT/UPDATE/DELETE.
		if mentionsPivot(userSQL) {
			return nil
		}
		return errors.New("only read-only queries are allowed")
	case isErr:
		// A syntax error: let the query itself report it with DuckDB's
		// full message and position.
		return nil
	case n != 1:
		return fmt.Errorf("only one SQL statement is allowed, found %d", n)
	}
	return nil
}

func mentionsPivot(userSQL string) bool {
	toks, err := tokenize(userSQL)
	if err != nil {
		return false
	}
	for _, t := range toks {
		if t.kind == tkWord && (strings.EqualFold(t.text, "pivot") || strings.EqualFold(t.text, "unpivot")) {
			return true
		}
	}
	return false
}

// SourceError reports a dataset that could not be read (missing file,
// unreadable format, failed query). Callers map it to "bad input" (exit 2).
type SourceError struct {
	Location string
	Err      error
}

func (e *SourceError) Error() string {
	if e.Location == "" {
		return e.Err.Error() // a Remote fetcher's error names its object or table itself
	}
	return fmt.Sprintf("reading %s: %v", e.Location, e.Err)
}
func (e *SourceError) Unwrap() error { return e.Err }

// deferredFetch is a Remote source's data still to fetch.
type deferredFetch struct {
	loc      string
	complete func(context.Context) error
}

// completeFetches fetches every Remote source's deferred data: before
// anything reads it.
func (s *Session) completeFetches(ctx context.Context) error {
	for len(s.deferred) > 0 {
		d := s.deferred[0]
		s.deferred = s.deferred[1:]
		if err := d.complete(ctx); err != nil {
			var se *SourceError
			if errors.As(err, &se) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return &SourceError{Location: d.loc, Err: err}
		}
	}
	return nil
}

// readyQuerier is the session's connection for the planner: its first
// statement waits for DuckDB and the registrations left until it started
// (ready), so a plan that asks DuckDB nothing is made while it starts.
type readyQuerier struct{ s *Session }

func (r readyQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := r.s.ready(ctx); err != nil {
		return nil, err
	}
	return r.s.conn.QueryContext(ctx, query, args...)
}

// dataQuerier is the session's connection for statements that may read
// the registered data: it fetches deferred data before the first, and
// keeps the error of that fetch for the run (a statement's own failure
// may be a rule's ERROR; the data not arriving is the run's).
type dataQuerier struct {
	s   *Session
	err error
}

func (d *dataQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if len(d.s.deferred) > 0 {
		if err := d.s.completeFetches(ctx); err != nil {
			d.err = err
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return d.s.Conn().QueryContext(ctx, query, args...)
}
