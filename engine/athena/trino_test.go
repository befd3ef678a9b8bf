package athena

import (
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update after checking the change):\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// The Trino text of every construct dq's plans use, pinned by a golden
// file: this is the check that the SQL Athena receives is what we mean,
// since the fake runs it on DuckDB.
func TestTrinoRenderingGolden(t *testing.T) {
	x := sqlexpr.Col{Name: `Fare "amt"`}
	s := sqlexpr.Col{Name: "vendor_name"}
	cases := []struct {
		name string
		n    sqlexpr.Node
	}{
		{"row count", sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}}},
		{"count if", sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: sqlexpr.Binary{Op: sqlexpr.Gt, L: x, R: sqlexpr.Num{V: 5}}}},
		{"filtered sum with user where", sqlexpr.Agg{Fn: sqlexpr.Sum, Args: []sqlexpr.Node{x}, Filter: sqlexpr.Raw{SQL: "`a b` = 'it''s `x`'"}}},
		{"moments", sqlexpr.Binary{Op: sqlexpr.Add, L: sqlexpr.Agg{Fn: sqlexpr.StddevPop, Args: []sqlexpr.Node{x}}, R: sqlexpr.Agg{Fn: sqlexpr.VarPop, Args: []sqlexpr.Node{x}}}},
		{"corr", sqlexpr.Agg{Fn: sqlexpr.Corr, Args: []sqlexpr.Node{x, sqlexpr.Col{Name: "tip"}}}},
		{"fraction literal", sqlexpr.Num{V: 0.1}},
		{"NaN", sqlexpr.Num{V: math.NaN()}},
		{"+Inf", sqlexpr.Num{V: math.Inf(1)}},
		{"-Inf", sqlexpr.Num{V: math.Inf(-1)}},
		{"try_cast", sqlexpr.Cast{X: s, To: sqlexpr.Double, Try: true}},
		{"cast", sqlexpr.Cast{X: s, To: sqlexpr.Date}},
		{"string escaping", sqlexpr.In{X: s, List: []sqlexpr.Node{sqlexpr.Str{V: "O'Brien"}, sqlexpr.Str{V: `back\slash "q" ünï`}, sqlexpr.Null{}}, Negate: true}},
		{"length", sqlexpr.Agg{Fn: sqlexpr.Max, Args: []sqlexpr.Node{sqlexpr.Call{Fn: sqlexpr.Length, Args: []sqlexpr.Node{s}}}}},
		{"trim", sqlexpr.Call{Fn: sqlexpr.Trim, Args: []sqlexpr.Node{s}}},
		{"greatest skips NULLs", sqlexpr.Call{Fn: sqlexpr.Greatest, Args: []sqlexpr.Node{x, sqlexpr.Num{V: 0}}}},
		{"non-finite", sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: sqlexpr.AndAll(
			sqlexpr.Call{Fn: sqlexpr.IsNaN, Args: []sqlexpr.Node{x}}, sqlexpr.Not{X: sqlexpr.Call{Fn: sqlexpr.IsInf, Args: []sqlexpr.Node{x}}},
			sqlexpr.Call{Fn: sqlexpr.IsFinite, Args: []sqlexpr.Node{x}})}},
		{"regex full match", sqlexpr.Call{Fn: sqlexpr.RegexpFullMatch, Args: []sqlexpr.Node{s, sqlexpr.Str{V: `[A-Z]\d{2,}-x.`}}}},
		{"regex case-insensitive", sqlexpr.Call{Fn: sqlexpr.RegexpFullMatch, Args: []sqlexpr.Node{s, sqlexpr.Str{V: `(?i)ok|n'a$`}}}},
		{"utc timestamp", sqlexpr.Cast{X: sqlexpr.Call{Fn: sqlexpr.UTCTimestamp, Args: []sqlexpr.Node{sqlexpr.Col{Name: "inst"}}}, To: sqlexpr.Date}},
		{"instant literal", sqlexpr.Binary{Op: sqlexpr.Ge, L: sqlexpr.Col{Name: "inst"}, R: sqlexpr.Cast{X: sqlexpr.Str{V: "2024-06-01 00:00:00+00"}, To: sqlexpr.TimestampTZ}}},
		{"spark trim", sqlexpr.Call{Fn: sqlexpr.SparkTrim, Args: []sqlexpr.Node{s}}},
		{"spark date", sqlexpr.Binary{Op: sqlexpr.Gt, L: sqlexpr.Call{Fn: sqlexpr.SparkDate, Args: []sqlexpr.Node{s}}, R: sqlexpr.Cast{X: sqlexpr.Str{V: "2024-02-29"}, To: sqlexpr.Date}}},
		{"spark boolean text", sqlexpr.Call{Fn: sqlexpr.SparkBooleanText, Args: []sqlexpr.Node{s}}},
		{"integer text 32", sqlexpr.Call{Fn: sqlexpr.IntegerText, Args: []sqlexpr.Node{s, sqlexpr.Num{V: 32}}}},
		{"integer text 64", sqlexpr.Call{Fn: sqlexpr.IntegerText, Args: []sqlexpr.Node{s, sqlexpr.Num{V: 64}}}},
		{"uniqueness window", sqlexpr.Binary{Op: sqlexpr.Eq, L: sqlexpr.Window{Agg: sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: sqlexpr.Raw{SQL: "id > 2"}},
			PartitionBy: []sqlexpr.Node{s, x}}, R: sqlexpr.Num{V: 1}}},
		{"data freshness", sqlexpr.Binary{Op: sqlexpr.Le, L: sqlexpr.Call{Fn: sqlexpr.HoursSince, Args: []sqlexpr.Node{sqlexpr.Num{V: 1717243200000000}, sqlexpr.Col{Name: "ts"}}}, R: sqlexpr.Num{V: 24}}},
		{"data freshness of a date", sqlexpr.Call{Fn: sqlexpr.HoursSince, Args: []sqlexpr.Node{sqlexpr.Num{V: 1717243200000000}, sqlexpr.Cast{X: sqlexpr.Col{Name: "d"}, To: sqlexpr.Timestamp}}}},
		{"case", sqlexpr.Case{Whens: []sqlexpr.When{{Cond: sqlexpr.IsNull{X: x}, Then: sqlexpr.Num{V: 0}}}, Else: sqlexpr.Call{Fn: sqlexpr.Ln, Args: []sqlexpr.Node{x}}}},
	}
	var b strings.Builder
	for _, c := range cases {
		got, err := Trino().Render(c.n)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		b.WriteString("-- " + c.name + "\n" + got + "\n\n")
	}
	golden(t, "trino_nodes.sql", b.String())
}

