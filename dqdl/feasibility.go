package dqdl

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Rules that can never pass or can never fail are almost always mistakes
// (a percentage written as 95 instead of 0.95, bounds swapped), and Glue
// runs them without a word. dq warns, naming the rule and its position;
// `--strict` makes the warnings errors.

// metricRange is the set of values a rule type's metric can take.
type metricRange struct {
	lo, hi  float64
	integer bool   // counts and lengths: whole numbers only
	what    string // how the message describes the range
}

var (
	ratioRange = metricRange{lo: 0, hi: 1, what: "a ratio between 0 and 1"}
	countRange = metricRange{lo: 0, hi: math.Inf(1), integer: true, what: "a count, 0 or more"}
)

// metricRanges are the rule types whose metric is bounded.
var metricRanges = map[string]metricRange{
	"Completeness":         ratioRange,
	"Uniqueness":           ratioRange,
	"UniqueValueRatio":     ratioRange,
	"ReferentialIntegrity": ratioRange,
	"DatasetMatch":         ratioRange,
	"SchemaMatch":          ratioRange,
	"ColumnCorrelation":    {lo: -1, hi: 1, what: "a correlation between -1 and 1"},
	"RowCount":             countRange,
	"ColumnCount":          countRange,
	"DistinctValuesCount":  countRange,
	"ColumnLength":         {lo: 0, hi: math.Inf(1), integer: true, what: "a length, 0 or more"},
	"Entropy":              {lo: 0, hi: math.Inf(1), what: "never negative"},
	"StandardDeviation":    {lo: 0, hi: math.Inf(1), what: "never negative"},
	"Variance":             {lo: 0, hi: math.Inf(1), what: "never negative"},
	"RowCountMatch":        {lo: 0, hi: math.Inf(1), what: "a ratio of row counts, never negative"},
}

var unbounded = metricRange{lo: math.Inf(-1), hi: math.Inf(1)}

// feasibilityChecks warns about a rule whose condition or threshold can
// never be met, or can never fail, and about ColumnDataType and
// ColumnLength forms the engine cannot evaluate.
func (b *builder) feasibilityChecks(r *SimpleRule) {
	if r.Condition != nil && r.Condition.Kind == NumberCondition {
		rg, ok := metricRanges[r.Type]
		if !ok {
			rg = unbounded
		}
		b.checkSatisfiable(r, r.Condition, rg, "")
	}
	if c := r.Condition; c != nil && c.Kind != NumberCondition && (c.Op == OpBetween || c.Op == OpNotBetween) && len(c.Operands) == 2 {
		b.checkBounds(r, c)
	}
	if r.Threshold != nil {
		b.checkSatisfiable(r, r.Threshold, metricRange{lo: 0, hi: 1, what: "the share of rows that pass, between 0 and 1"}, "with threshold ")
	}
	if c := r.Condition; c != nil && (c.Op == OpMatches || c.Op == OpNotMatches) && len(c.Operands) == 1 {
		if s, ok := c.Operands[0].(*StringLit); ok {
			b.checkDoubledEscape(r, lexerPos(s.Position()), s.Raw)
		}
	}
	switch r.Type {
	case "DetectAnomalies":
		b.checkAnomalyTarget(r)
	case "ColumnNamesMatchPattern":
		if len(r.Params) == 1 {
			b.checkDoubledEscape(r, lexerPos(r.Params[0].Pos), r.Params[0].Source())
		}
	case "ColumnDataType":
		b.checkDataType(r)
	case "ColumnLength":
		if c := r.Condition; c != nil {
			for _, o := range c.Operands {
				if k, ok := o.(*Keyword); ok && k.Kind == Null {
					b.warnf(lexerPos(o.Position()), "rule %s: ColumnLength compares lengths and does not take NULL (a NULL value has length 0); this rule will fail", r)
				}
			}
		}
	}
}

// AnomalyMetrics are the rule types whose statistic DetectAnomalies watches,
// in the order of Glue's documentation (engine's anomaly planner keeps the
// same list).
var AnomalyMetrics = []string{"RowCount", "Completeness", "Uniqueness", "Mean", "Sum", "StandardDeviation", "Entropy",
	"DistinctValuesCount", "UniqueValueRatio", "ColumnLength", "ColumnValues", "ColumnCorrelation", "CustomSql", "ColumnCount"}

