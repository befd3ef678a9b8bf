package engine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	duckdbbindings "github.com/duckdb/duckdb-go-bindings"

	"github.com/dqlabs/dq/engine/statecache"
)

// The state cache (Options.StateCache) makes the fused aggregate scan of a
// dataset of local files incremental: each mergeable expression
// (incremental_expr.go) is computed per file, as mergeable states, only
// for the files that are new or changed since a previous run; the states
// of the others come from the cache; the run merges all files' states.
// Grouping scans (distinct counts, uniqueness, entropy), row scans,
// CustomSql and the expressions the cache cannot merge read every file as
// before.
//
// A file's states are cached under its identity (path, size, mtime, inode,
// ctime) and a scope: the state format version, the DuckDB version, the
// dataset's reader (the view's SQL with its file list left out: CSV
// dialect, pinned column types, hive partitioning) and its column types.
// A new file that widens a column's type, or a dq or DuckDB upgrade,
// changes the scope, so every file is scanned again once.

// fileColumn is the column naming each row's file in the per-file read.
const fileColumn = "__dq_file"

// stateFiles are the files whose states the cache keeps for a dataset:
// the files, the view body reading them (the state cache adds a file-name
// column to it), and, for local copies of remote objects, each file's
// identity (nil: the file's own, statecache.LocalIdentity).
type stateFiles struct {
	files []string
	read  string
	ids   []statecache.Identity
	// uniform: every file read alone has the dataset's columns, as the
	// schema cache showed when the reader was built (schemacache.go).
	uniform bool
}

// identity is the version of the file files[n].
func (sf stateFiles) identity(n int) (statecache.Identity, error) {
	if sf.ids != nil {
		return sf.ids[n], nil
	}
	return statecache.LocalIdentity(sf.files[n])
}

// incremental is the state cache applied to one dataset.
type incremental struct {
	store *statecache.Store
	state stateFiles
	files []string
	// read is the dataset's view body with a fileColumn added; from is
	// the relation the whole-dataset statements read.
	read  string
	scope string
	// columns are the dataset's, as its view has them.
	columns []Column
	// scanned counts the files the last run read for the mergeable
	// expressions (the others read every file).
	scanned int
}

// newIncremental prepares the state cache for ds, or returns nil and why
// it does not apply.
func newIncremental(ds *Dataset, store *statecache.Store) (*incremental, string) {
	if why := incrementalUnused(ds, store); why != "" {
		return nil, why
	}
	read, files := ds.state.read, ds.state.files
	// The library's own version, as pragma_version() reports it, without
	// a statement.
	version := duckdbbindings.LibraryVersion()
	// The scope leaves out the list of files (every new file changes it)
	// and union_by_name, which only a single file goes without; what
	// either changes about a file's values shows in the column types.
	h := sha256.New()
	generic := strings.ReplaceAll(read, quoteStringList(files), "<files>")
	generic = strings.ReplaceAll(generic, ", union_by_name = true", "")
	fmt.Fprintf(h, "dq state format %d\x00duckdb %s\x00%s\x00", statecache.FormatVersion, version, generic)
	for _, c := range ds.Columns {
		fmt.Fprintf(h, "%s\x00%s\x00", c.Name, c.Type)
	}
	return &incremental{
		store:   store,
		state:   ds.state,
		files:   files,
		read:    strings.TrimSuffix(read, ")") + ", filename = " + QuoteString(fileColumn) + ")",
		scope:   hex.EncodeToString(h.Sum(nil)),
		columns: ds.Columns,
	}, ""
}

// incrementalUnused says why the state cache does not apply to ds, or "".
func incrementalUnused(ds *Dataset, store *statecache.Store) string {
	if store == nil {
		return "the state cache is off"
	}
	switch {
	case ds.state.read == "" || len(ds.state.files) == 0:
		return "the data is neither local files nor S3 objects with ETags"
	case !strings.HasSuffix(ds.state.read, ")"):
		return "the reader is not a table function"
	}
	for _, c := range ds.Columns {
		if strings.EqualFold(c.Name, fileColumn) {
			return "the data has a column named " + fileColumn
		}
	}
	return ""
}

