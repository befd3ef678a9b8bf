// Package console renders an evaluation result as human-readable tables
// for a terminal: one row per rule, failing rules marked so they stand out
// with or without colour, then a one-line summary, then analyzer results
// and observations if there are any.
//
// Output is deterministic for a given Result and Options (metric keys and
// labels are sorted), so it can be golden-tested and diffed.
package console

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/dqlabs/dq/engine"
)

// Options controls rendering. The zero value is plain text at 120 columns.
type Options struct {
	// Color adds ANSI colours. The caller decides, typically from
	// isatty(stdout) and NO_COLOR; the sink never inspects the terminal.
	Color bool
	// Width is the target total width in columns; 0 means 120. Long rule
	// text, messages and metrics wrap within it. Tables never get narrower
	// than about 80 columns, so tiny values are not an error.
	Width int
}

const (
	defaultWidth = 120
	minWidth     = 80
)

// Markers appear whatever the colour setting, so failures are visible in
// logs, pipes and for colour-blind readers.
const (
	markPass  = "✓"
	markFail  = "✗"
	markError = "!"
)

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[1;31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[1;33m"
	ansiDim    = "\x1b[2m"
)

// WriteTable writes r to w: the rule table, a summary line, and the
// analyzer and observation tables when r has any.
func WriteTable(w io.Writer, r *engine.Result, opts Options) error {
	if r == nil {
		return fmt.Errorf("console: nil result")
	}
	width := opts.Width
	if width <= 0 {
		width = defaultWidth
	}
	width = max(width, minWidth)
	p := &printer{w: w, opts: opts, width: width}

	if head := heading(r); head != "" {
		p.printf("%s\n", head)
	}
	if len(r.RuleResults) > 0 {
		if err := p.rules(r.RuleResults); err != nil {
			return fmt.Errorf("console: rendering rule table: %w", err)
		}
	}
	p.printf("%s\n", p.summary(r))
	p.unparseable(r)
	if len(r.AnalyzerResults) > 0 {
		p.printf("\nAnalyzers\n")
		if err := p.analyzers(r.AnalyzerResults); err != nil {
			return fmt.Errorf("console: rendering analyzer table: %w", err)
		}
	}
	if len(r.Observations) > 0 {
		p.printf("\nObservations\n")
		if err := p.observations(r.Observations); err != nil {
			return fmt.Errorf("console: rendering observation table: %w", err)
		}
	}
	if p.err != nil {
		return fmt.Errorf("console: writing: %w", p.err)
	}
	return nil
}

// printer carries the first write error so the rendering code can stay
// linear instead of checking every Fprintf.
type printer struct {
	w     io.Writer
	opts  Options
	width int
	err   error
}

func (p *printer) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format, args...)
}

func (p *printer) paint(code, s string) string {
	if !p.opts.Color || s == "" {
		return s
	}
	return code + s + ansiReset
}

// paintWords paints each word on its own so that when tablewriter wraps the
// text, no colour runs past a line end into the borders and neighbouring
// cells.
func (p *printer) paintWords(code, s string) string {
	if !p.opts.Color {
		return s
	}
	words := strings.Split(s, " ")
	for i, w := range words {
		words[i] = p.paint(code, w)
	}
	return strings.Join(words, " ")
}

// heading names what was checked, when the result says.
func heading(r *engine.Result) string {
	var parts []string
	if r.RulesetName != "" {
		parts = append(parts, "Ruleset "+EscapeLine(r.RulesetName))
	}
	if ds := r.DataSource; ds != nil {
		switch {
		case ds.Location != "":
			parts = append(parts, "on "+EscapeLine(ds.Location))
		case ds.GlueTable != nil:
			parts = append(parts, "on "+EscapeLine(ds.GlueTable.DatabaseName+"."+ds.GlueTable.TableName))
		}
	}
	if am := r.AggregatedMetrics; am != nil && am.TotalRowsProcessed > 0 {
		parts = append(parts, fmt.Sprintf("(%s rows)", formatNumber(am.TotalRowsProcessed)))
	}
	return strings.Join(parts, " ")
}

// columnWidths splits the space left after the fixed columns between rule
// text, message and metrics. Each column costs its content plus 3 for
// padding and separator.
func (p *printer) columnWidths(fixed int, shares ...int) []int {
	free := p.width - fixed
	total := 0
	for _, s := range shares {
		total += s
	}
	out := make([]int, len(shares))
	for i, s := range shares {
		out[i] = max(free*s/total-3, 12)
	}
	return out
}

// narrowBelow is the width under which the rule table drops its Metrics
// column (they are in the JSON output) and gives the rule text the room it
// needs before the message gets any: on a narrow terminal the message
// column wraps, not the rule.
const narrowBelow = 100

