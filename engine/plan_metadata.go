package engine

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dqlabs/dq/engine/parquetstats"
	"github.com/dqlabs/dq/engine/sqlexpr"
	"github.com/dqlabs/dq/engine/statecache"
)

// Answers from Parquet footers.
//
// After planning, every expression of the fused aggregate scan that the
// primary dataset's Parquet footers determine exactly is answered from
// them and left out of the statement; when none is left, the data is not
// read at all. The footers determine:
//
//   - count(*): the row count;
//   - count(c): the row count less c's null count, when every row group
//     has one;
//   - min(c), max(c) of a numeric column: the exact bounds, when every row
//     group with values has them (a FLOAT/DOUBLE maximum never: footers
//     leave NaN out of the bounds and do not count it, and NaN is the
//     largest value for DuckDB and Spark; nor a FLOAT/DOUBLE zero bound,
//     which may be -0.0 or +0.0);
//   - the count of rows where a rule's comparison holds (ColumnValues'
//     >, >=, <, <=, between, = and DataFreshness), when the bounds prove
//     that it holds for every non-NULL value (the count is then count(c))
//     or for none (0). The comparison itself is evaluated by DuckDB on the
//     bounds, so its semantics are exactly the scan's.
//
// The footers are those of local Parquet files or of a Remote source's
// local copies: s3source and gluecatalog fetch the footers first and the
// column chunks only when Evaluate finds a statement that reads them
// (ColumnNeed.Deferred), so a plan answered whole GETs no data. A Glue
// column is answered only when its declared type is the files' own.
//
// Anything filtered by a where clause, and every other aggregate, is
// scanned. An answer is a value the scan would have returned, so results,
// messages and metrics do not change; Options.NoMetadata turns answers off.

// footerFacts are the primary dataset's footer statistics, as the plan's
// columns see them.
type footerFacts struct {
	ds  *parquetstats.Dataset
	rel *relation
	// usable are the relation's columns whose values come unchanged from
	// the files (not converted by a forced type, not a hive partition key).
	usable map[string]bool
	// group, when >= 0, narrows every statistic to that row group (in
	// the order of parquetstats.Column.RowGroups): row-group skipping.
	group int
	// files and read are the local files and the view's body, for reading
	// chosen row groups; "" for Remote copies (no row-group skipping).
	files []string
	read  string
	// now is the run's instant in microseconds (DataFreshness's ages).
	now int64
	// cachedFiles is the number of files whose footers were read
	// through the state cache (footercache.go); 0 when it is off.
	cachedFiles int
	// What load reads: the session, the files, the state cache store
	// (nil: none) and the files' identities there (nil: their own).
	sess   *Session
	source localFiles
	store  *statecache.Store
	ids    []statecache.Identity
}

// rows is the row count of the dataset or of the current row group.
func (ff *footerFacts) rows() int64 {
	if ff.group >= 0 {
		return ff.ds.Spans[ff.group].Rows
	}
	return ff.ds.Rows
}

// readFooters prepares reading the statistics of the primary dataset when
// it is a set of Parquet files, local or a Remote source's local copies
// (whose footers are fetched first, data or not); nil when it is not.
// The footers are read by load, for the columns the plan's expressions
// use only, and not at all when the plan has no expression they could
// answer. With a state cache store, the footers of files it has seen are
// not parsed again (footercache.go).
func readFooters(ctx context.Context, sess *Session, rel *relation, store *statecache.Store) *footerFacts {
	if sess == nil {
		return nil
	}
	lf, ok := sess.sourceFiles[rel.from]
	var ids []statecache.Identity
	if !ok {
		lf, ok = sess.remoteFiles[rel.from]
		// The local copies are new files every run: cached by their
		// objects' identities, when the source gives them.
		if st := sess.remoteStates[rel.from]; slices.Equal(st.files, lf.files) && len(st.ids) == len(lf.files) {
			ids = st.ids
		} else {
			store = nil
		}
	}
	if !ok || lf.format != FormatParquet || len(lf.files) == 0 || rel.caseGroups() != nil {
		return nil
	}
	ff := &footerFacts{rel: rel, usable: map[string]bool{}, group: -1, sess: sess, source: lf, store: store, ids: ids}
	if store != nil {
		ff.cachedFiles = len(lf.files)
	}
	if local, ok := sess.sourceFiles[rel.from]; ok {
		ff.files, ff.read = local.files, local.read
	}
	return ff
}