// run computes the aggregate scan s: its mergeable expressions from file
// states, the others over the whole dataset. Anything going wrong on the
// per-file path (a statement failing, a file vanishing) sends its
// expressions down the whole-dataset path, which reports errors as
// before: the cache can cost a rescan, never change a result.
func (inc *incremental) run(ctx context.Context, x *executor, st *scanned, s *scan) error {
	if len(s.exprs) == 0 {
		return nil
	}
	q := x.q
	vals := make([]sql.NullFloat64, len(s.exprs))
	st.vals[s] = vals
	merge := map[int]*mergeExpr{}
	var rest []int
	for i, e := range s.keys {
		if v, ok := s.known[i]; ok {
			// Answered from Parquet footers when the plan was built.
			vals[i] = v
			continue
		}
		if m, _ := classifyAggregate(e); m != nil {
			merge[i] = m
		} else {
			rest = append(rest, i)
		}
	}
	inc.scanned = 0
	if len(merge) > 0 {
		// A single file is the whole dataset: when it must be read for
		// its states, the expressions that do not merge ride along in the
		// same statement instead of reading it a second time.
		var along []int
		if len(inc.files) == 1 {
			along = rest
		}
		redo, alongDone, err := inc.merged(ctx, q, s, vals, merge, along)
		if alongDone {
			rest = nil
		}
		if err != nil {
			if stop := runStopper(ctx, err); stop != nil {
				return stop
			}
			redo = redo[:0]
			for i := range merge {
				redo = append(redo, i)
			}
			inc.scanned = len(inc.files)
		}
		rest = append(rest, redo...)
		slices.Sort(rest)
	}
	for _, part := range chunk(rest, maxAggregates) {
		if len(part) == 0 {
			continue
		}
		if err := s.runPart(ctx, x, st, part); err != nil {
			return err
		}
	}
	if inc.scanned > 0 {
		// Only a run that wrote entries can have grown the store.
		_ = inc.store.Trim() // a full or unwritable cache costs space, not the run
	}
	return nil
}

