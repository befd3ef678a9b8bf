package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestAsEnvironmentError classifies real DuckDB errors: only the machine
// or the file failing counts, never a rule's own mistake — even one whose
// text quotes words like "corrupt" or "checksum".
func TestAsEnvironmentError(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	if _, err := db.ExecContext(ctx, "COPY (SELECT range AS i FROM range(1000)) TO '"+good+"'"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "trunc.parquet")
	if err := os.WriteFile(trunc, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	tiny := filepath.Join(dir, "tiny.parquet")
	if err := os.WriteFile(tiny, b[:8], 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		query string
		want  EnvironmentKind // "" = not an environment failure
	}{
		{"SELECT count(*) FROM '" + trunc + "'", CorruptData},
		{"SELECT count(*) FROM '" + tiny + "'", CorruptData},
		{"SELECT count(*) FROM '" + filepath.Join(dir, "missing.parquet") + "'", ""},
		{"SELECT regexp_matches('a', '(corrupt')", ""},
		{"SELECT regexp_matches('a', '(Corrupt database file')", ""},
		{"SELECT \"checksum\" FROM (SELECT 1 AS x)", ""},
		{"SELECT CAST('corrupt' AS INTEGER)", ""},
		{"SELECT 1/0::INTEGER + 'x'", ""},
	}
	for _, tt := range tests {
		rows, err := db.QueryContext(ctx, tt.query)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		if err == nil {
			t.Errorf("%s: no error", tt.query)
			continue
		}
		got := AsEnvironmentError(fmt.Errorf("wrapped: %w", err))
		switch {
		case tt.want == "" && got != nil:
			t.Errorf("%s: classified %q, want a rule error (%v)", tt.query, got.Kind, err)
		case tt.want != "" && (got == nil || got.Kind != tt.want):
			t.Errorf("%s: got %v, want %q (%v)", tt.query, got, tt.want, err)
		}
	}

	// Out of memory: an aggregate DuckDB cannot spill, under a tiny limit.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, st := range []string{"SET memory_limit = '4MB'", "SET threads = 1"} {
		if _, err := conn.ExecContext(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	var s string
	err = conn.QueryRowContext(ctx, "SELECT string_agg(repeat('y', 100), ',') FROM range(200000)").Scan(&s)
	if ee := AsEnvironmentError(err); ee == nil || ee.Kind != OutOfMemory {
		t.Errorf("string_agg under 4MB: %v, want out of memory", err)
	}
	var ee *EnvironmentError
	if got := AsEnvironmentError(err); !errors.As(fmt.Errorf("x: %w", got), &ee) || ee.Hint() == "" {
		t.Errorf("EnvironmentError does not unwrap or has no hint")
	}
	if AsEnvironmentError(nil) != nil || AsEnvironmentError(errors.New("plain")) != nil {
		t.Error("non-DuckDB errors must not classify")
	}
}
