package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/dqlabs/dq/dqdl"

	"github.com/dqlabs/dq/engine/statecache"
)

// Fetcher makes remote data (S3 objects, Glue Data Catalog tables) local
// for DuckDB, which in this build has no network extension. Packages such
// as engine/s3source implement it; Remote turns one into a Source.
type Fetcher interface {
	// Fetch copies (or finds in a cache) what need asks for and describes
	// the local files. It must never return files holding partial data:
	// a failure is an error naming the object or table.
	Fetch(ctx context.Context, need ColumnNeed) (*Fetched, error)
}

// ColumnNeed tells a Fetcher which columns the run will read. Formats that
// can be read column by column (Parquet) fetch only those; others fetch
// whole objects. The zero value (All false, no Names) is never passed:
// an unknown need is All.
type ColumnNeed struct {
	// All: every column may be read (profile, recommend, row-level
	// output, SELECT * in CustomSql, or a caller that did not say).
	All bool
	// Names are lower-cased words that may name a column: every
	// identifier-like word of the ruleset's parameters, where clauses and
	// SQL. It over-approximates; a column is needed when its lower-cased
	// name (or the first component of a nested path) is among them.
	Names []string
	// MetadataOnly: the run only plans (dq explain). Fetchers fetch what
	// describing the data needs (Parquet footers) and report what a real
	// run would fetch.
	MetadataOnly bool
	// Deferred: fetch what describing the data needs now, and the rest
	// only when Fetched.Complete is called — which Evaluate does once the
	// plan shows that some statement reads the data, so that a ruleset
	// the Parquet footers answer whole reads no data at all. A Fetcher
	// may ignore it (and leave Complete nil) and fetch everything now.
	Deferred bool
}

// Wants reports whether the column named name may be read.
func (n ColumnNeed) Wants(name string) bool {
	if n.All {
		return true
	}
	l := strings.ToLower(name)
	for _, w := range n.Names {
		if w == l {
			return true
		}
	}
	return false
}

// FormatOf tells a file's format from its name (FormatParquet, FormatCSV,
// FormatJSON), ignoring a compression suffix; "" when unknown. Remote
// fetchers use it to read object keys as Files reads file names.
func FormatOf(name string) string { return formatOf(name) }

// SelectFormat decides the format of a remote listing: format ("" = from
// the names) and the names of that format. Unlike local files, objects
// cannot be sniffed before they are fetched, so the format comes from the
// names that have an extension, and objects without one (Hive's 000000_0,
// Spark's part-00000) are taken as that format, as Glue reads a table's
// objects as its declared format.
func SelectFormat(names []string, format string) ([]string, string, error) {
	format = strings.ToLower(format)
	if format == "" {
		var known []string
		for _, n := range names {
			if formatOf(n) != "" {
				known = append(known, n)
			}
		}
		if len(known) == 0 {
			return nil, "", unknownFormat("cannot tell the format of %s from the object names; give the format explicitly", pluralCount(int64(len(names)), "object"))
		}
		var err error
		if _, format, err = selectFormat(known, "", nil); err != nil {
			return nil, "", err
		}
	}
	var keep []string
	for _, n := range names {
		if k := formatOf(n); k == format || k == "" {
			keep = append(keep, n)
		}
	}
	if len(keep) == 0 {
		return nil, "", fmt.Errorf("no %s objects found", kindName(format))
	}
	return keep, format, nil
}

// AllColumns is the need of a run that may read anything.
var AllColumns = ColumnNeed{All: true}

