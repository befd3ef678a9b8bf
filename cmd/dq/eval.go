package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/statecache"
	"github.com/dqlabs/dq/sinks/console"
	"github.com/dqlabs/dq/sinks/jsonout"
	"github.com/mattn/go-isatty"
)

// dataFlags are the flags shared by every command that reads data: how to
// read it and the limits of the DuckDB session that reads it.
type dataFlags struct {
	FormatIn       *string       `name:"format-in" enum:"parquet,csv,json" placeholder:"parquet|csv|json" help:"Format of the data files. Default: from the file extension."`
	Hive           *bool         `negatable:"" help:"Read k=v directory names as Hive partition columns (--no-hive: never). Default: on when a directory under the data path is named k=v."`
	CompositeMode  string        `name:"composite-mode" default:"dataset" placeholder:"dataset|row" help:"How composite rules (A) and (B) combine: dataset judges each part over the whole data, row combines them per row. Glue's COLUMN and ROW are accepted. Default: dataset."`
	Now            string        `placeholder:"TIME" help:"Pin the instant now() means, e.g. 2026-01-31T08:00:00Z or 2026-01-31 (midnight UTC), for reproducible runs (truncated to the minute, as in Glue). Default: the current time."`
	Timeout        time.Duration `placeholder:"DURATION" help:"Give up after this long, e.g. 90s or 10m (exit 2). Default: no limit."`
	MemoryLimit    string        `name:"memory-limit" placeholder:"SIZE" help:"DuckDB memory limit in DuckDB's spellings, e.g. 2G, 2GB (10^9 bytes), 2GiB or 512MiB; beyond it DuckDB spills to a temporary directory. Default: 1.5GiB, or DuckDB's 80% of RAM when that is less."`
	Threads        int           `placeholder:"N" help:"DuckDB worker threads. Default: the CPUs dq may use (the cores, or a container's CPU limit)."`
	Strict         bool          `help:"Treat ruleset warnings as errors."`
	Ref            []string      `placeholder:"ALIAS=PATH" help:"Bind a reference dataset alias (DataSources' AdditionalDataSources, or the alias in ReferentialIntegrity, DatasetMatch, RowCountMatch, SchemaMatch, AggregateMatch) to a file, glob or directory; with --engine postgres/redshift/athena, to a table of the same database or catalog (schema.table, a URL of the same database, glue://db/table). Repeatable."`
	Catalog        string        `placeholder:"FILE|DIR|glue" help:"Catalog resolving database.table references: glue (the AWS Glue Data Catalog), a JSON file {\"db.table\": \"path\"} or a directory laid out as DIR/db/table."`
	AllowPath      []string      `name:"allow-path" sep:"none" placeholder:"DIR" help:"Let File rules (FileSize, FileMatch, FileUniqueness, FileFreshness) read under DIR, a local directory or an s3://bucket/prefix/ (repeatable). Default: only where the data and the references were read from."`
	FollowSymlinks bool          `name:"follow-symlinks" help:"Read symbolic links to files found in a data directory or by a glob. Default: skip them with a note (links to directories are never followed)."`
	NoMetadata     bool          `name:"no-metadata" help:"Scan the data for every metric, even those the Parquet footer statistics answer exactly (row counts, null counts, exact minimum and maximum)."`
	NoStateCache   bool          `name:"no-state-cache" help:"Read every data file for every metric. Default: for local files (one, a directory or a glob), cache per-file states of counts, sums, min/max, means, variances and correlations under the user cache directory (dq/state) and read only new or changed files for them."`

	// --delimiter, --null-value, --column-type, … (readers.go).
	readerFlags `embed:""`

	remoteFlags `embed:""`

	// --engine and the pushdown engines' flags (engine_flag.go).
	engineFlag `embed:""`

	aws     *awsEnv    // S3 and Glue access, loaded on first use
	remotes []reporter // remote sources made by sourceOf, for explain

	// note reports files left out of a read (skipped symlinks) on
	// stderr; set by setNotes.
	note func(string)
	// stdin is read for the data "-"; set by setNotes.
	stdin io.Reader
}

