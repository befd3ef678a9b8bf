package console

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                   "plain",
		"é 日本 ✓ emoji 🎉":          "é 日本 ✓ emoji 🎉",
		"a\x1b]0;pwned\x07b":      `a\x1b]0;pwned\x07b`,
		"red \x1b[31mX\x1b[0m":    `red \x1b[31mX\x1b[0m`,
		"PASS\rFAIL":              `PASS\rFAIL`,
		"two\nlines\tand tab":     "two\nlines\tand tab",
		"c1 \u009b31m":            `c1 \u009b31m`,
		"bidi \u202eLIAF\u202c":   `bidi \u202eLIAF\u202c`,
		"isolate \u2066x\u2069":   `isolate \u2066x\u2069`,
		"bad \xff\xfe utf8":       `bad \xff\xfe utf8`,
		"del \x7f nul \x00":       `del \x7f nul \x00`,
		"backslash \\x1b is text": `backslash \x1b is text`,
		"":                        "",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := EscapeLine("a\nb\tc\x1b"); got != `a\nb\tc\x1b` {
		t.Errorf("EscapeLine = %q", got)
	}
	var buf bytes.Buffer
	n, err := Escaper{W: &buf}.Write([]byte("dq: column \"x\x1b]2;t\x07\" not found\n"))
	if err != nil || n != len("dq: column \"x\x1b]2;t\x07\" not found\n") || buf.String() != "dq: column \"x\\x1b]2;t\\x07\" not found\n" {
		t.Errorf("Escaper wrote %q (n=%d, err=%v)", buf.String(), n, err)
	}
}

// Text from the data (rule text with a column name, messages, metric keys,
// labels, names) never reaches the terminal with its control characters;
// with colour off the table holds no ESC at all (issue 15 #11).
func TestWriteTableEscapesControlCharacters(t *testing.T) {
	evil := "col\x1b]0;pwned\x07\u202e"
	one := 1.0
	r := &engine.Result{
		RulesetName: "rs\x1b[2J",
		DataSource:  &engine.DataSource{Location: "/data/\x1b[31mx.csv"},
		Score:       &one,
		RuleResults: []engine.RuleResult{{
			Name:              "Rule_0\r",
			Description:       `IsComplete "` + evil + `"`,
			EvaluatedRule:     `IsComplete "` + evil + `" (dyn)`,
			EvaluationMessage: "Value " + evil + " failed",
			Result:            engine.Fail,
			EvaluatedMetrics:  map[string]float64{"Column." + evil + ".Completeness": 0.5},
			Labels:            map[string]string{"team\x1b": "x\x07"},
		}},
		AnalyzerResults: []engine.AnalyzerResult{{Name: "A\x1b", Description: evil, EvaluationMessage: evil}},
		Observations:    []engine.Observation{{Description: evil}},
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"\x1b", "\x07", "\r", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("table contains raw %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{`col\x1b]0;pwned\x07\u202e`, `rs\x1b[2J`, `Rule_0\r`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks the escaped %q:\n%s", want, out)
		}
	}
	// Colour still works: escapes come only from dq.
	buf.Reset()
	if err := WriteTable(&buf, r, Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b]") || strings.Contains(buf.String(), "\x07") || !strings.Contains(buf.String(), ansiRed) {
		t.Errorf("coloured table:\n%q", buf.String())
	}
}
