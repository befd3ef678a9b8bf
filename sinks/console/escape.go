package console

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Escape makes text from data, rulesets and error messages safe to print
// on a terminal: control characters (C0 except newline and tab, DEL, C1),
// Unicode bidirectional overrides and invalid UTF-8 are shown as Go-style
// escapes (\x1b, \u202e) instead of being sent raw. A column name such as
// "\x1b]0;pwned\x07" would otherwise set the terminal's title, and "\r" or a
// right-to-left override can make a FAIL line read as something else.
// Everything else, including all printable Unicode, is left as it is.
// Machine formats (JSON, Parquet) keep the exact text; only what people
// read goes through here.
func Escape(s string) string { return escape(s, false) }

// EscapeLine is Escape for text that must stay on one line (a table cell
// laid out with tabs): newline and tab are escaped too.
func EscapeLine(s string) string { return escape(s, true) }

func escape(s string, line bool) string {
	if !needsEscape(s, line) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r, line):
			switch r {
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\r':
				b.WriteString(`\r`)
			default:
				if r < 0x80 {
					fmt.Fprintf(&b, `\x%02x`, r)
				} else {
					fmt.Fprintf(&b, `\u%04x`, r)
				}
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string, line bool) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r, line) {
			return true
		}
		i += size
	}
	return false
}

func unsafeRune(r rune, line bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return line
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		// Bidirectional marks, embeddings, overrides and isolates.
		return true
	}
	return false
}

// Escaper is an io.Writer that escapes everything written through it (see
// Escape), for streams of messages such as standard error.
type Escaper struct{ W io.Writer }

// Write escapes p and writes it; it reports len(p) on success, as the
// caller's bytes were all consumed.
func (e Escaper) Write(p []byte) (int, error) {
	s := string(p)
	if !needsEscape(s, false) {
		return e.W.Write(p)
	}
	if _, err := io.WriteString(e.W, escape(s, false)); err != nil {
		return 0, err
	}
	return len(p), nil
}
