package engine

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// readPlan is how a Files source is read: the view's SELECT, and for
// columns forced to a type, what is needed to count the values that did
// not convert.
type readPlan struct {
	query  string // SELECT … the view's body
	raw    string // table function call yielding the columns before conversion
	forced []forcedColumn
	// uniform: the files are Parquet files that each have the columns
	// of the whole, read without union_by_name (schemacache.go).
	uniform bool
	// columns are the view's columns when the reader knows them exactly
	// (uniform files read as they are); nil when the view must be
	// described.
	columns []Column
}

// forcedColumn is a column read with FileOptions.ColumnTypes.
type forcedColumn struct {
	name, typ string
	rawExpr   string // the value before conversion, NULL when absent/blank
	castExpr  string // the converted value, NULL when it does not convert
}

// noNullString stands in for "no null string" in read_csv, which insists on
// a non-empty list: dq decides itself which blank fields are NULL. A field
// consisting of exactly this control character would read as NULL.
const noNullString = "\x01"

// reader plans the read of files in format. CSV and JSON column types are
// decided from every row of every file once, here, and then fixed in the
// view, so that neither a late bad value nor a late new field is missed
// and no later query infers again.
func (f fileSource) reader(ctx context.Context, conn *sql.Conn, format string, files []string, base string, hive bool, schemas *schemaLookup) (*readPlan, error) {
	forced, err := parseForcedTypes(f.opts.ColumnTypes)
	if err != nil {
		return nil, err
	}
	var rp *readPlan
	switch format {
	case FormatCSV:
		rp, err = f.csvReader(ctx, conn, files, base, hive, forced)
	case FormatJSON:
		rp, err = f.jsonReader(ctx, conn, files, base, hive, forced)
	case FormatParquet:
		var scan string
		var cols []Column
		var uniform bool
		scan, cols, uniform, err = parquetScan(ctx, conn, files, hive, schemas)
		if err == nil && !uniform && len(files) > 1 {
			f.noteParquetTypeDrift(ctx, conn, files, cols)
		}
		if err == nil {
			rp, err = f.finish(scan, cols, forced, func(c string) string { return QuoteIdent(c) }, nil)
		}
		if err == nil {
			rp.uniform = uniform
			if uniform && len(rp.forced) == 0 {
				rp.columns = cols
			}
		}
	default:
		err = fmt.Errorf("unknown format %q", format)
	}
	return rp, err
}

// parquetScan is the read_parquet call over files and its columns. When
// schemas (nil: none; the files' cached columns, without hive
// partitioning) show that every file has the same columns, the call goes
// without union_by_name, which would read every file's footer each time a
// statement binds it (schemacache.go), and uniform says so.
func parquetScan(ctx context.Context, conn *sql.Conn, files []string, hive bool, schemas *schemaLookup) (scan string, cols []Column, uniform bool, err error) {
	if schemas != nil && !hive && slices.Equal(schemas.files, files) {
		if cols, ok := schemas.uniformColumns(ctx, conn); ok {
			return uniformParquetScan(files), cols, true, nil
		}
	}
	if scan, err = scanSQL(FormatParquet, files, hive); err != nil {
		return "", nil, false, err
	}
	cols, err = describeSQL(ctx, conn, "SELECT * FROM "+scan)
	return scan, cols, false, err
}

// noteParquetTypeDrift notes the columns that are text in the union of
// the files only because some files hold them as numbers, dates or other
// non-text types and others as text: DuckDB's union_by_name then reads
// them all as text (VARCHAR), where Spark would refuse the files, and
// numeric rules on such a column fail on its type. Best effort: the note
// is left out if the schemas cannot be read.
func (f fileSource) noteParquetTypeDrift(ctx context.Context, conn *sql.Conn, files []string, cols []Column) {
	var text []string
	for _, c := range cols {
		if c.Type == "VARCHAR" {
			text = append(text, c.Name)
		}
	}
	if len(text) == 0 || f.opts.Note == nil {
		return
	}
	rows, err := conn.QueryContext(ctx, `SELECT name, min(file_name) FILTER (WHERE type IN ('BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY')),
		min(file_name) FILTER (WHERE type NOT IN ('BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY')),
		arg_min(type, file_name) FILTER (WHERE type NOT IN ('BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'))
		FROM parquet_schema(`+quoteStringList(files)+`)
		WHERE name IN (`+strings.TrimSuffix(strings.TrimPrefix(quoteStringList(text), "["), "]")+`) AND type IS NOT NULL
		GROUP BY name ORDER BY name`)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var textFile, otherFile, otherType sql.NullString
		if rows.Scan(&name, &textFile, &otherFile, &otherType) != nil {
			return
		}
		if textFile.Valid && otherFile.Valid {
			f.notice(fmt.Sprintf("column %q is text in %s but %s (Parquet's physical type) in %s: all its values are read as text (VARCHAR), and numeric rules on it fail on its type",
				name, filepath.Base(textFile.String), otherType.String, filepath.Base(otherFile.String)))
		}
	}
}

// uniformParquetScan reads Parquet files that all have the same columns
// (schemacache.go), binding from the first.
func uniformParquetScan(files []string) string {
	return "read_parquet(" + quoteStringList(files) + ", hive_partitioning = false)"
}

