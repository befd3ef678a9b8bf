package engine

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/dqlabs/dq/engine/sqlexpr"
	"github.com/dqlabs/dq/engine/statecache"
)

// This file decides which expressions of the fused aggregate scan the state
// cache can compute per file and merge (see incremental.go), and how.
//
// The expressions are recognised from their SQL text, conservatively: an
// expression is mergeable only when it is exactly one call of count, sum,
// avg, min, max, var_pop, stddev_pop or corr (or the NaN guard nonFinite
// wraps around the last three), whose arguments read only the row at hand.
// Anything else is computed over the whole dataset as before.

// mergeExpr is how one scan expression is computed from per-file states.
type mergeExpr struct {
	comps []*component
	// finish turns the merged states of comps (in order) into the value of
	// CAST(expr AS DOUBLE); ok false means the merge cannot reproduce
	// DuckDB's answer (an overflow DuckDB reports as an error, a type whose
	// order a DOUBLE does not keep), and the expression is computed over
	// the whole dataset instead.
	finish func(st []statecache.State) (v sql.NullFloat64, ok bool)
}

// component is one per-file state: the aggregates computing it over one
// file, and its kind. Components are shared between expressions by key
// (count(*) serves many rules).
type component struct {
	kind statecache.Kind
	fn   string // the aggregate: count, sum, min, max, var_pop (moments), corr (co-moments)
	args string // its argument list as written
	// typ is DuckDB's result type of fn(args), for sum, min and max: it
	// decides how sums are fetched (exact text or DOUBLE) and whether an
	// extreme survives the cast to DOUBLE.
	typ string
}

// key is the component's identity in the cache: its kind and SQL.
func (c *component) key() string { return c.kind.String() + ":" + c.fn + "(" + c.args + ")" }

// stateItem is one column of a per-file state query and how its value
// reads back into the states of the components it computes: one, or the
// sum and the count of the same values.
type stateItem struct {
	sql   string
	comps []*component
	// exported says the column is an aggregate's exported state, whose
	// layout the probe checks (exportProbe).
	exported bool
	// dst is a fresh scan target for the column; states reads the
	// scanned value into the states of comps, in order.
	dst    func() any
	states func(v any) ([]statecache.State, error)
}

// stateItems are the columns computing comps, each component once.
//
// Moments, co-moments, and a floating sum with the count of the same
// values are each read as one aggregate's state, exported as DuckDB keeps
// it (EXPORT_STATE): var_pop keeps (n, mean, M2), corr keeps the
// co-moments and both variables' (n, mean, M2), avg keeps (n, sum). One
// aggregate replaces three (count, avg, var_pop), six (regr_count,
// regr_avgx, regr_avgy, regr_sxx, regr_syy, regr_sxy) or two (sum,
// count): each aggregate is a pass over the file's values, and these
// were most of the state query's cost. The states are DuckDB's own
// accumulators, the very numbers its finalizers divide; no sum of squares
// is formed.
func stateItems(comps []*component) []stateItem {
	// A floating sum pairs with the count of the same values, which avg's
	// state holds; an exact (integer, decimal) sum is read as text.
	counts := map[string]*component{}
	for _, c := range comps {
		if c.kind == statecache.KindCount {
			counts[c.args] = c
		}
	}
	paired := map[*component]*component{} // count -> its sum
	for _, c := range comps {
		if cnt := counts[c.args]; c.kind == statecache.KindSum && c.typ == "DOUBLE" && cnt != nil && paired[cnt] == nil {
			paired[cnt] = c
		}
	}
	sumOf := map[*component]*component{}
	for cnt, sum := range paired {
		sumOf[sum] = cnt
	}
	var out []stateItem
	for _, c := range comps {
		if paired[c] != nil {
			continue // read with its sum
		}
		a := c.args
		switch {
		case sumOf[c] != nil:
			out = append(out, stateItem{sql: exportSQL("avg", a), comps: []*component{c, sumOf[c]}, exported: true, dst: newBlob, states: readAvgState})
		case c.kind == statecache.KindMoments:
			out = append(out, stateItem{sql: exportSQL("var_pop", a), comps: []*component{c}, exported: true, dst: newBlob, states: readMomentsState})
		case c.kind == statecache.KindCoMoments:
			out = append(out, stateItem{sql: exportSQL("corr", a), comps: []*component{c}, exported: true, dst: newBlob, states: readCorrState})
		case c.kind == statecache.KindCount:
			out = append(out, stateItem{sql: "CAST(count(" + a + ") AS BIGINT)", comps: []*component{c},
				dst: func() any { return new(sql.NullInt64) },
				states: func(v any) ([]statecache.State, error) {
					return []statecache.State{{Kind: statecache.KindCount, N: v.(*sql.NullInt64).Int64}}, nil
				}})
		case c.kind == statecache.KindSum && exactSumType(c.typ):
			out = append(out, stateItem{sql: "CAST(sum(" + a + ") AS VARCHAR)", comps: []*component{c},
				dst: func() any { return new(sql.NullString) },
				states: func(v any) ([]statecache.State, error) {
					s := v.(*sql.NullString)
					st, err := statecache.SumOf(s.String, !s.Valid)
					return []statecache.State{st}, err
				}})
		case c.kind == statecache.KindSum:
			out = append(out, stateItem{sql: "CAST(sum(" + a + ") AS DOUBLE)", comps: []*component{c},
				dst: func() any { return new(sql.NullFloat64) },
				states: func(v any) ([]statecache.State, error) {
					st := statecache.New(statecache.KindSum)
					if f := v.(*sql.NullFloat64); f.Valid {
						st.Add(f.Float64)
					}
					return []statecache.State{st}, nil
				}})
		case c.kind == statecache.KindMin || c.kind == statecache.KindMax:
			kind := c.kind
			out = append(out, stateItem{sql: "CAST(" + c.fn + "(" + a + ") AS DOUBLE)", comps: []*component{c},
				dst: func() any { return new(sql.NullFloat64) },
				states: func(v any) ([]statecache.State, error) {
					f := v.(*sql.NullFloat64)
					return []statecache.State{statecache.ExtremeOf(kind, f.Float64, !f.Valid)}, nil
				}})
		}
	}
	return out
}

