package postgres

import (
	"context"
	"database/sql"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dqlabs/dq/engine/postgres/pgtest"
)

// crosscheckDatasets returns the engine's crosscheck datasets (name →
// DuckDB SELECT), read from engine/crosscheck_data_test.go, so that the
// PostgreSQL suite runs on exactly the data the engine's oracle uses
// without a second copy of it.
func crosscheckDatasets(t testing.TB) []struct{ name, sql string } {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../crosscheck_data_test.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	var str func(e ast.Expr) string
	str = func(e ast.Expr) string {
		switch e := e.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(e.Value)
			if err != nil {
				t.Fatal(err)
			}
			return s
		case *ast.BinaryExpr:
			return str(e.X) + str(e.Y)
		case *ast.Ident:
			s, ok := consts[e.Name]
			if !ok {
				t.Fatalf("crosscheck data: unknown constant %s", e.Name)
			}
			return s
		}
		t.Fatalf("crosscheck data: unexpected expression %T", e)
		return ""
	}
	var out []struct{ name, sql string }
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if vs, ok := s.(*ast.ValueSpec); ok && d.Tok == token.CONST {
					for i, n := range vs.Names {
						consts[n.Name] = str(vs.Values[i])
					}
				}
			}
		case *ast.FuncDecl:
			if d.Name.Name != "cxDatasets" {
				continue
			}
			ast.Inspect(d.Body, func(n ast.Node) bool {
				cl, ok := n.(*ast.CompositeLit)
				if !ok || len(cl.Elts) != 2 {
					return true
				}
				name, ok1 := cl.Elts[0].(*ast.BasicLit)
				if !ok1 {
					return true
				}
				out = append(out, struct{ name, sql string }{str(name), str(cl.Elts[1])})
				return false
			})
		}
	}
	if len(out) < 5 {
		t.Fatalf("found only %d crosscheck datasets", len(out))
	}
	return out
}

// loaded is one dataset in both engines.
type loaded struct {
	duck  *sql.DB
	cols  []string // names
	types []string // DuckDB types
}

// loadBoth creates table from a DuckDB SELECT in a fresh DuckDB and in
// the PostgreSQL database of conn.
func loadBoth(t testing.TB, conn *pgx.Conn, table, query string) *loaded {
	t.Helper()
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	duck.SetMaxOpenConns(1) // one in-memory database
	t.Cleanup(func() { duck.Close() })
	if _, err := duck.Exec("CREATE TABLE " + quoteIdent(table) + " AS " + query); err != nil {
		t.Fatalf("DuckDB: %v", err)
	}
	l := &loaded{duck: duck}
	l.cols, l.types, err = pgtest.CopyFromDuckDB(context.Background(), conn, duck, table, "SELECT * FROM "+quoteIdent(table))
	if err != nil {
		t.Fatal(err)
	}
	return l
}
