package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/dqlabs/dq/engine"
)

// ErrLocked is returned when another process keeps the store busy for
// longer than Options.LockTimeout.
var ErrLocked = errors.New("history store is locked by another dq process")

// ErrNewerSchema is returned for a store written by a newer dq.
var ErrNewerSchema = errors.New("history store was written by a newer version of dq")

// ErrNotExist is returned by Open with MustExist for a missing store.
var ErrNotExist = errors.New("no history store")

// Options tune a DuckDB store.
type Options struct {
	// LockTimeout bounds how long an operation waits for another process
	// that holds the store. 0 = 30 s.
	LockTimeout time.Duration
	// MustExist makes Open fail with ErrNotExist instead of creating the
	// store (the read-only commands: a typo must not create an empty one).
	MustExist bool
	// Now is the clock for recorded_at; nil = time.Now.
	Now func() time.Time
}

// DuckDB is the embedded store: one DuckDB database file. DuckDB allows one
// writing process per file, and a process holding the file blocks every
// other, so the file is attached only for the duration of each operation,
// under an advisory lock file (<path>.lock) that makes concurrent dq
// processes queue with bounded backoff instead of failing.
//
// The in-memory DuckDB the file is attached to lives from the first
// operation to Close: starting a DuckDB costs more than attaching a small
// file, and a dq eval reads and records through one store (open, the
// dynamic rules' snapshot, the recording), so that is one start instead of
// three.
type DuckDB struct {
	path string
	opts Options

	mu sync.Mutex // guards db
	db *sql.DB    // nil until the first operation, and after Close
}