// narrowWidths sizes the rule text column to the longest rule text line,
// up to two thirds of the free space, and gives the message the rest.
func (p *printer) narrowWidths(rrs []engine.RuleResult) []int {
	free := p.width - (1 + 8 + 3 + 7 + 3) - 3 - 3
	longest := 9 // "Rule text"
	for _, rr := range rrs {
		for _, s := range []string{rr.Description, "→ " + rr.EvaluatedRule} {
			longest = max(longest, runewidth.StringWidth(s))
		}
	}
	rule := min(longest, free*2/3)
	return []int{rule, max(free-rule, 12), 0}
}

func (p *printer) newTable(colWidths map[int]int) *tablewriter.Table {
	return tablewriter.NewTable(p.w,
		// ASCII borders: box-drawing runes are East-Asian-ambiguous and
		// would misalign in CJK locales.
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: tw.CellConfig{
				Formatting: tw.CellFormatting{AutoFormat: tw.Off},
				Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
			},
			Row: tw.CellConfig{
				Formatting:   tw.CellFormatting{AutoWrap: tw.WrapNormal},
				Alignment:    tw.CellAlignment{Global: tw.AlignLeft},
				ColMaxWidths: tw.CellWidth{PerColumn: colWidths},
			},
			Behavior: tw.Behavior{TrimSpace: tw.On},
		}),
	)
}

func (p *printer) rules(rrs []engine.RuleResult) error {
	// Left border, then "Rule_NN" and "! ERROR" with 3 columns of padding
	// and separator each; the rest is split 4:3:3.
	w := p.columnWidths(1+8+3+7+3, 4, 3, 3)
	narrow := p.width < narrowBelow
	if narrow {
		w = p.narrowWidths(rrs)
	}
	t := p.newTable(map[int]int{2: w[0], 3: w[1], 4: w[2]})
	if narrow {
		t = p.newTable(map[int]int{2: w[0], 3: w[1]})
		t.Header("Rule", "Result", "Rule text", "Message")
	} else {
		t.Header("Rule", "Result", "Rule text", "Message", "Metrics")
	}
	for _, rr := range rrs {
		mark, code := markFor(rr.Result)
		// Rule text, names and messages can carry data (column names,
		// values in messages): escape control characters before any
		// colour is added.
		text := Escape(rr.Description)
		if rr.EvaluatedRule != "" && rr.EvaluatedRule != rr.Description {
			// Dynamic rules: show what was actually checked.
			text += "\n" + p.paintWords(ansiDim, "→ "+Escape(rr.EvaluatedRule))
		}
		// Glue's Description already carries a rule's own labels; only
		// labels it lacks (e.g. inherited DefaultLabels) need a line.
		if l := formatLabels(rr.Labels); l != "" && !strings.Contains(rr.Description, "labels=[") {
			text += "\n" + p.paintWords(ansiDim, "labels: "+l)
		}
		name := EscapeLine(rr.Name)
		if rr.Result != engine.Pass {
			name = p.paint(code, name)
		}
		// dq's failure details (failing rows, top values, hints) go under
		// Glue's message, which stays as Glue words it.
		msg := rr.EvaluationMessage
		if s := rr.FailureDetails.Summary(); s != "" {
			msg = strings.TrimPrefix(msg+"\n"+s, "\n")
		}
		cells := []any{
			name,
			p.paint(code, mark+" "+string(rr.Result)),
			wrapLong(text, w[0]),
			wrapLong(Escape(msg), w[1]),
		}
		if !narrow {
			cells = append(cells, wrapLong(formatMetrics(rr.EvaluatedMetrics), w[2]))
		}
		if err := t.Append(cells...); err != nil {
			return err
		}
	}
	return t.Render()
}

func (p *printer) analyzers(ars []engine.AnalyzerResult) error {
	w := p.columnWidths(1+12+3, 4, 4, 2)
	t := p.newTable(map[int]int{1: w[0], 2: w[1], 3: w[2]})
	t.Header("Analyzer", "Description", "Metrics", "Message")
	for _, ar := range ars {
		if err := t.Append(EscapeLine(ar.Name), wrapLong(Escape(ar.Description), w[0]),
			wrapLong(formatMetrics(ar.EvaluatedMetrics), w[1]), wrapLong(Escape(ar.EvaluationMessage), w[2])); err != nil {
			return err
		}
	}
	return t.Render()
}

func (p *printer) observations(obs []engine.Observation) error {
	w := p.columnWidths(1, 5, 3, 2)
	t := p.newTable(map[int]int{0: w[0], 1: w[1], 2: w[2]})
	t.Header("Observation", "Metric", "Actual / expected")
	for _, o := range obs {
		desc, metric, values := Escape(o.Description), "", ""
		if m := o.MetricBasedObservation; m != nil {
			metric = EscapeLine(m.MetricName)
			values = formatMetricValues(m.MetricValues)
			for _, nr := range m.NewRules {
				desc += "\n" + p.paintWords(ansiDim, "suggested: "+Escape(nr))
			}
		}
		if err := t.Append(wrapLong(desc, w[0]), wrapLong(metric, w[1]), wrapLong(values, w[2])); err != nil {
			return err
		}
	}
	return t.Render()
}