// Fetched describes the local copy of a remote dataset.
type Fetched struct {
	// Location is the dataset as the user named it, canonical
	// (s3://bucket/prefix/, glue://db/table); it becomes Dataset.Location.
	Location string
	Files    []string // absolute local paths, sorted
	Format   string   // FormatParquet, FormatCSV or FormatJSON
	// Hive reads k=v directories below the files' common base as columns;
	// HiveKeys declares the partition keys in order, with DuckDB types
	// (Glue's partition keys); nil lets DuckDB find and type them.
	Hive     bool
	HiveKeys []DeclaredColumn
	// Columns are the declared columns (a Glue table's schema) with DuckDB
	// types; nil reads the files' own schema. CSV files are then read by
	// position, as Glue's LazySimpleSerDe does, and values that do not
	// parse as the declared type become NULL, as in Athena.
	Columns []DeclaredColumn
	CSV     CSVDialect // for Format csv with declared Columns
	// GlueTable names the catalog table read, for Result.DataSource; nil
	// for plain S3 data.
	GlueTable *GlueTable
	// Cleanup removes temporary copies; run when the session closes.
	Cleanup func() error
	// Base is the directory the Files are laid out under, their key
	// prefix's local counterpart: k=v directories below it are Hive
	// partitions. "" = the Files' common directory.
	Base string
	// Read holds the reader options (CSV dialect, null strings, date
	// formats, column types) for data without declared Columns, which is
	// read exactly as Files reads local files of the same format.
	Read FileOptions
	// Complete, when not nil, fetches into the same Files what a
	// ColumnNeed.Deferred fetch left out; until it returns, the Files
	// hold only what describing them needs (Parquet footers).
	Complete func(ctx context.Context) error
	// Identities, when set, names the version of each of Files, in
	// order, for the state cache (statecache.S3Identity: bucket, key and
	// ETag): the local copies are new files every run, so their own
	// identity would never match. nil = not cached.
	Identities []statecache.Identity
	// Objects, when set, names the object each of Files is a copy of
	// (s3://bucket/key), in order: messages about a file (a malformed
	// line, a ragged CSV) name the object, not its temporary copy.
	Objects []string
}

// nameObjects is err with the local copies' paths in its text replaced
// by the objects' URLs; errors.As and errors.Is still see err.
func (fd *Fetched) nameObjects(err error) error {
	if len(fd.Objects) != len(fd.Files) {
		return err
	}
	return nameObjects(err, fd.Files, fd.Objects)
}

func nameObjects(err error, files, objects []string) error {
	if err == nil || len(files) == 0 {
		return err
	}
	msg := err.Error()
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	// Longest first: a.csv must not match the start of a.csv.gz.
	sort.Slice(idx, func(a, b int) bool { return len(files[idx[a]]) > len(files[idx[b]]) })
	pairs := make([]string, 0, 2*len(idx))
	for _, i := range idx {
		pairs = append(pairs, files[i], objects[i])
	}
	named := strings.NewReplacer(pairs...).Replace(msg)
	if named == msg {
		return err
	}
	return &objectNamedError{err: err, msg: named}
}

// NameObjects returns err with the paths of Remote sources' local copies
// in its text replaced by the objects they copy (s3://bucket/key), so
// that a message about a malformed line names what the user can open.
// An EnvironmentError stays one.
func (s *Session) NameObjects(err error) error {
	if err == nil || len(s.objectFiles) == 0 {
		return err
	}
	var ee *EnvironmentError
	if errors.As(err, &ee) {
		if named := nameObjects(ee.Err, s.objectFiles, s.objectURLs); named != ee.Err {
			return &EnvironmentError{Kind: ee.Kind, Err: named}
		}
		return err
	}
	return nameObjects(err, s.objectFiles, s.objectURLs)
}

type objectNamedError struct {
	err error
	msg string
}

func (e *objectNamedError) Error() string { return e.msg }
func (e *objectNamedError) Unwrap() error { return e.err }

// DeclaredColumn is a column of a declared schema. Type is a DuckDB type,
// or "" to keep the type the reader infers (nested types).
type DeclaredColumn struct{ Name, Type string }

