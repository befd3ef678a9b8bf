package dqdl

import (
	"fmt"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Rules and their conditions are parsed by hand and plugged into the
// participle grammar (grammar.go) with participle.ParseTypeWith, the
// library's mechanism for "an optimised parsing scheme for some portion of
// the grammar". Rules are where a ruleset's tokens are, and participle's
// reflective backtracking allocated a failing branch for almost every
// optional clause and operand alternative: 10,000 rules cost ~3.2M
// allocations and ~450 ms on a quiet machine, against a 100 ms target.
// The document skeleton (sections, dictionaries, variables, labels)
// stays in participle. The grammar implemented here is written in the
// comments of the g* types; it is Glue's topLevelRule/dqRule/condition
// (spec §2.1, §5), and build.go checks meaning as before.

// gCond := 'not'? ( 'between' operand 'and' operand
//
//	| 'in' ( '[' operand (',' operand)* ']' | '$' Ident )
//	| 'matches' String
//	| '!'? ( '=' | '>=' | '>' | '<=' | '<' ) operand )
type gCond struct {
	Pos     lexer.Position
	Not     bool
	Between *gBetween
	In      *gIn
	Matches *gPattern
	Cmp     *gCompare
}

type gPattern struct {
	Pos     lexer.Position
	Pattern string
}

type gBetween struct {
	Pos    lexer.Position
	Lo, Hi *gOperand
}

type gIn struct {
	Pos  lexer.Position
	List *gOperandList
	Var  *gVarUse
}

type gCompare struct {
	Pos     lexer.Position
	Negated bool
	Op      string
	X       *gOperand
}

// gOperand := String | numExpr | Date | Time | 'EMPTY' | 'WHITESPACES_ONLY'
// | 'now()' | '$' Ident. Durations (`3 days`), sizes (`5 MB`),
// `(now() - 3 days)` and NULL are number atoms, told apart when building.
type gOperand struct {
	Pos     lexer.Position
	Str     *string
	Num     *gNumExpr
	Date    *string
	Time    *string
	Keyword *string
	Now     bool
	Var     *gVarUse
}

// gNumExpr := atom ( ('+'|'-'|'*'|'/') atom )*: one precedence level,
// left-associative, as Glue's left-recursive ANTLR rule (spec §5.1).
type gNumExpr struct {
	Pos   lexer.Position
	First *gNumAtom
	Rest  []*gNumTail
}

type gNumTail struct {
	Pos lexer.Position
	Op  string
	X   *gNumAtom
}

// gNumAtom := numLit | Ident '(' (numExpr (',' numExpr)*)? ')'
// | '(' 'now()' ('-'|'+') Int unit ')' | '(' numExpr ')' | NULL
type gNumAtom struct {
	Pos    lexer.Position
	Lit    *gNumLit
	Call   *gCall
	NowOff *gNowOffset
	Paren  *gNumExpr
	Null   bool
}

// gNumLit := '-'? (Int | Decimal) unit?
type gNumLit struct {
	Pos   lexer.Position
	Neg   bool
	Value string
	Unit  string
}

type gCall struct {
	Pos  lexer.Position
	Name string
	Args []*gNumExpr
}

type gNowOffset struct {
	Pos  lexer.Position
	Sign string
	Dur  *gDuration
}

type gDuration struct {
	Pos    lexer.Position
	Amount string
	Unit   string
}

type gOperandList struct {
	Pos   lexer.Position
	Items []*gOperand
}

type gVarUse struct {
	Pos  lexer.Position
	Name string
}

var units = map[string]bool{"days": true, "hours": true, "minutes": true, "B": true, "KB": true, "MB": true, "GB": true, "TB": true}

// tokenStream is what the hand parser reads: participle's PeekingLexer
// when participle calls it (variables, analyzer parameters), or a plain
// slice cursor for the rules of the Rules list, which are parsed before
// participle sees the document (see Parse).
type tokenStream interface {
	Peek() *lexer.Token
	Next() *lexer.Token
	// mark returns a function that moves the stream back to where it was.
	mark() func()
}

type peekingStream struct{ *lexer.PeekingLexer }

func (s peekingStream) mark() func() {
	cp := s.MakeCheckpoint()
	return func() { s.LoadCheckpoint(cp) }
}

// sliceStream reads tokens without comments, ending with an EOF token.
type sliceStream struct {
	toks []lexer.Token
	i    int
}

func (s *sliceStream) Peek() *lexer.Token { return &s.toks[s.i] }

func (s *sliceStream) Next() *lexer.Token {
	t := &s.toks[s.i]
	if s.i < len(s.toks)-1 {
		s.i++
	}
	return t
}

func (s *sliceStream) mark() func() {
	i := s.i
	return func() { s.i = i }
}

// handParser is a recursive-descent parser over a tokenStream.
type handParser struct {
	pl tokenStream
}

func (p *handParser) peek() *lexer.Token { return p.pl.Peek() }

func (p *handParser) punct(v string) bool {
	t := p.peek()
	return t.Type == tokPunct && t.Value == v
}

func (p *handParser) fail(t *lexer.Token, want string) error {
	return participle.Errorf(t.Pos, "unexpected %s (expected %s)", describeToken(*t), want)
}

func (p *handParser) expectPunct(v string) (*lexer.Token, error) {
	t := p.peek()
	if t.Type != tokPunct || t.Value != v {
		return nil, p.fail(t, fmt.Sprintf("%q", v))
	}
	return p.pl.Next(), nil
}

func startsCondition(t *lexer.Token) bool {
	switch t.Type {
	case tokNot, tokBetween, tokIn:
		return true
	case tokKeyword:
		return t.Value == "matches"
	case tokPunct:
		switch t.Value {
		case "!", "=", ">", ">=", "<", "<=":
			return true
		}
	}
	return false
}

func (p *handParser) condition() (*gCond, error) {
	first := p.peek()
	c := &gCond{Pos: first.Pos}
	if first.Type == tokNot {
		p.pl.Next()
		c.Not = true
	}
	t := p.peek()
	switch {
	case t.Type == tokBetween:
		p.pl.Next()
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if a := p.peek(); a.Type != tokAnd {
			return nil, p.fail(a, "'and' between the two bounds")
		}
		p.pl.Next()
		hi, err := p.operand()
		if err != nil {
			return nil, err
		}
		c.Between = &gBetween{Pos: t.Pos, Lo: lo, Hi: hi}
	case t.Type == tokIn:
		p.pl.Next()
		in := &gIn{Pos: t.Pos}
		if p.punct("$") {
			v, err := p.varUse()
			if err != nil {
				return nil, err
			}
			in.Var = v
		} else {
			l, err := p.list()
			if err != nil {
				return nil, err
			}
			in.List = l
		}
		c.In = in
	case t.Type == tokKeyword && t.Value == "matches":
		p.pl.Next()
		s := p.peek()
		if s.Type != tokString && s.Type != tokDate && s.Type != tokTime {
			return nil, p.fail(s, "a quoted regular expression")
		}
		p.pl.Next()
		c.Matches = &gPattern{Pos: s.Pos, Pattern: s.Value}
	case c.Not:
		return nil, p.fail(t, "between, in or matches after 'not'")
	default:
		cmp := &gCompare{Pos: t.Pos}
		if p.punct("!") {
			p.pl.Next()
			cmp.Negated = true
		}
		op := p.peek()
		switch {
		case op.Type == tokPunct && (op.Value == "=" || op.Value == ">" || op.Value == ">=" || op.Value == "<" || op.Value == "<="):
			p.pl.Next()
			cmp.Op = op.Value
		default:
			return nil, p.fail(op, "a comparison operator")
		}
		x, err := p.operand()
		if err != nil {
			return nil, err
		}
		cmp.X = x
		c.Cmp = cmp
	}
	return c, nil
}

func (p *handParser) varUse() (*gVarUse, error) {
	d := p.pl.Next() // '$'
	n := p.peek()
	if n.Type != tokIdent {
		return nil, p.fail(n, "a variable name after '$'")
	}
	p.pl.Next()
	return &gVarUse{Pos: d.Pos, Name: n.Value}, nil
}

func (p *handParser) list() (*gOperandList, error) {
	l := &gOperandList{Pos: p.peek().Pos}
	err := p.bracketed(func() error {
		o, err := p.operand()
		if err == nil {
			l.Items = append(l.Items, o)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// bracketed reads '[' ( item ( ',' item )* )? ']'.
func (p *handParser) bracketed(item func() error) error {
	if _, err := p.expectPunct("["); err != nil {
		return err
	}
	if p.punct("]") {
		p.pl.Next()
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if !p.punct(",") {
			_, err := p.expectPunct("]")
			return err
		}
		p.pl.Next()
	}
}

func (p *handParser) operand() (*gOperand, error) {
	t := p.peek()
	o := &gOperand{Pos: t.Pos}
	switch t.Type {
	case tokString:
		p.pl.Next()
		o.Str = &t.Value
	case tokDate:
		p.pl.Next()
		o.Date = &t.Value
	case tokTime:
		p.pl.Next()
		o.Time = &t.Value
	case tokEmpty, tokWsOnly:
		p.pl.Next()
		o.Keyword = &t.Value
	case tokNow:
		p.pl.Next()
		o.Now = true
	case tokPunct:
		if t.Value == "$" {
			v, err := p.varUse()
			if err != nil {
				return nil, err
			}
			o.Var = v
			return o, nil
		}
		fallthrough
	default:
		n, err := p.numExpr()
		if err != nil {
			return nil, err
		}
		o.Num = n
	}
	return o, nil
}

func (p *handParser) numExpr() (*gNumExpr, error) {
	e := &gNumExpr{Pos: p.peek().Pos}
	a, err := p.atom()
	if err != nil {
		return nil, err
	}
	e.First = a
	for {
		t := p.peek()
		if t.Type != tokPunct || (t.Value != "+" && t.Value != "-" && t.Value != "*" && t.Value != "/") {
			return e, nil
		}
		p.pl.Next()
		x, err := p.atom()
		if err != nil {
			return nil, err
		}
		e.Rest = append(e.Rest, &gNumTail{Pos: t.Pos, Op: t.Value, X: x})
	}
}

func (p *handParser) atom() (*gNumAtom, error) {
	t := p.peek()
	a := &gNumAtom{Pos: t.Pos}
	switch {
	case t.Type == tokNull:
		p.pl.Next()
		a.Null = true
	case t.Type == tokInt || t.Type == tokDecimal || t.Type == tokPunct && t.Value == "-":
		lit := &gNumLit{Pos: t.Pos}
		if t.Value == "-" {
			p.pl.Next()
			lit.Neg = true
			t = p.peek()
			if t.Type != tokInt && t.Type != tokDecimal {
				return nil, p.fail(t, "a number after '-'")
			}
		}
		p.pl.Next()
		lit.Value = t.Value
		if u := p.peek(); u.Type == tokKeyword && units[u.Value] {
			p.pl.Next()
			lit.Unit = u.Value
		}
		a.Lit = lit
	case t.Type == tokIdent:
		if c := t.Value[0]; c >= '0' && c <= '9' || c == '.' {
			// 1e5, 10KB, .5: one word to the lexer, never a function name.
			return nil, p.fail(t, "a number")
		}
		p.pl.Next()
		if _, err := p.expectPunct("("); err != nil {
			return nil, err
		}
		call := &gCall{Pos: t.Pos, Name: t.Value}
		if !p.punct(")") {
			for {
				arg, err := p.numExpr()
				if err != nil {
					return nil, err
				}
				call.Args = append(call.Args, arg)
				if p.punct(",") {
					p.pl.Next()
					continue
				}
				break
			}
		}
		if _, err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		a.Call = call
	case t.Type == tokPunct && t.Value == "(":
		p.pl.Next()
		if n := p.peek(); n.Type == tokNow {
			p.pl.Next()
			s := p.peek()
			if s.Type != tokPunct || (s.Value != "-" && s.Value != "+") {
				return nil, p.fail(s, "'-' or '+' after now()")
			}
			p.pl.Next()
			amt := p.peek()
			if amt.Type != tokInt {
				return nil, p.fail(amt, "a whole number of days, hours or minutes")
			}
			p.pl.Next()
			u := p.peek()
			if u.Type != tokKeyword || (u.Value != "days" && u.Value != "hours" && u.Value != "minutes") {
				return nil, p.fail(u, "days, hours or minutes")
			}
			p.pl.Next()
			if _, err := p.expectPunct(")"); err != nil {
				return nil, err
			}
			a.NowOff = &gNowOffset{Pos: t.Pos, Sign: s.Value, Dur: &gDuration{Pos: amt.Pos, Amount: amt.Value, Unit: u.Value}}
			return a, nil
		}
		inner, err := p.numExpr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		a.Paren = inner
	default:
		return nil, p.fail(t, "a value")
	}
	return a, nil
}

// varValueNode is a variable's value: one operand or a list of them.
type varValueNode interface{ isVarValue() }

type gVarValue struct {
	List  *gOperandList
	Value *gOperand
}

func (*gVarValue) isVarValue() {}

func parseVarValue(pl *lexer.PeekingLexer) (varValueNode, error) {
	p := &handParser{pl: peekingStream{pl}}
	if p.punct("[") {
		l, err := p.list()
		if err != nil {
			return nil, err
		}
		return &gVarValue{List: l}, nil
	}
	o, err := p.operand()
	if err != nil {
		return nil, err
	}
	return &gVarValue{Value: o}, nil
}

// paramsNode is a parameter list as the participle grammar sees it.
type paramsNode interface{ isParams() }

type gParams struct{ List []*gParam }

func (*gParams) isParams() {}

// gOr := gAnd ( OR gAnd )*. AND binds tighter than OR, as in Glue's
// left-recursive topLevelRule, whose AND alternative is listed first.
type gOr struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Terms  []*gAnd
}

// gAnd := gFactor ( AND gFactor )*
type gAnd struct {
	Pos     lexer.Position
	Factors []*gFactor
}

// gFactor := '(' gOr ')' ( 'labels' '=' gLabels )? | gRule
type gFactor struct {
	Pos         lexer.Position
	Group       *gOr
	GroupLabels *gLabels
	Rule        *gRule
}

// gRule := Ident gParam* gCond? gWhere? gClause*
type gRule struct {
	Pos     lexer.Position
	Type    string
	Params  []*gParam
	Cond    *gCond
	Where   *gWhere
	Clauses []*gClause
}

// gParam := ( OF | AND )? ( String | Ident | '$' Ident )
type gParam struct {
	Pos       lexer.Position
	Connector string
	Str       *string
	Ident     *string
	Var       *string
}

// gWhere := 'where' String
type gWhere struct {
	Pos lexer.Position
	SQL string
}

// gClause := 'labels' '=' gLabels | 'with' Ident gCond. Glue's grammar puts
// labels before the tags while its docs and printer put them after; both
// orders are accepted (spec §18 #1).
type gClause struct {
	Pos    lexer.Position
	Labels *gLabels
	Tag    *gTag
}

type gTag struct {
	Pos  lexer.Position
	Key  string
	Cond *gCond
	List *gOperandList // `with key = [ ... ]`
}

func parseParams(pl *lexer.PeekingLexer) (paramsNode, error) {
	p := &handParser{pl: peekingStream{pl}}
	list, err := p.params()
	if err != nil {
		return nil, err
	}
	return &gParams{List: list}, nil
}

func (p *handParser) or() (*gOr, error) {
	o := &gOr{Pos: p.peek().Pos}
	for {
		a, err := p.and()
		if err != nil {
			return nil, err
		}
		o.Terms = append(o.Terms, a)
		if p.peek().Type != tokOr {
			o.EndPos = p.peek().Pos
			return o, nil
		}
		p.pl.Next()
	}
}

func (p *handParser) and() (*gAnd, error) {
	a := &gAnd{Pos: p.peek().Pos}
	for {
		f, err := p.factor()
		if err != nil {
			return nil, err
		}
		a.Factors = append(a.Factors, f)
		if p.peek().Type != tokAnd {
			return a, nil
		}
		p.pl.Next()
	}
}

func (p *handParser) factor() (*gFactor, error) {
	t := p.peek()
	f := &gFactor{Pos: t.Pos}
	if p.punct("(") {
		p.pl.Next()
		g, err := p.or()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		f.Group = g
		if l := p.peek(); l.Type == tokKeyword && l.Value == "labels" {
			labels, err := p.labelsClause()
			if err != nil {
				return nil, err
			}
			f.GroupLabels = labels
		}
		return f, nil
	}
	r, err := p.rule()
	if err != nil {
		return nil, err
	}
	f.Rule = r
	return f, nil
}

func (p *handParser) rule() (*gRule, error) {
	t := p.peek()
	if t.Type != tokIdent {
		return nil, p.fail(t, "a rule type")
	}
	p.pl.Next()
	r := &gRule{Pos: t.Pos, Type: t.Value}
	params, err := p.params()
	if err != nil {
		return nil, err
	}
	r.Params = params
	if startsCondition(p.peek()) {
		c, err := p.condition()
		if err != nil {
			return nil, err
		}
		r.Cond = c
	}
	if w := p.peek(); w.Type == tokKeyword && w.Value == "where" {
		p.pl.Next()
		s := p.peek()
		if s.Type != tokString && s.Type != tokDate && s.Type != tokTime {
			return nil, p.fail(s, "a quoted SQL condition after where")
		}
		p.pl.Next()
		r.Where = &gWhere{Pos: w.Pos, SQL: s.Value}
	}
	for {
		k := p.peek()
		if k.Type != tokKeyword || (k.Value != "labels" && k.Value != "with") {
			return r, nil
		}
		c, err := p.clause()
		if err != nil {
			return nil, err
		}
		r.Clauses = append(r.Clauses, c)
	}
}

// params reads parameters. A connector word (`and`, `of`) is a parameter
// connector only when a parameter follows it; otherwise it is left for the
// composite operator, as Glue's grammar decides.
func (p *handParser) params() ([]*gParam, error) {
	var out []*gParam
	for {
		t := p.peek()
		gp := &gParam{Pos: t.Pos}
		back := p.pl.mark()
		if t.Type == tokAnd || t.Type == tokOf {
			p.pl.Next()
			gp.Connector = t.Value
			t = p.peek()
		}
		switch {
		case t.Type == tokString:
			p.pl.Next()
			gp.Str = &t.Value
		case t.Type == tokIdent:
			p.pl.Next()
			gp.Ident = &t.Value
		case t.Type == tokPunct && t.Value == "$":
			p.pl.Next()
			n := p.peek()
			if n.Type != tokIdent {
				return nil, p.fail(n, "a variable name after '$'")
			}
			p.pl.Next()
			gp.Var = &n.Value
		default:
			back()
			return out, nil
		}
		out = append(out, gp)
	}
}

func (p *handParser) labelsClause() (*gLabels, error) {
	p.pl.Next() // labels
	if _, err := p.expectPunct("="); err != nil {
		return nil, err
	}
	l := &gLabels{Pos: p.peek().Pos}
	err := p.bracketed(func() error {
		k := p.peek()
		if k.Type != tokString {
			return p.fail(k, `a label "key"="value"`)
		}
		p.pl.Next()
		if _, err := p.expectPunct("="); err != nil {
			return err
		}
		v := p.peek()
		if v.Type != tokString && v.Type != tokDate && v.Type != tokTime {
			return p.fail(v, "a quoted label value")
		}
		p.pl.Next()
		l.Labels = append(l.Labels, &gLabel{Pos: k.Pos, Key: k.Value, Value: v.Value})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (p *handParser) clause() (*gClause, error) {
	k := p.peek()
	c := &gClause{Pos: k.Pos}
	if k.Value == "labels" {
		l, err := p.labelsClause()
		if err != nil {
			return nil, err
		}
		c.Labels = l
		return c, nil
	}
	p.pl.Next() // with
	key := p.peek()
	if key.Type != tokIdent {
		return nil, p.fail(key, "a tag name after with (e.g. with threshold > 0.9)")
	}
	p.pl.Next()
	// `with filterOrder = ["uriRegex","recentFiles"]`: a list value, which
	// Glue's documentation uses for the File* rules.
	if p.punct("=") {
		back := p.pl.mark()
		p.pl.Next()
		if p.punct("[") {
			l, err := p.list()
			if err != nil {
				return nil, err
			}
			c.Tag = &gTag{Pos: k.Pos, Key: key.Value, List: l}
			return c, nil
		}
		back()
	}
	if !startsCondition(p.peek()) {
		return nil, p.fail(p.peek(), "a condition after the tag name")
	}
	cond, err := p.condition()
	if err != nil {
		return nil, err
	}
	c.Tag = &gTag{Pos: k.Pos, Key: key.Value, Cond: cond}
	return c, nil
}
