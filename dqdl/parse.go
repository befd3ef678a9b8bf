package dqdl

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Parse parses and validates the DQDL source src; name is used in positions
// (usually the file name). On failure it returns a nil Ruleset and an
// ErrorList holding every problem found, errors and warnings, each with its
// position. Warnings alone do not fail the parse; they are in
// Ruleset.Warnings.
func Parse(name, src string) (*Ruleset, error) {
	toks, err := tokenize(name, src)
	if err != nil {
		var le *lexError
		if errors.As(err, &le) {
			return nil, ErrorList{{Pos: toPos(le.pos), Msg: le.msg}}
		}
		return nil, ErrorList{{Pos: Pos{Filename: name, Line: 1, Column: 1}, Msg: err.Error()}}
	}
	// The rules of the Rules list are parsed first, each on its own, so that
	// every broken rule is reported; participle then parses the document
	// with one Chunk token standing for each rule.
	rules, ruleErrs, docToks := parseRulesList(toks)
	doc, err := parseTokens(documentParser(), docToks)
	if err == nil && doc.Rules == nil && doc.Analyzers == nil && len(doc.Trailing) > 0 {
		// The sections did not parse; the strict grammar says why.
		if _, serr := parseTokensExact(strictParser(), docToks); serr != nil {
			err = serr
		}
	}
	if err != nil || len(ruleErrs) > 0 {
		return nil, syntaxErrors(err, docToks, ruleErrs)
	}
	b := &builder{rules: rules}
	rs := b.document(doc)
	for _, t := range toks {
		if t.Type == tokComment {
			rs.Comments = append(rs.Comments, &Comment{Pos: toPos(t.Pos), Text: t.Value})
		}
	}
	rs.layout = sourceLayout(doc, toks, rules)
	if len(doc.Trailing) > 0 {
		rs.TrailingPos = toPos(doc.Trailing[0].Pos)
		// The raw text, so that the formatter keeps it byte for byte;
		// trailing blank space is not text.
		rs.Trailing = strings.TrimRight(src[doc.Trailing[0].Pos.Offset:], " \t\r\n")
	}
	rs.Warnings = b.warnings
	if len(b.errs) > 0 {
		all := append(append(ErrorList{}, b.errs...), b.warnings...)
		sortDiagnostics(all)
		return nil, all
	}
	sortDiagnostics(rs.Warnings)
	return rs, nil
}

// parsedRule is one rule of the Rules list, parsed by hand.
type parsedRule struct {
	rule     *gOr
	lastLine int // source line of the rule's last token
}

// parseRulesList parses each rule of the first `Rules = [ ... ]` list and
// returns the token stream participle should see instead: the list's
// contents replaced by a single Chunk token.
func parseRulesList(toks []lexer.Token) ([]parsedRule, ErrorList, []lexer.Token) {
	start, end, ok := rulesSpan(toks)
	if !ok {
		return nil, nil, toks
	}
	var (
		rules []parsedRule
		errs  ErrorList
	)
	doc := make([]lexer.Token, 0, start+len(toks)-end+8)
	doc = append(doc, toks[:start]...)
	depth, from := 0, start
	flush := func(to int) {
		chunk := make([]lexer.Token, 0, to-from+1)
		for _, t := range toks[from:to] {
			if t.Type != tokComment {
				chunk = append(chunk, t)
			}
		}
		if len(chunk) == 0 {
			if toks[to].Value == "]" && from > start {
				errs = append(errs, &Diagnostic{Pos: toPos(toks[to].Pos), Msg: `syntax error: unexpected "]": trailing commas are not allowed`})
			} else if toks[to].Value == "," {
				errs = append(errs, &Diagnostic{Pos: toPos(toks[to].Pos), Msg: `syntax error: unexpected ",": expected a rule`})
			}
			return
		}
		lastLine := chunk[len(chunk)-1].Pos.Line
		// The rule ends where the list goes on; naming the separator in the
		// EOF token makes "unexpected" messages read naturally.
		chunk = append(chunk, lexer.Token{Type: tokEOF, Value: toks[to].Value, Pos: toks[to].Pos})
		p := &handParser{pl: &sliceStream{toks: chunk}}
		r, err := p.or()
		if err == nil {
			if t := p.peek(); t.Type != tokEOF {
				err = p.fail(t, "',' or ']' after the rule")
			}
		}
		if err != nil {
			errs = append(errs, syntaxDiagnostic(err, chunk))
			return
		}
		r.EndPos = toks[to].Pos
		rules = append(rules, parsedRule{rule: r, lastLine: lastLine})
	}
	for i := start; i < end; i++ {
		t := toks[i]
		if t.Type != tokPunct {
			continue
		}
		switch t.Value {
		case "[", "(", "{":
			depth++
		case "]", ")", "}":
			depth--
		case ",":
			if depth == 0 {
				flush(i)
				from = i + 1
			}
		}
	}
	if from < end || from > start {
		flush(end)
	}
	if len(rules) > 0 {
		doc = append(doc, lexer.Token{Type: tokChunk, Value: "rules", Pos: toks[start].Pos})
	}
	doc = append(doc, toks[end:]...)
	return rules, errs, doc
}

