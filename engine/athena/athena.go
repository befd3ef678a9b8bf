// Package athena is dq's Amazon Athena backend: an engine.Backend that
// sends a plan's fused aggregate statements, rendered in Trino SQL, to
// Athena over a Glue Data Catalog table, so that the data is scanned where
// it lives and only one row per statement comes back.
//
// It uses the AWS SDK's Athena client: StartQueryExecution with the
// workgroup, output location and catalog/database, GetQueryExecution
// polled with a bounded backoff, GetQueryResults paged, and
// StopQueryExecution when the context is cancelled (Ctrl-C, --timeout).
// Tables are described from the Glue Data Catalog (engine/gluecatalog);
// PredictScan estimates the bytes a run will scan before any query starts,
// for the --max-scan-bytes guard.
package athena

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/gluecatalog"
	"github.com/dqlabs/dq/engine/s3source"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Options configure a Backend.
type Options struct {
	// Database and Table name the primary dataset's Glue table.
	Database, Table string
	// WorkGroup is the Athena workgroup ("" = primary).
	WorkGroup string
	// OutputLocation is the s3:// prefix Athena writes result files to;
	// "" uses the workgroup's configured location.
	OutputLocation string
	// Catalog is the Athena data catalog ("" = AwsDataCatalog).
	Catalog string
	// CatalogID is the Glue catalog's account for cross-account tables.
	CatalogID string
	// Partition filters the primary table's partitions (GetPartitions
	// syntax) for PredictScan.
	Partition string
	// MaxScanBytes refuses to start any query when PredictScan expects
	// more (0: no limit): see Guard.
	MaxScanBytes int64
	// PollMin and PollMax bound the GetQueryExecution backoff (0: 100ms
	// and 2s); MaxWait bounds one query's wait (0: until ctx ends).
	PollMin, PollMax, MaxWait time.Duration
}

// Backend runs statements on Athena. It is safe for concurrent use.
type Backend struct {
	client  *sdk.Client
	catalog *gluecatalog.Catalog
	s3      *s3source.Client
	opts    Options

	dialect *sqlexpr.Dialect

	mu        sync.Mutex
	types     map[string]string // the primary table's column types, once described
	stats     Stats
	described []string        // dataset names Describe resolved, for Guard
	guarded   map[string]bool // the names a passing Guard covered
}

// Stats are what a run's queries cost.
type Stats struct {
	QueryIDs    []string
	DataScanned int64 // bytes, Statistics.DataScannedInBytes summed
	Billed      int64 // bytes billed: each query rounded up to a MB, at least 10 MB
}

// PricePerTB is Athena's list price in US dollars per terabyte (10^12
// bytes) scanned in us-east-1; other regions differ. Estimates use it.
const PricePerTB = 5.0

// EstimatedCost is the list-price cost of s in US dollars.
func (s Stats) EstimatedCost() float64 { return float64(s.Billed) / 1e12 * PricePerTB }

// New makes a Backend from an SDK configuration; s3c lists objects for
// the cost guard's fallback.
func New(cfg aws.Config, s3c *s3source.Client, opts Options) (*Backend, error) {
	if opts.Database == "" || opts.Table == "" {
		return nil, errors.New("athena: the primary dataset must be a Glue table (glue://database/table)")
	}
	if opts.OutputLocation != "" && !strings.HasPrefix(opts.OutputLocation, "s3://") {
		return nil, fmt.Errorf("athena: the output location %q is not an s3:// URL", opts.OutputLocation)
	}
	if opts.Catalog == "" {
		opts.Catalog = "AwsDataCatalog"
	}
	if opts.PollMin <= 0 {
		opts.PollMin = 100 * time.Millisecond
	}
	if opts.PollMax <= 0 {
		opts.PollMax = 2 * time.Second
	}
	cat := gluecatalog.New(cfg, s3c, s3source.Options{})
	cat.CatalogID = opts.CatalogID
	b := &Backend{client: sdk.NewFromConfig(cfg), catalog: cat, s3: s3c, opts: opts}
	b.dialect = typedTrino(b.typeOf)
	return b, nil
}

// Dialect implements engine.Backend: Trino, knowing the primary table's
// column types once Describe has read them.
func (b *Backend) Dialect() *sqlexpr.Dialect { return b.dialect }

func (b *Backend) typeOf(col string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.types[col]
	return t, ok
}

// Close implements engine.Backend; the SDK client holds nothing to free.
func (b *Backend) Close() error { return nil }