// setNotes makes notes about the data (skipped symlinks) go to stderr,
// unless -q.
func (f *dataFlags) setNotes(e *env) {
	f.stdin = e.stdin
	f.note = func(msg string) {
		if !e.quiet {
			fmt.Fprintf(e.stderr, "dq: note: %s\n", msg)
		}
	}
}

// fileOptions are the engine's reading options for a path the user named.
func (f *dataFlags) fileOptions() engine.FileOptions {
	return engine.FileOptions{Hive: f.Hive, FollowSymlinks: f.FollowSymlinks, Note: f.note}
}

// EvalCmd is `dq eval`.
type EvalCmd struct {
	Rules string `arg:"" help:"Ruleset file; - reads standard input."`
	Data  string `arg:"" help:"Data: a file, a glob (quote it; ** matches any depth), a directory (read recursively), - for standard input, s3://bucket/key|prefix/|glob or glue://database/table."`

	Format            *string `enum:"table,json,html,junit,markdown" placeholder:"table|json|html|junit|markdown" help:"Output on stdout: table, json (Glue's GetDataQualityResult), html (a single-file report; with -o, written there instead of the JSON), junit (XML for CI test reports) or markdown (for pull-request comments and job summaries). Default: table on a terminal, json otherwise."`
	Output            string  `short:"o" placeholder:"FILE" help:"Also write the JSON result to FILE (atomically), whatever --format says (with --format html: the HTML report)."`
	RowsOut           string  `name:"rows-out" placeholder:"FILE.parquet" help:"Write row-level results to a Parquet file: the input rows plus Glue's DataQualityRulesPass/Fail/Skip and DataQualityEvaluationResult columns."`
	Rows              *string `enum:"failed,all" placeholder:"failed|all" help:"Which rows --rows-out keeps. Default: all, like Glue's rowLevelOutcomes."`
	FilteredAsSkipped bool    `name:"filtered-as-skipped" help:"In --rows-out, list rows a rule's where clause excludes under DataQualityRulesSkip instead of Pass (Glue's filteredRowLabel=SKIPPED)."`
	RulesetName       string  `name:"ruleset-name" placeholder:"NAME" help:"RulesetName in the result. Default: the ruleset file's name without its extension."`
	Color             string  `enum:"auto,always,never" default:"auto" placeholder:"auto|always|never" help:"Colour the table: auto (only on a terminal, unless NO_COLOR is set), always or never."`

	dataFlags  `embed:""`
	Publishing PublishFlags `embed:""`

	// --history, --no-history, --dataset-id, --observations (history.go).
	historyFlags `embed:""`

	// onResult, when set, receives the result as soon as there is one;
	// dq serve and dq run use it (checkrun.go).
	onResult func(*engine.Result)
	// --rules-with, --fail-on, --warn-on (eval_ci.go).
	ciFlags `embed:""`
}