// load reads the footers' statistics of the columns named (in lower
// case) by keep, and finds which of the relation's columns they speak
// for; false when they cannot be read (answers are an optimisation: the
// scan computes everything they would).
func (ff *footerFacts) load(ctx context.Context, keep map[string]bool) bool {
	lf, sess, rel := ff.source, ff.sess, ff.rel
	keepName := func(name string) bool { return keep[strings.ToLower(name)] }
	ds, err := sess.readParquetFooters(ctx, rel.from, lf.files, ff.ids, ff.store, keepName)
	if err != nil {
		return false
	}
	excluded := map[string]bool{}
	for _, f := range lf.forced {
		excluded[strings.ToLower(f)] = true
	}
	if lf.hive {
		for _, f := range lf.files {
			for _, seg := range strings.Split(filepath.ToSlash(filepath.Dir(f)), "/") {
				if k, _, ok := strings.Cut(seg, "="); ok {
					excluded[strings.ToLower(k)] = true
				}
			}
		}
	}
	// A Glue table's view casts each column to its declared type: the
	// footers speak for the column only where that is the files' own.
	var fileTypes map[string]string
	if lf.declared != nil {
		cols, err := sess.describe(ctx, "(SELECT * FROM "+parquetScanSQL(lf.files)+")")
		if err != nil {
			return false
		}
		fileTypes = map[string]string{}
		for _, c := range cols {
			fileTypes[strings.ToLower(c.Name)] = c.Type
		}
	}
	ff.ds = ds
	for _, c := range rel.columns {
		k := strings.ToLower(c.name)
		if c.orig != "" || excluded[k] || ds.Column(c.name) == nil {
			continue
		}
		if fileTypes != nil && (fileTypes[k] == "" || !strings.EqualFold(fileTypes[k], c.typ) || !strings.EqualFold(lf.declared[k], c.typ)) {
			continue
		}
		ff.usable[c.name] = true
	}
	return true
}

// footerColumns names, in lower case, the columns whose statistics the
// expressions can be answered from: every column they reference, and the
// timestamp of a DataFreshness predicate written as native SQL. A
// column missed here only loses its answers (the scan computes them).
func footerColumns(exprs []expr) map[string]bool {
	out := map[string]bool{}
	var walk func(n sqlexpr.Node)
	all := func(ns []sqlexpr.Node) {
		for _, n := range ns {
			walk(n)
		}
	}
	walk = func(n sqlexpr.Node) {
		switch n := n.(type) {
		case sqlexpr.Col:
			out[strings.ToLower(n.Name)] = true
		case sqlexpr.Agg:
			all(n.Args)
			walk(n.Filter)
		case sqlexpr.Call:
			all(n.Args)
		case sqlexpr.Binary:
			walk(n.L)
			walk(n.R)
		case sqlexpr.Not:
			walk(n.X)
		case sqlexpr.IsNull:
			walk(n.X)
		case sqlexpr.In:
			walk(n.X)
			all(n.List)
		case sqlexpr.Case:
			for _, w := range n.Whens {
				walk(w.Cond)
				walk(w.Then)
			}
			walk(n.Else)
		case sqlexpr.Cast:
			walk(n.X)
		case sqlexpr.Window:
			walk(n.Agg)
			all(n.PartitionBy)
		case sqlexpr.Native:
			if name, _, ok := freshnessColumn(n.SQL); ok {
				out[strings.ToLower(name)] = true
			}
		}
	}
	all(exprs)
	return out
}

// parquetScanSQL reads the files as the views do, by name.
func parquetScanSQL(files []string) string {
	return "read_parquet(" + quoteStringList(files) + ", union_by_name = true)"
}