// exportSQL is fn(args)'s state as a BLOB: DuckDB's accumulator struct,
// in the machine's byte order.
func exportSQL(fn, args string) string {
	return "CAST(" + fn + "(" + args + ") EXPORT_STATE AS BLOB)"
}

func newBlob() any { return new([]byte) }

// The exported states' layouts: DuckDB's AvgState<double> {count uint64,
// value double}, StddevState {count uint64, mean, dsquared double} (var_pop)
// and CorrState {CovarState {count uint64, meanx, meany, co_moment double},
// StddevState dev_pop_x, StddevState dev_pop_y}, where corr(y, x) names its
// second argument x. They are not a documented interface (later DuckDB
// versions export them as STRUCTs with these fields), so the first
// statement reading them in a scope also reads exportProbe, the states of
// known values, and fails when they do not decode to what they must: the
// run then computes the expressions over the whole dataset, as for any
// failed state query. A state of another size fails any statement.
const (
	avgStateWords  = 2
	varStateWords  = 3
	corrStateWords = 4 + 2*varStateWords
)

// stateWords splits an exported state into its n 8-byte words.
func stateWords(v any, n int, fn string) ([]uint64, error) {
	b := *v.(*[]byte)
	if len(b) != 8*n {
		return nil, fmt.Errorf("state cache: DuckDB exported a %s state of %d bytes, not %d: its layout is unknown to this dq", fn, len(b), 8*n)
	}
	w := make([]uint64, n)
	for i := range w {
		w[i] = binary.NativeEndian.Uint64(b[8*i:])
	}
	return w, nil
}

func wordFloat(w uint64) float64 { return math.Float64frombits(w) }

// readAvgState reads avg's state as the states of the sum and the count
// of its values (stateItems pairs them in that order).
func readAvgState(v any) ([]statecache.State, error) {
	w, err := stateWords(v, avgStateWords, "avg")
	if err != nil {
		return nil, err
	}
	sum := statecache.New(statecache.KindSum)
	if w[0] > 0 {
		sum.Add(wordFloat(w[1]))
	}
	return []statecache.State{sum, {Kind: statecache.KindCount, N: int64(w[0])}}, nil
}

