package dqdl

import (
	"fmt"
	"strings"
)

// Pos is a position in a ruleset's source text.
type Pos struct {
	Filename string
	Offset   int // byte offset, 0-based
	Line     int // 1-based
	Column   int // 1-based, counted in characters (runes)
}

// String renders the position as file:line:col, the form editors and
// compilers use, so that terminals and IDEs can jump to it.
func (p Pos) String() string {
	name := p.Filename
	if name == "" {
		name = "<input>"
	}
	return fmt.Sprintf("%s:%d:%d", name, p.Line, p.Column)
}

// Node is implemented by every syntax node.
type Node interface {
	Position() Pos
}

// Ruleset is a parsed, validated DQDL document.
type Ruleset struct {
	Pos           Pos
	Metadata      *Dictionary // nil when the section is absent
	DataSources   *Dictionary // nil when the section is absent
	Variables     []*Variable
	DefaultLabels *LabelList // nil when the section is absent
	HasRules      bool       // a Rules section is present (it may be empty)
	Rules         []Rule
	HasAnalyzers  bool // an Analyzers section is present (it may be empty)
	Analyzers     []*Analyzer
	// Comments holds every comment of the source with its position, so that
	// the formatter can keep them.
	Comments []*Comment
	// Warnings are problems that do not stop the ruleset from running in
	// Glue, such as text after the last section that Glue ignores.
	Warnings []*Diagnostic
	// Trailing is the source text after the last section, from its first
	// token to the end (comments included), which Glue ignores. The
	// formatter prints it as written, so that formatting never deletes
	// text; "" when there is none.
	Trailing    string
	TrailingPos Pos

	layout *layout // source layout for the formatter; nil for built rulesets
}

