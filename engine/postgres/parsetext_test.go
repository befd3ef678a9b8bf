package postgres

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine/postgres/pgtest"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// parseTexts are strings DuckDB's timestamp and number parsers are asked
// to read: each grammar rule's edges, and what looks close but is not.
var parseTexts = []string{
	// Dates, separators, years (0, negative, "(BC)", 2, 5, 6 and 9+
	// digits, leading zeros), the calendar (leap days), specials.
	"2024-06-01", "2024-6-1", "2024/06/01", `2024\06\01`, "2024 06 01", "2024-06/01", "2024.06.01", "20240601",
	"24-06-01", "224-06-01", "0000-01-01", "0001-01-01", "-0001-01-01", "-0000-06-01", "-2024-06-01", "00002024-06-01",
	"0044-03-15 (BC)", "0044-03-15 (bc)", "0000-06-01 (BC)", "-0044-03-15 (BC)", "0044-03-15 BC", "2024-06-01 (BC)x",
	"2024-06-01 (BC) 10:00", "2024-06-01\t(BC)", "-4712-01-01", "-4712-12-31 23:59:59", "4713-01-01 (BC)",
	"99999-01-01", "290309-12-31", "294247-01-09 23:59:59", "294247-01-09 24:00", "294247-01-10", "294247-01-10 04:00:54.775806",
	"294247-01-10 04:00:54.775807", "294247-01-10 23:59:59", "294247-02-01", "294248-01-01", "5881580-07-10",
	"999999999-01-01", "0000000000000000000002024-01-01", "2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29",
	"0000-02-29", "-0004-02-29", "-0100-02-29", "2024-02-30", "2024-04-31", "2024-13-01", "2024-00-10", "2024-06-00",
	"2024-06-011", "2024-006-01", "2024", "2024-06", "2024-06-", "10:00:00",
	"infinity", "-infinity", "Infinity", "INFINITY", "inf", "InF", "-inf", "inf ", "infinity ", "  -Infinity\t", "+infinity",
	"infin", "infinity x", "epoch", "EPOCH", "epoch ", "-epoch", "epo", "now", "today",
	// Times: separators, digits, defaults, 24:00, leap seconds,
	// fractions of 1 to 10 digits (truncated, not rounded).
	"2024-06-01 10:00", "2024-06-01 10:00:00", "2024-06-01T10:00:00", "2024-06-01t10:00", "2024-06-01T", "2024-06-01 ",
	"2024-06-01  10:00", "2024-06-01\t10:00:00", "2024-06-01\v10:00", "2024-06-01T 10:00", "2024-06-01 T10:00",
	"2024-06-01x", "2024-06-01 10", "2024-06-01 10:", "2024-06-01 10:0", "2024-06-01 10:00:", "2024-06-01 10:00:0",
	"2024-06-01 1:2:3", "2024-06-01 100:00", "2024-06-01 000000010:00", "2024-06-01 0000000010:00", "2024-06-01 10:000",
	"2024-06-01 10::00", "2024-06-01 24:00:00", "2024-12-31 24:00", "2024-06-01 24:00:01", "2024-06-01 24:00:00.000001",
	"2024-06-01 24:00:00.0000001", "2024-06-01 24:00:00.000000001", "2024-06-01 23:59:60", "2016-12-31 23:59:60",
	"2024-06-01 23:60:00", "2024-06-01 25:00:00", "2024-06-01 10:00:00.", "2024-06-01 10:00:00.1", "2024-06-01 10:00:00.12",
	"2024-06-01 10:00:00.123", "2024-06-01 10:00:00.1234", "2024-06-01 10:00:00.12345", "2024-06-01 10:00:00.123456",
	"2024-06-01 10:00:00.1234567", "2024-06-01 10:00:00.12345678", "2024-06-01 10:00:00.123456789",
	"2024-06-01 10:00:00.1234567891", "2024-06-01 23:59:59.9999999999", "2024-06-01 10:00:00,5", "2024-06-01 10:00.5",
	"2024-06-01 10:00:00.5.5",
	// Zones and offsets (DuckDB reads and ignores offsets; only UTC as a
	// name), trailing spaces.
	"2024-06-01T10:00:00Z", "2024-06-01 10:00:00Z", "2024-06-01 10:00Z", "2024-06-01 10:Z", "2024-06-01 10:00:00.5Z",
	"2024-06-01 10:00:00+02", "2024-06-01 10:00:00-02", "2024-06-01 10:00:00+0230", "2024-06-01 10:00:00+02:30",
	"2024-06-01 10:00:00-02:30:15", "2024-06-01 10:00:00+02:", "2024-06-01 10:00:00+02:30:", "2024-06-01 10:00:00+02:30:1",
	"2024-06-01 10:00:00+0230:00", "2024-06-01 10:00:00+2", "2024-06-01 10:00:00+99:99", "2024-06-01 10:00:00+00:0",
	"2024-06-01 10:00:00 +02", "2024-06-01 10:00:00+02 ", "2024-06-01 10:00:00ZZ", "2024-06-01 10:00:00Z+01",
	"2024-06-01 10:00:00+01Z", "2024-06-01 10:00:00 UTC", "2024-06-01 10:00:00 utc", "2024-06-01 10:00:00 uTc ",
	"2024-06-01 10:00:00 UTC x", "2024-06-01 10:00:00  UTC", "2024-06-01 10:00:00\tUTC", "2024-06-01 10:00:00 UTCX",
	"2024-06-01 10:00:00 GMT", "2024-06-01 10:00:00 Europe/Paris", "2024-06-01 10:00:00 Z", "2024-06-01 10:00:00 :",
	"2024-06-01 10:00 UTC", "2024-06-01 10:00 ", "2024-06-01 10:00:00 ", "2024-06-01 10:00:00  ", "2024-06-01 10:00:00\t",
	"2024-06-01 10:00:00Z\t", "2024-06-01 10:00:00\n", " 2024-06-01", "\t\n 2024-06-01 10:00", "294247-01-10 04:00:54.775806+05",
	// Unicode digits and spaces, junk, blanks.
	"２０２４-01-01", "2024-０６-01", "2024-06-01 １0:00", "٢٠٢٤-01-01", "2024-06-01\u00a010:00", "\u00a02024-06-01",
	"", " ", "\t", "-", "x", "2024-06-01 x\ny", "it's", `a\b`,
	// Numbers: signs, digits with underscores, fractions, exponents,
	// specials, overflow, spaces.
	"1", "1.5", "-1.5", "+1.5", "++1", "+-1", "-+1", "--1", ".5", "5.", ".", "-.5", "+.5", "-.", "1e5", "1E5", "1e+5", "1e-5",
	"1e", "1e+", "1.5e3", "1.5e3.2", "1.e1", ".e1", "1e1.", "e5", "1 e1", "1e5e5", "0x1F", "1_000", "_1", "1_", "1__0", "1_.5",
	"1._5", "1.5_", "1.5_5", "1e1_0", "1e_10", "1_e10", "-_1", "-1_0", "+_1", "1_0_0", ".5_5", "._5", "1.5E+3_0",
	"1_000.000_1e-1_0", "1e1_", "1,5", "Inf", "INF", "+inf", "infinit", "infinity1", "nan", "NaN", "-nan", "+nan", "nAn",
	"+-inf", "+-nan", "nan()", "nan(1)", "nan(a_b)", "nan(x y)", "nan(", "nan)", "NAN(1) ", "infnan", "1e400", "-1e400",
	"1e-400", "4.9e-324", "1.7976931348623159e308", "3.5e38", "1e99999999999999999999", "123456789012345678901234567890",
	"00001", "-0", "-00.000e000", "- 1", " 1", "1 ", "1\t", "\v1", "1\f", "1\u00a0", "١٢", "１", "1 1", "1d", "1f", "1-",
	// Booleans: ASCII case, look-alikes whose lower case is not ASCII.
	"TRUE", "yEs", "No", "F", "İ", "ﬁ", "Ｙ", "\u212a", "truE ",
}