// Open checks the store at path, creating it (and its directory) when it
// does not exist, and migrates an older schema.
func Open(ctx context.Context, path string, opts Options) (*DuckDB, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &DuckDB{path: path, opts: opts}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if opts.MustExist {
			return nil, fmt.Errorf("%w at %s (dq eval records one there)", ErrNotExist, path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("creating the history directory: %w", err)
		}
	}
	// Open only reads unless the schema is migrated, and migrate
	// checkpoints its steps itself.
	err := s.with(ctx, false, func(c *sql.Conn) error {
		if err := migrate(ctx, c, len(migrations)); err != nil {
			return err
		}
		return verify(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// verify reads every row of every table, so that a damaged store (a file
// truncated by a full disk or an interrupted copy, a flipped block) is
// reported when it is opened — before dq eval reads the data — rather than
// when the run is recorded after its result was printed. DuckDB opens such
// a file without complaint and reads blocks only when a query needs them.
// Hashing whole rows makes DuckDB read every column's blocks; a store of
// a million metrics takes a fraction of a second.
func verify(ctx context.Context, c *sql.Conn) error {
	for _, table := range []string{"dq_schema", "runs", "metrics", "exclusions"} {
		var n int64
		var h sql.NullInt64
		q := "SELECT count(*), CAST(bit_xor(hash(t)) % 1024 AS BIGINT) FROM " + table + " AS t"
		if err := c.QueryRowContext(ctx, q).Scan(&n, &h); err != nil {
			return &damagedError{err: fmt.Errorf("reading table %s: %w", table, err)}
		}
	}
	return nil
}

// damagedError marks a store that opened but cannot be read back.
type damagedError struct{ err error }

func (e *damagedError) Error() string { return e.err.Error() }
func (e *damagedError) Unwrap() error { return e.err }

// isLockConflict reports whether err is DuckDB refusing to open the file
// because another process holds it. Only that message means "wait": any
// other failure (a damaged file whose message mentions a "block", say)
// must be reported at once, not retried for LockTimeout and blamed on
// another process.
func isLockConflict(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Could not set lock on file")
}

// Path is the store's database file.
func (s *DuckDB) Path() string { return s.path }

// Close implements Store: it ends the in-memory DuckDB the operations
// used. The store file is detached after each operation, so it is
// complete whether or not Close is called; a later operation starts a new
// DuckDB.
func (s *DuckDB) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// instance returns the in-memory DuckDB, starting it on first use.
func (s *DuckDB) instance() (*sql.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		// One thread: the store's queries are tiny, and a thread pool
		// would cost more than they do. A checkpoint threshold of 0
		// makes every commit that writes checkpoint at once, into the
		// file, without first writing (and syncing) the same changes to
		// a write-ahead log that the checkpoint would then fold in.
		db, err := sql.Open("duckdb", "?threads=1&checkpoint_threshold=0KB&autoinstall_known_extensions=false&autoload_known_extensions=false")
		if err != nil {
			return nil, err
		}
		s.db = db
	}
	return s.db, nil
}

// discard closes db, the instance an operation failed in, unless Close or
// another operation has already replaced it: a store file that could not
// be detached cleanly must not stay attached to (and locked by) it.
func (s *DuckDB) discard(db *sql.DB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == db {
		s.db = nil
	}
	db.Close()
}

// with runs fn on a connection to the store, holding the lock file. An
// operation that writes (write) is checkpointed into the store file before
// the lock is released; one that only reads leaves the file as it was,
// byte for byte (a damaged store found by verify stays untouched).
func (s *DuckDB) with(ctx context.Context, write bool, fn func(*sql.Conn) error) error {
	deadline := time.Now().Add(s.opts.LockTimeout)
	lf, err := os.OpenFile(s.path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("opening the history lock file: %w", err)
	}
	defer lf.Close()
	if err := retry(ctx, deadline, func() (bool, error) { return tryLock(lf) }); err != nil {
		return fmt.Errorf("history store %s: %w", s.path, err)
	}
	defer unlock(lf)

	db, err := s.instance()
	if err != nil {
		return fmt.Errorf("history store %s: starting DuckDB: %w", s.path, err)
	}
	var conn *sql.Conn
	// Another program (the duckdb CLI, a process without the lock file)
	// may still hold DuckDB's own lock: retry that too.
	err = retry(ctx, deadline, func() (bool, error) {
		var err error
		conn, err = s.attach(ctx, db)
		if isLockConflict(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		if errors.Is(err, ErrLocked) || ctx.Err() != nil {
			return fmt.Errorf("history store %s: %w", s.path, err)
		}
		if strings.Contains(err.Error(), "replaying WAL") {
			// Runs recorded since the last checkpoint are in the log, and
			// replaying it reads the file they extend: a truncated or
			// damaged file shows here rather than in verify.
			return fmt.Errorf("history store %s is damaged (truncated or corrupt): %v. "+
				"dq left it untouched: move it aside (with %s.wal) to start a new history, or restore it from a backup", s.path, firstLine(err), filepath.Base(s.path))
		}
		return fmt.Errorf("history store %s cannot be opened; it is not a DuckDB database or it is damaged. "+
			"dq left it untouched: move it aside to start a new history. (%v)", s.path, firstLine(err))
	}
	err = fn(conn)
	if derr := detach(conn, write); derr != nil {
		s.discard(db)
		if err == nil {
			err = fmt.Errorf("history store %s: writing it: %w", s.path, derr)
		}
	}
	var de *damagedError
	if errors.As(err, &de) {
		return fmt.Errorf("history store %s is damaged (truncated or corrupt): %v. "+
			"dq left it untouched: move it aside to start a new history, or restore it from a backup", s.path, firstLine(de.err))
	}
	return err
}

// attach attaches the store file to db on a new connection and makes it
// the connection's default catalog. The path goes into ATTACH as a quoted
// string, never into the driver's DSN: the DSN is a URL whose "?" starts
// DuckDB options and whose ":memory:" means no file at all, so a --history
// value such as "h.duckdb?access_mode=read_only" would set options instead
// of naming the file it spells.
func (s *DuckDB) attach(ctx context.Context, db *sql.DB) (*sql.Conn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// An absolute path also keeps a file named ":memory:" a file.
	file, err := filepath.Abs(s.path)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "ATTACH "+engine.QuoteString(file)+" AS "+storeAlias+" (TYPE duckdb)"); err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "USE "+storeAlias); err != nil {
		detach(conn, false)
		return nil, err
	}
	return conn, nil
}

// detach releases the store file. After a write (checkpoint) it first
// folds what the operation committed into the file, so that between
// operations the file is the whole history (one file to copy, back up or
// cache between CI jobs; no write-ahead log beside it) and no DuckDB holds
// it; the explicit CHECKPOINT reports a failure that DETACH would not. It
// runs on a fresh context: an operation cancelled half-way must still let
// go of the file.
func detach(conn *sql.Conn, checkpoint bool) error {
	defer conn.Close()
	ctx := context.Background()
	var errs []error
	stmts := []string{"USE memory", "DETACH " + storeAlias}
	if checkpoint {
		stmts = append([]string{"CHECKPOINT " + storeAlias}, stmts...)
	}
	for _, st := range stmts {
		if _, err := conn.ExecContext(ctx, st); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", st, err))
		}
	}
	return errors.Join(errs...)
}

// storeAlias is the catalog name the store file is attached under.
const storeAlias = "dq_history"

// retry calls try until it succeeds, fails, the deadline passes (ErrLocked)
// or ctx ends, sleeping with exponential backoff and jitter so that
// waiting processes do not retry in lockstep.
func retry(ctx context.Context, deadline time.Time, try func() (bool, error)) error {
	wait := 5 * time.Millisecond
	for {
		ok, err := try()
		if err != nil || ok {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return ErrLocked
		}
		d := min(wait+rand.N(wait), left)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
		wait = min(2*wait, 250*time.Millisecond)
	}
}

func firstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// migrations[i] takes the schema from version i to i+1. Never edit one that
// shipped: add a new one.
var migrations = []string{
	// 1: runs and their metrics. dataset_id and run_at are repeated in
	// metrics because every read filters and orders on them.
	`CREATE TABLE runs (
		result_id    VARCHAR PRIMARY KEY,
		dataset_id   VARCHAR NOT NULL,
		ruleset_name VARCHAR NOT NULL,
		run_at       TIMESTAMP NOT NULL,
		score        DOUBLE,
		recorded_at  TIMESTAMP NOT NULL
	);
	CREATE TABLE metrics (
		result_id  VARCHAR NOT NULL,
		dataset_id VARCHAR NOT NULL,
		run_at     TIMESTAMP NOT NULL,
		metric     VARCHAR NOT NULL,
		value      DOUBLE NOT NULL,
		source     VARCHAR NOT NULL
	);`,
	// 2: points excluded from dynamic calculations (Glue's statistic
	// annotations). A table rather than a column, so that excluding is an
	// insert and the metrics stay append-only.
	`CREATE TABLE exclusions (
		result_id   VARCHAR NOT NULL,
		metric      VARCHAR NOT NULL,
		excluded_at TIMESTAMP NOT NULL,
		PRIMARY KEY (result_id, metric)
	);`,
	// 3: each run's rule outcomes, a JSON array of RuleOutcome (NULL for
	// runs recorded before), read back with the run for outcome strips.
	`ALTER TABLE runs ADD COLUMN rules VARCHAR;`,
}

// migrate brings the schema to version target, one transaction per step,
// so an interrupted migration leaves a consistent older version.
func migrate(ctx context.Context, c *sql.Conn, target int) error {
	v, err := schemaVersion(ctx, c)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("%w (schema version %d; this dq reads up to version %d): upgrade dq, or use another store", ErrNewerSchema, v, len(migrations))
	}
	migrated := false
	for v < target {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrating the history schema to version %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE dq_schema SET version = ?", v+1); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrating the history schema to version %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrating the history schema to version %d: %w", v+1, err)
		}
		v++
		migrated = true
	}
	if migrated {
		if _, err := c.ExecContext(ctx, "CHECKPOINT"); err != nil {
			return fmt.Errorf("migrating the history schema: %w", err)
		}
	}
	return nil
}