// answerFromFooters fills the fused scan's expressions that the footers
// determine (see above) and records the rules they serve; then, for the
// expressions left, it plans which row groups the scan can skip
// (planRowGroups).
func (pl *planner) answerFromFooters(ctx context.Context, ff *footerFacts) {
	s := pl.plan.agg
	if ff != nil {
		pl.plan.footerCached = ff.cachedFiles
	}
	if ff == nil || len(s.exprs) == 0 || !ff.load(ctx, footerColumns(s.exprs)) {
		return
	}
	defer func() {
		for i := range s.known {
			for _, u := range s.exprUsers[i] {
				if pl.plan.footer == nil {
					pl.plan.footer = map[string]bool{}
				}
				pl.plan.footer[u] = true
			}
		}
	}()
	ff.now = pl.plan.now.UnixMicro()
	all := make([]int, len(s.exprs))
	for i := range all {
		all[i] = i
	}
	for k, v := range ff.decide(ctx, pl.q, s.exprs, all, []int{-1}) {
		s.answer(k.expr, v.v, v.null)
	}
	pl.planRowGroups(ctx, ff)
}

// verdictKey is an expression over the dataset (group -1) or a row group.
type verdictKey struct{ expr, group int }

// verdict is an expression's value over some rows, as the footers say.
type verdict struct {
	v    float64
	null bool
}

// decide returns the values of the expressions exprs[idx] that the
// footers determine, over the whole dataset (group -1) or each of the row
// groups. Comparisons are evaluated by DuckDB at the bounds, one
// statement per predicate over all its bounds, the statements run
// together (runBoundStatements).
func (ff *footerFacts) decide(ctx context.Context, q querier, exprs []expr, idx, groups []int) map[verdictKey]verdict {
	out := map[verdictKey]verdict{}
	type pending struct {
		k    verdictKey
		cmp  *comparison
		lo   string // SQL of the predicate at the column's minimum
		hi   string // ... at its maximum ("" when unknown)
		nonN float64
	}
	var preds []pending
	defer func() { ff.group = -1 }()
	for _, g := range groups {
		ff.group = g
		for _, i := range idx {
			e := exprs[i]
			k := verdictKey{i, g}
			if v, null, ok := ff.plain(e); ok {
				out[k] = verdict{v, null}
				continue
			}
			cmp := ff.comparison(e, ff.now)
			if cmp == nil {
				continue
			}
			st := cmp.col
			if !st.HasNulls {
				continue
			}
			nonNull := float64(st.Rows - st.Nulls)
			if nonNull == 0 {
				out[k] = verdict{0, false} // no values: the predicate holds nowhere
				continue
			}
			if st.Min == nil {
				continue
			}
			p := pending{k: k, cmp: cmp, nonN: nonNull}
			p.lo = cmp.at(*st.Min)
			if st.Max != nil && !st.NaNPossible {
				p.hi = cmp.at(*st.Max)
			}
			if p.lo == "" {
				continue
			}
			preds = append(preds, p)
		}
	}
	// One statement per predicate evaluates it at every bound: a VALUES
	// list of the bounds, named as the column (scalar subqueries, one per
	// bound, cost DuckDB a planning pass each).
	byPred := map[string][]int{}
	var order []string
	for n, p := range preds {
		key := p.cmp.pred + "\x00" + p.cmp.quoted + "\x00" + p.cmp.c.typ
		if _, ok := byPred[key]; !ok {
			order = append(order, key)
		}
		byPred[key] = append(byPred[key], n)
	}
	lo, hi := make([]int, len(preds)), make([]int, len(preds))
	for n := range preds {
		lo[n], hi[n] = -1, -1
	}
	set := func(i int, b int) {
		if i >= 0 && i/2 < len(preds) {
			if i%2 == 0 {
				lo[i/2] = b
			} else {
				hi[i/2] = b
			}
		}
	}
	stmts := make([]string, len(order))
	for k, key := range order {
		idx := byPred[key]
		first := preds[idx[0]].cmp
		var rows []string
		for _, n := range idx {
			rows = append(rows, fmt.Sprintf("(%d, %s)", 2*n, preds[n].lo))
			if preds[n].hi != "" {
				rows = append(rows, fmt.Sprintf("(%d, %s)", 2*n+1, preds[n].hi))
			}
		}
		stmts[k] = "SELECT __dq_i, " + first.pred + " FROM (VALUES " + strings.Join(rows, ", ") + ") AS __bound(__dq_i, " + first.quoted + ")"
	}
	runBoundStatements(ctx, q, stmts, set, func(k int) {
		for _, n := range byPred[order[k]] {
			lo[n], hi[n] = -2, -2 // unknown: undecided
		}
	}, func(k int) {
		for _, n := range byPred[order[k]] {
			lo[n], hi[n] = -1, -1 // whatever a failed union set
		}
	})
	for n, p := range preds {
		if lo[n] == -2 {
			continue
		}
		hiKnown := p.hi != ""
		always, never := false, false
		switch p.cmp.shape {
		case upSet: // holds from some value up: decided by the minimum for "always"
			always = lo[n] == 1
			never = hiKnown && hi[n] == 0
		case downSet:
			always = hiKnown && hi[n] == 1
			never = lo[n] == 0
		case convex:
			always = hiKnown && lo[n] == 1 && hi[n] == 1
		}
		switch {
		case always:
			out[p.k] = verdict{p.nonN, false}
		case never:
			out[p.k] = verdict{0, false}
		}
	}
	return out
}