// Run evaluates the ruleset against the data. The exit code is the verdict:
// 0 when every rule passed, 1 when one failed or errored, 2 when there is
// no verdict (bad flags, invalid ruleset, unreadable data, timeout), 3 when
// the environment failed (out of memory, I/O error, corrupt file), and 4
// when the result was printed but a publishing sink did not get it.
func (c *EvalCmd) Run(e *env) error {
	c.setNotes(e)
	if err := c.checkArgs(c.Rules, c.Data); err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	opts, err := c.options()
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	if err := c.checkOutputs(opts); err != nil {
		return err
	}
	if c.RowsOut != "" {
		if err := checkRowsOutExt(c.RowsOut); err != nil {
			return &exitError{code: exitInvalid, err: err}
		}
	}
	if err := c.ciFlags.check(); err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	identity, err := datasetIdentity(c.DatasetID, c.Data)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	rs, err := loadRuleset(e, c.Rules, c.Strict)
	if err != nil {
		return err
	}
	rs, selected, err := c.selectRules(rs)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	if opts.RulesetName == "" {
		opts.RulesetName = rulesetName(c.Rules)
	}

	ctx, cancel := c.context(e.ctx)
	defer cancel()
	// Don't start a session for a run that is already over (Ctrl-C while
	// the ruleset was read, a tiny --timeout).
	if err := c.runError(ctx, nil); err != nil {
		return err
	}
	if err := c.historyFlags.setup(ctx, e, &opts, identity, engine.NeedsHistory(rs)); err != nil {
		return err
	}
	defer c.historyFlags.close()
	if c.RowsOut == "" && c.format(e) != "html" {
		// Record while the top values are read and the result written.
		// With --rows-out, writing the rows may still fail the run, which
		// is then not recorded; the HTML report reads the history before
		// this run is in it.
		opts.Judged = func(res *engine.Result) { c.historyFlags.startRecord(ctx, res, selected) }
	}
	progress, stopProgress := startProgress(e)
	opts.Progress = progress
	res, closeSession, err := c.evaluate(ctx, e, rs, opts)
	stopProgress()
	// The session's DuckDB ends while the result is written and recorded
	// (tearing down a large scan's memory takes tens of milliseconds); the
	// run is over only when it has, its private directory removed.
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_ = closeSession() // as engine.Evaluate: the result stands whatever closing says
	}()
	defer func() { <-closed }()
	if err := c.runError(ctx, err); err != nil {
		return err
	}
	if err := c.historyFlags.settle(ctx, e); err != nil {
		return err
	}
	selected.rename(res)
	setIdentity(res, identity)
	if c.onResult != nil {
		c.onResult(res)
	}

	if c.format(e) == "html" {
		if err := c.writeHTML(ctx, e, res); err != nil {
			return err
		}
	} else if err := c.writeResult(e, res); err != nil {
		return err
	}
	recordErr := c.historyFlags.record(ctx, res)
	if err := c.Publishing.publishKept(e, res, c.kept(e)); err != nil {
		return err
	}
	if recordErr != nil {
		return recordErr
	}
	if c.ciFlags.gating(e, res) {
		// The table or JSON already says which rules failed.
		return reported(exitFailed)
	}
	return nil
}

// writeResult writes the JSON to -o and the table or JSON to stdout.
func (c *EvalCmd) writeResult(e *env, res *engine.Result) error {
	// Encode once so that the -o file and stdout are the same bytes.
	var doc bytes.Buffer
	var err error
	if err := jsonout.Write(&doc, res); err != nil {
		return fmt.Errorf("encoding the result: %w", err)
	}
	if c.Output != "" {
		if err := writeFileAtomic(c.Output, doc.Bytes()); err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("writing the result: %w", err)}
		}
	}
	if f := c.format(e); f == "table" {
		err = console.WriteTable(e.stdout, res, console.Options{Color: c.color(e), Width: terminalWidth(e)})
	} else {
		err = writeFormat(e.stdout, f, res, doc.Bytes())
		if !e.quiet && !isTerminal(e.stdout) {
			// A CI log shows stderr; the verdict should be there too.
			fmt.Fprintln(e.stderr, summaryLine(res))
		}
	}
	if err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	return nil
}

// kept says where the JSON result of this run exists besides the sinks:
// the -o file, or stdout when the JSON went there.
func (c *EvalCmd) kept(e *env) string {
	switch {
	case c.Output != "":
		return c.Output
	case c.format(e) == "json":
		return "the JSON printed on standard output"
	}
	return ""
}

// options checks the flags and turns them into engine options. Everything
// is checked before the data is touched, so a typo fails fast.
func (c *EvalCmd) options() (engine.Options, error) {
	opts, err := c.dataFlags.options()
	if err != nil {
		return opts, err
	}
	opts.RulesetName = c.RulesetName
	if c.RowsOut == "" {
		// Silently ignoring these would let a user believe rows were written.
		switch {
		case c.Rows != nil:
			return opts, errors.New("--rows needs --rows-out")
		case c.FilteredAsSkipped:
			return opts, errors.New("--filtered-as-skipped needs --rows-out")
		}
		return opts, nil
	}
	opts.RowLevel = &engine.RowLevelOptions{
		Path:              c.RowsOut,
		OnlyFailed:        c.Rows != nil && *c.Rows == "failed",
		FilteredAsSkipped: c.FilteredAsSkipped,
	}
	return opts, nil
}