// schemaVersion reads the version, creating the version table in an empty
// database. A database with other tables is not ours: refuse it rather
// than add tables to someone's data.
func schemaVersion(ctx context.Context, c *sql.Conn) (int, error) {
	var ours, others int
	err := c.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE table_name = 'dq_schema'), count(*) FILTER (WHERE table_name <> 'dq_schema')
		FROM information_schema.tables WHERE table_catalog = current_database()`).Scan(&ours, &others)
	if err != nil {
		return 0, fmt.Errorf("reading the history schema: %w", err)
	}
	if ours == 0 {
		if others > 0 {
			return 0, errors.New("the database has tables but is not a dq history store")
		}
		if _, err := c.ExecContext(ctx, "CREATE TABLE dq_schema (version INTEGER NOT NULL); INSERT INTO dq_schema VALUES (0)"); err != nil {
			return 0, fmt.Errorf("creating the history schema: %w", err)
		}
		return 0, nil
	}
	var v int
	if err := c.QueryRowContext(ctx, "SELECT version FROM dq_schema").Scan(&v); err != nil {
		return 0, fmt.Errorf("reading the history schema version: %w", err)
	}
	return v, nil
}

// Record implements Store: the run and all its metrics in one transaction,
// so a crash or a concurrent reader never sees half a run.
func (s *DuckDB) Record(ctx context.Context, run Run) error {
	if run.ResultID == "" || run.DatasetID == "" {
		return errors.New("recording a run: result id and dataset id are required")
	}
	return s.with(ctx, true, func(c *sql.Conn) error {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		at := run.At.UTC()
		var rules any // NULL when the run has none
		if len(run.Rules) > 0 {
			b, err := json.Marshal(run.Rules)
			if err != nil {
				return fmt.Errorf("recording run %s: %w", run.ResultID, err)
			}
			rules = string(b)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO runs (result_id, dataset_id, ruleset_name, run_at, score, recorded_at, rules) VALUES (?, ?, ?, ?, ?, ?, ?)",
			run.ResultID, run.DatasetID, run.RulesetName, at, run.Score, s.opts.Now().UTC(), rules); err != nil {
			return fmt.Errorf("recording run %s: %w", run.ResultID, err)
		}
		// Multi-row inserts: one statement per 200 metrics instead of one
		// round trip each keeps AllStatistics runs cheap to record.
		const chunk = 200
		for i := 0; i < len(run.Metrics); i += chunk {
			ms := run.Metrics[i:min(i+chunk, len(run.Metrics))]
			var b strings.Builder
			args := make([]any, 0, 6*len(ms))
			b.WriteString("INSERT INTO metrics VALUES ")
			for j, m := range ms {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?, ?, ?, ?, ?)")
				args = append(args, run.ResultID, run.DatasetID, at, m.Name, m.Value, m.Source)
			}
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("recording the metrics of run %s: %w", run.ResultID, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("recording run %s: %w", run.ResultID, err)
		}
		return nil
	})
}

// Snapshot implements Store.
func (s *DuckDB) Snapshot(ctx context.Context, datasetID string, before time.Time, perMetric int) (map[string][]engine.Point, error) {
	out := map[string][]engine.Point{}
	err := s.with(ctx, false, func(c *sql.Conn) error {
		rows, err := c.QueryContext(ctx, `
			SELECT metric, run_at, value FROM (
				SELECT m.metric, m.run_at, m.value,
					row_number() OVER (PARTITION BY m.metric ORDER BY m.run_at DESC, m.result_id DESC) AS rn
				FROM metrics m ANTI JOIN exclusions e ON e.result_id = m.result_id AND e.metric = m.metric
				WHERE m.dataset_id = ? AND m.run_at < ?
			) WHERE rn <= ? ORDER BY metric, rn`, datasetID, before.UTC(), perMetric)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m string
			var p engine.Point
			if err := rows.Scan(&m, &p.At, &p.Value); err != nil {
				return err
			}
			p.At = p.At.UTC()
			out[m] = append(out[m], p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Runs implements Store.
func (s *DuckDB) Runs(ctx context.Context, q RunQuery) ([]Run, error) {
	var runs []Run
	err := s.with(ctx, false, func(c *sql.Conn) error {
		where, args := []string{"true"}, []any{}
		if q.DatasetID != "" {
			where, args = append(where, "dataset_id = ?"), append(args, q.DatasetID)
		}
		if q.ResultID != "" {
			where, args = append(where, "result_id = ?"), append(args, q.ResultID)
		}
		if !q.Since.IsZero() {
			where, args = append(where, "run_at >= ?"), append(args, q.Since.UTC())
		}
		query := "SELECT result_id, dataset_id, ruleset_name, run_at, score, rules FROM runs WHERE " + strings.Join(where, " AND ") +
			" ORDER BY run_at DESC, result_id DESC"
		if q.Limit > 0 {
			query += fmt.Sprintf(" LIMIT %d", q.Limit)
		}
		rows, err := c.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("listing runs: %w", err)
		}
		defer rows.Close()
		index := map[string]int{}
		for rows.Next() {
			var r Run
			var score sql.NullFloat64
			var rules sql.NullString
			if err := rows.Scan(&r.ResultID, &r.DatasetID, &r.RulesetName, &r.At, &score, &rules); err != nil {
				return err
			}
			if rules.Valid {
				if err := json.Unmarshal([]byte(rules.String), &r.Rules); err != nil {
					return fmt.Errorf("reading the rule outcomes of run %s: %w", r.ResultID, err)
				}
			}
			r.At = r.At.UTC()
			if score.Valid {
				r.Score = &score.Float64
			}
			index[r.ResultID] = len(runs)
			runs = append(runs, r)
		}
		if err := rows.Err(); err != nil || !q.WithMetrics || len(runs) == 0 {
			return err
		}
		mrows, err := c.QueryContext(ctx, `
			SELECT m.result_id, m.metric, m.value, m.source, e.result_id IS NOT NULL
			FROM metrics m LEFT JOIN exclusions e ON e.result_id = m.result_id AND e.metric = m.metric
			WHERE m.result_id IN (SELECT result_id FROM runs WHERE `+strings.Join(where, " AND ")+`)
			ORDER BY m.result_id, m.metric`, args...)
		if err != nil {
			return fmt.Errorf("listing metrics: %w", err)
		}
		defer mrows.Close()
		for mrows.Next() {
			var id string
			var m Metric
			if err := mrows.Scan(&id, &m.Name, &m.Value, &m.Source, &m.Excluded); err != nil {
				return err
			}
			if i, ok := index[id]; ok {
				runs[i].Metrics = append(runs[i].Metrics, m)
			}
		}
		return mrows.Err()
	})
	return runs, err
}

// Prune implements Store.
func (s *DuckDB) Prune(ctx context.Context, datasetID string, before time.Time) (int, error) {
	var n int
	err := s.with(ctx, true, func(c *sql.Conn) error {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		sel := "SELECT result_id FROM runs WHERE run_at < ? AND (? = '' OR dataset_id = ?)"
		args := []any{before.UTC(), datasetID, datasetID}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM ("+sel+")", args...).Scan(&n); err != nil {
			return fmt.Errorf("pruning: %w", err)
		}
		for _, t := range []string{"exclusions", "metrics", "runs"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE result_id IN ("+sel+")", args...); err != nil {
				return fmt.Errorf("pruning %s: %w", t, err)
			}
		}
		return tx.Commit()
	})
	return n, err
}

// SetExcluded implements Store.
func (s *DuckDB) SetExcluded(ctx context.Context, resultID string, metrics []string, excluded bool) (int, error) {
	var n int
	err := s.with(ctx, true, func(c *sql.Conn) error {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		have := map[string]bool{}
		rows, err := tx.QueryContext(ctx, "SELECT metric FROM metrics WHERE result_id = ?", resultID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var m string
			if err := rows.Scan(&m); err != nil {
				rows.Close()
				return err
			}
			have[m] = true
		}
		rows.Close()
		if len(have) == 0 {
			return fmt.Errorf("no recorded run %s with metrics", resultID)
		}
		if len(metrics) == 0 {
			for m := range have {
				metrics = append(metrics, m)
			}
		}
		for _, m := range metrics {
			if !have[m] {
				return fmt.Errorf("run %s has no metric %s", resultID, m)
			}
			var res sql.Result
			if excluded {
				res, err = tx.ExecContext(ctx, "INSERT INTO exclusions VALUES (?, ?, ?) ON CONFLICT DO NOTHING", resultID, m, s.opts.Now().UTC())
			} else {
				res, err = tx.ExecContext(ctx, "DELETE FROM exclusions WHERE result_id = ? AND metric = ?", resultID, m)
			}
			if err != nil {
				return fmt.Errorf("updating exclusions: %w", err)
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return tx.Commit()
	})
	return n, err
}

var _ Store = (*DuckDB)(nil)
