package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// Source is something Session.Register can turn into a relation: files
// (Files), an Arrow stream (ArrowReader), or a table or query already in a
// caller's DuckDB (Table, Query).
type Source interface {
	// register creates the temporary relation rel (already quoted) on the
	// session's connection and returns a human description of the source.
	register(ctx context.Context, s *Session, rel string) (location string, err error)
}

// FileOptions tune how Files reads its input.
type FileOptions struct {
	Format string // "", "parquet", "csv", "json" ("" = from extension, or content for files without one)
	Hive   *bool  // nil = auto: on when a directory below the base path is named k=v
	// FollowSymlinks reads symbolic links to files found in a directory or
	// by a glob. By default they are skipped (and reported to Note): a link
	// can point anywhere, and a directory of data should not read files
	// outside itself unnoticed. A path given directly is always followed,
	// and links to directories are never followed.
	FollowSymlinks bool
	// Note, when set, is told about what the reader decided on its own:
	// files left out (skipped symlinks, files of another kind in a
	// directory), values that did not convert to a forced column type.
	Note func(msg string)

	// CSV controls the CSV dialect; ignored for other formats.
	CSV CSVOptions
	// DateFormat and TimestampFormat are strptime formats ("%d/%m/%Y") for
	// CSV and JSON text that should be read as dates or timestamps; "" =
	// detect the ISO forms and the common formats DuckDB knows.
	DateFormat, TimestampFormat string
	// ColumnTypes force columns (by exact name) to a DuckDB type
	// (ParseColumnType's names, e.g. "DECIMAL(10,2)"). Values that do not
	// convert are read as NULL and counted in Dataset.Unparseable.
	ColumnTypes map[string]string
}

// CSVOptions describe a CSV dialect. Zero values mean "detect": column
// types are inferred from every row of every file, never a sample.
type CSVOptions struct {
	Delimiter string // one character, or "\t"; "" = detect
	Quote     string // one character; "" = detect
	Header    *bool  // nil = detect
	// NullValues are field texts read as NULL (e.g. "NA", "n/a"), in
	// every column. Blank fields are NULL in typed columns regardless.
	NullValues []string
	// EmptyAsNull reads a blank field of a text column as NULL. By
	// default it is the empty string, as AWS Glue's CSV reader does (so it
	// passes Completeness); blank fields of numeric, date and boolean
	// columns are always NULL.
	EmptyAsNull bool
	// Ragged is what to do with lines whose field count differs from the
	// header's: RaggedError (default), RaggedIgnore (drop those lines) or
	// RaggedNullPad (pad short lines with NULL).
	Ragged string
	// Skip is the number of lines before the header (a report's title,
	// notes) to leave out of every file; 0 = none. A first line such as
	// "sep=;" (Excel's delimiter hint) is skipped, and its delimiter used,
	// without being asked.
	Skip int
	// Encoding is the files' text encoding (see CSVEncoding); "" = UTF-8.
	// Other encodings are decoded into UTF-8 copies in the session's
	// private directory, which are then read.
	Encoding string
}

// Ragged-line policies for CSVOptions.Ragged.
const (
	RaggedError   = "error"
	RaggedIgnore  = "ignore"
	RaggedNullPad = "null-pad"
)

// Files reads a file, a glob (with ** for any depth), or every file of the
// detected format under a directory, recursively.
func Files(pathOrGlob string, opts FileOptions) Source {
	return fileSource{path: pathOrGlob, opts: opts}
}

type fileSource struct {
	path string
	opts FileOptions
	// spooled: path is the session's copy of a stream (stream.go),
	// which neither the state cache nor a later run can key on.
	spooled bool
	// maxLine is DuckDB's max_line_size for CSV when its default was
	// too small (csvReader); 0 = the default.
	maxLine int
	// hiveCols are the CSV columns (lower-cased) that are also Hive
	// partition keys (csvText).
	hiveCols map[string]bool
}

// Format names accepted in FileOptions.Format.
const (
	FormatParquet = "parquet"
	FormatCSV     = "csv"
	FormatJSON    = "json"
)

