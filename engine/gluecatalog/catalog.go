// Package gluecatalog reads AWS Glue Data Catalog tables for dq: GetTable
// gives the storage descriptor (location, format, declared columns,
// partition keys); GetPartitions, with a partition filter pushed down as
// its Expression, or the table's partition projection selects partitions;
// engine/s3source fetches the objects. Tables are read as Glue reads them:
// declared column names and types, partition keys as columns.
package gluecatalog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/s3source"
)

// Catalog is the Glue Data Catalog as an engine.Catalog: database.table
// names in DataSources, --ref and reference rules resolve to its tables.
type Catalog struct {
	glue *glue.Client
	s3   *s3source.Client
	opts s3source.Options
	// CatalogID is the owning account's ID for cross-account catalogs; ""
	// = the caller's.
	CatalogID string
}

// New makes a Catalog from an SDK configuration; s3c reads the data.
func New(cfg aws.Config, s3c *s3source.Client, opts s3source.Options) *Catalog {
	cfg.Logger = s3source.QuietLogger(cfg.Logger)
	return &Catalog{glue: glue.NewFromConfig(cfg), s3: s3c, opts: opts}
}

// Lookup implements engine.Catalog. A missing table wraps
// engine.ErrNotInCatalog only after Glue said so; any other failure (no
// credentials, access denied) is an error of its own.
func (c *Catalog) Lookup(ctx context.Context, database, table string) (engine.Source, error) {
	t := c.Table(database, table, "")
	if _, err := t.Describe(ctx); err != nil {
		var ge *Error
		if errors.As(err, &ge) && ge.notFound {
			return nil, fmt.Errorf("%w: %w", engine.ErrNotInCatalog, err)
		}
		return nil, err
	}
	return engine.Remote(t), nil
}

// Table is a Glue table as an engine.Fetcher; partition is a filter in
// GetPartitions' expression syntax, "" for every partition.
func (c *Catalog) Table(database, table, partition string) *Table {
	return &Table{c: c, Database: database, Name: table, Partition: partition}
}

// ParseURL reads glue://database/table (also glue://database.table).
func ParseURL(s string) (database, table string, err error) {
	if len(s) < 7 || !strings.EqualFold(s[:7], "glue://") {
		return "", "", fmt.Errorf("%q is not a glue://database/table URL", s)
	}
	rest := strings.Trim(s[7:], "/")
	db, tb, ok := strings.Cut(rest, "/")
	if !ok {
		db, tb, ok = strings.Cut(rest, ".")
	}
	if !ok || db == "" || tb == "" || strings.Contains(tb, "/") {
		return "", "", fmt.Errorf("%q: want glue://database/table", s)
	}
	return db, tb, nil
}

// IsGlue reports whether s is a glue:// URL.
func IsGlue(s string) bool { return len(s) >= 7 && strings.EqualFold(s[:7], "glue://") }

// Error is a failed catalog operation on one table or database.
type Error struct {
	Table    string // glue://db/table
	Msg      string
	notFound bool
	Err      error
}

func (e *Error) Error() string { return e.Table + ": " + e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Table reads one catalog table.
type Table struct {
	c         *Catalog
	Database  string
	Name      string
	Partition string

	mu     sync.Mutex
	report *Report
	desc   *types.Table
	// target is the table a resource link points at (catalog, database,
	// name), whose partitions GetPartitions lists; nil = this one.
	target *types.TableIdentifier
}

// URL is glue://database/table.
func (t *Table) URL() string { return "glue://" + t.Database + "/" + t.Name }

// Report says what the last Fetch resolved and read, for dq explain.
type Report struct {
	Table      string // glue://db/table
	Location   string
	Format     string
	Partitions []string // selected, as k=v/k=v
	Projected  bool     // partitions came from partition projection
	S3         *s3source.Report
}

// LastReport is the report of the last Fetch, or nil.
func (t *Table) LastReport() *Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.report
}