func sortDiagnostics(l []*Diagnostic) {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Pos.Offset < l[j].Pos.Offset })
}

func parseTokens[G any](p *participle.Parser[G], toks []lexer.Token) (*G, error) {
	pl, err := lexer.Upgrade(&sliceLexer{toks: toks}, tokComment)
	if err != nil {
		return nil, err
	}
	return p.ParseFromLexer(pl, participle.AllowTrailing(true))
}

func toPos(p lexer.Position) Pos {
	return Pos{Filename: p.Filename, Offset: p.Offset, Line: p.Line, Column: p.Column}
}

// syntaxErrors combines the errors of rules parsed on their own with the
// document parse's error (which, with every rule replaced by a Chunk token,
// lies outside the Rules list).
func syntaxErrors(err error, docToks []lexer.Token, ruleErrs ErrorList) ErrorList {
	out := append(ErrorList{}, ruleErrs...)
	if err != nil && len(ruleErrs) == 0 {
		first := syntaxDiagnostic(err, docToks)
		if d := misspeltSection(first.Pos.Offset, docToks); d != nil {
			first = d
		}
		out = append(out, first)
	}
	sortDiagnostics(out)
	return out
}

var sectionNames = []string{"Metadata", "DataSources", "DefaultLabels", "Rules", "Analyzers"}

// misspeltSection explains an error inside what parsed as a variable
// declaration whose name is close to a section name (`Rule = [...]`):
// the user meant the section, not a variable.
func misspeltSection(errOffset int, toks []lexer.Token) *Diagnostic {
	depth := 0
	var last *lexer.Token
	for i := 0; i+1 < len(toks) && toks[i].Pos.Offset <= errOffset; i++ {
		t := toks[i]
		if t.Type == tokPunct {
			switch t.Value {
			case "[", "(", "{":
				depth++
			case "]", ")", "}":
				depth--
			}
		}
		if depth == 0 && t.Type == tokIdent && toks[i+1].Value == "=" {
			last = &toks[i]
		}
	}
	if last == nil {
		return nil
	}
	for _, name := range sectionNames {
		if d := levenshtein(strings.ToLower(last.Value), strings.ToLower(name)); d > 0 && d <= 2 || strings.EqualFold(last.Value, name) {
			return &Diagnostic{Pos: toPos(last.Pos), Msg: fmt.Sprintf("unknown section %q — did you mean %q? (section names are case-sensitive)", last.Value, name)}
		}
	}
	return nil
}

// rulesSpan finds the token range between the brackets of `Rules = [ ... ]`
// (exclusive). ok is false when there is no such list.
func rulesSpan(toks []lexer.Token) (start, end int, ok bool) {
	// next is the index of the first non-comment token after i: a comment
	// may sit between `Rules`, `=` and `[`.
	next := func(i int) int {
		for i++; i < len(toks) && toks[i].Type == tokComment; i++ {
		}
		return i
	}
	for i := 0; i+2 < len(toks); i++ {
		eq := next(i)
		if eq >= len(toks) {
			break
		}
		open := next(eq)
		if toks[i].Type == tokKeyword && toks[i].Value == "Rules" && toks[eq].Value == "=" && open < len(toks) && toks[open].Value == "[" {
			depth := 0
			for j := open; j < len(toks); j++ {
				if toks[j].Type == tokComment || toks[j].Type != tokPunct {
					continue
				}
				switch toks[j].Value {
				case "[", "(", "{":
					depth++
				case "]", ")", "}":
					depth--
					if depth == 0 {
						return open + 1, j, true
					}
				}
			}
			return open + 1, len(toks) - 1, true
		}
	}
	return 0, 0, false
}