func readMomentsState(v any) ([]statecache.State, error) {
	w, err := stateWords(v, varStateWords, "var_pop")
	if err != nil {
		return nil, err
	}
	if w[0] == 0 {
		return []statecache.State{statecache.New(statecache.KindMoments)}, nil
	}
	return []statecache.State{{Kind: statecache.KindMoments, N: int64(w[0]), MeanX: wordFloat(w[1]), M2X: wordFloat(w[2])}}, nil
}

// readCorrState reads corr(a, b)'s state as co-moments oriented as
// regr_avgx(a, b) and the other regr_ aggregates are: X is b.
func readCorrState(v any) ([]statecache.State, error) {
	w, err := stateWords(v, corrStateWords, "corr")
	if err != nil {
		return nil, err
	}
	if w[4] != w[0] || w[7] != w[0] {
		return nil, fmt.Errorf("state cache: DuckDB exported a corr state whose counts differ (%d, %d, %d): its layout is unknown to this dq", w[0], w[4], w[7])
	}
	if w[0] == 0 {
		return []statecache.State{statecache.New(statecache.KindCoMoments)}, nil
	}
	return []statecache.State{{Kind: statecache.KindCoMoments, N: int64(w[0]),
		MeanX: wordFloat(w[1]), MeanY: wordFloat(w[2]), Cxy: wordFloat(w[3]),
		M2X: wordFloat(w[6]), M2Y: wordFloat(w[9])}}, nil
}

// exportProbe is a column added to a state query reading exported states
// until the probe has passed once in the dataset's scope (which names the
// DuckDB version; exportsVerified): the states of avg, var_pop and corr
// over values whose states are exact in any order of accumulation,
// concatenated. checkExportProbe decodes them as the state query's
// columns are decoded.
const exportProbe = "(SELECT CAST(avg(a) EXPORT_STATE AS BLOB) || CAST(var_pop(a) EXPORT_STATE AS BLOB) || CAST(corr(a, b) EXPORT_STATE AS BLOB)" +
	" FROM (VALUES (1.0::DOUBLE, 2.0::DOUBLE), (3.0, 6.0), (NULL, 5.0), (5.0, NULL)) AS __dq_probe(a, b))"

// The state cache keeps the probe's bytes once they passed, per scope.
const (
	exportProbeID    statecache.Identity = "dq\x00exported aggregate states"
	exportProbeScope                     = "export probe 1\x00"
)

// exportsVerified says whether the probe passed in an earlier run in
// inc's scope: the same DuckDB version exports states in the same layout.
func (inc *incremental) exportsVerified() bool {
	b := inc.store.GetBytes(exportProbeID, exportProbeScope+inc.scope)
	return b != nil && checkExportProbe(b) == nil
}

// checkExportProbe says whether the exported states of exportProbe's
// values are their known states, word for word, and decode to them: a =
// 1, 3, 5 (count 3, sum 9, mean 3, M2 8); the pairs (a, b) = (1, 2),
// (3, 6) (b: mean 4, M2 8; a: mean 2, M2 2; co-moment 4).
func checkExportProbe(b []byte) error {
	bad := fmt.Errorf("state cache: DuckDB's exported aggregate states (%d bytes for the probe's) do not have the layout this dq reads", len(b))
	f := math.Float64bits
	want := []uint64{
		3, f(9), // avg(a)
		3, f(3), f(8), // var_pop(a)
		2, f(4), f(2), f(4), // corr(a, b): count, mean b, mean a, co-moment
		2, f(4), f(8), // b's variance
		2, f(2), f(2), // a's
	}
	w, err := stateWords(&b, len(want), "probe")
	if err != nil || !slices.Equal(w, want) {
		return bad
	}
	part := func(words int) *[]byte {
		p := b[:8*words]
		b = b[8*words:]
		return &p
	}
	avg, err1 := readAvgState(part(avgStateWords))
	mom, err2 := readMomentsState(part(varStateWords))
	co, err3 := readCorrState(part(corrStateWords))
	if err1 != nil || err2 != nil || err3 != nil {
		return bad
	}
	if v, _ := avg[0].SumValue(); v != 9 || avg[1].N != 3 {
		return bad
	}
	if m := mom[0]; m.N != 3 || m.MeanX != 3 || m.M2X != 8 {
		return bad
	}
	if c := co[0]; c.N != 2 || c.MeanX != 4 || c.M2X != 8 || c.MeanY != 2 || c.M2Y != 2 || c.Cxy != 4 {
		return bad
	}
	return nil
}

