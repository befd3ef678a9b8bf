package engine

import (
	"context"
	"database/sql"

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
	Describe(ctx context.Context, name string) (*Dataset, error)
	// QueryRow runs one statement that returns a single row of n numeric
	// columns. Cancelling ctx cancels the statement on the server.
	QueryRow(ctx context.Context, query string, n int) ([]sql.NullFloat64, error)
	// Close releases the backend's connections.
	Close() error
}
