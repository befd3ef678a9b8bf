package sinktest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"

	"github.com/dqlabs/dq/engine/gluecatalog"
)

// FakeAthena speaks Amazon Athena's JSON 1.1 protocol (X-Amz-Target
// AmazonAthena.StartQueryExecution, GetQueryExecution, GetQueryResults,
// StopQueryExecution) for dq's Athena backend in tests and in fakeaws.
//
// It records every statement it receives and runs it on embedded DuckDB
// over the Glue tables of the FakeGlue it is given, whose data it reads
// from the FakeS3. DuckDB is not Trino: a handful of DuckDB macros
// (athenaShim) supply the Trino functions dq emits under their Trino
// names, and nothing else is translated. The shim is a test device; the
// Trino text itself is pinned by golden files in engine/athena, which is
// the real check of what Athena would receive.
//
// Queries go QUEUED → RUNNING → SUCCEEDED or FAILED (with a
// StateChangeReason), or CANCELLED by StopQueryExecution; QueuedFor and
// RunningFor set how long each state lasts, FailWith injects failures.
type FakeAthena struct {
	Faults *Faults
	// QueuedFor and RunningFor are how long a query stays QUEUED and then
	// RUNNING before it runs (0: it runs on the first poll).
	QueuedFor, RunningFor time.Duration
	// PageSize caps GetQueryResults' rows per page below the caller's
	// MaxResults (0: 1000, Athena's maximum).
	PageSize int
	// FailWith, when it returns a reason for a statement, makes the
	// query FAILED with it instead of running.
	FailWith func(sql string) string
	// DefaultOutput is the workgroup's output location; without it a
	// query must name one, as Athena requires.
	DefaultOutput string

	glue *FakeGlue
	s3   *FakeS3

	mu      sync.Mutex
	queries map[string]*AthenaQuery
	order   []string
	next    int
}

// AthenaQuery is one query the fake received.
type AthenaQuery struct {
	ID, SQL                   string
	WorkGroup, OutputLocation string
	Catalog, Database         string
	State, Reason             string
	StopRequested             bool // StopQueryExecution was called
	DataScanned               int64
	submitted, completed      time.Time
	columns                   []athenaColumn
	rows                      [][]*string
}

type athenaColumn struct{ Name, Type string }

// NewAthena returns a fake Athena over glue's tables and s3's objects.
func NewAthena(glue *FakeGlue, s3 *FakeS3) *FakeAthena {
	return &FakeAthena{Faults: &Faults{}, glue: glue, s3: s3, queries: map[string]*AthenaQuery{}}
}

// Queries returns copies of the queries received, in order.
func (a *FakeAthena) Queries() []AthenaQuery {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]AthenaQuery, 0, len(a.order))
	for _, id := range a.order {
		out = append(out, *a.queries[id])
	}
	return out
}

func (a *FakeAthena) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.Faults.Wrap(http.HandlerFunc(a.serve)).ServeHTTP(w, r)
}

func (a *FakeAthena) serve(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonAthena.")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var in struct {
		QueryString, QueryExecutionId, NextToken, WorkGroup string
		MaxResults                                          int
		QueryExecutionContext                               struct{ Catalog, Database string }
		ResultConfiguration                                 struct{ OutputLocation string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		athenaError(w, "InvalidRequestException", err.Error())
		return
	}
	switch op {
	case "StartQueryExecution":
		a.start(w, in.QueryString, in.WorkGroup, in.ResultConfiguration.OutputLocation, in.QueryExecutionContext.Catalog, in.QueryExecutionContext.Database)
	case "GetQueryExecution":
		q := a.advance(r.Context(), w, in.QueryExecutionId)
		if q != nil {
			writeJSON(w, map[string]any{"QueryExecution": a.executionJSON(q)})
		}
	case "GetQueryResults":
		q := a.advance(r.Context(), w, in.QueryExecutionId)
		if q != nil {
			a.results(w, q, in.NextToken, in.MaxResults)
		}
	case "StopQueryExecution":
		a.mu.Lock()
		q, ok := a.queries[in.QueryExecutionId]
		if ok {
			q.StopRequested = true
			if q.State == "QUEUED" || q.State == "RUNNING" {
				q.State, q.Reason, q.completed = "CANCELLED", "Query cancelled by user", time.Now()
			}
		}
		a.mu.Unlock()
		if !ok {
			athenaError(w, "InvalidRequestException", "QueryExecution "+in.QueryExecutionId+" was not found")
			return
		}
		writeJSON(w, map[string]any{})
	default:
		athenaError(w, "InvalidRequestException", "FakeAthena does not serve "+op)
	}
}

