package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/dqlabs/dq/dqdl"
)

// FmtCmd is `dq fmt`.
type FmtCmd struct {
	Write  bool   `short:"w" help:"Rewrite the file in place instead of printing to stdout."`
	Strict bool   `help:"Treat warnings as errors."`
	File   string `arg:"" optional:"" default:"-" help:"Ruleset file; - (the default) reads standard input."`
}

// Run formats one ruleset.
func (c *FmtCmd) Run(e *env) error {
	if c.Write && c.File == "-" {
		return &exitError{code: exitInvalid, err: errors.New("fmt: -w needs a file; standard input cannot be rewritten")}
	}
	name, src, err := readRuleset(e, c.File)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	res := parse(name, src, c.Strict)
	printDiags(e, res.diags)
	if !res.valid() {
		return reported(exitInvalid)
	}

	out := res.rs.String()
	// Re-parsing the output guards users' files against a formatter bug:
	// the canonical text must be a valid ruleset, and an empty result can
	// only be a bug because every valid ruleset has a Rules or Analyzers
	// section.
	if out == "" {
		return &exitError{code: exitInvalid, err: fmt.Errorf("%s: internal error: the formatter produced no output; nothing was written", name)}
	}
	if _, err := dqdl.Parse(name, out); err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("%s: internal error: the formatted ruleset does not parse (%v); nothing was written", name, err)}
	}

	if !c.Write {
		_, err := io.WriteString(e.stdout, out)
		return err
	}
	if out == src {
		return nil // leave the file, and its modification time, alone
	}
	if err := writeFileAtomic(c.File, []byte(out)); err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("fmt: %w", err)}
	}
	return nil
}
