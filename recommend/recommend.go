package recommend

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dqlabs/dq/dqdl"
)

// Family is a group of related suggestions, selectable with
// Options.Families.
type Family string

// The rule families, in the order rules are emitted for a column.
const (
	FamilyRowCount     Family = "rowcount"     // RowCount between …
	FamilyCompleteness Family = "completeness" // IsComplete, Completeness >= p
	FamilyUniqueness   Family = "uniqueness"   // IsUnique, Uniqueness >= p
	FamilyCategorical  Family = "categorical"  // ColumnValues in [...]
	FamilyRange        Family = "range"        // ColumnValues >= 0, <= x, between (numbers and dates)
	FamilyLength       Family = "length"       // ColumnLength
	FamilyType         Family = "type"         // ColumnDataType for strings holding typed values
	FamilyStatistics   Family = "statistics"   // Mean, StandardDeviation bands
)

// Families lists every family.
var Families = []Family{FamilyRowCount, FamilyCompleteness, FamilyUniqueness, FamilyCategorical,
	FamilyRange, FamilyLength, FamilyType, FamilyStatistics}

// Strictness is how much headroom ranges and thresholds get beyond what
// the profiled data shows. Every level passes on the profiled data; a
// stricter one catches smaller drifts and raises more false alarms on
// tomorrow's data.
type Strictness string

// The strictness levels. The zero value is Balanced.
const (
	Strict   Strictness = "strict"   // bounds just past the observed extremes
	Balanced Strictness = "balanced" // Deequ's defaults: 95% confidence bounds, 10% headroom
	Loose    Strictness = "loose"    // 99.9% confidence bounds, 50% headroom
)

// Options tune Recommend. The zero value recommends every family with
// balanced strictness.
type Options struct {
	Families   []Family // nil = all
	Strictness Strictness
	Skip       []string // columns to leave out (exact names)
	// MaxInList is the longest `in [...]` list to propose. 0 means 30.
	MaxInList int
}

// Rule is one recommended rule.
type Rule struct {
	Family   Family `json:"family"`
	Column   string `json:"column,omitempty"` // "" for dataset-level rules
	Text     string `json:"rule"`             // DQDL, canonical
	Evidence string `json:"evidence"`         // why, from the profile
}

// Recommendation is a proposed ruleset.
type Recommendation struct {
	Rules []Rule `json:"rules"`
	// Text is the whole ruleset in canonical DQDL, each rule preceded by
	// a comment with its evidence.
	Text string `json:"ruleset"`
}

// params are the numbers behind a strictness level.
type params struct {
	z        float64 // confidence multiplier for Wald lower bounds
	decimals int     // thresholds are rounded down to this many decimals
	headroom float64 // fraction of the observed span added on both sides of ranges
	rowsLo   float64 // RowCount band, as multiples of the observed count
	rowsHi   float64
}

func (s Strictness) params() (params, error) {
	switch s {
	case Strict:
		return params{z: 0, decimals: 4, headroom: 0.01, rowsLo: 1, rowsHi: 1}, nil
	case "", Balanced:
		// z = 1.96 and two decimals are Deequ's RetainCompletenessRule;
		// the RowCount band is what Glue proposes (about ½× to 2×).
		return params{z: 1.96, decimals: 2, headroom: 0.1, rowsLo: 0.5, rowsHi: 2}, nil
	case Loose:
		return params{z: 3.29, decimals: 2, headroom: 0.5, rowsLo: 0.1, rowsHi: 10}, nil
	}
	return params{}, fmt.Errorf("unknown strictness %q (want strict, balanced or loose)", s)
}

// ParseFamilies reads a comma-separated family list ("completeness,range").
func ParseFamilies(s string) ([]Family, error) {
	var out []Family
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if !slices.Contains(Families, Family(f)) {
			return nil, fmt.Errorf("unknown rule family %q (want %s)", f, joinFamilies())
		}
		out = append(out, Family(f))
	}
	return out, nil
}

