package athena

import (
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
)

// javaRegex rewrites an RE2 pattern (the syntax dq and DuckDB use) into a
// pattern that Trino's regexp_like — Java syntax, run by joni — matches
// against the whole value exactly as RE2's full match does.
//
// Rather than pass the text through and hope, it re-renders the parsed
// pattern with nothing left to interpretation, which removes the places
// where the two flavours read the same text differently:
//
//   - \d \w \s, [[:alpha:]], \pL and every other class become explicit
//     code-point ranges (Java's \s also matches \x0B; joni's classes are
//     Unicode-aware for UTF-8 input; Java reads [[:alpha:]] as a set of
//     the characters ':alph[]'; Unicode table versions differ);
//   - case-insensitive literals, (?i)abc, become explicit classes of each
//     letter's simple case-fold orbit (Go's unicode.SimpleFold, as RE2);
//   - . becomes [^\n] (or any code point under (?s)): Java's . also stops
//     at \r, \x85, \u2028 and \u2029;
//   - $ and \z become \z, ^ and \A become \A: Java's $ also matches
//     before a final line terminator;
//   - (?U) (ungreedy in RE2, Unicode classes in Java) is resolved into
//     the lazy or greedy quantifiers it means;
//   - capture groups become (?:…): there are no back-references in RE2.
//
// What it refuses, because the flavours disagree and no rewrite is exact:
// word boundaries \b \B (Unicode-aware in joni, ASCII in RE2) and
// multi-line ^ $ under (?m) (Java's ^ does not match after a final line
// terminator; RE2's does).
func javaRegex(pattern string) (string, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("invalid regular expression %q: %w", pattern, err)
	}
	var b strings.Builder
	if err := writeJava(&b, re); err != nil {
		return "", fmt.Errorf("regular expression %q (%w)", pattern, err)
	}
	return b.String(), nil
}

func writeJava(b *strings.Builder, re *syntax.Regexp) error {
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString(`[^\x{0}-\x{10FFFF}]`)
	case syntax.OpEmptyMatch:
		b.WriteString(`(?:)`)
	case syntax.OpLiteral:
		b.WriteString("(?:")
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && foldable(r) {
				writeClass(b, foldOrbit(r))
			} else {
				writeRune(b, r)
			}
		}
		b.WriteString(")")
	case syntax.OpCharClass:
		writeClass(b, re.Rune)
	case syntax.OpAnyCharNotNL:
		b.WriteString(`[^\x{A}]`)
	case syntax.OpAnyChar:
		b.WriteString(`[\x{0}-\x{10FFFF}]`)
	case syntax.OpBeginText:
		b.WriteString(`\A`)
	case syntax.OpEndText:
		b.WriteString(`\z`)
	case syntax.OpBeginLine, syntax.OpEndLine:
		return fmt.Errorf("multi-line anchors, (?m) ^ and $, match differently after a final newline in Trino's Java regular expressions; use \\A, \\z or \\n")
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return fmt.Errorf(`word boundaries \b and \B are Unicode-aware in Trino's Java regular expressions and ASCII-only in RE2; spell the boundary with a character class`)
	case syntax.OpCapture:
		b.WriteString("(?:")
		if err := writeJava(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteString(")")
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		b.WriteString("(?:")
		if err := writeJava(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteString(")")
		switch re.Op {
		case syntax.OpStar:
			b.WriteString("*")
		case syntax.OpPlus:
			b.WriteString("+")
		case syntax.OpQuest:
			b.WriteString("?")
		default:
			switch {
			case re.Max == -1:
				fmt.Fprintf(b, "{%d,}", re.Min)
			case re.Min == re.Max:
				fmt.Fprintf(b, "{%d}", re.Min)
			default:
				fmt.Fprintf(b, "{%d,%d}", re.Min, re.Max)
			}
		}
		// The parser has already applied (?U): NonGreedy is what the
		// quantifier means.
		if re.Flags&syntax.NonGreedy != 0 {
			b.WriteString("?")
		}
	case syntax.OpConcat:
		b.WriteString("(?:")
		for _, s := range re.Sub {
			if err := writeJava(b, s); err != nil {
				return err
			}
		}
		b.WriteString(")")
	case syntax.OpAlternate:
		b.WriteString("(?:")
		for i, s := range re.Sub {
			if i > 0 {
				b.WriteString("|")
			}
			if err := writeJava(b, s); err != nil {
				return err
			}
		}
		b.WriteString(")")
	default:
		return fmt.Errorf("construct %v has no exact Trino equivalent", re.Op)
	}
	return nil
}

// foldable reports whether r has other case forms.
func foldable(r rune) bool { return unicode.SimpleFold(r) != r }

// foldOrbit is r's case-fold orbit as class ranges (pairs).
func foldOrbit(r rune) []rune {
	out := []rune{r, r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		out = append(out, f, f)
	}
	return out
}

// writeClass writes ranges (lo, hi pairs) as a bracket expression with
// every endpoint spelt unambiguously.
func writeClass(b *strings.Builder, ranges []rune) {
	if len(ranges) == 0 {
		b.WriteString(`[^\x{0}-\x{10FFFF}]`)
		return
	}
	b.WriteString("[")
	for i := 0; i+1 < len(ranges); i += 2 {
		writeRune(b, ranges[i])
		if ranges[i+1] != ranges[i] {
			b.WriteString("-")
			writeRune(b, ranges[i+1])
		}
	}
	b.WriteString("]")
}

// writeRune writes r literally when it is an ASCII letter or digit (the
// same in every flavour and inside or outside a class) and as \x{…}
// otherwise, so that no metacharacter, quote or line terminator is left
// to either parser's reading.
func writeRune(b *strings.Builder, r rune) {
	if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
		b.WriteRune(r)
		return
	}
	b.WriteString(`\x{` + strings.ToUpper(strconv.FormatInt(int64(r), 16)) + `}`)
}
