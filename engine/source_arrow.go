//go:build duckdb_arrow

package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

func (a arrowSource) register(ctx context.Context, s *Session, rel string) (string, error) {
	const loc = "arrow stream"
	if a.r == nil {
		return "", &SourceError{Location: loc, Err: errors.New("nil record reader")}
	}
	if err := s.ready(ctx); err != nil {
		return "", err
	}
	view := s.internalName("arrow")
	// The Arrow API needs the driver connection itself; inside Raw the
	// *sql.Conn is locked, so the copy runs on the driver connection too.
	err := s.conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		ex, ok := dc.(driver.ExecerContext)
		if !ok {
			return fmt.Errorf("driver connection %T cannot execute statements", dc)
		}
		ar, err := duckdb.NewArrowFromConn(dconn)
		if err != nil {
			return err
		}
		release, err := ar.RegisterView(a.r, view)
		if err != nil {
			return err
		}
		defer release()
		_, err = ex.ExecContext(ctx, "CREATE TEMP TABLE "+rel+" AS SELECT * FROM "+QuoteIdent(view), nil)
		_, dropErr := ex.ExecContext(ctx, "DROP VIEW IF EXISTS "+QuoteIdent(view), nil)
		return errors.Join(err, dropErr)
	})
	if err != nil {
		return "", &SourceError{Location: loc, Err: err}
	}
	s.temps = append(s.temps, "DROP TABLE IF EXISTS "+rel)
	return loc, nil
}