// Describe returns the table's catalog entry (GetTable, once per Table),
// with errors that say whether the database or the table is missing and
// which permission a refusal needs. engine/athena plans from it.
func (t *Table) Describe(ctx context.Context) (*types.Table, error) {
	t.mu.Lock()
	d := t.desc
	t.mu.Unlock()
	if d != nil {
		return d, nil
	}
	out, err := t.c.glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(t.Database), Name: aws.String(t.Name), CatalogId: catalogID(t.c.CatalogID)})
	if err != nil {
		var nf *types.EntityNotFoundException
		if errors.As(err, &nf) {
			// Say which is missing: the database or the table.
			if _, derr := t.c.glue.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(t.Database), CatalogId: catalogID(t.c.CatalogID)}); derr != nil && errors.As(derr, &nf) {
				return nil, &Error{Table: t.URL(), Msg: fmt.Sprintf("database %q does not exist in the Glue Data Catalog", t.Database), notFound: true, Err: err}
			}
			return nil, &Error{Table: t.URL(), Msg: fmt.Sprintf("table %q does not exist in database %q of the Glue Data Catalog", t.Name, t.Database), notFound: true, Err: err}
		}
		return nil, t.apiErr("GetTable", err)
	}
	tb := out.Table
	var target *types.TableIdentifier
	// A resource link (Lake Formation sharing, often to another
	// account's catalog) has no storage of its own: read its target.
	for hops := 0; tb.TargetTable != nil && (tb.StorageDescriptor == nil || aws.ToString(tb.StorageDescriptor.Location) == ""); hops++ {
		if hops == 3 {
			return nil, &Error{Table: t.URL(), Msg: "resource links nest more than 3 deep"}
		}
		target = tb.TargetTable
		out, err := t.c.glue.GetTable(ctx, &glue.GetTableInput{CatalogId: target.CatalogId, DatabaseName: target.DatabaseName, Name: target.Name})
		if err != nil {
			return nil, t.apiErr(fmt.Sprintf("GetTable of the resource link's target %s.%s (catalog %s)", aws.ToString(target.DatabaseName), aws.ToString(target.Name), aws.ToString(target.CatalogId)), err)
		}
		tb = out.Table
	}
	t.mu.Lock()
	t.desc, t.target = tb, target
	t.mu.Unlock()
	return tb, nil
}

func (t *Table) apiErr(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := op + ": " + api.ErrorCode()
		switch api.ErrorCode() {
		case "AccessDeniedException":
			msg += "; the credentials need glue:GetTable, glue:GetPartitions and glue:GetDatabase (and Lake Formation SELECT on the table, where it governs the catalog)"
		case "ExpiredTokenException", "ExpiredToken":
			msg += "; the AWS credentials have expired: refresh them"
		case "UnrecognizedClientException", "InvalidSignatureException":
			msg += "; the AWS credentials were rejected"
		default:
			if m := api.ErrorMessage(); m != "" {
				msg += ": " + m
			}
		}
		return &Error{Table: t.URL(), Msg: msg, Err: err}
	}
	// No answer from Glue: unreachable endpoint, no credentials.
	if msg := err.Error(); strings.Contains(msg, "Missing Region") || strings.Contains(msg, "Invalid region") {
		return &Error{Table: t.URL(), Msg: op + ": no AWS region configured; set AWS_REGION (or region in the AWS_PROFILE's config): the Glue Data Catalog is per region", Err: err}
	}
	if s3source.NoCredentials(err) {
		return &Error{Table: t.URL(), Msg: op + ": no AWS credentials found; " + s3source.NoCredentialsHint, Err: err}
	}
	return &Error{Table: t.URL(), Msg: op + ": " + err.Error(), Err: err}
}

func catalogID(id string) *string {
	if id == "" {
		return nil
	}
	return aws.String(id)
}

// errUnknownFormat marks a storage descriptor that names no format dq
// knows (its text is empty: it only marks the error).
var errUnknownFormat = errors.New("")

// readable names what dq reads, for the unsupported-format error.
const readable = "dq reads Parquet, CSV (optionally gzip) and JSON tables"

