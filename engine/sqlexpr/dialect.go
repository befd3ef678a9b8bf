package sqlexpr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Dialect renders nodes as one engine's SQL. A Dialect is a table, built
// once and never changed, so one value is safely shared.
type Dialect struct {
	// Name is what error messages and `dq explain` call the dialect.
	Name string
	// Ident quotes an identifier; String quotes a string literal.
	Ident  func(string) string
	String func(string) string
	// Special renders NaN, +Inf and -Inf literals (ok false: the
	// dialect has no spelling for them).
	Special func(f float64) (sql string, ok bool)
	// Types names the neutral types; a missing type is unsupported.
	Types map[Type]string
	// TryCast renders a cast that yields NULL for values that do not
	// convert; nil when the dialect has none.
	TryCast func(x string, to string) string
	// Funcs renders the functions the dialect expresses exactly; a
	// missing entry is unsupported. Arguments arrive rendered.
	Funcs map[Func]func(args []string) string
	// Raw rewrites user SQL (Spark syntax) into the dialect.
	Raw func(sql string) (string, error)
	// Prepare, when set, sees each node before it is rendered and returns
	// the node to render instead, or an error (an *Unsupported) for a use
	// the dialect cannot express exactly that the function table alone
	// cannot tell: a regular expression using a feature the engine's
	// regex flavour lacks, an operator whose semantics differ (PostgreSQL
	// divides integers as integers and errors on division by zero).
	// It may return a Call to a Func only its own table knows.
	Prepare func(Node) (Node, error)
}

// Unsupported is the error for a construct a dialect cannot express
// exactly.
type Unsupported struct {
	Dialect string
	What    string // the construct, e.g. "function regexp_full_match"
}

func (e *Unsupported) Error() string {
	return e.Dialect + " cannot express " + e.What + " exactly"
}

// Render returns n as SQL text of d.
func (d *Dialect) Render(n Node) (string, error) {
	var r renderer
	r.d = d
	s := r.node(n)
	return s, r.err
}

// renderer carries the first error so that the recursive rendering stays
// readable; after an error it returns "" throughout.
type renderer struct {
	d   *Dialect
	err error
}

func (r *renderer) unsupported(what string) string {
	if r.err == nil {
		r.err = &Unsupported{Dialect: r.d.Name, What: what}
	}
	return ""
}

func (r *renderer) list(ns []Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = r.node(n)
	}
	return out
}

func (r *renderer) node(n Node) string {
	if r.err != nil {
		return ""
	}
	if r.d.Prepare != nil && n != nil {
		m, err := r.d.Prepare(n)
		if err != nil {
			r.err = err
			return ""
		}
		n = m
	}
	switch n := n.(type) {
	case Col:
		return r.d.Ident(n.Name)
	case Name:
		return r.d.Ident(n.Name)
	case Num:
		return r.num(n.V)
	case Str:
		return r.d.String(n.V)
	case Bool:
		if n.V {
			return "TRUE"
		}
		return "FALSE"
	case Null:
		return "NULL"
	case Star:
		return "*"
	case Call:
		f, ok := r.d.Funcs[n.Fn]
		if !ok {
			return r.unsupported("function " + string(n.Fn))
		}
		return f(r.list(n.Args))
	case Agg:
		f, ok := r.d.Funcs[n.Fn]
		if !ok {
			return r.unsupported("aggregate " + string(n.Fn))
		}
		args := r.list(n.Args)
		if n.Filter != nil {
			cond := r.node(n.Filter)
			for i, a := range args {
				if a == "*" {
					a = "1"
				}
				args[i] = "CASE WHEN " + cond + " THEN " + a + " END"
			}
		}
		return f(args)
	case Window:
		agg := r.node(n.Agg)
		if len(n.PartitionBy) == 0 {
			return agg + " OVER ()"
		}
		return agg + " OVER (PARTITION BY " + strings.Join(r.list(n.PartitionBy), ", ") + ")"
	case Binary:
		return "(" + r.node(n.L) + " " + string(n.Op) + " " + r.node(n.R) + ")"
	case Not:
		return "(NOT " + r.node(n.X) + ")"
	case IsNull:
		if n.Negate {
			return "(" + r.node(n.X) + " IS NOT NULL)"
		}
		return "(" + r.node(n.X) + " IS NULL)"
	case In:
		op := " IN ("
		if n.Negate {
			op = " NOT IN ("
		}
		return "(" + r.node(n.X) + op + strings.Join(r.list(n.List), ", ") + "))"
	case Case:
		var b strings.Builder
		b.WriteString("CASE")
		for _, w := range n.Whens {
			b.WriteString(" WHEN " + r.node(w.Cond) + " THEN " + r.node(w.Then))
		}
		if n.Else != nil {
			b.WriteString(" ELSE " + r.node(n.Else))
		}
		b.WriteString(" END")
		return b.String()
	case Cast:
		to, ok := r.d.Types[n.To]
		if !ok {
			return r.unsupported("type " + string(n.To))
		}
		x := r.node(n.X)
		if n.Try {
			if r.d.TryCast == nil {
				return r.unsupported("TRY_CAST")
			}
			return r.d.TryCast(x, to)
		}
		return "CAST(" + x + " AS " + to + ")"
	case Raw:
		s, err := r.d.Raw(n.SQL)
		if err != nil && r.err == nil {
			r.err = err
		}
		return "(" + s + ")"
	case Native:
		if n.Dialect != r.d.Name {
			return r.unsupported(n.What)
		}
		return n.SQL
	case nil:
		return r.unsupported("an empty expression")
	default:
		return r.unsupported(fmt.Sprintf("node %T", n))
	}
}

// num renders a number: integers as integers, other values as a DOUBLE
// cast of their shortest round-trip text, so that no dialect rounds a
// literal differently.
func (r *renderer) num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		s, ok := r.d.Special(f)
		if !ok {
			return r.unsupported("the number " + strconv.FormatFloat(f, 'g', -1, 64))
		}
		return s
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	return "CAST(" + r.d.String(strconv.FormatFloat(f, 'g', -1, 64)) + " AS " + r.d.Types[Double] + ")"
}

// call renders name(args...) — the common shape of a function table entry.
func call(name string) func([]string) string {
	return func(args []string) string { return name + "(" + strings.Join(args, ", ") + ")" }
}