func parseTokensExact[G any](p *participle.Parser[G], toks []lexer.Token) (*G, error) {
	pl, err := lexer.Upgrade(&sliceLexer{toks: toks}, tokComment)
	if err != nil {
		return nil, err
	}
	return p.ParseFromLexer(pl)
}

// syntaxDiagnostic rewords participle's error for people who write rules,
// adding a hint for the mistakes DQDL users actually make.
func syntaxDiagnostic(err error, toks []lexer.Token) *Diagnostic {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &Diagnostic{Pos: toPos(toks[0].Pos), Msg: err.Error()}
	}
	pos := perr.Position()
	var tok *lexer.Token
	var prev *lexer.Token
	for i := range toks {
		if toks[i].Pos.Offset == pos.Offset && toks[i].Type != tokComment {
			tok = &toks[i]
			for j := i - 1; j >= 0; j-- {
				if toks[j].Type != tokComment {
					prev = &toks[j]
					break
				}
			}
			break
		}
	}
	if tok != nil && tok.Value == "," && tok.Type == tokPunct {
		for j := range toks {
			if toks[j].Pos.Offset > tok.Pos.Offset && toks[j].Type != tokComment {
				if toks[j].Type == tokPunct && (toks[j].Value == "]" || toks[j].Value == "}") {
					return &Diagnostic{Pos: toPos(toks[j].Pos), Msg: fmt.Sprintf("syntax error: unexpected %q: trailing commas are not allowed", toks[j].Value)}
				}
				break
			}
		}
	}
	if d := bareWordDiagnostic(toks, tok); d != nil {
		return d
	}
	if d := lateWhereDiagnostic(toks, tok); d != nil {
		return d
	}
	if tok != nil && tok.Value == "/" {
		// Glue's own labels example comments with //, which no DQDL parser takes.
		for j := range toks {
			if toks[j].Pos.Offset == tok.Pos.Offset+1 && toks[j].Value == "/" {
				return &Diagnostic{Pos: toPos(tok.Pos), Msg: `syntax error: unexpected "/": DQDL comments start with #, not //`}
			}
		}
	}
	msg := perr.Message()
	var ute *participle.UnexpectedTokenError
	if errors.As(err, &ute) || tok != nil {
		if tok == nil {
			tok = &ute.Unexpected
		}
		msg = "syntax error: unexpected " + describeToken(*tok)
		if hint := syntaxHint(*tok, prev); hint != "" {
			msg += ": " + hint
		}
	}
	return &Diagnostic{Pos: toPos(pos), Msg: msg}
}

// bareWordDiagnostic catches an unquoted word used as a value
// (ColumnValues "active" = true, ColumnValues "c" in [red, blue]): the
// grammar reads a bare word there as the start of a function call, so
// participle complains about the token after it, which points past the
// mistake. The diagnostic points at the word itself.
func bareWordDiagnostic(toks []lexer.Token, tok *lexer.Token) *Diagnostic {
	if tok == nil || tok.Value == "(" {
		return nil
	}
	var before []*lexer.Token // the two significant tokens before tok, nearest first
	for j := len(toks) - 1; j >= 0 && len(before) < 2; j-- {
		if toks[j].Pos.Offset >= tok.Pos.Offset || toks[j].Type == tokComment {
			continue
		}
		before = append(before, &toks[j])
	}
	if len(before) < 2 || before[0].Type != tokIdent {
		return nil
	}
	word, op := before[0], before[1]
	switch {
	case op.Type == tokPunct && (op.Value == "[" || op.Value == ","):
		if !inValueList(toks, word) {
			return nil
		}
	case op.Type == tokPunct && strings.Contains("= != < > <= >=", op.Value),
		op.Type == tokBetween, op.Type == tokAnd:
	default:
		return nil
	}
	return &Diagnostic{Pos: toPos(word.Pos), Msg: fmt.Sprintf(
		"syntax error: unexpected word %s: quote values, dates and booleans (\"%s\"); an unquoted word here can only be a function such as now() or avg(last(3))",
		strconv.Quote(word.Value), word.Value)}
}

