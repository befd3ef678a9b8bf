package engine

import (
	"fmt"
	"strings"
)

// String renders the plan for people: each rule with its text, then each
// statement with the rules it serves.
func (p *Plan) String() string {
	var b strings.Builder
	served := map[string][]int{}
	for i, q := range p.Queries {
		for _, u := range q.Serves {
			served[u] = append(served[u], i+1)
		}
	}
	line := func(name, text string, fixed *outcome) {
		fmt.Fprintf(&b, "%-12s %s\n", name, text)
		switch qs := served[name]; {
		case len(qs) > 0 && p.footer[name]:
			fmt.Fprintf(&b, "%-12s   computed by query %s and from Parquet metadata\n", "", joinInts(qs))
		case len(qs) > 0:
			fmt.Fprintf(&b, "%-12s   computed by query %s\n", "", joinInts(qs))
		case p.footer[name]:
			fmt.Fprintf(&b, "%-12s   no query: from Parquet metadata\n", "")
		case fixed != nil:
			fmt.Fprintf(&b, "%-12s   no query: %s\n", "", outcomeSummary(fixed))
		default:
			fmt.Fprintf(&b, "%-12s   no query: judged from the schema\n", "")
		}
	}
	for _, rp := range p.rules {
		var fixed *outcome
		if rp.root.leaf != nil {
			fixed = rp.root.leaf.fixed
		}
		line(rp.name, rp.rule.String(), fixed)
	}
	for _, ap := range p.analyzers {
		line(ap.name, ap.text, ap.fixed)
	}
	for i, q := range p.Queries {
		switch {
		case q.Unsupported != "":
			fmt.Fprintf(&b, "\n-- query %d (%s) for %s: not run\n-- %s\n", i+1, q.Kind, strings.Join(q.Serves, ", "), q.Unsupported)
		case q.Engine != duckDialect.Name:
			fmt.Fprintf(&b, "\n-- query %d (%s) on %s for %s\n%s\n", i+1, q.Kind, q.Engine, strings.Join(q.Serves, ", "), q.SQL)
		default:
			fmt.Fprintf(&b, "\n-- query %d (%s) for %s\n%s\n", i+1, q.Kind, strings.Join(q.Serves, ", "), q.SQL)
		}
	}
	if len(p.notes) > 0 {
		b.WriteString("\n")
		for _, n := range p.notes {
			fmt.Fprintf(&b, "-- %s\n", n)
		}
	}
	return b.String()
}

func outcomeSummary(o *outcome) string {
	if m := o.message(); m != "" {
		return string(o.result) + ": " + m
	}
	return string(o.result)
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
