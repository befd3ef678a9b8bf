package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rowLevelFixture: six rows chosen so every outcome occurs.
//
//	id  att1  att2  n     "a b"
//	1   a     f     1     x
//	2   b     d     2     x
//	3   a     NULL  2     x
//	4   b     NULL  3     x
//	5   NULL  x     NULL  x
//	6   a     y     5     x
const rowLevelFixture = `COPY (SELECT * FROM (VALUES
	(1, 'a', 'f', 1, 'x'), (2, 'b', 'd', 2, 'x'), (3, 'a', NULL, 2, 'x'),
	(4, 'b', NULL, 3, 'x'), (5, NULL, 'x', NULL, 'x'), (6, 'a', 'y', 5, 'x'))
	AS t(id, att1, att2, n, "a b")) TO '{dir}/in.parquet' (FORMAT parquet)`

const (
	r0 = `IsComplete "att2" where "att1 = 'a'"`
	r1 = `RowCount > 3`
	r2 = `ColumnValues "n" > 1`
	r3 = `IsUnique "n"`
	r4 = `CustomSql "n <= max n of its att1 group"`
)

var rowLevelChecks = []RowCheck{
	{Rule: r0, Predicate: `"att2" IS NOT NULL`, Filter: `"att1" = 'a'`},
	{Rule: r1},
	{Rule: r2, Predicate: `"n" > 1`},
	{Rule: r3, Predicate: `count(*) OVER (PARTITION BY "n") = 1`},
	// Correlated subquery: NULL for att1 NULL (row 5), so that row fails.
	{Rule: r4, Predicate: `"n" <= (SELECT max(p2.n) FROM "primary" p2 WHERE p2.att1 = "primary".att1)`},
}

type rowOut struct{ pass, fail, skip, result string }

func TestWriteRowLevel(t *testing.T) {
	j := func(rules ...string) string { return strings.Join(rules, "|") }
	// Hand-evaluated per row (see the fixture table):
	//   r0 applies to att1='a' rows only (1, 3, 6); row 3 has att2 NULL.
	//   r2 fails n=1 (row 1) and n NULL (row 5).
	//   r3: n=2 occurs twice (rows 2, 3); NULL forms its own group of one.
	//   r4 fails only row 5.
	defaults := map[int]rowOut{
		1: {j(r0, r3, r4), j(r2), j(r1), "Failed"},
		2: {j(r0, r2, r4), j(r3), j(r1), "Failed"},
		3: {j(r2, r4), j(r0, r3), j(r1), "Failed"},
		4: {j(r0, r2, r3, r4), "", j(r1), "Passed"},
		5: {j(r0, r3), j(r2, r4), j(r1), "Failed"},
		6: {j(r0, r2, r3, r4), "", j(r1), "Passed"},
	}
	skipped := map[int]rowOut{ // FilteredAsSkipped: rows 2, 4, 5 are outside r0's where
		1: defaults[1],
		2: {j(r2, r4), j(r3), j(r0, r1), "Failed"},
		3: defaults[3],
		4: {j(r2, r3, r4), "", j(r0, r1), "Passed"},
		5: {j(r3), j(r2, r4), j(r0, r1), "Failed"},
		6: defaults[6],
	}
	tests := []struct {
		name     string
		opts     RowLevelOptions
		sealed   bool
		declared bool // path listed in SessionOptions.OutputPaths
		want     map[int]rowOut
	}{
		{name: "all rows, sealed, staged then moved", sealed: true, want: defaults},
		{name: "all rows, sealed, declared output", sealed: true, declared: true, want: defaults},
		{name: "all rows, unsealed", want: defaults},
		{name: "only failed", opts: RowLevelOptions{OnlyFailed: true}, sealed: true, want: onlyFailed(defaults)},
		{name: "filtered as skipped", opts: RowLevelOptions{FilteredAsSkipped: true}, sealed: true, want: skipped},
		{name: "only failed, filtered as skipped", opts: RowLevelOptions{OnlyFailed: true, FilteredAsSkipped: true}, sealed: true, declared: true, want: onlyFailed(skipped)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			in, out := t.TempDir(), t.TempDir()
			writeFixtures(t, in, rowLevelFixture)
			opts := tc.opts
			opts.Path = filepath.Join(out, "rows.parquet")
			so := SessionOptions{Threads: 1}
			if tc.declared {
				so.OutputPaths = []string{opts.Path}
			}
			s := openTestSession(t, so)
			ds, err := s.Register(ctx, "primary", Files(filepath.Join(in, "in.parquet"), FileOptions{}))
			if err != nil {
				t.Fatal(err)
			}
			if tc.sealed {
				if err := s.Seal(ctx); err != nil {
					t.Fatal(err)
				}
			}
			st, err := s.WriteRowLevel(ctx, ds, rowLevelChecks, opts)
			if err != nil {
				t.Fatal(err)
			}
			if want := (RowStats{Rows: 6, Passed: 2, Failed: 4}); st != want {
				t.Errorf("stats = %+v, want %+v", st, want)
			}
			got := readRowLevel(t, opts.Path)
			if len(got) != len(tc.want) {
				t.Errorf("output has %d rows, want %d", len(got), len(tc.want))
			}
			for id, w := range tc.want {
				if got[id] != w {
					t.Errorf("row %d:\n got %+v\nwant %+v", id, got[id], w)
				}
			}
			left, _ := os.ReadDir(out)
			if len(left) != 1 {
				t.Errorf("output directory holds %d entries, want just the result", len(left))
			}
		})
	}
}

