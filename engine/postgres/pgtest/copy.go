package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// PGType is the PostgreSQL column type holding a DuckDB type's values
// exactly, for the types test data uses.
func PGType(duck string) (string, error) {
	switch {
	case duck == "BIGINT":
		return "bigint", nil
	case duck == "INTEGER":
		return "integer", nil
	case duck == "SMALLINT":
		return "smallint", nil
	case duck == "DOUBLE":
		return "double precision", nil
	case duck == "FLOAT":
		return "real", nil
	case duck == "VARCHAR":
		return "text", nil
	case duck == "BOOLEAN":
		return "boolean", nil
	case duck == "DATE":
		return "date", nil
	case duck == "TIMESTAMP":
		return "timestamp", nil
	case duck == "TIMESTAMP WITH TIME ZONE":
		return "timestamptz", nil
	case strings.HasPrefix(duck, "DECIMAL("):
		return "numeric" + strings.TrimPrefix(duck, "DECIMAL"), nil
	}
	return "", fmt.Errorf("no PostgreSQL type for DuckDB's %s", duck)
}

// CopyFromDuckDB creates table (in the connection's current schema) with
// the columns of query, run in duck, and copies its rows into it with
// COPY FROM (binary). It returns the column names and DuckDB types.
func CopyFromDuckDB(ctx context.Context, conn *pgx.Conn, duck *sql.DB, table, query string) (names, types []string, err error) {
	rows, err := duck.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+query+")")
	if err != nil {
		return nil, nil, fmt.Errorf("DuckDB: %w", err)
	}
	var defs []string
	for rows.Next() {
		var n, ty string
		if err := rows.Scan(&n, &ty); err != nil {
			rows.Close()
			return nil, nil, err
		}
		pt, err := PGType(ty)
		if err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("column %s: %w", n, err)
		}
		names, types = append(names, n), append(types, ty)
		defs = append(defs, pgx.Identifier{n}.Sanitize()+" "+pt)
	}
	rows.Close()
	if _, err := conn.Exec(ctx, "CREATE TABLE "+pgx.Identifier{table}.Sanitize()+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return nil, nil, err
	}
	rows, err = duck.QueryContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var data [][]any
	for rows.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		for i, v := range vals {
			if d, ok := v.(duckdb.Decimal); ok {
				vals[i] = pgtype.Numeric{Int: new(big.Int).Set(d.Value), Exp: -int32(d.Scale), Valid: true}
			}
		}
		data = append(data, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromRows(data)); err != nil {
		return nil, nil, fmt.Errorf("COPY into PostgreSQL: %w", err)
	}
	return names, types, nil
}