func (f fileSource) register(ctx context.Context, s *Session, rel string) (string, error) {
	loc := f.path
	fail := func(err error) (string, error) { return "", &SourceError{Location: loc, Err: shortLines{err}} }
	format := strings.ToLower(f.opts.Format)
	switch format {
	case "", FormatParquet, FormatCSV, FormatJSON:
	case "jsonl", "ndjson":
		format = FormatJSON
	default:
		return fail(fmt.Errorf("unknown format %q (want parquet, csv or json)", f.opts.Format))
	}
	files, base, skipped, err := expandFiles(f.path, f.opts.FollowSymlinks)
	if len(skipped) > 0 && f.opts.Note != nil {
		f.opts.Note(skippedNote(f.path, skipped))
	}
	if err != nil {
		return fail(err)
	}
	if len(files) == 1 && isStream(files[0]) {
		// A pipe or device named directly (a /dev/fd path, /dev/stdin, a
		// FIFO) is read once, into a copy (stream.go).
		copied, err := s.spoolPath(ctx, files[0])
		if err != nil {
			return fail(err)
		}
		files, base, f.spooled = []string{copied}, filepath.Dir(copied), true
	}
	files, zeroLength := dropZeroLength(files, f.notice)
	if f.spooled && format == "" && formatOf(files[0]) == "" && sniffKind(files[0]) == kindText {
		// Text on standard input or from a pipe is CSV, the only text
		// format dq reads (JSON was told by its first character): no
		// junk files can be mixed in, unlike a directory's.
		format = FormatCSV
	}
	files, format, err = selectFormat(files, format, f.notice)
	if err != nil {
		return fail(err)
	}
	hive := false
	if f.opts.Hive != nil {
		hive = *f.opts.Hive
	} else {
		hive = looksHive(base, files)
	}
	var schemas *schemaLookup
	if format == FormatParquet {
		if rel == s.footersFor {
			// The plan answers what it can from the footers.
			s.prefetchFooters(rel, files, columnNeedOf(ctx))
		}
		if s.stateCache != nil && !hive && len(files) > 1 {
			schemas = lookupSchemas(s.stateCache, files)
			if schemas != nil && schemas.missing() {
				schemas.useFingerprints(ctx, s.footerReads[rel])
			}
		}
	}
	if schemas != nil && len(f.opts.ColumnTypes) == 0 {
		if cols, ok := schemas.known(); ok {
			// Nothing to ask DuckDB: the view is created once it has
			// started, while the run plans.
			read := "SELECT * FROM " + uniformParquetScan(files) // as reader would have it
			s.deferStmt("CREATE TEMP VIEW "+rel+" AS "+read, func(err error) error { return &SourceError{Location: loc, Err: err} })
			s.registered(rel, files, cols, localFiles{files: files, zeroLength: zeroLength, root: base, format: format, forced: sortedKeys(f.opts.ColumnTypes), read: read, uniform: true})
			return loc, nil
		}
	}
	// The files were listed, their footers are being read and their
	// cached columns were read while DuckDB started.
	if err := s.ready(ctx); err != nil {
		return "", err
	}
	readFiles, readBase, decoded, err := f.decoded(ctx, s, format, files, base)
	if err != nil {
		return fail(err)
	}
	if decoded {
		schemas = nil
	}
	rd, err := f.reader(ctx, s.conn, format, readFiles, readBase, hive, schemas)
	if err != nil {
		if isNotUTF8(err) {
			err = notUTF8(files, err)
		}
		if f.opts.Format == "" {
			err = mislabelled(files, format, err)
		}
		return fail(err)
	}
	// The view reads the files again whenever it is queried, which is
	// why Seal adds exactly these files to DuckDB's allowed_paths. Its
	// column types are fixed here, so no query re-infers them.
	if _, err := s.conn.ExecContext(ctx, "CREATE TEMP VIEW "+rel+" AS "+rd.query); err != nil {
		return fail(err)
	}
	lf := localFiles{files: files, zeroLength: zeroLength, root: base, format: format, hive: hive, forced: sortedKeys(f.opts.ColumnTypes), read: rd.query, uniform: rd.uniform}
	if decoded || f.spooled {
		// The view reads this run's decoded or spooled copies, which
		// neither the state cache nor footer statistics can key on.
		lf.read = ""
	}
	s.registered(rel, readFiles, rd.columns, lf)
	if len(rd.forced) > 0 {
		if err := f.recordUnparseable(ctx, s, rel, rd); err != nil {
			return fail(err)
		}
	}
	return loc, nil
}