// CSVDialect is how a catalogued CSV table is written.
type CSVDialect struct {
	Header bool // the first line of each file is a header (skip.header.line.count=1)
	// SkipLines is the number of lines skipped at the start of every
	// file (skip.header.line.count); 0 = one when Header, else none.
	SkipLines int
	Delimiter string // "" = ","
	Quote     string // "" = no quoting rule given: '"'
	Escape    string // "" = same as Quote
	// Nulls are the field texts read as NULL in every column
	// (LazySimpleSerDe's serialization.null.format, `\N` unless the
	// table says otherwise; "" makes empty fields NULL). Any other
	// field is text: an empty field is "" in a string column and, not
	// parsing, NULL in a typed one, as in Athena. nil = no text is NULL
	// (OpenCSVSerde).
	Nulls []string
	// Encoding is the SerDe's serialization.encoding (see CSVEncoding);
	// "" = UTF-8.
	Encoding string
}

// Remote is the source whose data a Fetcher fetches when the session
// registers it. Evaluate and Explain tell the fetcher which columns the
// ruleset reads; every other caller gets every column.
func Remote(f Fetcher) Source { return remoteSource{f: f} }

type remoteSource struct{ f Fetcher }

type needKey struct{}

// withColumnNeed passes the primary dataset's column need to its Fetcher.
func withColumnNeed(ctx context.Context, need ColumnNeed) context.Context {
	return context.WithValue(ctx, needKey{}, need)
}

func columnNeedOf(ctx context.Context) ColumnNeed {
	if n, ok := ctx.Value(needKey{}).(ColumnNeed); ok {
		return n
	}
	return AllColumns
}

func (r remoteSource) register(ctx context.Context, s *Session, rel string) (string, error) {
	fd, err := r.f.Fetch(ctx, columnNeedOf(ctx))
	if fd != nil && fd.Cleanup != nil {
		s.cleanups = append(s.cleanups, fd.Cleanup)
	}
	if err != nil {
		var se *SourceError
		if errors.As(err, &se) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return "", err
		}
		return "", &SourceError{Err: err}
	}
	loc := fd.Location
	fail := func(err error) (string, error) { return "", &SourceError{Location: loc, Err: fd.nameObjects(err)} }
	if len(fd.Files) == 0 {
		return fail(fmt.Errorf("no data files"))
	}
	if fd.Complete != nil {
		s.deferred = append(s.deferred, deferredFetch{loc: loc, complete: fd.Complete})
	}
	// The objects were listed and fetched while DuckDB started.
	if err := s.ready(ctx); err != nil {
		return "", err
	}
	body, forced, err := remoteSQL(ctx, s, fd)
	if err != nil {
		return fail(err)
	}
	if _, err := s.conn.ExecContext(ctx, "CREATE TEMP VIEW "+rel+" AS "+body); err != nil {
		return fail(err)
	}
	s.temps = append(s.temps, "DROP VIEW IF EXISTS "+rel)
	s.allowedPaths = append(s.allowedPaths, fd.Files...)
	if len(fd.Objects) == len(fd.Files) {
		s.objectFiles = append(s.objectFiles, fd.Files...)
		s.objectURLs = append(s.objectURLs, fd.Objects...)
	}
	if fd.Format == FormatParquet {
		// The footers answer rules (plan_metadata.go) whether or not the
		// data was fetched yet: they are always fetched first.
		lf := localFiles{files: fd.Files, format: fd.Format, hive: fd.Hive, forced: sortedKeys(fd.Read.ColumnTypes)}
		for _, k := range fd.HiveKeys {
			lf.forced = append(lf.forced, k.Name)
		}
		if fd.Columns != nil {
			lf.declared = map[string]string{}
			for _, c := range fd.Columns {
				lf.declared[strings.ToLower(c.Name)] = c.Type
			}
		}
		s.remoteFiles[rel] = lf
	}
	if forced != nil {
		// Counting the values that do not convert reads the data.
		if err := s.completeFetches(ctx); err != nil {
			return "", err
		}
		fs := fileSource{path: loc, opts: fd.Read}
		if err := fs.recordUnparseable(ctx, s, rel, forced); err != nil {
			return fail(err)
		}
	}
	if fd.GlueTable != nil {
		s.glueTables = append(s.glueTables, glueTableOf{rel: rel, t: *fd.GlueTable})
	}
	if enc, _ := CSVEncoding(fd.Read.CSV.Encoding); len(fd.Identities) == len(fd.Files) && fd.Columns == nil && len(fd.HiveKeys) == 0 && forced == nil &&
		(fd.Format != FormatCSV || enc == nil) {
		// Plain data read as local files are: the state cache may read
		// each file's rows with the view's reader. (Not CSV decoded from
		// another encoding: the view reads this run's decoded copies.)
		if s.remoteStates == nil {
			s.remoteStates = map[string]stateFiles{}
		}
		s.remoteStates[rel] = stateFiles{files: fd.Files, read: body, ids: fd.Identities}
	}
	return loc, nil
}

