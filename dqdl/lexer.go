package dqdl

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// The lexer reproduces the token rules of Glue's ANTLR lexer
// (CommonLexerRules.g4), including ANTLR's longest-match rule: a run of
// [a-zA-Z0-9_.] is one word, classified afterwards as a number, a keyword or
// an identifier. That is why `10KB`, `3days` and `1e5` are single (invalid)
// words in Glue and here, and why an unquoted parameter spelled like a
// keyword (`B`, `with`, `and`) is that keyword, not a column name.
//
// It is hand-written rather than a participle regex lexer because regex
// lexers pick the first matching rule, not the longest.

const (
	tokEOF lexer.TokenType = lexer.EOF - iota
	tokIdent
	tokInt
	tokDecimal
	tokString // value keeps its quotes
	tokDate   // "YYYY-MM-DD", value keeps its quotes
	tokTime   // "9:30 AM" or "21:45", value keeps its quotes
	tokKeyword
	tokAnd
	tokOr
	tokOf
	tokNull
	tokEmpty
	tokWsOnly
	tokBetween
	tokIn
	tokNot
	tokNow
	tokPunct
	tokComment
	tokChunk // a pre-parsed rule of the Rules list (see gRuleRef)
)

// Symbols is a method returning a literal rather than a package variable:
// the parsers are built during package initialisation and call it through
// an interface, which Go's initialisation order does not see.
func (lexerDef) Symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF":     tokEOF,
		"Ident":   tokIdent,
		"Int":     tokInt,
		"Decimal": tokDecimal,
		"String":  tokString,
		"Date":    tokDate,
		"Time":    tokTime,
		"Keyword": tokKeyword,
		"And":     tokAnd,
		"Or":      tokOr,
		"Of":      tokOf,
		"Null":    tokNull,
		"Empty":   tokEmpty,
		"WsOnly":  tokWsOnly,
		"Between": tokBetween,
		"In":      tokIn,
		"Not":     tokNot,
		"Now":     tokNow,
		"Punct":   tokPunct,
		"Comment": tokComment,
		"Chunk":   tokChunk,
	}
}

// wordTypes classifies words that Glue's lexer turns into their own tokens.
// Spellings are exactly Glue's: `and`/`AND` but not `And`; `between`, `in`
// and `not` lower-case only.
var wordTypes = map[string]lexer.TokenType{
	"and": tokAnd, "AND": tokAnd,
	"or": tokOr, "OR": tokOr,
	"of": tokOf, "OF": tokOf,
	"null": tokNull, "NULL": tokNull,
	"empty": tokEmpty, "EMPTY": tokEmpty,
	"whitespaces_only": tokWsOnly, "WHITESPACES_ONLY": tokWsOnly,
	"between": tokBetween,
	"in":      tokIn,
	"not":     tokNot,
	// Implicit parser literals of the grammar; case-sensitive.
	"Metadata": tokKeyword, "DataSources": tokKeyword, "Rules": tokKeyword,
	"Analyzers": tokKeyword, "DefaultLabels": tokKeyword, "labels": tokKeyword,
	"with": tokKeyword, "where": tokKeyword, "matches": tokKeyword,
	"days": tokKeyword, "hours": tokKeyword, "minutes": tokKeyword,
	"B": tokKeyword, "KB": tokKeyword, "MB": tokKeyword, "GB": tokKeyword, "TB": tokKeyword,
}

type lexerDef struct{}

func (d lexerDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexString(filename, string(b))
}

func (lexerDef) LexString(filename, src string) (lexer.Lexer, error) {
	toks, err := tokenize(filename, src)
	if err != nil {
		return nil, err
	}
	return &sliceLexer{toks: toks}, nil
}

type sliceLexer struct {
	toks []lexer.Token
	i    int
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	t := l.toks[l.i]
	if l.i < len(l.toks)-1 {
		l.i++
	}
	return t, nil
}

// lexError is a token-level error with its position.
type lexError struct {
	pos lexer.Position
	msg string
}

func (e *lexError) Error() string { return e.msg }

// scanner walks the source keeping line and column (in runes).
type scanner struct {
	file      string
	src       string
	off       int
	line, col int
}

func (s *scanner) pos() lexer.Position {
	return lexer.Position{Filename: s.file, Offset: s.off, Line: s.line, Column: s.col}
}

func (s *scanner) peek() (rune, int) {
	if s.off >= len(s.src) {
		return -1, 0
	}
	c := s.src[s.off]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s.src[s.off:])
}

