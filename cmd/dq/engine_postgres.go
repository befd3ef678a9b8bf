package main

import (
	"context"
	"fmt"
	"time"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/postgres"
)

// openPostgres opens --engine postgres or redshift on a dataset URL. The
// URL's scheme and the flag must agree on the dialect; postgres:// with
// --engine redshift is the Redshift dialect (Redshift speaks the
// PostgreSQL wire protocol, so its users often write postgres:// URLs).
func openPostgres(ctx context.Context, f *engineFlag, data string, timeout time.Duration) (engine.Backend, error) {
	t, err := postgres.ParseURL(data)
	if err != nil {
		return nil, err
	}
	switch {
	case f.Engine == "redshift":
		t.Redshift = true
	case t.Redshift:
		return nil, fmt.Errorf("--engine %s with the redshift:// URL %s\n  hint: use --engine redshift, or a postgres:// URL for PostgreSQL", f.Engine, t.Display)
	}
	return postgres.OpenTarget(ctx, t, postgres.Options{StatementTimeout: timeout})
}
