package dqdl

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/alecthomas/participle/v2/lexer"
)

// builder turns the participle tree into the AST and performs the checks
// Glue's parser listener performs (spec §3), collecting every problem.
type builder struct {
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
		if !b.misplacedSections(d) {
			b.warnf(d.Trailing[0].Pos, "text after the last section is ignored (Glue ignores it silently); dq fmt keeps it as written; remove it, or check for an extra bracket")
		}
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
			sort.Strings(names)
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

// sectionOrder is the order Glue's grammar reads the sections in.
var sectionOrder = []string{"Metadata", "DataSources", "DefaultLabels", "Rules", "Analyzers"}

// misplacedSections reports each `Section =` in the text after the last
// section as an error: Glue evaluates only the first Rules section and
// silently ignores a second one or a section out of order, so a ruleset
// that looks like it checks more than it does must not run (spec §18 #26
// as amended by issue 11). It returns whether it reported any.
func (b *builder) misplacedSections(d *gDocument) bool {
	first := map[string]lexer.Position{}
	if d.Metadata != nil {
		first["Metadata"] = d.Metadata.Pos
	}
	if d.DataSources != nil {
		first["DataSources"] = d.DataSources.Pos
	}
	if d.DefaultLabels != nil {
		first["DefaultLabels"] = d.DefaultLabels.Pos
	}
	if d.Rules != nil {
		first["Rules"] = d.Rules.Pos
	}
	if d.Analyzers != nil {
		first["Analyzers"] = d.Analyzers.Pos
	}
	found := false
	for i, t := range d.Trailing {
		if i+1 >= len(d.Trailing) || d.Trailing[i+1].Tok != "=" || !slices.Contains(sectionOrder, t.Tok) {
			continue
		}
		found = true
		if at, dup := first[t.Tok]; dup {
			b.errorf(t.Pos, "a second %s section (the first is at line %d): Glue reads only the first and silently ignores this one; merge the two into one list", t.Tok, at.Line)
			continue
		}
		b.errorf(t.Pos, "%s section out of order: sections go in the order %s, and Glue silently ignores one that comes later; move it up", t.Tok, strings.Join(sectionOrder, ", "))
	}
	return found
}
