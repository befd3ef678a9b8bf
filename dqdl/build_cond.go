package dqdl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Building conditions: operands, the condition kind a rule type demands,
// and the dynamic-expression functions.

// condition builds a condition and fixes its kind from the rule type's
// return type (spec §3 step 5). t is nil for thresholds (always numbers) and
// for rules whose type is unknown (then the kind is inferred, so operands
// are still checked).
func (b *builder) condition(g *gCond, t *RuleType, ruleName string, threshold bool) *Condition {
	c := &Condition{Pos: toPos(g.Pos)}
	switch {
	case g.Between != nil:
		c.Op = OpBetween
		if g.Not {
			c.Op = OpNotBetween
		}
		c.Operands = []Operand{b.operand(g.Between.Lo), b.operand(g.Between.Hi)}
	case g.In != nil:
		c.Op = OpIn
		if g.Not {
			c.Op = OpNotIn
		}
		if g.In.List != nil {
			if len(g.In.List.Items) == 0 {
				b.errorf(g.In.List.Pos, "empty list after `in`")
			}
			for _, it := range g.In.List.Items {
				c.Operands = append(c.Operands, b.operand(it))
			}
		} else {
			c.ListVar = b.varRef(g.In.Var.Pos, g.In.Var.Name)
			if v := c.ListVar.Value; v != nil {
				if v.IsList {
					c.Operands = append(c.Operands, v.List...)
				} else if v.Value != nil {
					c.Operands = append(c.Operands, v.Value)
				}
			}
		}
	case g.Matches != nil:
		c.Op = OpMatches
		if g.Not {
			c.Op = OpNotMatches
		}
		s := &StringLit{Pos: toPos(g.Matches.Pos), Raw: stripQuotes(g.Matches.Pattern)}
		s.Value = s.Raw // regexes are kept raw, as Glue does (spec §18 #25)
		c.Operands = []Operand{s}
		if msg := checkRegex(s.Raw); msg != "" {
			b.errorf(g.Matches.Pos, "%s", msg)
		}
	case g.Cmp != nil:
		if g.Not {
			b.errorf(g.Pos, "`not` goes only before between, in or matches; write != for not-equal")
		}
		ops := map[string]Op{"=": OpEq, ">": OpGt, ">=": OpGe, "<": OpLt, "<=": OpLe}
		c.Op = ops[g.Cmp.Op]
		if g.Cmp.Negated {
			if c.Op != OpEq {
				b.errorf(g.Cmp.Pos, "`!` goes only before `=`")
			}
			c.Op = OpNe
		}
		c.Operands = []Operand{b.operand(g.Cmp.X)}
	}
	b.classify(c, t, ruleName, threshold)
	return c
}

func (b *builder) varRef(p lexer.Position, name string) *VarRef {
	b.used[name] = true
	v := &VarRef{Pos: toPos(p), Name: name, Value: b.rs.Variable(name)}
	if v.Value == nil {
		b.errorf(p, "variable not found: $%s (declare it before the Rules section: %s = [\"a\", \"b\"])", name, name)
	}
	return v
}

func (b *builder) operand(g *gOperand) Operand {
	switch {
	case g.Num != nil:
		return b.numOperand(g.Num)
	case g.Keyword != nil:
		return b.keyword(g.Pos, *g.Keyword)
	case g.Str != nil:
		return b.stringLit(g.Pos, *g.Str)
	case g.Date != nil:
		return b.date(g.Pos, *g.Date)
	case g.Time != nil:
		return b.timeLit(g.Pos, *g.Time)
	case g.Now:
		return &Now{Pos: toPos(g.Pos)}
	case g.Var != nil:
		return b.varRef(g.Var.Pos, g.Var.Name)
	}
	return nil
}

// numOperand builds a number expression, or the duration, size, date
// offset or NULL that the grammar parses in the same shape.
func (b *builder) numOperand(g *gNumExpr) Operand {
	if len(g.Rest) == 0 {
		a := g.First
		switch {
		case a.Null:
			return &Keyword{Pos: toPos(a.Pos), Kind: Null}
		case a.NowOff != nil:
			return &NowOffset{Pos: toPos(a.Pos), Sign: a.NowOff.Sign[0], Amount: b.duration(a.NowOff.Dur)}
		case a.Lit != nil && a.Lit.Unit != "":
			return b.quantity(a.Lit)
		}
	}
	return b.numExpr(g)
}