// format tells a table's data format from its classification, input
// format and SerDe, or says why dq cannot read it.
func format(tb *types.Table) (string, error) {
	params := lowerKeys(tb.Parameters)
	sd := tb.StorageDescriptor
	var sdParams map[string]string
	var input, serde string
	if sd != nil {
		sdParams = lowerKeys(sd.Parameters)
		input = strings.ToLower(aws.ToString(sd.InputFormat))
		if sd.SerdeInfo != nil {
			serde = strings.ToLower(aws.ToString(sd.SerdeInfo.SerializationLibrary))
		}
	}
	tt := strings.ToUpper(aws.ToString(tb.TableType))
	switch {
	case strings.EqualFold(params["table_type"], "ICEBERG") || tb.IcebergTableMetadata != nil:
		return "", fmt.Errorf("is an Apache Iceberg table; %s (Iceberg may follow)", readable)
	case strings.EqualFold(params["table_type"], "HUDI") || strings.Contains(input, "hudi"):
		return "", fmt.Errorf("is an Apache Hudi table; %s", readable)
	case strings.EqualFold(params["table_type"], "DELTA") || strings.EqualFold(params["spark.sql.sources.provider"], "delta") || strings.Contains(input, "delta"):
		return "", fmt.Errorf("is a Delta Lake table; %s", readable)
	case tt == "GOVERNED":
		return "", fmt.Errorf("is a Lake Formation governed table; %s", readable)
	case tt == "VIRTUAL_VIEW":
		return "", fmt.Errorf("is a view, not a table with data in S3; %s", readable)
	case sd == nil || aws.ToString(sd.Location) == "":
		return "", errors.New("has no storage location")
	case strings.EqualFold(params["has_encrypted_data"], "true"):
		// Athena's mark for client-side (CSE-KMS) encrypted objects:
		// their bytes are ciphertext to anyone but the S3 encryption
		// client.
		return "", fmt.Errorf("holds client-side encrypted data (has_encrypted_data=true), which dq cannot decrypt; %s", readable)
	}
	class := strings.ToLower(params["classification"])
	if class == "" {
		class = strings.ToLower(sdParams["classification"])
	}
	// Text SerDes read text files; over a SequenceFile they read binary
	// records dq would mistake for lines.
	text := input == "" || strings.Contains(input, "textinputformat")
	switch {
	case class == "parquet" || strings.Contains(input, "parquet") || strings.Contains(serde, "parquet"):
		return engine.FormatParquet, nil
	case strings.Contains(input, "sequencefile"):
		return "", fmt.Errorf("is stored as SequenceFile; %s", readable)
	case strings.Contains(serde, "regexserde") || strings.Contains(serde, "grokserde"):
		return "", fmt.Errorf("is read with %s (lines parsed by a pattern); %s", aws.ToString(sd.SerdeInfo.SerializationLibrary), readable)
	case text && (class == "csv" || class == "tsv" || strings.Contains(serde, "opencsvserde") || strings.Contains(serde, "lazysimpleserde") || strings.Contains(serde, "multidelimitserde")):
		return engine.FormatCSV, nil
	case text && (class == "json" || strings.Contains(serde, "json")):
		return engine.FormatJSON, nil
	case class == "orc" || strings.Contains(input, "orc"):
		return "", fmt.Errorf("is stored as ORC; %s", readable)
	case class == "avro" || strings.Contains(input, "avro"):
		return "", fmt.Errorf("is stored as Avro; %s", readable)
	}
	what := class
	if what == "" && sd.SerdeInfo != nil {
		what = aws.ToString(sd.SerdeInfo.SerializationLibrary)
	}
	if what == "" {
		what = aws.ToString(sd.InputFormat)
	}
	return "", fmt.Errorf("has a format dq does not know (%q); %s%w", what, readable, errUnknownFormat)
}

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

var decimalRE = regexp.MustCompile(`^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$`)

// DuckType maps a Glue (Hive) column type to a DuckDB type; "" keeps the
// type the reader infers (nested and unknown types).
func DuckType(t string) string {
	l := strings.ToLower(strings.TrimSpace(t))
	switch {
	case l == "string" || strings.HasPrefix(l, "varchar") || strings.HasPrefix(l, "char"):
		return "VARCHAR"
	case l == "int" || l == "integer":
		return "INTEGER"
	case l == "bigint" || l == "long":
		return "BIGINT"
	case l == "smallint":
		return "SMALLINT"
	case l == "tinyint":
		return "TINYINT"
	case l == "double":
		return "DOUBLE"
	case l == "float":
		return "FLOAT"
	case l == "boolean":
		return "BOOLEAN"
	case l == "date":
		return "DATE"
	case l == "timestamp":
		return "TIMESTAMP"
	case l == "binary":
		return "BLOB"
	case l == "decimal":
		return "DECIMAL(10,0)"
	}
	if m := decimalRE.FindStringSubmatch(l); m != nil {
		return "DECIMAL(" + m[1] + "," + m[2] + ")"
	}
	return ""
}

func numericType(t string) bool {
	switch DuckType(t) {
	case "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT":
		return true
	}
	return strings.HasPrefix(DuckType(t), "DECIMAL")
}

// partition is one selected partition: its values and data location, and
// its catalog parameters (statistics) when it came from GetPartitions.
type partition struct {
	values   []string
	location string
	params   map[string]string
	// format is the partition's own storage format when its storage
	// descriptor names one ("" = the table's); problem says why dq
	// cannot read it.
	format, problem string
}

