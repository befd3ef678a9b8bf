package main

import (
	"context"
	"fmt"
	"time"

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
}

// backendOpener opens a pushdown engine for the data argument. timeout is
// --timeout (0: none), which engines also enforce server-side.
type backendOpener func(ctx context.Context, f *engineFlag, data string, timeout time.Duration) (engine.Backend, error)

// backends are the pushdown engines by --engine name; duckdb is absent
// (it is the local path, not a Backend).
var backends = map[string]backendOpener{
	"postgres": openPostgres,
	"redshift": openPostgres,
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

// check refuses flags that describe local data, which a pushdown engine
// does not read: they would be silently ignored.
func (f *engineFlag) check(d *dataFlags, rowsOut string) error {
	if !f.pushdown() {
		return nil
	}
	bad := ""
	switch {
	case rowsOut != "":
		bad = "--rows-out (row-level output needs every row, which stays in the database)"
	case len(d.Ref) > 0:
		bad = "--ref (reference datasets must be tables of the same database)"
	case d.Catalog != "":
		bad = "--catalog"
	case d.FormatIn != nil:
		bad = "--format-in"
	case d.Hive != nil:
		bad = "--hive"
	case d.MemoryLimit != "" || d.Threads != 0:
		bad = "--memory-limit/--threads (they size the embedded DuckDB)"
	}
	if bad != "" {
		return fmt.Errorf("--engine %s computes the metrics in the database and cannot take %s\n  hint: drop the flag, or evaluate with the embedded engine (--engine duckdb)", f.Engine, bad)
	}
	return nil
}

// evaluate runs the ruleset on the pushdown engine.
func (f *engineFlag) evaluate(ctx context.Context, rs *dqdl.Ruleset, data string, opts engine.Options, timeout time.Duration) (*engine.Result, error) {
	b, err := f.backend(ctx, data, timeout)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return engine.EvaluateOnBackend(ctx, rs, b, opts)
}

// explain plans the ruleset for the pushdown engine: the statements in its
// dialect and the rules it cannot run.
func (f *engineFlag) explain(ctx context.Context, rs *dqdl.Ruleset, data string, opts engine.Options, timeout time.Duration) (*engine.Plan, error) {
	b, err := f.backend(ctx, data, timeout)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return engine.ExplainOnBackend(ctx, rs, b, opts)
}
