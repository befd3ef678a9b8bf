package engine

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The crosscheck oracle: the spec's formulas (§5, §6, §7, Appendix C, with
// the project's choices of §18) written naively in Go over the rows. It
// shares no code with the engine's planner or SQL; it only reuses
// javaDouble, which javafmt_test.go checks against Java's own output.

// cxWant is the expected verdict on one rule.
type cxWant struct {
	result  Outcome
	metrics map[string]float64
	// msg lines; a line ending in "*" matches by prefix (empty-state
	// messages name a Deequ analyzer, which is the engine's own rendering).
	msg []string
}

func cxPass() *cxWant { return &cxWant{result: Pass, metrics: map[string]float64{}} }

func cxFailed(msg string) *cxWant {
	w := cxPass()
	w.fail(msg)
	return w
}

func (w *cxWant) fail(msg string) {
	if w.result != Error {
		w.result = Fail
	}
	if msg != "" {
		w.msg = append(w.msg, msg)
	}
}

// metric records a metric; NaN and ±Inf are left out (spec §18 #15).
func (w *cxWant) metric(k string, v float64) {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		w.metrics[k] = v
	}
}

const cxEmptyState = "Empty state for analyzer *"

func cxValueMsg(m float64) string {
	return "Value: " + javaDouble(m) + " does not meet the constraint requirement!"
}

// cxWhere is a where clause with its meaning in Go: keep says whether the
// predicate is TRUE for a row (NULL or false filter the row out).
type cxWhere struct {
	sql  string
	keep func(d *cxData, r []any) bool
}

// cxIDAbove keeps rows with id > k.
func cxIDAbove(k int64) *cxWhere {
	return &cxWhere{sql: fmt.Sprintf("id > %d", k), keep: func(d *cxData, r []any) bool {
		return r[d.idx("id")].(int64) > k
	}}
}

func (w *cxWhere) text() string {
	if w == nil {
		return ""
	}
	return fmt.Sprintf(" where %q", w.sql)
}

func cxFilter(d *cxData, w *cxWhere) [][]any {
	if w == nil {
		return d.rows
	}
	var out [][]any
	for _, r := range d.rows {
		if w.keep(d, r) {
			out = append(out, r)
		}
	}
	return out
}

// cxCond is a number condition: op and operands as DQDL writes them.
type cxCond struct {
	op   string // = != > >= < <= between "not between" in "not in"
	xs   []float64
	null bool // NULL among the operands (= NULL, in [.., NULL])
}