// Table is the primary dataset's Glue database and table.
func (b *Backend) Table() (database, table string) { return b.opts.Database, b.opts.Table }

// Stats returns what the queries so far scanned.
func (b *Backend) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.QueryIDs = append([]string(nil), s.QueryIDs...)
	return s
}

// table resolves a dataset name: "primary", or a reference's catalog
// name database.table (a bare table is in the primary's database).
func (b *Backend) table(name string) (db, table string) {
	if name == "primary" || name == "" {
		return b.opts.Database, b.opts.Table
	}
	if gluecatalog.IsGlue(name) {
		if d, t, err := gluecatalog.ParseURL(name); err == nil {
			return d, t
		}
	}
	if d, t, ok := strings.Cut(name, "."); ok {
		return d, t
	}
	return b.opts.Database, name
}

// Describe implements engine.Backend from the Glue Data Catalog: the
// declared columns then the partition keys, as Athena reads the table,
// with Glue's Hive types spelt as DuckDB spells them. A reference is a
// table of the same catalog: glue://database/table, database.table, or a
// table of the primary's database; a path or another kind of URL (s3://
// files, a postgres:// table) is an error wrapping
// engine.ErrNotColocated, since cross-dataset rules are joins in Athena.
func (b *Backend) Describe(ctx context.Context, name string) (*engine.Dataset, error) {
	if name != "primary" && !gluecatalog.IsGlue(name) && strings.ContainsAny(name, `/\:`) {
		return nil, fmt.Errorf("%s is not a table of the Athena catalog %s: %w", name, b.opts.Catalog, engine.ErrNotColocated)
	}
	db, tn := b.table(name)
	t := b.catalog.Table(db, tn, "")
	tb, err := t.Describe(ctx)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.described = append(b.described, name)
	b.mu.Unlock()
	if tt := strings.ToUpper(aws.ToString(tb.TableType)); tt == "VIRTUAL_VIEW" {
		// Athena queries views too, but their columns are in the view's
		// text, not in a storage descriptor.
		return nil, &gluecatalog.Error{Table: t.URL(), Msg: "is a view; dq's Athena backend reads tables"}
	}
	ds := &engine.Dataset{Alias: name, Relation: Trino().Ident(db) + "." + Trino().Ident(tn), Location: t.URL()}
	var cols []string
	if sd := tb.StorageDescriptor; sd != nil {
		for _, c := range sd.Columns {
			ds.Columns = append(ds.Columns, engine.Column{Name: aws.ToString(c.Name), Type: DuckType(aws.ToString(c.Type))})
			cols = append(cols, aws.ToString(c.Name))
		}
	}
	for _, k := range tb.PartitionKeys {
		ds.Columns = append(ds.Columns, engine.Column{Name: aws.ToString(k.Name), Type: DuckType(aws.ToString(k.Type))})
	}
	if name == "primary" && b.opts.Partition != "" {
		// --partition: the statements read the selected partitions only
		// (Athena prunes on the partition columns' condition).
		where, err := partitionWhere(b.opts.Partition, gluecatalog.PartitionKeys(tb.PartitionKeys))
		if err != nil {
			return nil, &gluecatalog.Error{Table: t.URL(), Msg: "--partition: " + err.Error()}
		}
		ds.Relation = "(SELECT * FROM " + ds.Relation + " WHERE " + where + ") AS " + Trino().Ident(tn)
	}
	if name == "primary" {
		b.mu.Lock()
		b.types = map[string]string{}
		for _, c := range ds.Columns {
			b.types[c.Name] = c.Type
		}
		b.mu.Unlock()
	}
	if len(ds.Columns) == 0 {
		return nil, &gluecatalog.Error{Table: t.URL(), Msg: "declares no columns"}
	}
	return ds, nil
}

// partitionWhere is the Glue partition filter as a Trino condition on
// the partition columns, validated as the Glue source validates it
// (gluecatalog.ParseExpr; keys must be partition keys).
func partitionWhere(filter string, keys map[string]gluecatalog.Key) (string, error) {
	if len(keys) == 0 {
		return "", errors.New("the table has no partition keys")
	}
	e, err := gluecatalog.ParseExpr(filter)
	if err != nil {
		return "", err
	}
	return gluecatalog.WhereSQL(e, keys, Trino().Ident, quote)
}