// Partition is one partition selected by the Table's filter.
type Partition struct {
	Values   []string
	Location string
	// Parameters are the partition's catalog parameters (statistics such
	// as totalSize, numRows); nil for projected partitions.
	Parameters map[string]string
}

// Partitions lists the partitions the table's filter selects, from
// GetPartitions or the table's partition projection; nil for a table
// without partition keys. projected says which.
func (t *Table) Partitions(ctx context.Context) (parts []Partition, projected bool, err error) {
	tb, err := t.Describe(ctx)
	if err != nil {
		return nil, false, err
	}
	if len(tb.PartitionKeys) == 0 {
		return nil, false, nil
	}
	var ps []partition
	if proj := lowerKeys(tb.Parameters); strings.EqualFold(proj["projection.enabled"], "true") {
		projected = true
		if ps, err = t.project(tb); err != nil {
			return nil, true, &Error{Table: t.URL(), Msg: "partition projection: " + err.Error()}
		}
	} else if ps, err = t.getPartitions(ctx); err != nil {
		return nil, false, err
	}
	for _, p := range ps {
		parts = append(parts, Partition{Values: p.values, Location: p.location, Parameters: p.params})
	}
	return parts, projected, nil
}

// partitionName is k=v/k=v, as shown to users.
func (t *Table) partitionName(keys []types.Column, p partition) string {
	return partitionPath(keys, p, func(v string) string { return v })
}

// partitionDir is the local k=v/k=v directory a partition's objects are
// laid out under for DuckDB's Hive reader, which URL-decodes values: a
// value holding "/" (a projected date in yyyy/MM/dd, as in AWS's
// CloudTrail and ALB examples), "=", "%", spaces or any non-ASCII is
// escaped, so that it reads back exactly.
func partitionDir(keys []types.Column, p partition) string {
	return partitionPath(keys, p, hiveEscape)
}

func partitionPath(keys []types.Column, p partition, value func(string) string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := ""
		if i < len(p.values) {
			v = p.values[i]
		}
		parts[i] = aws.ToString(k.Name) + "=" + value(v)
	}
	return strings.Join(parts, "/")
}

// hiveEscape percent-encodes every byte of v but letters, digits, "-"
// and "_". __HIVE_DEFAULT_PARTITION__ stays as it is (DuckDB reads it as
// NULL, as Hive and Athena do); a value spelled NULL is escaped, since
// DuckDB would read that as NULL too.
func hiveEscape(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		plain := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if plain && !(i == 0 && strings.EqualFold(v, "null")) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// Fetch implements engine.Fetcher.
func (t *Table) Fetch(ctx context.Context, need engine.ColumnNeed) (*engine.Fetched, error) {
	tb, err := t.Describe(ctx)
	if err != nil {
		return nil, err
	}
	fmtName, err := format(tb)
	if err != nil {
		return nil, &Error{Table: t.URL(), Msg: err.Error()}
	}
	sd := tb.StorageDescriptor
	rep := &Report{Table: t.URL(), Location: aws.ToString(sd.Location), Format: fmtName}
	t.mu.Lock()
	t.report = rep
	t.mu.Unlock()

	keys := tb.PartitionKeys
	var parts []partition
	if len(keys) == 0 {
		if t.Partition != "" {
			return nil, &Error{Table: t.URL(), Msg: "--partition given but the table has no partition keys"}
		}
		parts = []partition{{location: aws.ToString(sd.Location)}}
	} else if proj := lowerKeys(tb.Parameters); strings.EqualFold(proj["projection.enabled"], "true") {
		rep.Projected = true
		parts, err = t.project(tb)
		if err != nil {
			return nil, &Error{Table: t.URL(), Msg: "partition projection: " + err.Error()}
		}
	} else {
		parts, err = t.getPartitions(ctx)
		if err != nil {
			return nil, err
		}
	}
	if len(keys) > 0 {
		for _, p := range parts {
			rep.Partitions = append(rep.Partitions, t.partitionName(keys, p))
		}
		for _, p := range parts {
			// Glue and Athena read each partition with its own SerDe; dq
			// reads one format per table, and never skips a partition.
			if p.problem != "" {
				return nil, &Error{Table: t.URL(), Msg: fmt.Sprintf("partition %s %s", t.partitionName(keys, p), p.problem)}
			}
			if p.format != "" && p.format != fmtName {
				return nil, &Error{Table: t.URL(), Msg: fmt.Sprintf("partition %s is stored as %s, the table as %s; dq reads one format per table: select partitions of one format with --partition", t.partitionName(keys, p), p.format, fmtName)}
			}
		}
		if len(parts) == 0 {
			msg := "the table has partition keys but no partitions in the catalog; add them (run its crawler, or MSCK REPAIR TABLE in Athena)"
			if t.Partition != "" {
				msg = fmt.Sprintf("no partitions match --partition %q", t.Partition)
			}
			return nil, &Error{Table: t.URL(), Msg: msg}
		}
	}

	// List every selected partition, a few at a time.
	prog := s3source.NewProgress(t.c.opts.Progress)
	placed := make([][]s3source.Placed, len(parts))
	errs := make([]error, len(parts))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		go func(i int, p partition) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			placed[i], errs[i] = t.listPartition(ctx, keys, p, fmtName, prog)
		}(i, p)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var all []s3source.Placed
	for _, p := range placed {
		all = append(all, p...)
	}
	if len(all) == 0 {
		return nil, &Error{Table: t.URL(), Msg: fmt.Sprintf("no data objects under %s", rep.Location)}
	}
	fd, srep, err := s3source.FetchObjects(ctx, t.c.s3, all, fmtName, need, t.c.opts, prog)
	rep.S3 = srep
	if fd == nil {
		return nil, err
	}
	fd.Location = t.URL()
	fd.GlueTable = &engine.GlueTable{DatabaseName: t.Database, TableName: t.Name, CatalogID: t.c.CatalogID}
	for _, c := range sd.Columns {
		fd.Columns = append(fd.Columns, engine.DeclaredColumn{Name: aws.ToString(c.Name), Type: DuckType(aws.ToString(c.Type))})
	}
	if len(keys) > 0 {
		fd.Hive = true
		for _, k := range keys {
			typ := DuckType(aws.ToString(k.Type))
			if typ == "" {
				typ = "VARCHAR"
			}
			fd.HiveKeys = append(fd.HiveKeys, engine.DeclaredColumn{Name: aws.ToString(k.Name), Type: typ})
		}
	}
	if fmtName == engine.FormatCSV {
		fd.CSV = csvDialect(tb)
	}
	return fd, err
}

