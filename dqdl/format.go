package dqdl

import (
	"strings"
)

// The formatter prints canonical DQDL. Where Glue's own printer
// (DQRuleset.toString) is lossless, the output is identical to it: 4-space
// indent, one rule per line, numbers as written, lists without spaces,
// parameters with their original quoting, composites fully parenthesised
// with upper-case operators. Where Glue's printer loses information, dq
// keeps it: variables, DefaultLabels, composite labels, string escapes and
// comments survive, and labels print before `with` tags (the order Glue's
// grammar accepts) in source order.

// layout remembers where things were in the source, so that comments can
// be put back next to what they annotated.
type layout struct {
	ruleEndLines     []int // last source line of each top-level rule
	analyzerEndLines []int
	rulesClose       int // offset of the Rules list's ']'
	analyzersClose   int
	sections         map[string]Pos // where each section's keyword is
}

// String returns the ruleset in canonical DQDL form, ending with a newline.
func (rs *Ruleset) String() string {
	p := &printer{comments: rs.Comments}
	lay := rs.layout
	if lay == nil {
		lay = &layout{}
	}
	first := true
	section := func(name string, at Pos) {
		if !first {
			p.b.WriteString("\n")
		}
		first = false
		if at.Offset >= 0 {
			p.leading(at.Offset, "")
			p.gap(at.Line)
			p.lastLine = at.Line
		}
	}
	off := func(name string) Pos {
		if o, ok := lay.sections[name]; ok {
			return o
		}
		return Pos{Offset: -1}
	}
	if rs.Metadata != nil {
		section("Metadata", off("Metadata"))
		p.dict("Metadata", rs.Metadata)
	}
	if rs.DataSources != nil {
		section("DataSources", off("DataSources"))
		p.dict("DataSources", rs.DataSources)
	}
	if len(rs.Variables) > 0 {
		section("Variables", rs.Variables[0].Pos)
		for i, v := range rs.Variables {
			if i > 0 && rs.layout != nil {
				p.leading(v.Pos.Offset, "")
				p.gap(v.Pos.Line)
			}
			p.variable(v)
			p.lastLine = v.Pos.Line
		}
	}
	if rs.DefaultLabels != nil {
		section("DefaultLabels", off("DefaultLabels"))
		p.b.WriteString("DefaultLabels = ")
		p.labelList(rs.DefaultLabels)
		p.b.WriteString("\n")
	}
	if rs.HasRules || len(rs.Rules) > 0 {
		section("Rules", off("Rules"))
		items := make([]string, len(rs.Rules))
		offs := make([]Pos, len(rs.Rules))
		for i, r := range rs.Rules {
			items[i] = r.String()
			offs[i] = r.Position()
		}
		p.list("Rules", items, offs, lay.ruleEndLines, lay.rulesClose, rs.layout != nil)
	}
	if rs.HasAnalyzers || len(rs.Analyzers) > 0 {
		section("Analyzers", off("Analyzers"))
		items := make([]string, len(rs.Analyzers))
		offs := make([]Pos, len(rs.Analyzers))
		for i, a := range rs.Analyzers {
			items[i] = a.String()
			offs[i] = a.Pos
		}
		p.list("Analyzers", items, offs, lay.analyzerEndLines, lay.analyzersClose, rs.layout != nil)
	}
	// Comments after the last section, up to the text Glue ignores, which
	// follows as written (its own comments included).
	end := len(p.comments)
	if rs.Trailing != "" {
		end = p.next
		for end < len(p.comments) && p.comments[end].Pos.Offset < rs.TrailingPos.Offset {
			end++
		}
	}
	if p.next < end {
		p.b.WriteString("\n")
		for _, c := range p.comments[p.next:end] {
			p.b.WriteString(c.Text + "\n")
		}
	}
	if rs.Trailing != "" {
		p.b.WriteString(rs.Trailing + "\n")
	}
	return p.b.String()
}

type printer struct {
	b        strings.Builder
	comments []*Comment
	next     int // index of the first comment not yet printed
	lastLine int // source line of what was printed last; 0 before anything
}

// gap keeps one blank line where the source had one or more before line,
// as gofmt does: people group rules, and the grouping carries meaning.
func (p *printer) gap(line int) {
	if p.lastLine > 0 && line > p.lastLine+1 && !strings.HasSuffix(p.b.String(), "\n\n") && !strings.HasSuffix(p.b.String(), "[\n") {
		p.b.WriteString("\n")
	}
}

