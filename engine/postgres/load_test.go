package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/big"
	"strconv"
	"strings"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
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

// pgType is the PostgreSQL column type for a DuckDB one.
func pgType(duck string) (string, error) {
	switch {
	case duck == "BIGINT":
		return "bigint", nil
	case duck == "INTEGER":
		return "integer", nil
	case duck == "DOUBLE":
		return "double precision", nil
	case duck == "VARCHAR":
		return "text", nil
	case duck == "BOOLEAN":
		return "boolean", nil
	case duck == "DATE":
		return "date", nil
	case duck == "TIMESTAMP":
		return "timestamp", nil
	case strings.HasPrefix(duck, "DECIMAL("):
		return "numeric" + strings.TrimPrefix(duck, "DECIMAL"), nil
	}
	return "", fmt.Errorf("no PostgreSQL type for DuckDB's %s", duck)
}

// loaded is one dataset in both engines, as table "t".
type loaded struct {
	duck  *sql.DB
	pg    *pgx.Conn
	cols  []string // names
	types []string // DuckDB types
}

// loadBoth creates table t from a DuckDB SELECT in a fresh DuckDB and in
// the PostgreSQL database of conn (rows copied with COPY FROM, binary).
func loadBoth(t testing.TB, conn *pgx.Conn, table, query string) *loaded {
	t.Helper()
	ctx := context.Background()
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	duck.SetMaxOpenConns(1) // one in-memory database
	t.Cleanup(func() { duck.Close() })
	if _, err := duck.Exec("CREATE TABLE " + quoteIdent(table) + " AS " + query); err != nil {
		t.Fatalf("DuckDB: %v", err)
	}
	l := &loaded{duck: duck, pg: conn}
	rows, err := duck.Query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", table)
	if err != nil {
		t.Fatal(err)
	}
	var defs []string
	for rows.Next() {
		var n, ty string
		if err := rows.Scan(&n, &ty); err != nil {
			t.Fatal(err)
		}
		pt, err := pgType(ty)
		if err != nil {
			t.Fatal(err)
		}
		l.cols, l.types = append(l.cols, n), append(l.types, ty)
		defs = append(defs, quoteIdent(n)+" "+pt)
	}
	rows.Close()
	if _, err := conn.Exec(ctx, "CREATE TABLE "+quoteIdent(table)+" ("+strings.Join(defs, ", ")+")"); err != nil {
		t.Fatal(err)
	}
	rows, err = duck.Query("SELECT * FROM " + quoteIdent(table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var data [][]any
	for rows.Next() {
		vals := make([]any, len(l.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if d, ok := v.(duckdb.Decimal); ok {
				vals[i] = pgtype.Numeric{Int: new(big.Int).Set(d.Value), Exp: -int32(d.Scale), Valid: true}
			}
		}
		data = append(data, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{table}, l.cols, pgx.CopyFromRows(data)); err != nil {
		t.Fatalf("COPY into PostgreSQL: %v", err)
	}
	return l
}