// boundStatements is how many statements runBoundStatements joins into one.
const boundStatements = 32

// runBoundStatements runs statements of (index, nullable boolean) rows,
// passing each row to set, joined by UNION ALL boundStatements at a time:
// each statement alone costs a round trip and a planning pass (a
// millisecond, where the rest of a plan from cached footers takes a few).
// When a union fails, reset is called for each of its statements and they
// run one by one, so that a statement DuckDB refuses (failed) leaves the
// others' rows.
func runBoundStatements(ctx context.Context, q querier, stmts []string, set func(i, b int), failed, reset func(k int)) {
	for start := 0; start < len(stmts); start += boundStatements {
		part := stmts[start:min(start+boundStatements, len(stmts))]
		if len(part) > 1 {
			if err := queryIndexedBools(ctx, q, strings.Join(part, " UNION ALL "), set); err == nil {
				continue
			}
			for k := range part {
				reset(start + k)
			}
		}
		for k, stmt := range part {
			if err := queryIndexedBools(ctx, q, stmt, set); err != nil {
				failed(start + k)
			}
		}
	}
}

// queryIndexedBools runs a statement of (index, nullable boolean) rows,
// passing each to set as 1 true, 0 false, -1 NULL.
func queryIndexedBools(ctx context.Context, q querier, query string, set func(i, b int)) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var b *bool
		if err := rows.Scan(&i, &b); err != nil {
			return err
		}
		switch {
		case b == nil:
			set(i, -1)
		case *b:
			set(i, 1)
		default:
			set(i, 0)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// column returns the footer statistics of a column of the relation, or nil
// when its values do not come unchanged from the files.
func (ff *footerFacts) column(name string) (*parquetstats.Column, column) {
	if !ff.usable[name] {
		return nil, column{}
	}
	c, err := ff.rel.lookup(name)
	if err != nil || c.name != name {
		return nil, column{}
	}
	col := ff.ds.Column(name)
	if ff.group >= 0 && col != nil {
		// Files of different Parquet types for the column: a row group's
		// bounds are in its file's type, not the relation's.
		if ff.group >= len(col.RowGroups) || col.Type == "mixed" {
			return nil, column{}
		}
		return &parquetstats.Column{Name: col.Name, Type: col.Type, Stats: col.RowGroups[ff.group], NaNPossible: col.NaNPossible}, c
	}
	return col, c
}

// plain answers count(*), count(c), min(c) and max(c) without a filter.
func (ff *footerFacts) plain(e expr) (v float64, null, ok bool) {
	a, isAgg := e.(sqlexpr.Agg)
	if !isAgg || a.Filter != nil || len(a.Args) != 1 {
		return 0, false, false
	}
	if _, star := a.Args[0].(sqlexpr.Star); star && a.Fn == sqlexpr.Count {
		return float64(ff.rows()), false, true
	}
	arg, isCol := a.Args[0].(sqlexpr.Col)
	if !isCol {
		return 0, false, false
	}
	st, c := ff.column(arg.Name)
	if st == nil {
		return 0, false, false
	}
	switch a.Fn {
	case sqlexpr.Count:
		if st.HasNulls {
			return float64(st.Rows - st.Nulls), false, true
		}
	case sqlexpr.Min, sqlexpr.Max:
		if classify(c.typ) != classNumeric {
			return 0, false, false
		}
		if st.HasNulls && st.Nulls == st.Rows {
			return 0, true, true // every value NULL: the aggregate is NULL
		}
		b := st.Min
		if a.Fn == sqlexpr.Max {
			if st.NaNPossible {
				return 0, false, false
			}
			b = st.Max
		}
		if b == nil || !numericKind(*b) {
			return 0, false, false
		}
		f, ok := b.Float64()
		if f == 0 && b.Kind == parquetstats.Float {
			return 0, false, false // -0.0 or +0.0: the metric would show which
		}
		return f, false, ok
	}
	return 0, false, false
}

func numericKind(v parquetstats.Value) bool {
	switch v.Kind {
	case parquetstats.Int, parquetstats.Uint, parquetstats.Float, parquetstats.Decimal:
		return true
	}
	return false
}

// shape is how a predicate's truth varies along a column's order.
type shape int

const (
	upSet   shape = iota // true from some value upwards (c > x)
	downSet              // true up to some value (c < x)
	convex               // true on an interval (between, =)
)

// comparison is a per-row predicate recognised in a compliance count:
// a comparison of one column with constants, monotone in the column.
type comparison struct {
	pred   string // the predicate as DuckDB SQL
	quoted string // the column as the predicate quotes it
	c      column
	col    *parquetstats.Column
	shape  shape
	// temporal: the predicate reads the column as a timestamp
	// (DataFreshness), so bounds are rendered as timestamps.
	temporal bool
}

// comparison recognises count(*) filtered by a rule's comparison of one
// column with constants, as planColumnValues (numberPredicate on a numeric
// column) and planDataFreshness write them, without a where clause.
func (ff *footerFacts) comparison(e expr, now int64) *comparison {
	a, ok := e.(sqlexpr.Agg)
	if !ok || a.Fn != sqlexpr.Count || len(a.Args) != 1 || a.Filter == nil {
		return nil
	}
	if _, star := a.Args[0].(sqlexpr.Star); !star {
		return nil
	}
	switch p := a.Filter.(type) {
	case sqlexpr.Binary:
		if c := ff.freshnessNode(p); c != nil {
			return c
		}
		name, sh, ok := valueComparison(p)
		if !ok {
			return nil
		}
		st, c := ff.column(name)
		if st == nil || classify(c.typ) != classNumeric {
			return nil
		}
		return &comparison{pred: duck(p), quoted: QuoteIdent(name), c: c, col: st, shape: sh}
	case sqlexpr.Native:
		return ff.freshness(p.SQL, now)
	}
	return nil
}

// valueComparison matches col OP number (OP one of > >= < <= =) and
// col > a AND col < b (numberPredicate's between).
func valueComparison(p sqlexpr.Binary) (name string, sh shape, ok bool) {
	side := func(b sqlexpr.Binary) (string, bool) {
		c, isCol := b.L.(sqlexpr.Col)
		_, isNum := b.R.(sqlexpr.Num)
		return c.Name, isCol && isNum
	}
	switch p.Op {
	case sqlexpr.Gt, sqlexpr.Ge:
		name, ok = side(p)
		return name, upSet, ok
	case sqlexpr.Lt, sqlexpr.Le:
		name, ok = side(p)
		return name, downSet, ok
	case sqlexpr.Eq:
		name, ok = side(p)
		return name, convex, ok
	case sqlexpr.And:
		l, ok1 := p.L.(sqlexpr.Binary)
		r, ok2 := p.R.(sqlexpr.Binary)
		if !ok1 || !ok2 || l.Op != sqlexpr.Gt || r.Op != sqlexpr.Lt {
			return "", 0, false
		}
		ln, okl := side(l)
		rn, okr := side(r)
		return ln, convex, okl && okr && ln == rn
	}
	return "", 0, false
}

// freshnessNode recognises DataFreshness's predicate on a timestamp or
// date column, ts IS NOT NULL AND (age OP x), age = hours_since(now, ts),
// ts the column or (a DATE) its cast to TIMESTAMP.
func (ff *footerFacts) freshnessNode(p sqlexpr.Binary) *comparison {
	nn, ok := p.L.(sqlexpr.IsNull)
	if p.Op != sqlexpr.And || !ok || !nn.Negate {
		return nil
	}
	ts := nn.X
	castDate := false
	if c, ok := ts.(sqlexpr.Cast); ok && c.To == sqlexpr.Timestamp && !c.Try {
		ts, castDate = c.X, true
	}
	cn, ok := ts.(sqlexpr.Col)
	if !ok {
		return nil
	}
	st, c := ff.column(cn.Name)
	if st == nil {
		return nil
	}
	cls := classify(c.typ)
	if castDate != (cls == classDate) || !(cls == classDate || cls == classTimestamp || cls == classTimestampTZ) {
		return nil
	}
	isAge := func(n sqlexpr.Node) bool {
		a, ok := n.(sqlexpr.Call)
		return ok && a.Fn == sqlexpr.HoursSince && len(a.Args) == 2 && a.Args[1] == nn.X
	}
	cmpAge := func(n sqlexpr.Node) (sqlexpr.Op, bool) {
		b, ok := n.(sqlexpr.Binary)
		if !ok || !isAge(b.L) {
			return "", false
		}
		_, isNum := b.R.(sqlexpr.Num)
		return b.Op, isNum
	}
	var sh shape
	if op, ok := cmpAge(p.R); ok {
		switch op {
		case sqlexpr.Gt, sqlexpr.Ge:
			sh = 1 - upSet // the age falls as the timestamp rises
		case sqlexpr.Lt, sqlexpr.Le:
			sh = 1 - downSet
		case sqlexpr.Eq:
			sh = convex
		default:
			return nil
		}
	} else {
		b, ok := p.R.(sqlexpr.Binary)
		if !ok || b.Op != sqlexpr.And {
			return nil
		}
		lo, ok1 := cmpAge(b.L)
		hi, ok2 := cmpAge(b.R)
		if !ok1 || !ok2 || lo != sqlexpr.Gt || hi != sqlexpr.Lt {
			return nil
		}
		sh = convex
	}
	return &comparison{pred: duck(p), quoted: QuoteIdent(cn.Name), c: c, col: st, shape: sh, temporal: true}
}

// freshness recognises DataFreshness's predicate on a timestamp or date
// column (native SQL: timestamp arithmetic), "(ts IS NOT NULL AND (age OP
// x))" with age = round((now - epoch_us(ts)) / 3600000000.0, 2).
func (ff *footerFacts) freshness(text string, now int64) *comparison {
	if !strings.HasPrefix(text, "(") || !strings.HasSuffix(text, ")") {
		return nil
	}
	pred := text[1 : len(text)-1]
	name, castDate, ok := freshnessColumn(text)
	if !ok {
		return nil
	}
	quoted := QuoteIdent(name)
	st, c := ff.column(name)
	if st == nil {
		return nil
	}
	cls := classify(c.typ)
	if !(cls == classTimestamp || cls == classTimestampTZ || (cls == classDate && castDate)) || (castDate && cls != classDate) {
		return nil
	}
	ts := quoted
	if castDate {
		ts = "CAST(" + quoted + " AS TIMESTAMP)"
	}
	head := ts + " IS NOT NULL AND ("
	if !strings.HasPrefix(pred, head) || !strings.HasSuffix(pred, ")") {
		return nil
	}
	age := fmt.Sprintf("round((%d - epoch_us(%s)) / 3600000000.0, 2)", now, ts)
	sh, ok := comparisonShape(pred[len(head):len(pred)-1], age, true)
	if !ok {
		return nil
	}
	return &comparison{pred: text, quoted: quoted, c: c, col: st, shape: sh, temporal: true}
}

// freshnessColumn is the column of freshness's predicate text: "(ts ..."
// or "(CAST(ts ..." (castDate), ts a quoted identifier.
func freshnessColumn(text string) (name string, castDate, ok bool) {
	if !strings.HasPrefix(text, "(") || !strings.HasSuffix(text, ")") {
		return "", false, false
	}
	pred := text[1 : len(text)-1]
	quoted, _, ok := cutIdent(pred)
	if !ok && strings.HasPrefix(pred, "CAST(") {
		quoted, _, ok = cutIdent(pred[len("CAST("):])
		castDate = true
	}
	if !ok {
		return "", false, false
	}
	if name, ok = unquoteIdent(quoted); !ok || QuoteIdent(name) != quoted {
		return "", false, false
	}
	return name, castDate, true
}

// comparisonShape matches "v OP lit" or "v > lit AND v < lit"
// (numberPredicateSQL's forms) and says how its truth varies with the
// column; decreasing says v falls as the column rises (a row's age against
// its timestamp).
func comparisonShape(p, v string, decreasing bool) (shape, bool) {
	rest, ok := strings.CutPrefix(p, v+" ")
	if !ok {
		return 0, false
	}
	op, rest, ok := strings.Cut(rest, " ")
	if !ok {
		return 0, false
	}
	lit, tail, _ := strings.Cut(rest, " ")
	if !isNumberToken(lit) {
		return 0, false
	}
	if tail != "" {
		// between: v > a AND v < b
		t, ok := strings.CutPrefix(tail, "AND "+v+" < ")
		if op != ">" || !ok || !isNumberToken(t) {
			return 0, false
		}
		return convex, true
	}
	var sh shape
	switch op {
	case ">", ">=":
		sh = upSet
	case "<", "<=":
		sh = downSet
	case "=":
		return convex, true
	default:
		return 0, false
	}
	if decreasing {
		sh = 1 - sh
	}
	return sh, true
}

// isNumberToken accepts numLiteral's plain renderings (integers, decimals
// with exponents); CAST(...) forms have spaces and are not matched.
func isNumberToken(s string) bool {
	if s == "" {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil && !strings.ContainsAny(s, "()nNiI")
}

// at renders one value of the predicate's column as a literal of the
// column's type; "" when it cannot.
func (cmp *comparison) at(v parquetstats.Value) string {
	lit := ""
	typ := cmp.c.typ
	switch {
	case cmp.temporal:
		us, ok := v.Micros()
		if !ok {
			return ""
		}
		switch classify(typ) {
		case classTimestamp:
			if strings.ToUpper(typ) != "TIMESTAMP" {
				return "" // TIMESTAMP_NS, _MS, _S: other resolutions
			}
			lit = fmt.Sprintf("make_timestamp(%d)", us)
		case classTimestampTZ:
			lit = fmt.Sprintf("timezone('UTC', make_timestamp(%d))", us)
		case classDate:
			lit = fmt.Sprintf("CAST(make_timestamp(%d) AS DATE)", us)
		}
	default:
		switch v.Kind {
		case parquetstats.Int:
			lit = strconv.FormatInt(v.Int, 10)
		case parquetstats.Uint:
			lit = strconv.FormatUint(v.Uint, 10)
		case parquetstats.Float:
			lit = strconv.FormatFloat(v.Float, 'g', -1, 64)
		case parquetstats.Decimal:
			lit = decimalText(v.Int, int(v.Scale))
		default:
			return ""
		}
		lit = "CAST(" + QuoteString(lit) + " AS " + typ + ")"
	}
	return lit
}

// decimalText writes an unscaled integer with scale digits after the point.
func decimalText(unscaled int64, scale int) string {
	neg := unscaled < 0
	u := strconv.FormatUint(absInt(unscaled), 10)
	if scale > 0 {
		for len(u) <= scale {
			u = "0" + u
		}
		u = u[:len(u)-scale] + "." + u[len(u)-scale:]
	}
	if neg {
		u = "-" + u
	}
	return u
}

func absInt(x int64) uint64 {
	if x < 0 {
		return uint64(-(x + 1)) + 1
	}
	return uint64(x)
}

// cutIdent reads a "double-quoted" identifier at the start of s.
func cutIdent(s string) (quoted, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", false
	}
	for i := 1; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		if i+1 < len(s) && s[i+1] == '"' {
			i++
			continue
		}
		return s[:i+1], s[i+1:], true
	}
	return "", "", false
}

// unquoteIdent is the name a whole "double-quoted" identifier denotes.
func unquoteIdent(s string) (string, bool) {
	q, rest, ok := cutIdent(s)
	if !ok || rest != "" {
		return "", false
	}
	return strings.ReplaceAll(q[1:len(q)-1], `""`, `"`), true
}

// answer records expression i's value, known without the scan.
func (s *scan) answer(i int, v float64, null bool) {
	if s.known == nil {
		s.known = map[int]sql.NullFloat64{}
	}
	s.known[i] = sql.NullFloat64{Float64: v, Valid: !null}
}