// exactSumType says whether a sum of this DuckDB type is exact (integers,
// decimals), so that per-file sums are fetched as text and added exactly.
func exactSumType(t string) bool {
	t = strings.ToUpper(t)
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT":
		return true
	}
	return strings.HasPrefix(t, "DECIMAL")
}

// monotoneToDouble says whether CAST(x AS DOUBLE) keeps the order of a
// type's values, so that the DOUBLE of the minimum of per-file minima is
// the DOUBLE of the overall minimum. Text is ordered differently than its
// numbers; dates do not cast.
func monotoneToDouble(t string) bool {
	t = strings.ToUpper(t)
	return exactSumType(t) || t == "DOUBLE" || t == "FLOAT" || t == "BOOLEAN"
}

// volatileSQL matches functions whose value depends on more than the row:
// the clock, randomness, sequences, settings. DataFreshness renders the
// run instant as a literal against epoch_us, so its text changes every
// minute; it is rescanned rather than cached under a key never used again.
var volatileSQL = regexp.MustCompile(`(?i)\b(now|today|random|setseed|uuid|uuidv4|uuidv7|gen_random_uuid|nextval|currval|getenv|getvariable|current_setting|current_\w+|get_current_\w+|transaction_timestamp|localtime|localtimestamp|epoch_us)\b`)

// otherRowsSQL matches what makes a row's contribution depend on other rows
// or other data: subqueries (which may read this very dataset, or a
// reference that changes without this dataset changing) and windows.
var otherRowsSQL = regexp.MustCompile(`(?i)\b(select|over|from)\b`)

// classifyAggregate returns how expr is merged from per-file states, or nil
// and why it is not.
func classifyAggregate(expr string) (*mergeExpr, string) {
	switch {
	case otherRowsSQL.MatchString(expr):
		return nil, "reads other rows or data (a subquery or window)"
	case volatileSQL.MatchString(expr):
		return nil, "depends on the run instant or other state"
	}
	if guard, inner, ok := nanGuarded(expr); ok {
		g, why := plainAggregate(guard)
		if g == nil || g.comps[0].kind != statecache.KindCount {
			return nil, why
		}
		m, why := plainAggregate(inner)
		if m == nil {
			return nil, why
		}
		// The rows the guard counts, when it is nonFinite's: from the
		// count of the rows with no NULL among the guarded values, less
		// those the aggregate took (its state's N).
		bad := func(st []statecache.State) int64 { return st[0].Count() }
		if cnt, ok := notNullCount(expr, inner); ok {
			if c, _ := plainAggregate(cnt); c != nil && c.comps[0].kind == statecache.KindCount {
				g = c
				bad = func(st []statecache.State) int64 { return st[0].Count() - st[1].N }
			}
		}
		return &mergeExpr{comps: append([]*component{g.comps[0]}, m.comps...), finish: func(st []statecache.State) (sql.NullFloat64, bool) {
			// DuckDB computes the guarded aggregate whatever the guard
			// says: its overflow is an error even where the guard gives
			// NaN.
			v, ok := m.finish(st[1:])
			if ok && bad(st) > 0 {
				return sql.NullFloat64{Float64: math.NaN(), Valid: true}, true
			}
			return v, ok
		}}, ""
	}
	return plainAggregate(expr)
}