// merged fills s.vals for the expressions in merge from the files' states,
// scanning the files whose states are not cached. It returns the
// expressions it could not compute that way. When the dataset is one file
// that must be read, the expressions in along are computed by the same
// statement, and alongDone says so.
func (inc *incremental) merged(ctx context.Context, q querier, s *scan, vals []sql.NullFloat64, merge map[int]*mergeExpr, along []int) (redo []int, alongDone bool, err error) {
	// The components, each once, in expression order.
	comps := map[string]*component{}
	var order []*component
	idx := make([]int, 0, len(merge))
	for i := range merge {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		m := merge[i]
		for j, c := range m.comps {
			if have, ok := comps[c.key()]; ok {
				m.comps[j] = have
				continue
			}
			comps[c.key()] = c
			order = append(order, c)
		}
	}
	// Each file's cached states.
	type fileState struct {
		id     statecache.Identity
		states map[string]statecache.State
	}
	files := make([]*fileState, len(inc.files))
	ids := make([]statecache.Identity, len(inc.files))
	for n := range inc.files {
		if ids[n], err = inc.state.identity(n); err != nil {
			return nil, false, err
		}
	}
	cached, err := inc.store.GetAll(ctx, ids, inc.scope)
	if err != nil {
		return nil, false, err
	}
	for n, states := range cached {
		if states == nil {
			states = map[string]statecache.State{}
		}
		files[n] = &fileState{id: ids[n], states: states}
	}
	// missing lists the files without a state of some of comps, and
	// which components they lack.
	missing := func(comps []*component) (scan []string, need map[string]bool) {
		need = map[string]bool{}
		for n, f := range inc.files {
			lacks := false
			for _, c := range comps {
				if _, ok := files[n].states[c.key()]; !ok {
					need[c.key()] = true
					lacks = true
				}
			}
			if lacks {
				scan = append(scan, f)
			}
		}
		return scan, need
	}

	// The components' types, from the files to read when they can be read
	// alone (they have the dataset's column types), else from the whole
	// dataset's relation (binding only: nothing is read). With nothing to
	// read they are not needed: a component whose state every file has
	// was typed and found mergeable when the states were computed, under
	// the same scope (column types, reader, DuckDB version), and its type
	// serves only to read states.
	scan, _ := missing(order)
	narrow := ""
	if len(scan) > 0 {
		narrow = inc.narrowRead(ctx, q, scan)
		typeFrom := s.from
		if narrow != "" {
			typeFrom = "(" + narrow + ") AS __dq_files"
		}
		bad, err := inc.componentTypes(ctx, q, typeFrom, order)
		if err != nil {
			return nil, false, err
		}
		keep := order[:0]
		for _, c := range order {
			if !bad[c.key()] {
				keep = append(keep, c)
			}
		}
		if len(keep) < len(order) {
			// Without the components the merge cannot reproduce, fewer
			// files may need reading.
			order = keep
			var fewer []string
			if fewer, _ = missing(order); len(fewer) < len(scan) {
				scan, narrow = fewer, ""
				if len(scan) > 0 {
					narrow = inc.narrowRead(ctx, q, scan)
				}
			}
		}
	}
	scan, need := missing(order)
	if len(scan) > 0 {
		var todo []*component
		for _, c := range order {
			if need[c.key()] {
				todo = append(todo, c)
			}
		}
		var extra []string
		if len(inc.files) == 1 {
			for _, i := range along {
				extra = append(extra, "CAST("+duck(s.exprs[i])+" AS DOUBLE)")
			}
		}
		extraVals := make([]sql.NullFloat64, len(extra))
		got, err := inc.scanFiles(ctx, q, scan, narrow, todo, extra, extraVals)
		if err != nil {
			return nil, false, err
		}
		if len(extra) > 0 {
			for n, i := range along {
				vals[i] = extraVals[n]
			}
			alongDone = true
		}
		inc.scanned = len(scan)
		for n, f := range inc.files {
			fs := files[n]
			res, ok := got[f]
			if !ok {
				continue
			}
			for k, st := range res {
				fs.states[k] = st
			}
			// A file that changed while it was read is not cached: its
			// states may mix two versions.
			if id, err := inc.state.identity(n); err == nil && id == fs.id {
				_ = inc.store.Put(fs.id, inc.scope, fs.states) // unwritable: the next run rescans
			}
		}
	}

	// Merge every file's states per component, then finish each expression.
	total := map[string]statecache.State{}
	for _, c := range order {
		acc := statecache.New(c.kind)
		for _, fs := range files {
			st, ok := fs.states[c.key()]
			if !ok {
				return nil, alongDone, fmt.Errorf("state cache: no state for %s", c.key())
			}
			if acc, err = acc.Merge(st); err != nil {
				return nil, alongDone, err
			}
		}
		total[c.key()] = acc
	}
	for _, i := range idx {
		m := merge[i]
		sts := make([]statecache.State, len(m.comps))
		ok := true
		for j, c := range m.comps {
			st, have := total[c.key()]
			if !have {
				ok = false
				break
			}
			sts[j] = st
		}
		if ok {
			var v sql.NullFloat64
			if v, ok = m.finish(sts); ok {
				vals[i] = v
			}
		}
		if !ok {
			redo = append(redo, i)
		}
	}
	return redo, alongDone, nil
}

