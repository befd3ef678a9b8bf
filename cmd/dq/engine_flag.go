package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dqlabs/dq/cmd/internal/earlyduck"
	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
)

// engineFlag is --engine: where a run computes its metrics. duckdb (the
// default) reads the data into embedded DuckDB; the others send the
// plan's statements to the engine that holds the data and get back only
// their one-row results. Each pushdown engine has one entry in backends;
// its own flags (e.g. Athena's workgroup) are fields here too, so that
// eval and explain take them alike.
type engineFlag struct {
	Engine string `enum:"duckdb,postgres,redshift,athena" default:"duckdb" placeholder:"duckdb|postgres|redshift|athena" help:"Where the metrics are computed: duckdb (embedded, the default) reads the data here; postgres and redshift run the rules' SQL in the database named by the data URL (postgres://user@host:port/db?table=schema.table; password from PGPASSWORD or ~/.pgpass); athena runs it in Amazon Athena over a glue://database/table."`

	// --athena-workgroup, --athena-output, --athena-catalog,
	// --max-scan-bytes (engine_athena.go).
	athenaFlags `embed:""`
}

// backendOpener opens a pushdown engine for the data argument. timeout is
// --timeout (0: none), which engines also enforce server-side.
type backendOpener func(ctx context.Context, f *engineFlag, data string, timeout time.Duration) (engine.Backend, error)

// backends are the pushdown engines by --engine name; duckdb is absent
// (it is the local path, not a Backend).
var backends = map[string]backendOpener{
	"postgres": openPostgres,
	"redshift": openPostgres,
	"athena": func(ctx context.Context, f *engineFlag, data string, timeout time.Duration) (engine.Backend, error) {
		return openAthena(ctx, &f.athenaFlags, data, timeout)
	},
}

// pushdown reports whether --engine names a pushdown engine.
func (f *engineFlag) pushdown() bool { return f.Engine != "" && f.Engine != "duckdb" }

// backend opens the engine --engine names, for the data argument.
func (f *engineFlag) backend(ctx context.Context, data string, timeout time.Duration) (engine.Backend, error) {
	open, ok := backends[f.Engine]
	if !ok {
		return nil, fmt.Errorf("--engine %s is not available in this build", f.Engine)
	}
	return open(ctx, f, data, timeout)
}

// check rejects engine flags that do not fit the run, before anything
// runs.
func (f *engineFlag) check(partition string) error {
	if err := f.athenaFlags.check(f.Engine); err != nil {
		return err
	}
	if f.pushdown() && partition != "" && f.Engine != "athena" {
		return fmt.Errorf("--partition is not applied with --engine %s: it selects partitions of a glue://database/table (--engine athena or duckdb); filter rows with the rules' where clauses", f.Engine)
	}
	// Athena reads only the selected partitions: the filter becomes a
	// WHERE on the partition columns of its statements.
	f.athenaFlags.partition = partition
	return nil
}

// evaluate runs rs on embedded DuckDB over the data argument or, with a
// pushdown --engine, on that engine (then reporting what it scanned). The
// embedded session is left open for the caller to end with closeSession
// (once, whatever err is) while it writes and records the result.
func (c *EvalCmd) evaluate(ctx context.Context, e *env, rs *dqdl.Ruleset, opts engine.Options) (res *engine.Result, closeSession func() error, err error) {
	// The DuckDB this process began opening as it started (earlyduck)
	// is this run's, if it runs on embedded DuckDB; else it is closed.
	early := earlyduck.Take()
	if !c.pushdown() {
		opts.Session.Opening = early
		res, closeSession, err = engine.EvaluateKeepOpen(ctx, rs, c.sourceOf(c.Data), opts)
		closeEngine := closeSession
		closeSession = func() error {
			err := closeEngine()
			_ = early.Close() // not taken when the run ended before opening its session
			return err
		}
		return res, closeSession, err
	}
	_ = early.Close()
	closeSession = func() error { return nil }
	b, err := c.backend(ctx, c.Data, c.Timeout)
	if err != nil {
		return nil, closeSession, err
	}
	defer b.Close()
	res, err = engine.EvaluateOnBackend(ctx, rs, b, backendReferences(c.Ref, opts))
	reportAthena(b, res, e.stderr, e.quiet)
	return res, closeSession, err
}

// backendReferences rebinds the --ref aliases for a pushdown engine: a
// reference that is not a local file or directory is named to the
// engine (a table of the primary's database, schema.table; a URL of the
// same database; glue://database/table), which joins it with the data
// where both live, or reports it as elsewhere (an s3:// path, another
// server), and then its rules ERROR saying references must be
// co-located. Local files stay local references, which a pushdown engine
// cannot join either.
func backendReferences(refs []string, opts engine.Options) engine.Options {
	local := map[string]engine.Source{}
	for a, s := range opts.References {
		local[a] = s
	}
	opts.References, opts.BackendReferences = local, map[string]string{}
	for _, r := range refs {
		alias, path, _ := strings.Cut(r, "=")
		alias, path = strings.TrimSpace(alias), strings.TrimSpace(path)
		if _, err := os.Stat(path); err == nil {
			continue
		}
		delete(local, alias)
		opts.BackendReferences[alias] = path
	}
	return opts
}