// notNullCount returns, for guarded in nonFinite's form (a moment aggregate
// of a where clause's rows whose values are all finite, guarded by the
// count of the where clause's rows with no NULL value but a non-finite
// one), the count of the where clause's rows with no NULL value. The
// guard's count is that count less the aggregate's number of values
// (finite values are not NULL), and that count is cheaper: a plain
// count(x) for one value, and for a correlation the count of pairs its
// rule already counts, where the guard evaluates isfinite for every row.
//
// guarded is taken apart as nonFinite builds it, and taken only when
// nonFinite renders the parts back into exactly guarded: the same text is
// the same computation.
func notNullCount(guarded, inner string) (string, bool) {
	open := strings.IndexByte(inner, '(')
	if open <= 0 || !strings.HasSuffix(inner, ")") {
		return "", false
	}
	fn := map[string]sqlexpr.Func{"var_pop": sqlexpr.VarPop, "stddev_pop": sqlexpr.StddevPop, "corr": sqlexpr.Corr}[inner[:open]]
	if fn == "" {
		return "", false
	}
	// Each argument is CASE WHEN <cond> THEN <value> END, cond the same.
	var cond string
	var vals []expr
	for i, a := range splitArgs(inner[open+1 : len(inner)-1]) {
		a = strings.TrimSpace(a)
		const pre, suf = "CASE WHEN ", " END"
		if !strings.HasPrefix(a, pre) || !strings.HasSuffix(a, suf) {
			return "", false
		}
		body := a[len(pre) : len(a)-len(suf)]
		// cond is parenthesised, or one call (isfinite(...)).
		end := matchParen(body, strings.IndexByte(body, '('))
		if end < 0 || !strings.HasPrefix(body[end+1:], " THEN ") {
			return "", false
		}
		if c := body[:end+1]; i == 0 {
			cond = c
		} else if c != cond {
			return "", false
		}
		vals = append(vals, native(body[end+1+len(" THEN "):], "a guarded value"))
	}
	// The where clause, if any, is cond's first parenthesised term.
	wheres := []expr{nil}
	if strings.HasPrefix(cond, "((") {
		if end := matchParen(cond, 1); end > 0 {
			wheres = append(wheres, native(cond[1:end+1], "a where clause"))
		}
	}
	for _, w := range wheres {
		if duck(nonFinite(fn, w, vals...)) != guarded {
			continue
		}
		if len(vals) == 1 {
			return duck(aggr(sqlexpr.Count, vals[0], w)), true
		}
		var nn []expr
		for _, v := range vals {
			nn = append(nn, isNotNull(v))
		}
		return duck(countRows(w, and(nn...))), true
	}
	return "", false
}

// nanGuarded splits nonFinite's form, CASE WHEN (<count> > 0) THEN
// CAST('NaN' AS DOUBLE) ELSE <aggregate> END (the condition's parentheses
// optional).
func nanGuarded(expr string) (guard, inner string, ok bool) {
	const pre, mid, suf = "CASE WHEN ", " THEN CAST('NaN' AS DOUBLE) ELSE ", " END"
	if !strings.HasPrefix(expr, pre) || !strings.HasSuffix(expr, suf) {
		return "", "", false
	}
	body := expr[len(pre) : len(expr)-len(suf)]
	cond, rest := body, ""
	if strings.HasPrefix(body, "(") && !strings.HasPrefix(body, "((") {
		end := matchParen(body, 0)
		if end < 0 {
			return "", "", false
		}
		cond, rest = body[1:end], body[end+1:]
		if !strings.HasPrefix(rest, mid) {
			return "", "", false
		}
	}
	// The guard is one call; its closing parenthesis ends it.
	end := matchParen(cond, strings.IndexByte(cond, '('))
	if end < 0 || !strings.HasPrefix(cond[end+1:], " > 0") {
		return "", "", false
	}
	guard = cond[:end+1]
	if rest == "" {
		if !strings.HasPrefix(cond[end+1:], " > 0"+mid) {
			return "", "", false
		}
		return guard, cond[end+1+len(" > 0"+mid):], true
	}
	if cond[end+1:] != " > 0" {
		return "", "", false
	}
	return guard, rest[len(mid):], true
}