// csvDialect reads the SerDe parameters of a CSV table as the SerDe
// does. OpenCSVSerde: separatorChar (default ","), quoteChar, escapeChar,
// and no text is NULL. LazySimpleSerDe (crawlers' CSV tables, Hive's and
// Athena CTAS's TEXTFILE): field.delim, else serialization.format, a
// number there being a byte value (Hive's "1" is \x01), by default
// \x01 (a csv/tsv classification without one: "," or tab); fields equal
// to serialization.null.format (default `\N`) are NULL. Both skip
// skip.header.line.count lines of every file.
func csvDialect(tb *types.Table) engine.CSVDialect {
	var d engine.CSVDialect
	tp := lowerKeys(tb.Parameters)
	var sp map[string]string
	serde := ""
	if sd := tb.StorageDescriptor; sd != nil && sd.SerdeInfo != nil {
		sp = lowerKeys(sd.SerdeInfo.Parameters)
		serde = strings.ToLower(aws.ToString(sd.SerdeInfo.SerializationLibrary))
	}
	// Hive merges the SerDe's and the table's properties; the SerDe's win.
	prop := func(k string) (string, bool) {
		if v, ok := sp[k]; ok {
			return v, true
		}
		v, ok := tp[k]
		return v, ok
	}
	if v, ok := prop("skip.header.line.count"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
			d.SkipLines = n
			d.Header = n == 1
		}
	}
	class := strings.ToLower(tp["classification"])
	if strings.Contains(serde, "opencsvserde") {
		d.Delimiter = sp["separatorchar"]
		d.Quote = sp["quotechar"]
		d.Escape = sp["escapechar"]
	} else {
		for _, k := range []string{"field.delim", "serialization.format"} {
			if v := sp[k]; v != "" {
				d.Delimiter = hiveByte(v)
				if strings.Contains(serde, "multidelimitserde") {
					d.Delimiter = v // the whole string ("||", "~|~")
				}
				break
			}
		}
		switch {
		case d.Delimiter != "":
		case class == "tsv":
			d.Delimiter = "\t"
		case class == "csv":
			d.Delimiter = ","
		default:
			d.Delimiter = "\x01"
		}
		d.Quote = sp["quotechar"]
		d.Escape = sp["escapechar"]
		nf, ok := prop("serialization.null.format")
		if !ok {
			nf = `\N`
		}
		d.Nulls = []string{nf}
	}
	// LazySimpleSerDe and OpenCSVSerDe decode with serialization.encoding
	// (Athena documents it for non-UTF-8 CSV).
	d.Encoding = sp["serialization.encoding"]
	return d
}

