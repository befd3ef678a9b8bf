package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dqlabs/dq/dqdl"
)

// stdinName is how standard input is named in positions, as Go tools do.
const stdinName = "<stdin>"

// readRuleset reads the ruleset at path, or standard input for "-". It
// returns the name to use in positions along with the text.
func readRuleset(e *env, path string) (name, src string, err error) {
	if path == "-" {
		b, err := io.ReadAll(e.stdin)
		if err != nil {
			return stdinName, "", fmt.Errorf("reading standard input: %w", err)
		}
		return stdinName, string(b), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		// os errors already name the file.
		return path, "", err
	}
	return path, string(b), nil
}

// parseResult is the outcome of parsing one ruleset: either a ruleset (with
// possible warnings) or the problems that made it invalid. With strict,
// warnings count as errors.
type parseResult struct {
	rs    *dqdl.Ruleset
	diags []*dqdl.Diagnostic // errors and warnings, in source order
}

func (r parseResult) valid() bool {
	for _, d := range r.diags {
		if d.Severity == dqdl.SeverityError {
			return false
		}
	}
	return r.rs != nil
}

func (r parseResult) count(sev dqdl.Severity) int {
	n := 0
	for _, d := range r.diags {
		if d.Severity == sev {
			n++
		}
	}
	return n
}

// parse parses src and collects its diagnostics. An error that is not a
// dqdl.ErrorList (which the library should never return) becomes a single
// diagnostic at the start of the file so that callers have one shape to
// report.
func parse(name, src string, strict bool) parseResult {
	rs, err := dqdl.Parse(name, src)
	if err != nil {
		var list dqdl.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			return parseResult{diags: strictDiags(list, strict)}
		}
		return parseResult{diags: []*dqdl.Diagnostic{{
			Pos:      dqdl.Pos{Filename: name, Line: 1, Column: 1},
			Severity: dqdl.SeverityError,
			Msg:      err.Error(),
		}}}
	}
	res := parseResult{rs: rs, diags: strictDiags(rs.Warnings, strict)}
	if !res.valid() {
		res.rs = nil
	}
	return res
}

// strictDiags returns diags with warnings promoted to errors when strict is
// set. The library's values are copied, not modified: the ruleset is theirs.
func strictDiags(diags []*dqdl.Diagnostic, strict bool) []*dqdl.Diagnostic {
	if !strict {
		return diags
	}
	out := make([]*dqdl.Diagnostic, len(diags))
	for i, d := range diags {
		c := *d
		c.Severity = dqdl.SeverityError
		out[i] = &c
	}
	return out
}

// printDiags writes diagnostics as file:line:col lines, the format editors
// and CI annotators recognise. Warnings are dropped when quiet.
func printDiags(e *env, diags []*dqdl.Diagnostic) {
	for _, d := range diags {
		if e.quiet && d.Severity == dqdl.SeverityWarning {
			continue
		}
		fmt.Fprintln(e.stderr, d.Error())
	}
}

// plural formats a count with a noun, adding an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
