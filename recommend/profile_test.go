package recommend

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"

	_ "github.com/duckdb/duckdb-go/v2"
)

const samplePath = "../testdata/taxi/sample.parquet"

// duck opens a plain DuckDB, independent of the engine's session, for
// writing fixtures and for computing expected values the obvious way.
func duck(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// writeParquet materialises a query as a Parquet file in a temp dir.
func writeParquet(t *testing.T, db *sql.DB, name, query string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if _, err := db.Exec("COPY (" + query + ") TO '" + path + "' (FORMAT parquet)"); err != nil {
		t.Fatalf("writing %s: %v", name, err)
	}
	return path
}

// edgeQuery holds the awkward cases: typed strings, NaN and Infinity, an
// all-NULL column, a constant, NULLs in strings, a name that needs
// quoting, dates, decimals, a list column, and a unique id.
const edgeQuery = `SELECT
	i AS id,
	CAST(i % 7 AS VARCHAR) AS "int str",
	CAST(i / 4 AS VARCHAR) AS dbl_str,
	CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END AS bool_str,
	CAST(DATE '2024-01-01' + CAST(i % 40 AS INTEGER) AS VARCHAR) AS date_str,
	CAST(TIMESTAMP '2024-01-01 08:00:00' + to_minutes(i) AS VARCHAR) AS ts_str,
	CASE WHEN i = 3 THEN 'nan'::DOUBLE WHEN i = 5 THEN 'inf'::DOUBLE ELSE i * 0.5 END AS with_nan,
	NULL::DOUBLE AS all_null,
	42 AS constant,
	CASE WHEN i % 10 = 0 THEN NULL ELSE repeat('x', 1 + i % 5) END AS "we""ird name",
	DATE '2023-06-01' + CAST(i % 100 AS INTEGER) AS day,
	CAST(i AS DECIMAL(10,2)) / 3 AS dec,
	[i, i + 1] AS list,
	i % 3 = 0 AS flag,
	CASE WHEN i % 50 = 0 THEN -1 ELSE i % 4 END AS code
FROM range(1, 1001) t(i)`

func profileFile(t *testing.T, path string, opts ProfileOptions) *Profile {
	t.Helper()
	p, err := ProfileSource(context.Background(), engine.Files(path, engine.FileOptions{}), opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// TestProfileMatchesDuckDB recomputes every column's numbers with plain,
// separate DuckDB queries on the same file.
func TestProfileMatchesDuckDB(t *testing.T) {
	db := duck(t)
	edge := writeParquet(t, db, "edge.parquet", edgeQuery)
	for _, path := range []string{samplePath, edge} {
		p := profileFile(t, path, ProfileOptions{})
		from := "read_parquet('" + path + "')"
		var rows int64
		if err := db.QueryRow("SELECT count(*) FROM " + from).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if p.Rows != rows {
			t.Errorf("%s: rows %d, want %d", path, p.Rows, rows)
		}
		for _, c := range p.Columns {
			t.Run(filepath.Base(path)+"/"+c.Name, func(t *testing.T) {
				q := engine.QuoteIdent(c.Name)
				var nulls, distinct int64
				if err := db.QueryRow("SELECT count(*) - count("+q+"), count(DISTINCT "+q+") FROM "+from).Scan(&nulls, &distinct); err != nil {
					t.Fatal(err)
				}
				if c.Nulls != nulls || c.Distinct != distinct || !c.DistinctExact {
					t.Errorf("nulls/distinct = %d/%d (exact %v), want %d/%d", c.Nulls, c.Distinct, c.DistinctExact, nulls, distinct)
				}
				switch c.Class {
				case Numeric:
					checkNumeric(t, db, from, q, c)
				case String:
					var minL, maxL sql.NullInt64
					var meanL sql.NullFloat64
					var minV, maxV sql.NullString
					if err := db.QueryRow("SELECT min(length("+q+")), max(length("+q+")), avg(length("+q+")), min("+q+"), max("+q+") FROM "+from).Scan(&minL, &maxL, &meanL, &minV, &maxV); err != nil {
						t.Fatal(err)
					}
					if c.Length == nil || c.Length.Min != minL.Int64 || c.Length.Max != maxL.Int64 || !near(c.Length.Mean, meanL.Float64) {
						t.Errorf("length %+v, want %d..%d mean %g", c.Length, minL.Int64, maxL.Int64, meanL.Float64)
					}
					if c.Min != minV.String || c.Max != maxV.String {
						t.Errorf("min/max %q/%q, want %q/%q", c.Min, c.Max, minV.String, maxV.String)
					}
				}
				if c.Histogram != nil {
					checkHistogram(t, db, from, q, c)
				} else if c.Class != Other && c.Distinct > 0 && c.Distinct <= 100 {
					t.Errorf("no histogram for %d distinct values", c.Distinct)
				}
			})
		}
	}
}

func checkNumeric(t *testing.T, db *sql.DB, from, q string, c *ColumnProfile) {
	t.Helper()
	d := "CAST(" + q + " AS DOUBLE)"
	var nonFinite int64
	var mn, mx, mean, sd, sum sql.NullFloat64
	err := db.QueryRow(`SELECT count(*) FILTER (WHERE NOT isfinite(`+d+`)),
		min(x), max(x), avg(x), stddev_pop(x), sum(x)
		FROM (SELECT `+q+`, CASE WHEN isfinite(`+d+`) THEN `+d+` END AS x FROM `+from+`)`).Scan(&nonFinite, &mn, &mx, &mean, &sd, &sum)
	if err != nil {
		t.Fatal(err)
	}
	if !mn.Valid {
		if c.Numeric != nil {
			t.Errorf("numeric stats %+v for a column without finite values", c.Numeric)
		}
		return
	}
	st := c.Numeric
	if st == nil {
		t.Fatal("no numeric stats")
	}
	if st.NonFinite != nonFinite || !near(st.Min, mn.Float64) || !near(st.Max, mx.Float64) || !near(st.Mean, mean.Float64) ||
		!near(st.StdDev, sd.Float64) || !near(st.Sum, sum.Float64) {
		t.Errorf("numeric %+v, want non-finite %d min %g max %g mean %g sd %g sum %g", *st, nonFinite, mn.Float64, mx.Float64, mean.Float64, sd.Float64, sum.Float64)
	}
	// Quantiles are t-digest estimates: they must be ordered and lie
	// within the range.
	if !(st.Min <= st.Q25 && st.Q25 <= st.Q50 && st.Q50 <= st.Q75 && st.Q75 <= st.Max) {
		t.Errorf("quantiles %g %g %g outside [%g, %g] or unordered", st.Q25, st.Q50, st.Q75, st.Min, st.Max)
	}
}

func checkHistogram(t *testing.T, db *sql.DB, from, q string, c *ColumnProfile) {
	t.Helper()
	rows, err := db.Query("SELECT CAST(" + q + " AS VARCHAR), count(*) FROM " + from + " WHERE " + q + " IS NOT NULL GROUP BY " + q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := map[string]int64{}
	for rows.Next() {
		var v string
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		want[v] = n
	}
	if len(c.Histogram) != len(want) {
		t.Fatalf("histogram has %d values, want %d", len(c.Histogram), len(want))
	}
	for i, vc := range c.Histogram {
		key := vc.Value
		if vc.Number != nil && c.Class == Numeric && isInteger(c.Type) {
			key = formatNumber(*vc.Number)
		}
		if n, ok := want[key]; ok && n != vc.Count {
			t.Errorf("count of %q = %d, want %d", vc.Value, vc.Count, n)
		} else if !ok && vc.Number == nil {
			t.Errorf("unexpected value %q", vc.Value)
		}
		if i > 0 && c.Histogram[i-1].Count < vc.Count {
			t.Errorf("histogram not sorted by count at %d", i)
		}
	}
}

// TestProfileEdgeValues pins what the awkward columns must report.
func TestProfileEdgeValues(t *testing.T) {
	p := profileFile(t, writeParquet(t, duck(t), "edge.parquet", edgeQuery), ProfileOptions{})
	col := func(name string) *ColumnProfile {
		c := p.Column(name)
		if c == nil {
			t.Fatalf("no column %q", name)
		}
		return c
	}
	parses := []struct {
		col  string
		want Parses
	}{
		{"int str", Parses{Integer: true, Double: true}},
		{"dbl_str", Parses{Integer: true, Double: true}}, // i/4 is a double in DuckDB, printed as 0.25 ...
		{"bool_str", Parses{Boolean: true}},
		{"date_str", Parses{Date: true, Timestamp: true}},
		{"ts_str", Parses{Date: true, Timestamp: true}},
		{`we"ird name`, Parses{}},
	}
	for _, tc := range parses {
		c := col(tc.col)
		if c.Parses == nil {
			t.Errorf("%s: no Parses", tc.col)
			continue
		}
		if tc.col == "dbl_str" {
			tc.want = Parses{Double: true} // 0.25 is no integer
		}
		if *c.Parses != tc.want {
			t.Errorf("%s: parses %+v, want %+v", tc.col, *c.Parses, tc.want)
		}
	}
	if c := col("with_nan"); c.Numeric == nil || c.Numeric.NonFinite != 2 || c.Numeric.Max != 500 || c.Numeric.Min != 0.5 {
		t.Errorf("with_nan: %+v", c.Numeric)
	}
	if c := col("all_null"); c.Nulls != 1000 || c.Numeric != nil || c.Distinct != 0 || c.Histogram != nil {
		t.Errorf("all_null: %+v", c)
	}
	if c := col("id"); c.Uniqueness == nil || *c.Uniqueness != 1 || !near(*c.Entropy, math.Log(1000)) {
		t.Errorf("id: uniqueness %v entropy %v", c.Uniqueness, c.Entropy)
	}
	if c := col(`we"ird name`); c.Nulls != 100 || c.Length.Min != 1 || c.Length.Max != 5 || len(c.Histogram) != 5 {
		t.Errorf("weird name: %+v", c)
	}
	if c := col("day"); c.Class != Temporal || c.Min != "2023-06-01" || c.Max != "2023-09-08" {
		t.Errorf("day: %+v", c)
	}
	if c := col("list"); c.Class != Other || c.Distinct != 1000 {
		t.Errorf("list: %+v", c)
	}
	if c := col("flag"); c.Class != Boolean || c.Min != "false" || c.Max != "true" || len(c.Histogram) != 2 {
		t.Errorf("flag: %+v", c)
	}
}

// TestProfileApprox: estimates are allowed only where no recommendation
// depends on them.
func TestProfileApprox(t *testing.T) {
	p := profileFile(t, samplePath, ProfileOptions{Approx: true})
	exact := profileFile(t, samplePath, ProfileOptions{})
	for _, c := range p.Columns {
		e := exact.Column(c.Name)
		if c.Histogram != nil || c.Distinct >= (c.Rows-c.Nulls)*7/10 {
			if !c.DistinctExact || c.Distinct != e.Distinct {
				t.Errorf("%s: distinct %d (exact %v), want exactly %d", c.Name, c.Distinct, c.DistinctExact, e.Distinct)
			}
		} else if d := math.Abs(float64(c.Distinct-e.Distinct)) / float64(e.Distinct); d > 0.25 {
			t.Errorf("%s: estimate %d is %.0f%% off %d", c.Name, c.Distinct, d*100, e.Distinct)
		}
	}
}

// TestProfileSkip: skipped columns are not scanned or reported.
func TestProfileSkip(t *testing.T) {
	p := profileFile(t, samplePath, ProfileOptions{Skip: []string{"VendorID", "fare_amount"}})
	if len(p.Columns) != 17 || p.Column("VendorID") != nil || p.Column("fare_amount") != nil {
		t.Errorf("got %d columns", len(p.Columns))
	}
}

// TestMetricsMatchAllStatistics: what the profile knows, it reports with
// the same names and values as the engine's AllStatistics analyzer.
func TestMetricsMatchAllStatistics(t *testing.T) {
	rs, err := dqdl.Parse("a.dqdl", "Rules = [ RowCount > 0 ]\nAnalyzers = [ AllStatistics AllColumns ]")
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Evaluate(context.Background(), rs, engine.Files(samplePath, engine.FileOptions{}), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for _, ar := range res.AnalyzerResults {
		for k, v := range ar.EvaluatedMetrics {
			want[k] = v
		}
	}
	got := profileFile(t, samplePath, ProfileOptions{}).Metrics()
	compared := 0
	for k, v := range got {
		w, ok := want[k]
		if !ok {
			t.Errorf("%s = %g: AllStatistics has no such metric", k, v)
			continue
		}
		compared++
		if !near(v, w) && !(strings.HasSuffix(k, "Entropy") && math.Abs(v-w) < 1e-9) {
			t.Errorf("%s = %g, AllStatistics says %g", k, v, w)
		}
	}
	if compared < 100 {
		t.Errorf("only %d metrics compared", compared)
	}
}

// A table wider than profileBatch is profiled in several statements; every
// column still gets its own statistics, and the row count set by the first
// statement reaches the columns of the later ones.
func TestProfileWideTableBatches(t *testing.T) {
	const cols = profileBatch + 13
	db := duck(t)
	var sel []string
	for j := 0; j < cols; j++ {
		if j%2 == 0 { // numeric: i*j, NULL on every 4th row
			sel = append(sel, fmt.Sprintf("CASE WHEN i %% 4 = 0 THEN NULL ELSE i * %d END AS n%d", j, j))
		} else { // string: j distinct lengths cycle
			sel = append(sel, fmt.Sprintf("repeat('s', 1 + (i + %d) %% 3) AS s%d", j, j))
		}
	}
	path := writeParquet(t, db, "wide.parquet", "SELECT "+strings.Join(sel, ", ")+" FROM range(1, 21) t(i)")
	p, err := ProfileSource(context.Background(), engine.Files(path, engine.FileOptions{}), ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 20 || len(p.Columns) != cols {
		t.Fatalf("profiled %d rows × %d columns", p.Rows, len(p.Columns))
	}
	for j, c := range p.Columns {
		if c.Rows != 20 {
			t.Errorf("%s: Rows = %d, want 20", c.Name, c.Rows)
		}
		if j%2 == 0 {
			// Rows 4, 8, ..., 20 are NULL; 15 values i*j remain.
			wantDistinct, wantMax := int64(15), float64(19*j)
			if j == 0 {
				wantDistinct, wantMax = 1, 0
			}
			if c.Nulls != 5 || c.Distinct != wantDistinct || c.Numeric == nil || c.Numeric.Max != wantMax {
				t.Errorf("%s: nulls %d distinct %d numeric %+v, want 5, %d, max %v", c.Name, c.Nulls, c.Distinct, c.Numeric, wantDistinct, wantMax)
			}
			continue
		}
		if c.Nulls != 0 || c.Distinct != 3 || c.Length == nil || c.Length.Min != 1 || c.Length.Max != 3 {
			t.Errorf("%s: nulls %d distinct %d length %+v, want 0, 3, 1..3", c.Name, c.Nulls, c.Distinct, c.Length)
		}
	}
}
