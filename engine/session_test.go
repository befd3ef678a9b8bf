package engine

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine/duckopen"
)

// fixtureDB is an independent DuckDB used only to write test input files,
// so fixtures never depend on the code under test.
func fixtureDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", duckDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// writeFixtures runs statements with {dir} replaced by dir (quoted-string safe).
func writeFixtures(t *testing.T, dir string, stmts ...string) {
	t.Helper()
	db := fixtureDB(t)
	for _, st := range stmts {
		st = strings.ReplaceAll(st, "{dir}", dir)
		if _, err := db.Exec(st); err != nil {
			t.Fatalf("fixture %q: %v", st, err)
		}
	}
}

func queryInt(t *testing.T, s *Session, q string) int64 {
	t.Helper()
	var n int64
	if err := s.Conn().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func queryFloat(t *testing.T, s *Session, q string) float64 {
	t.Helper()
	var f float64
	if err := s.Conn().QueryRowContext(context.Background(), q).Scan(&f); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return f
}

func openTestSession(t *testing.T, opts SessionOptions) *Session {
	t.Helper()
	s, err := OpenSession(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func boolPtr(b bool) *bool { return &b }

func TestFileSources(t *testing.T) {
	dir := t.TempDir()
	// Hand-checkable data: ids 0..4, the weird column holds id*1.5, so
	// its sum is 1.5*(0+1+2+3+4) = 15.
	writeFixtures(t, dir,
		`COPY (SELECT range AS id, 'it''s' AS "we""ird col", range*1.5 AS "ü.x y", range AS "primary" FROM range(5)) TO '{dir}/weird.parquet' (FORMAT parquet)`,
		`COPY (SELECT range AS id, 'it''s; "q"' AS "we""ird col", range*1.5 AS "ü.x y" FROM range(5)) TO '{dir}/semi.csv' (HEADER, DELIMITER ';')`,
		`COPY (SELECT range AS id FROM range(7)) TO '{dir}/plain.csv.gz' (HEADER)`,
		`COPY (SELECT range AS id, {'a': range} AS st FROM range(3)) TO '{dir}/arr.json' (FORMAT json, ARRAY true)`,
		`COPY (SELECT range AS id FROM range(4)) TO '{dir}/lines.jsonl.zst' (FORMAT json, COMPRESSION zstd)`,
		`COPY (SELECT range AS id FROM range(6)) TO '{dir}/lines.ndjson.zstd' (FORMAT json, COMPRESSION zstd)`,
		`COPY (SELECT range AS id FROM range(2)) TO '{dir}/000000_0' (FORMAT parquet)`,
		`COPY (SELECT range AS id FROM range(3)) TO '{dir}/part[1].parquet' (FORMAT parquet)`,
	)
	for _, sub := range []string{"glob", "tree/a/b", "hive"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFixtures(t, dir,
		// Two part files whose columns are in different orders.
		`COPY (SELECT range AS id, range*10 AS v FROM range(3)) TO '{dir}/glob/p1.parquet' (FORMAT parquet)`,
		`COPY (SELECT range*10 AS v, range AS id FROM range(3, 5)) TO '{dir}/glob/p2.parquet' (FORMAT parquet)`,
		`COPY (SELECT 1 AS x) TO '{dir}/glob/other.csv'`,
		`COPY (SELECT range AS id FROM range(3)) TO '{dir}/tree/t1.parquet' (FORMAT parquet)`,
		`COPY (SELECT range AS id FROM range(3, 10)) TO '{dir}/tree/a/b/t2.parquet' (FORMAT parquet)`,
		`COPY (SELECT 'junk' AS id) TO '{dir}/tree/_SUCCESS' (FORMAT csv)`,
		`COPY (SELECT 'junk' AS id) TO '{dir}/tree/.t1.parquet.crc' (FORMAT csv)`,
		// year=2024/part=0 has ids 0,2,4 and part=1 has 1,3,5.
		`COPY (SELECT range AS id, range % 2 AS part, 2024 AS year FROM range(6)) TO '{dir}/hive' (FORMAT parquet, PARTITION_BY (year, part))`,
	)

	tests := []struct {
		name     string
		path     string
		opts     FileOptions
		rows     int64
		cols     []Column // nil = don't check
		check    string   // optional scalar query over "primary"
		checkVal float64
	}{
		{
			name: "parquet with awkward column names", path: "weird.parquet", rows: 5,
			cols:  []Column{{"id", "BIGINT"}, {`we"ird col`, "VARCHAR"}, {"ü.x y", "DECIMAL(21,1)"}, {"primary", "BIGINT"}},
			check: `SELECT sum(` + QuoteIdent("ü.x y") + `) + sum(` + QuoteIdent("primary") + `) FROM "primary" WHERE ` + QuoteIdent(`we"ird col`) + ` = ` + QuoteString("it's"), checkVal: 15 + 10,
		},
		{
			name: "csv with semicolons and header", path: "semi.csv", rows: 5,
			cols:  []Column{{"id", "BIGINT"}, {`we"ird col`, "VARCHAR"}, {"ü.x y", "DOUBLE"}},
			check: `SELECT sum(` + QuoteIdent("ü.x y") + `) FROM "primary" WHERE ` + QuoteIdent(`we"ird col`) + ` = ` + QuoteString(`it's; "q"`), checkVal: 15,
		},
		{name: "gzip csv", path: "plain.csv.gz", rows: 7, cols: []Column{{"id", "BIGINT"}}, check: `SELECT sum(id) FROM "primary"`, checkVal: 21},
		{name: "json array", path: "arr.json", rows: 3, cols: []Column{{"id", "BIGINT"}, {"st", "STRUCT(a BIGINT)"}}, check: `SELECT sum(st.a) FROM "primary"`, checkVal: 3},
		{name: "json lines zst", path: "lines.jsonl.zst", rows: 4, check: `SELECT sum(id) FROM "primary"`, checkVal: 6},
		{name: "json lines .zstd suffix", path: "lines.ndjson.zstd", rows: 6, check: `SELECT sum(id) FROM "primary"`, checkVal: 15},
		{name: "file name with glob characters", path: "part[1].parquet", rows: 3},
		{name: "format override for extensionless file", path: "000000_0", opts: FileOptions{Format: "parquet"}, rows: 2},
		{
			name: "glob unions part files by name", path: "glob/*.parquet", rows: 5,
			cols:  []Column{{"id", "BIGINT"}, {"v", "BIGINT"}},
			check: `SELECT sum(v) FROM "primary" WHERE id = v / 10`, checkVal: 100,
		},
		{name: "directory is read recursively, bookkeeping files skipped", path: "tree", rows: 10, check: `SELECT sum(id) FROM "primary"`, checkVal: 45},
		{name: "recursive glob", path: "tree/**/*.parquet", rows: 10, check: `SELECT sum(id) FROM "primary"`, checkVal: 45},
		{
			name: "hive directory exposes partition columns", path: "hive", rows: 6,
			cols:  []Column{{"id", "BIGINT"}, {"part", "BIGINT"}, {"year", "BIGINT"}},
			check: `SELECT sum(id) FROM "primary" WHERE part = 1 AND year = 2024`, checkVal: 1 + 3 + 5,
		},
		{name: "hive switched off", path: "hive", opts: FileOptions{Hive: boolPtr(false)}, rows: 6, cols: []Column{{"id", "BIGINT"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTestSession(t, SessionOptions{Threads: 1})
			ds, err := s.Register(ctx, "primary", Files(filepath.Join(dir, tc.path), tc.opts))
			if err != nil {
				t.Fatal(err)
			}
			if ds.Relation != `"primary"` || ds.Alias != "primary" {
				t.Errorf("dataset = %+v", ds)
			}
			if tc.cols != nil && !equalColumns(ds.Columns, tc.cols) {
				t.Errorf("columns = %v, want %v", ds.Columns, tc.cols)
			}
			if err := s.Seal(ctx); err != nil {
				t.Fatal(err)
			}
			// Twice: views re-read their files on each scan.
			for i := 0; i < 2; i++ {
				if got := queryInt(t, s, `SELECT count(*) FROM "primary"`); got != tc.rows {
					t.Errorf("scan %d: count = %d, want %d", i, got, tc.rows)
				}
			}
			if tc.check != "" {
				if got := queryFloat(t, s, tc.check); got != tc.checkVal {
					t.Errorf("%s = %v, want %v", tc.check, got, tc.checkVal)
				}
			}
		})
	}
}

func equalColumns(a, b []Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFileSourceErrors(t *testing.T) {
	dir := t.TempDir()
	writeFixtures(t, dir,
		`COPY (SELECT 1 AS id) TO '{dir}/a.parquet' (FORMAT parquet)`,
		`COPY (SELECT 1 AS id) TO '{dir}/b.csv'`,
		`COPY (SELECT 1 AS id) TO '{dir}/fake.parquet' (FORMAT csv)`,
		`COPY (SELECT 1 AS id) TO '{dir}/noext' (FORMAT csv)`,
	)
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		opts       FileOptions
		want       string
	}{
		{"missing file", "nope.parquet", FileOptions{}, "no such file"},
		{"glob without matches", "*.xlsx", FileOptions{}, "no files match"},
		{"glob under missing dir", "nodir/*.parquet", FileOptions{}, "no such file"},
		{"empty directory", "empty", FileOptions{}, "no data files"},
		{"mixed formats", ".", FileOptions{}, "several formats"},
		{"not really parquet", "fake.parquet", FileOptions{}, "fake.parquet"},
		{"unknown extension", "noext", FileOptions{}, "cannot tell the format"},
		{"bad format option", "a.parquet", FileOptions{Format: "xlsx"}, "unknown format"},
		{"format given does not match", "a.parquet", FileOptions{Format: "csv"}, "a.parquet is Parquet, not CSV"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestSession(t, SessionOptions{})
			p := filepath.Join(dir, tc.path)
			_, err := s.Register(context.Background(), "primary", Files(p, tc.opts))
			var se *SourceError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v, want a *SourceError", err)
			}
			if se.Location != p || !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the path %s", err, p)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestRegisterRules(t *testing.T) {
	dir := t.TempDir()
	writeFixtures(t, dir, `COPY (SELECT 1 AS id) TO '{dir}/a.parquet' (FORMAT parquet)`)
	ctx := context.Background()
	s := openTestSession(t, SessionOptions{})
	if _, err := s.Register(ctx, "primary", Files(filepath.Join(dir, "a.parquet"), FileOptions{})); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, "PRIMARY", Files(filepath.Join(dir, "a.parquet"), FileOptions{})); err == nil {
		t.Error("alias differing only in case accepted")
	}
	// A reference alias that needs quoting.
	ref, err := s.Register(ctx, `ref "x".y`, Files(filepath.Join(dir, "a.parquet"), FileOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, s, `SELECT count(*) FROM "primary" JOIN `+ref.Relation+` USING (id)`); got != 1 {
		t.Errorf("join count = %d", got)
	}
	if _, err := s.Register(ctx, "late", Files(filepath.Join(dir, "a.parquet"), FileOptions{})); err == nil {
		t.Error("Register after Seal accepted")
	}
	rels := s.Relations()
	sqlText, err := RewriteRelations("select count(*) from primary", rels)
	if err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, s, sqlText); got != 1 {
		t.Errorf("rewritten CustomSql count = %d", got)
	}
}

// TestSealBlocksAttacks proves that after Seal untrusted SQL cannot reach
// anything but the registered datasets, while those keep working.
func TestSealBlocksAttacks(t *testing.T) {
	dir := t.TempDir()
	secretDir := t.TempDir()
	for _, sub := range []string{"data", "hive", "glob"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFixtures(t, dir,
		`COPY (SELECT range AS id FROM range(10)) TO '{dir}/data/p.parquet' (FORMAT parquet)`,
		// A file next to the data, not registered: must stay unreadable.
		`COPY (SELECT 'top secret' AS s) TO '{dir}/data/secret.csv'`,
		`COPY (SELECT range AS id, range % 3 AS k FROM range(9)) TO '{dir}/hive' (FORMAT parquet, PARTITION_BY (k))`,
		`COPY (SELECT range AS id FROM range(4)) TO '{dir}/glob/g1.csv' (HEADER)`,
		`COPY (SELECT range AS id FROM range(4, 6)) TO '{dir}/glob/g2.csv' (HEADER)`,
		`COPY (SELECT range AS id FROM range(3)) TO '{dir}/j.json' (FORMAT json)`,
	)
	writeFixtures(t, secretDir, `COPY (SELECT 'secret' AS s) TO '{dir}/s.csv'`)

	ctx := context.Background()
	s := openTestSession(t, SessionOptions{Threads: 1, MemoryLimit: "256MB"})
	regs := []struct {
		alias string
		src   Source
		rows  int64
	}{
		{"primary", Files(filepath.Join(dir, "data", "p.parquet"), FileOptions{}), 10},
		{"hive", Files(filepath.Join(dir, "hive"), FileOptions{}), 9},
		{"globbed", Files(filepath.Join(dir, "glob", "*.csv"), FileOptions{}), 6},
		{"js", Files(filepath.Join(dir, "j.json"), FileOptions{}), 3},
	}
	for _, r := range regs {
		if _, err := s.Register(ctx, r.alias, r.src); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(secretDir, "written.csv")
	attacks := []string{
		`SELECT * FROM read_csv('/etc/passwd')`,
		`SELECT * FROM read_text('/etc/hostname')`,
		`SELECT * FROM read_blob('/etc/hostname')`,
		`SELECT * FROM read_csv(` + QuoteString(filepath.Join(dir, "data", "secret.csv")) + `)`,
		`SELECT * FROM read_csv(` + QuoteString(filepath.Join(secretDir, "s.csv")) + `)`,
		`SELECT * FROM ` + QuoteString(filepath.Join(secretDir, "s.csv")),
		`SELECT * FROM read_parquet(` + QuoteString(filepath.Join(dir, "data", "*.parquet")) + `)`,
		`SELECT * FROM glob(` + QuoteString(filepath.Join(dir, "*")) + `)`,
		`SELECT * FROM read_parquet('https://example.com/x.parquet')`,
		`COPY (SELECT 1) TO ` + QuoteString(outside),
		`COPY "primary" TO ` + QuoteString(outside),
		`EXPORT DATABASE ` + QuoteString(filepath.Join(secretDir, "exp")),
		`ATTACH ` + QuoteString(filepath.Join(secretDir, "x.duckdb")) + ` AS x`,
		`INSTALL httpfs`,
		`LOAD httpfs`,
		`SET enable_external_access = true`,
		`SET allowed_directories = ['/']`,
		`SET allowed_paths = ['/etc/passwd']`,
		`SET lock_configuration = false`,
		`RESET lock_configuration`,
		`SET threads = 2`,
		`SET temp_directory = '/tmp'`,
		`PRAGMA profiling_output = ` + QuoteString(outside),
	}
	for _, q := range attacks {
		_, err := s.Conn().ExecContext(ctx, q)
		if err == nil {
			t.Errorf("attack succeeded after Seal: %s", q)
			continue
		}
		// Fail for the right reason, not e.g. a typo in the attack.
		msg := err.Error()
		if !strings.Contains(msg, "Permission Error") && !strings.Contains(msg, "configuration has been locked") {
			t.Errorf("%s failed for an unexpected reason: %v", q, err)
		}
	}
	if _, err := os.Stat(outside); !os.IsNotExist(err) {
		t.Errorf("a file was written outside the session: %v", err)
	}
	// The registered datasets still work after all that.
	for _, r := range regs {
		if got := queryInt(t, s, `SELECT count(*) FROM `+QuoteIdent(r.alias)); got != r.rows {
			t.Errorf("%s: count = %d, want %d", r.alias, got, r.rows)
		}
	}
	if got := queryInt(t, s, `SELECT sum(id) FROM "hive" WHERE k = 2`); got != 2+5+8 {
		t.Errorf("hive partition filter: sum = %d, want 15", got)
	}
	// And the limits set before sealing are in force.
	if got := queryInt(t, s, `SELECT current_setting('threads')`); got != 1 {
		t.Errorf("threads = %d, want 1", got)
	}
}

// TestSealedSessionSpills shows the memory limit and the spill directory
// work together under lockdown: a sort larger than the limit completes.
func TestSealedSessionSpills(t *testing.T) {
	if testing.Short() {
		t.Skip("writes ~100 MB of spill")
	}
	ctx := context.Background()
	spill := t.TempDir()
	s := openTestSession(t, SessionOptions{Threads: 1, MemoryLimit: "64MB", TempDir: spill})
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Conn().ExecContext(ctx, `CREATE TEMP TABLE big AS SELECT range AS id, md5(range::VARCHAR) AS s FROM range(1500000)`); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, s, `SELECT count(DISTINCT s) FROM (SELECT s FROM big ORDER BY s)`); got != 1500000 {
		t.Errorf("distinct = %d", got)
	}
}

// TestCloseInBackground: Close returns with the private directory gone,
// spill files DuckDB still holds open included, and the session usable no
// more; DuckDB ends on its own.
func TestCloseInBackground(t *testing.T) {
	ctx := context.Background()
	spill := t.TempDir()
	s, err := OpenSession(ctx, SessionOptions{Threads: 1, MemoryLimit: "32MB", TempDir: spill, CloseInBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Conn().ExecContext(ctx, `CREATE TEMP TABLE big AS SELECT range AS id, md5(range::VARCHAR) AS s FROM range(600000)`); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, s, `SELECT count(*) FROM big`); got != 600000 {
		t.Errorf("count = %d", got)
	}
	private := s.private
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(private); runtime.GOOS != "windows" && !os.IsNotExist(err) {
		t.Errorf("private directory %s left after Close: %v", private, err)
	}
	if left, _ := os.ReadDir(spill); runtime.GOOS != "windows" && len(left) != 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestSessionDefaults: without options a session uses the CPUs the Go
// runtime may use and DefaultMemoryLimit; explicit options win.
func TestSessionDefaults(t *testing.T) {
	ctx := context.Background()
	s := openTestSession(t, SessionOptions{})
	if got := queryInt(t, s, `SELECT current_setting('threads')`); got != int64(runtime.GOMAXPROCS(0)) {
		t.Errorf("threads = %d, want GOMAXPROCS = %d", got, runtime.GOMAXPROCS(0))
	}
	var limit string
	if err := s.Conn().QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&limit); err != nil {
		t.Fatal(err)
	}
	// This test machine has more than 2 GiB of RAM, so DuckDB's own
	// default (80% of it) is the larger one.
	if limit != "1.5 GiB" {
		t.Errorf("memory_limit = %q, want 1.5 GiB", limit)
	}
	s = openTestSession(t, SessionOptions{Threads: 3, MemoryLimit: "300MB"})
	if got := queryInt(t, s, `SELECT current_setting('threads')`); got != 3 {
		t.Errorf("threads = %d, want 3", got)
	}
	if err := s.Conn().QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if limit != "286.1 MiB" { // 300e6 bytes
		t.Errorf("memory_limit = %q, want 286.1 MiB", limit)
	}
}

func TestParseDuckSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"18.8 GiB", 18.8 * (1 << 30), true},
		{"1.5 GiB", 1.5 * (1 << 30), true},
		{"512.0 MiB", 512 << 20, true},
		{"1000 bytes", 1000, true},
		{"2 GB", 2e9, true},
		{"", 0, false},
		{"12GiB", 0, false},
		{"1 furlong", 0, false},
		{"x GiB", 0, false},
	} {
		got, ok := parseDuckSize(c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("parseDuckSize(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestOpenSessionOn(t *testing.T) {
	ctx := context.Background()
	db := fixtureDB(t)
	db.SetMaxOpenConns(1) // so the check after Close sees the same connection
	for _, st := range []string{
		`CREATE TABLE orders AS SELECT range AS id, range * 2 AS amount FROM range(5)`,
		// A table literally called primary must not clash with our view.
		`CREATE TABLE "primary" AS SELECT range AS id FROM range(3)`,
		`CREATE SCHEMA other`,
		`CREATE TABLE other.orders AS SELECT 1 AS id`,
	} {
		if _, err := db.Exec(st); err != nil {
			t.Fatal(err)
		}
	}
	s, err := OpenSessionOn(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, "x", Table("orders")); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("ambiguous table name: err = %v", err)
	}
	if _, err := s.Register(ctx, "primary", Table("main.primary")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, "ref", Table("MAIN.Orders")); err != nil {
		t.Fatal(err)
	}
	q, err := s.Register(ctx, "q", Query("SELECT * FROM orders WHERE amount > 4 -- trusted caller SQL"))
	if err != nil {
		t.Fatal(err)
	}
	if q.Location != "query: SELECT * FROM orders WHERE amount > 4 -- trusted caller SQL" {
		t.Errorf("location = %q", q.Location)
	}
	if _, err := s.Register(ctx, "nope", Table("missing")); err == nil {
		t.Error("missing table accepted")
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, s, `SELECT count(*) FROM "primary"`); got != 3 {
		t.Errorf("primary count = %d", got)
	}
	if got := queryInt(t, s, `SELECT sum(amount) FROM "ref"`); got != 20 {
		t.Errorf("ref sum = %d", got)
	}
	if got := queryInt(t, s, `SELECT sum(id) FROM "q"`); got != 3+4 {
		t.Errorf("q sum = %d", got)
	}
	// The caller's database is not locked down.
	if got := queryInt(t, s, `SELECT count(*) FROM duckdb_settings() WHERE name = 'lock_configuration' AND value = 'true'`); got != 0 {
		t.Error("OpenSessionOn locked the caller's configuration")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d temporary views left on the caller's connection", n)
	}
}

func TestSessionCheckReadOnly(t *testing.T) {
	ctx := context.Background()
	s := openTestSession(t, SessionOptions{})
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sql string
		ok  bool
	}{
		{`SELECT 1`, true},
		{`WITH x AS (SELECT 1 AS a) SELECT a FROM x`, true},
		{`FROM range(3)`, true},
		{`SELECT (`, true}, // a syntax error is left for the query to report
		{`SELECT * FROM (PIVOT (SELECT 1 AS a, 'x' AS b) ON b USING sum(a))`, true},
		{`WITH x AS (SELECT 1) UPDATE t SET a = 2`, false},
		{`WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x`, false},
		{`CREATE TABLE t AS SELECT 1`, false},
		{`SELECT 1; SELECT 2`, false},
	}
	for _, tc := range tests {
		err := s.CheckReadOnly(ctx, tc.sql)
		if (err == nil) != tc.ok {
			t.Errorf("CheckReadOnly(%q) = %v, want ok=%t", tc.sql, err, tc.ok)
		}
	}
}

// TestSessionTakesOpening: a session given a DuckDB being opened early
// (duckopen.Start) runs on it rather than opening its own, and sets it up
// like its own.
func TestSessionTakesOpening(t *testing.T) {
	ctx := context.Background()
	o := duckopen.Start()
	s, err := OpenSession(ctx, SessionOptions{Opening: o, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if db, err := o.Take(ctx); db != nil || err != nil {
		t.Fatalf("the opening was not taken by the session: %v, %v", db, err)
	}
	var threads int64
	if err := s.Conn().QueryRowContext(ctx, "SELECT current_setting('threads')").Scan(&threads); err != nil || threads != 1 {
		t.Errorf("threads %d (%v), want 1", threads, err)
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Conn().ExecContext(ctx, "INSTALL httpfs"); err == nil {
		t.Error("a sealed session on an early-opened DuckDB installs extensions")
	}
}