func TestTrinoRefusesRegexWithOtherMeaning(t *testing.T) {
	for _, p := range []string{`\bword\b`, `a\B`, `(?m)^a$`} {
		_, err := Trino().Render(sqlexpr.Call{Fn: sqlexpr.RegexpFullMatch, Args: []sqlexpr.Node{sqlexpr.Col{Name: "c"}, sqlexpr.Str{V: p}}})
		var u *sqlexpr.Unsupported
		if !errors.As(err, &u) || u.Dialect != "trino" || !strings.Contains(u.What, fmt.Sprintf("%q", p)) {
			t.Errorf("%q: err = %v, want an Unsupported naming trino and the pattern", p, err)
		}
	}
	_, err := Trino().Render(sqlexpr.Call{Fn: sqlexpr.RegexpFullMatch, Args: []sqlexpr.Node{sqlexpr.Col{Name: "c"}, sqlexpr.Col{Name: "p"}}})
	if err == nil {
		t.Error("a column as the pattern was rendered; it cannot be checked")
	}
}

// The rewritten pattern keeps RE2's full-match meaning: checked here with
// Go's RE2 engine on both spellings over strings that probe each rewrite
// (\s and \v, . and \r, $ and a final newline, case folding, Unicode).
func TestJavaRegexKeepsRE2Meaning(t *testing.T) {
	patterns := []string{`abc`, `a.c`, `(?s)a.c`, `\d+`, `\w+\s\w+`, `[[:alpha:]]+`, `\pL+`, `[^a-c]*`, `(?i)straße`, `(?i)k`,
		`a$`, `^a`, `\Aa\z`, `(a|b)*?c`, `(?U)a+`, `x{2,3}`, `x{2,}`, `x{2}`, `[\x{10000}-\x{10FFFF}]`, `\.\*\+\?\(\)\[\]\{\}\|\^\$\\`, `'quoted'`, `(?:)`, `a|`, `[^\x00-\x{10FFFF}]`}
	inputs := []string{"", "abc", "aXc", "a\nc", "a\rc", "12", "1\v2", "ab cd", "ab\vcd", "Straße", "STRASSE", "straße", "K", "k", "\u212a",
		"a", "a\n", "ab", "bac", "aaa", "xx", "xxx", "xxxx", "😀", ".*+?()[]{}|^$\\", "'quoted'", "é", "deé"}
	for _, p := range patterns {
		j, err := javaRegex(p)
		if err != nil {
			t.Errorf("%q: %v", p, err)
			continue
		}
		orig := regexp.MustCompile(`^(?:` + p + `)$`)
		conv, err := regexp.Compile(`\A(?:` + j + `)\z`)
		if err != nil {
			t.Errorf("%q → %q does not parse: %v", p, j, err)
			continue
		}
		for _, in := range inputs {
			if orig.MatchString(in) != conv.MatchString(in) {
				t.Errorf("%q → %q: on %q RE2 says %v, rewrite says %v", p, j, in, orig.MatchString(in), conv.MatchString(in))
			}
		}
		for _, bad := range []string{`\d`, `\w`, `\s`, `[:`, `.`, `$`, `^`, "(?i", "(?U"} {
			if strings.Contains(strings.ReplaceAll(j, "[^", "["), bad) {
				t.Errorf("%q → %q still contains %s, which Java reads differently", p, j, bad)
			}
		}
	}
}