// QueryRow implements engine.Backend: one statement, its single row of n
// numbers. Cancelling ctx stops the query on Athena.
func (b *Backend) QueryRow(ctx context.Context, query string, n int) ([]sql.NullFloat64, error) {
	// The backstop: callers run Guard first, with every dataset.
	if err := b.guard(ctx); err != nil {
		return nil, err
	}
	id, err := b.run(ctx, query)
	if err != nil {
		return nil, err
	}
	var rows []types.Row
	p := sdk.NewGetQueryResultsPaginator(b.client, &sdk.GetQueryResultsInput{QueryExecutionId: &id})
	for first := true; p.HasMorePages(); first = false {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, b.apiErr("GetQueryResults", id, err)
		}
		if page.ResultSet == nil {
			continue
		}
		rs := page.ResultSet.Rows
		if first && len(rs) > 0 {
			rs = rs[1:] // the header row of column names
		}
		rows = append(rows, rs...)
		if len(rows) > 1 {
			break
		}
	}
	if len(rows) != 1 {
		return nil, fmt.Errorf("Athena query %s returned %d rows, want 1", id, len(rows))
	}
	data := rows[0].Data
	if len(data) != n {
		return nil, fmt.Errorf("Athena query %s returned %d columns, want %d", id, len(data), n)
	}
	out := make([]sql.NullFloat64, n)
	for i, d := range data {
		if d.VarCharValue == nil {
			continue
		}
		v, err := parseNumber(*d.VarCharValue)
		if err != nil {
			return nil, fmt.Errorf("Athena query %s: column %d: %w", id, i+1, err)
		}
		out[i] = sql.NullFloat64{Float64: v, Valid: true}
	}
	return out, nil
}

var _ engine.UserQuerier = (*Backend)(nil)

// QueryUser implements engine.UserQuerier: a CustomSql statement, which
// must be a SELECT (or WITH … SELECT: Trino has no data-modifying
// WITH), its column names and at most maxRows rows read as numbers. The
// cost guard applies as for the metric statements.
func (b *Backend) QueryUser(ctx context.Context, query string, maxRows int) ([]string, [][]sql.NullFloat64, error) {
	if first := firstWord(query); first != "select" && first != "with" {
		return nil, nil, fmt.Errorf("Athena runs only SELECT or WITH … SELECT for CustomSql, got %q", first)
	}
	if err := b.guard(ctx); err != nil {
		return nil, nil, err
	}
	id, err := b.run(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	var names []string
	var out [][]sql.NullFloat64
	p := sdk.NewGetQueryResultsPaginator(b.client, &sdk.GetQueryResultsInput{QueryExecutionId: &id})
	for first := true; p.HasMorePages(); first = false {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, b.apiErr("GetQueryResults", id, err)
		}
		if page.ResultSet == nil {
			break
		}
		if first && page.ResultSet.ResultSetMetadata != nil {
			for _, c := range page.ResultSet.ResultSetMetadata.ColumnInfo {
				names = append(names, aws.ToString(c.Name))
			}
		}
		rs := page.ResultSet.Rows
		if first && len(rs) > 0 {
			rs = rs[1:] // the header row of column names
		}
		for _, r := range rs {
			if len(out) == maxRows {
				break
			}
			row := make([]sql.NullFloat64, len(r.Data))
			for i, d := range r.Data {
				if d.VarCharValue == nil {
					continue
				}
				v, err := parseNumber(*d.VarCharValue)
				if err != nil {
					return nil, nil, fmt.Errorf("Athena query %s: column %d: %w", id, i+1, err)
				}
				row[i] = sql.NullFloat64{Float64: v, Valid: true}
			}
			out = append(out, row)
		}
		if len(out) >= maxRows {
			break
		}
	}
	return names, out, nil
}