func onlyFailed(m map[int]rowOut) map[int]rowOut {
	f := map[int]rowOut{}
	for id, r := range m {
		if r.result == "Failed" {
			f[id] = r
		}
	}
	return f
}

// readRowLevel reads the written file with an independent DuckDB.
func readRowLevel(t *testing.T, path string) map[int]rowOut {
	t.Helper()
	db := fixtureDB(t)
	// The schema Glue publishes: input columns in order, then the lists.
	wantSchema := []Column{
		{"id", "INTEGER"}, {"att1", "VARCHAR"}, {"att2", "VARCHAR"}, {"n", "INTEGER"}, {"a b", "VARCHAR"},
		{ColRulesPass, "VARCHAR[]"}, {ColRulesFail, "VARCHAR[]"}, {ColRulesSkip, "VARCHAR[]"}, {ColEvaluationResult, "VARCHAR"},
	}
	rows, err := db.Query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(` + QuoteString(path) + `))`)
	if err != nil {
		t.Fatal(err)
	}
	var schema []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			t.Fatal(err)
		}
		schema = append(schema, c)
	}
	rows.Close()
	if !equalColumns(schema, wantSchema) {
		t.Errorf("schema = %v, want %v", schema, wantSchema)
	}
	rows, err = db.Query(`SELECT id, array_to_string(` + ColRulesPass + `, '|'), array_to_string(` + ColRulesFail + `, '|'),
		array_to_string(` + ColRulesSkip + `, '|'), ` + ColEvaluationResult + ` FROM read_parquet(` + QuoteString(path) + `)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int]rowOut{}
	for rows.Next() {
		var id int
		var r rowOut
		if err := rows.Scan(&id, &r.pass, &r.fail, &r.skip, &r.result); err != nil {
			t.Fatal(err)
		}
		got[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestWriteRowLevelEdgeCases(t *testing.T) {
	ctx := context.Background()
	in, out := t.TempDir(), t.TempDir()
	writeFixtures(t, in,
		// Input columns that clash with the status-column prefix and with a
		// result column.
		`COPY (SELECT range AS __dq_s0, 'stale' AS DataQualityRulesPass FROM range(3)) TO '{dir}/odd.parquet' (FORMAT parquet)`)
	s := openTestSession(t, SessionOptions{})
	ds, err := s.Register(ctx, "primary", Files(filepath.Join(in, "odd.parquet"), FileOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("no checks at all", func(t *testing.T) {
		p := filepath.Join(out, "none.parquet")
		st, err := s.WriteRowLevel(ctx, ds, nil, RowLevelOptions{Path: p})
		if err != nil {
			t.Fatal(err)
		}
		if st != (RowStats{Rows: 3, Passed: 3}) {
			t.Errorf("stats = %+v", st)
		}
	})
	t.Run("odd column names", func(t *testing.T) {
		p := filepath.Join(out, "odd.parquet")
		checks := []RowCheck{{Rule: `ColumnValues "__dq_s0" > 0`, Predicate: `"__dq_s0" > 0`}, {Rule: "Mean \"x\" > 'it''s'"}}
		st, err := s.WriteRowLevel(ctx, ds, checks, RowLevelOptions{Path: p})
		if err != nil {
			t.Fatal(err)
		}
		if st != (RowStats{Rows: 3, Passed: 2, Failed: 1}) {
			t.Errorf("stats = %+v", st)
		}
		db := fixtureDB(t)
		var pass, skip string
		if err := db.QueryRow(`SELECT array_to_string(DataQualityRulesPass, '|'), array_to_string(DataQualityRulesSkip, '|') FROM read_parquet(`+QuoteString(p)+`) WHERE __dq_s0 = 2`).Scan(&pass, &skip); err != nil {
			t.Fatal(err)
		}
		if pass != checks[0].Rule || skip != checks[1].Rule {
			t.Errorf("pass = %q, skip = %q", pass, skip)
		}
	})
	t.Run("where clause cannot escape or read files", func(t *testing.T) {
		for _, filter := range []string{
			`true); DROP VIEW "primary"; --`,
			`1=1) OR (1=1`,
			`(SELECT count(*) FROM read_csv('/etc/passwd')) > 0`,
		} {
			_, err := s.WriteRowLevel(ctx, ds, []RowCheck{{Rule: "r", Predicate: "true", Filter: filter}}, RowLevelOptions{Path: filepath.Join(out, "bad.parquet")})
			if err == nil {
				t.Errorf("filter %q accepted", filter)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "bad.parquet")); !os.IsNotExist(err) {
			t.Errorf("output written for a rejected filter: %v", err)
		}
	})
	t.Run("missing output directory", func(t *testing.T) {
		_, err := s.WriteRowLevel(ctx, ds, nil, RowLevelOptions{Path: filepath.Join(out, "no", "x.parquet")})
		if err == nil || !strings.Contains(err.Error(), "no such file") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestWriteRowLevelLarge checks the streaming path on more rows than one
// DuckDB chunk with a hand-computable pass count.
func TestWriteRowLevelLarge(t *testing.T) {
	ctx := context.Background()
	in, out := t.TempDir(), t.TempDir()
	writeFixtures(t, in, `COPY (SELECT range AS id FROM range(100000)) TO '{dir}/big.parquet' (FORMAT parquet)`)
	s := openTestSession(t, SessionOptions{Threads: 2, MemoryLimit: "128MB"})
	ds, err := s.Register(ctx, "primary", Files(filepath.Join(in, "big.parquet"), FileOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(out, "big-out.parquet")
	// id % 7 = 0 fails: ids 0, 7, …, 99995 → floor(99999/7)+1 = 14286 rows.
	st, err := s.WriteRowLevel(ctx, ds, []RowCheck{{Rule: "not7", Predicate: "id % 7 <> 0"}}, RowLevelOptions{Path: p, OnlyFailed: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := (RowStats{Rows: 100000, Passed: 100000 - 14286, Failed: 14286}); st != want {
		t.Errorf("stats = %+v, want %+v", st, want)
	}
	var n int64
	db := fixtureDB(t)
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet(%s) WHERE id %% 7 = 0`, QuoteString(p))).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 14286 {
		t.Errorf("file holds %d failing rows, want 14286", n)
	}
}

// TestSessionTimeout: SessionOptions.Timeout bounds the session's own
// queries, and DuckDB is interrupted rather than left running.
func TestSessionTimeout(t *testing.T) {
	ctx := context.Background()
	in, out := t.TempDir(), t.TempDir()
	writeFixtures(t, in, `COPY (SELECT range AS id FROM range(100000)) TO '{dir}/big.parquet' (FORMAT parquet)`)
	// The timeout bounds every session query, registration included, so it
	// must leave room for those on a loaded machine; the slow query below
	// needs minutes.
	s := openTestSession(t, SessionOptions{Threads: 1, Timeout: 3 * time.Second})
	ds, err := s.Register(ctx, "primary", Files(filepath.Join(in, "big.parquet"), FileOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	slow := RowCheck{Rule: "slow", Predicate: `(SELECT count(*) FROM range(1000000) r WHERE r.range % 7 = id % 7 AND r.range > id) > 0`}
	start := time.Now()
	_, err = s.WriteRowLevel(ctx, ds, []RowCheck{slow}, RowLevelOptions{Path: filepath.Join(out, "x.parquet")})
	if err == nil {
		t.Fatal("slow row-level query finished within the timeout; make it slower")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("timeout took %v to take effect", d)
	}
	// The session is still usable afterwards.
	if got := queryInt(t, s, `SELECT count(*) FROM "primary"`); got != 100000 {
		t.Errorf("count after timeout = %d", got)
	}
}

// TestWriteRowLevelAtomic: the row-level file appears complete or not at
// all (issue 15 #2). A COPY that fails half-way leaves the target as it was
// (it used to leave a truncated or empty Parquet file), and DuckDB's own
// staging name tmp_<name> is never used, so a file of that name survives.
func TestWriteRowLevelAtomic(t *testing.T) {
	ctx := context.Background()
	in := t.TempDir()
	writeFixtures(t, in, rowLevelFixture)
	// att2 holds 'f', 'd', …: the cast fails on the first row, after DuckDB
	// has opened the output.
	bad := []RowCheck{{Rule: `CustomSql`, Predicate: `CAST("att2" AS INTEGER) > 0`}}
	for _, declared := range []bool{false, true} {
		for _, fail := range []bool{true, false} {
			t.Run(fmt.Sprintf("declared=%v,fail=%v", declared, fail), func(t *testing.T) {
				out := t.TempDir()
				target := filepath.Join(out, "rows.parquet")
				neighbour := filepath.Join(out, "tmp_rows.parquet")
				for _, f := range []string{target, neighbour} {
					if err := os.WriteFile(f, []byte("keep me"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				so := SessionOptions{Threads: 1}
				if declared {
					so.OutputPaths = []string{target}
				}
				s := openTestSession(t, so)
				ds, err := s.Register(ctx, "primary", Files(filepath.Join(in, "in.parquet"), FileOptions{}))
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Seal(ctx); err != nil {
					t.Fatal(err)
				}
				checks := rowLevelChecks
				if fail {
					checks = bad
				}
				_, err = s.WriteRowLevel(ctx, ds, checks, RowLevelOptions{Path: target})
				if fail != (err != nil) {
					t.Fatalf("err = %v, want failure %v", err, fail)
				}
				if b, _ := os.ReadFile(neighbour); string(b) != "keep me" {
					t.Errorf("tmp_rows.parquet was overwritten: %q", b)
				}
				if fail {
					if b, _ := os.ReadFile(target); string(b) != "keep me" {
						t.Errorf("a failed write changed the target: %q", b)
					}
				} else {
					if got := readRowLevel(t, target); len(got) != 6 {
						t.Errorf("target holds %d rows, want 6", len(got))
					}
					// The replaced file keeps its mode, as -o does.
					if st, err := os.Stat(target); err != nil || st.Mode().Perm() != 0o600 {
						t.Errorf("mode = %v, %v; want 0600", st.Mode(), err)
					}
				}
				left, _ := os.ReadDir(out)
				if len(left) != 2 {
					var names []string
					for _, e := range left {
						names = append(names, e.Name())
					}
					t.Errorf("output directory holds %v, want just rows.parquet and tmp_rows.parquet", names)
				}
			})
		}
	}
}

// TestWriteRowLevelThroughSymlink: a symlinked target keeps its link; the
// file it points to is replaced (documented in the README).
func TestWriteRowLevelThroughSymlink(t *testing.T) {
	ctx := context.Background()
	in, out, real := t.TempDir(), t.TempDir(), t.TempDir()
	writeFixtures(t, in, rowLevelFixture)
	file := filepath.Join(real, "rows.parquet")
	if err := os.WriteFile(file, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(out, "rows.parquet")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	s := openTestSession(t, SessionOptions{Threads: 1, OutputPaths: []string{link}})
	ds, err := s.Register(ctx, "primary", Files(filepath.Join(in, "in.parquet"), FileOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteRowLevel(ctx, ds, rowLevelChecks, RowLevelOptions{Path: link}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", st.Mode(), err)
	}
	if got := readRowLevel(t, file); len(got) != 6 {
		t.Errorf("the link's target holds %d rows, want 6", len(got))
	}
	for _, dir := range []string{out, real} {
		if left, _ := os.ReadDir(dir); len(left) != 1 {
			t.Errorf("%s holds %d entries, want 1", dir, len(left))
		}
	}
	// A device is not a file to replace.
	if _, err := s.WriteRowLevel(ctx, ds, rowLevelChecks, RowLevelOptions{Path: os.DevNull}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("writing to %s: err = %v", os.DevNull, err)
	}
}
