package gluecatalog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Expr is a parsed partition filter, the SQL subset GetPartitions'
// Expression and Glue's push_down_predicate take: comparisons (=, <>, !=,
// <, >, <=, >=), [NOT] IN (...), [NOT] BETWEEN a AND b, [NOT] LIKE,
// IS [NOT] NULL, AND, OR, NOT and parentheses over partition keys and
// string or number literals. __HIVE_DEFAULT_PARTITION__ is NULL, compared
// as SQL compares NULL. dq uses it to filter projected partitions locally; the fake
// Glue server in sinks/sinktest uses it to answer GetPartitions.
type Expr interface {
	// Eval reports whether a partition with these values (by lower-cased
	// key) matches. numeric names the keys whose type is a number, which
	// compare as numbers.
	Eval(values map[string]string, numeric map[string]bool) (bool, error)
	// Keys are the partition keys the expression names, lower-cased.
	Keys() []string
}

// ParseExpr parses a partition filter.
func ParseExpr(s string) (Expr, error) {
	toks, err := lexExpr(s)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks, src: s}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("partition filter %q: unexpected %q", s, p.toks[p.pos].text)
	}
	return e, nil
}

type tokKind int

const (
	tIdent tokKind = iota
	tString
	tNumber
	tOp
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
}

func lexExpr(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			out = append(out, token{tLParen, "("})
			i++
		case c == ')':
			out = append(out, token{tRParen, ")"})
			i++
		case c == ',':
			out = append(out, token{tComma, ","})
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("partition filter %q: unterminated string", s)
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, token{tString, b.String()})
			i = j + 1
		case c == '"' || c == '`':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("partition filter %q: unterminated quoted name", s)
			}
			out = append(out, token{tIdent, s[i+1 : i+1+j]})
			i += j + 2
		case strings.ContainsRune("=<>!", rune(c)):
			op := string(c)
			if i+1 < len(s) && strings.ContainsRune("=>", rune(s[i+1])) && op != "=" {
				op += string(s[i+1])
			}
			if op == "!" {
				return nil, fmt.Errorf("partition filter %q: unexpected !", s)
			}
			out = append(out, token{tOp, op})
			i += len(op)
		case c == '-' || c >= '0' && c <= '9' || c == '.':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			out = append(out, token{tNumber, s[i:j]})
			i = j
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i + 1
			for j < len(s) && (s[j] == '_' || unicode.IsLetter(rune(s[j])) || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			out = append(out, token{tIdent, s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("partition filter %q: unexpected %q at %d", s, c, i)
		}
	}
	return out, nil
}

type exprParser struct {
	toks []token
	pos  int
	src  string
}

func (p *exprParser) peekWord(w string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == tIdent && strings.EqualFold(p.toks[p.pos].text, w)
}

func (p *exprParser) errf(format string, args ...any) error {
	return fmt.Errorf("partition filter %q: %s", p.src, fmt.Sprintf(format, args...))
}

func (p *exprParser) or() (Expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peekWord("OR") {
		p.pos++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &boolExpr{and: false, l: l, r: r}
	}
	return l, nil
}

func (p *exprParser) and() (Expr, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.peekWord("AND") {
		p.pos++
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &boolExpr{and: true, l: l, r: r}
	}
	return l, nil
}

func (p *exprParser) not() (Expr, error) {
	if p.peekWord("NOT") {
		p.pos++
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return &notExpr{e}, nil
	}
	return p.primary()
}