// checkOutputs refuses output paths that would overwrite an input or each
// other (see outputs.go): a mistyped flag must not destroy the data being
// checked. It lists the inputs but reads none of them.
func (c *EvalCmd) checkOutputs(opts engine.Options) error {
	var ins inputs
	fo := engine.FileOptions{FollowSymlinks: c.FollowSymlinks}
	ins.addData("the data being checked", c.Data, fo)
	for _, r := range c.Ref {
		alias, path, _ := strings.Cut(r, "=")
		ins.addData("the reference "+strings.TrimSpace(alias), strings.TrimSpace(path), fo)
	}
	if c.Catalog != "" {
		ins.addFile("the catalog", c.Catalog)
		for _, p := range engine.CatalogPaths(opts.Catalog) {
			ins.addData("a catalog table", p, engine.FileOptions{})
		}
	}
	ins.addFile("the ruleset", c.Rules)
	ins.addFile("the publish configuration", c.Publishing.PublishConfig)
	if !c.NoHistory {
		if p, err := c.storeFlag.path(); err == nil {
			for _, f := range []string{p, p + ".wal", p + ".lock"} {
				ins.addFile("the history store", f)
			}
		}
	}
	cfg := c.Publishing.cfg
	if cfg.Enabled() {
		ins.addDir("the spool directory", cfg.SpoolDir())
	}
	return ins.check([]output{
		{flag: "-o", path: c.Output},
		{flag: "--rows-out", path: c.RowsOut, nested: true},
		{flag: "--results", path: cfg.Results, nested: true, dir: true},
	})
}

// format is the output format: the flag, or table for people at a terminal
// and JSON for pipes and files, where a program is the likely reader.
func (c *EvalCmd) format(e *env) string {
	if c.Format != nil {
		return *c.Format
	}
	if isTerminal(e.stdout) {
		return "table"
	}
	return "json"
}