// checkAnomalyTarget warns about a DetectAnomalies rule whose metric name or
// parameter count no statistic fits: Glue's parser takes any strings, and
// the rule can only ERROR when it runs.
func (b *builder) checkAnomalyTarget(r *SimpleRule) {
	if len(r.Params) == 0 {
		return // an arity error already
	}
	name := ""
	for _, m := range AnomalyMetrics {
		if strings.EqualFold(m, r.Params[0].Value) {
			name = m
		}
	}
	if name == "" {
		b.warnf(lexerPos(r.Params[0].Pos), "rule %s: DetectAnomalies does not watch %q; it takes one of %s; this rule will fail to evaluate", r, r.Params[0].Value, strings.Join(AnomalyMetrics, ", "))
		return
	}
	n := len(r.Params) - 1
	for _, t := range LookupRuleType(name) {
		if t.Accepts(n) {
			return
		}
	}
	t := LookupRuleType(name)[0]
	b.warnf(lexerPos(r.Params[0].Pos), "rule %s: %s takes %s, got %d after the metric name (e.g. %s); this rule will fail to evaluate", r, name, arity(t), n, anomalyExample(name, t))
}

// anomalyExample is a DetectAnomalies rule for the metric, for messages.
func anomalyExample(name string, t *RuleType) string {
	ex := "DetectAnomalies \"" + name + "\""
	for i := range t.Params {
		ex += fmt.Sprintf(" \"col%d\"", i+1)
	}
	if name == "CustomSql" {
		ex = `DetectAnomalies "CustomSql" "select count(*) from primary"`
	}
	return ex
}

// checkDoubledEscape warns about a pattern that asks for a literal
// backslash where a class such as \d was almost certainly meant.
func (b *builder) checkDoubledEscape(r *SimpleRule, at lexer.Position, pattern string) {
	if esc := doubledEscape(pattern); esc != "" {
		b.warnf(at, "rule %s: the pattern's %s matches a backslash followed by %q, because DQDL keeps patterns as written (as Glue does); for the class write %s", r, esc, esc[2:], esc[1:])
	}
}

// checkSatisfiable decides whether a static number condition passes for
// every, some or no value of the metric's range. Between critical points
// (the operands and the range's ends) a condition's truth is constant, so
// testing the critical points and one value between each pair decides it.
func (b *builder) checkSatisfiable(r *SimpleRule, c *Condition, rg metricRange, prefix string) {
	var xs []float64
	for _, o := range c.Operands {
		n, ok := o.(*Number)
		if !ok {
			return // dynamic or NULL operands: decided at run time
		}
		xs = append(xs, n.Value)
	}
	if len(xs) == 0 {
		return
	}
	pass, fail := decide(c.Op, xs, rg)
	cond := prefix + conditionText(c)
	reversed := (c.Op == OpBetween || c.Op == OpNotBetween) && len(xs) == 2 && xs[0] >= xs[1]
	switch {
	case reversed && c.Op == OpBetween:
		b.warnf(lexerPos(c.Pos), "rule %s can never pass: the bounds of %q are reversed or equal (between excludes both bounds); write the smaller bound first", r, cond)
	case reversed:
		b.warnf(lexerPos(c.Pos), "rule %s can never fail: the bounds of %q are reversed or equal; write the smaller bound first", r, cond)
	case !pass && rg.integer && func() bool { p, _ := decide(c.Op, xs, metricRange{lo: rg.lo, hi: rg.hi}); return p }():
		b.warnf(lexerPos(c.Pos), "rule %s can never pass: %s%s, and no whole number satisfies %q (between excludes both bounds)", r, subject(r, prefix), rg.describe(), cond)
	case !pass:
		b.warnf(lexerPos(c.Pos), "rule %s can never pass: %s%s%s", r, subject(r, prefix), rg.describe(), ratioHint(rg, xs))
	case !fail && rg != unbounded:
		b.warnf(lexerPos(c.Pos), "rule %s can never fail: %s%s, so %q always holds", r, subject(r, prefix), rg.describe(), cond)
	}
}