func (a *FakeAthena) start(w http.ResponseWriter, sqlText, wg, output, catalog, database string) {
	if strings.TrimSpace(sqlText) == "" {
		athenaError(w, "InvalidRequestException", "QueryString must not be empty")
		return
	}
	if output == "" {
		output = a.DefaultOutput
	}
	if output == "" {
		athenaError(w, "InvalidRequestException", "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.")
		return
	}
	if wg == "" {
		wg = "primary"
	}
	if catalog == "" {
		catalog = "AwsDataCatalog"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.next++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", a.next)
	a.queries[id] = &AthenaQuery{ID: id, SQL: sqlText, WorkGroup: wg, OutputLocation: strings.TrimSuffix(output, "/") + "/" + id + ".csv",
		Catalog: catalog, Database: database, State: "QUEUED", submitted: time.Now()}
	a.order = append(a.order, id)
	writeJSON(w, map[string]any{"QueryExecutionId": id})
}

// advance moves a query through its states by the time elapsed, running
// it when RUNNING is over.
func (a *FakeAthena) advance(ctx context.Context, w http.ResponseWriter, id string) *AthenaQuery {
	a.mu.Lock()
	q, ok := a.queries[id]
	if !ok {
		a.mu.Unlock()
		athenaError(w, "InvalidRequestException", "QueryExecution "+id+" was not found")
		return nil
	}
	elapsed := time.Since(q.submitted)
	run := false
	switch q.State {
	case "QUEUED", "RUNNING":
		switch {
		case elapsed < a.QueuedFor:
		case elapsed < a.QueuedFor+a.RunningFor:
			q.State = "RUNNING"
		default:
			q.State = "RUNNING"
			run = true
		}
	}
	a.mu.Unlock()
	if run {
		reason := ""
		if a.FailWith != nil {
			reason = a.FailWith(q.SQL)
		}
		var cols []athenaColumn
		var rows [][]*string
		var scanned int64
		if reason == "" {
			var err error
			cols, rows, scanned, err = a.execute(ctx, q)
			if err != nil {
				reason = err.Error()
			}
		}
		a.mu.Lock()
		if q.State == "RUNNING" { // not cancelled meanwhile
			q.completed = time.Now()
			q.DataScanned = scanned
			if reason != "" {
				q.State, q.Reason = "FAILED", reason
			} else {
				q.State, q.columns, q.rows = "SUCCEEDED", cols, rows
			}
		}
		a.mu.Unlock()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c := *q
	return &c
}

func (a *FakeAthena) executionJSON(q *AthenaQuery) map[string]any {
	status := map[string]any{"State": q.State, "SubmissionDateTime": float64(q.submitted.UnixMilli()) / 1000}
	if !q.completed.IsZero() {
		status["CompletionDateTime"] = float64(q.completed.UnixMilli()) / 1000
	}
	if q.Reason != "" {
		status["StateChangeReason"] = q.Reason
	}
	if q.State == "FAILED" {
		status["AthenaError"] = map[string]any{"ErrorCategory": 2, "ErrorType": 1006, "Retryable": false, "ErrorMessage": q.Reason}
	}
	stats := map[string]any{"DataScannedInBytes": q.DataScanned}
	if !q.completed.IsZero() {
		ms := q.completed.Sub(q.submitted).Milliseconds()
		stats["TotalExecutionTimeInMillis"], stats["EngineExecutionTimeInMillis"] = ms, ms
	}
	ctx := map[string]any{"Catalog": q.Catalog}
	if q.Database != "" {
		ctx["Database"] = q.Database
	}
	return map[string]any{
		"QueryExecutionId": q.ID, "Query": q.SQL, "StatementType": "DML", "WorkGroup": q.WorkGroup,
		"ResultConfiguration":   map[string]any{"OutputLocation": q.OutputLocation},
		"QueryExecutionContext": ctx, "Status": status, "Statistics": stats,
		"EngineVersion": map[string]any{"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
	}
}

// results serves one page; the header row (column names) leads page 1,
// as Athena's does for SELECT statements.
func (a *FakeAthena) results(w http.ResponseWriter, q *AthenaQuery, token string, max int) {
	switch q.State {
	case "SUCCEEDED":
	case "FAILED", "CANCELLED":
		athenaError(w, "InvalidRequestException", "Query did not finish successfully. Final query state: "+q.State+"\n"+q.Reason)
		return
	default:
		athenaError(w, "InvalidRequestException", "Query has not yet finished. Current state: "+q.State)
		return
	}
	if max <= 0 || max > 1000 {
		max = 1000
	}
	if a.PageSize > 0 && a.PageSize < max {
		max = a.PageSize
	}
	all := make([][]*string, 0, len(q.rows)+1)
	header := make([]*string, len(q.columns))
	for i, c := range q.columns {
		header[i] = &c.Name
	}
	all = append(all, header)
	all = append(all, q.rows...)
	start := 0
	if token != "" {
		var err error
		if start, err = strconv.Atoi(strings.TrimPrefix(token, q.ID+":")); err != nil || !strings.HasPrefix(token, q.ID+":") || start > len(all) {
			athenaError(w, "InvalidRequestException", "NextToken is invalid")
			return
		}
	}
	end := min(start+max, len(all))
	rows := []any{}
	for _, r := range all[start:end] {
		data := []any{}
		for _, v := range r {
			if v == nil {
				data = append(data, map[string]any{})
			} else {
				data = append(data, map[string]any{"VarCharValue": *v})
			}
		}
		rows = append(rows, map[string]any{"Data": data})
	}
	info := []any{}
	for _, c := range q.columns {
		info = append(info, map[string]any{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": c.Name, "Label": c.Name,
			"Type": c.Type, "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": c.Type == "varchar"})
	}
	out := map[string]any{"UpdateCount": 0, "ResultSet": map[string]any{"Rows": rows, "ResultSetMetadata": map[string]any{"ColumnInfo": info}}}
	if end < len(all) {
		out["NextToken"] = q.ID + ":" + strconv.Itoa(end)
	}
	writeJSON(w, out)
}

// athenaShim gives DuckDB the Trino functions dq's Trino dialect emits
// under Trino's names. Everything else dq emits (count, sum, avg, min,
// max, stddev_pop, var_pop, corr, length, lower, upper, trim(BOTH ' ' FROM
// x), coalesce, greatest, ln, try_cast, CAST, date_diff, CASE) is spelt
// the same in both. regexp_like is a search in both; DuckDB's RE2 reads
// the \A, \z, \x{…} and (?:…) that the dialect writes as Java does.
const athenaShim = `
CREATE TEMP MACRO regexp_like(s, p) AS regexp_matches(s, p);
CREATE TEMP MACRO nan() AS CAST('NaN' AS DOUBLE);
CREATE TEMP MACRO infinity() AS CAST('Infinity' AS DOUBLE);
CREATE TEMP MACRO is_nan(x) AS isnan(x);
CREATE TEMP MACRO is_infinite(x) AS isinf(x);
CREATE TEMP MACRO is_finite(x) AS isfinite(x);
`

// execute runs q on a fresh DuckDB holding the catalog's tables as
// views over their objects, copied to a temporary directory.
func (a *FakeAthena) execute(ctx context.Context, q *AthenaQuery) ([]athenaColumn, [][]*string, int64, error) {
	dir, err := os.MkdirTemp("", "fakeathena")
	if err != nil {
		return nil, nil, 0, err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		return nil, nil, 0, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	defer conn.Close()
	cat := strings.ToLower(q.Catalog)
	setup := athenaShim + fmt.Sprintf("ATTACH ':memory:' AS %s;\n", ident(cat))
	var scanned int64
	if q.Database != "" {
		setup += fmt.Sprintf("CREATE SCHEMA IF NOT EXISTS %s.%s;\n", ident(cat), ident(strings.ToLower(q.Database)))
	}
	for _, t := range a.glue.allTables() {
		if !mentions(q.SQL, t, q.Database) {
			continue
		}
		view, size, err := a.tableView(dir, t)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("fake Athena: table %s.%s: %w", t.Database, t.Name, err)
		}
		scanned += size
		setup += fmt.Sprintf("CREATE SCHEMA IF NOT EXISTS %s.%s;\nCREATE VIEW %s.%s.%s AS %s;\n",
			ident(cat), ident(strings.ToLower(t.Database)), ident(cat), ident(strings.ToLower(t.Database)), ident(strings.ToLower(t.Name)), view)
	}
	if q.Database != "" {
		setup += fmt.Sprintf("USE %s.%s;\n", ident(cat), ident(strings.ToLower(q.Database)))
	}
	if _, err := conn.ExecContext(ctx, setup); err != nil {
		return nil, nil, 0, fmt.Errorf("fake Athena setup: %w", err)
	}
	rows, err := conn.QueryContext(ctx, q.SQL)
	if err != nil {
		return nil, nil, scanned, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, scanned, err
	}
	cols := make([]athenaColumn, len(types))
	for i, t := range types {
		cols[i] = athenaColumn{Name: t.Name(), Type: athenaType(t.DatabaseTypeName())}
	}
	var out [][]*string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, scanned, err
		}
		row := make([]*string, len(cols))
		for i, v := range vals {
			row[i] = athenaValue(v)
		}
		out = append(out, row)
	}
	return cols, out, scanned, rows.Err()
}

// tableView copies t's objects under dir and returns the SELECT that
// reads them as Athena would: declared columns with declared types, the
// partition values as columns. size is the bytes of those objects.
func (a *FakeAthena) tableView(dir string, t GlueTable) (string, int64, error) {
	type part struct {
		vals []string
		loc  string
	}
	parts := []part{{loc: t.Location}}
	if len(t.PartitionKeys) > 0 {
		parts = nil
		for _, p := range t.Partitions {
			parts = append(parts, part{p.Values, p.Location})
		}
	}
	var selects []string
	var size int64
	for pi, p := range parts {
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(p.loc, "s3://"), "/")
		if prefix != "" && !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		list, err := a.s3.Backend.ListBucket(bucket, &gofakes3.Prefix{Prefix: prefix, HasPrefix: true}, gofakes3.ListBucketPage{})
		if err != nil {
			return "", 0, err
		}
		var files []string
		for i, c := range list.Contents {
			base := filepath.Base(c.Key)
			if strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") || c.Size == 0 {
				continue
			}
			obj, err := a.s3.Backend.GetObject(bucket, c.Key, nil)
			if err != nil {
				return "", 0, err
			}
			data, err := io.ReadAll(obj.Contents)
			obj.Contents.Close()
			if err != nil {
				return "", 0, err
			}
			name := filepath.Join(dir, fmt.Sprintf("%s_%d_%d_%s", strings.ToLower(t.Name), pi, i, base))
			if err := os.WriteFile(name, data, 0o600); err != nil {
				return "", 0, err
			}
			files = append(files, "'"+strings.ReplaceAll(name, "'", "''")+"'")
			size += int64(len(data))
		}
		if len(files) == 0 {
			continue
		}
		var cols []string
		var read string
		list2 := "[" + strings.Join(files, ", ") + "]"
		switch strings.ToLower(t.Classification) {
		case "csv":
			spec := []string{}
			for _, c := range t.Columns {
				spec = append(spec, fmt.Sprintf("'%s': 'VARCHAR'", c.Name))
			}
			header := t.Parameters["skip.header.line.count"] != "0"
			delim := ","
			if d := t.SerDeParams["field.delim"]; d != "" {
				delim = d
			}
			read = fmt.Sprintf("read_csv(%s, header=%v, delim='%s', columns={%s})", list2, header, delim, strings.Join(spec, ", "))
		case "json":
			read = fmt.Sprintf("read_json(%s, format='newline_delimited')", list2)
		default:
			read = fmt.Sprintf("read_parquet(%s, union_by_name=true)", list2)
		}
		for _, c := range t.Columns {
			if dt := gluecatalog.DuckType(c.Type); dt != "" {
				cols = append(cols, fmt.Sprintf("TRY_CAST(%s AS %s) AS %s", ident(c.Name), dt, ident(c.Name)))
			} else {
				cols = append(cols, ident(c.Name))
			}
		}
		for i, k := range t.PartitionKeys {
			dt := gluecatalog.DuckType(k.Type)
			if dt == "" {
				dt = "VARCHAR"
			}
			cols = append(cols, fmt.Sprintf("TRY_CAST('%s' AS %s) AS %s", strings.ReplaceAll(p.vals[i], "'", "''"), dt, ident(k.Name)))
		}
		selects = append(selects, "SELECT "+strings.Join(cols, ", ")+" FROM "+read)
	}
	if len(selects) == 0 {
		// No data: an empty relation of the declared columns.
		var cols []string
		for _, c := range append(append([]GlueColumn(nil), t.Columns...), t.PartitionKeys...) {
			dt := gluecatalog.DuckType(c.Type)
			if dt == "" {
				dt = "VARCHAR"
			}
			cols = append(cols, "CAST(NULL AS "+dt+") AS "+ident(c.Name))
		}
		return "SELECT " + strings.Join(cols, ", ") + " WHERE FALSE", 0, nil
	}
	return strings.Join(selects, " UNION ALL BY NAME "), size, nil
}