// quantity builds `N days|hours|minutes` or `N B|KB|MB|GB|TB`.
func (b *builder) quantity(l *gNumLit) Operand {
	if l.Neg || strings.Contains(l.Value, ".") {
		b.errorf(l.Pos, "%s %s: the amount must be a whole number, not negative", l.Value, l.Unit)
	}
	switch l.Unit {
	case "days", "hours", "minutes":
		return b.duration(&gDuration{Pos: l.Pos, Amount: l.Value, Unit: l.Unit})
	}
	n, err := strconv.ParseInt(l.Value, 10, 64)
	if err != nil || n > 1<<23 {
		b.errorf(l.Pos, "size %s %s is too large", l.Value, l.Unit)
	}
	return &Size{Pos: toPos(l.Pos), Text: l.Value, Amount: n, Unit: l.Unit}
}

func (b *builder) duration(g *gDuration) *Duration {
	n, err := strconv.ParseInt(g.Amount, 10, 64)
	if err != nil || n > 1<<40 {
		b.errorf(g.Pos, "duration %s %s is too large", g.Amount, g.Unit)
	}
	return &Duration{Pos: toPos(g.Pos), Text: g.Amount, Amount: n, Unit: DurationUnit(g.Unit)}
}

func (b *builder) stringLit(p lexer.Position, tok string) *StringLit {
	raw := stripQuotes(tok)
	return &StringLit{Pos: toPos(p), Raw: raw, Value: unescape(raw)}
}

func (b *builder) keyword(p lexer.Position, word string) *Keyword {
	k := &Keyword{Pos: toPos(p)}
	switch strings.ToUpper(word) {
	case "EMPTY":
		k.Kind = Empty
	case "WHITESPACES_ONLY":
		k.Kind = WhitespacesOnly
	}
	return k
}

var daysIn = [...]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func (b *builder) date(p lexer.Position, tok string) *DateLit {
	text := stripQuotes(tok)
	y, _ := strconv.Atoi(text[0:4])
	m, _ := strconv.Atoi(text[5:7])
	d, _ := strconv.Atoi(text[8:10])
	leap := y%4 == 0 && (y%100 != 0 || y%400 == 0)
	switch {
	case m < 1 || m > 12:
		b.errorf(p, "invalid date %q: there is no month %d", text, m)
	case d < 1 || d > daysIn[m-1] || (m == 2 && d == 29 && !leap):
		b.errorf(p, "invalid date %q: day %d does not exist in that month", text, d)
	}
	return &DateLit{Pos: toPos(p), Text: text, Year: y, Month: m, Day: d}
}

func (b *builder) timeLit(p lexer.Position, tok string) *TimeLit {
	text := stripQuotes(tok)
	t := &TimeLit{Pos: toPos(p), Text: text}
	hm := text
	ampm := ""
	if strings.HasSuffix(text, " AM") || strings.HasSuffix(text, " PM") {
		hm, ampm = text[:len(text)-3], text[len(text)-2:]
	}
	h, _ := strconv.Atoi(hm[:strings.IndexByte(hm, ':')])
	mi, _ := strconv.Atoi(hm[strings.IndexByte(hm, ':')+1:])
	switch {
	case mi > 59:
		b.errorf(p, "invalid time %q: minutes must be 00-59", text)
	case ampm == "" && h > 23:
		b.errorf(p, "invalid time %q: hours must be 00-23", text)
	case ampm != "" && (h < 1 || h > 12):
		b.errorf(p, "invalid time %q: hours must be 1-12 with AM/PM", text)
	}
	if ampm != "" {
		h %= 12
		if ampm == "PM" {
			h += 12
		}
	}
	t.Hour, t.Minute = h, mi
	return t
}

func (b *builder) number(g *gNumLit) *Number {
	if g.Unit != "" {
		b.errorf(g.Pos, "%s %s cannot be used in arithmetic", g.Value, g.Unit)
	}
	text := g.Value
	if g.Neg {
		text = "-" + text
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		b.errorf(g.Pos, "invalid number %s", text)
	}
	return &Number{Pos: toPos(g.Pos), Text: text, Value: v}
}

func (b *builder) numExpr(g *gNumExpr) Operand {
	x := b.numAtom(g.First)
	for _, t := range g.Rest {
		x = &Binary{Pos: toPos(g.Pos), Op: t.Op[0], X: x, Y: b.numAtom(t.X)}
	}
	return x
}