// color follows the no-color.org convention in auto mode; TERM=dumb marks
// terminals that print escape codes literally.
func (c *EvalCmd) color(e *env) bool {
	switch c.Color {
	case "always":
		return true
	case "never":
		return false
	}
	return isTerminal(e.stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// terminalWidth is $COLUMNS when the shell exports it and stdout is a
// terminal; otherwise 0, the table's default width, so that piped output
// does not depend on the terminal it was produced in.
func terminalWidth(e *env) int {
	if !isTerminal(e.stdout) {
		return 0
	}
	n, err := strconv.Atoi(os.Getenv("COLUMNS"))
	if err != nil || n <= 0 {
		// Shells rarely export COLUMNS; ask the terminal.
		return ttyWidth(e.stdout)
	}
	return n
}

// options turns the shared data flags into engine options.
func (f *dataFlags) options() (engine.Options, error) {
	var opts engine.Options
	if err := f.engineFlag.check(f.Partition); err != nil {
		return opts, err
	}
	switch strings.ToLower(f.CompositeMode) {
	case "dataset", "column":
		opts.CompositeMode = engine.CompositeDataset
	case "row":
		opts.CompositeMode = engine.CompositeRow
	default:
		return opts, fmt.Errorf("--composite-mode must be dataset or row (Glue's COLUMN or ROW), got %q", f.CompositeMode)
	}
	if f.Now != "" {
		t, err := parseInstant(f.Now)
		if err != nil {
			return opts, fmt.Errorf("--now must be a date (2026-01-31, midnight UTC) or an RFC 3339 time such as 2026-01-31T08:00:00Z, got %q", f.Now)
		}
		opts.Now = t
	}
	if f.Timeout < 0 {
		return opts, fmt.Errorf("--timeout must not be negative, got %s", f.Timeout)
	}
	if f.Threads < 0 {
		return opts, fmt.Errorf("--threads must not be negative, got %d", f.Threads)
	}
	if f.MemoryLimit != "" && !validSize(f.MemoryLimit) {
		return opts, fmt.Errorf("--memory-limit must be a size such as 2GB or 512MiB, got %q", f.MemoryLimit)
	}
	// The process exits right after the run: DuckDB need not have ended
	// for it to (see engine.SessionOptions.CloseInBackground).
	opts.Session = engine.SessionOptions{Threads: f.Threads, MemoryLimit: f.MemoryLimit, CloseInBackground: true}
	opts.NoMetadata = f.NoMetadata
	for _, p := range f.AllowPath {
		// A typo must not silently leave File rules erroring.
		if !isURL(p) {
			if st, err := os.Stat(strings.TrimPrefix(p, "file://")); err != nil {
				return opts, fmt.Errorf("--allow-path: %w", err)
			} else if !st.IsDir() {
				return opts, fmt.Errorf("--allow-path %s: not a directory", p)
			}
		}
		opts.FileRoots = append(opts.FileRoots, p)
	}
	if _, err := f.readerOptions(); err != nil {
		return opts, err
	}
	if err := f.references(&opts); err != nil {
		return opts, err
	}
	opts.FileSystems = map[string]engine.FileSystem{"s3": lazyS3FS{a: f.awsEnv()}}
	if !f.NoStateCache {
		// A cache that cannot be opened (read-only home, no cache
		// directory) costs a full read, not the run.
		if st, err := statecache.Open(statecache.Options{}); err == nil {
			opts.StateCache = st
		} else if f.note != nil {
			f.note(fmt.Sprintf("state cache off: %v", err))
		}
	}
	return opts, nil
}

// validSize is a pre-check of --memory-limit with DuckDB's units, so a typo
// is reported as a usage error naming the flag rather than as a DuckDB
// parser error after the ruleset was read. DuckDB remains the authority.
func validSize(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	num := strings.TrimRightFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r == ' ' })
	unit := strings.TrimSpace(s[len(num):])
	if v, err := strconv.ParseFloat(num, 64); err != nil || v <= 0 {
		return false
	}
	switch unit {
	case "b", "byte", "bytes",
		"k", "m", "g", "t",
		"kb", "mb", "gb", "tb",
		"kib", "mib", "gib", "tib",
		"kilobyte", "kilobytes", "megabyte", "megabytes",
		"gigabyte", "gigabytes", "terabyte", "terabytes":
		return true
	}
	return false
}

// sourceOf is the primary dataset at path, read as the flags say: local
// files, s3:// objects or a glue:// table (the reader flags describe the
// primary data only; checked by options).
func (f *dataFlags) sourceOf(path string) engine.Source {
	fo := f.fileOptions()
	ro, _ := f.readerOptions()
	fo.CSV, fo.DateFormat, fo.TimestampFormat, fo.ColumnTypes = ro.CSV, ro.DateFormat, ro.TimestampFormat, ro.ColumnTypes
	if f.FormatIn != nil {
		fo.Format = *f.FormatIn
	}
	if isRemote(path) || f.Partition != "" {
		return f.remote(path, fo, f.Partition)
	}
	if path == "-" && f.stdin != nil {
		return engine.Stream(stdinName, f.stdin, fo)
	}
	return engine.Files(path, fo)
}

// checkArgs catches swapped RULES and DATA before anything is read; rules
// is "" for commands without a ruleset. (Shell-expanded globs are caught
// when parsing the arguments: see parseErrorHint.)
func (f *dataFlags) checkArgs(rules, data string) error {
	if rules == "-" && data == "-" {
		return errors.New("the ruleset and the data cannot both be read from standard input (-); give one of them as a file")
	}
	if in, ok := f.stdin.(*os.File); ok && data == "-" && (isatty.IsTerminal(in.Fd()) || isatty.IsCygwinTerminal(in.Fd())) {
		// Waiting for data typed at the terminal is never what was meant.
		return errors.New("the data - is standard input, which is a terminal: pipe the data in (zcat data.csv.gz | dq eval rules.dqdl -) or name a file")
	}
	if rules != "" {
		if err := checkRulesPath(rules, data); err != nil {
			return err
		}
	}
	return checkDataPath(data)
}