// leading prints, on their own lines, the comments that come before offset.
func (p *printer) leading(offset int, indent string) {
	for p.next < len(p.comments) && p.comments[p.next].Pos.Offset < offset {
		c := p.comments[p.next]
		p.gap(c.Pos.Line)
		p.b.WriteString(indent + c.Text + "\n")
		p.lastLine = c.Pos.Line
		p.next++
	}
}

// trailing returns a comment that sits on the given line before the next
// item, printed after the item on the same line.
func (p *printer) trailing(line, before int) string {
	if p.next < len(p.comments) {
		c := p.comments[p.next]
		if c.Pos.Line == line && c.Pos.Offset < before {
			p.next++
			return "  " + c.Text
		}
	}
	return ""
}

func (p *printer) list(name string, items []string, offs []Pos, endLines []int, close int, withComments bool) {
	p.b.WriteString(name + " = [")
	if len(items) == 0 && (!withComments || p.next >= len(p.comments) || p.comments[p.next].Pos.Offset >= close) {
		p.b.WriteString("]\n")
		return
	}
	p.b.WriteString("\n")
	for i, it := range items {
		if withComments {
			p.leading(offs[i].Offset, "    ")
			p.gap(offs[i].Line)
		}
		p.b.WriteString("    " + it)
		if i < len(items)-1 {
			p.b.WriteString(",")
		}
		if withComments && i < len(endLines) {
			before := close
			if i+1 < len(offs) {
				before = offs[i+1].Offset
			}
			p.b.WriteString(p.trailing(endLines[i], before))
			p.lastLine = endLines[i]
		}
		p.b.WriteString("\n")
	}
	if withComments {
		p.leading(close, "    ")
	}
	p.b.WriteString("]\n")
}

func (p *printer) dict(name string, d *Dictionary) {
	p.b.WriteString(name + " = {\n")
	for i, e := range d.Entries {
		p.b.WriteString(`    "` + escape(e.Key) + `": `)
		if e.IsList {
			p.b.WriteString("[ ")
			for j, s := range e.List {
				if j > 0 {
					p.b.WriteString(", ")
				}
				p.b.WriteString(`"` + escape(s) + `"`)
			}
			p.b.WriteString(" ]")
		} else {
			p.b.WriteString(`"` + escape(e.Value) + `"`)
		}
		if i < len(d.Entries)-1 {
			p.b.WriteString(",")
		}
		p.b.WriteString("\n")
	}
	p.b.WriteString("}\n")
}

func (p *printer) variable(v *Variable) {
	p.b.WriteString(v.Name + " = ")
	if v.IsList {
		p.b.WriteString("[")
		for i, o := range v.List {
			if i > 0 {
				p.b.WriteString(",")
			}
			writeOperand(&p.b, o)
		}
		p.b.WriteString("]")
	} else if v.Value != nil {
		writeOperand(&p.b, v.Value)
	}
	p.b.WriteString("\n")
}

func (p *printer) labelList(l *LabelList) { writeLabels(&p.b, l) }

func writeLabels(b *strings.Builder, l *LabelList) {
	b.WriteString("[")
	for i, lb := range l.Labels {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + escape(lb.Key) + `"="` + escape(lb.Value) + `"`)
	}
	b.WriteString("]")
}

// String returns the rule in canonical DQDL form.
func (r *SimpleRule) String() string {
	var b strings.Builder
	b.WriteString(r.Type)
	writeParams(&b, r.Params)
	if r.Condition != nil {
		b.WriteByte(' ')
		writeCondition(&b, r.Condition)
	}
	if r.Where != nil {
		b.WriteString(` where "` + r.Where.SQL + `"`)
	}
	if r.Labels != nil {
		b.WriteString(" labels=")
		writeLabels(&b, r.Labels)
	}
	if r.Threshold != nil {
		b.WriteString(" with threshold ")
		writeCondition(&b, r.Threshold)
	}
	for _, t := range r.Tags {
		b.WriteString(" with " + t.Key + " = ")
		if t.List != nil {
			b.WriteString("[")
			for i, it := range t.List {
				if i > 0 {
					b.WriteString(",")
				}
				writeOperand(&b, it)
			}
			b.WriteString("]")
			continue
		}
		writeOperand(&b, t.Value)
	}
	return b.String()
}