func (b *builder) numAtom(g *gNumAtom) Operand {
	switch {
	case g.Lit != nil:
		return b.number(g.Lit)
	case g.Call != nil:
		c := &Call{Pos: toPos(g.Pos), Name: g.Call.Name}
		for _, a := range g.Call.Args {
			c.Args = append(c.Args, b.numExpr(a))
		}
		return c
	case g.Paren != nil:
		return &Paren{Pos: toPos(g.Pos), X: b.numExpr(g.Paren)}
	case g.NowOff != nil:
		b.errorf(g.Pos, "a date cannot be used in arithmetic")
	}
	return &Keyword{Pos: toPos(g.Pos), Kind: Null}
}

// operandKind says which condition kinds an operand can belong to.
type kindSet uint8

const (
	kNumber kindSet = 1 << iota
	kString
	kDate
	kDuration
	kSize
)

func operandKinds(o Operand) kindSet {
	switch o := o.(type) {
	case *Number, *Call, *Binary, *Paren:
		return kNumber
	case *Keyword:
		if o.Kind == Null {
			return kNumber | kString | kDate
		}
		return kString
	case *StringLit, *VarRef:
		return kString
	case *DateLit, *TimeLit, *Now, *NowOffset:
		return kDate
	case *Duration:
		return kDuration
	case *Size:
		return kSize
	}
	return 0
}

func kindNoun(k kindSet) string {
	switch {
	case k&kNumber != 0:
		return "a number"
	case k&kString != 0:
		return "a string"
	case k&kDate != 0:
		return "a date"
	case k&kDuration != 0:
		return "a duration"
	case k&kSize != 0:
		return "a size"
	}
	return "a value"
}

// classify fixes the condition's kind and checks operands and operator
// against it.
func (b *builder) classify(c *Condition, t *RuleType, ruleName string, threshold bool) {
	all := kNumber | kString | kDate | kDuration | kSize
	common := all
	for _, o := range c.Operands {
		if o != nil {
			common &= operandKinds(o)
		}
	}
	if c.Op == OpMatches || c.Op == OpNotMatches {
		common &= kString
	}
	if c.ListVar != nil {
		common &= kString
	}
	var allowed kindSet
	var returnWord string
	switch {
	case threshold:
		allowed, returnWord = kNumber, "number"
	case t == nil:
		allowed = all
	default:
		switch t.ReturnType {
		case "NUMBER", "NUMBER|BOOLEAN":
			allowed, returnWord = kNumber, "number"
		case "BOOLEAN":
			b.errorf(lexerPos(c.Pos), "%s takes no condition: it passes or fails by itself", ruleName)
			return
		case "STRING":
			allowed, returnWord = kString, "string"
		case "STRING_ARRAY|NUMBER_ARRAY|DATE_ARRAY":
			allowed, returnWord = kString|kNumber|kDate, "string, number or date"
		case "DURATION_ARRAY":
			allowed, returnWord = kDuration, "duration"
		case "DATE":
			allowed, returnWord = kDate, "date"
		case "SIZE":
			allowed, returnWord = kSize|kNumber, "size"
		default:
			allowed = all
		}
	}
	k := common & allowed
	if k == 0 {
		if common == 0 {
			b.errorf(lexerPos(c.Pos), "the operands of this condition mix kinds (e.g. dates and strings); use one kind of value")
			return
		}
		got := kindNoun(common)
		if threshold {
			b.errorf(lexerPos(c.Pos), "threshold needs a number condition (e.g. with threshold > 0.9), got %s", got)
		} else {
			b.errorf(lexerPos(c.Pos), "%s compares a %s, but this condition has %s", ruleName, returnWord, got)
		}
		return
	}
	// Glue tries string, then number, then date for ColumnValues, so a
	// condition of only NULLs is a string condition.
	switch {
	case allowed == kNumber:
		c.Kind = NumberCondition
	case k&kString != 0:
		c.Kind = StringCondition
	case k&kNumber != 0:
		c.Kind = NumberCondition
	case k&kDate != 0:
		c.Kind = DateCondition
	case k&kDuration != 0:
		c.Kind = DurationCondition
	case k&kSize != 0:
		c.Kind = SizeCondition
	}
	if t != nil && t.ReturnType == "SIZE" {
		c.Kind = SizeCondition
		for i, o := range c.Operands {
			if n, ok := o.(*Number); ok {
				v, err := strconv.ParseInt(n.Text, 10, 64)
				if err != nil || v < 0 {
					b.errorf(lexerPos(n.Pos), "%s compares sizes: use a whole number of bytes or a unit (e.g. 5 MB), got %s", ruleName, n.Text)
					continue
				}
				c.Operands[i] = &Size{Pos: n.Pos, Text: n.Text, Amount: v}
			} else if _, ok := o.(*Size); !ok {
				b.errorf(lexerPos(o.Position()), "%s compares sizes: use a whole number of bytes or a unit (e.g. 5 MB)", ruleName)
			}
		}
	}
	switch c.Kind {
	case StringCondition:
		switch c.Op {
		case OpGt, OpGe, OpLt, OpLe, OpBetween, OpNotBetween:
			b.errorf(lexerPos(c.Pos), "strings cannot be compared with %s; use =, !=, in, not in or matches", c.Op)
		}
		if c.Op == OpEq || c.Op == OpNe {
			if v, ok := c.Operands[0].(*VarRef); ok && v.Value != nil && v.Value.IsList {
				b.errorf(lexerPos(v.Pos), "variable $%s is a list; use `in $%s`", v.Name, v.Name)
			}
		}
	default:
		if c.Op == OpMatches || c.Op == OpNotMatches {
			b.errorf(lexerPos(c.Pos), "matches applies only to strings")
		}
	}
	if c.Kind != NumberCondition {
		for _, o := range c.Operands {
			if vr, ok := o.(*VarRef); ok && c.Kind != StringCondition {
				b.errorf(lexerPos(vr.Pos), "variables hold strings; $%s cannot be used in a %s condition", vr.Name, c.Kind)
			}
		}
	}
	if c.Kind == NumberCondition {
		for _, o := range c.Operands {
			b.checkFunctions(o)
		}
	}
}