// hiveByte reads a delimiter property as Hive's LazySerDeParameters.getByte
// does: a number is the byte of that value ("1" is \x01, "9" a tab), any
// other text its first character.
func hiveByte(v string) string {
	if n, err := strconv.ParseInt(v, 10, 8); err == nil && n > 0 {
		return string(rune(n))
	}
	r, _ := utf8.DecodeRuneInString(v)
	return string(r)
}

// listPartition lists a partition's location and places each object
// under k=v directories, so that DuckDB reads the values as columns.
func (t *Table) listPartition(ctx context.Context, keys []types.Column, p partition, fmtName string, prog *s3source.Progress) ([]s3source.Placed, error) {
	loc, err := s3source.Parse(p.location)
	if err != nil {
		return nil, &Error{Table: t.URL(), Msg: fmt.Sprintf("partition %s: location %q is not in S3", t.partitionName(keys, p), p.location)}
	}
	if loc.Key != "" && !strings.HasSuffix(loc.Key, "/") {
		loc.Key += "/"
	}
	objs, err := t.c.s3.ListPrefix(ctx, loc.Bucket, loc.Key, prog)
	if err != nil {
		return nil, err
	}
	// A crawler run over a Delta Lake or Hudi location catalogues it as
	// plain Parquet, whose files include removed versions.
	if err := s3source.TableFormat(loc.Bucket, objs); err != nil {
		return nil, err
	}
	dir := ""
	if len(keys) > 0 {
		dir = partitionDir(keys, p) + "/"
	}
	var out []s3source.Placed
	for _, o := range objs {
		if !s3source.DataObject(o) {
			continue
		}
		if err := s3source.UnreadableCompression(o, fmtName); err != nil {
			return nil, err
		}
		// Glue reads every object of a partition as the table's format,
		// whatever its name says; only names of another known format
		// are left out.
		if f := engine.FormatOf(o.Rel); f != "" && f != fmtName {
			continue
		}
		rel := o.Rel
		if len(keys) > 0 {
			// Nested directories inside a partition are flattened: their
			// k=v names must not turn into more columns.
			rel = strings.ReplaceAll(rel, "/", "__")
		}
		out = append(out, s3source.Placed{Object: o, Local: dir + rel})
	}
	return out, nil
}

// getPartitions pages through GetPartitions with the filter pushed down.
func (t *Table) getPartitions(ctx context.Context) ([]partition, error) {
	in := &glue.GetPartitionsInput{DatabaseName: aws.String(t.Database), TableName: aws.String(t.Name), CatalogId: catalogID(t.c.CatalogID)}
	t.mu.Lock()
	if tg := t.target; tg != nil {
		in.CatalogId, in.DatabaseName, in.TableName = tg.CatalogId, tg.DatabaseName, tg.Name
	}
	t.mu.Unlock()
	if t.Partition != "" {
		if _, err := ParseExpr(t.Partition); err != nil {
			return nil, &Error{Table: t.URL(), Msg: "--partition: " + err.Error()}
		}
		in.Expression = aws.String(t.Partition)
	}
	var out []partition
	p := glue.NewGetPartitionsPaginator(t.c.glue, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, t.apiErr("GetPartitions", err)
		}
		for _, gp := range page.Partitions {
			loc := ""
			if gp.StorageDescriptor != nil {
				loc = aws.ToString(gp.StorageDescriptor.Location)
			}
			p := partition{values: gp.Values, location: loc, params: gp.Parameters}
			if sd := gp.StorageDescriptor; sd != nil && loc != "" && (aws.ToString(sd.InputFormat) != "" || sd.SerdeInfo != nil && aws.ToString(sd.SerdeInfo.SerializationLibrary) != "") {
				// A crawler records each partition's storage; after a
				// format change old partitions keep theirs.
				// One that names nothing dq knows is read as the table.
				f, err := format(&types.Table{Parameters: gp.Parameters, StorageDescriptor: sd})
				p.format = f
				if err != nil && !errors.Is(err, errUnknownFormat) {
					p.problem = err.Error()
				}
			}
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i].values, "\x00") < strings.Join(out[j].values, "\x00") })
	return out, nil
}