// typeComponents asks DuckDB (binding only, no data read) for the result
// type of each component's aggregate, and returns the components the merge
// cannot reproduce: those that do not bind (their expressions then report
// the error as before), extremes of types whose order CAST(... AS DOUBLE)
// does not keep, sums of other types than numbers.
func (inc *incremental) typeComponents(ctx context.Context, q querier, from string, comps []*component) (map[string]bool, error) {
	bad := map[string]bool{}
	describe := func(cs []*component) ([]string, error) {
		items := make([]string, len(cs))
		for i, c := range cs {
			items[i] = fmt.Sprintf("%s(%s) AS c%d", c.fn, c.args, i)
		}
		cols, err := describeSQL(ctx, q, "SELECT "+strings.Join(items, ", ")+" FROM "+from)
		if err != nil {
			return nil, err
		}
		types := make([]string, len(cols))
		for i, c := range cols {
			types[i] = c.Type
		}
		if len(types) != len(cs) {
			return nil, fmt.Errorf("DESCRIBE returned %d columns for %d aggregates", len(types), len(cs))
		}
		return types, nil
	}
	var types []string
	var err error
	for _, part := range chunkOf(comps, maxAggregates) {
		var ts []string
		if ts, err = describe(part); err != nil {
			break
		}
		types = append(types, ts...)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// One at a time, to find those that do not bind.
		types = make([]string, len(comps))
		for i, c := range comps {
			ts, err := describe([]*component{c})
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				bad[c.key()] = true
				continue
			}
			types[i] = ts[0]
		}
	}
	for i, c := range comps {
		c.typ = types[i]
		if !mergeableType(c) {
			bad[c.key()] = true
		}
	}
	return bad, nil
}

// mergeableType says whether the merge reproduces c's aggregate at its
// result type c.typ ("" when it does not bind): sums of numbers only,
// extremes of types whose order CAST(... AS DOUBLE) keeps.
func mergeableType(c *component) bool {
	switch c.kind {
	case statecache.KindSum:
		return exactSumType(c.typ) || c.typ == "DOUBLE" || c.typ == "FLOAT"
	case statecache.KindMin, statecache.KindMax:
		return monotoneToDouble(c.typ)
	}
	return true
}

// componentTypesID and componentTypesScope name the store's entry of the
// component types of a scope.
const (
	componentTypesID    = statecache.Identity("dq component types")
	componentTypesScope = "component types v1\x00"
)

// componentTypes is typeComponents answered from the state cache when it
// holds the type of every component under this scope: a type depends
// only on the component's SQL and on what the scope names (the column
// types, the reader, the DuckDB version), so a run that reads a new file
// need not ask DuckDB again. The types it does ask for are added to the
// entry.
func (inc *incremental) componentTypes(ctx context.Context, q querier, from string, comps []*component) (map[string]bool, error) {
	scope := componentTypesScope + inc.scope
	// Kept as a column list: each component's key, and its type.
	known, _ := decodeColumns(inc.store.GetBytes(componentTypesID, scope))
	typeOf := make(map[string]string, len(known))
	for _, k := range known {
		typeOf[k.Name] = k.Type
	}
	hit := true
	for _, c := range comps {
		if _, ok := typeOf[c.key()]; !ok {
			hit = false
			break
		}
	}
	if hit {
		bad := map[string]bool{}
		for _, c := range comps {
			c.typ = typeOf[c.key()]
			if c.typ == "" || !mergeableType(c) {
				bad[c.key()] = true
			}
		}
		return bad, nil
	}
	bad, err := inc.typeComponents(ctx, q, from, comps)
	if err != nil {
		return nil, err
	}
	for _, c := range comps {
		if _, ok := typeOf[c.key()]; !ok {
			known = append(known, Column{Name: c.key(), Type: c.typ})
		}
	}
	_ = inc.store.PutBytes(componentTypesID, scope, encodeColumns(known)) // unwritable: asked again next run
	return bad, nil
}

// narrowRead returns the dataset's reader over files alone, or "" when it
// might not give their rows exactly as the dataset's view does: when the
// list of files does not occur once in the reader, or when files read
// alone have other columns, in another order or of other types, than the
// dataset (union_by_name gives every file the types unified over all
// files: a new file's INTEGER column is BIGINT in a dataset whose older
// files have BIGINT). Reading a new file alone spares DuckDB binding the
// reader over every file of the dataset (opening each) for the statement
// that reads only it. When the schema cache showed every file to have the
// dataset's columns (stateFiles.uniform), that needs no statement.
func (inc *incremental) narrowRead(ctx context.Context, q querier, files []string) string {
	all := quoteStringList(inc.files)
	if strings.Count(inc.state.read, all) != 1 {
		return ""
	}
	body := strings.Replace(inc.state.read, all, quoteStringList(files), 1)
	if inc.state.uniform {
		return body
	}
	cols, err := describeSQL(ctx, q, "SELECT * FROM ("+body+")")
	if err != nil || !slices.Equal(cols, inc.columns) {
		return ""
	}
	return body
}