func cxNumText(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func (c cxCond) text() string {
	var ops []string
	for _, x := range c.xs {
		ops = append(ops, cxNumText(x))
	}
	if c.null {
		ops = append(ops, "NULL")
	}
	switch c.op {
	case "between", "not between":
		return c.op + " " + ops[0] + " and " + ops[1]
	case "in", "not in":
		return c.op + " [" + strings.Join(ops, ",") + "]"
	}
	return c.op + " " + ops[0]
}

// holds applies the condition to a metric (spec §5.1): between is
// exclusive, = is exact, and a NaN metric fails everything (§18 #15).
func (c cxCond) holds(m float64) bool {
	if math.IsNaN(m) {
		return false
	}
	x := c.xs
	switch c.op {
	case "=":
		return m == x[0]
	case "!=":
		return m != x[0]
	case ">":
		return m > x[0]
	case ">=":
		return m >= x[0]
	case "<":
		return m < x[0]
	case "<=":
		return m <= x[0]
	case "between":
		return x[0] < m && m < x[1]
	case "not between":
		return m <= x[0] || m >= x[1]
	case "in", "not in":
		found := false
		for _, v := range x {
			found = found || v == m
		}
		return found == (c.op == "in")
	}
	panic(c.op)
}

// cxCmp orders numbers as Spark (and DuckDB) do per row: NaN is equal to
// itself and above every other value.
func cxCmp(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// rowHolds is the per-row numeric predicate of spec §6.21.
func (c cxCond) rowHolds(v float64, isNull bool) bool {
	x := c.xs
	switch c.op {
	case "=":
		if c.null {
			return isNull
		}
		return !isNull && cxCmp(v, x[0]) == 0
	case "!=":
		if c.null {
			return !isNull
		}
		return isNull || cxCmp(v, x[0]) != 0
	case ">":
		return !isNull && cxCmp(v, x[0]) > 0
	case ">=":
		return !isNull && cxCmp(v, x[0]) >= 0
	case "<":
		return !isNull && cxCmp(v, x[0]) < 0
	case "<=":
		return !isNull && cxCmp(v, x[0]) <= 0
	case "between":
		return !isNull && cxCmp(v, x[0]) > 0 && cxCmp(v, x[1]) < 0
	case "not between":
		return !isNull && (cxCmp(v, x[0]) <= 0 || cxCmp(v, x[1]) >= 0)
	case "in", "not in":
		if isNull {
			return c.null == (c.op == "in")
		}
		found := false
		for _, y := range x {
			found = found || cxCmp(v, y) == 0
		}
		return found == (c.op == "in")
	}
	panic(c.op)
}

// cxNumberRule is the common verdict of NUMBER rules: metric m (or an
// empty state) against cond.
func cxNumberRule(metric string, m float64, empty, hasWhere bool, cond cxCond) *cxWant {
	if empty {
		if hasWhere {
			return cxPass()
		}
		return cxFailed(cxEmptyState)
	}
	w := cxPass()
	w.metric(metric, m)
	if !cond.holds(m) {
		w.fail(cxValueMsg(m))
	}
	return w
}

// cxOne is the verdict of boolean rules: m must be exactly 1.
func cxOne(metric string, m float64, empty, hasWhere bool) *cxWant {
	return cxNumberRule(metric, m, empty, hasWhere, cxCond{op: "=", xs: []float64{1}})
}

func cxMetricName(cols []string, name string) string {
	if len(cols) == 1 {
		return "Column." + cols[0] + "." + name
	}
	return "Multicolumn." + strings.Join(cols, ",") + "." + name
}

// Metrics ----------------------------------------------------------------

func cxCompleteness(d *cxData, rows [][]any, col string) (float64, bool) {
	if len(rows) == 0 {
		return 0, true
	}
	k := 0
	for _, r := range rows {
		if r[d.idx(col)] != nil {
			k++
		}
	}
	return float64(k) / float64(len(rows)), false
}

// cxGroups counts value tuples, dropping tuples whose columns are all NULL
// (Deequ's frequency analyzers, spec Appendix C) unless keepNull.
func cxGroups(d *cxData, rows [][]any, cols []string, keepNull bool) map[string]int {
	g := map[string]int{}
	for _, r := range rows {
		var parts []string
		allNull := true
		for _, c := range cols {
			v := r[d.idx(c)]
			allNull = allNull && v == nil
			parts = append(parts, cxKey(v))
		}
		if allNull && !keepNull {
			continue
		}
		g[strings.Join(parts, "\x01")]++
	}
	return g
}

func cxUniqueness(d *cxData, rows [][]any, cols []string) (float64, bool) {
	g := cxGroups(d, rows, cols, false)
	n, u := 0, 0
	for _, c := range g {
		n += c
		if c == 1 {
			u++
		}
	}
	if n == 0 {
		return 0, true
	}
	return float64(u) / float64(n), false
}

func cxUniqueValueRatio(d *cxData, rows [][]any, col string) (float64, bool) {
	g := cxGroups(d, rows, []string{col}, false)
	u := 0
	for _, c := range g {
		if c == 1 {
			u++
		}
	}
	if len(g) == 0 {
		return 0, true
	}
	return float64(u) / float64(len(g)), false
}

func cxEntropy(d *cxData, rows [][]any, col string) (float64, bool) {
	g := cxGroups(d, rows, []string{col}, false)
	n := 0
	for _, c := range g {
		n += c
	}
	if n == 0 {
		return 0, true
	}
	h := 0.0
	for _, c := range g {
		p := float64(c) / float64(n)
		h -= p * math.Log(p)
	}
	return h, false
}

// cxValues are the non-NULL numbers of a column.
func cxValues(d *cxData, rows [][]any, col string) []float64 {
	var out []float64
	for _, r := range rows {
		if f, ok := cxNum(r[d.idx(col)]); ok {
			out = append(out, f)
		}
	}
	return out
}

// cxStat computes Mean, Sum, StandardDeviation and Variance (population)
// over the non-NULL values, two-pass. Any NaN or infinity makes the
// deviation-based statistics NaN, as Spark's Welford update does.
func cxStat(kind string, xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, true
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	switch kind {
	case "Sum":
		return sum, false
	case "Mean":
		return mean, false
	}
	m2 := 0.0
	for _, x := range xs {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return math.NaN(), false
		}
		m2 += (x - mean) * (x - mean)
	}
	v := m2 / float64(len(xs))
	if kind == "Variance" {
		return v, false
	}
	return math.Sqrt(v), false
}

// cxCorrelation is Pearson over the rows where both values are non-NULL.
func cxCorrelation(d *cxData, rows [][]any, a, b string) (float64, bool) {
	var xs, ys []float64
	for _, r := range rows {
		x, okx := cxNum(r[d.idx(a)])
		y, oky := cxNum(r[d.idx(b)])
		if okx && oky {
			xs = append(xs, x)
			ys = append(ys, y)
		}
	}
	if len(xs) == 0 {
		return 0, true
	}
	if len(xs) < 2 {
		return math.NaN(), false
	}
	mx, _ := cxStat("Mean", xs)
	my, _ := cxStat("Mean", ys)
	var sxy, sxx, syy float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
		syy += (ys[i] - my) * (ys[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy), false
}

// cxLength is Spark's length(): characters (code points); NULL → 0 for
// ColumnLength (spec §6.19).
func cxLength(v any) int {
	s, ok := cxStr(v)
	if !ok {
		return 0
	}
	return utf8.RuneCountInString(s)
}

// Compliance -------------------------------------------------------------

// cxCompliance judges a per-row predicate by the share of rows where it
// holds (spec §5.6): against the threshold, or exactly 1.0.
func cxCompliance(d *cxData, rows [][]any, hasWhere bool, metric string, thr *cxCond, pctStyle bool, pred func(r []any) bool) *cxWant {
	if len(rows) == 0 {
		if hasWhere {
			w := cxPass()
			if pctStyle {
				w.msg = []string{"No rows matched the filter"}
			}
			return w
		}
		return cxFailed(cxEmptyState)
	}
	k := 0
	for _, r := range rows {
		if pred(r) {
			k++
		}
	}
	m := float64(k) / float64(len(rows))
	w := cxPass()
	w.metric(metric, m)
	ok := m == 1
	if thr != nil {
		ok = thr.holds(m)
	}
	if !ok {
		if pctStyle {
			w.fail(strconv.FormatFloat(m*100, 'f', 2, 64) + " % of rows passed the threshold")
		} else {
			w.fail(cxValueMsg(m))
		}
	}
	return w
}

// cxMinMax is ColumnValues' (and ColumnLength's) dataset-level path: the
// minimum and/or maximum against the condition, plus completeness
// (spec §5.6, §6.19). vals gives each row's value, ok=false for NULL.
func cxMinMax(rows [][]any, hasWhere bool, col, minName, maxName string, cond cxCond, checkNulls bool, val func(r []any) (float64, bool)) *cxWant {
	w := cxPass()
	if len(rows) == 0 && hasWhere {
		return w
	}
	var xs []float64
	for _, r := range rows {
		if v, ok := val(r); ok {
			xs = append(xs, v)
		}
	}
	op := cond.op
	useMin := op == ">" || op == ">=" || op == "between" || op == "=" || op == "!="
	useMax := op == "<" || op == "<=" || op == "between" || op == "=" || op == "!="
	sub := func(name string, pick func(a, b float64) bool, ok func(m float64) bool) {
		if len(xs) == 0 {
			w.fail(cxEmptyState)
			return
		}
		m := xs[0]
		for _, x := range xs[1:] {
			if pick(x, m) {
				m = x
			}
		}
		w.metric("Column."+col+"."+name, m)
		if math.IsNaN(m) || !ok(m) {
			w.fail(cxValueMsg(m))
		}
	}
	x := cond.xs
	if useMin {
		sub(minName, func(a, b float64) bool { return cxCmp(a, b) < 0 }, func(m float64) bool {
			switch op {
			case "between":
				return m > x[0]
			case "=":
				return m == x[0]
			case "!=":
				return m != x[0]
			}
			return cond.holds(m)
		})
	}
	if useMax {
		sub(maxName, func(a, b float64) bool { return cxCmp(a, b) > 0 }, func(m float64) bool {
			switch op {
			case "between":
				return m < x[1]
			case "=":
				return m == x[0]
			case "!=":
				return m != x[0]
			}
			return cond.holds(m)
		})
	}
	if checkNulls && len(rows) > 0 && len(xs) != len(rows) {
		w.fail("Value: NULL does not meet the constraint requirement!")
	}
	return w
}

// String conditions -------------------------------------------------------

// cxStrOp is a string operand: a quoted value or a keyword.
type cxStrOp struct {
	kw  string // "", "NULL", "EMPTY", "WHITESPACES_ONLY"
	val string
}

// cxStrHolds is the per-row string predicate of spec §5.2.
func cxStrHolds(op string, ops []cxStrOp, v string, isNull, ignoreCase bool) bool {
	one := func(o cxStrOp) bool { // the row is "in" o
		switch o.kw {
		case "NULL":
			return isNull
		case "EMPTY":
			return !isNull && v == ""
		case "WHITESPACES_ONLY":
			// Spark's trim strips only U+0020: tabs are not whitespace here.
			return !isNull && v != "" && strings.Trim(v, " ") == ""
		}
		if isNull {
			return false
		}
		if ignoreCase {
			return strings.EqualFold(v, o.val)
		}
		return v == o.val
	}
	switch op {
	case "=", "in":
		for _, o := range ops {
			if one(o) {
				return true
			}
		}
		return false
	case "!=", "not in":
		for _, o := range ops {
			if one(o) {
				return false
			}
		}
		return true
	case "matches", "not matches":
		if isNull {
			return false
		}
		re := regexp.MustCompile(`^(?:` + ops[0].val + `)$`)
		return re.MatchString(v) == (op == "matches")
	}
	panic(op)
}

func cxStrText(op string, ops []cxStrOp) string {
	var parts []string
	for _, o := range ops {
		switch {
		case o.kw != "":
			parts = append(parts, o.kw)
		case strings.HasSuffix(op, "matches"):
			// A regex is kept raw by DQDL (spec §1.2): no escaping.
			parts = append(parts, `"`+o.val+`"`)
		default:
			parts = append(parts, strconv.Quote(o.val))
		}
	}
	if op == "in" || op == "not in" {
		return op + " [" + strings.Join(parts, ",") + "]"
	}
	return op + " " + parts[0]
}

// Dates -------------------------------------------------------------------

// cxDateOp is a date operand: a day, or an instant (now() arithmetic).
type cxDateOp struct {
	text    string
	t       time.Time
	null    bool
	instant bool
	tz      string // the rule's timeZone tag, for times of day
}

func cxDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// cxDateHolds is the per-row date predicate: day granularity, except that
// a TIMESTAMP column compared with a time-carrying operand compares
// instants (spec §18 #5). NULL passes only != and not in (§18 #6).
func cxDateHolds(op string, ops []cxDateOp, v any, tsCol bool) bool {
	instant := false
	hasNull := false
	var xs []time.Time
	for _, o := range ops {
		if o.null {
			hasNull = true
			continue
		}
		instant = instant || (o.instant && tsCol)
		xs = append(xs, o.t)
	}
	var val time.Time
	isNull := v == nil
	if str, ok := v.(string); ok {
		t, ok := cxSparkDate(str)
		if !ok {
			// Not NULL, but to_date gives NULL: every comparison is NULL,
			// only "!= NULL" (c IS NOT NULL) holds.
			return op == "!=" && hasNull
		}
		v = t
	}
	if !isNull {
		val = v.(time.Time).UTC()
	}
	norm := func(t time.Time) time.Time {
		if instant {
			return t.UTC()
		}
		return cxDay(t)
	}
	if !isNull {
		val = norm(val)
	}
	for i := range xs {
		xs[i] = norm(xs[i])
	}
	cmp := func(i int) int { return val.Compare(xs[i]) }
	switch op {
	case "=":
		if hasNull {
			return isNull
		}
		return !isNull && cmp(0) == 0
	case "!=":
		if hasNull {
			return !isNull
		}
		return isNull || cmp(0) != 0
	case ">":
		return !isNull && cmp(0) > 0
	case ">=":
		return !isNull && cmp(0) >= 0
	case "<":
		return !isNull && cmp(0) < 0
	case "<=":
		return !isNull && cmp(0) <= 0
	case "between":
		return !isNull && cmp(0) > 0 && cmp(1) < 0
	case "not between":
		return !isNull && (cmp(0) <= 0 || cmp(1) >= 0)
	case "in", "not in":
		if isNull {
			return hasNull == (op == "in")
		}
		found := false
		for i := range xs {
			found = found || cmp(i) == 0
		}
		return found == (op == "in")
	}
	panic(op)
}

// cxHalfUp rounds to n decimals, halves away from zero (Java HALF_UP).
func cxHalfUp(f float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(f*p) / p
}

// ColumnDataType -----------------------------------------------------------

var cxIntRe = regexp.MustCompile(`^[+-]?[0-9]+$`)

// cxCastable says whether a cell converts to a DQDL type (spec §6.6,
// §18 #29): numeric and boolean cells convert to every numeric type and
// to Boolean (Spark's non-ANSI casts never yield NULL between them);
// strings are parsed, integers strictly.
func cxCastable(v any, typ string) bool {
	if v == nil {
		return false
	}
	s, isStr := v.(string)
	if !isStr {
		switch v.(type) {
		case time.Time:
			return typ == "Date" || typ == "Timestamp"
		}
		return typ != "Date" && typ != "Timestamp"
	}
	s = strings.Trim(s, " \t\n\r")
	switch typ {
	case "Integer", "Long":
		if !cxIntRe.MatchString(s) {
			return false
		}
		bits := 32
		if typ == "Long" {
			bits = 64
		}
		_, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, bits)
		return err == nil
	case "Double":
		_, err := strconv.ParseFloat(s, 64)
		return err == nil && !strings.ContainsAny(s, "xX_") && s != "inf" && s != "+inf" && s != "-inf"
	case "Boolean":
		switch strings.ToLower(s) {
		case "t", "true", "y", "yes", "1", "f", "false", "n", "no", "0":
			return true
		}
		return false
	case "Date":
		_, ok := cxSparkDate(s)
		return ok
	}
	panic(typ)
}

var cxDateRe = regexp.MustCompile(`^(\d{4,7})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ T].*)?)?)?$`)

// cxSparkDate is Spark's string-to-date conversion (DateTimeUtils
// .stringToDate): yyyy, yyyy-[m]m, yyyy-[m]m-[d]d with anything after a
// space or 'T'; the year has 4 to 7 digits; surrounding whitespace is
// trimmed; an impossible date is NULL.
func cxSparkDate(s string) (time.Time, bool) {
	m := cxDateRe.FindStringSubmatch(strings.Trim(s, " \t\n\r"))
	if m == nil {
		return time.Time{}, false
	}
	n := func(x string, def int) int {
		if x == "" {
			return def
		}
		v, _ := strconv.Atoi(x)
		return v
	}
	y, mo, d := n(m[1], 0), n(m[2], 1), n(m[3], 1)
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// Composite ---------------------------------------------------------------

// cxCombine folds children per spec §7.2: messages joined, metrics
// unioned, ERROR counting as not-passed.
func cxCombine(op string, kids []*cxWant) *cxWant {
	w := cxPass()
	pass := 0
	for _, k := range kids {
		if k.result == Pass {
			pass++
		}
		w.msg = append(w.msg, k.msg...)
		for n, v := range k.metrics {
			w.metrics[n] = v
		}
	}
	if (op == "AND" && pass < len(kids)) || (op == "OR" && pass == 0) {
		w.result = Fail
	}
	return w
}

// Comparison --------------------------------------------------------------

// cxDiff compares a RuleResult with the oracle and returns the
// differences, one per line.
func cxDiff(got RuleResult, want *cxWant) []string {
	var out []string
	if got.Result != want.result {
		out = append(out, fmt.Sprintf("Result: got %s, want %s", got.Result, want.result))
	}
	var keys []string
	for k := range want.metrics {
		keys = append(keys, k)
	}
	for k := range got.EvaluatedMetrics {
		if _, ok := want.metrics[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, gok := got.EvaluatedMetrics[k]
		v, wok := want.metrics[k]
		switch {
		case !gok:
			out = append(out, fmt.Sprintf("metric %s: missing, want %v", k, v))
		case !wok:
			out = append(out, fmt.Sprintf("metric %s: got %v, want none", k, g))
		case math.Abs(g-v) > 1e-9*math.Max(1e-300, math.Max(math.Abs(g), math.Abs(v))) && g != v:
			out = append(out, fmt.Sprintf("metric %s: got %v, want %v", k, g, v))
		}
	}
	gotLines := []string{}
	if got.EvaluationMessage != "" {
		gotLines = strings.Split(got.EvaluationMessage, "\n")
	}
	msgOK := len(gotLines) == len(want.msg)
	for i := 0; msgOK && i < len(want.msg); i++ {
		w := want.msg[i]
		if p, ok := strings.CutSuffix(w, "*"); ok {
			msgOK = strings.HasPrefix(gotLines[i], p)
		} else {
			msgOK = gotLines[i] == w || cxSameValueMsg(gotLines[i], w)
		}
	}
	if !msgOK {
		out = append(out, fmt.Sprintf("message: got %q, want %q", got.EvaluationMessage, strings.Join(want.msg, "\n")))
	}
	return out
}

var cxValueRe = regexp.MustCompile(`^Value: (\S+) does not meet the constraint requirement!$`)

// cxSameValueMsg accepts two "Value: m ..." messages whose numbers agree
// within the metric tolerance: the oracle sums in a different order than
// DuckDB, so the last digit of a mean may differ.
func cxSameValueMsg(a, b string) bool {
	ma, mb := cxValueRe.FindStringSubmatch(a), cxValueRe.FindStringSubmatch(b)
	if ma == nil || mb == nil {
		return false
	}
	x, err1 := strconv.ParseFloat(strings.Replace(ma[1], "Infinity", "Inf", 1), 64)
	y, err2 := strconv.ParseFloat(strings.Replace(mb[1], "Infinity", "Inf", 1), 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
}