// lateWhereDiagnostic explains a where clause written after the rule's
// `with` tags or labels (ColumnValues "c" in ["a"] with threshold > 0.9
// where "x > 1"), which reads naturally in English but which Glue's grammar,
// like dq's, rejects: the where clause comes right after the condition.
func lateWhereDiagnostic(toks []lexer.Token, tok *lexer.Token) *Diagnostic {
	if tok == nil || tok.Type != tokKeyword || tok.Value != "where" {
		return nil
	}
	depth := 0
	for j := len(toks) - 1; j >= 0; j-- {
		t := toks[j]
		if t.Pos.Offset >= tok.Pos.Offset || t.Type == tokComment {
			continue
		}
		if t.Type == tokPunct {
			switch t.Value {
			case "]", ")":
				depth++
			case "[", "(":
				depth--
			}
			if depth < 0 || depth == 0 && t.Value == "," {
				return nil // the start of this rule: no tag or label before where
			}
		}
		if depth == 0 && t.Type == tokKeyword && (t.Value == "with" || t.Value == "labels") {
			return &Diagnostic{Pos: toPos(tok.Pos), Msg: fmt.Sprintf(
				"syntax error: unexpected \"where\": the where clause goes right after the condition, before `%s` (e.g. ColumnValues \"c\" in [\"a\"] where \"x > 1\" with threshold > 0.9)", t.Value)}
		}
	}
	return nil
}

// inValueList reports whether t sits in the bracketed list of an `in` /
// `not in` condition (not in a Rules list or a label list).
func inValueList(toks []lexer.Token, t *lexer.Token) bool {
	depth := 0
	for j := len(toks) - 1; j >= 0; j-- {
		if toks[j].Pos.Offset >= t.Pos.Offset || toks[j].Type != tokPunct {
			if toks[j].Pos.Offset < t.Pos.Offset && depth < 0 {
				return toks[j].Type == tokIn
			}
			continue
		}
		if depth < 0 {
			return false
		}
		switch toks[j].Value {
		case "]", ")", "}":
			depth++
		case "[", "(", "{":
			depth--
		}
	}
	return false
}

func describeToken(t lexer.Token) string {
	switch t.Type {
	case tokEOF:
		if t.Value != "" { // the end of one rule parsed on its own
			return fmt.Sprintf("%q", t.Value)
		}
		return "end of input"
	case tokString, tokDate, tokTime:
		return "string " + t.Value
	case tokInt, tokDecimal:
		return "number " + t.Value
	}
	return fmt.Sprintf("%q", t.Value)
}

