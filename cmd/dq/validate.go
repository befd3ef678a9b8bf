package main

import (
	"encoding/json"
	"fmt"

	"github.com/dqlabs/dq/dqdl"
)

// ValidateCmd is `dq validate`.
type ValidateCmd struct {
	Strict bool     `help:"Treat warnings as errors."`
	Format string   `enum:"text,json" default:"text" help:"Output format: text or json (${enum})."`
	Files  []string `arg:"" name:"path" help:"Ruleset files, or directories (every *.dqdl below them); - reads standard input."`
}

// Help is shown after the flags by dq validate --help.
func (c *ValidateCmd) Help() string {
	return `Examples:
  dq validate rules.dqdl
  dq validate --strict rules/        every rules/**/*.dqdl; warnings fail too
  dq validate --format json a.dqdl   machine-readable diagnostics for editors`
}

// validateReport is one element of `dq validate --format json`. Its shape is
// an interface for editors and CI: add fields, never rename or remove them.
type validateReport struct {
	File        string           `json:"file"`
	Valid       bool             `json:"valid"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
	Rules       int              `json:"rules"`     // top-level rules; a composite counts once
	Analyzers   int              `json:"analyzers"` // entries of the Analyzers section
}

// jsonDiagnostic is a dqdl.Diagnostic in JSON. Line and column are 1-based
// (column in characters), offset is a 0-based byte offset; all three are 0
// when the problem has no position, e.g. the file could not be read.
type jsonDiagnostic struct {
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Offset   int    `json:"offset"`
	Severity string `json:"severity"` // "error" or "warning"
	Message  string `json:"message"`
}

// Run validates every file and reports them all, so that one run shows
// every problem; it fails if any file is invalid.
func (c *ValidateCmd) Run(e *env) error {
	files, err := expandRulesets(c.Files, func(msg string) {
		if c.Format == "text" {
			warnf(e, "%s", msg)
		}
	})
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	reports := make([]validateReport, 0, len(files))
	for _, path := range files {
		reports = append(reports, c.validate(e, path))
	}
	if c.Format == "json" {
		b, err := json.MarshalIndent(reports, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding the report: %w", err)
		}
		if _, err := fmt.Fprintf(e.stdout, "%s\n", b); err != nil {
			return err
		}
	}
	for _, r := range reports {
		if !r.Valid {
			return reported(exitInvalid)
		}
	}
	return nil
}

// validate checks one file. In text mode it prints the diagnostics and a
// summary line as it goes, so a long list of files shows progress.
func (c *ValidateCmd) validate(e *env, path string) validateReport {
	text := c.Format == "text"
	name, src, err := readRuleset(e, path)
	if err != nil {
		if text {
			fmt.Fprintf(e.stderr, "dq: %v\n", err)
		}
		return validateReport{
			File:        name,
			Diagnostics: []jsonDiagnostic{{Severity: dqdl.SeverityError.String(), Message: err.Error()}},
		}
	}

	res := parse(name, src, c.Strict)
	rep := validateReport{File: name, Valid: res.valid(), Diagnostics: make([]jsonDiagnostic, 0, len(res.diags))}
	for _, d := range res.diags {
		rep.Diagnostics = append(rep.Diagnostics, jsonDiagnostic{
			Line:     d.Pos.Line,
			Column:   d.Pos.Column,
			Offset:   d.Pos.Offset,
			Severity: d.Severity.String(),
			Message:  d.Msg,
		})
	}
	if res.rs != nil {
		rep.Rules = len(res.rs.Rules)
		rep.Analyzers = len(res.rs.Analyzers)
	}

	if text {
		printDiags(e, res.diags)
		if !e.quiet {
			fmt.Fprintln(e.stdout, summary(rep, res))
		}
	}
	return rep
}

// summary is the one-line text verdict for a file.
func summary(rep validateReport, res parseResult) string {
	if !rep.Valid {
		return fmt.Sprintf("%s: invalid (%s)", rep.File, plural(res.count(dqdl.SeverityError), "error"))
	}
	s := fmt.Sprintf("%s: ok (%s, %s", rep.File, plural(rep.Rules, "rule"), plural(rep.Analyzers, "analyzer"))
	if w := res.count(dqdl.SeverityWarning); w > 0 {
		s += ", " + plural(w, "warning")
	}
	return s + ")"
}
