//go:build !duckdb_arrow

package engine

import (
	"context"
	"errors"
)

// Without the duckdb_arrow build tag duckdb-go has no Arrow API; fail
// clearly rather than at link time.
func (a arrowSource) register(context.Context, *Session, string) (string, error) {
	return "", &SourceError{Location: "arrow stream", Err: errors.New("dq was built without the duckdb_arrow tag; Arrow sources are unavailable")}
}