func syntaxHint(t lexer.Token, prev *lexer.Token) string {
	switch {
	case t.Type == tokIdent && strings.HasPrefix(t.Value, ".") || strings.HasSuffix(t.Value, ".") && isDigits(strings.TrimSuffix(t.Value, ".")):
		return fmt.Sprintf("%q is not a number: write a digit on both sides of the point (e.g. 0.5, 5.0)", t.Value)
	case t.Type == tokIdent && t.Value != "" && t.Value[0] >= '0' && t.Value[0] <= '9':
		return fmt.Sprintf("%q is read as one word; write numbers without exponents and put a space between a number and its unit (e.g. \"10 KB\", \"3 days\")", t.Value)
	case t.Type == tokPunct && t.Value == "]" && prev != nil && prev.Value == ",":
		return "trailing commas are not allowed"
	case t.Type == tokPunct && t.Value == "}" && prev != nil && prev.Value == ",":
		return "trailing commas are not allowed"
	case t.Type == tokDate && prev != nil && (prev.Type == tokIdent || prev.Type == tokString):
		return "a quoted value shaped like a date is a date, not a name"
	case prev != nil && prev.Type == tokIdent && (prev.Value == "IN" || prev.Value == "In" || prev.Value == "BETWEEN" || prev.Value == "Between" || prev.Value == "NOT" || prev.Value == "Not"):
		return fmt.Sprintf("DQDL writes in, not in and between in lower case, not %s", prev.Value)
	case prev != nil && prev.Type == tokIdent && (prev.Value == "not_in" || prev.Value == "notin" || prev.Value == "NOT_IN"):
		return "write not in (two words)"
	case t.Type == tokPunct && t.Value == ">" && prev != nil && prev.Value == "<":
		return "write != for not-equal"
	case t.Type == tokIdent && prev != nil && prev.Type == tokInt && (t.Value == "day" || t.Value == "hour" || t.Value == "minute"):
		return fmt.Sprintf("the units are days, hours and minutes: write %s %ss", prev.Value, t.Value)
	case t.Type == tokPunct && (t.Value == "-" || t.Value == "+") && prev != nil && prev.Type == tokNow:
		return "put a date offset in parentheses: (now() - 3 days)"
	case t.Type == tokPunct && t.Value == "(" && prev != nil && prev.Type == tokIn:
		return `a list is written in square brackets: in ["a", "b"]`
	case t.Type == tokInt && len(t.Value) == 3 && (prev == nil || prev.Value == ","): // a thousands group
		return "write numbers without thousands separators (1000, not 1,000)"
	case t.Type == tokPunct && t.Value == ":" && prev != nil && prev.Type == tokKeyword:
		return fmt.Sprintf("write %s = [ ... ]", prev.Value)
	case t.Type == tokKeyword && t.Value == "where" && prev != nil && prev.Type == tokPunct && prev.Value == ")":
		return "a where clause belongs to one rule, inside its parentheses: (IsComplete \"a\" where \"x > 1\") AND (...)"
	case t.Type == tokKeyword || t.Type == tokNull || t.Type == tokEmpty || t.Type == tokWsOnly || t.Type == tokBetween || t.Type == tokIn || t.Type == tokNot || t.Type == tokOf || t.Type == tokAnd || t.Type == tokOr:
		if prev != nil && (prev.Type == tokIdent || prev.Type == tokString) && t.Value != "with" && t.Value != "where" && t.Value != "labels" && t.Type != tokAnd && t.Type != tokOr {
			return fmt.Sprintf("%s is a DQDL keyword; to use it as a column name, quote it: \"%s\"", t.Value, t.Value)
		}
	case t.Type == tokEOF && t.Value == "":
		return "the ruleset ends too early (a missing ']' or ')'?)"
	case t.Type == tokPunct && t.Value == "=" && prev != nil && prev.Value == "=":
		return "use a single '=' for equality"
	}
	if t.Type == tokIdent && prev != nil && (prev.Type == tokString || prev.Type == tokIdent || prev.Type == tokInt || prev.Type == tokDecimal || prev.Value == ")" || prev.Value == "]") {
		return "a ',' may be missing between two rules"
	}
	return ""
}

// ident returns the text with its quotes removed when quoted.
func stripQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// sourceLayout records what the formatter needs to put comments back.
func sourceLayout(doc *gDocument, toks []lexer.Token, rules []parsedRule) *layout {
	lay := &layout{sections: map[string]Pos{}}
	depth := 0
	for _, t := range toks {
		if t.Type == tokPunct {
			switch t.Value {
			case "[", "(", "{":
				depth++
			case "]", ")", "}":
				depth--
			}
		}
		if depth == 0 && t.Type == tokKeyword {
			if _, seen := lay.sections[t.Value]; !seen {
				lay.sections[t.Value] = toPos(t.Pos)
			}
		}
	}
	// lastLine is the line of the last non-comment token before end.
	lastLine := func(end int) int {
		i := sort.Search(len(toks), func(i int) bool { return toks[i].Pos.Offset >= end })
		for i--; i >= 0; i-- {
			if toks[i].Type != tokComment {
				return toks[i].Pos.Line
			}
		}
		return 0
	}
	if doc.Rules != nil {
		for _, r := range rules {
			lay.ruleEndLines = append(lay.ruleEndLines, r.lastLine)
		}
		lay.rulesClose = closeBefore(toks, doc.Rules.EndPos.Offset)
	}
	if doc.Analyzers != nil {
		for _, a := range doc.Analyzers.Analyzers {
			lay.analyzerEndLines = append(lay.analyzerEndLines, lastLine(a.EndPos.Offset))
		}
		lay.analyzersClose = closeBefore(toks, doc.Analyzers.EndPos.Offset)
	}
	return lay
}

// closeBefore finds the offset of the last ']' before end.
func closeBefore(toks []lexer.Token, end int) int {
	i := sort.Search(len(toks), func(i int) bool { return toks[i].Pos.Offset >= end })
	for i--; i >= 0; i-- {
		if toks[i].Type == tokPunct && toks[i].Value == "]" {
			return toks[i].Pos.Offset
		}
	}
	return end
}
