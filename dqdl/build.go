package dqdl

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/alecthomas/participle/v2/lexer"
)

// builder turns the participle tree into the AST and performs the checks
// Glue's parser listener performs (spec §3), collecting every problem.
type builder struct {
	file     string
	errs     []*Diagnostic
	warnings []*Diagnostic
	rs       *Ruleset
	used     map[string]bool // variables referenced somewhere
	rules    []parsedRule    // the Rules list, parsed by hand (see Parse)
}

func (b *builder) errorf(p lexer.Position, format string, args ...any) {
	b.errs = append(b.errs, &Diagnostic{Pos: toPos(p), Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) warnf(p lexer.Position, format string, args ...any) {
	b.warnings = append(b.warnings, &Diagnostic{Pos: toPos(p), Severity: SeverityWarning, Msg: fmt.Sprintf(format, args...)})
}

// nestedVarRef finds a `$name` inside a variable's value, which Glue
// rejects as a nested variable.
var nestedVarRef = regexp.MustCompile(`\$[a-zA-Z0-9_.]+`)

const (
	maxLabels        = 10
	maxLabelKeyLen   = 128
	maxLabelValueLen = 256
)

func (b *builder) document(d *gDocument) *Ruleset {
	rs := &Ruleset{Pos: toPos(d.Pos)}
	b.rs = rs
	b.used = make(map[string]bool)
	if d.Metadata != nil {
		rs.Metadata = b.dict(d.Metadata, "Metadata", map[string]bool{"Version": false})
	}
	if d.DataSources != nil {
		rs.DataSources = b.dict(d.DataSources, "DataSources", map[string]bool{"Primary": false, "AdditionalDataSources": true})
	}
	for _, v := range d.Variables {
		b.variable(v)
	}
	if d.DefaultLabels != nil {
		rs.DefaultLabels = b.labels(d.DefaultLabels, 0)
	}
	if d.Rules != nil {
		rs.HasRules = true
		for _, pr := range b.rules {
			rule := b.topRule(pr.rule)
			if rule != nil {
				rs.Rules = append(rs.Rules, rule)
			}
		}
	}
	if d.Analyzers != nil {
		rs.HasAnalyzers = true
		for _, a := range d.Analyzers.Analyzers {
			rs.Analyzers = append(rs.Analyzers, b.analyzer(a))
		}
	}
	switch {
	case d.Rules == nil && d.Analyzers == nil:
		p := d.Pos
		if len(d.Trailing) > 0 {
			p = d.Trailing[0].Pos
		}
		b.errorf(p, "no Rules or Analyzers section: a ruleset needs `Rules = [ ... ]` and/or `Analyzers = [ ... ]`")
	case len(d.Trailing) > 0:
		b.warnf(d.Trailing[0].Pos, "text after the last section is ignored (Glue ignores it silently); remove it, or check for a misplaced section or an extra bracket")
	}
	if len(rs.Rules) == 0 && len(rs.Analyzers) == 0 && (d.Rules != nil || d.Analyzers != nil) && len(b.errs) == 0 {
		p := d.Pos
		if d.Rules != nil {
			p = d.Rules.Pos
		} else if d.Analyzers != nil {
			p = d.Analyzers.Pos
		}
		b.errorf(p, "no rules or analyzers provided: the Rules and Analyzers lists are both empty")
	}
	for _, v := range rs.Variables {
		if !b.used[v.Name] {
			b.warnings = append(b.warnings, &Diagnostic{Pos: v.Pos, Severity: SeverityWarning, Msg: fmt.Sprintf("variable %q is declared but never used", v.Name)})
		}
	}
	return rs
}

func (b *builder) dict(g *gDict, section string, keys map[string]bool) *Dictionary {
	d := &Dictionary{Pos: toPos(g.Pos)}
	if len(g.Pairs) == 0 {
		b.errorf(g.Pos, "empty dictionary: %s needs at least one entry", section)
	}
	seen := map[string]bool{}
	for _, p := range g.Pairs {
		key := unescape(stripQuotes(p.Key))
		e := &DictEntry{Pos: toPos(p.Pos), Key: key}
		wantList, known := keys[key]
		switch {
		case !known:
			names := make([]string, 0, len(keys))
			for k := range keys {
				names = append(names, `"`+k+`"`)
			}
			sortStrings(names)
			b.errorf(p.Pos, "unsupported key %q in %s (supported: %s)", key, section, strings.Join(names, ", "))
		case seen[key]:
			b.warnf(p.Pos, "duplicate key %q in %s: the last value wins, as in Glue", key, section)
		case wantList && p.List == nil:
			b.errorf(p.Pos, "%s %q takes a list of strings, e.g. [\"a\", \"b\"]", section, key)
		case !wantList && p.List != nil:
			b.errorf(p.Pos, "%s %q takes a single string", section, key)
		}
		seen[key] = true
		if p.List != nil {
			e.IsList = true
			for _, s := range p.List.Items {
				e.List = append(e.List, unescape(stripQuotes(s)))
			}
		} else if p.Value != nil {
			e.Value = unescape(stripQuotes(*p.Value))
		}
		d.Entries = append(d.Entries, e)
	}
	return d
}

func (b *builder) variable(g *gVarDecl) {
	v := &Variable{Pos: toPos(g.Pos), Name: g.Name}
	switch {
	case strings.HasPrefix(g.Name, ".") || strings.HasPrefix(g.Name, "_"):
		b.errorf(g.Pos, "variable name %q cannot start with '.' or '_'", g.Name)
	case b.rs.Variable(g.Name) != nil:
		b.errorf(g.Pos, "variable %q is already defined at %s", g.Name, b.rs.Variable(g.Name).Pos)
	}
	check := func(o *gOperand) Operand {
		if o.Var != nil {
			b.errorf(o.Pos, "variable %q refers to variable $%s: nested variables are not supported", g.Name, o.Var.Name)
			return nil
		}
		switch op := b.operand(o).(type) {
		case *StringLit:
			if ref := nestedVarRef.FindString(op.Value); ref != "" {
				b.errorf(g.Pos, "variable %q refers to %s: nested variables are not supported", g.Name, ref)
			}
			return op
		case *Keyword:
			return op
		}
		b.errorf(o.Pos, "variable %q must hold a string or a list of strings (numbers and dates are not supported)", g.Name)
		return nil
	}
	val := g.Value.(*gVarValue)
	if val.List != nil {
		v.IsList = true
		if len(val.List.Items) == 0 {
			b.errorf(val.List.Pos, "variable %q is an empty list", g.Name)
		}
		for _, it := range val.List.Items {
			if o := check(it); o != nil {
				v.List = append(v.List, o)
			}
		}
	} else {
		v.Value = check(val.Value)
	}
	b.rs.Variables = append(b.rs.Variables, v)
}

func (b *builder) labels(g *gLabels, inherited int) *LabelList {
	l := &LabelList{Pos: toPos(g.Pos)}
	if len(g.Labels) == 0 {
		b.errorf(g.Pos, "labels must have at least one label")
	}
	seen := map[string]bool{}
	for _, gl := range g.Labels {
		lb := &Label{Pos: toPos(gl.Pos), Key: unescape(stripQuotes(gl.Key)), Value: unescape(stripQuotes(gl.Value))}
		// Lengths are Java String lengths (UTF-16 units), as Glue measures them.
		kl, vl := len(utf16.Encode([]rune(lb.Key))), len(utf16.Encode([]rune(lb.Value)))
		switch {
		case kl == 0 || vl == 0:
			b.errorf(gl.Pos, "label key or value cannot be empty")
		case kl > maxLabelKeyLen:
			b.errorf(gl.Pos, "label key has length %d, more than the maximum of %d characters", kl, maxLabelKeyLen)
		case vl > maxLabelValueLen:
			b.errorf(gl.Pos, "label value has length %d, more than the maximum of %d characters", vl, maxLabelValueLen)
		}
		if seen[lb.Key] {
			b.errorf(gl.Pos, "duplicate label key %q: keys must be unique", lb.Key)
		}
		seen[lb.Key] = true
		l.Labels = append(l.Labels, lb)
	}
	// Glue counts the defaults plus every label written on the rule, before
	// a rule label overrides a default one.
	total := inherited + len(l.Labels)
	if total > maxLabels {
		if inherited > 0 {
			b.errorf(g.Pos, "too many labels: %d including DefaultLabels (at most %d per rule)", total, maxLabels)
		} else {
			b.errorf(g.Pos, "too many labels: %d (at most %d)", total, maxLabels)
		}
	}
	return l
}

func (b *builder) inheritedLabels() int {
	if b.rs.DefaultLabels == nil {
		return 0
	}
	return len(b.rs.DefaultLabels.Labels)
}

// topRule builds one entry of the Rules list.
func (b *builder) topRule(g *gOr) Rule {
	return b.or(g, 0)
}

func (b *builder) or(g *gOr, depth int) Rule {
	if len(g.Terms) == 1 {
		return b.and(g.Terms[0], depth)
	}
	c := &CompositeRule{Pos: toPos(g.Pos), Op: Or}
	for _, t := range g.Terms {
		c.Rules = appendFlat(c.Rules, b.and(t, depth+1), Or)
	}
	return c
}

func (b *builder) and(g *gAnd, depth int) Rule {
	if len(g.Factors) == 1 {
		return b.factor(g.Factors[0], depth)
	}
	c := &CompositeRule{Pos: toPos(g.Pos), Op: And}
	for _, f := range g.Factors {
		c.Rules = appendFlat(c.Rules, b.factor(f, depth+1), And)
	}
	return c
}

// appendFlat flattens same-operator chains: (A) AND ((B) AND (C)) is one AND
// of three rules, as Glue's model prints it. A labelled group stays a node.
func appendFlat(rules []Rule, r Rule, op LogicalOp) []Rule {
	if c, ok := r.(*CompositeRule); ok && c.Op == op && c.Labels == nil {
		return append(rules, c.Rules...)
	}
	if r == nil {
		return rules
	}
	return append(rules, r)
}

func (b *builder) factor(g *gFactor, depth int) Rule {
	if g.Rule != nil {
		r := b.rule(g.Rule)
		if r != nil && r.Labels != nil && depth > 0 {
			b.warnf(g.Rule.Pos, "labels on a rule inside a composite: Glue's documentation calls this invalid; label the whole composite instead, e.g. ((A) AND (B)) labels=[...]")
		}
		if r == nil {
			return nil
		}
		return r
	}
	inner := b.or(g.Group, depth)
	if leaf, ok := inner.(*SimpleRule); ok && g.GroupLabels != nil && depth > 0 {
		b.warnf(lexerPos(leaf.Pos), "labels on a rule inside a composite: Glue's documentation calls this invalid; label the whole composite instead, e.g. ((A) AND (B)) labels=[...]")
	}
	if g.GroupLabels != nil && inner != nil {
		labels := b.labels(g.GroupLabels, b.inheritedLabels())
		switch r := inner.(type) {
		case *SimpleRule:
			if r.Labels != nil {
				b.errorf(g.GroupLabels.Pos, "rule %s already has labels", r.Type)
			}
			r.Labels = labels
		case *CompositeRule:
			if r.Labels != nil {
				b.errorf(g.GroupLabels.Pos, "composite rule already has labels")
			}
			r.Labels = labels
		}
	}
	return inner
}

func (b *builder) params(gs []*gParam) []*Param {
	var out []*Param
	for _, gp := range gs {
		p := &Param{Pos: toPos(gp.Pos), Connector: gp.Connector}
		switch {
		case gp.Str != nil:
			p.Quoted = true
			p.Raw = stripQuotes(*gp.Str)
			p.Value = unescape(p.Raw)
		case gp.Ident != nil:
			p.Raw, p.Value = *gp.Ident, *gp.Ident
		case gp.Var != nil:
			p.Var = *gp.Var
			p.Raw = "$" + p.Var
			b.used[p.Var] = true
			v := b.rs.Variable(p.Var)
			switch {
			case v == nil:
				b.errorf(gp.Pos, "variable not found: $%s (declare it before the Rules section: %s = \"...\")", p.Var, p.Var)
			case v.IsList:
				b.errorf(gp.Pos, "variable $%s is a list; a parameter needs a single string", p.Var)
			default:
				if s, ok := v.Value.(*StringLit); ok {
					p.Value = s.Value
				} else {
					b.errorf(gp.Pos, "variable $%s is a keyword; a parameter needs a string", p.Var)
				}
			}
		}
		out = append(out, p)
	}
	return out
}

func paramsWord(n int) string {
	if n == 1 {
		return "1 parameter"
	}
	return fmt.Sprintf("%d parameters", n)
}

// resolveType finds the registry entry for a rule or analyzer and reports
// unknown names and wrong parameter counts.
func (b *builder) resolveType(pos lexer.Position, name string, params []*Param, what string) *RuleType {
	t, overloads := builtin.resolve(name, len(params))
	if t != nil {
		return t
	}
	if len(overloads) == 0 {
		msg := fmt.Sprintf("unknown %s type %q", what, name)
		if s := builtin.suggest(name); s != "" {
			msg += fmt.Sprintf(" — did you mean %q?", s)
		}
		b.errorf(pos, "%s", msg)
		return nil
	}
	var want []string
	for _, o := range overloads {
		var names []string
		for _, p := range o.Params {
			n := p.Name
			if p.VarArg {
				n += "..."
			}
			names = append(names, n)
		}
		if o.VarArg() {
			want = append(want, fmt.Sprintf("%d or more (%s)", len(o.Params), strings.Join(names, ", ")))
		} else if len(names) == 0 {
			want = append(want, "none")
		} else {
			want = append(want, fmt.Sprintf("%d (%s)", len(o.Params), strings.Join(names, ", ")))
		}
	}
	msg := fmt.Sprintf("%s takes %s parameters, got %d", name, strings.Join(want, " or "), len(params))
	if len(overloads) == 1 {
		msg = fmt.Sprintf("%s takes %s, got %d", name, strings.TrimPrefix(want[0], ""), len(params))
		msg = strings.Replace(msg, "takes none,", "takes no parameters,", 1)
		if !overloads[0].VarArg() && len(overloads[0].Params) > 0 {
			msg = fmt.Sprintf("%s takes %s (%s), got %d", name, paramsWord(len(overloads[0].Params)), paramNames(overloads[0]), len(params))
		}
	}
	for i, p := range params {
		if p.Connector != "" && strings.EqualFold(p.Connector, "and") && !p.Quoted && len(LookupRuleType(p.Value)) > 0 && i > 0 {
			msg += fmt.Sprintf("; to combine rules, wrap each in parentheses: (%s ...) AND (%s ...)", name, p.Value)
			break
		}
	}
	b.errorf(pos, "%s", msg)
	return nil
}

func paramNames(t *RuleType) string {
	var names []string
	for _, p := range t.Params {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

func (b *builder) analyzer(g *gAnalyzer) *Analyzer {
	a := &Analyzer{Pos: toPos(g.Pos), Type: g.Type, Params: b.params(g.Params.(*gParams).List)}
	t := b.resolveType(g.Pos, g.Type, a.Params, "analyzer")
	if t != nil && t.IsBoolean() {
		b.errorf(g.Pos, "%s passes or fails and computes no statistic, so it cannot be an analyzer; move it to the Rules section", g.Type)
		t = nil
	}
	a.Spec = t
	return a
}

func (b *builder) rule(g *gRule) *SimpleRule {
	r := &SimpleRule{Pos: toPos(g.Pos), Type: g.Type, Params: b.params(g.Params)}
	t := b.resolveType(g.Pos, g.Type, r.Params, "rule")
	if t != nil && t.AnalyzerOnly {
		b.errorf(g.Pos, "%s is an analyzer, not a rule; move it to the Analyzers section", g.Type)
		t = nil
	}
	r.Spec = t
	if t != nil && t.Name == "ColumnNamesMatchPattern" && len(r.Params) == 1 {
		if msg := checkRegex(r.Params[0].Value); msg != "" {
			b.errs = append(b.errs, &Diagnostic{Pos: r.Params[0].Pos, Msg: msg})
		}
	}
	if g.Cond != nil {
		r.Condition = b.condition(g.Cond, t, g.Type, false)
	} else if t != nil {
		switch t.ReturnType {
		case "BOOLEAN", "NUMBER|BOOLEAN":
		default:
			b.errorf(g.Pos, "%s needs a condition, e.g. %s", g.Type, exampleCondition(t))
		}
	}
	if g.Where != nil {
		r.Where = &Where{Pos: toPos(g.Where.Pos), SQL: stripQuotes(g.Where.SQL)}
		switch {
		case t != nil && !t.Where:
			b.errorf(g.Where.Pos, "%s does not support a where clause", g.Type)
		case strings.TrimSpace(r.Where.SQL) == "":
			b.errorf(g.Where.Pos, "empty where clause in %s", g.Type)
		}
	}
	for _, c := range g.Clauses {
		switch {
		case c.Labels != nil:
			if r.Labels != nil {
				b.errorf(c.Pos, "rule %s has two labels=[...] lists", g.Type)
				continue
			}
			r.Labels = b.labels(c.Labels, b.inheritedLabels())
		case c.Tag != nil:
			b.tag(r, c.Tag, t)
		}
	}
	if r.Spec != nil {
		b.dynamicChecks(r)
	}
	return r
}

func exampleCondition(t *RuleType) string {
	switch t.ReturnType {
	case "NUMBER":
		return t.Name + " " + strings.Repeat(`"col" `, len(t.Params)) + "> 0"
	case "STRING":
		if t.Name == "ColumnDataType" {
			return `ColumnDataType "col" = "Integer"`
		}
		return t.Name + ` in ["..."]`
	case "STRING_ARRAY|NUMBER_ARRAY|DATE_ARRAY":
		return `ColumnValues "col" in ["a", "b"]`
	case "DURATION_ARRAY":
		return `DataFreshness "col" <= 24 hours`
	case "DATE":
		return t.Name + ` > (now() - 1 days)`
	case "SIZE":
		return t.Name + ` < 5 GB`
	}
	return t.Name + " > 0"
}

func (b *builder) tag(r *SimpleRule, g *gTag, t *RuleType) {
	if strings.EqualFold(g.Key, "threshold") && g.List != nil {
		b.errorf(g.Pos, "threshold needs a number condition (e.g. with threshold > 0.9), not a list")
		return
	}
	if strings.EqualFold(g.Key, "threshold") {
		if t != nil && !t.Threshold {
			b.errorf(g.Pos, "%s does not support `with threshold`", r.Type)
			return
		}
		if r.Threshold != nil {
			b.errorf(g.Pos, "only one threshold per rule is supported")
			return
		}
		c := b.condition(g.Cond, nil, "threshold", true)
		r.Threshold = c
		return
	}
	if g.List != nil {
		tag := &Tag{Pos: toPos(g.Pos), Key: g.Key}
		for _, it := range g.List.Items {
			if it.Str == nil {
				b.errorf(it.Pos, "tag %q: a list value holds quoted strings", g.Key)
				continue
			}
			tag.List = append(tag.List, b.stringLit(it.Pos, *it.Str))
		}
		if len(g.List.Items) == 0 {
			b.errorf(g.List.Pos, "tag %q: empty list", g.Key)
		}
		if r.Tag(g.Key) != nil {
			b.warnf(g.Pos, "tag %q is given twice: the last value wins, as in Glue", g.Key)
		}
		r.Tags = append(r.Tags, tag)
		return
	}
	// Any other tag is `with key = value`, value a string or a number.
	cond := g.Cond
	cmp := cond.Cmp
	if cond.Not || cmp == nil || cmp.Negated || cmp.Op != "=" {
		b.errorf(cond.Pos, "tag %q: tags other than threshold only take `=` with a string or a number (e.g. with %s = \"value\")", g.Key, g.Key)
		return
	}
	var val Operand
	switch x := cmp.X; {
	case x.Str != nil:
		val = b.stringLit(x.Pos, *x.Str)
	case x.Num != nil && len(x.Num.Rest) == 0 && x.Num.First.Lit != nil && x.Num.First.Lit.Unit == "":
		val = b.number(x.Num.First.Lit)
	default:
		b.errorf(x.Pos, "tag %q takes a string or a number", g.Key)
		return
	}
	if r.Tag(g.Key) != nil {
		b.warnf(g.Pos, "tag %q is given twice: the last value wins, as in Glue", g.Key)
	}
	tag := &Tag{Pos: toPos(g.Pos), Key: g.Key, Value: val}
	r.Tags = append(r.Tags, tag)
	switch g.Key {
	case "timeZone":
		if _, err := LoadTimeZone(tag.Text()); err != nil {
			b.errorf(x(cmp), "invalid time zone %q: %v", tag.Text(), err)
		}
	case "ignoreCase":
		if v := strings.ToLower(tag.Text()); v != "true" && v != "false" {
			b.errorf(x(cmp), "ignoreCase must be \"true\" or \"false\"")
		}
	}
}

func x(c *gCompare) lexer.Position { return c.X.Pos }

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
			b.warnf(lexerPos(o.Pos), "%s() takes %s, got %d; this rule will fail to evaluate", o.Name, arity(ar), len(o.Args))
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

func arity(a [2]int) string {
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

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