func subject(r *SimpleRule, prefix string) string {
	if prefix != "" {
		return "the threshold compares "
	}
	return r.Type + " is "
}

func (rg metricRange) describe() string { return rg.what }

// ratioHint suggests the fraction a user probably meant by a percentage.
func ratioHint(rg metricRange, xs []float64) string {
	if rg.hi != 1 {
		return ""
	}
	for _, x := range xs {
		if x >= 10 && x <= 100 && x == math.Trunc(x) {
			return fmt.Sprintf(" (for %g%% write %g)", x, x/100)
		}
	}
	return ""
}

// decide reports whether some value of the range passes the condition and
// whether some value fails it.
func decide(op Op, xs []float64, rg metricRange) (pass, fail bool) {
	for _, v := range candidatePoints(xs, rg) {
		if holds(op, v, xs) {
			pass = true
		} else {
			fail = true
		}
	}
	return pass, fail
}

// candidatePoints are the values that decide a condition over a range.
func candidatePoints(xs []float64, rg metricRange) []float64 {
	crit := []float64{}
	for _, x := range xs {
		if x >= rg.lo && x <= rg.hi {
			crit = append(crit, x)
		}
	}
	if !math.IsInf(rg.lo, 0) {
		crit = append(crit, rg.lo)
	}
	if !math.IsInf(rg.hi, 0) {
		crit = append(crit, rg.hi)
	}
	sort.Float64s(crit)
	pts := append([]float64{}, crit...)
	for i := 1; i < len(crit); i++ {
		pts = append(pts, (crit[i-1]+crit[i])/2)
	}
	if len(crit) > 0 {
		// A step of 1 is lost beyond 2^53 (Sum "u64" > 1.8e19,
		// Mean "dec38" > 1e25 are satisfiable), so step by the value's
		// own size.
		if math.IsInf(rg.lo, -1) {
			pts = append(pts, crit[0]-max(1, math.Abs(crit[0])))
		}
		if math.IsInf(rg.hi, 1) {
			last := crit[len(crit)-1]
			pts = append(pts, last+max(1, math.Abs(last)))
		}
	} else {
		// Every operand lies outside the range: one value inside decides.
		switch {
		case !math.IsInf(rg.lo, 0):
			pts = append(pts, rg.lo)
		case !math.IsInf(rg.hi, 0):
			pts = append(pts, rg.hi)
		default:
			pts = append(pts, 0)
		}
	}
	if rg.integer {
		// Whole numbers only: the neighbours of each point, within range.
		var ints []float64
		for _, p := range pts {
			for _, v := range []float64{math.Floor(p), math.Ceil(p), math.Floor(p) - 1, math.Ceil(p) + 1} {
				if v >= rg.lo && v <= rg.hi {
					ints = append(ints, v)
				}
			}
		}
		pts = ints
	}
	return pts
}

// holds applies a number condition as the engine does (between excludes
// its bounds, not between is its complement).
func holds(op Op, m float64, xs []float64) bool {
	switch op {
	case OpEq:
		return m == xs[0]
	case OpNe:
		return m != xs[0]
	case OpGt:
		return m > xs[0]
	case OpGe:
		return m >= xs[0]
	case OpLt:
		return m < xs[0]
	case OpLe:
		return m <= xs[0]
	case OpBetween:
		return len(xs) == 2 && xs[0] < m && m < xs[1]
	case OpNotBetween:
		return len(xs) == 2 && (m <= xs[0] || m >= xs[1])
	case OpIn, OpNotIn:
		found := false
		for _, x := range xs {
			found = found || m == x
		}
		return found == (op == OpIn)
	}
	return true
}

func conditionText(c *Condition) string {
	ops := make([]string, len(c.Operands))
	for i, o := range c.Operands {
		ops[i] = o.(*Number).Text
	}
	switch c.Op {
	case OpBetween, OpNotBetween:
		return c.Op.String() + " " + ops[0] + " and " + ops[1]
	case OpIn, OpNotIn:
		return c.Op.String() + " [" + strings.Join(ops, ", ") + "]"
	}
	return c.Op.String() + " " + ops[0]
}

