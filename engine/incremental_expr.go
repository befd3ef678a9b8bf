package engine

import (
	"database/sql"
	"math"
	"math/big"
	"regexp"
	"strings"

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

// selects are the per-file aggregates computing the component.
func (c *component) selects() []string {
	a := c.args
	switch c.kind {
	case statecache.KindCount:
		return []string{"CAST(count(" + a + ") AS BIGINT)"}
	case statecache.KindSum:
		if exactSumType(c.typ) {
			return []string{"CAST(sum(" + a + ") AS VARCHAR)"}
		}
		return []string{"CAST(sum(" + a + ") AS DOUBLE)"}
	case statecache.KindMin, statecache.KindMax:
		return []string{"CAST(" + c.fn + "(" + a + ") AS DOUBLE)"}
	case statecache.KindMoments:
		return []string{"CAST(count(" + a + ") AS BIGINT)", "CAST(avg(" + a + ") AS DOUBLE)", "CAST(var_pop(" + a + ") AS DOUBLE)"}
	case statecache.KindCoMoments:
		out := []string{"CAST(regr_count(" + a + ") AS BIGINT)"}
		for _, f := range []string{"regr_avgx", "regr_avgy", "regr_sxx", "regr_syy", "regr_sxy"} {
			out = append(out, "CAST("+f+"("+a+") AS DOUBLE)")
		}
		return out
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
		return &mergeExpr{comps: append([]*component{g.comps[0]}, m.comps...), finish: func(st []statecache.State) (sql.NullFloat64, bool) {
			if st[0].Count() > 0 {
				return sql.NullFloat64{Float64: math.NaN(), Valid: true}, true
			}
			return m.finish(st[1:])
		}}, ""
	}
	return plainAggregate(expr)
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
