package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/dqlabs/dq/dqdl"
)

// FmtCmd is `dq fmt`.
type FmtCmd struct {
	Write  bool     `short:"w" help:"Rewrite the files in place instead of printing to stdout."`
	Check  bool     `help:"Change nothing; print a unified diff for each file that is not in canonical form and exit 1 if there is one."`
	Strict bool     `help:"Treat warnings as errors."`
	Paths  []string `arg:"" optional:"" name:"path" help:"Ruleset files, or directories (every *.dqdl below them); - or nothing reads standard input."`
}

// Help is shown after the flags by dq fmt --help.
func (c *FmtCmd) Help() string {
	return `Examples:
  dq fmt rules.dqdl              print the canonical form
  dq fmt -w rules/               rewrite every rules/**/*.dqdl in place
  dq fmt --check .               in CI: exit 1 with a diff if a ruleset is not formatted`
}

// Run formats the rulesets. Every file is handled even after a problem, so
// one run shows them all. Exit 2 if a ruleset is invalid (nothing of it is
// written), else 1 if --check found an unformatted file, else 0.
func (c *FmtCmd) Run(e *env) error {
	if c.Write && c.Check {
		return &exitError{code: exitInvalid, err: errors.New("fmt: -w and --check exclude each other")}
	}
	paths := c.Paths
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	files, err := expandRulesets(paths, func(msg string) { warnf(e, "%s", msg) })
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	if !c.Write && !c.Check && (len(files) != 1 || len(paths) != 1) {
		return &exitError{code: exitInvalid, err: fmt.Errorf("fmt prints one ruleset; to format %d files use -w (rewrite them) or --check (show diffs)", len(files))}
	}
	invalid, unformatted := false, 0
	for _, f := range files {
		if c.Write && f == "-" {
			return &exitError{code: exitInvalid, err: errors.New("fmt: -w needs a file; standard input cannot be rewritten")}
		}
		name, src, out, ok := c.format(e, f)
		if !ok {
			invalid = true
			continue
		}
		switch {
		case c.Check:
			if out != src {
				unformatted++
				if _, err := io.WriteString(e.stdout, unifiedDiff(name+" (as written)", name+" (formatted)", src, out)); err != nil {
					return err
				}
			}
		case c.Write:
			if out == src {
				continue // leave the file, and its modification time, alone
			}
			if err := writeFileAtomic(f, []byte(out)); err != nil {
				fmt.Fprintf(e.stderr, "dq: fmt: %v\n", err)
				invalid = true
			}
		default:
			if _, err := io.WriteString(e.stdout, out); err != nil {
				return err
			}
		}
	}
	switch {
	case invalid:
		return reported(exitInvalid)
	case unformatted > 0:
		if !e.quiet {
			fmt.Fprintf(e.stderr, "dq: %s not formatted; run dq fmt -w\n", plural(unformatted, "file"))
		}
		return reported(exitFailed)
	}
	return nil
}

// format reads and formats one ruleset, printing its diagnostics. ok is
// false when it is invalid or unreadable (already reported).
func (c *FmtCmd) format(e *env, path string) (name, src, out string, ok bool) {
	name, src, err := readRuleset(e, path)
	if err != nil {
		fmt.Fprintf(e.stderr, "dq: %v\n", err)
		return name, "", "", false
	}
	res := parse(name, src, c.Strict)
	printDiags(e, res.diags)
	if !res.valid() {
		return name, src, "", false
	}
	out = res.rs.String()
	// Re-parsing the output guards users' files against a formatter bug:
	// the canonical text must be a valid ruleset, and an empty result can
	// only be a bug because every valid ruleset has a Rules or Analyzers
	// section.
	if out == "" {
		fmt.Fprintf(e.stderr, "dq: %s: internal error: the formatter produced no output; nothing was written\n", name)
		return name, src, "", false
	}
	if _, err := dqdl.Parse(name, out); err != nil {
		fmt.Fprintf(e.stderr, "dq: %s: internal error: the formatted ruleset does not parse (%v); nothing was written\n", name, err)
		return name, src, "", false
	}
	return name, src, out, true
}

// warnf prints a warning on stderr unless -q.
func warnf(e *env, format string, args ...any) {
	if !e.quiet {
		fmt.Fprintf(e.stderr, "dq: warning: "+format+"\n", args...)
	}
}