// TestParseTextMatchesDuckDB compares, string by string, DuckDB's
// TRY_CAST(s AS TIMESTAMP) (its microseconds, or ±infinity) and whether
// TRY_CAST(s AS DOUBLE) and AS FLOAT succeed, with the PostgreSQL
// renderings of DuckDBTimestampText and DuckDBCastSucceeds (and the
// Redshift rendering of SparkBooleanText).
func TestParseTextMatchesDuckDB(t *testing.T) {
	c := shared.Cluster(t)
	conn := c.Conn(t, c.NewDB(t))
	ctx := context.Background()
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	duck.SetMaxOpenConns(1)
	if _, err := duck.Exec("CREATE TABLE texts (id BIGINT, s VARCHAR)"); err != nil {
		t.Fatal(err)
	}
	texts := append(parseTexts, "")
	for i, s := range texts {
		var v any = s
		if i == len(texts)-1 {
			v = nil // and NULL
		}
		if _, err := duck.Exec("INSERT INTO texts VALUES (?, ?)", i, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := pgtest.CopyFromDuckDB(ctx, conn, duck, "texts", "SELECT * FROM texts"); err != nil {
		t.Fatal(err)
	}
	pg := typedDialect(Dialect(), func(c string) (string, bool) {
		return map[string]string{"s": "VARCHAR", "id": "BIGINT"}[c], c == "s" || c == "id"
	})
	s := sqlexpr.Col{Name: "s"}
	render := func(n sqlexpr.Node) string {
		t.Helper()
		q, err := pg.Render(n)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	ok := func(x sqlexpr.Node, ty string) string {
		return render(sqlexpr.Call{Fn: sqlexpr.DuckDBCastSucceeds, Args: []sqlexpr.Node{x, sqlexpr.Str{V: ty}}})
	}
	trimmed := sqlexpr.Call{Fn: sqlexpr.SparkTrim, Args: []sqlexpr.Node{s}}
	ts := render(sqlexpr.Call{Fn: sqlexpr.DuckDBTimestampText, Args: []sqlexpr.Node{s}})
	// The embedded engine's own rendering: the cast less the text's UTC offset.
	duckTS, err := sqlexpr.DuckDB().Render(sqlexpr.Call{Fn: sqlexpr.DuckDBTimestampText, Args: []sqlexpr.Node{s}})
	if err != nil {
		t.Fatal(err)
	}
	// Redshift's boolean-text check, sent to PostgreSQL (its only
	// difference there, lower() without COLLATE "C", is the point).
	rsBool, err := RedshiftDialect().Render(sqlexpr.Call{Fn: sqlexpr.SparkBooleanText, Args: []sqlexpr.Node{trimmed}})
	if err != nil {
		t.Fatal(err)
	}
	pq := `SELECT id, CASE WHEN isfinite(t) THEN CAST(extract(epoch FROM t) * 1000000 AS BIGINT) END, CASE WHEN NOT isfinite(t) THEN CAST(t AS TEXT) END, ` +
		ok(s, "TIMESTAMP") + ", " + ok(trimmed, "TIMESTAMP") + ", " + ok(s, "DOUBLE") + ", " + ok(s, "FLOAT") + ", " + ok(trimmed, "DOUBLE") + ", coalesce(" + rsBool + ", FALSE)" +
		" FROM (SELECT id, s, " + ts + " AS t FROM texts) AS q ORDER BY id"
	dq := `SELECT id, epoch_us(t), CASE WHEN isinf(t) THEN CAST(t AS VARCHAR) END, t IS NOT NULL, TRY_CAST(trim(s, ' ` + "\t\n\r" + `') AS TIMESTAMP) IS NOT NULL,
		TRY_CAST(s AS DOUBLE) IS NOT NULL, TRY_CAST(s AS FLOAT) IS NOT NULL, TRY_CAST(trim(s, ' ` + "\t\n\r" + `') AS DOUBLE) IS NOT NULL,
		coalesce(lower(trim(s, ' ` + "\t\n\r" + `')) IN ('t', 'true', 'y', 'yes', '1', 'f', 'false', 'n', 'no', '0'), FALSE)
		FROM (SELECT id, s, ` + duckTS + ` AS t FROM texts) ORDER BY id`
	type row struct {
		id                         int64
		us                         sql.NullInt64
		inf                        sql.NullString
		ts, tts, dbl, flt, tdbl, b bool
	}
	var want []row
	drows, err := duck.Query(dq)
	if err != nil {
		t.Fatal(err)
	}
	for drows.Next() {
		var r row
		if err := drows.Scan(&r.id, &r.us, &r.inf, &r.ts, &r.tts, &r.dbl, &r.flt, &r.tdbl, &r.b); err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	if err := drows.Err(); err != nil {
		t.Fatal(err)
	}
	prows, err := conn.Query(ctx, pq)
	if err != nil {
		t.Fatalf("PostgreSQL: %v\n%s", err, pq)
	}
	defer prows.Close()
	var n, parsed, numbers int
	for prows.Next() {
		var r row
		if err := prows.Scan(&r.id, &r.us, &r.inf, &r.ts, &r.tts, &r.dbl, &r.flt, &r.tdbl, &r.b); err != nil {
			t.Fatal(err)
		}
		w := want[n]
		if r != w {
			t.Errorf("%q: PostgreSQL %+v, DuckDB %+v", texts[r.id], r, w)
		}
		if w.ts {
			parsed++
		}
		if w.dbl {
			numbers++
		}
		n++
	}
	if err := prows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(texts) || parsed < 80 || numbers < 50 {
		t.Errorf("%d rows compared (of %d), %d timestamps, %d numbers", n, len(texts), parsed, numbers)
	}

	// A timestamp PostgreSQL cannot hold raises an error saying so
	// rather than becoming another value.
	_, err = conn.Exec(ctx, "SELECT "+strings.ReplaceAll(ts, `"s"`, `'-5000-01-01'::text`))
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL cannot hold this timestamp before 4713 BC") {
		t.Errorf("a timestamp before 4713 BC: %v", err)
	}
}