type glueTableOf struct {
	rel string
	t   GlueTable
}

// glueTable is the catalog table registered as rel, or nil.
func (s *Session) glueTable(rel string) *GlueTable {
	for _, g := range s.glueTables {
		if g.rel == rel {
			t := g.t
			return &t
		}
	}
	return nil
}

// remoteSQL is the SELECT reading fd: the files as Files would read them
// (with the plan to count unparseable values of forced column types), or,
// with declared columns, those columns under their declared types.
func remoteSQL(ctx context.Context, s *Session, fd *Fetched) (string, *readPlan, error) {
	if fd.Columns == nil && len(fd.HiveKeys) == 0 {
		// Plain S3 data: the same reader as local files, so a blank CSV
		// field, a late JSON field or a ragged line means the same thing
		// whether the file was read from disk or from S3.
		base := fd.Base
		if base == "" {
			base = commonDir(fd.Files)
		}
		fs := fileSource{path: fd.Location, opts: fd.Read}
		files, base, _, err := fs.decoded(ctx, s, fd.Format, fd.Files, base)
		if err != nil {
			return "", nil, err
		}
		rd, err := fs.reader(ctx, s.conn, fd.Format, files, base, fd.Hive, nil) // local copies: new files every run
		if isNotUTF8(err) {
			err = notUTF8(files, err)
			var nu *NotUTF8Error
			if errors.As(err, &nu) && fd.Base != "" && strings.HasPrefix(fd.Location, "s3://") {
				// Name the object, not its local copy.
				if rel, rerr := filepath.Rel(fd.Base, nu.File); rerr == nil && !strings.HasPrefix(rel, "..") {
					nu.File = strings.TrimSuffix(fd.Location, "/") + "/" + filepath.ToSlash(rel)
				}
			}
		}
		if err != nil {
			return "", nil, err
		}
		if len(rd.forced) == 0 {
			return rd.query, nil, nil
		}
		return rd.query, rd, nil
	}
	q, err := declaredSQL(ctx, s, fd)
	return q, nil, err
}