func (s *scanner) advance(n int) {
	for i := 0; i < n; {
		r, w := s.peek()
		if r == '\n' {
			s.line++
			s.col = 1
		} else {
			s.col++
		}
		s.off += w
		i += w
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// tokenize turns src into tokens, comments included (the parser elides
// them; the formatter keeps them). Leniency beyond Glue, all of which keeps
// the meaning of every ruleset Glue accepts: a leading byte-order mark,
// carriage returns and no-break spaces count as whitespace, and a comment
// may end the file without a newline.
func tokenize(file, src string) ([]lexer.Token, error) {
	s := &scanner{file: file, src: src, line: 1, col: 1}
	if strings.HasPrefix(src, "\uFEFF") {
		s.off = len("\uFEFF")
	}
	toks := make([]lexer.Token, 0, len(src)/4+1)
	for {
		r, w := s.peek()
		switch {
		case r == -1:
			toks = append(toks, lexer.Token{Type: tokEOF, Pos: s.pos()})
			return toks, nil
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00A0' || r == '\uFEFF':
			s.advance(w)
		case r == '#':
			start := s.pos()
			end := strings.IndexByte(src[s.off:], '\n')
			if end < 0 {
				end = len(src) - s.off
			}
			text := strings.TrimRight(src[s.off:s.off+end], "\r")
			s.advance(end)
			toks = append(toks, lexer.Token{Type: tokComment, Value: text, Pos: start})
		case r == '"':
			t, err := s.quoted()
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
		case r < utf8.RuneSelf && isWordByte(byte(r)):
			start := s.pos()
			end := s.off
			for end < len(src) && isWordByte(src[end]) {
				end++
			}
			word := src[s.off:end]
			s.advance(end - s.off)
			typ := classifyWord(word)
			if word == "now" && strings.HasPrefix(src[s.off:], "()") {
				// 'now()' is one literal token in Glue's grammar, and the
				// longest match beats the identifier `now`.
				s.advance(2)
				word, typ = "now()", tokNow
			}
			toks = append(toks, lexer.Token{Type: typ, Value: word, Pos: start})
		default:
			start := s.pos()
			switch r {
			case '>', '<':
				if strings.HasPrefix(src[s.off+1:], "=") {
					s.advance(2)
					toks = append(toks, lexer.Token{Type: tokPunct, Value: string(r) + "=", Pos: start})
					continue
				}
				fallthrough
			case '[', ']', '(', ')', '{', '}', ',', '=', '!', '+', '-', '*', '/', '$', ':':
				s.advance(1)
				toks = append(toks, lexer.Token{Type: tokPunct, Value: string(r), Pos: start})
			default:
				return nil, &lexError{pos: start, msg: fmt.Sprintf("unexpected character %s", describeRune(r))}
			}
		}
	}
}

func describeRune(r rune) string {
	switch r {
	case '\'':
		return "' (DQDL strings use double quotes)"
	case '\u201C', '\u201D':
		return fmt.Sprintf("%q (a typographic quote; DQDL strings use plain double quotes)", r)
	case ';':
		return "';' (separate rules with commas)"
	case '%':
		return "'%' (write a share as a ratio: 0.95 for 95%)"
	}
	if r < ' ' || r == 0x7f {
		return fmt.Sprintf("U+%04X", r)
	}
	return fmt.Sprintf("%q", r)
}

func classifyWord(w string) lexer.TokenType {
	if t, ok := wordTypes[w]; ok {
		return t
	}
	if isDigits(w) {
		return tokInt
	}
	if i := strings.IndexByte(w, '.'); i > 0 && isDigits(w[:i]) && isDigits(w[i+1:]) {
		return tokDecimal
	}
	return tokIdent
}

// quoted scans a double-quoted string the way Glue's QUOTED_STRING rule
// does: the shortest text up to an unescaped quote, where \" and \\ are
// escapes and any other backslash is an ordinary character. Strings shaped
// exactly like a date or a time of day are DATE/TIME tokens, because those
// rules come first in Glue's lexer.
func (s *scanner) quoted() (lexer.Token, error) {
	start := s.pos()
	i := s.off + 1
	for i < len(s.src) {
		c := s.src[i]
		if c == '\\' && i+1 < len(s.src) && (s.src[i+1] == '"' || s.src[i+1] == '\\') {
			// An escape, unless taking it would leave the string unterminated
			// where Glue's non-greedy rule would have ended it (`"\"`).
			if s.src[i+1] == '"' && strings.IndexByte(s.src[i+2:], '"') < 0 {
				i++
				continue
			}
			i += 2
			continue
		}
		if c == '"' {
			text := s.src[s.off : i+1]
			s.advance(i + 1 - s.off)
			return lexer.Token{Type: quotedType(text[1 : len(text)-1]), Value: text, Pos: start}, nil
		}
		i++
	}
	return lexer.Token{}, &lexError{pos: start, msg: "unterminated string: missing closing \""}
}

func quotedType(inner string) lexer.TokenType {
	switch {
	case len(inner) == 10 && isDigits(inner[0:4]) && inner[4] == '-' && isDigits(inner[5:7]) && inner[7] == '-' && isDigits(inner[8:10]):
		return tokDate
	case len(inner) == 5 && isDigits(inner[0:2]) && inner[2] == ':' && isDigits(inner[3:5]):
		return tokTime
	case (len(inner) == 7 || len(inner) == 8) && (strings.HasSuffix(inner, " AM") || strings.HasSuffix(inner, " PM")):
		hm := inner[:len(inner)-3]
		c := strings.IndexByte(hm, ':')
		if (c == 1 || c == 2) && isDigits(hm[:c]) && len(hm)-c == 3 && isDigits(hm[c+1:]) {
			return tokTime
		}
	}
	return tokString
}

// unescape resolves the two escapes DQDL knows, \" and \\; any other
// backslash stays as written.
func unescape(raw string) string {
	if !strings.Contains(raw, `\`) {
		return raw
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) && (raw[i+1] == '"' || raw[i+1] == '\\') {
			b.WriteByte(raw[i+1])
			i++
			continue
		}
		b.WriteByte(raw[i])
	}
	return b.String()
}

// escape is unescape's inverse, for printing values inside double quotes.
func escape(v string) string {
	if !strings.ContainsAny(v, `"\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
