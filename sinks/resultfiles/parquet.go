package resultfiles

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// duckType maps the Athena types the DDL declares to DuckDB's.
var duckType = map[string]string{
	"string":    "VARCHAR",
	"timestamp": "TIMESTAMP",
	"double":    "DOUBLE",
	"int":       "INTEGER",
	"bigint":    "BIGINT",
	// JSON objects, read by DuckDB's read_json into maps.
	"map<string,double>": "MAP(VARCHAR, DOUBLE)",
	"map<string,string>": "MAP(VARCHAR, VARCHAR)",
}

// DuckDBColumns renders cols as a DuckDB read_json columns={...} struct
// literal, keyed by the JSON keys: the way to read the JSON files with the
// types Athena gives them.
func DuckDBColumns(cols []Column) (string, error) {
	parts := make([]string, len(cols))
	for i, c := range cols {
		t, ok := duckType[c.Type]
		if !ok {
			return "", fmt.Errorf("column %s: no DuckDB type for %q", c.Key, c.Type)
		}
		parts[i] = fmt.Sprintf("%s: '%s'", sqlString(c.Key), t)
	}
	return "{" + strings.Join(parts, ", ") + "}", nil
}

// toParquet converts JSON Lines to a Parquet file with cols' types and
// lower-cased names (Athena's), going through the JSON so that both formats
// carry exactly the same values. It uses a private in-memory DuckDB rather
// than a Go Parquet library, which would add minutes to every cold build.
func toParquet(ctx context.Context, jsonl []byte, cols []Column) ([]byte, error) {
	dir, err := os.MkdirTemp("", "dq-parquet-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "out.parquet")
	if err := os.WriteFile(in, jsonl, 0o600); err != nil {
		return nil, err
	}
	spec, err := DuckDBColumns(cols)
	if err != nil {
		return nil, err
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		expr := sqlIdent(c.Key)
		if c.Type == "timestamp" {
			// DuckDB writes TIMESTAMP as INT64 microseconds, which not
			// every Athena engine version reads; TIMESTAMP_MS is written
			// as INT64 with the TIMESTAMP(MILLIS) logical type, which
			// Athena engine versions 2 and 3 both read. dq's timestamps
			// have millisecond precision, so nothing is lost.
			expr = "CAST(" + expr + " AS TIMESTAMP_MS)"
		}
		sel[i] = fmt.Sprintf("%s AS %s", expr, sqlIdent(strings.ToLower(c.Key)))
	}
	query := fmt.Sprintf(
		"COPY (SELECT %s FROM read_json(%s, format = 'newline_delimited', columns = %s)) TO %s (FORMAT parquet, COMPRESSION snappy)",
		strings.Join(sel, ", "), sqlString(in), spec, sqlString(out))

	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("opening DuckDB: %w", err)
	}
	defer db.Close()
	// One small file: a single thread avoids spinning up a pool per publish.
	if _, err := db.ExecContext(ctx, "SET threads = 1"); err != nil {
		return nil, fmt.Errorf("configuring DuckDB: %w", err)
	}
	if _, err := db.ExecContext(ctx, query); err != nil {
		return nil, fmt.Errorf("writing Parquet: %w", err)
	}
	return os.ReadFile(out)
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sqlIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
