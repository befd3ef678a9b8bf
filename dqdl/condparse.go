package dqdl

import (
	"fmt"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Conditions are parsed by hand and plugged into the participle grammar
// with participle.ParseTypeWith, the library's mechanism for "an optimised
// parsing scheme for some portion of the grammar". Conditions hold most of
// a ruleset's tokens, and participle's reflective backtracking tried and
// allocated a failing branch for almost every operand alternative: a
// 10,000-rule ruleset took ~450 ms to parse, this parser brings it well
// under the 100 ms target. The grammar it implements is the one in the
// comments of the g* types below; build.go checks meaning as before.

// condNode is the interface participle needs to call the custom parser.
type condNode interface{ isCond() }

func (*gCond) isCond() {}

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

// condParser reads one condition from a participle token stream.
type condParser struct {
	pl *lexer.PeekingLexer
}

func (p *condParser) peek() *lexer.Token { return p.pl.Peek() }

func (p *condParser) is(t *lexer.Token, typ lexer.TokenType, value string) bool {
	return t.Type == typ && (value == "" || t.Value == value)
}

func (p *condParser) punct(v string) bool {
	t := p.peek()
	return t.Type == tokPunct && t.Value == v
}

func (p *condParser) fail(t *lexer.Token, want string) error {
	return participle.Errorf(t.Pos, "unexpected %s (expected %s)", describeToken(*t), want)
}

func (p *condParser) expectPunct(v string) (*lexer.Token, error) {
	t := p.peek()
	if t.Type != tokPunct || t.Value != v {
		return nil, p.fail(t, fmt.Sprintf("%q", v))
	}
	return p.pl.Next(), nil
}

// parseCondition is registered with participle.ParseTypeWith. It returns
// participle.NextMatch when the next token cannot start a condition, so
// the grammar's `@@?` moves on.
func parseCondition(pl *lexer.PeekingLexer) (condNode, error) {
	p := &condParser{pl: pl}
	t := p.peek()
	if !startsCondition(t) {
		return nil, participle.NextMatch
	}
	return p.condition()
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

func (p *condParser) condition() (*gCond, error) {
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

func (p *condParser) varUse() (*gVarUse, error) {
	d := p.pl.Next() // '$'
	n := p.peek()
	if n.Type != tokIdent {
		return nil, p.fail(n, "a variable name after '$'")
	}
	p.pl.Next()
	return &gVarUse{Pos: d.Pos, Name: n.Value}, nil
}

func (p *condParser) list() (*gOperandList, error) {
	open, err := p.expectPunct("[")
	if err != nil {
		return nil, err
	}
	l := &gOperandList{Pos: open.Pos}
	if p.punct("]") {
		p.pl.Next()
		return l, nil
	}
	for {
		o, err := p.operand()
		if err != nil {
			return nil, err
		}
		l.Items = append(l.Items, o)
		if p.punct(",") {
			p.pl.Next()
			continue
		}
		if _, err := p.expectPunct("]"); err != nil {
			return nil, err
		}
		return l, nil
	}
}

func (p *condParser) operand() (*gOperand, error) {
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

func (p *condParser) numExpr() (*gNumExpr, error) {
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

func (p *condParser) atom() (*gNumAtom, error) {
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
	p := &condParser{pl: pl}
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