// registered records the view rel (created or pending) over the files
// DuckDB reads, what the source read, and the view's columns when they
// are known exactly (nil: Register describes the view).
func (s *Session) registered(rel string, readFiles []string, cols []Column, lf localFiles) {
	// The view reads the files again whenever it is queried, which is
	// why Seal adds exactly these files to DuckDB's allowed_paths.
	s.temps = append(s.temps, "DROP VIEW IF EXISTS "+rel)
	s.allowedPaths = append(s.allowedPaths, readFiles...)
	s.sourceFiles[rel] = lf
	if cols != nil {
		if s.known == nil {
			s.known = map[string][]Column{}
		}
		s.known[rel] = cols
	}
}

// recordUnparseable counts, per forced column of rd, the values that did
// not convert to the forced type, keeps the counts for the result and notes
// them.
func (f fileSource) recordUnparseable(ctx context.Context, s *Session, rel string, rd *readPlan) error {
	counts, err := countUnparseable(ctx, s.conn, rd)
	if err != nil {
		return err
	}
	if s.unparseable == nil {
		s.unparseable = map[string][]UnparseableCount{}
	}
	s.unparseable[rel] = counts
	for _, c := range counts {
		if c.Count > 0 {
			f.notice(fmt.Sprintf("%s: %s in column %q could not be read as %s and %s read as NULL",
				f.path, pluralCount(c.Count, "value"), c.Column, c.Type, map[bool]string{true: "is", false: "are"}[c.Count == 1]))
		}
	}
	return nil
}

func (f fileSource) notice(msg string) {
	if f.opts.Note != nil {
		f.opts.Note(msg)
	}
}

// localFiles are the local files a Files source reads and the directory
// they were found under (a single file's own directory): what the File*
// rules check by default, and where they may read.
type localFiles struct {
	files []string
	root  string
	// format, hive and forced say how the files were read, for answers
	// from Parquet footers (plan_metadata.go): forced columns are
	// converted, hive partition columns are not in the files.
	format string
	hive   bool
	forced []string
	// read is the view's body, which the state cache reads per file.
	read string
	// uniform: each file read alone has the view's columns (parquetScan).
	uniform bool
	// declared are a Glue table's declared column types by lower-cased
	// name (nil: the files' own types), which the view casts to.
	declared map[string]string
	// zeroLength are 0-byte files of the data left out of the read
	// (dropZeroLength), which the File* rules still see.
	zeroLength []string
}

// skippedNote says which symlinks a directory or glob read left out.
func skippedNote(p string, skipped []string) string {
	const show = 3
	names := skipped
	more := ""
	if len(names) > show {
		names, more = names[:show], fmt.Sprintf(" and %d more", len(skipped)-show)
	}
	return fmt.Sprintf("%s: skipped %d symbolic link(s): %s%s (links to files are read with --follow-symlinks; links to directories never are)",
		p, len(skipped), strings.Join(names, ", "), more)
}

// scanSQL builds the DuckDB table function call reading files. The list
// is explicit (no DuckDB-side globbing) because after Seal DuckDB may open
// only listed files and cannot list directories.
func scanSQL(format string, files []string, hive bool) (string, error) {
	args := []string{quoteStringList(files), fmt.Sprintf("hive_partitioning = %t", hive)}
	if len(files) > 1 {
		// Part files written at different times may order or add columns
		// differently; match them by name, as Spark readers do.
		args = append(args, "union_by_name = true")
	}
	switch format {
	case FormatParquet:
		return "read_parquet(" + strings.Join(args, ", ") + ")", nil
	case FormatCSV:
		args = append(args, "auto_detect = true")
		if c := commonCompression(files); c != "" {
			args = append(args, "compression = "+QuoteString(c))
		}
		return "read_csv(" + strings.Join(args, ", ") + ")", nil
	case FormatJSON:
		// 'auto' accepts a top-level array as well as JSON Lines, but
		// not an array after a byte order mark (jsonLayout).
		args = append(args, "format = "+QuoteString(jsonLayout(files)))
		if c := commonCompression(files); c != "" {
			args = append(args, "compression = "+QuoteString(c))
		}
		return "read_json_auto(" + strings.Join(args, ", ") + ")", nil
	}
	return "", fmt.Errorf("unknown format %q", format)
}

