package dqdl

import (
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Building rules: composites, rule types and parameters, where clauses and
// tags.

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

// arity describes the parameters a rule type takes, for error messages:
// "1 parameter (TargetColumn)", "1 or more parameters (TargetColumn...)".
func arity(t *RuleType) string {
	names := make([]string, len(t.Params))
	for i, p := range t.Params {
		names[i] = p.Name
		if p.VarArg {
			names[i] += "..."
		}
	}
	list := strings.Join(names, ", ")
	switch n := len(t.Params); {
	case t.VarArg():
		return fmt.Sprintf("%d or more parameters (%s)", n, list)
	case n == 0:
		return "no parameters"
	case n == 1:
		return "1 parameter (" + list + ")"
	default:
		return fmt.Sprintf("%d parameters (%s)", n, list)
	}
}

// resolveType finds the registry entry for a rule or analyzer and reports
// unknown names and wrong parameter counts.
func (b *builder) resolveType(pos lexer.Position, name string, params []*Param, what string) *RuleType {
	t, overloads := builtin().resolve(name, len(params))
	if t != nil {
		return t
	}
	if len(overloads) == 0 {
		msg := fmt.Sprintf("unknown %s type %q", what, name)
		if s := builtin().suggest(name); s != "" {
			msg += fmt.Sprintf(" — did you mean %q?", s)
		}
		b.errorf(pos, "%s", msg)
		return nil
	}
	arities := make([]string, len(overloads))
	for i, o := range overloads {
		arities[i] = arity(o)
	}
	msg := fmt.Sprintf("%s takes %s, got %d", name, strings.Join(arities, " or "), len(params))
	for i, p := range params {
		if p.Connector != "" && strings.EqualFold(p.Connector, "and") && !p.Quoted && len(LookupRuleType(p.Value)) > 0 && i > 0 {
			msg += fmt.Sprintf("; to combine rules, wrap each in parentheses: (%s ...) AND (%s ...)", name, p.Value)
			break
		}
	}
	b.errorf(pos, "%s", msg)
	return nil
}

func (b *builder) analyzer(g *gAnalyzer) *Analyzer {
	a := &Analyzer{Pos: toPos(g.Pos), Type: g.Type, Params: b.params(g.Params.(*gParams).List)}
	t := b.resolveType(g.Pos, g.Type, a.Params, "analyzer")
	if t != nil && t.IsBoolean() {
		b.errorf(g.Pos, "%s passes or fails and computes no statistic, so it cannot be an analyzer; move it to the Rules section", g.Type)
		t = nil
	}
	if t != nil && (t.Name == "ColumnDataType" || t.Name == "DataFreshness") {
		// Glue's parser takes them (their return types are not BOOLEAN), so
		// dq parses them too, but their only statistic is the share of rows
		// meeting a condition, which an analyzer does not have.
		b.warnf(g.Pos, "analyzer %s computes nothing: it measures the share of rows that meet its condition and has no statistic without one; write it as a rule: %s", g.Type, exampleCondition(t))
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
		if msg := checkRegex(r.Params[0].Source()); msg != "" {
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
		b.feasibilityChecks(r)
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
			b.errorf(cmp.X.Pos, "invalid time zone %q: %v", tag.Text(), err)
		}
	case "ignoreCase":
		if v := strings.ToLower(tag.Text()); v != "true" && v != "false" {
			b.errorf(cmp.X.Pos, "ignoreCase must be \"true\" or \"false\"")
		}
	}
}