func (p *exprParser) primary() (Expr, error) {
	if p.pos >= len(p.toks) {
		return nil, p.errf("unexpected end")
	}
	if p.toks[p.pos].kind == tLParen {
		p.pos++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != tRParen {
			return nil, p.errf("missing )")
		}
		p.pos++
		return e, nil
	}
	t := p.toks[p.pos]
	if t.kind != tIdent {
		return nil, p.errf("want a partition key, got %q", t.text)
	}
	key := strings.ToLower(t.text)
	p.pos++
	if p.peekWord("IS") {
		p.pos++
		not := p.peekWord("NOT")
		if not {
			p.pos++
		}
		if !p.peekWord("NULL") {
			return nil, p.errf("IS needs NULL or NOT NULL after %s", t.text)
		}
		p.pos++
		return &nullExpr{key: key, not: not}, nil
	}
	neg := false
	if p.peekWord("NOT") {
		neg = true
		p.pos++
	}
	var e Expr
	switch {
	case p.peekWord("IN"):
		p.pos++
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != tLParen {
			return nil, p.errf("IN needs a (list)")
		}
		p.pos++
		var vals []token
		for {
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
			if p.pos < len(p.toks) && p.toks[p.pos].kind == tComma {
				p.pos++
				continue
			}
			break
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != tRParen {
			return nil, p.errf("missing ) after IN list")
		}
		p.pos++
		e = &inExpr{key: key, vals: vals}
	case p.peekWord("BETWEEN"):
		p.pos++
		lo, err := p.literal()
		if err != nil {
			return nil, err
		}
		if !p.peekWord("AND") {
			return nil, p.errf("BETWEEN needs AND")
		}
		p.pos++
		hi, err := p.literal()
		if err != nil {
			return nil, err
		}
		e = &betweenExpr{key: key, lo: lo, hi: hi}
	case p.peekWord("LIKE"):
		p.pos++
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		e = &likeExpr{key: key, re: likeRegexp(v.text), pat: v.text}
	default:
		if neg {
			return nil, p.errf("NOT after %s needs IN, BETWEEN or LIKE", t.text)
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != tOp {
			return nil, p.errf("want a comparison after %s", t.text)
		}
		op := p.toks[p.pos].text
		if op == "!=" {
			op = "<>"
		}
		p.pos++
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		return &cmpExpr{key: key, op: op, val: v}, nil
	}
	if neg {
		e = &notExpr{e}
	}
	return e, nil
}

func (p *exprParser) literal() (token, error) {
	if p.pos >= len(p.toks) {
		return token{}, p.errf("want a value, got the end")
	}
	t := p.toks[p.pos]
	if t.kind != tString && t.kind != tNumber {
		return token{}, p.errf("want a 'string' or number, got %q", t.text)
	}
	p.pos++
	return t, nil
}

// hiveDefault is the value Hive, Spark and crawlers record for a NULL
// partition value.
const hiveDefault = "__HIVE_DEFAULT_PARTITION__"

// tri is SQL's three-valued truth: a comparison with a NULL partition
// value is unknown, and so is NOT of it, so that neither dt = 1 nor
// NOT dt = 1 selects the NULL partition (only dt IS NULL does).
type tri int8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// eval3 is implemented by every Expr of this package.
type eval3er interface {
	eval3(v map[string]string, n map[string]bool) (tri, error)
}

func eval3(e Expr, v map[string]string, n map[string]bool) (tri, error) {
	if x, ok := e.(eval3er); ok {
		return x.eval3(v, n)
	}
	b, err := e.Eval(v, n)
	return triOf(b), err
}

func evalTrue(e eval3er, v map[string]string, n map[string]bool) (bool, error) {
	t, err := e.eval3(v, n)
	return t == triTrue, err
}

// leafValue is key's value, or ok false for a NULL partition value.
func leafValue(v map[string]string, key string) (s string, ok bool, err error) {
	s, err = value(v, key)
	return s, err == nil && s != hiveDefault, err
}

type boolExpr struct {
	and  bool
	l, r Expr
}

func (b *boolExpr) Eval(v map[string]string, n map[string]bool) (bool, error) {
	return evalTrue(b, v, n)
}
func (b *boolExpr) eval3(v map[string]string, n map[string]bool) (tri, error) {
	l, err := eval3(b.l, v, n)
	if err != nil {
		return l, err
	}
	if b.and && l == triFalse || !b.and && l == triTrue {
		return l, nil
	}
	r, err := eval3(b.r, v, n)
	if err != nil {
		return r, err
	}
	switch {
	case b.and && r == triFalse || !b.and && r == triTrue:
		return r, nil
	case l == triUnknown || r == triUnknown:
		return triUnknown, nil
	}
	return r, nil
}
func (b *boolExpr) Keys() []string { return append(b.l.Keys(), b.r.Keys()...) }

type notExpr struct{ e Expr }

func (x *notExpr) Eval(v map[string]string, n map[string]bool) (bool, error) {
	return evalTrue(x, v, n)
}
func (x *notExpr) eval3(v map[string]string, n map[string]bool) (tri, error) {
	r, err := eval3(x.e, v, n)
	switch r {
	case triTrue:
		return triFalse, err
	case triFalse:
		return triTrue, err
	}
	return r, err
}
func (x *notExpr) Keys() []string { return x.e.Keys() }

// nullExpr is key IS [NOT] NULL.
type nullExpr struct {
	key string
	not bool
}

func (x *nullExpr) Eval(v map[string]string, n map[string]bool) (bool, error) {
	return evalTrue(x, v, n)
}
func (x *nullExpr) eval3(v map[string]string, _ map[string]bool) (tri, error) {
	_, ok, err := leafValue(v, x.key)
	if err != nil {
		return triFalse, err
	}
	return triOf(ok == x.not), nil
}
func (x *nullExpr) Keys() []string { return []string{x.key} }

// compare orders a partition value and a literal: as numbers when the key
// is numeric, else as strings.
func compare(key, val string, lit token, numeric map[string]bool) (int, error) {
	if numeric[key] {
		a, err1 := strconv.ParseFloat(val, 64)
		b, err2 := strconv.ParseFloat(lit.text, 64)
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("partition key %s: cannot compare %q with %q as numbers", key, val, lit.text)
		}
		switch {
		case a < b:
			return -1, nil
		case a > b:
			return 1, nil
		}
		return 0, nil
	}
	return strings.Compare(val, lit.text), nil
}

func value(v map[string]string, key string) (string, error) {
	s, ok := v[key]
	if !ok {
		return "", fmt.Errorf("%q is not a partition key", key)
	}
	return s, nil
}

type cmpExpr struct {
	key, op string
	val     token
}

func (c *cmpExpr) Eval(v map[string]string, n map[string]bool) (bool, error) {
	return evalTrue(c, v, n)
}
func (c *cmpExpr) eval3(v map[string]string, n map[string]bool) (tri, error) {
	s, ok, err := leafValue(v, c.key)
	if err != nil || !ok {
		return triUnknown, err
	}
	r, err := compare(c.key, s, c.val, n)
	if err != nil {
		return triFalse, err
	}
	switch c.op {
	case "=":
		return triOf(r == 0), nil
	case "<>":
		return triOf(r != 0), nil
	case "<":
		return triOf(r < 0), nil
	case ">":
		return triOf(r > 0), nil
	case "<=":
		return triOf(r <= 0), nil
	case ">=":
		return triOf(r >= 0), nil
	}
	return triFalse, fmt.Errorf("unknown operator %s", c.op)
}
func (c *cmpExpr) Keys() []string { return []string{c.key} }

type inExpr struct {
	key  string
	vals []token
}

func (x *inExpr) Eval(v map[string]string, n map[string]bool) (bool, error) {
	return evalTrue(x, v, n)
}
func (x *inExpr) eval3(v map[string]string, n map[string]bool) (tri, error) {
	s, ok, err := leafValue(v, x.key)
	if err != nil || !ok {
		return triUnknown, err
	}
	for _, l := range x.vals {
		r, err := compare(x.key, s, l, n)
		if err != nil {
			return triFalse, err
		}
		if r == 0 {
			return triTrue, nil
		}
	}
	return triFalse, nil
}
func (x *inExpr) Keys() []string { return []string{x.key} }

type betweenExpr struct {
	key    string
	lo, hi token
}

func (x *betweenExpr) Eval(v map[string]string, n map[string]bool) (bool, error) {
	return evalTrue(x, v, n)
}
func (x *betweenExpr) eval3(v map[string]string, n map[string]bool) (tri, error) {
	s, ok, err := leafValue(v, x.key)
	if err != nil || !ok {
		return triUnknown, err
	}
	a, err := compare(x.key, s, x.lo, n)
	if err != nil {
		return triFalse, err
	}
	b, err := compare(x.key, s, x.hi, n)
	return triOf(a >= 0 && b <= 0), err
}
func (x *betweenExpr) Keys() []string { return []string{x.key} }

type likeExpr struct {
	key string
	re  *regexp.Regexp
	pat string // as written, for WhereSQL
}

func (x *likeExpr) Eval(v map[string]string, n map[string]bool) (bool, error) {
	return evalTrue(x, v, n)
}
func (x *likeExpr) eval3(v map[string]string, _ map[string]bool) (tri, error) {
	s, ok, err := leafValue(v, x.key)
	if err != nil || !ok {
		return triUnknown, err
	}
	return triOf(x.re.MatchString(s)), nil
}
func (x *likeExpr) Keys() []string { return []string{x.key} }

// likeRegexp translates a SQL LIKE pattern (% any run, _ one character).
func likeRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^(?s)")
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