// compressionOf returns DuckDB's compression name for a file suffix, or "".
func compressionOf(name string) string {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".gz"), strings.HasSuffix(lower, ".gzip"):
		return "gzip"
	case strings.HasSuffix(lower, ".zst"), strings.HasSuffix(lower, ".zstd"):
		return "zstd"
	case strings.HasSuffix(lower, ".bz2"), strings.HasSuffix(lower, ".bzip2"):
		return "bzip2" // decompressed by dq (decompress.go), never given to DuckDB
	}
	return ""
}

// commonCompression names the compression when every file agrees, so that
// suffixes DuckDB does not recognise (.zstd, .gzip) still work; "" leaves it
// to DuckDB's per-file detection (uncompressed or mixed lists).
func commonCompression(files []string) string {
	c := fileCompression(files[0])
	for _, f := range files[1:] {
		if fileCompression(f) != c {
			return ""
		}
	}
	return c
}

// formatOf tells a file's format from its name, ignoring a compression
// suffix; "" when unknown.
func formatOf(name string) string {
	lower := strings.ToLower(name)
	for _, suf := range []string{".gz", ".gzip", ".zst", ".zstd", ".bz2", ".bzip2"} {
		lower = strings.TrimSuffix(lower, suf)
	}
	switch path.Ext(lower) {
	case ".parquet", ".parq", ".pq":
		return FormatParquet
	case ".csv", ".tsv", ".txt":
		return FormatCSV
	case ".json", ".jsonl", ".ndjson":
		return FormatJSON
	}
	return ""
}

func hasGlobMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// hidden reports bookkeeping files that Spark and Hive writers leave next to
// the data (_SUCCESS, .crc, _committed_…); readers skip them.
func hiddenEntry(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// expandFiles resolves a file, directory or glob to a sorted list of absolute
// file paths, and the base directory below which Hive segments count.
// Symlinks met while walking a directory are listed in skipped unless
// follow lets links to files through.
func expandFiles(p string, follow bool) (files []string, base string, skipped []string, err error) {
	if p == "" {
		return nil, "", nil, errors.New("empty path")
	}
	abs, err := filepath.Abs(expandHome(p))
	if err != nil {
		return nil, "", nil, err
	}
	// An existing path is literal even if it contains glob characters
	// (part files named "a[1].parquet" exist).
	st, statErr := os.Stat(abs)
	if statErr == nil || !hasGlobMeta(abs) {
		if statErr != nil {
			return nil, "", nil, statErr
		}
		if !st.IsDir() {
			// A stream (a pipe, a FIFO) is not opened here: opening a
			// FIFO waits for its writer, and closing it again would
			// break the writer's pipe. It is read once, by the source.
			if st.Mode().IsRegular() {
				if err := openCheck(abs); err != nil {
					return nil, "", nil, err
				}
			}
			return []string{abs}, filepath.Dir(abs), nil, nil
		}
		// The directory may itself be a link (named by the user, so
		// followed); the walk must start from what it points to.
		root, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return nil, "", nil, err
		}
		files, skipped, err := walkFiles(root, nil, follow)
		if err != nil {
			return nil, "", skipped, err
		}
		if len(files) == 0 {
			return nil, "", skipped, errors.New("directory holds no data files")
		}
		return files, root, skipped, nil
	}
	segs := strings.Split(filepath.ToSlash(abs), "/")
	i := 0
	for i < len(segs) && !hasGlobMeta(segs[i]) {
		i++
	}
	base = filepath.FromSlash(strings.Join(segs[:i], "/"))
	if base == "" {
		base = string(filepath.Separator)
	}
	pattern := segs[i:]
	for _, seg := range pattern {
		if _, err := path.Match(seg, ""); err != nil {
			return nil, "", nil, fmt.Errorf("bad glob pattern: %w", err)
		}
	}
	if st, err := os.Stat(base); err != nil {
		return nil, "", nil, err
	} else if !st.IsDir() {
		return nil, "", nil, fmt.Errorf("%s is not a directory", base)
	}
	if base, err = filepath.EvalSymlinks(base); err != nil {
		return nil, "", nil, err
	}
	files, skipped, err = walkFiles(base, pattern, follow)
	if err != nil {
		return nil, "", skipped, err
	}
	if len(files) == 0 {
		return nil, "", skipped, errors.New("no files match the pattern")
	}
	return files, base, skipped, nil
}