// mentions reports whether statement reads t: by its qualified name
// (quoted or not, optionally behind a catalog) or, in the query's
// database, by its bare name after FROM or JOIN. Only the tables read
// count towards DataScannedInBytes.
func mentions(stmt string, t GlueTable, database string) bool {
	q := func(s string) string { return `"?` + regexp.QuoteMeta(s) + `"?` }
	re := `(?i)` + q(t.Database) + `\s*\.\s*` + q(t.Name) + `([^\w.]|$)`
	if strings.EqualFold(database, t.Database) {
		re += `|(?i)(from|join)\s+` + q(t.Name) + `([^\w.]|$)`
	}
	return regexp.MustCompile(re).MatchString(stmt)
}

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// athenaType names a DuckDB result type as Athena's ColumnInfo.Type does.
func athenaType(t string) string {
	t = strings.ToUpper(t)
	switch {
	case t == "DOUBLE":
		return "double"
	case t == "FLOAT":
		return "float"
	case t == "BIGINT" || t == "HUGEINT" || t == "UBIGINT":
		return "bigint"
	case t == "INTEGER" || t == "UINTEGER":
		return "integer"
	case t == "SMALLINT":
		return "smallint"
	case t == "TINYINT":
		return "tinyint"
	case t == "BOOLEAN":
		return "boolean"
	case strings.HasPrefix(t, "DECIMAL"):
		return "decimal"
	case t == "DATE":
		return "date"
	case strings.HasPrefix(t, "TIMESTAMP"):
		return "timestamp"
	}
	return "varchar"
}

// athenaValue renders a value as GetQueryResults does: text, doubles as
// Java prints them (1.0E7, NaN, Infinity), NULL as no VarCharValue.
func athenaValue(v any) *string {
	var s string
	switch v := v.(type) {
	case nil:
		return nil
	case float64:
		s = javaDouble(v)
	case float32:
		s = javaDouble(float64(v))
	case time.Time:
		s = v.Format("2006-01-02 15:04:05.000")
	case []byte:
		s = string(v)
	default:
		s = fmt.Sprint(v)
	}
	return &s
}

func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a == 0 || a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'E', -1, 64), "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

func athenaError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]any{"__type": code, "Message": msg, "AthenaErrorCode": "INVALID_INPUT"})
}

// allTables returns copies of the catalogued tables, sorted by name.
func (g *FakeGlue) allTables() []GlueTable {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []GlueTable
	for _, t := range g.tables {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Database+"."+out[i].Name < out[j].Database+"."+out[j].Name })
	return out
}
