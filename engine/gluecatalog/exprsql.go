package gluecatalog

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

// Key is a partition key as WhereSQL needs it.
type Key struct {
	Name    string // as the table declares it
	Numeric bool   // compared as numbers (Eval's numeric keys)
	Text    bool   // a string/varchar column (no cast needed to compare as text)
}

// WhereSQL renders a partition filter as a SQL condition on the table's
// partition columns, with Eval's meaning: numeric keys compare as
// doubles (integral literals below 2^53 as integers, which is the same
// for integer columns), the others as text (other types cast to
// VARCHAR), LIKE with % and _. keys are the table's partition keys by
// lower-cased name; a key outside them, or a literal that is not a number
// for a numeric key, is an error, as GetPartitions would refuse the
// filter. ident quotes a column name, str a string literal.
func WhereSQL(e Expr, keys map[string]Key, ident, str func(string) string) (string, error) {
	w := &whereWriter{keys: keys, ident: ident, str: str}
	s := w.expr(e)
	return s, w.err
}

type whereWriter struct {
	keys       map[string]Key
	ident, str func(string) string
	err        error
}

func (w *whereWriter) fail(format string, args ...any) string {
	if w.err == nil {
		w.err = fmt.Errorf(format, args...)
	}
	return ""
}

func (w *whereWriter) key(name string) (Key, bool) {
	k, ok := w.keys[name]
	if !ok {
		var names []string
		for _, k := range w.keys {
			names = append(names, k.Name)
		}
		sort.Strings(names)
		w.fail("partition filter names %q, which is not a partition key (the keys: %s)", name, strings.Join(names, ", "))
	}
	return k, ok
}

// operands renders the key and a literal compared the way Eval compares.
func (w *whereWriter) operands(name string, lit token) (string, string) {
	k, ok := w.key(name)
	if !ok {
		return "", ""
	}
	col := w.ident(k.Name)
	if !k.Numeric {
		if !k.Text {
			col = "CAST(" + col + " AS VARCHAR)"
		}
		return col, w.str(lit.text)
	}
	f, err := strconv.ParseFloat(lit.text, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return "", w.fail("partition key %s is numeric: cannot compare it with %q", k.Name, lit.text)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return col, strconv.FormatInt(int64(f), 10)
	}
	return "CAST(" + col + " AS DOUBLE)", "CAST(" + w.str(strconv.FormatFloat(f, 'g', -1, 64)) + " AS DOUBLE)"
}

func (w *whereWriter) expr(e Expr) string {
	switch e := e.(type) {
	case *boolExpr:
		op := " OR "
		if e.and {
			op = " AND "
		}
		return "(" + w.expr(e.l) + op + w.expr(e.r) + ")"
	case *notExpr:
		return "(NOT " + w.expr(e.e) + ")"
	case *cmpExpr:
		c, l := w.operands(e.key, e.val)
		return "(" + c + " " + e.op + " " + l + ")"
	case *inExpr:
		var c string
		lits := make([]string, len(e.vals))
		for i, v := range e.vals {
			c, lits[i] = w.operands(e.key, v)
		}
		return "(" + c + " IN (" + strings.Join(lits, ", ") + "))"
	case *betweenExpr:
		c, lo := w.operands(e.key, e.lo)
		_, hi := w.operands(e.key, e.hi)
		return "(" + c + " BETWEEN " + lo + " AND " + hi + ")"
	case *nullExpr:
		k, ok := w.key(e.key)
		if !ok {
			return ""
		}
		if e.not {
			return "(" + w.ident(k.Name) + " IS NOT NULL)"
		}
		return "(" + w.ident(k.Name) + " IS NULL)"
	case *likeExpr:
		k, ok := w.key(e.key)
		if !ok {
			return ""
		}
		col := w.ident(k.Name)
		if !k.Text {
			col = "CAST(" + col + " AS VARCHAR)"
		}
		return "(" + col + " LIKE " + w.str(e.pat) + ")"
	}
	return w.fail("partition filter: unknown expression %T", e)
}

// PartitionKeys describes a table's partition keys for WhereSQL.
func PartitionKeys(cols []types.Column) map[string]Key {
	out := map[string]Key{}
	for _, c := range cols {
		name, t := aws.ToString(c.Name), aws.ToString(c.Type)
		out[strings.ToLower(name)] = Key{Name: name, Numeric: numericType(t), Text: DuckType(t) == "VARCHAR"}
	}
	return out
}