// Comparisons of DOUBLE operands are rewritten so that NaN orders as in
// DuckDB (above every number, equal to itself) where Trino's comparisons
// with NaN are false. The rewrite takes its NaN branch whenever a NaN is
// present and the plain comparison otherwise, so running it on DuckDB and
// comparing with DuckDB's own comparison checks the branch logic on every
// pair of NaN, ±Infinity, numbers and NULL.
func TestTrinoComparisonsOrderNaNAsDuckDB(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TEMP MACRO is_nan(x) AS isnan(x);
		CREATE TEMP MACRO nan() AS CAST('NaN' AS DOUBLE);
		CREATE TABLE v AS SELECT a.x AS a, b.x AS b FROM
		(SELECT unnest(['1', '2', 'NaN', '-Infinity', 'Infinity', NULL]::DOUBLE[]) AS x) a,
		(SELECT unnest(['1', '2', 'NaN', '-Infinity', 'Infinity', NULL]::DOUBLE[]) AS x) b`); err != nil {
		t.Fatal(err)
	}
	d := typedTrino(func(c string) (string, bool) { return "DOUBLE", c == "a" || c == "b" })
	a, b := sqlexpr.Col{Name: "a"}, sqlexpr.Col{Name: "b"}
	for _, op := range []sqlexpr.Op{sqlexpr.Eq, sqlexpr.Ne, sqlexpr.Lt, sqlexpr.Le, sqlexpr.Gt, sqlexpr.Ge} {
		for _, pair := range [][2]sqlexpr.Node{{a, b}, {a, sqlexpr.Num{V: 1}}, {sqlexpr.Num{V: 2}, b}, {a, sqlexpr.Num{V: math.NaN()}}, {sqlexpr.Num{V: math.NaN()}, b}} {
			n := sqlexpr.Binary{Op: op, L: pair[0], R: pair[1]}
			got, err := d.Render(n)
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := sqlexpr.DuckDB().Render(n)
			var bad int
			q := `SELECT count(*) FROM v WHERE (` + got + `) IS DISTINCT FROM (` + plain + `)`
			if err := db.QueryRow(q).Scan(&bad); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if bad != 0 {
				t.Errorf("%s: %d of 36 pairs differ from DuckDB's %s", got, bad, plain)
			}
		}
	}
	// Integer columns are left alone.
	d = typedTrino(func(string) (string, bool) { return "BIGINT", true })
	if got, _ := d.Render(sqlexpr.Binary{Op: sqlexpr.Ge, L: a, R: sqlexpr.Num{V: 0}}); got != `("a" >= 0)` {
		t.Errorf("BIGINT comparison: %s", got)
	}
	// The text of a DOUBLE or TIMESTAMP column is refused.
	d = typedTrino(func(c string) (string, bool) { return map[string]string{"a": "DOUBLE", "b": "TIMESTAMP"}[c], true })
	for _, c := range []sqlexpr.Col{a, b} {
		_, err := d.Render(sqlexpr.Call{Fn: sqlexpr.Length, Args: []sqlexpr.Node{sqlexpr.Cast{X: c, To: sqlexpr.Varchar, Try: true}}})
		var u *sqlexpr.Unsupported
		if !errors.As(err, &u) || !strings.Contains(u.What, "the text of") {
			t.Errorf("cast of %s to VARCHAR: %v", c.Name, err)
		}
	}
}