// scanFiles computes the components over each of files in one pass (one
// statement per maxAggregates outputs), grouped by file. A file without
// rows has no group and gets the states of no rows. narrow, when not "",
// is the dataset's reader over files alone (narrowRead), else they are
// read through the whole dataset's reader. extra are further DOUBLE
// aggregates over the one file of files (a single-file dataset), computed
// by the first statement into extraVals; they read the file's rows as the
// dataset's view has them (without the file-name column).
func (inc *incremental) scanFiles(ctx context.Context, q querier, files []string, narrow string, comps []*component, extra []string, extraVals []sql.NullFloat64) (map[string]map[string]statecache.State, error) {
	if len(extra) > 0 && len(files) != 1 {
		return nil, fmt.Errorf("internal error: %d aggregates over %d files", len(extra), len(files))
	}
	out := make(map[string]map[string]statecache.State, len(files))
	for _, f := range files {
		m := make(map[string]statecache.State, len(comps))
		for _, c := range comps {
			m[c.key()] = statecache.New(c.kind)
		}
		out[f] = m
	}
	// Parts of at most maxAggregates outputs, one of them the probe.
	parts := chunkOf(stateItems(comps), maxAggregates-1)
	fcol := QuoteIdent(fileColumn)
	// rows is the relation of one file's rows, as the view has them.
	read := inc.read
	rows := func(f string) string {
		return "(SELECT * EXCLUDE (" + fcol + ") FROM (" + read + ") AS __dq_files WHERE " + fcol + " = " + QuoteString(f) + ")"
	}
	if narrow != "" {
		read = strings.TrimSuffix(narrow, ")") + ", filename = " + QuoteString(fileColumn) + ")"
		if len(files) == 1 {
			rows = func(string) string { return "(" + narrow + ")" }
		}
	}
	// A statement reading exported states reads the probe too, until it
	// has passed once in this scope (the scope names the DuckDB version).
	verified := inc.exportsVerified()
	probeFor := func(part []stateItem) *[]byte {
		for _, it := range part {
			if it.exported && !verified {
				return new([]byte)
			}
		}
		return nil
	}
	passed := func(probe *[]byte) {
		if probe != nil {
			_ = inc.store.PutBytes(exportProbeID, exportProbeScope+inc.scope, *probe) // unwritable: the next run probes again
			verified = true
		}
	}
	for n, part := range parts {
		var sel []string
		for _, it := range part {
			sel = append(sel, it.sql)
		}
		if len(files) <= ungroupedFiles {
			// A few files (the usual run: one new file) are read one
			// statement each: an ungrouped aggregate is several times
			// cheaper than hashing every row by its file name.
			for _, f := range files {
				var ev []sql.NullFloat64
				cols := sel
				probe := probeFor(part)
				if probe != nil {
					cols = append(append([]string(nil), cols...), exportProbe)
				}
				if n == 0 && len(extra) > 0 {
					cols = append(append([]string(nil), cols...), extra...)
					ev = extraVals
				}
				query := "SELECT " + strings.Join(cols, ", ") + " FROM " + rows(f) + " AS __dq_file_rows"
				if err := inc.readStates(ctx, q, query, part, probe, out, f, ev); err != nil {
					return nil, err
				}
				passed(probe)
			}
			continue
		}
		probe := probeFor(part)
		if probe != nil {
			sel = append(sel, exportProbe)
		}
		query := "SELECT " + fcol + ", " + strings.Join(sel, ", ") + " FROM (" + read + ") AS __dq_files WHERE " + fcol + " IN " + sqlStringList(files) + " GROUP BY " + fcol
		if err := inc.readStates(ctx, q, query, part, probe, out, "", nil); err != nil {
			return nil, err
		}
		passed(probe)
	}
	return out, nil
}

// ungroupedFiles is the most files read by one statement each; more are
// read in one statement grouped by file (a first run over many files).
const ungroupedFiles = 4