// plainAggregate recognises one aggregate call fn(args) spanning expr.
func plainAggregate(expr string) (*mergeExpr, string) {
	open := strings.IndexByte(expr, '(')
	if open <= 0 || matchParen(expr, open) != len(expr)-1 {
		return nil, "not a single aggregate call"
	}
	fn := strings.ToLower(strings.TrimSpace(expr[:open]))
	args := expr[open+1 : len(expr)-1]
	if a := strings.ToUpper(strings.TrimSpace(args)); strings.HasPrefix(a, "DISTINCT ") || strings.HasPrefix(a, "DISTINCT(") {
		return nil, "a distinct aggregate"
	}
	if strings.Contains(strings.ToUpper(args), " ORDER BY ") {
		return nil, "an ordered aggregate"
	}
	nargs := len(splitArgs(args))
	one := func(k statecache.Kind, fin func(statecache.State) (sql.NullFloat64, bool)) (*mergeExpr, string) {
		c := &component{kind: k, fn: fn, args: args}
		return &mergeExpr{comps: []*component{c}, finish: func(st []statecache.State) (sql.NullFloat64, bool) { return fin(st[0]) }}, ""
	}
	switch {
	case fn == "count" && nargs == 1:
		return one(statecache.KindCount, func(s statecache.State) (sql.NullFloat64, bool) {
			return sql.NullFloat64{Float64: float64(s.Count()), Valid: true}, true
		})
	case fn == "sum" && nargs == 1:
		return one(statecache.KindSum, finishSum)
	case (fn == "min" || fn == "max") && nargs == 1:
		k := statecache.KindMin
		if fn == "max" {
			k = statecache.KindMax
		}
		return one(k, func(s statecache.State) (sql.NullFloat64, bool) {
			v, ok := s.Extreme()
			return sql.NullFloat64{Float64: v, Valid: ok}, true
		})
	case fn == "avg" && nargs == 1:
		sum := &component{kind: statecache.KindSum, fn: "sum", args: args}
		cnt := &component{kind: statecache.KindCount, fn: "count", args: args}
		return &mergeExpr{comps: []*component{sum, cnt}, finish: func(st []statecache.State) (sql.NullFloat64, bool) {
			n := st[1].Count()
			if n == 0 {
				return sql.NullFloat64{}, true
			}
			return finishAvg(st[0], n)
		}}, ""
	case (fn == "var_pop" || fn == "stddev_pop") && nargs == 1:
		c := &component{kind: statecache.KindMoments, fn: "var_pop", args: args}
		return &mergeExpr{comps: []*component{c}, finish: func(st []statecache.State) (sql.NullFloat64, bool) {
			v, ok := st[0].VarPop()
			if fn == "stddev_pop" {
				v, ok = st[0].StddevPop()
			}
			// DuckDB reports a variance that overflows as an error.
			return sql.NullFloat64{Float64: v, Valid: ok}, !ok || !math.IsInf(v, 0) && !math.IsNaN(v)
		}}, ""
	case fn == "corr" && nargs == 2:
		c := &component{kind: statecache.KindCoMoments, fn: "corr", args: args}
		return &mergeExpr{comps: []*component{c}, finish: func(st []statecache.State) (sql.NullFloat64, bool) {
			s := st[0]
			if math.IsInf(s.M2X, 0) || math.IsInf(s.M2Y, 0) || math.IsNaN(s.M2X) || math.IsNaN(s.M2Y) || math.IsInf(s.Cxy, 0) {
				return sql.NullFloat64{}, false // DuckDB: "STDDEV_POP ... is out of range"
			}
			v, ok := s.Corr()
			return sql.NullFloat64{Float64: v, Valid: ok}, true
		}}, ""
	}
	return nil, "not an aggregate the state cache merges (" + fn + ")"
}

// maxExactSum bounds exact sums the merge hands back: DuckDB's HUGEINT and
// DECIMAL(38) sums raise an overflow error beyond about 1.7e38, which only
// a rescan reproduces.
var maxExactSum = new(big.Rat).SetFloat64(1e37)

func finishSum(s statecache.State) (sql.NullFloat64, bool) {
	v, ok := s.SumValue()
	if s.Sum != nil && new(big.Rat).Abs(s.Sum).Cmp(maxExactSum) > 0 {
		return sql.NullFloat64{}, false
	}
	return sql.NullFloat64{Float64: v, Valid: ok}, true
}

// finishAvg divides the exact sum by the count, rounding once.
func finishAvg(s statecache.State, n int64) (sql.NullFloat64, bool) {
	v, ok := s.SumValue()
	if !ok {
		return sql.NullFloat64{}, true
	}
	if math.IsInf(v, 0) || math.IsNaN(v) || s.Sum == nil {
		return sql.NullFloat64{Float64: v / float64(n), Valid: true}, true
	}
	q := new(big.Rat).Quo(s.Sum, new(big.Rat).SetInt64(n))
	f, _ := q.Float64()
	return sql.NullFloat64{Float64: f, Valid: true}, true
}

// matchParen returns the index of the parenthesis closing the one at open,
// skipping 'string literals' and "quoted identifiers"; -1 if none.
func matchParen(s string, open int) int {
	if open < 0 || open >= len(s) || s[open] != '(' {
		return -1
	}
	depth := 0
	for i := open; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"':
			i = quotedEnd(s, i)
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
