package engine

import (
	"strings"
	"testing"
)

func TestQuoteIdentAndString(t *testing.T) {
	tests := []struct{ in, ident, str string }{
		{`a`, `"a"`, `'a'`},
		{`a"b`, `"a""b"`, `'a"b'`},
		{`it's`, `"it's"`, `'it''s'`},
		{`x.y z`, `"x.y z"`, `'x.y z'`},
		{`\`, `"\"`, `'\'`},
		{``, `""`, `''`},
	}
	for _, tc := range tests {
		if got := QuoteIdent(tc.in); got != tc.ident {
			t.Errorf("QuoteIdent(%q) = %s, want %s", tc.in, got, tc.ident)
		}
		if got := QuoteString(tc.in); got != tc.str {
			t.Errorf("QuoteString(%q) = %s, want %s", tc.in, got, tc.str)
		}
	}
}

func TestRewriteRelations(t *testing.T) {
	rels := map[string]string{"primary": `"primary"`, "Ref": `"ref"`}
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"bare", "select count(*) from primary", `select count(*) from "primary"`, ""},
		{"case", "SELECT * FROM Primary p JOIN REF r ON p.id = r.id", `SELECT * FROM "primary" p JOIN "ref" r ON p.id = r.id`, ""},
		{"qualifier kept, member not", "select primary.primary from primary", `select "primary".primary from "primary"`, ""},
		{"string literal", "select 'primary' from primary", `select 'primary' from "primary"`, ""},
		{"escaped quote in string", "select 'it''s primary' from primary", `select 'it''s primary' from "primary"`, ""},
		{"E string", `select E'a\'primary' from primary`, `select E'a\'primary' from "primary"`, ""},
		{"dollar string", "select $$ primary $$, $t$x primary$t$ from primary", `select $$ primary $$, $t$x primary$t$ from "primary"`, ""},
		{"quoted ident", `select "primary" from primary`, `select "primary" from "primary"`, ""},
		{"line comment dropped", "select 1 from primary -- primary\n", `select 1 from "primary"`, ""},
		{"block comment dropped", "select /* primary /* nested */ */ 1 from primary", `select   1 from "primary"`, ""},
		{"longer word", "select primary_key from primaryx", "select primary_key from primaryx", ""},
		{"unicode word", "select primaryé from primary", `select primaryé from "primary"`, ""},
		{"trailing semicolon", "select 1 from primary;  ", `select 1 from "primary"`, ""},
		{"second statement", "select 1 from primary; drop table x", "", "only one SQL statement"},
		{"second statement after comment", "select 1; -- x\n select 2", "", "only one SQL statement"},
		{"semicolon in string ok", "select ';' from primary", `select ';' from "primary"`, ""},
		{"unterminated string", "select 'abc from primary", "", "unterminated string"},
		{"unterminated ident", `select "abc from primary`, "", "unterminated quoted identifier"},
		{"unterminated comment", "select /* abc from primary", "", "unterminated comment"},
		{"empty", "  -- nothing\n ; ", "", "empty SQL statement"},
		{"parameter-like", "select $1, ? from primary", `select $1, ? from "primary"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RewriteRelations(tc.in, rels)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("RewriteRelations(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("RewriteRelations(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("RewriteRelations(%q)\n got %s\nwant %s", tc.in, got, tc.want)
			}
		})
	}
	if _, err := RewriteRelations("select 1", map[string]string{"a": "x", "A": "y"}); err == nil {
		t.Error("case-colliding relation names accepted")
	}
}

func TestCheckReadOnlySQL(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"select count(*) from primary", true},
		{"  (SELECT 1) UNION (SELECT 2)", true},
		{"WITH x AS (SELECT * FROM primary) SELECT count(*) FROM x", true},
		{"values (1), (2)", true},
		{"FROM primary SELECT id", true},
		{"TABLE primary", true},
		{"/* leading comment */ select 1", true},
		{"select 'drop table x; delete'", true},
		{`select "delete" from primary`, true},
		{"select enable from primary", true}, // a column, not a call
		{"select 1;", true},
		{"drop table primary", false},
		{"create table t as select 1", false},
		{"insert into primary values (1)", false},
		{"COPY primary TO '/tmp/x.csv'", false},
		{"ATTACH 'x.db'", false},
		{"INSTALL httpfs", false},
		{"LOAD httpfs", false},
		{"SET threads = 1", false},
		{"PRAGMA version", false},
		{"CALL enable_logging()", false},
		{"select 1; drop table primary", false},
		{"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", false},
		{"WITH x AS (SELECT 1) DELETE FROM t", false},
		{"select * from enable_logging(storage_path='/tmp')", false},
		{"select * from DISABLE_PROFILING ()", false},
		{"select checkpoint()", false},
		{"select nextval('s')", false},
		{`select "nextval"('s')`, false}, // a quoted name is still a call
		// Introspection: settings, environment and paths (issue 15 #14).
		{"select current_setting('temp_directory')", false},
		{"SELECT Current_Setting ('secret_directory')", false},
		{`select "current_setting"('temp_directory')`, false},
		{"select system.main.current_setting('home_directory')", false},
		{"select * from duckdb_settings()", false},
		{"select * from duckdb_extensions()", false},
		{"select * from duckdb_secrets()", false},
		{"select * from duckdb_temporary_files()", false},
		{"select getenv('HOME')", false},
		{"select * from duckdb_databases", false}, // a view: no parentheses
		{`select * from "duckdb_databases"`, false},
		{"select * from pragma_database_list", false},
		{"select * from pragma_user_agent()", false},
		{"select * from query('select current_setting(''temp_directory'')')", false},
		{"select * from query_table('primary')", false},
		{"select current_setting from primary", true}, // a column, not a call
		{`select "query" from primary`, true},
		{"select 'current_setting(1)' from primary", true},
		{"", false},
	}
	for _, tc := range tests {
		err := CheckReadOnlySQL(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("CheckReadOnlySQL(%q) = %v, want ok=%t", tc.in, err, tc.ok)
		}
	}
}

func TestCheckExpressionSQL(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"att1 = 'a'", "att1 = 'a'", true},
		{"x IN (1, 2) AND y > 0", "x IN (1, 2) AND y > 0", true},
		{"s = ')'", "s = ')'", true},
		{"a > 1 -- trailing", "a > 1", true},
		{"(SELECT count(*) FROM \"primary\") > 0", "(SELECT count(*) FROM \"primary\") > 0", true},
		{"l[1] = 2", "l[1] = 2", true},
		{"1=1) OR (1=1", "", false},
		{"a = 1; DROP TABLE x", "", false},
		{"(a = 1", "", false},
		{"a = (1]", "", false},
		{"enable_logging() IS NULL", "", false},
		{"current_setting('temp_directory') LIKE '/tmp%'", "", false},
		{"getvariable('x') IS NULL", "", false},
		{"  ", "", false},
		{"'unterminated", "", false},
	}
	for _, tc := range tests {
		got, err := CheckExpressionSQL(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("CheckExpressionSQL(%q) error = %v, want ok=%t", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && got != tc.want {
			t.Errorf("CheckExpressionSQL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGlobMatching(t *testing.T) {
	tests := []struct {
		pat, name string
		want      bool
	}{
		{"*.parquet", "a.parquet", true},
		{"*.parquet", "x/a.parquet", false},
		{"**/*.parquet", "a.parquet", true},
		{"**/*.parquet", "y=1/m=2/a.parquet", true},
		{"y=*/*.csv", "y=1/a.csv", true},
		{"y=*/*.csv", "y=1/m=2/a.csv", false},
		{"**", "a/b/c", true},
	}
	for _, tc := range tests {
		got := matchSegments(strings.Split(tc.pat, "/"), strings.Split(tc.name, "/"))
		if got != tc.want {
			t.Errorf("matchSegments(%q, %q) = %t, want %t", tc.pat, tc.name, got, tc.want)
		}
	}
	for name, want := range map[string]string{
		"a.parquet": "parquet", "a.PARQUET": "parquet", "x.csv.gz": "csv", "x.tsv": "csv",
		"x.json.zst": "json", "x.jsonl": "json", "x.ndjson.zstd": "json", "000000_0": "", "x.gz": "",
	} {
		if got := formatOf(name); got != want {
			t.Errorf("formatOf(%q) = %q, want %q", name, got, want)
		}
	}
}