// expandHome replaces a leading "~/" by the home directory, as a shell
// would have: in a dq.yaml, after --ref alias= or --output= (where zsh and
// sh leave it), or quoted to protect a glob. A path that exists as
// written (a directory named "~") is kept.
func expandHome(p string) string {
	rest, ok := strings.CutPrefix(filepath.ToSlash(p), "~/")
	if !ok && p != "~" {
		return p
	}
	if _, err := os.Lstat(p); err == nil {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	return filepath.Join(home, filepath.FromSlash(rest))
}

// walkFiles lists regular files under root, skipping hidden entries; with a
// pattern, only files whose path relative to root matches it. Symlinks are
// not descended into; links to files are listed when follow is set and
// returned in skipped otherwise (as are links to directories, always).
func walkFiles(root string, pattern []string, follow bool) (files, skipped []string, err error) {
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		if hiddenEntry(d.Name()) && !patternWantsHidden(pattern, d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if pattern != nil {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			if !matchSegments(pattern, strings.Split(filepath.ToSlash(rel), "/")) {
				return nil
			}
		}
		if !d.Type().IsRegular() {
			if d.Type()&fs.ModeSymlink == 0 {
				return nil // a device, pipe or socket is no data file
			}
			st, err := os.Stat(p)
			if err != nil {
				return nil // a dangling link
			}
			if !follow || !st.Mode().IsRegular() {
				skipped = append(skipped, p)
				return nil
			}
		}
		files = append(files, p)
		return nil
	})
	sort.Strings(files)
	sort.Strings(skipped)
	return files, skipped, err
}

func patternWantsHidden(pattern []string, name string) bool {
	for _, seg := range pattern {
		if seg != "" && seg[0] == name[0] {
			return true
		}
	}
	return false
}

// MatchGlobSegments reports whether a slash-separated path, split into
// segments, matches a glob split the same way, where "**" stands for any
// number (including zero) of directories: how Files expands a glob, so
// that remote sources expand object keys the same way.
func MatchGlobSegments(pat, name []string) bool { return matchSegments(pat, name) }