func joinFamilies() string {
	var s []string
	for _, f := range Families {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}

// Recommend proposes a ruleset from a profile. Every rule it returns holds
// on the profiled data; the error reports bad options, or a generated rule
// that does not parse (a bug).
func Recommend(p *Profile, opts Options) (*Recommendation, error) {
	par, err := opts.Strictness.params()
	if err != nil {
		return nil, err
	}
	for _, f := range opts.Families {
		if !slices.Contains(Families, f) {
			return nil, fmt.Errorf("unknown rule family %q (want %s)", f, joinFamilies())
		}
	}
	g := &generator{par: par, opts: opts, rows: p.Rows}
	if g.opts.MaxInList <= 0 {
		g.opts.MaxInList = 30
	}
	g.rowCount()
	if p.Rows > 0 {
		for _, c := range p.Columns {
			if !slices.Contains(opts.Skip, c.Name) {
				g.column(c)
			}
		}
	}
	rec := &Recommendation{Rules: g.rules}
	if rec.Text, err = g.text(p); err != nil {
		return nil, err
	}
	return rec, nil
}

type generator struct {
	par   params
	opts  Options
	rows  int64
	rules []Rule
}

func (g *generator) want(f Family) bool {
	return len(g.opts.Families) == 0 || slices.Contains(g.opts.Families, f)
}

func (g *generator) emit(f Family, col, text, evidence string) {
	if !g.want(f) {
		return
	}
	// Data can hold what DQDL cannot say: a string column whose values
	// are partly date-shaped ("2024-01-02" is a date literal in DQDL, so
	// a list mixing it with "n/a" does not parse), or "2024-13-01". Such
	// a rule is left out instead of failing the whole recommendation.
	if _, err := dqdl.Parse("rule", "Rules = [\n"+text+"\n]"); err != nil {
		return
	}
	g.rules = append(g.rules, Rule{Family: f, Column: col, Text: text, Evidence: evidence})
}

func (g *generator) rowCount() {
	n := g.rows
	ev := count(n) + " rows"
	if g.par.rowsLo == 1 && g.par.rowsHi == 1 {
		g.emit(FamilyRowCount, "", fmt.Sprintf("RowCount = %d", n), ev)
		return
	}
	// between is exclusive, so the band must contain n strictly.
	lo := int64(math.Floor(float64(n)*g.par.rowsLo)) - 1
	hi := int64(math.Ceil(float64(n)*g.par.rowsHi)) + 1
	if lo < 0 {
		g.emit(FamilyRowCount, "", fmt.Sprintf("RowCount < %d", hi), ev)
		return
	}
	g.emit(FamilyRowCount, "", fmt.Sprintf("RowCount between %d and %d", lo, hi), ev)
}

func (g *generator) column(c *ColumnProfile) {
	q := quote(c.Name)
	nonNull := c.Rows - c.Nulls
	complete := c.Nulls == 0
	p := c.Completeness()

	// Completeness (Deequ CompleteIfCompleteRule, RetainCompletenessRule).
	switch {
	case complete:
		g.emit(FamilyCompleteness, c.Name, "IsComplete "+q, fmt.Sprintf("%s rows, 0 NULL", count(c.Rows)))
	case p > 0.2:
		if b := g.lowerBound(p, c.Rows); b > 0 {
			g.emit(FamilyCompleteness, c.Name, fmt.Sprintf("Completeness %s >= %s", q, g.fraction(b)),
				fmt.Sprintf("%s of %s rows NULL (%s complete)%s", count(c.Nulls), count(c.Rows), percent(p), g.boundNote()))
		}
	}
	if nonNull == 0 || c.Class == Other {
		return
	}
	// threshold is what a per-row rule that NULLs fail needs to pass.
	threshold := ""
	if !complete {
		threshold = " with threshold >= " + g.fraction(floorTo(p, g.par.decimals))
	}

	g.uniqueness(c, q, nonNull)
	categorical := g.categorical(c, q)
	if !categorical {
		switch c.Class {
		case Numeric:
			g.numericRange(c, q, threshold)
			g.statistics(c, q)
		case Temporal:
			g.temporalRange(c, q, threshold)
		}
	}
	if c.Class == String {
		g.length(c, q, complete)
		g.dataType(c, q, threshold)
	}
}

// uniqueness follows Deequ's UniqueIfApproximatelyUniqueRule with exact
// counts: IsUnique when every value is distinct. For near-unique columns,
// d distinct values in n rows mean at least 2d-n values occur once (each
// repeated value takes two rows or more), a bound that holds without
// counting the repeats.
func (g *generator) uniqueness(c *ColumnProfile, q string, nonNull int64) {
	if !c.DistinctExact || c.Distinct < 10 {
		return // too few values for uniqueness to mean anything
	}
	if c.Distinct == nonNull {
		g.emit(FamilyUniqueness, c.Name, "IsUnique "+q, fmt.Sprintf("%s distinct values in %s non-NULL rows", count(c.Distinct), count(nonNull)))
		return
	}
	ratio := float64(c.Distinct) / float64(nonNull)
	if ratio < 0.92 { // Deequ's 8% tolerance
		return
	}
	lb := float64(2*c.Distinct-nonNull) / float64(nonNull)
	if c.Uniqueness != nil {
		lb = *c.Uniqueness
	}
	b := floorTo(lb, g.par.decimals)
	if b <= 0 {
		return
	}
	g.emit(FamilyUniqueness, c.Name, fmt.Sprintf("Uniqueness %s >= %s", q, g.fraction(b)),
		fmt.Sprintf("%s distinct values in %s non-NULL rows: uniqueness >= %s", count(c.Distinct), count(nonNull), strconv.FormatFloat(lb, 'f', 4, 64)))
}

// categorical follows Deequ's CategoricalRangeRule (every value listed,
// when at most a tenth of the distinct values occur only once) and
// FractionalCategoricalRangeRule (the values covering 90% of rows, with a
// threshold, when at most 40% occur once). It reports whether it proposed
// the full list, which makes range rules for the column redundant.
func (g *generator) categorical(c *ColumnProfile, q string) bool {
	if len(c.Histogram) < 2 || (c.Class != String && c.Class != Numeric) {
		return false
	}
	for _, v := range c.Histogram {
		if v.Number != nil && (math.IsNaN(*v.Number) || math.IsInf(*v.Number, 0)) {
			return false // DQDL has no literal for NaN or Infinity
		}
	}
	singles := 0
	for _, v := range c.Histogram {
		if v.Count == 1 {
			singles++
		}
	}
	ratio := float64(singles) / float64(len(c.Histogram))
	// NULL is listed when the column has NULLs: completeness has its own
	// rule, and the list is about which values may appear.
	withNull := c.Nulls > 0
	if ratio <= 0.1 && len(c.Histogram) <= g.opts.MaxInList {
		g.emit(FamilyCategorical, c.Name, fmt.Sprintf("ColumnValues %s in %s", q, inList(c, c.Histogram, withNull)),
			fmt.Sprintf("%d distinct values: %s", len(c.Histogram), topValues(c, 6)))
		return true
	}
	if ratio > 0.4 {
		return false
	}
	var covered int64
	var top []ValueCount
	target := int64(math.Ceil(0.9 * float64(c.Rows)))
	if withNull {
		covered = c.Nulls
	}
	for _, v := range c.Histogram {
		if covered >= target {
			break
		}
		top = append(top, v)
		covered += v.Count
	}
	if covered < target || len(top) > g.opts.MaxInList || len(top) == len(c.Histogram) {
		return false // no short list covers 90%, or the list is the full one
	}
	cover := float64(covered) / float64(c.Rows)
	b := g.lowerBound(cover, c.Rows)
	if b <= 0 {
		return false
	}
	g.emit(FamilyCategorical, c.Name, fmt.Sprintf("ColumnValues %s in %s with threshold >= %s", q, inList(c, top, withNull), g.fraction(b)),
		fmt.Sprintf("the %d most frequent of %d values cover %s of rows%s", len(top), len(c.Histogram), percent(cover), g.boundNote()))
	return false
}

// numericRange proposes non-negativity (Deequ NonNegativeNumbersRule) and
// a range around the observed extremes. Without a threshold, ColumnValues
// comparisons are judged on min and max and also require the column to be
// complete (spec §5.6); a column with NULLs gets a threshold instead.
func (g *generator) numericRange(c *ColumnProfile, q, threshold string) {
	st := c.Numeric
	if st == nil || st.NonFinite > 0 {
		return // NaN and Infinity would decide min and max
	}
	integer := isInteger(c.Type)
	ev := fmt.Sprintf("min %s, max %s", formatNumber(st.Min), formatNumber(st.Max))
	if st.Min == st.Max {
		g.emit(FamilyRange, c.Name, fmt.Sprintf("ColumnValues %s = %s%s", q, formatNumber(st.Min), threshold), ev)
		return
	}
	lo, hi := g.widen(st.Min, st.Max, integer)
	if !finiteText(lo, hi) {
		return // the headroom overflows: values near ±1.8e308
	}
	if st.Min >= 0 {
		g.emit(FamilyRange, c.Name, fmt.Sprintf("ColumnValues %s >= 0%s", q, threshold), fmt.Sprintf("min %s", formatNumber(st.Min)))
		g.emit(FamilyRange, c.Name, fmt.Sprintf("ColumnValues %s <= %s%s", q, hi, threshold), ev+g.headroomNote())
		return
	}
	g.emit(FamilyRange, c.Name, fmt.Sprintf("ColumnValues %s between %s and %s%s", q, lo, hi, threshold), ev+g.headroomNote())
}

// temporalRange bounds dates and timestamps by whole days. The bounds are
// two days outside the observed ones, so the rule passes whether the
// engine compares at day granularity (Glue) or as instants (dq), and
// whatever the session's time zone does to a TIMESTAMPTZ.
func (g *generator) temporalRange(c *ColumnProfile, q, threshold string) {
	lo, err1 := time.Parse("2006-01-02", prefix(c.Min, 10))
	hi, err2 := time.Parse("2006-01-02", prefix(c.Max, 10))
	if err1 != nil || err2 != nil || strings.HasPrefix(c.Min, "-") {
		return // times of day, BC dates, infinities
	}
	pad := time.Duration(math.Ceil(hi.Sub(lo).Hours()/24*g.par.headroom)) * 24 * time.Hour
	lo, hi = lo.Add(-pad-48*time.Hour), hi.Add(pad+48*time.Hour)
	g.emit(FamilyRange, c.Name, fmt.Sprintf(`ColumnValues %s between "%s" and "%s"%s`, q, lo.Format("2006-01-02"), hi.Format("2006-01-02"), threshold),
		fmt.Sprintf("earliest %s, latest %s", c.Min, c.Max))
}

// statistics proposes Mean and StandardDeviation bands (newer Deequ's
// HasMean, HasStandardDeviation). The band is a fraction of the mean or
// of the deviation, whichever is larger, so means near zero get room too.
func (g *generator) statistics(c *ColumnProfile, q string) {
	st := c.Numeric
	if st == nil || st.NonFinite > 0 || st.Min == st.Max {
		return
	}
	h := g.par.headroom
	pad := math.Max(math.Abs(st.Mean), st.StdDev) * h
	lo, hi := outward(st.Mean-pad, st.Mean+pad, st.Mean, st.Mean, false)
	if !finiteText(lo, hi) {
		return // a sum or deviation of values near ±1e308 overflowed
	}
	g.emit(FamilyStatistics, c.Name, fmt.Sprintf("Mean %s between %s and %s", q, lo, hi),
		fmt.Sprintf("mean %s%s", sig(st.Mean), g.headroomNote()))
	pad = st.StdDev * h
	lo, hi = outward(st.StdDev-pad, st.StdDev+pad, st.StdDev, st.StdDev, false)
	if v, _ := strconv.ParseFloat(lo, 64); v < 0 {
		g.emit(FamilyStatistics, c.Name, fmt.Sprintf("StandardDeviation %s < %s", q, hi),
			fmt.Sprintf("standard deviation %s%s", sig(st.StdDev), g.headroomNote()))
		return
	}
	g.emit(FamilyStatistics, c.Name, fmt.Sprintf("StandardDeviation %s between %s and %s", q, lo, hi),
		fmt.Sprintf("standard deviation %s%s", sig(st.StdDev), g.headroomNote()))
}

// length proposes ColumnLength. ColumnLength counts NULL as length 0
// (spec §6.19), so a column with NULLs only gets an upper bound.
func (g *generator) length(c *ColumnProfile, q string, complete bool) {
	l := c.Length
	if l == nil {
		return
	}
	ev := fmt.Sprintf("lengths %d to %d", l.Min, l.Max)
	if !complete {
		ev += fmt.Sprintf(" (NULLs count as 0; %s NULL)", count(c.Nulls))
	}
	if complete && l.Min == l.Max && g.par.headroom < 0.5 {
		g.emit(FamilyLength, c.Name, fmt.Sprintf("ColumnLength %s = %d", q, l.Min), ev)
		return
	}
	pad := int64(math.Ceil(float64(l.Max-l.Min) * g.par.headroom))
	hi := l.Max + pad + 1
	lo := l.Min - pad - 1
	if !complete || lo < 0 {
		g.emit(FamilyLength, c.Name, fmt.Sprintf("ColumnLength %s < %d", q, hi), ev)
		return
	}
	g.emit(FamilyLength, c.Name, fmt.Sprintf("ColumnLength %s between %d and %d", q, lo, hi), ev)
}

// dataType follows Deequ's RetainTypeRule: a string column whose values
// all read as one type should keep doing so. The most specific type wins
// (every Integer is also a Double, and "1"/"0" are also Booleans).
func (g *generator) dataType(c *ColumnProfile, q, threshold string) {
	ps := c.Parses
	if ps == nil {
		return
	}
	var typ string
	switch {
	case ps.Integer:
		typ = "Integer"
	case ps.Double:
		typ = "Double"
	case ps.Boolean:
		typ = "Boolean"
	case ps.Timestamp && (!ps.Date || (c.Length != nil && c.Length.Max > 10)):
		typ = "Timestamp"
	case ps.Date:
		typ = "Date"
	default:
		return
	}
	ev := "every non-NULL value reads as " + typ
	if c.Nulls > 0 {
		ev += fmt.Sprintf(" (%s NULL)", count(c.Nulls))
	}
	g.emit(FamilyType, c.Name, fmt.Sprintf(`ColumnDataType %s = "%s"%s`, q, typ, threshold), ev)
}

// lowerBound is Deequ's Wald interval lower limit for a proportion,
// rounded down.
func (g *generator) lowerBound(p float64, n int64) float64 {
	b := p - g.par.z*math.Sqrt(p*(1-p)/float64(n))
	return floorTo(b, g.par.decimals)
}

func (g *generator) boundNote() string {
	if g.par.z == 0 {
		return ""
	}
	return fmt.Sprintf("; bound = Wald lower limit, z = %g", g.par.z)
}

func (g *generator) headroomNote() string {
	return fmt.Sprintf(" (+%g%% headroom)", g.par.headroom*100)
}

// fraction prints a threshold with the strictness's decimals.
func (g *generator) fraction(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// widen returns "nice" bounds strictly outside [min, max], with the
// strictness's headroom.
func (g *generator) widen(lo, hi float64, integer bool) (string, string) {
	pad := (hi - lo) * g.par.headroom
	return outward(lo-pad, hi+pad, lo, hi, integer)
}

// finiteText is true when every bound outward printed is a finite number:
// DQDL has no literal for Infinity or NaN, and a rule with one would not
// parse.
func finiteText(bounds ...string) bool {
	for _, b := range bounds {
		v, err := strconv.ParseFloat(b, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return false
		}
	}
	return true
}

// outward rounds a and b outward to a round unit (the power of ten just
// below the headroom min-a), then makes sure the result is strictly outside
// [min, max] as printed text, since that text is what the rule will
// compare with.
func outward(a, b, min, max float64, integer bool) (string, string) {
	unit := 1.0
	switch pad, width := min-a, b-a; {
	case pad > 0:
		unit = math.Pow(10, math.Floor(math.Log10(pad)))
	case width > 0:
		unit = math.Pow(10, math.Floor(math.Log10(width/100)))
	}
	if integer && unit < 1 {
		unit = 1
	}
	dec := 0
	if unit < 1 {
		dec = int(math.Round(-math.Log10(unit)))
	}
	lo := math.Floor(a/unit) * unit
	hi := math.Ceil(b/unit) * unit
	los, his := strconv.FormatFloat(lo, 'f', dec, 64), strconv.FormatFloat(hi, 'f', dec, 64)
	for i := 0; i < 4; i++ {
		if v, _ := strconv.ParseFloat(los, 64); v < min {
			break
		}
		lo -= unit
		los = strconv.FormatFloat(lo, 'f', dec, 64)
	}
	for i := 0; i < 4; i++ {
		if v, _ := strconv.ParseFloat(his, 64); v > max {
			break
		}
		hi += unit
		his = strconv.FormatFloat(hi, 'f', dec, 64)
	}
	return los, his
}

// floorTo rounds f down to n decimals, guarding against the product
// landing a hair below an exact value (0.97*100 = 96.99999…).
func floorTo(f float64, n int) float64 {
	p := math.Pow(10, float64(n))
	v := math.Floor(f*p+1e-9) / p
	if v > f { // the guard must never round up past f itself
		v = math.Floor(f*p-1) / p
	}
	return v
}

// inList renders values as a DQDL list: numbers in order, strings quoted.
func inList(c *ColumnProfile, vals []ValueCount, withNull bool) string {
	vs := slices.Clone(vals)
	slices.SortFunc(vs, func(a, b ValueCount) int {
		if a.Number != nil && b.Number != nil {
			switch {
			case *a.Number < *b.Number:
				return -1
			case *a.Number > *b.Number:
				return 1
			}
			return 0
		}
		return strings.Compare(a.Value, b.Value)
	})
	var items []string
	for _, v := range vs {
		if c.Class == Numeric {
			items = append(items, formatNumber(*v.Number))
		} else {
			items = append(items, quote(v.Value))
		}
	}
	if withNull {
		items = append(items, "NULL")
	}
	return "[" + strings.Join(items, ", ") + "]"
}

func topValues(c *ColumnProfile, k int) string {
	var s []string
	for i, v := range c.Histogram {
		if i == k {
			s = append(s, fmt.Sprintf("%d more", len(c.Histogram)-k))
			break
		}
		val := v.Value
		if c.Class == String {
			val = quote(val)
		}
		s = append(s, fmt.Sprintf("%s (%s)", val, count(v.Count)))
	}
	return strings.Join(s, ", ")
}

// quote writes a DQDL string literal; the parser unescapes \" and \\ in
// column names and list items (spec §18 #25).
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// count formats n with thousands separators: 2,463,931.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func percent(f float64) string {
	return strconv.FormatFloat(math.Floor(f*10000)/100, 'f', 2, 64) + "%"
}

// sig prints a statistic for people: six significant digits.
func sig(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

func prefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

// text renders the ruleset with a header and one evidence comment per
// rule, and returns it in canonical form: parsing it proves every rule is
// valid DQDL, and the formatter keeps each comment with its rule.
func (g *generator) text(p *Profile) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Recommended by dq from %s (%s rows, %d columns).\n", p.Location, count(p.Rows), len(p.Columns))
	b.WriteString("# Every rule passed on that data. Review them: keep what is a real\n# expectation, tighten or drop the rest.\n\nRules = [\n")
	for i, r := range g.rules {
		fmt.Fprintf(&b, "    # %s\n    %s", strings.ReplaceAll(r.Evidence, "\n", " "), r.Text)
		if i < len(g.rules)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	rs, err := dqdl.Parse("recommended.dqdl", b.String())
	if err != nil {
		return "", fmt.Errorf("recommend: generated an invalid ruleset (a bug): %w\n%s", err, b.String())
	}
	// Store each rule's canonical text too, for callers that use Rules.
	for i, r := range rs.Rules {
		g.rules[i].Text = r.String()
	}
	return rs.String(), nil
}