// dataTypes are the ColumnDataType names dq evaluates (compared ignoring
// case), and sqlTypeNames the DQDL name for SQL spellings users reach for.
var (
	dataTypes    = map[string]bool{"boolean": true, "date": true, "timestamp": true, "integer": true, "integral": true, "long": true, "double": true, "fractional": true, "float": true}
	decimalName  = regexp.MustCompile(`^(?i)DECIMAL\(\d+,\s*\d+\)$`)
	sqlDecimal   = regexp.MustCompile(`^(?i)(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$`)
	sqlTypeNames = map[string]string{
		"BIGINT": "Long", "INT8": "Long", "LONG": "Long", "UBIGINT": "Long",
		"INT": "Integer", "INT4": "Integer", "INTEGER": "Integer", "SMALLINT": "Integer", "TINYINT": "Integer", "INT2": "Integer", "INT1": "Integer", "SHORT": "Integer", "BYTE": "Integer",
		"DOUBLE PRECISION": "Double", "FLOAT8": "Double", "NUMERIC": "Double", "DECIMAL": "Double",
		"REAL": "Float", "FLOAT4": "Float",
		"BOOL": "Boolean", "BIT": "Boolean",
		"DATETIME": "Timestamp", "TIMESTAMPTZ": "Timestamp", "TIMESTAMP WITH TIME ZONE": "Timestamp", "TIMESTAMP_NTZ": "Timestamp",
	}
)

// checkDataType warns about ColumnDataType forms that always fail: an
// operator other than =, or a type name dq does not know.
func (b *builder) checkDataType(r *SimpleRule) {
	c := r.Condition
	if c == nil || len(c.Operands) == 0 {
		return
	}
	if c.Op != OpEq {
		b.warnf(lexerPos(c.Pos), "rule %s: ColumnDataType supports only = \"<type>\" (e.g. ColumnDataType \"col\" = \"Integer\"), not %s; this rule will fail", r, c.Op)
		return
	}
	lit, ok := c.Operands[0].(*StringLit)
	if !ok {
		return
	}
	name := strings.TrimSpace(lit.Value)
	if dataTypes[strings.ToLower(name)] || decimalName.MatchString(name) {
		return
	}
	hint := "use one of Boolean, Date, Timestamp, Integer, Long, Float, Double or Decimal(p,s)"
	up := strings.ToUpper(strings.Join(strings.Fields(name), " "))
	if m := sqlDecimal.FindStringSubmatch(name); m != nil {
		hint = fmt.Sprintf("the DQDL name is \"Decimal(%s,%s)\"", m[1], m[2])
	} else if d, ok := sqlTypeNames[up]; ok {
		hint = fmt.Sprintf("the DQDL name for %s is %q", name, d)
	} else if up == "VARCHAR" || up == "STRING" || up == "TEXT" || up == "CHAR" {
		hint = "every value converts to a string, so there is nothing to check; ColumnDataType checks that strings hold values of another type (e.g. \"Integer\")"
	}
	b.warnf(lexerPos(lit.Pos), "rule %s: unknown ColumnDataType type %q; %s; this rule will fail", r, lit.Value, hint)
}

// checkBounds warns about reversed or equal bounds of a date or duration
// between: `between "2024-02-01" and "2024-01-01"` matches nothing.
func (b *builder) checkBounds(r *SimpleRule, c *Condition) {
	lo, ok1 := orderKey(c.Operands[0])
	hi, ok2 := orderKey(c.Operands[1])
	if !ok1 || !ok2 || lo < hi {
		return
	}
	if c.Op == OpBetween {
		b.warnf(lexerPos(c.Pos), "rule %s can never pass: the bounds of its between are reversed or equal (between excludes both bounds); write the smaller bound first", r)
	} else {
		b.warnf(lexerPos(c.Pos), "rule %s can never fail: the bounds of its not between are reversed or equal; write the smaller bound first", r)
	}
}

// orderKey orders static dates and durations; ok is false for anything
// else (dynamic dates such as now() are decided at run time).
func orderKey(o Operand) (float64, bool) {
	switch o := o.(type) {
	case *Duration:
		return float64(o.Minutes()), true
	case *DateLit:
		return float64(o.Year*10000 + o.Month*100 + o.Day), true
	}
	return 0, false
}