// matchSegments matches path segments against glob segments, where "**"
// stands for any number (including zero) of directories.
func matchSegments(pat, name []string) bool {
	if len(pat) == 0 {
		return len(name) == 0
	}
	if pat[0] == "**" {
		for k := 0; k <= len(name); k++ {
			if matchSegments(pat[1:], name[k:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 {
		return false
	}
	ok, _ := path.Match(pat[0], name[0])
	return ok && matchSegments(pat[1:], name[1:])
}

// dropZeroLength leaves 0-byte files out of a directory's or glob's files,
// as Spark does (a writer that failed, a placeholder): as Parquet they
// failed the run as corrupt, as CSV they added a column. notice names
// them. A single file, or only 0-byte files, are kept for the reader to
// judge.
func dropZeroLength(files []string, notice func(string)) (keep, empty []string) {
	if len(files) < 2 {
		return files, nil
	}
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() && st.Size() == 0 {
			empty = append(empty, f)
			continue
		}
		keep = append(keep, f)
	}
	if len(keep) == 0 {
		return files, nil
	}
	if len(empty) > 0 {
		const show = 5
		var names []string
		for _, f := range empty[:min(len(empty), show)] {
			names = append(names, filepath.Base(f))
		}
		more := ""
		if len(empty) > show {
			more = fmt.Sprintf(" and %d more", len(empty)-show)
		}
		notice(fmt.Sprintf("skipped %s of 0 bytes: %s%s", pluralCount(int64(len(empty)), "file"), strings.Join(names, ", "), more))
	}
	return keep, empty
}

// looksHive reports whether some file lies in a k=v directory below base.
func looksHive(base string, files []string) bool {
	for _, f := range files {
		rel, err := filepath.Rel(base, filepath.Dir(f))
		if err != nil || rel == "." {
			continue
		}
		for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
			if k, _, ok := strings.Cut(seg, "="); ok && k != "" {
				return true
			}
		}
	}
	return false
}

// openCheck fails early, with the OS's wording, on a file we cannot read.
func openCheck(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	return f.Close()
}

// Table registers a table or view that already exists in an OpenSessionOn
// database. name may be bare ("orders") or qualified ("main.orders",
// "db.main.orders"); it is matched ignoring case, as DuckDB does.
func Table(name string) Source { return tableSource{name: name} }

type tableSource struct{ name string }

func (t tableSource) register(ctx context.Context, s *Session, rel string) (string, error) {
	loc := "table " + t.name
	if err := s.ready(ctx); err != nil {
		return "", err
	}
	// Resolve to a fully qualified name: a temp view "primary" over a table
	// that is itself called primary would otherwise refer to itself.
	rows, err := s.conn.QueryContext(ctx, `
		SELECT database_name, schema_name, table_name FROM duckdb_tables()
		UNION ALL
		SELECT database_name, schema_name, view_name FROM duckdb_views() WHERE NOT internal`)
	if err != nil {
		return "", &SourceError{Location: loc, Err: err}
	}
	defer rows.Close()
	want := strings.ToLower(t.name)
	var found [][3]string
	for rows.Next() {
		var d, sc, n string
		if err := rows.Scan(&d, &sc, &n); err != nil {
			return "", &SourceError{Location: loc, Err: err}
		}
		for _, cand := range []string{n, sc + "." + n, d + "." + sc + "." + n} {
			if strings.ToLower(cand) == want {
				found = append(found, [3]string{d, sc, n})
				break
			}
		}
	}
	if err := rows.Err(); err != nil {
		return "", &SourceError{Location: loc, Err: err}
	}
	switch len(found) {
	case 0:
		return "", &SourceError{Location: loc, Err: errors.New("no such table or view")}
	case 1:
	default:
		return "", &SourceError{Location: loc, Err: errors.New("name is ambiguous; qualify it with its schema")}
	}
	q := QuoteIdent(found[0][0]) + "." + QuoteIdent(found[0][1]) + "." + QuoteIdent(found[0][2])
	if _, err := s.conn.ExecContext(ctx, "CREATE TEMP VIEW "+rel+" AS SELECT * FROM "+q); err != nil {
		return "", &SourceError{Location: loc, Err: err}
	}
	s.temps = append(s.temps, "DROP VIEW IF EXISTS "+rel)
	return loc, nil
}

// Query registers the result of a trusted SELECT (library callers on their
// own DuckDB). It runs whenever the dataset is scanned.
func Query(sql string) Source { return querySource{sql: sql} }

type querySource struct{ sql string }

func (q querySource) register(ctx context.Context, s *Session, rel string) (string, error) {
	loc := "query: " + q.sql
	toks, err := singleStatement(q.sql)
	if err != nil {
		return "", &SourceError{Location: loc, Err: err}
	}
	body := renderTokens(toks)
	if err := s.ready(ctx); err != nil {
		return "", err
	}
	if _, err := s.conn.ExecContext(ctx, "CREATE TEMP VIEW "+rel+" AS SELECT * FROM (\n"+body+"\n)"); err != nil {
		return "", &SourceError{Location: loc, Err: err}
	}
	s.temps = append(s.temps, "DROP VIEW IF EXISTS "+rel)
	return loc, nil
}

// ArrowReader registers an in-process Arrow stream. dq reads it once, at
// Register, into a temporary table: DuckDB's Arrow scan is a one-shot
// stream (a second query sees no rows), while the engine scans the primary
// dataset several times. The table spills to TempDir under MemoryLimit.
// The caller keeps its own reference to r and releases it as usual.
func ArrowReader(r array.RecordReader) Source { return arrowSource{r: r} }

type arrowSource struct{ r array.RecordReader }