// String returns the composite rule in canonical DQDL form: each operand in
// parentheses, the operator upper-case.
func (c *CompositeRule) String() string {
	var b strings.Builder
	if c.Labels != nil {
		b.WriteString("(")
	}
	for i, r := range c.Rules {
		if i > 0 {
			b.WriteString(" " + c.Op.String() + " ")
		}
		b.WriteString("(" + r.String() + ")")
	}
	if c.Labels != nil {
		b.WriteString(") labels=")
		writeLabels(&b, c.Labels)
	}
	return b.String()
}

// String returns the analyzer in canonical DQDL form.
func (a *Analyzer) String() string {
	var b strings.Builder
	b.WriteString(a.Type)
	writeParams(&b, a.Params)
	return b.String()
}

func writeParams(b *strings.Builder, ps []*Param) {
	for _, p := range ps {
		b.WriteByte(' ')
		if p.Connector != "" {
			b.WriteString(p.Connector + " ")
		}
		switch {
		case p.Var != "":
			b.WriteString("$" + p.Var)
		case p.Quoted:
			b.WriteString(`"` + p.Raw + `"`)
		default:
			b.WriteString(p.Raw)
		}
	}
}

// String returns the condition in canonical DQDL form.
func (c *Condition) String() string {
	var b strings.Builder
	writeCondition(&b, c)
	return b.String()
}

func writeCondition(b *strings.Builder, c *Condition) {
	switch c.Op {
	case OpBetween, OpNotBetween:
		b.WriteString(c.Op.String() + " ")
		writeOperand(b, c.Operands[0])
		b.WriteString(" and ")
		writeOperand(b, c.Operands[1])
	case OpIn, OpNotIn:
		b.WriteString(c.Op.String() + " ")
		if c.ListVar != nil {
			b.WriteString("$" + c.ListVar.Name)
			return
		}
		b.WriteString("[")
		for i, o := range c.Operands {
			if i > 0 {
				b.WriteString(",")
			}
			writeOperand(b, o)
		}
		b.WriteString("]")
	default:
		b.WriteString(c.Op.String() + " ")
		if len(c.Operands) > 0 {
			writeOperand(b, c.Operands[0])
		}
	}
}

// OperandString renders an operand in canonical DQDL form.
func OperandString(o Operand) string {
	var b strings.Builder
	writeOperand(&b, o)
	return b.String()
}

func writeOperand(b *strings.Builder, o Operand) {
	switch o := o.(type) {
	case *Number:
		b.WriteString(o.Text)
	case *Call:
		if o.Name == "now" && len(o.Args) == 0 {
			// `now()` without a space is the date literal; a function
			// called now (which Glue's grammar allows) must keep a gap.
			b.WriteString("now( )")
			return
		}
		b.WriteString(o.Name + "(")
		for i, a := range o.Args {
			if i > 0 {
				b.WriteString(",")
			}
			writeOperand(b, a)
		}
		b.WriteString(")")
	case *Binary:
		writeOperand(b, o.X)
		b.WriteString(" " + string(o.Op) + " ")
		writeOperand(b, o.Y)
	case *Paren:
		b.WriteString("(")
		writeOperand(b, o.X)
		b.WriteString(")")
	case *StringLit:
		raw := o.Raw
		if raw == "" && o.Value != "" {
			raw = escape(o.Value) // built by a program rather than parsed
		}
		b.WriteString(`"` + raw + `"`)
	case *Keyword:
		b.WriteString(o.Kind.String())
	case *VarRef:
		b.WriteString("$" + o.Name)
	case *DateLit:
		b.WriteString(`"` + o.Text + `"`)
	case *TimeLit:
		b.WriteString(`"` + o.Text + `"`)
	case *Now:
		b.WriteString("now()")
	case *NowOffset:
		b.WriteString("(now() " + string(o.Sign) + " ")
		writeOperand(b, o.Amount)
		b.WriteString(")")
	case *Duration:
		b.WriteString(o.Text + " " + string(o.Unit))
	case *Size:
		b.WriteString(o.Text)
		if o.Unit != "" {
			b.WriteString(" " + o.Unit)
		}
	}
}
