package postgres

import (
	"errors"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Constructs PostgreSQL cannot express exactly render as *Unsupported
// naming the dialect and the construct, never as an approximation.
func TestDialectRefusesInexactConstructs(t *testing.T) {
	x := sqlexpr.Col{Name: "s"}
	re := func(p string) sqlexpr.Node {
		return sqlexpr.Call{Fn: sqlexpr.RegexpFullMatch, Args: []sqlexpr.Node{x, sqlexpr.Str{V: p}}}
	}
	cases := []struct {
		d    *sqlexpr.Dialect
		n    sqlexpr.Node
		what string
	}{
		{Dialect(), re(`\bword\b`), "word boundaries"},
		{Dialect(), re(`(?m)^a$`), "multi-line anchors"},
		{Dialect(), re(`a{256}`), "limit of 255"},
		{Dialect(), re(`a(`), "not a valid RE2 pattern"},
		{Dialect(), sqlexpr.Call{Fn: sqlexpr.RegexpFullMatch, Args: []sqlexpr.Node{x, x}}, "not a literal"},
		{Dialect(), sqlexpr.Cast{X: x, To: sqlexpr.Double, Try: true}, "TRY_CAST"},
		// PostgreSQL's lower/upper are translate() tables; Redshift's
		// translate() is not documented for multi-byte characters.
		{RedshiftDialect(), sqlexpr.Call{Fn: sqlexpr.Lower, Args: []sqlexpr.Node{x}}, "function lower"},
		{RedshiftDialect(), sqlexpr.Call{Fn: sqlexpr.Upper, Args: []sqlexpr.Node{x}}, "function upper"},
		{RedshiftDialect(), sqlexpr.Call{Fn: sqlexpr.SparkDate, Args: []sqlexpr.Node{x}}, "function spark_date"},
		{Dialect(), sqlexpr.Call{Fn: sqlexpr.DuckDBCastSucceeds, Args: []sqlexpr.Node{x, sqlexpr.Str{V: "DOUBLE"}}}, "DuckDB's own parsing"},
		{Dialect(), sqlexpr.Call{Fn: sqlexpr.DuckDBCastSucceeds, Args: []sqlexpr.Node{sqlexpr.Call{Fn: sqlexpr.SparkTrim, Args: []sqlexpr.Node{x}}, sqlexpr.Str{V: "DECIMAL(10,2)"}}}, "DuckDB's own parsing"},
		{RedshiftDialect(), sqlexpr.Call{Fn: sqlexpr.DuckDBTimestampText, Args: []sqlexpr.Node{x}}, "DuckDB's own parsing of timestamps"},
		{RedshiftDialect(), sqlexpr.Call{Fn: sqlexpr.DuckDBCastSucceeds, Args: []sqlexpr.Node{sqlexpr.Call{Fn: sqlexpr.SparkTrim, Args: []sqlexpr.Node{x}}, sqlexpr.Str{V: "DOUBLE"}}}, "DuckDB's own parsing"},
		{RedshiftDialect(), sqlexpr.Call{Fn: sqlexpr.IntegerText, Args: []sqlexpr.Node{x, sqlexpr.Num{V: 32}}}, "function integer_text"},
		{RedshiftDialect(), sqlexpr.Call{Fn: sqlexpr.HoursSince, Args: []sqlexpr.Node{sqlexpr.Num{V: 0}, x}}, "function hours_since"},
		{RedshiftDialect(), re(`a+`), "function regexp_full_match"},
	}
	for _, c := range cases {
		_, err := c.d.Render(sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: c.n})
		var u *sqlexpr.Unsupported
		if !errors.As(err, &u) || u.Dialect != c.d.Name || !strings.Contains(u.What, c.what) {
			t.Errorf("%s: %#v: err = %v, want Unsupported mentioning %q", c.d.Name, c.n, err, c.what)
		}
	}
}

func TestDialectSpellings(t *testing.T) {
	cases := []struct {
		d    *sqlexpr.Dialect
		n    sqlexpr.Node
		want string
	}{
		{Dialect(), sqlexpr.Str{V: `it's a\b`}, `'it''s a\b'`},
		{RedshiftDialect(), sqlexpr.Str{V: `it's a\b`}, `'it''s a\\b'`},
		{Dialect(), sqlexpr.Col{Name: `Odd "Name"`}, `"Odd ""Name"""`},
		{Dialect(), sqlexpr.Num{V: 0.1}, `CAST('0.1' AS DOUBLE PRECISION)`},
		{RedshiftDialect(), sqlexpr.Cast{X: sqlexpr.Col{Name: "a"}, To: sqlexpr.Varchar}, `CAST("a" AS VARCHAR(65535))`},
		{Dialect(), sqlexpr.Call{Fn: sqlexpr.RegexpFullMatch, Args: []sqlexpr.Node{sqlexpr.Col{Name: "s"}, sqlexpr.Str{V: `[a-c]\d{2}|é`}}},
			`("s" ~ '\A(?:[a-c][0-9]{2}|\u00e9)\Z')`},
		// Which letters lower() maps into t, r, u, e, y, s, f, a, l, n, o
		// does not depend on its Unicode tables (only ASCII capitals do).
		{RedshiftDialect(), sqlexpr.Call{Fn: sqlexpr.SparkBooleanText, Args: []sqlexpr.Node{sqlexpr.Col{Name: "s"}}},
			`(lower("s") IN ('t', 'true', 'y', 'yes', '1', 'f', 'false', 'n', 'no', '0'))`},
	}
	for _, c := range cases {
		got, err := c.d.Render(c.n)
		if err != nil || got != c.want {
			t.Errorf("%s: Render(%#v) = %s, %v; want %s", c.d.Name, c.n, got, err, c.want)
		}
	}
}

// The text of a float is not PostgreSQL's business: its shortest digits
// are spelt differently from DuckDB's (1e+15 vs 1000000000000000.0).
func TestTypedDialectRefusesFloatText(t *testing.T) {
	types := map[string]string{"f": "DOUBLE", "r": "FLOAT", "i": "BIGINT", "s": "VARCHAR"}
	d := typedDialect(Dialect(), func(c string) (string, bool) { ty, ok := types[c]; return ty, ok })
	text := func(x sqlexpr.Node) sqlexpr.Node { return sqlexpr.Cast{X: x, To: sqlexpr.Varchar} }
	for _, x := range []sqlexpr.Node{sqlexpr.Col{Name: "f"}, sqlexpr.Col{Name: "r"}, sqlexpr.Col{Name: "unknown"},
		sqlexpr.Num{V: 1.5}, sqlexpr.Cast{X: sqlexpr.Col{Name: "i"}, To: sqlexpr.Double}} {
		var u *sqlexpr.Unsupported
		if _, err := d.Render(text(x)); !errors.As(err, &u) || !strings.Contains(u.What, "DOUBLE") {
			t.Errorf("%#v: err = %v", x, err)
		}
	}
	for _, x := range []sqlexpr.Node{sqlexpr.Col{Name: "i"}, sqlexpr.Col{Name: "s"}, sqlexpr.Num{V: 3}} {
		if _, err := d.Render(text(x)); err != nil {
			t.Errorf("%#v: %v", x, err)
		}
	}
	// The table's other spellings are the base dialect's.
	if got, err := d.Render(sqlexpr.Binary{Op: sqlexpr.Div, L: sqlexpr.Col{Name: "i"}, R: sqlexpr.Num{V: 2}}); err != nil || !strings.Contains(got, "NULL") {
		t.Errorf("division: %s, %v", got, err)
	}
}
