package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeText writes a file for a reader test and returns its path.
func writeText(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// registered registers path with opts and returns the dataset and session.
func registered(t *testing.T, path string, opts FileOptions) (*Dataset, *Session) {
	t.Helper()
	s := openTestSession(t, SessionOptions{Threads: 2})
	ds, err := s.Register(context.Background(), "primary", Files(path, opts))
	if err != nil {
		t.Fatal(err)
	}
	return ds, s
}

func colType(ds *Dataset, name string) string {
	for _, c := range ds.Columns {
		if c.Name == name {
			return c.Type
		}
	}
	return "<missing>"
}

// query runs one query on the session and returns its single row as text.
func query(t *testing.T, s *Session, q string) string {
	t.Helper()
	rows, err := s.Conn().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if v == nil {
				out = append(out, "NULL")
			} else if b, ok := v.([]byte); ok {
				out = append(out, string(b))
			} else {
				out = append(out, fmt.Sprint(v))
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return strings.Join(out, "|")
}

// A numeric column with 'n/a' at row 150,000 (far past DuckDB's 20,480-row
// sample) is read as text, and the rules on the other columns still
// evaluate instead of ERRORing on a conversion failure.
func TestCSVLateBadValue(t *testing.T) {
	const n = 160_000
	var b strings.Builder
	b.WriteString("id,amount,name\n")
	for i := 1; i <= n; i++ {
		amount := fmt.Sprintf("%d.5", i%1000)
		if i == 150_000 {
			amount = "n/a"
		}
		fmt.Fprintf(&b, "%d,%s,name%d\n", i, amount, i%7)
	}
	p := writeText(t, t.TempDir(), "late.csv", b.String())
	res, err := Evaluate(context.Background(), parseRules(t, `Rules = [
		RowCount = 160000,
		IsComplete "id",
		ColumnValues "id" between 0 and 160001,
		ColumnLength "name" = 5,
		ColumnValues "amount" in ["n/a"] with threshold <= 0.00001
	]`), Files(p, FileOptions{}), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range res.RuleResults {
		if rr.Result != Pass {
			t.Errorf("%s: %s %s", rr.Description, rr.Result, rr.EvaluationMessage)
		}
	}
	ds, _ := registered(t, p, FileOptions{})
	if got := colType(ds, "amount"); got != "VARCHAR" {
		t.Errorf("amount type = %s, want VARCHAR", got)
	}
	if got := colType(ds, "id"); got != "BIGINT" {
		t.Errorf("id type = %s, want BIGINT", got)
	}

	// Forcing the type instead keeps it numeric; the one bad value is NULL
	// and counted.
	ds, s := registered(t, p, FileOptions{ColumnTypes: map[string]string{"amount": "decimal(10, 2)"}})
	if got := colType(ds, "amount"); got != "DECIMAL(10,2)" {
		t.Errorf("forced amount type = %s", got)
	}
	want := []UnparseableCount{{Column: "amount", Type: "DECIMAL(10,2)", Count: 1}}
	if fmt.Sprint(ds.Unparseable) != fmt.Sprint(want) {
		t.Errorf("Unparseable = %v, want %v", ds.Unparseable, want)
	}
	// Hand arithmetic: 160 full cycles of 0.5..999.5 (sum 500,000 each),
	// minus the value 150000 % 1000 = 0 → 0.5 replaced by NULL.
	if got := query(t, s, `SELECT count(amount), sum(amount) FROM "primary"`); got != "159999|79999999.5" {
		t.Errorf("count, sum = %s", got)
	}
}

// A JSON Lines field that first appears on line 50,000 is a column.
func TestJSONLateField(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 60_000; i++ {
		if i == 50_000 {
			fmt.Fprintf(&b, `{"id":%d,"extra":"late é"}`+"\n", i)
			continue
		}
		fmt.Fprintf(&b, `{"id":%d}`+"\n", i)
	}
	p := writeText(t, t.TempDir(), "late.jsonl", b.String())
	ds, s := registered(t, p, FileOptions{})
	if got := colType(ds, "extra"); got != "VARCHAR" {
		t.Fatalf("extra type = %s (columns %v)", got, ds.Columns)
	}
	if got := query(t, s, `SELECT count(extra), max(extra), count(*) FROM "primary"`); got != "1|late é|60000" {
		t.Errorf("got %s", got)
	}
	res := evaluate(t, p, `Rules = [ ColumnExists "extra", Completeness "extra" between 0.00001 and 0.0001 ]`, Options{})
	for _, rr := range res.RuleResults {
		if rr.Result != Pass {
			t.Errorf("%s: %s %s", rr.Description, rr.Result, rr.EvaluationMessage)
		}
	}
}

// A JSON field with values of several JSON types is text, as Spark infers
// it: strings unquoted, other values as their JSON text, null NULL.
func TestJSONMixedTypesAreText(t *testing.T) {
	p := writeText(t, t.TempDir(), "mix.jsonl", `{"v": 1, "n": 1}
{"v": "x", "n": 2}
{"v": {"a": [1, 2]}, "n": 3}
{"v": [1, "b"], "n": 4}
{"v": true, "n": 5}
{"v": null, "n": 6}
{"v": "NaN", "n": 7}
{"v": "quote\"d é", "n": 8}
`)
	ds, s := registered(t, p, FileOptions{})
	if got := colType(ds, "v"); got != "VARCHAR" {
		t.Fatalf("v type = %s (columns %v)", got, ds.Columns)
	}
	want := `1|x|{"a":[1,2]}|[1,"b"]|true|NULL|NaN|quote"d é`
	if got := query(t, s, `SELECT v FROM "primary" ORDER BY n`); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	res := evaluate(t, p, `Rules = [ ColumnValues "v" in ["NaN", "x", "1"] with threshold between 0.37 and 0.38, ColumnLength "v" <= 11, Completeness "v" between 0.87 and 0.88 ]`, Options{})
	for _, rr := range res.RuleResults {
		if rr.Result != Pass {
			t.Errorf("%s: %s %s %v", rr.Description, rr.Result, rr.EvaluationMessage, rr.EvaluatedMetrics)
		}
	}
}

// Blank CSV fields: "" in text columns (as Glue reads them), NULL in
// typed ones; --null-value strings are NULL everywhere.
func TestCSVBlankAndNullStrings(t *testing.T) {
	dir := t.TempDir()
	p := writeText(t, dir, "b.csv", "id,name,amount,d\n1,a,1.5,2024-01-01\n2,,,\n3,\"\",2,2024-01-03\n4,NA,NA,NA\n")

	ds, s := registered(t, p, FileOptions{CSV: CSVOptions{NullValues: []string{"NA"}}})
	for name, want := range map[string]string{"id": "BIGINT", "name": "VARCHAR", "amount": "DOUBLE", "d": "DATE"} {
		if got := colType(ds, name); got != want {
			t.Errorf("%s: type %s, want %s", name, got, want)
		}
	}
	if got := query(t, s, `SELECT list(name ORDER BY id), list(amount ORDER BY id), count(d) FROM "primary"`); got != "[a   <nil>]|[1.5 <nil> 2 <nil>]|2" {
		t.Errorf("got %s", got)
	}

	// Default: no null strings, so NA is text and makes amount and d text.
	_, s = registered(t, p, FileOptions{})
	if got := query(t, s, `SELECT count(name), count(*) FILTER (WHERE name = ''), typeof(any_value(amount)) FROM "primary"`); got != "4|2|VARCHAR" {
		t.Errorf("default: got %s", got)
	}

	// EmptyAsNull: blank text is NULL.
	_, s = registered(t, p, FileOptions{CSV: CSVOptions{NullValues: []string{"NA"}, EmptyAsNull: true}})
	if got := query(t, s, `SELECT count(name) FROM "primary"`); got != "1" {
		t.Errorf("EmptyAsNull: non-null names = %s, want 1", got)
	}

	res := evaluate(t, p, `Rules = [ Completeness "name" = 1.0, ColumnValues "name" in ["a", ""] with threshold = 0.75 ]`, Options{})
	for _, rr := range res.RuleResults {
		if rr.Result != Pass {
			t.Errorf("%s: %s %s", rr.Description, rr.Result, rr.EvaluationMessage)
		}
	}
}

func TestCSVDialectOptions(t *testing.T) {
	dir := t.TempDir()
	// Semicolons, single quotes, no header, day-first dates and a custom
	// timestamp format.
	p := writeText(t, dir, "d.csv", "1;'x;y';03/02/2024;2024.02.03-10h11\n2;'z';31/12/2023;2023.12.31-23h59\n")
	hdr := false
	ds, s := registered(t, p, FileOptions{
		CSV:             CSVOptions{Delimiter: ";", Quote: "'", Header: &hdr},
		DateFormat:      "%d/%m/%Y",
		TimestampFormat: "%Y.%m.%d-%Hh%M",
	})
	if len(ds.Columns) != 4 || colType(ds, "column2") != "DATE" || colType(ds, "column3") != "TIMESTAMP" {
		t.Fatalf("columns %v", ds.Columns)
	}
	if got := query(t, s, `SELECT list(column1 ORDER BY column0), min(column2)::VARCHAR, max(column3)::VARCHAR FROM "primary"`); got != "[x;y z]|2023-12-31|2024-02-03 10:11:00" {
		t.Errorf("got %s", got)
	}

	// A tab given as \t, and a header.
	p = writeText(t, dir, "t.txt", "a\tb\n1\tx y\n")
	ds, _ = registered(t, p, FileOptions{CSV: CSVOptions{Delimiter: `\t`}})
	if len(ds.Columns) != 2 || ds.Columns[1].Name != "b" {
		t.Errorf("tab columns %v", ds.Columns)
	}

	// Bad options are errors, not guesses.
	for _, o := range []FileOptions{
		{CSV: CSVOptions{Delimiter: ",,"}},
		{CSV: CSVOptions{Quote: "ab"}},
		{CSV: CSVOptions{Ragged: "sometimes"}},
		{ColumnTypes: map[string]string{"a": "DOUBLE); DROP TABLE x; --"}},
		{ColumnTypes: map[string]string{"a": "DECIMAL(40,2)"}},
		{ColumnTypes: map[string]string{"nope": "INTEGER"}},
	} {
		s := openTestSession(t, SessionOptions{Threads: 1})
		if _, err := s.Register(context.Background(), "primary", Files(p, o)); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestParseColumnType(t *testing.T) {
	for in, want := range map[string]string{
		"int": "INTEGER", " Decimal( 10 , 2 ) ": "DECIMAL(10,2)", "numeric(5)": "DECIMAL(5,0)",
		"timestamp with time zone": "TIMESTAMPTZ", "string": "VARCHAR", "varchar(20)": "VARCHAR", "BOOL": "BOOLEAN",
	} {
		if got, err := ParseColumnType(in); err != nil || got != want {
			t.Errorf("ParseColumnType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "INTEGER[]", "STRUCT(a INT)", "DOUBLE)", "DECIMAL(2,3)", "DECIMAL(1,2,3)", "INT(3)", "x'; --", "DECIMAL(-1)"} {
		if got, err := ParseColumnType(in); err == nil {
			t.Errorf("ParseColumnType(%q) = %q, want an error", in, got)
		}
	}
}

// Forced types in JSON and dates with a user format.
func TestForcedTypesJSONAndDates(t *testing.T) {
	dir := t.TempDir()
	p := writeText(t, dir, "f.jsonl", `{"a":"1.25","d":"02/01/2024"}
{"a":"oops","d":"31/12/2023"}
{"a":null,"d":"not a date"}
{"a":7,"d":null}
`)
	ds, s := registered(t, p, FileOptions{DateFormat: "%d/%m/%Y", ColumnTypes: map[string]string{"a": "DOUBLE", "d": "DATE"}})
	want := "[{a DOUBLE 1} {d DATE 1}]"
	if got := fmt.Sprint(ds.Unparseable); got != want {
		t.Errorf("Unparseable = %s, want %s", got, want)
	}
	if got := query(t, s, `SELECT sum(a), min(d)::VARCHAR, max(d)::VARCHAR FROM "primary"`); got != "8.25|2023-12-31|2024-01-02" {
		t.Errorf("got %s", got)
	}
}

func TestRaggedCSV(t *testing.T) {
	dir := t.TempDir()
	early := writeText(t, dir, "r.csv", "a,b,c\n1,2,3\n4,5,6,7\n8,9\n10,11,12\n")
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for i := 0; i < 30_000; i++ {
		fmt.Fprintf(&b, "%d,%d,%d\n", i, i, i)
	}
	b.WriteString("1,2,3,4\n")
	late := writeText(t, dir, "late.csv", b.String())
	for _, tc := range []struct {
		path       string
		opts       FileOptions
		line, got  int
		sawIn, out string
	}{
		{path: early, line: 3, got: 4},
		{path: late, line: 30_002, got: 4},
		{path: early, opts: FileOptions{CSV: CSVOptions{Delimiter: ","}}, line: 3, got: 4},
	} {
		s := openTestSession(t, SessionOptions{Threads: 1})
		_, err := s.Register(context.Background(), "primary", Files(tc.path, tc.opts))
		var re *RaggedCSVError
		if !errors.As(err, &re) {
			t.Errorf("%s: err = %v, want a RaggedCSVError", filepath.Base(tc.path), err)
			continue
		}
		if re.Line != tc.line || re.Fields != tc.got || re.Want != 3 {
			t.Errorf("%s: %+v", filepath.Base(tc.path), re)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("line %d has 4 fields but line 1 has 3", tc.line)) {
			t.Errorf("message: %v", err)
		}
	}

	ds, s := registered(t, early, FileOptions{CSV: CSVOptions{Ragged: RaggedIgnore}})
	if got := query(t, s, `SELECT count(*), sum(a) FROM "primary"`); len(ds.Columns) != 3 || got != "2|11" {
		t.Errorf("ignore: %v %s", ds.Columns, got)
	}
	_, s = registered(t, early, FileOptions{CSV: CSVOptions{Ragged: RaggedNullPad}})
	if got := query(t, s, `SELECT count(*), count(c) FROM "primary"`); got != "4|3" {
		t.Errorf("null-pad: %s", got)
	}
	// DuckDB's sniffer reads a byte order mark before a quoted header as
	// one column; dq says so instead of evaluating one column.
	bom := writeText(t, dir, "bom.csv", "\xef\xbb\xbf\"a,b\",c\n1,2\n")
	s2 := openTestSession(t, SessionOptions{Threads: 1})
	if _, err := s2.Register(context.Background(), "primary", Files(bom, FileOptions{})); err == nil || !strings.Contains(err.Error(), "as one column although each line has 2 fields") {
		t.Errorf("BOM: %v", err)
	}
	// A consistent one-column file is not ragged.
	one := writeText(t, dir, "one.csv", "name\nx\ny\n")
	if ds, _ := registered(t, one, FileOptions{}); len(ds.Columns) != 1 {
		t.Errorf("one column: %v", ds.Columns)
	}
}

// Files without an extension are told apart by content; others in a
// directory are skipped with a note.
func TestFormatByContent(t *testing.T) {
	dir := t.TempDir()
	pq := writeParquet(t, "p", "SELECT 1 AS id UNION ALL SELECT 2")
	raw, err := os.ReadFile(pq)
	if err != nil {
		t.Fatal(err)
	}
	d := filepath.Join(dir, "table")
	writeText(t, d, "part-00000", string(raw))
	writeText(t, d, "part-00001", string(raw))
	writeText(t, d, "README.md", "# notes\n")
	var notes []string
	ds, s := registered(t, d, FileOptions{Note: func(m string) { notes = append(notes, m) }})
	if got := query(t, s, `SELECT count(*) FROM "primary"`); got != "4" || len(ds.Columns) != 1 {
		t.Errorf("rows %s, columns %v", got, ds.Columns)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "skipped 1 file that is not Parquet: README.md (text)") {
		t.Errorf("notes = %q", notes)
	}

	// JSON by its first byte, gzip looked into.
	j := filepath.Join(dir, "json")
	for i, doc := range []string{"  \n{\"id\": 5}\n", "[{\"id\": 6}]"} {
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(doc))
		zw.Close()
		writeText(t, j, fmt.Sprintf("00000%d_0", i), gz.String())
	}
	_, s = registered(t, j, FileOptions{})
	if got := query(t, s, `SELECT sum(id) FROM "primary"`); got != "11" {
		t.Errorf("json sum = %s", got)
	}

	// Text without an extension is CSV only when the format says so.
	c := filepath.Join(dir, "csv")
	writeText(t, c, "000000_0", "id\n1\n2\n")
	s2 := openTestSession(t, SessionOptions{Threads: 1})
	if _, err := s2.Register(context.Background(), "primary", Files(c, FileOptions{})); !errors.Is(err, ErrFormatUnknown) {
		t.Errorf("text without format: %v", err)
	}
	_, s = registered(t, c, FileOptions{Format: "csv"})
	if got := query(t, s, `SELECT sum(id) FROM "primary"`); got != "3" {
		t.Errorf("csv sum = %s", got)
	}
}

// BenchmarkCSVInference measures what reading every row for type inference
// costs on a 1,000,000-row, 6-column CSV (~48 MB): "register" is the
// one-time inference (DuckDB's sniff_csv over the whole file), "scan" one
// full read through the resulting view, for comparison.
func BenchmarkCSVInference(b *testing.B) {
	dir := b.TempDir()
	p := filepath.Join(dir, "big.csv")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`COPY (SELECT i AS id, 'name' || i AS name, (i * 1.5)::DECIMAL(12,2) AS amount,
		DATE '2024-01-01' + (i % 365)::INT AS d, i % 3 = 0 AS flag, 'x' || (i % 100) AS cat
		FROM range(1000000) t(i)) TO ` + QuoteString(p) + ` (HEADER)`); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("register", func(b *testing.B) {
		for b.Loop() {
			s, err := OpenSession(ctx, SessionOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Register(ctx, "primary", Files(p, FileOptions{})); err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	b.Run("scan", func(b *testing.B) {
		s, err := OpenSession(ctx, SessionOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Register(ctx, "primary", Files(p, FileOptions{})); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			var n int64
			if err := s.Conn().QueryRowContext(ctx, `SELECT count(amount) + count(d) + count(flag) FROM "primary"`).Scan(&n); err != nil || n != 3_000_000 {
				b.Fatal(n, err)
			}
		}
	})
}

// TestCSVFilesTypedApart reads a directory whose files DuckDB's sniffer
// types differently (whole numbers in one, decimals in the other): the
// column is the wider number, not text, so a blank field in it is NULL,
// as it is when both values are in one file.
func TestCSVFilesTypedApart(t *testing.T) {
	dir := t.TempDir()
	writeText(t, dir, "year=2024/month=01/part-0.csv", "id,amount,code\n1,10.5,a\n2,,b\n")
	writeText(t, dir, "year=2024/month=02/part-0.csv", "id,amount,code\n3,7,7\n")
	ds, s := registered(t, dir, FileOptions{})
	if got := colType(ds, "amount"); got != "DOUBLE" {
		t.Errorf("amount is %s, want DOUBLE", got)
	}
	if got := colType(ds, "code"); got != "VARCHAR" {
		t.Errorf("code is %s, want VARCHAR (text in one file, a number in the other)", got)
	}
	if got := query(t, s, "SELECT count(amount) || ' ' || sum(amount) || ' ' || count(*) FILTER (WHERE code = '') FROM "+ds.Relation); got != "2 17.5 0" {
		t.Errorf("count, sum of amount and blank codes = %q, want \"2 17.5 0\"", got)
	}
	for _, tt := range [][3]string{
		{"BIGINT", "BIGINT", "BIGINT"}, {"INTEGER", "BIGINT", "BIGINT"}, {"BIGINT", "DOUBLE", "DOUBLE"},
		{"DOUBLE", "TINYINT", "DOUBLE"}, {"BOOLEAN", "BIGINT", "VARCHAR"}, {"DATE", "TIMESTAMP", "VARCHAR"},
	} {
		if got := widerCSVType(tt[0], tt[1]); got != tt[2] {
			t.Errorf("widerCSVType(%s, %s) = %s, want %s", tt[0], tt[1], got, tt[2])
		}
	}
}

// Part files whose headers name a column in another case ("ID" where the
// others say "id"), as exports drift over time, are one column, matched
// ignoring case as DuckDB's union_by_name and Spark match them; reading
// them once failed with DuckDB's "Duplicate entry in REPLACE list".
func TestCSVFilesHeaderCaseDrift(t *testing.T) {
	dir := t.TempDir()
	writeText(t, dir, "p1.csv", "id,amount,name\n1,10,a\n2,20,b\n")
	writeText(t, dir, "p2.csv", "id,name,amount,extra\n3,c,30.5,e\n4,d,,f\n")
	writeText(t, dir, "p3.csv", "ID,Amount,name\n5,50,é\n")
	ds, s := registered(t, dir, FileOptions{})
	var names []string
	for _, c := range ds.Columns {
		names = append(names, c.Name+" "+c.Type)
	}
	if got, want := strings.Join(names, ", "), "id BIGINT, amount DOUBLE, name VARCHAR, extra VARCHAR"; got != want {
		t.Errorf("columns %q, want %q", got, want)
	}
	// By hand: ids 1+2+3+4+5 = 15; amounts 10+20+30.5+50 = 110.5 (one blank).
	if got := query(t, s, "SELECT count(*) || ' ' || sum(id) || ' ' || count(amount) || ' ' || sum(amount) || ' ' || count(extra) || ' ' || string_agg(name, '' ORDER BY id) FROM "+ds.Relation); got != "5 15 4 110.5 2 abcdé" {
		t.Errorf("rows, sum(id), count/sum(amount), count(extra), names = %q, want \"5 15 4 110.5 2 abcdé\"", got)
	}
}

// JSON objects that spell a field in different cases ("id", "ID") are
// refused with the two spellings named: DuckDB renames the later spelling
// ("ID_1"), and the pinned view then read it as NULL, losing its values
// (a RowCount passed while Sum "id" silently left out file p3). A real
// field named like a rename ("id" beside "ID_1", no "ID") still reads.
func TestJSONFieldCaseVariants(t *testing.T) {
	dir := t.TempDir()
	writeText(t, dir, "drift/p1.json", `{"id":1,"amount":10}`+"\n"+`{"id":2,"amount":20}`+"\n")
	writeText(t, dir, "drift/p3.json", `[{"ID":5,"Amount":50}]`)
	s := openTestSession(t, SessionOptions{Threads: 2})
	_, err := s.Register(context.Background(), "primary", Files(filepath.Join(dir, "drift"), FileOptions{}))
	if err == nil || !strings.Contains(err.Error(), `JSON field "id" is also spelled "ID" (first in `+filepath.Join(dir, "drift", "p3.json")+`)`) {
		t.Fatalf("err = %v, want the two spellings of id named", err)
	}

	p := writeText(t, dir, "real.json", `{"id":1,"ID_1":7}`+"\n"+`{"id":2,"ID_1":8}`+"\n")
	ds, s2 := registered(t, p, FileOptions{})
	if got := query(t, s2, `SELECT sum(id) || ' ' || sum("ID_1") FROM `+ds.Relation); got != "3 15" {
		t.Errorf("sum(id), sum(ID_1) = %q, want \"3 15\"", got)
	}
}

// A report's title above the header is refused with how many lines to
// skip (DuckDB's sniffer knows where the table starts; dq does not skip
// data lines unasked), and CSVOptions.Skip reads the table; Excel's
// "sep=;" first line names the delimiter and is skipped without asking
// (it was read as the header, the real header as a row of text).
func TestCSVTitleLinesAndExcelSep(t *testing.T) {
	dir := t.TempDir()
	title := writeText(t, dir, "report.csv", "Sales report generated 2024-01-01\n\nid,amount\n1,5\n2,6.5\n")
	s := openTestSession(t, SessionOptions{Threads: 1})
	_, err := s.Register(context.Background(), "primary", Files(title, FileOptions{}))
	var re *RaggedCSVError
	if !errors.As(err, &re) || re.Skip != 2 || re.Line != 3 || !strings.Contains(err.Error(), "if its first 2 lines are a title or notes above the header, skip them") {
		t.Fatalf("err = %v (%+v), want a RaggedCSVError suggesting to skip 2 lines", err, re)
	}
	ds, s := registered(t, title, FileOptions{CSV: CSVOptions{Skip: 2}})
	// By hand: 2 rows, 5 + 6.5.
	if got := query(t, s, "SELECT count(*) || ' ' || sum(amount) || ' ' || sum(id) FROM "+ds.Relation); got != "2 11.5 3" || colType(ds, "amount") != "DOUBLE" {
		t.Errorf("skip 2: %q, amount %s; want \"2 11.5 3\", DOUBLE", got, colType(ds, "amount"))
	}
	// Skipped lines count in the line numbers of a ragged line.
	ragged := writeText(t, dir, "ragged.csv", "title\nid,amount\n1,5\n2,6,7\n")
	s = openTestSession(t, SessionOptions{Threads: 1})
	_, err = s.Register(context.Background(), "primary", Files(ragged, FileOptions{CSV: CSVOptions{Skip: 1}}))
	if !errors.As(err, &re) || re.Line != 4 || !strings.Contains(err.Error(), "line 4 has 3 fields but line 2 has 2") {
		t.Errorf("ragged after skip: %v", err)
	}

	var notes []string
	sep := writeText(t, dir, "excel.csv", "sep=;\r\nid;name;amount\r\n1;a;1,5\r\n2;b;\r\n")
	ds, s = registered(t, sep, FileOptions{Note: func(m string) { notes = append(notes, m) }})
	if got := query(t, s, "SELECT count(*) || ' ' || sum(id) || ' ' || string_agg(name, '' ORDER BY id) FROM "+ds.Relation); got != "2 3 ab" || len(ds.Columns) != 3 {
		t.Errorf("sep=;: %q, columns %v; want \"2 3 ab\" and 3 columns", got, ds.Columns)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], `the first line "sep=;" gives the delimiter and is skipped`) {
		t.Errorf("notes %q", notes)
	}
}

// A JSON array after a UTF-8 byte order mark (PowerShell's Out-File, many
// Windows tools) is its objects; DuckDB's format detection missed the
// array and read the whole file as one row of one column "json".
func TestJSONArrayAfterBOM(t *testing.T) {
	dir := t.TempDir()
	p := writeText(t, dir, "export.json", "\ufeff\r\n[\r\n  {\"id\": 1, \"name\": \"é\"},\r\n  {\"id\": 2, \"name\": null}\r\n]\r\n")
	writeText(t, dir, "more.json", `[{"id": 3, "name": "c"}]`)
	ds, s := registered(t, p, FileOptions{})
	if got := query(t, s, "SELECT count(*) || ' ' || sum(id) || ' ' || count(name) FROM "+ds.Relation); got != "2 3 1" {
		t.Errorf("one file: %q, want \"2 3 1\"", got)
	}
	ds, s = registered(t, dir, FileOptions{})
	if got := query(t, s, "SELECT count(*) || ' ' || sum(id) || ' ' || string_agg(name, '' ORDER BY id) FROM "+ds.Relation); got != "3 6 éc" {
		t.Errorf("directory: %q, want \"3 6 éc\"", got)
	}
}

// A header that repeats a name is read with the later column renamed, as
// DuckDB does, and a note says so: rules on the name judge the first
// column only, which nothing showed before. A column really named
// "val_1", and names differing only in case (which rules tell apart), are
// not noted.
func TestCSVDuplicateHeaderNote(t *testing.T) {
	dir := t.TempDir()
	var notes []string
	note := func(m string) { notes = append(notes, m) }
	p := writeText(t, dir, "dup.csv", "id,val,Val,val\n1,a,b,c\n2,d,e,\n")
	ds, s := registered(t, p, FileOptions{Note: note})
	if len(notes) != 1 || !strings.HasSuffix(notes[0], `the header repeats column names, and rules on such a name judge its first column only: the 4th column "val" is read as "val_2"`) {
		t.Errorf("notes %q", notes)
	}
	var names []string
	for _, c := range ds.Columns {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "id val Val_1 val_2" {
		t.Errorf("columns %q", got)
	}
	if got := query(t, s, `SELECT string_agg(val || "Val_1" || val_2, ',' ORDER BY id) FROM `+ds.Relation); got != "abc,de" {
		t.Errorf("values %q, want \"abc,de\"", got)
	}
	notes = nil
	registered(t, writeText(t, dir, "real.csv", "val,val_1\n1,2\n"), FileOptions{Note: note})
	if len(notes) != 0 {
		t.Errorf("real val_1: notes %q", notes)
	}
}

// A CSV field longer than DuckDB's 2 MB max_line_size (a JSON document or
// an image in one field; Spark has no such limit) is read: the read is
// planned again with room for the line DuckDB reports, also when a longer
// one comes after the sniffer's sample. It stopped the run with an error
// quoting the whole line.
func TestCSVLongLines(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,blob\n")
	const n = 25_000
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,s\n", i)
	}
	fmt.Fprintf(&b, "%d,\"%s\"\n", n+1, strings.Repeat("x", 3_000_000))
	fmt.Fprintf(&b, "%d,\"%s\"\n", n+2, strings.Repeat("é", 4_500_000)) // 9 MB
	p := writeText(t, t.TempDir(), "long.csv", b.String())
	ds, s := registered(t, p, FileOptions{})
	// By hand: n+2 rows; ids sum to (n+2)(n+3)/2; longest field 4.5M
	// characters; lengths n*1 + 3,000,000 + 4,500,000.
	want := fmt.Sprintf("%d %d 4500000 %d", n+2, (n+2)*(n+3)/2, n+3_000_000+4_500_000)
	if got := query(t, s, "SELECT count(*) || ' ' || sum(id) || ' ' || max(length(blob)) || ' ' || sum(length(blob)) FROM "+ds.Relation); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if e := (shortLines{errors.New("a\n" + strings.Repeat("é", 400))}).Error(); len(e) > 320 || !strings.HasSuffix(e, "… (800 bytes)") {
		t.Errorf("shortLines: %q", e)
	}
}

// The first quoted field after the sniffer's 20,480-row sample is read as
// RFC 4180 says: writers quote only fields that need it. dq pinned the
// sample's "no quote", so "Smith, John" at row 25,001 stopped the run
// (two fields for one), and "say ""hi""" kept its quotes as text. A '"'
// inside an unquoted field stays part of it.
func TestCSVQuotesAfterSample(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name,height\n")
	const n = 25_000
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,s,5'11\"\n", i)
	}
	fmt.Fprintf(&b, "%d,\"Smith, John\",6'0\"\n%d,\"say \"\"hi\"\"\",\n", n+1, n+2)
	p := writeText(t, t.TempDir(), "late.csv", b.String())
	ds, s := registered(t, p, FileOptions{})
	if got := query(t, s, "SELECT count(*) || '|' || string_agg(name, '|' ORDER BY id) FILTER (WHERE id > 25000) || '|' || count(*) FILTER (WHERE height = '5''11\"') FROM "+ds.Relation); got != fmt.Sprintf(`%d|Smith, John|say "hi"|%d`, n+2, n) {
		t.Errorf("got %q", got)
	}
}

// A 0-byte part file in a directory (a writer that failed, a placeholder)
// is left out of the read with a note, as Spark leaves it out: as Parquet
// it failed the run as corrupt. File rules still see it, so FileSize > 0
// catches it. A CSV with a header but no rows names columns without
// making them text, and a blank file adds no column0.
func TestEmptyFilesInDirectory(t *testing.T) {
	dir := t.TempDir()
	pq := filepath.Join(dir, "pq")
	if err := os.MkdirAll(pq, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(writeParquet(t, "part-0", "SELECT 1 AS id, 5 AS amount UNION ALL SELECT 2, 6"), filepath.Join(pq, "part-0.parquet")); err != nil {
		t.Fatal(err)
	}
	writeText(t, pq, "part-1.parquet", "")
	res, err := Evaluate(context.Background(), parseRules(t, `Rules = [ RowCount = 2, Sum "amount" = 11, FileSize > 0 B ]`),
		Files(pq, FileOptions{}), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.RuleResults {
		got = append(got, string(r.Result))
	}
	if strings.Join(got, " ") != "PASS PASS FAIL" {
		t.Errorf("results %v, want PASS PASS FAIL (FileSize sees the 0-byte file)", got)
	}

	csvDir := filepath.Join(dir, "csv")
	writeText(t, csvDir, "a.csv", "id,amount,day\n1,5,2024-01-01\n2,6.5,2024-01-02\n")
	writeText(t, csvDir, "b.csv", "")
	writeText(t, csvDir, "c.csv", "id,amount,day\n")
	writeText(t, csvDir, "d.csv", "\n\n")
	writeText(t, csvDir, "e.csv", "id,amount,day\n3,7,2024-01-03\n")
	var notes []string
	ds, s := registered(t, csvDir, FileOptions{Note: func(m string) { notes = append(notes, m) }})
	var cols []string
	for _, c := range ds.Columns {
		cols = append(cols, c.Name+" "+c.Type)
	}
	if got, want := strings.Join(cols, ", "), "id BIGINT, amount DOUBLE, day DATE"; got != want {
		t.Errorf("columns %q, want %q", got, want)
	}
	// By hand: 3 rows, 5 + 6.5 + 7.
	if got := query(t, s, "SELECT count(*) || ' ' || sum(amount) || ' ' || max(day) FROM "+ds.Relation); got != "3 18.5 2024-01-03" {
		t.Errorf("got %q, want \"3 18.5 2024-01-03\"", got)
	}
	if len(notes) != 1 || notes[0] != "skipped 1 file of 0 bytes: b.csv" {
		t.Errorf("notes %q", notes)
	}
}

// "~/" is the home directory where no shell expanded it (dq.yaml, zsh's
// --ref alias=~/…, a quoted glob); a path that exists as written wins.
func TestFilesHomePath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	writeText(t, home, "exports/a.csv", "id\n1\n2\n")
	writeText(t, home, "exports/b.csv", "id\n3\n")
	for _, p := range []string{"~/exports/a.csv", "~/exports/*.csv", "~/exports"} {
		ds, s := registered(t, p, FileOptions{})
		want := map[string]string{"~/exports/a.csv": "2 3"}[p]
		if want == "" {
			want = "3 6"
		}
		if got := query(t, s, "SELECT count(*) || ' ' || sum(id) FROM "+ds.Relation); got != want {
			t.Errorf("%s: %q, want %q", p, got, want)
		}
	}
	in, _, err := ExpandLocal("~/exports/*.csv", FileOptions{})
	if err != nil || len(in.Files) != 2 || in.Dir != filepath.Join(home, "exports") {
		t.Errorf("ExpandLocal: %+v, %v", in, err)
	}
	// A directory really named "~" is read as written.
	cwd := t.TempDir()
	writeText(t, cwd, "~/exports/a.csv", "id\n7\n")
	t.Chdir(cwd)
	ds, s := registered(t, "~/exports/a.csv", FileOptions{})
	if got := query(t, s, "SELECT sum(id) FROM "+ds.Relation); got != "7" {
		t.Errorf("literal ~: %q, want 7", got)
	}
}

// A CSV column that is also a Hive partition key (year=2024/part.csv
// holding "year") reads the partition value, as Spark and DuckDB do; the
// read failed with a conversion error ("Could not convert string to INT64"), DuckDB having
// typed the partition value while dq compared it with text.
func TestCSVColumnIsHiveKey(t *testing.T) {
	dir := t.TempDir()
	writeText(t, dir, "year=2024/a.csv", "id,year\n1,2024\n")
	writeText(t, dir, "year=2025/b.csv", "id,year\n2,2025\n3,\n")
	ds, s := registered(t, dir, FileOptions{})
	// By hand: the partition values 2024 + 2025 + 2025; 3 rows, 2 columns.
	if got := query(t, s, "SELECT count(*) || ' ' || sum(year) || ' ' || sum(id) FROM "+ds.Relation); got != "3 6074 6" || len(ds.Columns) != 2 {
		t.Errorf("got %q, columns %v; want \"3 6074 6\" and 2 columns", got, ds.Columns)
	}
}

// Reading errors leave out DuckDB's excerpt of dq's own statement
// ("LINE 1: DESCRIBE SELECT * FROM read_json(…" and a caret).
func TestSourceErrorWithoutSQLExcerpt(t *testing.T) {
	p := writeText(t, t.TempDir(), "bad.json", "{\"id\":1}\n{\"id\":2,\n{\"id\":3}\n")
	s := openTestSession(t, SessionOptions{Threads: 1})
	_, err := s.Register(context.Background(), "primary", Files(p, FileOptions{}))
	if err == nil || !strings.Contains(err.Error(), "Malformed JSON") || strings.Contains(err.Error(), "LINE ") || strings.Contains(err.Error(), "read_json") {
		t.Errorf("err = %q", err)
	}
}

// A delimiter given that the file does not use reads it as one column,
// and a note says so: otherwise every rule fails as "column missing".
func TestCSVWrongDelimiterNote(t *testing.T) {
	var notes []string
	p := writeText(t, t.TempDir(), "a.csv", "id,name\n1,a\n2,b\n")
	ds, _ := registered(t, p, FileOptions{CSV: CSVOptions{Delimiter: ";"}, Note: func(m string) { notes = append(notes, m) }})
	if len(ds.Columns) != 1 || len(notes) != 1 || !strings.HasSuffix(notes[0], `read as one column "id,name" with the delimiter ";" you gave; is the file separated by something else?`) {
		t.Errorf("columns %v, notes %q", ds.Columns, notes)
	}
}

// Files whose content is another format than their name says are named
// as such when the read fails (a ragged CSV, a "corrupt" Parquet file were
// the complaints, exit 3 for the latter), and are read as the format
// given explicitly, even against their name. A gzip file saved as .csv
// is decompressed (it was "not UTF-8 … probably windows-1252").
func TestMislabelledFiles(t *testing.T) {
	dir := t.TempDir()
	csvText := "id,name\n1,a\n2,b\n"
	pq := writeParquet(t, "real", "SELECT 1 AS id UNION ALL SELECT 2")
	asCSV := filepath.Join(dir, "pq.csv")
	b, err := os.ReadFile(pq)
	if err != nil {
		t.Fatal(err)
	}
	writeText(t, dir, "pq.csv", string(b))
	writeText(t, dir, "text.parquet", csvText)
	writeText(t, dir, "lines.csv", `{"id":1}`+"\n"+`{"id":2,"x":[1,2]}`+"\n")
	for name, want := range map[string]string{
		"pq.csv":       asCSV + " is named as CSV but its content is Parquet",
		"text.parquet": filepath.Join(dir, "text.parquet") + " is named as Parquet but its content is text (CSV?)",
		"lines.csv":    filepath.Join(dir, "lines.csv") + " is named as CSV but its content is JSON",
	} {
		s := openTestSession(t, SessionOptions{Threads: 1})
		_, err := s.Register(context.Background(), "primary", Files(filepath.Join(dir, name), FileOptions{}))
		if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrFormatUnknown) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, format := range map[string]string{"pq.csv": FormatParquet, "text.parquet": FormatCSV, "lines.csv": FormatJSON} {
		ds, s := registered(t, filepath.Join(dir, name), FileOptions{Format: format})
		if got := query(t, s, "SELECT count(*) || ' ' || sum(id) FROM "+ds.Relation); got != "2 3" {
			t.Errorf("%s as %s: %q, want \"2 3\"", name, format, got)
		}
	}

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(csvText))
	zw.Close()
	ds, s := registered(t, writeText(t, dir, "download.csv", gz.String()), FileOptions{})
	if got := query(t, s, "SELECT count(*) || ' ' || string_agg(name, '' ORDER BY id) FROM "+ds.Relation); got != "2 ab" {
		t.Errorf("gzip saved as .csv: %q, want \"2 ab\"", got)
	}
	// A CSV that begins like bzip2's magic is still text.
	ds, s = registered(t, writeText(t, dir, "bzh.csv", "BZh1,x\n1,2\n"), FileOptions{})
	if got := query(t, s, `SELECT sum("BZh1") FROM `+ds.Relation); got != "1" {
		t.Errorf("BZh1 header: %q", got)
	}
}

// Parquet part files that hold a column as a number in one file and text
// in another are read as text (DuckDB's union_by_name; Spark refuses such
// files), and a note says which files disagree, instead of numeric rules
// failing later on the column's type with nothing pointing at the files.
func TestParquetTypeDriftNote(t *testing.T) {
	dir := t.TempDir()
	for name, q := range map[string]string{
		"a": "SELECT 1 AS id, 10 AS v", "b": "SELECT 2 AS id, 'x' AS v", "c": "SELECT 3::BIGINT AS id, 2.5::DOUBLE AS v",
	} {
		if err := os.Rename(writeParquet(t, name, q), filepath.Join(dir, name+".parquet")); err != nil {
			t.Fatal(err)
		}
	}
	var notes []string
	ds, s := registered(t, dir, FileOptions{Note: func(m string) { notes = append(notes, m) }})
	if colType(ds, "v") != "VARCHAR" || colType(ds, "id") != "BIGINT" {
		t.Errorf("columns %v", ds.Columns)
	}
	if got := query(t, s, "SELECT string_agg(v, ',' ORDER BY id) FROM "+ds.Relation); got != "10,x,2.5" {
		t.Errorf("values %q", got)
	}
	if len(notes) != 1 || notes[0] != `column "v" is text in b.parquet but INT32 (Parquet's physical type) in a.parquet: all its values are read as text (VARCHAR), and numeric rules on it fail on its type` {
		t.Errorf("notes %q", notes)
	}
}