// refSource is a --ref dataset: its format comes from its own names.
func (f *dataFlags) refSource(path string) engine.Source {
	if isRemote(path) {
		return f.remote(path, engine.FileOptions{Hive: f.Hive}, "")
	}
	return engine.Files(path, f.fileOptions())
}

func (f *dataFlags) awsEnv() *awsEnv {
	if f.aws == nil {
		f.aws = &awsEnv{flags: &f.remoteFlags}
	}
	return f.aws
}

func (f *dataFlags) remote(path string, fo engine.FileOptions, partition string) engine.Source {
	if !isRemote(path) {
		return engine.Remote(failFetcher{fmt.Errorf("--partition applies to glue://database/table data, not %s", path)})
	}
	src, rep, err := f.awsEnv().remoteSource(path, fo, partition)
	if err != nil {
		return engine.Remote(failFetcher{err})
	}
	f.remotes = append(f.remotes, rep)
	return src
}

// failFetcher reports a bad remote path when the source is registered,
// where a bad local path is reported too.
type failFetcher struct{ err error }

func (f failFetcher) Fetch(context.Context, engine.ColumnNeed) (*engine.Fetched, error) {
	return nil, f.err
}

func (c *EvalCmd) source() engine.Source { return c.sourceOf(c.Data) }

// context bounds the run by --timeout. The parent is cancelled by SIGINT
// and SIGTERM (see main).
func (f *dataFlags) context(parent context.Context) (context.Context, context.CancelFunc) {
	if f.Timeout > 0 {
		return context.WithTimeout(parent, f.Timeout)
	}
	return context.WithCancel(parent)
}

// runError maps an engine error to dq's exit codes. A cancelled run is
// checked first: the engine may report a cancellation as a failed read or a
// failed rule, and a partial result must never pass for a verdict.
func (f *dataFlags) runError(ctx context.Context, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &exitError{code: exitInvalid, err: fmt.Errorf("timed out after %s (--timeout)", f.Timeout)}
	case ctx.Err() != nil:
		return &exitError{code: exitInvalid, err: errors.New("interrupted")}
	case err == nil:
		return nil
	}
	var xe *exitError
	if errors.As(err, &xe) {
		// Already mapped (--engine's opener: a refused flag, the cost
		// guard).
		return xe
	}
	if ee := engine.AsEnvironmentError(err); ee != nil {
		return &exitError{code: exitCouldNotRun, err: fmt.Errorf("the check could not run: %w\n  hint: %s", ee, ee.Hint())}
	}
	var unbound *engine.UnboundReferenceError
	if errors.As(err, &unbound) {
		return &exitError{code: exitInvalid, err: fmt.Errorf("the ruleset needs reference datasets that are not bound: %s; bind each with --ref ALIAS=PATH (or --catalog for database.table names)", strings.Join(unbound.Aliases, ", "))}
	}
	var se *engine.SourceError
	if errors.As(err, &se) {
		// SourceError's text already names the data ("reading x: ...").
		return &exitError{code: exitInvalid, err: sourceHint(err)}
	}
	return &exitError{code: exitInvalid, err: fmt.Errorf("evaluation failed: %w", err)}
}

// loadRuleset reads and parses a ruleset, printing its diagnostics. An
// invalid ruleset has been reported when this returns an error.
func loadRuleset(e *env, path string, strict bool) (*dqdl.Ruleset, error) {
	name, src, err := readRuleset(e, path)
	if err != nil {
		return nil, &exitError{code: exitInvalid, err: err}
	}
	res := parse(name, src, strict)
	printDiags(e, res.diags)
	if !res.valid() {
		if looksLikeCSVText(src) {
			fmt.Fprintf(e.stderr, "dq: %s looks like CSV data, not a ruleset: RULES and DATA are swapped? The ruleset comes first: dq eval RULES DATA\n", name)
		}
		return nil, reported(exitInvalid)
	}
	return res.rs, nil
}

// rulesetName names a ruleset after its file, as Glue names rulesets by
// the user rather than by content: rules/taxi.dqdl is "taxi".
func rulesetName(path string) string {
	if path == "-" {
		return ""
	}
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}