// declaredSQL reads fd with its declared (Glue) schema.
func declaredSQL(ctx context.Context, s *Session, fd *Fetched) (string, error) {
	extra := hiveTypesArg(fd.HiveKeys)
	if fd.Format == FormatCSV && fd.Columns != nil {
		// Positional, every field as text first: the declared type is
		// applied with TRY_CAST so that a value that does not parse is
		// NULL, as with Glue's SerDe, rather than an error.
		d := fd.CSV
		files := fd.Files
		if enc, err := CSVEncoding(d.Encoding); err != nil {
			return "", fmt.Errorf("the table's serialization.encoding: %w", err)
		} else if enc != nil || anyBzip2(fd.Files) {
			// DuckDB reads neither another encoding nor bzip2.
			base := fd.Base
			if base == "" {
				base = commonDir(fd.Files)
			}
			if files, _, err = decodeCSVFiles(ctx, enc, fd.Files, base, filepath.Join(s.private, s.internalName("utf8"))); err != nil {
				return "", err
			}
		}
		delim, quote := d.Delimiter, d.Quote
		if delim == "" {
			delim = ","
		}
		if quote == "" {
			quote = `"`
		}
		cols := make([]string, len(fd.Columns))
		for i, c := range fd.Columns {
			cols[i] = QuoteString(c.Name) + ": 'VARCHAR'"
		}
		args := []string{quoteStringList(files), fmt.Sprintf("hive_partitioning = %t", fd.Hive),
			"delim = " + QuoteString(delim), "quote = " + QuoteString(quote),
			"columns = {" + strings.Join(cols, ", ") + "}", "auto_detect = false",
			// A line with fewer fields than the table declares (files
			// written before columns were added) reads the missing ones
			// as NULL, as the SerDes do.
			"null_padding = true"}
		if d.SkipLines > 0 {
			// skip applies to every file, as the SerDe skips each file's
			// first lines.
			args = append(args, "header = false", fmt.Sprintf("skip = %d", d.SkipLines))
		} else {
			args = append(args, fmt.Sprintf("header = %t", d.Header))
		}
		if d.Nulls == nil {
			// No text is NULL: a newline can never be an unquoted field,
			// and quoted fields never match.
			args = append(args, "nullstr = "+QuoteString("\n"), "allow_quoted_nulls = false")
		} else {
			args = append(args, "nullstr = "+quoteStringList(d.Nulls))
		}
		escape := d.Escape
		if escape == `\` && quote == `"` && !anyByte(files, '\\') {
			// OpenCSVSerde takes both \" and "" inside quotes (AWS's
			// Athena example declares escapeChar '\\'), DuckDB one
			// escape: with no backslash in the data, "" is the only
			// escape the SerDe would see.
			escape = quote
		}
		if escape != "" {
			args = append(args, "escape = "+QuoteString(escape))
		}
		if c := commonCompression(files); c != "" {
			args = append(args, "compression = "+QuoteString(c))
		}
		args = append(args, extra...)
		scan := "read_csv(" + strings.Join(args, ", ") + ")"
		return "SELECT " + declaredSelect(fd, nil) + " FROM " + scan, nil
	}
	files := fd.Files
	if fd.Format == FormatJSON && anyBzip2(files) {
		base := fd.Base
		if base == "" {
			base = commonDir(files)
		}
		var err error
		if files, _, err = decodeCSVFiles(ctx, nil, files, base, filepath.Join(s.private, s.internalName("unbzip2"))); err != nil {
			return "", err
		}
	}
	scan, err := scanSQL(fd.Format, files, fd.Hive)
	if err != nil {
		return "", err
	}
	if len(extra) > 0 {
		scan = strings.TrimSuffix(scan, ")") + ", " + strings.Join(extra, ", ") + ")"
	}
	if fd.Columns == nil {
		return "SELECT * FROM " + scan, nil
	}
	// By name, as Glue reads Parquet and JSON: a declared column the files
	// lack reads as NULL.
	have, err := s.describe(ctx, "(SELECT * FROM "+scan+")")
	if err != nil {
		return "", err
	}
	present := map[string]string{}
	for _, c := range have {
		present[strings.ToLower(c.Name)] = c.Name
	}
	return "SELECT " + declaredSelect(fd, present) + " FROM " + scan, nil
}

// declaredSelect lists the declared columns then the partition keys.
// present maps lower-cased names the scan has to their spelling; nil
// means every declared column is there (positional CSV).
func declaredSelect(fd *Fetched, present map[string]string) string {
	var out []string
	seen := map[string]bool{}
	for _, c := range fd.Columns {
		seen[strings.ToLower(c.Name)] = true
		src := QuoteIdent(c.Name)
		if present != nil {
			name, ok := present[strings.ToLower(c.Name)]
			if !ok {
				t := c.Type
				if t == "" {
					t = "VARCHAR"
				}
				out = append(out, "CAST(NULL AS "+t+") AS "+QuoteIdent(c.Name))
				continue
			}
			src = QuoteIdent(name)
		}
		if c.Type == "" {
			out = append(out, src+" AS "+QuoteIdent(c.Name))
		} else {
			out = append(out, "TRY_CAST("+src+" AS "+c.Type+") AS "+QuoteIdent(c.Name))
		}
	}
	if fd.Hive {
		for _, k := range fd.HiveKeys {
			if !seen[strings.ToLower(k.Name)] {
				out = append(out, QuoteIdent(k.Name))
			}
		}
	}
	return strings.Join(out, ", ")
}