func lexerPos(p Pos) lexer.Position {
	return lexer.Position{Filename: p.Filename, Offset: p.Offset, Line: p.Line, Column: p.Column}
}

// knownFunctions are the dynamic-rule functions Glue documents (spec §8.2)
// with their argument counts (-1: one or more).
var knownFunctions = map[string][2]int{
	"last": {0, 1}, "avg": {1, 1}, "median": {1, 1}, "max": {1, -1}, "min": {1, -1},
	"sum": {1, 1}, "std": {1, 1}, "abs": {1, 1}, "index": {2, 2},
}

// checkFunctions warns about functions Glue's grammar accepts but its engine
// cannot evaluate: the ruleset still parses (as in Glue), but the user
// learns now rather than at run time.
func (b *builder) checkFunctions(o Operand) {
	switch o := o.(type) {
	case *Call:
		ar, ok := knownFunctions[o.Name]
		switch {
		case !ok:
			b.warnings = append(b.warnings, &Diagnostic{Pos: o.Pos, Severity: SeverityWarning,
				Msg: fmt.Sprintf("unknown function %s(): dynamic rules support last, avg, median, min, max, sum, std, abs and index; this rule will fail to evaluate", o.Name)})
		case len(o.Args) < ar[0] || (ar[1] >= 0 && len(o.Args) > ar[1]):
			b.warnf(lexerPos(o.Pos), "%s() takes %s, got %d; this rule will fail to evaluate", o.Name, argCount(ar), len(o.Args))
		case o.Name == "last" && len(o.Args) == 1:
			if n, ok := o.Args[0].(*Number); !ok || n.Value < 1 || n.Value != float64(int64(n.Value)) {
				b.warnf(lexerPos(o.Pos), "last(k) needs a whole number k >= 1; this rule will fail to evaluate")
			}
		}
		for _, a := range o.Args {
			b.checkFunctions(a)
		}
	case *Binary:
		b.checkFunctions(o.X)
		b.checkFunctions(o.Y)
	case *Paren:
		b.checkFunctions(o.X)
	}
}

func argCount(a [2]int) string {
	switch {
	case a[1] < 0:
		return fmt.Sprintf("%d or more arguments", a[0])
	case a[0] == a[1]:
		if a[0] == 1 {
			return "1 argument"
		}
		return fmt.Sprintf("%d arguments", a[0])
	}
	return fmt.Sprintf("%d to %d arguments", a[0], a[1])
}

// dynamicChecks warns where Glue's engine rejects dynamic operands that its
// parser accepts (spec §17 #21).
func (b *builder) dynamicChecks(r *SimpleRule) {
	if r.Condition == nil || r.Condition.Static() {
		return
	}
	switch r.Type {
	case "ColumnValues", "ColumnLength", "DataFreshness":
		b.warnings = append(b.warnings, &Diagnostic{Pos: r.Condition.Pos, Severity: SeverityWarning,
			Msg: fmt.Sprintf("%s supports only literal operands; Glue fails this rule at run time because of the dynamic expression", r.Type)})
	}
}