// Variable returns the declared variable with the given name, or nil.
func (rs *Ruleset) Variable(name string) *Variable {
	for _, v := range rs.Variables {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// PrimarySource is the DataSources "Primary" alias, or "" when unset.
func (rs *Ruleset) PrimarySource() string {
	if rs.DataSources == nil {
		return ""
	}
	if e := rs.DataSources.Entry("Primary"); e != nil && !e.IsList {
		return e.Value
	}
	return ""
}

// AdditionalSources lists the DataSources "AdditionalDataSources" aliases.
func (rs *Ruleset) AdditionalSources() []string {
	if rs.DataSources == nil {
		return nil
	}
	if e := rs.DataSources.Entry("AdditionalDataSources"); e != nil && e.IsList {
		return e.List
	}
	return nil
}

// EffectiveLabels returns the labels that apply to a top-level rule: the
// DefaultLabels overlaid by the rule's own labels (the rule wins on a key
// collision). The result is nil when no label applies.
func (rs *Ruleset) EffectiveLabels(r Rule) map[string]string {
	var out map[string]string
	add := func(l *LabelList) {
		if l == nil {
			return
		}
		if out == nil {
			out = make(map[string]string)
		}
		for _, lb := range l.Labels {
			out[lb.Key] = lb.Value
		}
	}
	add(rs.DefaultLabels)
	add(RuleLabels(r))
	return out
}

// Comment is a `#` comment. Text includes the leading '#'.
type Comment struct {
	Pos  Pos
	Text string
}

// Dictionary is the `{ "key": value, ... }` form of Metadata and DataSources.
type Dictionary struct {
	Pos     Pos
	Entries []*DictEntry
}

// Entry returns the entry with the given key, or nil. When a key is
// repeated, the last entry wins, as in Glue.
func (d *Dictionary) Entry(key string) *DictEntry {
	for i := len(d.Entries) - 1; i >= 0; i-- {
		if d.Entries[i].Key == key {
			return d.Entries[i]
		}
	}
	return nil
}

// DictEntry is one key of a Dictionary; its value is a string or a list of strings.
type DictEntry struct {
	Pos    Pos
	Key    string
	Value  string   // when !IsList
	List   []string // when IsList
	IsList bool
}

// Variable is a declaration `name = "value"` or `name = ["a", "b", NULL]`.
type Variable struct {
	Pos    Pos
	Name   string
	Value  Operand   // *StringLit or *Keyword, when !IsList
	List   []Operand // *StringLit or *Keyword items, when IsList
	IsList bool
}

// Rule is a top-level rule: a *SimpleRule or a *CompositeRule.
type Rule interface {
	Node
	String() string
	isRule()
}

// LogicalOp joins the operands of a composite rule.
type LogicalOp int

const (
	And LogicalOp = iota
	Or
)

func (op LogicalOp) String() string {
	if op == Or {
		return "OR"
	}
	return "AND"
}

// CompositeRule combines rules with AND or OR. Chains of the same operator
// are flattened, so Rules has two or more entries and no direct child is a
// CompositeRule with the same Op and no labels of its own.
type CompositeRule struct {
	Pos    Pos
	Op     LogicalOp
	Rules  []Rule
	Labels *LabelList // labels on a parenthesised composite; nil if none
}

func (c *CompositeRule) Position() Pos { return c.Pos }
func (*CompositeRule) isRule()         {}

// SimpleRule is one rule: a rule type, its parameters, an optional condition,
// where clause, threshold, tags and labels.
type SimpleRule struct {
	Pos       Pos
	Type      string
	Spec      *RuleType // the registry entry, resolved by parameter count
	Params    []*Param
	Condition *Condition // nil when the rule has none
	Where     *Where     // nil when the rule has none
	Threshold *Condition // `with threshold ...`; nil when absent
	Tags      []*Tag     // other `with key = value` tags, in source order
	Labels    *LabelList // the rule's own labels; nil when absent
}

func (r *SimpleRule) Position() Pos { return r.Pos }
func (*SimpleRule) isRule()         {}

// Tag returns the tag with the given key, or nil. Keys are case-sensitive.
// When a tag is repeated, the last one wins, as in Glue.
func (r *SimpleRule) Tag(key string) *Tag {
	for i := len(r.Tags) - 1; i >= 0; i-- {
		if r.Tags[i].Key == key {
			return r.Tags[i]
		}
	}
	return nil
}

// Leaves returns the simple rules of r in source order.
func Leaves(r Rule) []*SimpleRule {
	switch r := r.(type) {
	case *SimpleRule:
		return []*SimpleRule{r}
	case *CompositeRule:
		var out []*SimpleRule
		for _, c := range r.Rules {
			out = append(out, Leaves(c)...)
		}
		return out
	}
	return nil
}

// RuleLabels returns the labels written on r itself, or nil.
func RuleLabels(r Rule) *LabelList {
	switch r := r.(type) {
	case *SimpleRule:
		return r.Labels
	case *CompositeRule:
		return r.Labels
	}
	return nil
}

// Analyzer is an entry of the Analyzers section: a rule type and its
// parameters, with no condition.
type Analyzer struct {
	Pos    Pos
	Type   string
	Spec   *RuleType
	Params []*Param
}

func (a *Analyzer) Position() Pos { return a.Pos }

// Param is a rule or analyzer parameter.
type Param struct {
	Pos       Pos
	Connector string // "of"/"and" (as written) before the parameter, or ""
	// Value is what the parameter means: the quoted text with \" and \\
	// unescaped, the bare identifier, or the referenced variable's value.
	Value string
	// Raw is the source text between the quotes, escapes kept, or the bare
	// identifier. SQL statements are run from Raw, as Glue does.
	Raw    string
	Quoted bool
	Var    string // the variable name when written as $name
}

// Source is the text a pattern or statement parameter hands to its engine:
// Raw, escapes kept as Glue keeps them, or for a $variable (which has no
// source text of its own) the variable's value.
func (p *Param) Source() string {
	if p.Var != "" {
		return p.Value
	}
	return p.Raw
}

func (p *Param) Position() Pos { return p.Pos }

// Where is a `where "<sql>"` clause. SQL is the text between the quotes as
// written (escapes kept), because it is handed to a SQL engine.
type Where struct {
	Pos Pos
	SQL string
}

// Tag is a `with key = value` tag other than threshold. The value is a
// string or a number, or, for tags such as filterOrder, a list of strings.
type Tag struct {
	Pos   Pos
	Key   string
	Value Operand      // *StringLit or *Number; nil for a list value
	List  []*StringLit // `with key = ["a","b"]`
}

// Text is the tag's value as a plain string: the unescaped string, the
// number's text, or a list's items joined by commas.
func (t *Tag) Text() string {
	if t.List != nil {
		items := make([]string, len(t.List))
		for i, s := range t.List {
			items[i] = s.Value
		}
		return strings.Join(items, ",")
	}
	switch v := t.Value.(type) {
	case *StringLit:
		return v.Value
	case *Number:
		return v.Text
	}
	return ""
}

// LabelList is `labels=[...]` or the DefaultLabels section.
type LabelList struct {
	Pos    Pos
	Labels []*Label
}

// Get returns the value of key and whether it is present.
func (l *LabelList) Get(key string) (string, bool) {
	if l == nil {
		return "", false
	}
	for _, lb := range l.Labels {
		if lb.Key == key {
			return lb.Value, true
		}
	}
	return "", false
}

// Label is one "key"="value" pair (both unescaped).
type Label struct {
	Pos   Pos
	Key   string
	Value string
}

// Op is a condition operator.
type Op int

const (
	OpEq Op = iota
	OpNe
	OpGt
	OpGe
	OpLt
	OpLe
	OpBetween
	OpNotBetween
	OpIn
	OpNotIn
	OpMatches
	OpNotMatches
)

var opText = [...]string{"=", "!=", ">", ">=", "<", "<=", "between", "not between", "in", "not in", "matches", "not matches"}

func (o Op) String() string { return opText[o] }

// Negated reports whether the operator is a negative form (!=, not ...).
func (o Op) Negated() bool {
	return o == OpNe || o == OpNotBetween || o == OpNotIn || o == OpNotMatches
}

// ConditionKind is what a condition compares, fixed by the rule type's
// return type during validation.
type ConditionKind int

const (
	NumberCondition ConditionKind = iota
	StringCondition
	DateCondition
	DurationCondition
	SizeCondition
)

func (k ConditionKind) String() string {
	return [...]string{"number", "string", "date", "duration", "size"}[k]
}

// Condition is the comparison part of a rule, or of `with threshold`.
type Condition struct {
	Pos  Pos
	Kind ConditionKind
	Op   Op
	// Operands: one for comparisons and matches, two for (not) between, the
	// items for (not) in. For `in $var` they are the variable's items.
	Operands []Operand
	// ListVar is set for `in $var` / `not in $var`.
	ListVar *VarRef
}

func (c *Condition) Position() Pos { return c.Pos }

// Static reports whether every operand is a literal, i.e. the condition
// uses no dynamic function such as avg(last(3)).
func (c *Condition) Static() bool {
	for _, o := range c.Operands {
		if !staticOperand(o) {
			return false
		}
	}
	return true
}

func staticOperand(o Operand) bool {
	switch o := o.(type) {
	case *Call:
		return false
	case *Binary:
		return staticOperand(o.X) && staticOperand(o.Y)
	case *Paren:
		return staticOperand(o.X)
	}
	return true
}

// Operand is a condition operand. Number expressions are *Number, *Call,
// *Binary and *Paren (and *Keyword NULL); strings are *StringLit, *Keyword
// and *VarRef; dates are *DateLit, *TimeLit, *Now and *NowOffset (and
// *Keyword NULL); durations are *Duration; sizes are *Size.
type Operand interface {
	Node
	isOperand()
}

// Number is a numeric literal. Text is the source text ("-5", "0.40",
// "007"), printed verbatim by the formatter.
type Number struct {
	Pos   Pos
	Text  string
	Value float64
}

// Call is a function call in a dynamic expression, e.g. avg(last(10)).
type Call struct {
	Pos  Pos
	Name string
	Args []Operand
}

// Binary is `X op Y` with op one of + - * /. DQDL gives all four the same
// precedence, left-associative, as Glue's ANTLR grammar does.
type Binary struct {
	Pos  Pos
	Op   byte
	X, Y Operand
}

// Paren is an explicitly parenthesised number expression.
type Paren struct {
	Pos Pos
	X   Operand
}

// StringLit is a quoted string operand. Raw is the text between the quotes
// as written; Value has \" and \\ unescaped.
type StringLit struct {
	Pos   Pos
	Raw   string
	Value string
}

// KeywordKind is one of the DQDL value keywords.
type KeywordKind int

const (
	Null KeywordKind = iota
	Empty
	WhitespacesOnly
)

func (k KeywordKind) String() string {
	return [...]string{"NULL", "EMPTY", "WHITESPACES_ONLY"}[k]
}

// Keyword is NULL, EMPTY or WHITESPACES_ONLY (either case in the source).
type Keyword struct {
	Pos  Pos
	Kind KeywordKind
}

// VarRef is `$name`. Value holds the resolved variable.
type VarRef struct {
	Pos   Pos
	Name  string
	Value *Variable
}

// DateLit is a "YYYY-MM-DD" date literal (midnight UTC).
type DateLit struct {
	Pos              Pos
	Text             string // without quotes
	Year, Month, Day int
}

// TimeLit is a time-of-day literal, "9:30 AM" or "21:45": today, in the
// rule's timeZone tag (default UTC), at that time.
type TimeLit struct {
	Pos          Pos
	Text         string // without quotes
	Hour, Minute int    // 24-hour clock
}

// Now is now(): the run's instant (UTC), truncated to the minute.
type Now struct {
	Pos Pos
}

// NowOffset is `(now() - 3 days)` or `(now() + 2 hours)`.
type NowOffset struct {
	Pos    Pos
	Sign   byte // '+' or '-'
	Amount *Duration
}

// DurationUnit is days, hours or minutes.
type DurationUnit string

const (
	Days    DurationUnit = "days"
	Hours   DurationUnit = "hours"
	Minutes DurationUnit = "minutes"
)

// Duration is `N days|hours|minutes`.
type Duration struct {
	Pos    Pos
	Text   string // the amount as written
	Amount int64
	Unit   DurationUnit
}

// Minutes is the duration in minutes.
func (d *Duration) Minutes() int64 {
	switch d.Unit {
	case Days:
		return d.Amount * 1440
	case Hours:
		return d.Amount * 60
	}
	return d.Amount
}

// Size is `N B|KB|MB|GB|TB` (binary multiples), or a bare integer number of
// bytes in a FileSize condition (Unit "").
type Size struct {
	Pos    Pos
	Text   string // the amount as written
	Amount int64
	Unit   string
}

// Bytes is the size in bytes.
func (s *Size) Bytes() int64 {
	shift := map[string]uint{"": 0, "B": 0, "KB": 10, "MB": 20, "GB": 30, "TB": 40}[s.Unit]
	return s.Amount << shift
}

func (n *Number) Position() Pos    { return n.Pos }
func (c *Call) Position() Pos      { return c.Pos }
func (b *Binary) Position() Pos    { return b.Pos }
func (p *Paren) Position() Pos     { return p.Pos }
func (s *StringLit) Position() Pos { return s.Pos }
func (k *Keyword) Position() Pos   { return k.Pos }
func (v *VarRef) Position() Pos    { return v.Pos }
func (d *DateLit) Position() Pos   { return d.Pos }
func (t *TimeLit) Position() Pos   { return t.Pos }
func (n *Now) Position() Pos       { return n.Pos }
func (n *NowOffset) Position() Pos { return n.Pos }
func (d *Duration) Position() Pos  { return d.Pos }
func (s *Size) Position() Pos      { return s.Pos }

func (*Number) isOperand()    {}
func (*Call) isOperand()      {}
func (*Binary) isOperand()    {}
func (*Paren) isOperand()     {}
func (*StringLit) isOperand() {}
func (*Keyword) isOperand()   {}
func (*VarRef) isOperand()    {}
func (*DateLit) isOperand()   {}
func (*TimeLit) isOperand()   {}
func (*Now) isOperand()       {}
func (*NowOffset) isOperand() {}
func (*Duration) isOperand()  {}
func (*Size) isOperand()      {}

// Severity tells an error from a warning.
type Severity int

const (
	SeverityError Severity = iota
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in a ruleset, with its position.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Msg      string
}

func (d *Diagnostic) Error() string {
	if d.Severity == SeverityWarning {
		return d.Pos.String() + ": warning: " + d.Msg
	}
	return d.Pos.String() + ": " + d.Msg
}

// ErrorList is every problem found in a ruleset, errors and warnings, in
// source order. Parse returns one when the ruleset has at least one error.
type ErrorList []*Diagnostic

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, d := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}