// chunkOf splits xs into slices of at most size elements.
func chunkOf[T any](xs []T, size int) [][]T {
	var out [][]T
	for len(xs) > size {
		out = append(out, xs[:size:size])
		xs = xs[size:]
	}
	return append(out, xs)
}

// sqlStringList is xs as a parenthesised list of string literals.
func sqlStringList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = QuoteString(x)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// readStates reads the states computed by items from query's rows: one
// row per file, named by its first column, or the single row of file when
// file is not "". A row holds the items' columns, then, when probe is not
// nil, the exportProbe column, checked and read into probe, then (the
// single row) len(extra) DOUBLEs read into extra.
func (inc *incremental) readStates(ctx context.Context, q querier, query string, items []stateItem, probe *[]byte, out map[string]map[string]statecache.State, file string, extra []sql.NullFloat64) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	fixed := file
	for rows.Next() {
		var dst []any
		if fixed == "" {
			dst = append(dst, &file)
		}
		start := len(dst)
		for _, it := range items {
			dst = append(dst, it.dst())
		}
		if probe != nil {
			dst = append(dst, probe)
		}
		for i := range extra {
			dst = append(dst, &extra[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return err
		}
		if probe != nil {
			if err := checkExportProbe(*probe); err != nil {
				return err
			}
		}
		m, ok := out[file]
		if !ok {
			return fmt.Errorf("state cache: a row for %q, which was not asked for", file)
		}
		for i, it := range items {
			sts, err := it.states(dst[start+i])
			if err != nil {
				return err
			}
			for j, c := range it.comps {
				m[c.key()] = sts[j]
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// explainIncremental describes for dq explain which expressions of the
// aggregate scan the state cache computes per file, and which statements
// read every file.
func explainIncremental(p *Plan, ds *Dataset, store *statecache.Store) []string {
	var out []string
	if p.footerCached > 0 && store != nil {
		// Not how many came from the cache this time: the listing of a
		// plan does not change from one run to the next.
		out = append(out, fmt.Sprintf("state cache: Parquet footer statistics are kept per file (%s): only the footers of new or changed files are parsed", pluralCount(int64(p.footerCached), "file")))
	}
	if ds.state.uniform && store != nil {
		out = append(out, fmt.Sprintf("state cache: the %d files have the same columns (kept per file): they are read without union_by_name", len(ds.state.files)))
	}
	if p.agg == nil || len(p.agg.exprs) == 0 && len(p.Queries) == 0 {
		return out
	}
	if store == nil {
		return out
	}
	if why := incrementalUnused(ds, store); why != "" {
		return append(out, "state cache: not used ("+why+"); every statement reads all the data")
	}
	reasons := map[string][]string{}
	merged := 0
	for i, e := range p.agg.keys {
		if _, ok := p.agg.known[i]; ok {
			continue
		}
		if m, why := classifyAggregate(e); m != nil {
			merged++
		} else {
			reasons[why] = append(reasons[why], fmt.Sprintf("m%d", i))
		}
	}
	var aggQueries, others []string
	for i, q := range p.Queries {
		if q.Kind == "aggregate" {
			aggQueries = append(aggQueries, fmt.Sprint(i+1))
		} else {
			others = append(others, fmt.Sprintf("%d (%s)", i+1, q.Kind))
		}
	}
	if len(aggQueries) > 0 {
		out = append(out, fmt.Sprintf("state cache: query %s is incremental for %d of %d expressions: they are computed per new or changed file and merged with the cached states of the others",
			strings.Join(aggQueries, ", "), merged, len(p.agg.exprs)-len(p.agg.known)))
	}
	for _, why := range sortedKeys(reasons) {
		out = append(out, fmt.Sprintf("state cache: %s read every file: %s", strings.Join(reasons[why], ", "), why))
	}
	if len(others) > 0 {
		word, verb := "queries", "read"
		if len(others) == 1 {
			word, verb = "query", "reads"
		}
		out = append(out, fmt.Sprintf("state cache: %s %s %s every file (not mergeable per file)", word, strings.Join(others, ", "), verb))
	}
	return out
}
