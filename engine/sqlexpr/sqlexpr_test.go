package sqlexpr

import (
	"errors"
	"math"
	"testing"
)

func TestRenderDuckDB(t *testing.T) {
	d := DuckDB()
	x := Col{Name: `fare "amt"`}
	cases := []struct {
		n    Node
		want string
	}{
		{Agg{Fn: Count, Args: []Node{Star{}}}, `count(*)`},
		{Agg{Fn: Count, Args: []Node{Star{}}, Filter: Binary{Op: Gt, L: x, R: Num{V: 5}}}, `count(CASE WHEN ("fare ""amt""" > 5) THEN 1 END)`},
		{Agg{Fn: Sum, Args: []Node{x}, Filter: Raw{SQL: "`a b` = 'it''s `x`'"}}, `sum(CASE WHEN ("a b" = 'it''s ` + "`x`" + `') THEN "fare ""amt""" END)`},
		{Num{V: 0.1}, `CAST('0.1' AS DOUBLE)`},
		{Num{V: -3}, `-3`},
		{Num{V: math.Inf(-1)}, `CAST('-Inf' AS DOUBLE)`},
		{Cast{X: x, To: Double, Try: true}, `TRY_CAST("fare ""amt""" AS DOUBLE)`},
		{In{X: Str{V: "a'"}, List: []Node{Str{V: "b"}, Null{}}, Negate: true}, `('a''' NOT IN ('b', NULL))`},
		{Case{Whens: []When{{Cond: IsNull{X: x}, Then: Num{V: 0}}}, Else: Call{Fn: Length, Args: []Node{x}}}, `CASE WHEN ("fare ""amt""" IS NULL) THEN 0 ELSE length("fare ""amt""") END`},
	}
	for _, c := range cases {
		got, err := d.Render(c.n)
		if err != nil || got != c.want {
			t.Errorf("Render(%#v)\n got %s, %v\nwant %s", c.n, got, err, c.want)
		}
	}
}

func TestUnsupportedNamesDialectAndConstruct(t *testing.T) {
	d := &Dialect{Name: "toy", Ident: DuckDB().Ident, String: DuckDB().String, Funcs: map[Func]func([]string) string{}}
	_, err := d.Render(Binary{Op: And, L: Bool{V: true}, R: Call{Fn: RegexpFullMatch, Args: []Node{Col{Name: "a"}, Str{V: "x"}}}})
	var u *Unsupported
	if !errors.As(err, &u) || u.Dialect != "toy" || u.What != "function regexp_full_match" {
		t.Fatalf("err = %v", err)
	}
}

func TestNativeRendersOnlyInItsDialect(t *testing.T) {
	n := Binary{Op: And, L: Bool{V: true}, R: Native{Dialect: "duckdb", SQL: "x = 1", What: "a window"}}
	if got, err := DuckDB().Render(n); err != nil || got != "(TRUE AND x = 1)" {
		t.Fatalf("duckdb: %s, %v", got, err)
	}
	other := *DuckDB()
	other.Name = "elsewhere"
	_, err := other.Render(n)
	var u *Unsupported
	if !errors.As(err, &u) || u.Dialect != "elsewhere" || u.What != "a window" {
		t.Fatalf("err = %v", err)
	}
}