func hiveTypesArg(keys []DeclaredColumn) []string {
	var parts []string
	for _, k := range keys {
		if k.Type != "" {
			parts = append(parts, QuoteString(k.Name)+": "+QuoteString(k.Type))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return []string{"hive_types = {" + strings.Join(parts, ", ") + "}"}
}

var countStar = regexp.MustCompile(`(?i)\bcount\s*\(\s*\*\s*\)`)

// RulesetColumnNeed is the columns of the primary dataset that evaluating
// rs may read, for Fetchers that fetch column by column. It is
// deliberately generous (every word of the ruleset that could name a
// column) and falls back to every column whenever a rule may read them
// all: a SELECT * or a star in SQL, AllColumns, or row-level output.
func RulesetColumnNeed(rs *dqdl.Ruleset, rowLevel bool) ColumnNeed {
	if rs == nil || rowLevel {
		return AllColumns
	}
	words := map[string]bool{}
	all := false
	addText := func(s string) {
		// count(*) reads no column; any other star (SELECT *, a * b) may.
		if strings.Contains(countStar.ReplaceAllString(s, ""), "*") || strings.EqualFold(strings.TrimSpace(s), "AllColumns") {
			all = true
		}
		words[strings.ToLower(strings.TrimSpace(s))] = true
		for _, w := range strings.FieldsFunc(s, func(r rune) bool {
			return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$')
		}) {
			words[strings.ToLower(w)] = true
		}
	}
	leaf := func(typ string, params []*dqdl.Param, where *dqdl.Where) {
		for _, p := range params {
			addText(p.Value)
		}
		if where != nil {
			addText(where.SQL)
		}
		switch typ {
		case "DatasetMatch":
			// Compares whole rows when no key mapping narrows it.
			all = true
		}
	}
	for _, r := range rs.Rules {
		for _, l := range dqdl.Leaves(r) {
			leaf(l.Type, l.Params, l.Where)
		}
	}
	for _, a := range rs.Analyzers {
		leaf(a.Type, a.Params, nil)
	}
	if all {
		return AllColumns
	}
	need := ColumnNeed{Names: make([]string, 0, len(words))}
	for w := range words {
		if w != "" {
			need.Names = append(need.Names, w)
		}
	}
	sort.Strings(need.Names)
	return need
}

// commonDir is the deepest directory that holds every file of files.
func commonDir(files []string) string {
	if len(files) == 0 {
		return ""
	}
	dir := filepath.Dir(files[0])
	for _, f := range files[1:] {
		for !strings.HasPrefix(f, dir+string(filepath.Separator)) && dir != filepath.Dir(dir) {
			dir = filepath.Dir(dir)
		}
	}
	return dir
}

// anyByte reports whether some of files (uncompressed) holds b; a
// compressed file, or one that cannot be read, counts as holding it.
func anyByte(files []string, b byte) bool {
	buf := make([]byte, 1<<20)
	for _, f := range files {
		if fileCompression(f) != "" {
			return true
		}
		file, err := os.Open(f)
		if err != nil {
			return true
		}
		found := false
		for !found {
			n, err := file.Read(buf)
			found = bytes.IndexByte(buf[:n], b) >= 0
			if err != nil {
				if err != io.EOF {
					found = true
				}
				break
			}
		}
		file.Close()
		if found {
			return true
		}
	}
	return false
}