// firstWord is the first keyword of a statement, lower case, after
// blanks, comments and opening parentheses.
func firstWord(q string) string {
	for {
		q = strings.TrimLeft(q, " \t\r\n(")
		switch {
		case strings.HasPrefix(q, "--"):
			if i := strings.IndexByte(q, '\n'); i >= 0 {
				q = q[i:]
				continue
			}
			return ""
		case strings.HasPrefix(q, "/*"):
			if i := strings.Index(q, "*/"); i >= 0 {
				q = q[i+2:]
				continue
			}
			return ""
		}
		end := strings.IndexFunc(q, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') })
		if end < 0 {
			end = len(q)
		}
		return strings.ToLower(q[:end])
	}
}

// guard runs the cost guard over the datasets described so far when a
// passing Guard has not covered them all: callers guard the primary table
// before planning, and the references a plan joins are described later,
// so the first statement re-predicts the whole run with them.
func (b *Backend) guard(ctx context.Context) error {
	if b.opts.MaxScanBytes <= 0 {
		return nil
	}
	b.mu.Lock()
	names := append([]string{"primary"}, b.described...)
	covered := true
	for _, n := range names {
		covered = covered && b.guarded[n]
	}
	b.mu.Unlock()
	if covered {
		return nil
	}
	_, err := b.Guard(ctx, names)
	return err
}

// ScanLimitError is the --max-scan-bytes guard's refusal.
type ScanLimitError struct {
	Predicted Prediction
	Limit     int64
}

func (e *ScanLimitError) Error() string {
	return fmt.Sprintf("refusing to start Athena queries: they are predicted to scan %s (%d bytes), more than --max-scan-bytes %s (%d bytes); predicted from %s",
		FormatBytes(e.Predicted.Bytes), e.Predicted.Bytes, FormatBytes(e.Limit), e.Limit, e.Predicted.How)
}

// Guard predicts what queries over the named datasets will scan and,
// when Options.MaxScanBytes is set and the prediction is above it,
// refuses with a *ScanLimitError before any query starts. QueryRow runs
// it once itself over the datasets described so far, as a backstop.
func (b *Backend) Guard(ctx context.Context, names []string) (Prediction, error) {
	p, err := b.PredictScan(ctx, names)
	if err != nil {
		return p, err
	}
	if b.opts.MaxScanBytes > 0 && p.Bytes > b.opts.MaxScanBytes {
		return p, &ScanLimitError{Predicted: p, Limit: b.opts.MaxScanBytes}
	}
	b.mu.Lock()
	if b.guarded == nil {
		b.guarded = map[string]bool{}
	}
	for _, n := range names {
		b.guarded[n] = true
	}
	b.mu.Unlock()
	return p, nil
}

// parseNumber reads a result value: Java's double spellings (1.0E10, NaN,
// Infinity, -Infinity), integers, decimals and booleans.
func parseNumber(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "true":
		return 1, nil
	case "false":
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("value %q is not a number", s)
	}
	return v, nil
}

// run starts query and waits for it to succeed, stopping it when ctx
// ends first.
func (b *Backend) run(ctx context.Context, query string) (string, error) {
	in := &sdk.StartQueryExecutionInput{
		QueryString:           aws.String(query),
		QueryExecutionContext: &types.QueryExecutionContext{Catalog: aws.String(b.opts.Catalog), Database: aws.String(b.opts.Database)},
	}
	if b.opts.WorkGroup != "" {
		in.WorkGroup = aws.String(b.opts.WorkGroup)
	}
	if b.opts.OutputLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(b.opts.OutputLocation)}
	}
	start, err := b.client.StartQueryExecution(ctx, in)
	if err != nil {
		return "", b.apiErr("StartQueryExecution", "", err)
	}
	id := aws.ToString(start.QueryExecutionId)
	b.mu.Lock()
	b.stats.QueryIDs = append(b.stats.QueryIDs, id)
	b.mu.Unlock()

	wait, began := b.opts.PollMin, time.Now()
	for {
		out, err := b.client.GetQueryExecution(ctx, &sdk.GetQueryExecutionInput{QueryExecutionId: &id})
		if err != nil {
			if ctx.Err() != nil {
				return "", b.stop(ctx, id)
			}
			return "", b.apiErr("GetQueryExecution", id, err)
		}
		qe := out.QueryExecution
		if qe != nil && qe.Status != nil {
			switch qe.Status.State {
			case types.QueryExecutionStateSucceeded:
				b.account(qe)
				return id, nil
			case types.QueryExecutionStateFailed:
				b.account(qe)
				return "", &QueryError{ID: id, State: "FAILED", Reason: aws.ToString(qe.Status.StateChangeReason)}
			case types.QueryExecutionStateCancelled:
				b.account(qe)
				return "", &QueryError{ID: id, State: "CANCELLED", Reason: aws.ToString(qe.Status.StateChangeReason)}
			}
		}
		if b.opts.MaxWait > 0 && time.Since(began) > b.opts.MaxWait {
			err := b.stop(context.WithoutCancel(ctx), id)
			return "", fmt.Errorf("Athena query %s did not finish within %s and was stopped: %w", id, b.opts.MaxWait, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", b.stop(ctx, id)
		case <-t.C:
		}
		wait = min(wait*2, b.opts.PollMax)
	}
}