// parseForcedTypes validates FileOptions.ColumnTypes.
func parseForcedTypes(m map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(m))
	for _, name := range sortedKeys(m) {
		if name == "" {
			return nil, errors.New("column type for an empty column name")
		}
		t, err := ParseColumnType(m[name])
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// finish builds the view over scan: the columns in replace get the given
// expressions, forced columns are converted with TRY_CAST from
// rawExpr(column). Every forced column must exist.
func (f fileSource) finish(scan string, cols []Column, forced map[string]string, rawExpr func(string) string, replace map[string]string) (*readPlan, error) {
	rp := &readPlan{raw: scan}
	exprs := map[string]string{}
	for k, v := range replace {
		exprs[k] = v
	}
	have := map[string]bool{}
	for _, c := range cols {
		have[c.Name] = true
	}
	for _, name := range sortedKeys(forced) {
		if !have[name] {
			return nil, fmt.Errorf("a type is given for column %q, which the data does not have (columns: %s)", name, columnList(cols))
		}
		typ := forced[name]
		raw := rawExpr(name)
		cast := "TRY_CAST(" + raw + " AS " + typ + ")"
		if ff := f.formatFor(typ); ff != "" {
			cast = "TRY_CAST(try_strptime(" + raw + ", " + QuoteString(ff) + ") AS " + typ + ")"
		}
		if typ == "VARCHAR" {
			cast = raw
		}
		exprs[name] = cast
		rp.forced = append(rp.forced, forcedColumn{name: name, typ: typ, rawExpr: raw, castExpr: cast})
	}
	sel := "*"
	if len(exprs) > 0 {
		var parts []string
		for _, c := range cols { // in column order, for a stable text
			if e, ok := exprs[c.Name]; ok {
				parts = append(parts, e+" AS "+QuoteIdent(c.Name))
			}
		}
		sel = "* REPLACE (" + strings.Join(parts, ", ") + ")"
	}
	rp.query = "SELECT " + sel + " FROM " + scan
	return rp, nil
}

// formatFor is the user's strptime format for a date or timestamp type.
func (f fileSource) formatFor(typ string) string {
	switch typ {
	case "DATE":
		return f.opts.DateFormat
	case "TIMESTAMP", "TIMESTAMPTZ":
		return f.opts.TimestampFormat
	}
	return ""
}

func columnList(cols []Column) string {
	const show = 20
	var names []string
	for i, c := range cols {
		if i == show {
			names = append(names, fmt.Sprintf("… %d more", len(cols)-show))
			break
		}
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

// countUnparseable counts, per forced column, the present values that did
// not convert to the column's type.
func countUnparseable(ctx context.Context, conn *sql.Conn, rp *readPlan) ([]UnparseableCount, error) {
	var aggs []string
	var out []UnparseableCount
	for _, fc := range rp.forced {
		if fc.typ == "VARCHAR" {
			continue
		}
		aggs = append(aggs, fmt.Sprintf("count(*) FILTER (WHERE %s IS NOT NULL AND %s IS NULL)", fc.rawExpr, fc.castExpr))
		out = append(out, UnparseableCount{Column: fc.name, Type: fc.typ})
	}
	if len(aggs) == 0 {
		return nil, nil
	}
	vals := make([]any, len(aggs))
	ptrs := make([]any, len(aggs))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := conn.QueryRowContext(ctx, "SELECT "+strings.Join(aggs, ", ")+" FROM "+rp.raw).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("counting values that do not convert: %w", err)
	}
	for i, v := range vals {
		n, _ := v.(int64)
		out[i].Count = n
	}
	return out, nil
}

// describeSQL returns the columns a query yields.
func describeSQL(ctx context.Context, conn querier, query string) ([]Column, error) {
	rows, err := conn.QueryContext(ctx, "DESCRIBE "+query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var cols []Column
	for rows.Next() {
		// DESCRIBE's column set has grown across DuckDB versions; only the
		// first two (column_name, column_type) matter.
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		name, _ := vals[0].(string)
		typ, _ := vals[1].(string)
		cols = append(cols, Column{Name: name, Type: typ})
	}
	return cols, rows.Err()
}

// hiveKeys are the partition column names (lower-cased) of the k=v
// directories between base and the files.
func hiveKeys(base string, files []string) map[string]bool {
	keys := map[string]bool{}
	for _, f := range files {
		rel, err := filepath.Rel(base, filepath.Dir(f))
		if err != nil || rel == "." {
			continue
		}
		for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
			if k, _, ok := strings.Cut(seg, "="); ok && k != "" {
				keys[strings.ToLower(k)] = true
			}
		}
	}
	return keys
}

// jsonReader infers the columns of every object in every file, then pins
// them in the view (read_json's columns), so a field that first appears on
// line 50,000 is a column and later scans do not infer again.
func (f fileSource) jsonReader(ctx context.Context, conn *sql.Conn, files []string, base string, hive bool, forced map[string]string) (*readPlan, error) {
	jsonFormat := "format = " + QuoteString(jsonLayout(files))
	common := []string{quoteStringList(files), jsonFormat, fmt.Sprintf("hive_partitioning = %t", hive)}
	if c := commonCompression(files); c != "" {
		common = append(common, "compression = "+QuoteString(c))
	}
	if f.opts.DateFormat != "" {
		common = append(common, "dateformat = "+QuoteString(f.opts.DateFormat))
	}
	if f.opts.TimestampFormat != "" {
		common = append(common, "timestampformat = "+QuoteString(f.opts.TimestampFormat))
	}
	infer := append(append([]string{}, common...), "sample_size = -1",
		fmt.Sprintf("maximum_sample_files = %d", max(len(files), 1)))
	if len(files) > 1 {
		infer = append(infer, "union_by_name = true")
	}
	cols, err := describeSQL(ctx, conn, "SELECT * FROM read_json("+strings.Join(infer, ", ")+")")
	if err != nil {
		return nil, err
	}
	objArgs := []string{quoteStringList(files), jsonFormat}
	if c := commonCompression(files); c != "" {
		objArgs = append(objArgs, "compression = "+QuoteString(c))
	}
	if err := caseVariantFields(ctx, conn, objArgs, cols); err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	if hive {
		skip = hiveKeys(base, files)
	}
	var pins []string
	for i, c := range cols {
		if skip[strings.ToLower(c.Name)] {
			continue
		}
		t := c.Type
		if _, ok := forced[c.Name]; ok {
			t = "VARCHAR" // converted by the view, counting failures
		}
		if t == "JSON" {
			// A field whose values have different JSON types (1 and "1",
			// numbers and objects) is text, as Spark infers it: strings
			// without their quotes, anything else as its JSON text.
			// DuckDB's JSON type would keep the quotes ("\"NaN\""), which
			// string rules would then judge.
			t = "VARCHAR"
			cols[i].Type = t
		}
		pins = append(pins, QuoteString(c.Name)+": "+QuoteString(t))
	}
	if len(pins) == 0 {
		return nil, errors.New("no columns found in the JSON data")
	}
	scan := "read_json(" + strings.Join(append(common, "columns = {"+strings.Join(pins, ", ")+"}"), ", ") + ")"
	return f.finish(scan, cols, forced, func(c string) string { return QuoteIdent(c) }, nil)
}

// jsonLayout is read_json's format for files: "array" when each holds a
// top-level array, else "auto". DuckDB's detection misses an array after a
// UTF-8 byte order mark (PowerShell's Out-File writes one) and read the
// whole array as one row of one column.
func jsonLayout(files []string) string {
	for _, file := range files {
		r, ok, err := openDecompressed(file)
		if err != nil || !ok {
			return "auto"
		}
		head := make([]byte, 4096)
		n, _ := io.ReadFull(r, head)
		r.Close()
		text := bytes.TrimLeft(bytes.TrimPrefix(head[:n], []byte("\xef\xbb\xbf")), " \t\r\n")
		if len(text) == 0 || text[0] != '[' {
			return "auto"
		}
	}
	return "array"
}

// caseVariantFields refuses JSON whose objects spell one field in
// different cases ("id" in some, "ID" in others). DuckDB infers a column
// per spelling and renames the later ones ("ID_1"), which the pinned view
// would then look for under that name and read as NULL: the values would
// be lost without a word. Spark (AWS Glue) refuses such data too ("Found
// duplicate column(s) in the data schema"). A renamed column is one whose
// name is an earlier column's name in another case plus "_N", and whose
// bare spelling is a key of some object (not a real "ID_1" field); args
// are read_json_objects' arguments.
func caseVariantFields(ctx context.Context, conn *sql.Conn, args []string, cols []Column) error {
	type variant struct{ first, spelling string }
	var found []variant
	for i, c := range cols {
		cut := strings.LastIndexByte(c.Name, '_')
		if cut <= 0 || strings.Trim(c.Name[cut+1:], "0123456789") != "" || cut == len(c.Name)-1 {
			continue
		}
		bare := c.Name[:cut]
		for _, e := range cols[:i] {
			if e.Name != bare && strings.EqualFold(e.Name, bare) {
				found = append(found, variant{first: e.Name, spelling: bare})
				break
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	// The first file (in name order) holding each other spelling.
	var probes []string
	for _, v := range found {
		probes = append(probes, "min(filename) FILTER (WHERE json_exists(json, "+QuoteString("$."+jsonPathKey(v.spelling))+"))")
	}
	vals := make([]sql.NullString, len(probes))
	ptrs := make([]any, len(probes))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	q := "SELECT " + strings.Join(probes, ", ") + " FROM read_json_objects(" + strings.Join(append(args, "filename = true"), ", ") + ")"
	if err := conn.QueryRowContext(ctx, q).Scan(ptrs...); err != nil {
		return fmt.Errorf("checking the spelling of JSON fields: %w", err)
	}
	for i, v := range found {
		if vals[i].Valid {
			return fmt.Errorf("JSON field %q is also spelled %q (first in %s): dq, like Spark and AWS Glue, matches field names ignoring case and cannot read both; make the data agree on one spelling",
				v.first, v.spelling, vals[i].String)
		}
	}
	return nil
}

// jsonPathKey quotes a JSON key for a JSON path: "a.b" stays one key.
func jsonPathKey(key string) string {
	b, _ := json.Marshal(key)
	return string(b)
}

// csvSniff is what DuckDB's sniff_csv found in one file, over all its rows.
type csvSniff struct {
	file                        string
	delim, quote, escape, comm  string
	skip                        int64
	header                      bool
	cols                        []Column
	dateFormat, timestampFormat string
	// noRows: nothing but blank lines after the header (if any), so
	// the sniffed types mean nothing; blank: nothing but blank lines at
	// all, so its sniffed header (column0) means nothing either.
	noRows, blank bool
}

// dropEmptyCSV leaves out of a multi-file read the files without a header
// or rows (blank lines): DuckDB's union_by_name would add their
// made-up column0. When every file is empty, all are kept.
func dropEmptyCSV(files []string, sniffs []csvSniff) ([]string, []csvSniff) {
	var keepFiles []string
	var keep []csvSniff
	for i, sn := range sniffs {
		if sn.noRows && (!sn.header || sn.blank) {
			continue
		}
		keepFiles = append(keepFiles, files[i])
		keep = append(keep, sn)
	}
	if len(keep) == 0 {
		return files, sniffs
	}
	return keepFiles, keep
}

// csvHasRows reports whether file has a non-blank line after its first
// skip lines and, with header, the header line (true when it cannot tell).
func csvHasRows(file string, skip int64, header bool) bool {
	r, ok, err := openDecompressed(file)
	if err != nil || !ok {
		return true
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<16)
	n := skip
	if header {
		n++
	}
	for i := int64(0); i < n; i++ {
		if _, err := br.ReadString('\n'); err != nil {
			return false
		}
	}
	for {
		line, err := br.ReadString('\n')
		if strings.TrimSpace(strings.TrimPrefix(line, "\ufeff")) != "" {
			return true
		}
		if err != nil {
			return !errors.Is(err, io.EOF)
		}
	}
}

func (f fileSource) csvArgs() ([]string, error) {
	o := f.opts.CSV
	var args []string
	if o.Delimiter != "" {
		d := normalizeDelim(o.Delimiter)
		if utf8.RuneCountInString(d) != 1 {
			return nil, fmt.Errorf("the CSV delimiter must be one character, got %q", o.Delimiter)
		}
		args = append(args, "delim = "+QuoteString(d))
	}
	if o.Quote != "" {
		if utf8.RuneCountInString(o.Quote) != 1 {
			return nil, fmt.Errorf("the CSV quote must be one character, got %q", o.Quote)
		}
		args = append(args, "quote = "+QuoteString(o.Quote))
	}
	if o.Header != nil {
		args = append(args, fmt.Sprintf("header = %t", *o.Header))
	}
	if o.Skip < 0 {
		return nil, fmt.Errorf("the number of CSV lines to skip must be 0 or more, got %d", o.Skip)
	}
	if o.Skip > 0 {
		args = append(args, fmt.Sprintf("skip = %d", o.Skip))
	}
	if f.maxLine > 0 {
		args = append(args, fmt.Sprintf("max_line_size = %d", f.maxLine))
	}
	if f.opts.DateFormat != "" {
		args = append(args, "dateformat = "+QuoteString(f.opts.DateFormat))
	}
	if f.opts.TimestampFormat != "" {
		args = append(args, "timestampformat = "+QuoteString(f.opts.TimestampFormat))
	}
	switch o.Ragged {
	case "", RaggedError:
	case RaggedIgnore:
		args = append(args, "ignore_errors = true")
	case RaggedNullPad:
		args = append(args, "null_padding = true")
	default:
		return nil, fmt.Errorf("unknown ragged-line policy %q (want error, ignore or null-pad)", o.Ragged)
	}
	return args, nil
}

// csvReader reads CSV as text and converts each column in the view to the
// type inferred from all of its values. Reading text first is what lets a
// blank field be "" in a text column but NULL in a numeric one (AWS Glue's
// CSV behaviour), which DuckDB's null string, being per file, cannot.
// widerCSVType is the type that holds values DuckDB's CSV sniffer typed a
// in one file and b in another: the same type, the wider number, or text.
func widerCSVType(a, b string) string {
	if a == b {
		return a
	}
	integer := map[string]int{"TINYINT": 1, "SMALLINT": 2, "INTEGER": 3, "BIGINT": 4, "HUGEINT": 5}
	number := func(t string) bool { return integer[t] > 0 || t == "FLOAT" || t == "DOUBLE" }
	switch {
	case integer[a] > 0 && integer[b] > 0:
		if integer[a] > integer[b] {
			return a
		}
		return b
	case number(a) && number(b):
		return "DOUBLE"
	}
	return "VARCHAR"
}

func (f fileSource) csvReader(ctx context.Context, conn *sql.Conn, files []string, base string, hive bool, forced map[string]string) (*readPlan, error) {
	// DuckDB refuses lines longer than max_line_size (2 MB by default; a
	// JSON document or base64 image in one field exceeds it), where Spark
	// has no limit. Its error names the size it met, so the read is
	// planned again with room for that (a later, longer line is met by
	// the next attempt).
	for {
		rp, err := f.csvReaderOnce(ctx, conn, files, base, hive, forced)
		need, ok := lineTooLong(err)
		if !ok {
			return rp, err
		}
		if need > maxCSVLine || need <= f.maxLine {
			return nil, fmt.Errorf("a CSV line of %d bytes is longer than dq reads (%d bytes): %w", need, maxCSVLine, shortLines{err})
		}
		f.maxLine = min(max(2*need, 4<<20), maxCSVLine)
	}
}

// maxCSVLine is the longest CSV line dq asks DuckDB to read (its reading
// buffers grow with it).
const maxCSVLine = 512 << 20

var lineTooLongRE = regexp.MustCompile(`Maximum line size of \d+ bytes exceeded\. Actual Size:\s*(\d+) bytes`)

// lineTooLong reports DuckDB's error for a line longer than max_line_size,
// and the line's size.
func lineTooLong(err error) (int, bool) {
	if err == nil {
		return 0, false
	}
	m := lineTooLongRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	n, convErr := strconv.Atoi(m[1])
	return n, convErr == nil
}

// shortLines is an error whose text has its long lines cut (DuckDB quotes
// the offending CSV line whole, megabytes of it) and DuckDB's excerpt of
// the statement ("LINE 1: DESCRIBE SELECT * FROM read_json(…" and its
// caret) left out: the statement is dq's own, not the user's.
type shortLines struct{ err error }

var duckSQLExcerpt = regexp.MustCompile(`\n*LINE \d+: [^\n]*\n *\^ *`)

func (e shortLines) Error() string {
	lines := strings.Split(strings.TrimRight(duckSQLExcerpt.ReplaceAllString(e.err.Error(), ""), "\n "), "\n")
	for i, l := range lines {
		if len(l) > 300 {
			cut := 300
			for cut > 0 && !utf8.RuneStart(l[cut]) {
				cut--
			}
			lines[i] = l[:cut] + fmt.Sprintf("… (%d bytes)", len(l))
		}
	}
	return strings.Join(lines, "\n")
}

func (e shortLines) Unwrap() error { return e.err }

func (f fileSource) csvReaderOnce(ctx context.Context, conn *sql.Conn, files []string, base string, hive bool, forced map[string]string) (*readPlan, error) {
	if d, ok := excelSepLine(files); ok && f.opts.CSV.Delimiter == "" && f.opts.CSV.Skip == 0 {
		// Excel's "sep=;" names the delimiter; read as data, it would
		// be the header and the real header a row.
		f.opts.CSV.Delimiter, f.opts.CSV.Skip = d, 1
		f.notice(fmt.Sprintf("%s: the first line %q gives the delimiter and is skipped", shortFiles(files), "sep="+d))
	}
	userArgs, err := f.csvArgs()
	if err != nil {
		return nil, err
	}
	nulls := f.opts.CSV.NullValues
	var sniffs []csvSniff
	for _, file := range files {
		sn, err := f.sniffCSV(ctx, conn, file, userArgs, nulls)
		if err != nil {
			return nil, err
		}
		sniffs = append(sniffs, sn)
	}
	files, sniffs = dropEmptyCSV(files, sniffs)
	ref := sniffs[0] // the dialect and formats of the first file with rows
	for _, sn := range sniffs {
		if !sn.noRows {
			ref = sn
			break
		}
	}

	// Columns in order of first appearance, each with the type every file
	// agrees on, numbers widened to the type that holds both (one file of
	// whole numbers and one with decimals is DOUBLE, as one file holding
	// both would be); any other disagreement means text. verifyCSVTypes
	// then checks the choice against every row. Names match ignoring
	// case, as DuckDB's union_by_name (and Spark's reader) match them: a
	// file whose header says "ID" where the others say "id" adds its
	// values to "id", the name first seen.
	var cols []Column
	idx := map[string]int{} // by lower-cased name
	// A file with a header but no rows names columns without typing
	// them (its sniffed VARCHAR would make every column text).
	for _, sn := range sniffs {
		for _, c := range sn.cols {
			t := c.Type
			if t == "DATE" && sn.dateFormat != ref.dateFormat ||
				strings.HasPrefix(t, "TIMESTAMP") && sn.timestampFormat != ref.timestampFormat {
				t = "VARCHAR"
			}
			if sn.noRows {
				t = ""
			}
			key := strings.ToLower(c.Name)
			if i, ok := idx[key]; ok {
				switch {
				case cols[i].Type == "":
					cols[i].Type = t
				case t != "":
					cols[i].Type = widerCSVType(cols[i].Type, t)
				}
				continue
			}
			idx[key] = len(cols)
			cols = append(cols, Column{Name: c.Name, Type: t})
		}
	}
	for i := range cols {
		if cols[i].Type == "" {
			cols[i].Type = "VARCHAR" // only in files without rows
		}
	}

	args := append([]string{quoteStringList(files)}, userArgs...)
	// The dialect every file agrees on is given to the view, so that its
	// scans do not detect it again from a sample.
	agree := func(get func(csvSniff) string) (string, bool) {
		for _, sn := range sniffs[1:] {
			if get(sn) != get(sniffs[0]) {
				return "", false
			}
		}
		return get(sniffs[0]), true
	}
	if f.opts.CSV.Delimiter == "" {
		if d, ok := agree(func(s csvSniff) string { return s.delim }); ok {
			args = append(args, "delim = "+QuoteString(d))
		}
	}
	if f.opts.CSV.Quote == "" {
		if q, ok := agree(func(s csvSniff) string { return s.quote + "\x00" + s.escape }); ok {
			quote, esc, _ := strings.Cut(q, "\x00")
			if quote == "" {
				// No quoted field in the sniffer's sample (its first
				// 20,480 rows) does not mean none later: writers quote
				// only fields that need it ("Smith, John" at row
				// 50,000). Pinning "no quote" failed such a file, or
				// kept the quotes in the values; RFC 4180's quote reads
				// both, and a '"' inside an unquoted field stays text.
				quote, esc = `"`, `"`
			}
			args = append(args, "quote = "+QuoteString(quote), "escape = "+QuoteString(esc))
		}
	}
	if f.opts.CSV.Header == nil {
		if h, ok := agree(func(s csvSniff) string { return fmt.Sprint(s.header) }); ok {
			args = append(args, "header = "+h)
		}
	}
	if c, ok := agree(func(s csvSniff) string { return s.comm }); ok && c != "" {
		args = append(args, "comment = "+QuoteString(c))
	}
	// skip = 0 given explicitly upsets DuckDB's dialect check of
	// null-padded files, so only a real skip is passed on (the user's is
	// in userArgs already).
	if sk, ok := agree(func(s csvSniff) string { return fmt.Sprint(s.skip) }); ok && sk != "0" && f.opts.CSV.Skip == 0 {
		args = append(args, "skip = "+sk)
	}
	readNulls := nulls
	if len(readNulls) == 0 {
		readNulls = []string{noNullString}
	}
	args = append(args, "all_varchar = true", "nullstr = "+quoteStringList(readNulls),
		fmt.Sprintf("hive_partitioning = %t", hive))
	if len(files) > 1 {
		args = append(args, "union_by_name = true")
	}
	if c := commonCompression(files); c != "" {
		args = append(args, "compression = "+QuoteString(c))
	}
	scan := "read_csv(" + strings.Join(args, ", ") + ")"

	// Hive partition columns come after the file's columns.
	all := append([]Column{}, cols...)
	if hive {
		for _, k := range sortedKeys(hiveKeys(base, files)) {
			if _, ok := idx[k]; !ok {
				all = append(all, Column{Name: k, Type: "VARCHAR"})
			} else {
				if f.hiveCols == nil {
					f.hiveCols = map[string]bool{}
				}
				f.hiveCols[k] = true
			}
		}
	}
	if err := f.verifyCSVTypes(ctx, conn, scan, files, cols, forced, ref); err != nil {
		return nil, err
	}
	replace := map[string]string{}
	for _, c := range cols {
		if _, ok := forced[c.Name]; ok {
			continue
		}
		if e := f.csvConvert(c, ref, false); e != "" {
			replace[c.Name] = e
		}
	}
	return f.finish(scan, all, forced, func(c string) string { return "NULLIF(" + f.csvText(c) + ", '')" }, replace)
}

// csvText is the text of CSV column name in the scan. A column that is
// also a Hive partition key (year=2024/part.csv holding a "year" column)
// holds the partition value, which DuckDB types itself (BIGINT), not the
// text every other column is read as; comparing it with the empty string failed the
// read with a conversion error.
func (f fileSource) csvText(name string) string {
	if f.hiveCols[strings.ToLower(name)] {
		return "CAST(" + QuoteIdent(name) + " AS VARCHAR)"
	}
	return QuoteIdent(name)
}

// verifyCSVTypes checks the types DuckDB's sniffer inferred from a sample
// against every row, in one parallel scan, converting exactly as the view
// will: a column with a value that does not convert is widened (BIGINT to
// DOUBLE) or read as text (VARCHAR), so a bad value at row 290,000 neither
// fails the view nor becomes NULL unnoticed. cols is updated in place.
func (f fileSource) verifyCSVTypes(ctx context.Context, conn *sql.Conn, scan string, files []string, cols []Column, forced map[string]string, sn csvSniff) error {
	type probe struct {
		col int
		typ string
	}
	var probes []probe
	var aggs []string
	for i, c := range cols {
		if _, ok := forced[c.Name]; ok || c.Type == "VARCHAR" {
			continue
		}
		cands := []string{c.Type}
		if c.Type == "BIGINT" || c.Type == "INTEGER" {
			cands = append(cands, "DOUBLE")
		}
		for _, t := range cands {
			e := f.csvConvert(Column{Name: c.Name, Type: t}, sn, true)
			aggs = append(aggs, fmt.Sprintf("count(*) FILTER (WHERE NULLIF(%s, '') IS NOT NULL AND %s IS NULL)", f.csvText(c.Name), e))
			probes = append(probes, probe{col: i, typ: t})
		}
	}
	// The scan also checks every line's field count (DuckDB's strict
	// mode), which the sniffer's sample did not.
	if len(aggs) == 0 {
		aggs = []string{"count(*)"}
	}
	vals := make([]any, len(aggs))
	ptrs := make([]any, len(aggs))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := conn.QueryRowContext(ctx, "SELECT "+strings.Join(aggs, ", ")+" FROM "+scan).Scan(ptrs...); err != nil {
		for _, file := range files {
			if rerr := f.raggedLine(file, f.csvDelimiter(sn)); rerr != nil {
				return rerr
			}
		}
		return fmt.Errorf("checking column types over all rows: %w", err)
	}
	settled := map[int]bool{}
	for i, p := range probes {
		if settled[p.col] {
			continue
		}
		if n, _ := vals[i].(int64); n == 0 {
			cols[p.col].Type = p.typ
			settled[p.col] = true
		}
	}
	for i, c := range cols {
		if _, ok := forced[c.Name]; !ok && c.Type != "VARCHAR" && !settled[i] {
			cols[i].Type = "VARCHAR"
		}
	}
	return nil
}

// csvDelimiter is the user's delimiter, else the sniffed one.
func (f fileSource) csvDelimiter(sn csvSniff) string {
	if f.opts.CSV.Delimiter != "" {
		return normalizeDelim(f.opts.CSV.Delimiter)
	}
	return sn.delim
}

// csvConvert is the view's expression converting text column c to its
// inferred type; "" keeps the text as it is. With try, a value that does
// not convert is NULL instead of an error.
func (f fileSource) csvConvert(c Column, sn csvSniff, try bool) string {
	q := f.csvText(c.Name)
	blankNull := "NULLIF(" + q + ", '')"
	cast, strptime := "CAST(", "strptime("
	if try {
		cast, strptime = "TRY_CAST(", "try_strptime("
	}
	switch {
	case c.Type == "VARCHAR":
		if f.opts.CSV.EmptyAsNull {
			return blankNull
		}
		return ""
	case c.Type == "DATE" && sn.dateFormat != "":
		return cast + strptime + blankNull + ", " + QuoteString(sn.dateFormat) + ") AS DATE)"
	case strings.HasPrefix(c.Type, "TIMESTAMP") && sn.timestampFormat != "":
		return cast + strptime + blankNull + ", " + QuoteString(sn.timestampFormat) + ") AS " + c.Type + ")"
	}
	// The type came from DuckDB's sniffer, not the user.
	return cast + blankNull + " AS " + c.Type + ")"
}

// sniffCSV asks DuckDB for the dialect and column types of one file, and
// checks for the signs of lines with inconsistent field counts.
func (f fileSource) sniffCSV(ctx context.Context, conn *sql.Conn, file string, userArgs, nulls []string) (csvSniff, error) {
	// The sniffer reads a sample (DuckDB's default 20,480 rows): reading
	// all rows here is single-threaded and several times slower than the
	// parallel scan in which verifyCSVTypes checks the types on all rows.
	args := append([]string{QuoteString(file)}, userArgs...)
	// Blank fields are NULL for inference: they do not make a numeric
	// column text.
	args = append(args, "nullstr = "+quoteStringList(append(append([]string{}, nulls...), "")))
	if c := fileCompression(file); c != "" {
		args = append(args, "compression = "+QuoteString(c))
	}
	sn := csvSniff{file: file}
	var date, ts sql.NullString
	var colsJSON string
	err := conn.QueryRowContext(ctx, `SELECT Delimiter, Quote, Escape, Comment, SkipRows, HasHeader,
		DateFormat, TimestampFormat, CAST(to_json(Columns) AS VARCHAR) FROM sniff_csv(`+strings.Join(args, ", ")+`)`).
		Scan(&sn.delim, &sn.quote, &sn.escape, &sn.comm, &sn.skip, &sn.header, &date, &ts, &colsJSON)
	if err != nil {
		// Over all rows, DuckDB's sniffer may give up on a ragged file
		// without saying where; find the line.
		if rerr := f.raggedLine(file, normalizeDelim(f.opts.CSV.Delimiter)); rerr != nil {
			return sn, rerr
		}
		return sn, fmt.Errorf("%s: %w", file, err)
	}
	for _, p := range []*string{&sn.delim, &sn.quote, &sn.escape, &sn.comm} {
		if *p == "(empty)" {
			*p = ""
		}
	}
	sn.dateFormat, sn.timestampFormat = date.String, ts.String
	var cols []struct{ Name, Type string }
	if err := json.Unmarshal([]byte(colsJSON), &cols); err != nil {
		return sn, fmt.Errorf("%s: reading DuckDB's sniff: %w", file, err)
	}
	for _, c := range cols {
		sn.cols = append(sn.cols, Column{Name: c.Name, Type: c.Type})
	}
	if err := f.checkRagged(file, sn); err != nil {
		return sn, err
	}
	if sn.header {
		f.noteDuplicateHeaders(file, sn)
	}
	sn.noRows = !csvHasRows(file, sn.skip, sn.header)
	sn.blank = sn.noRows && !csvHasRows(file, 0, false)
	return sn, nil
}

// noteDuplicateHeaders notes header names that occur more than once.
// DuckDB renames the later ones ("amount_1"), so a rule
// on "amount" judges the first column of that name only; the note says
// where the others went. A column really named "amount_1" is no rename:
// the header line itself is read to tell.
func (f fileSource) noteDuplicateHeaders(file string, sn csvSniff) {
	suspect := false
	for i, c := range sn.cols {
		cut := strings.LastIndexByte(c.Name, '_')
		if cut <= 0 || cut == len(c.Name)-1 || strings.Trim(c.Name[cut+1:], "0123456789") != "" {
			continue
		}
		for _, e := range sn.cols[:i] {
			if strings.EqualFold(e.Name, c.Name[:cut]) {
				suspect = true
			}
		}
	}
	if !suspect {
		return
	}
	header := rawCSVHeader(file, int(sn.skip), f.csvDelimiter(sn), sn.quote)
	if len(header) != len(sn.cols) {
		return
	}
	// Names differing only in case are told apart by rules, which match
	// the exact spelling first (plan_names.go); equal names cannot be.
	seen := map[string]bool{}
	var dups []string
	for i, h := range header {
		k := strings.TrimSpace(h)
		if seen[k] && sn.cols[i].Name != h {
			dups = append(dups, fmt.Sprintf("the %s %q is read as %q", ordinal(i+1), h, sn.cols[i].Name))
		}
		seen[k] = true
	}
	if len(dups) > 0 {
		f.notice(fmt.Sprintf("%s: the header repeats column names, and rules on such a name judge its first column only: %s", file, strings.Join(dups, ", ")))
	}
}

// ordinal is "1st", "2nd", "3rd", "4th", … for column positions.
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s column", n, suffix)
}

// rawCSVHeader is the fields of the header line of file after skip lines,
// or nil when it cannot be read with Go's CSV reader.
func rawCSVHeader(file string, skip int, delim, quote string) []string {
	comma, size := utf8.DecodeRuneInString(delim)
	if size != len(delim) || size == 0 || (quote != "" && quote != `"`) {
		return nil
	}
	r, ok, err := openDecompressed(file)
	if err != nil || !ok {
		return nil
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<16)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	for i := 0; i < skip; i++ {
		if _, err := br.ReadString('\n'); err != nil {
			return nil
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		return nil
	}
	return rec
}

// checkRagged looks for lines with a different number of fields when
// DuckDB's sniff shows the signs of one: everything in one column although
// the header holds a delimiter, or leading lines skipped. DuckDB then reads
// the file silently as one column, or drops the lines before the one it
// liked, so dq stops with the line instead (unless told to ignore or pad).
func (f fileSource) checkRagged(file string, sn csvSniff) error {
	mode := f.opts.CSV.Ragged
	if mode != "" && mode != RaggedError {
		return nil
	}
	oneCol := len(sn.cols) == 1 && strings.ContainsAny(sn.cols[0].Name, ",;\t|")
	userSkip := f.opts.CSV.Skip
	extra := int(sn.skip) - userSkip // lines DuckDB's sniffer chose to skip
	if !oneCol && extra <= 0 {
		return nil
	}
	delim := "" // findRagged guesses it from line 1
	switch {
	case f.opts.CSV.Delimiter != "":
		delim = normalizeDelim(f.opts.CSV.Delimiter)
	case !oneCol:
		delim = sn.delim
	}
	rg, err := findRagged(file, delim, userSkip)
	if err != nil {
		return fmt.Errorf("%s: checking field counts: %w", file, err)
	}
	if rg != nil && rg.ragged {
		e := &RaggedCSVError{File: file, Line: rg.line, Fields: rg.got, Want: rg.want, Delimiter: rg.delim, First: userSkip + 1}
		if extra > 0 && rg.line <= userSkip+extra+1 {
			// DuckDB found the table after a title or notes.
			e.Skip = userSkip + extra
		}
		return e
	}
	if oneCol && rg != nil && rg.want > 1 {
		// Consistent fields, yet one column: DuckDB's sniffer failed
		// (it does on a byte order mark before a quoted header).
		return fmt.Errorf("%s: DuckDB reads this file as one column although each line has %d fields separated by %q; give the delimiter explicitly, or remove a byte order mark before a quoted first field", file, rg.want, rg.delim)
	}
	if oneCol && f.opts.CSV.Delimiter != "" {
		// Most likely the wrong delimiter: every rule on a column of
		// the file would fail as "missing".
		f.notice(fmt.Sprintf("%s: read as one column %q with the delimiter %q you gave; is the file separated by something else?", file, sn.cols[0].Name, normalizeDelim(f.opts.CSV.Delimiter)))
	}
	if extra > 0 {
		f.notice(fmt.Sprintf("%s: skipped the first %s, which do not fit the layout of the rest of the file", file, pluralCount(int64(extra), "line")))
	}
	return nil
}

// raggedLine returns a *RaggedCSVError naming the first line of file whose
// field count differs from line 1's, or nil (also when the policy is not
// RaggedError). An empty delim is guessed.
func (f fileSource) raggedLine(file, delim string) error {
	if mode := f.opts.CSV.Ragged; mode != "" && mode != RaggedError {
		return nil
	}
	skip := f.opts.CSV.Skip
	rg, err := findRagged(file, delim, skip)
	if err != nil {
		return fmt.Errorf("%s: checking field counts: %w", file, err)
	}
	if rg != nil && rg.ragged {
		return &RaggedCSVError{File: file, Line: rg.line, Fields: rg.got, Want: rg.want, Delimiter: rg.delim, First: skip + 1}
	}
	return nil
}

// RaggedCSVError is a CSV file whose lines do not all have the same number of
// fields.
type RaggedCSVError struct {
	File         string
	Line         int // 1-based line number in the file
	Fields, Want int
	Delimiter    string
	// First is the line whose field count is Want: 1, or the first line
	// after those skipped (CSVOptions.Skip); 0 means 1.
	First int
	// Skip, when not 0, is how many leading lines DuckDB's sniffer would
	// skip to find the table (a title or notes above the header): the
	// likely fix is CSVOptions.Skip.
	Skip int
}

func (e *RaggedCSVError) Error() string {
	d := e.Delimiter
	if d == "\t" {
		d = `\t`
	}
	first := max(e.First, 1)
	msg := fmt.Sprintf("%s: line %d has %s but line %d has %d (delimiter %q): the CSV is ragged; ",
		e.File, e.Line, pluralCount(int64(e.Fields), "field"), first, e.Want, d)
	if e.Skip > 0 {
		what := "first line is a title or notes above the header, skip it"
		if e.Skip > 1 {
			what = fmt.Sprintf("first %d lines are a title or notes above the header, skip them", e.Skip)
		}
		return msg + "if its " + what + "; otherwise fix the file, or read it with ragged lines ignored or padded with NULLs"
	}
	return msg + "fix the file, or read it with ragged lines ignored or padded with NULLs"
}

// excelSepLine reports the delimiter of an Excel "sep=;" first line
// common to all files.
func excelSepLine(files []string) (string, bool) {
	var delim string
	for i, file := range files {
		r, ok, err := openDecompressed(file)
		if err != nil || !ok {
			return "", false
		}
		line, _ := bufio.NewReaderSize(r, 256).ReadString('\n')
		r.Close()
		line = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(line, "\ufeff"), "\n"), "\r")
		d, ok := strings.CutPrefix(strings.ToLower(line), "sep=")
		if !ok || utf8.RuneCountInString(d) != 1 || (i > 0 && d != delim) {
			return "", false
		}
		delim = d
	}
	return delim, delim != ""
}

// shortFiles names one file, or the first and how many more.
func shortFiles(files []string) string {
	if len(files) == 1 {
		return files[0]
	}
	return fmt.Sprintf("%s and %d more files", files[0], len(files)-1)
}

// normalizeDelim accepts \t and "tab" for a tab, which is hard to type.
func normalizeDelim(d string) string {
	if d == `\t` || strings.EqualFold(d, "tab") {
		return "\t"
	}
	return d
}