// summary is the line a user reads first: counts and score.
func (p *printer) summary(r *engine.Result) string {
	passed, failed, errored := r.Counts()
	errWord := "errors"
	if errored == 1 {
		errWord = "error"
	}
	s := fmt.Sprintf("%d passed, %d failed, %d %s", passed, failed, errored, errWord)
	switch {
	case r.Score != nil && !math.IsNaN(*r.Score):
		s += fmt.Sprintf(" — score %.2f", *r.Score)
	case len(r.RuleResults) == 0:
		s += " — no rules"
	}
	code := ansiGreen
	if failed > 0 {
		code = ansiRed
	} else if errored > 0 {
		code = ansiYellow
	}
	return p.paint(code, s)
}

// unparseable notes the columns whose values dq read as NULL because they
// did not convert to the type the user forced (--column-type).
func (p *printer) unparseable(r *engine.Result) {
	if r.DataSource == nil {
		return
	}
	for _, u := range r.DataSource.UnparseableValues {
		if u.Count == 0 {
			continue
		}
		verb := "were"
		noun := "values"
		if u.Count == 1 {
			verb, noun = "was", "value"
		}
		p.printf("Note: %d %s of column %q could not be read as %s and %s read as NULL.\n", u.Count, noun, u.Column, u.Type, verb)
	}
}

func markFor(o engine.Outcome) (mark, ansi string) {
	switch o {
	case engine.Pass:
		return markPass, ansiGreen
	case engine.Fail:
		return markFail, ansiRed
	default:
		return markError, ansiYellow
	}
}

// formatMetrics renders one "key = value" per line in key order.
func formatMetrics(m map[string]float64) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = EscapeLine(shortKey(k)) + " = " + formatNumber(m[k])
	}
	return strings.Join(lines, "\n")
}

// shortKey drops the entity prefix of a metric key: the instance and name
// say what was measured, and the row's rule text gives the context. The
// JSON sink keeps full keys for machines.
func shortKey(k string) string {
	for _, prefix := range []string{"Dataset.*.", "Column.", "Multicolumn.", "Dataset."} {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			return rest
		}
	}
	return k
}

func formatMetricValues(v engine.MetricValues) string {
	var parts []string
	add := func(name string, f *float64) {
		if f != nil {
			parts = append(parts, name+" "+formatNumber(*f))
		}
	}
	add("actual", v.ActualValue)
	add("expected", v.ExpectedValue)
	if v.LowerLimit != nil || v.UpperLimit != nil {
		lo, hi := "-∞", "+∞"
		if v.LowerLimit != nil {
			lo = formatNumber(*v.LowerLimit)
		}
		if v.UpperLimit != nil {
			hi = formatNumber(*v.UpperLimit)
		}
		parts = append(parts, "range ["+lo+", "+hi+"]")
	}
	return strings.Join(parts, "\n")
}

func formatLabels(l map[string]string) string {
	if len(l) == 0 {
		return ""
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = EscapeLine(k) + "=" + EscapeLine(l[k])
	}
	return strings.Join(parts, ", ")
}

// formatNumber is for people, not machines (the JSON sink keeps full
// precision): counts print as integers without exponent, ratios keep six
// significant digits, and other values four decimals, trailing zeros trimmed.
func formatNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) < 1e-4 || math.Abs(v) >= 1e15:
		return strconv.FormatFloat(v, 'g', 4, 64)
	case math.Abs(v) < 1:
		return strconv.FormatFloat(v, 'g', 6, 64)
	default:
		s := strconv.FormatFloat(v, 'f', 4, 64)
		s = strings.TrimRight(s, "0")
		return strings.TrimSuffix(s, ".")
	}
}

// wrapLong hard-breaks words longer than width (metric keys, SQL without
// spaces), which tablewriter's word wrap would otherwise let overflow the
// column. Breaks prefer '.' and ',' so metric keys split at their parts.
func wrapLong(s string, width int) string {
	if width <= 0 || s == "" {
		return s
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		words := strings.Split(line, " ")
		for i, word := range words {
			words[i] = breakWord(word, width)
		}
		out = append(out, strings.Join(words, " "))
	}
	return strings.Join(out, "\n")
}

func breakWord(word string, width int) string {
	r := []rune(word)
	if len(r) <= width || strings.Contains(word, "\x1b") {
		return word
	}
	var parts []string
	for len(r) > width {
		cut := width
		for i := width; i > width/2; i-- {
			if r[i-1] == '.' || r[i-1] == ',' {
				cut = i
				break
			}
		}
		parts = append(parts, string(r[:cut]))
		r = r[cut:]
	}
	parts = append(parts, string(r))
	return strings.Join(parts, "\n")
}
