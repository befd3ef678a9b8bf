package engine

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Backend is an engine that computes a plan's metrics where the data
// lives — Athena, Redshift, PostgreSQL — instead of embedded DuckDB: the
// plan's statements are rendered in its dialect and only their one-row
// results come back. Judging, results, history and sinks are the same
// as for a local run.
//
// Implementations live in their own packages (engine/postgres,
// engine/athena); the planner sees only this interface.
type Backend interface {
	// Dialect renders the plan's expressions for this engine.
	Dialect() *sqlexpr.Dialect
	// Describe resolves a dataset by the name the user gave (the primary
	// dataset is "primary"; references by their catalog names): the text
	// statements read FROM, already quoted in the dialect, and its columns
	// with types spelt as DuckDB spells them (INTEGER, BIGINT, DOUBLE,
	// DECIMAL(p,s), VARCHAR, DATE, TIMESTAMP, TIMESTAMP WITH TIME ZONE,
	// BOOLEAN...), because the planner's type rules are written in them.
	// A reference name may also be a URL of the engine's kind (a
	// postgres:// URL, glue://database/table); one naming a dataset
	// outside the engine is an error wrapping ErrNotColocated.
	Describe(ctx context.Context, name string) (*Dataset, error)
	// QueryRow runs one statement that returns a single row of n numeric
	// columns. Cancelling ctx cancels the statement on the server.
	QueryRow(ctx context.Context, query string, n int) ([]sql.NullFloat64, error)
	// Close releases the backend's connections.
	Close() error
}

// ErrNotColocated is wrapped by Backend.Describe when a reference names a
// dataset that lives outside the Backend's engine (another server or
// database, a file): cross-dataset statements join both sides in one
// engine, so the rules comparing with it ERROR, saying so.
var ErrNotColocated = errors.New("not in the same engine")

// UserQuerier is implemented by Backends that run CustomSql statements:
// the user's own query, already checked to be a single SELECT (or WITH …
// SELECT) over the engine's relations. QueryUser returns its column names
// and at most maxRows of its rows, each value read as a number (a value
// that is not one is an error, as DuckDB's CAST to DOUBLE is). The
// implementation must run it without write access (PostgreSQL: a READ
// ONLY transaction, rolled back) and under the run's statement timeout.
type UserQuerier interface {
	QueryUser(ctx context.Context, query string, maxRows int) (cols []string, rows [][]sql.NullFloat64, err error)
}