// stop asks Athena to stop query id after ctx ended, so that a cancelled
// run does not keep scanning (and billing); it returns ctx's error.
func (b *Backend) stop(ctx context.Context, id string) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	cause := ctx.Err()
	if cause == nil {
		cause = errors.New("stopped")
	}
	if _, err := b.client.StopQueryExecution(sctx, &sdk.StopQueryExecutionInput{QueryExecutionId: &id}); err != nil {
		return fmt.Errorf("Athena query %s: %w; stopping it failed too (%v): stop it in the Athena console", id, cause, err)
	}
	return fmt.Errorf("Athena query %s stopped: %w", id, cause)
}

// account adds a finished query's scanned bytes; Athena bills each query
// rounded up to a megabyte, with a 10 MB minimum.
func (b *Backend) account(qe *types.QueryExecution) {
	var n int64
	if qe.Statistics != nil {
		n = aws.ToInt64(qe.Statistics.DataScannedInBytes)
	}
	const mb = 1 << 20
	billed := max((n+mb-1)/mb*mb, 10*mb)
	b.mu.Lock()
	b.stats.DataScanned += n
	b.stats.Billed += billed
	b.mu.Unlock()
}

// QueryError is a query that Athena ran and that did not succeed.
type QueryError struct {
	ID     string // the QueryExecutionId, for the Athena console
	State  string // FAILED or CANCELLED
	Reason string // StateChangeReason
}

func (e *QueryError) Error() string {
	msg := "Athena query " + e.ID + " " + strings.ToLower(e.State)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

func (b *Backend) apiErr(op, id string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	what := "Athena " + op
	if id != "" {
		what += " (query " + id + ")"
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := what + ": " + api.ErrorCode()
		switch api.ErrorCode() {
		case "AccessDeniedException":
			msg += "; the credentials need athena:StartQueryExecution, athena:GetQueryExecution, athena:GetQueryResults, athena:StopQueryExecution, glue:GetTable, glue:GetPartitions and S3 access to the output location"
		case "InvalidRequestException":
			if strings.Contains(api.ErrorMessage(), "output location") {
				msg += "; give --athena-output s3://bucket/prefix/ or use a workgroup with a result location"
			}
		}
		return fmt.Errorf("%s: %w", msg, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// DuckType spells a Glue (Hive) column type as DuckDB does, nested types
// included (array<int> → INTEGER[], map<string,int> → MAP(VARCHAR,
// INTEGER), struct<a:int> → STRUCT("a" INTEGER)); a type it does not
// know (uniontype, …) is BLOB, which the planner treats as no number,
// string or date, and which DuckDB can mirror for validating where
// clauses.
func DuckType(t string) string {
	t = strings.TrimSpace(t)
	if d := gluecatalog.DuckType(t); d != "" {
		return d
	}
	l := strings.ToLower(t)
	open := strings.IndexByte(l, '<')
	if open < 0 || !strings.HasSuffix(l, ">") {
		switch {
		case l == "real":
			return "FLOAT"
		case strings.HasPrefix(l, "timestamp"): // timestamp(3)
			return "TIMESTAMP"
		}
		return "BLOB"
	}
	kind, inner := l[:open], t[open+1:len(t)-1]
	parts := splitTop(inner, ',')
	switch strings.TrimSpace(kind) {
	case "array":
		if len(parts) == 1 {
			return DuckType(parts[0]) + "[]"
		}
	case "map":
		if len(parts) == 2 {
			return "MAP(" + DuckType(parts[0]) + ", " + DuckType(parts[1]) + ")"
		}
	case "struct":
		var fields []string
		for _, p := range parts {
			name, typ, ok := strings.Cut(p, ":")
			if !ok {
				return "BLOB"
			}
			fields = append(fields, Trino().Ident(strings.TrimSpace(name))+" "+DuckType(typ))
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")"
	}
	return "BLOB"
}

// splitTop splits s at sep outside <> and () nesting.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '(':
			depth++
		case '>', ')':
			depth--
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// FormatBytes renders n as people read data sizes (1.5 GB), decimal units.
func FormatBytes(n int64) string {
	f := float64(n)
	for _, u := range []string{"B", "kB", "MB", "GB", "TB", "PB"} {
		if math.Abs(f) < 1000 || u == "PB" {
			if u == "B" {
				return fmt.Sprintf("%d B", n)
			}
			return strconv.FormatFloat(f, 'f', 1, 64) + " " + u
		}
		f /= 1000
	}
	return ""
}
