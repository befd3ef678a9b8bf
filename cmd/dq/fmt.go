package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

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

// writeFileAtomic replaces the file at path with data so that readers see
// either the old or the new content, never a partial file, and an
// interrupted write leaves the original intact. The file keeps its mode; a
// symlink keeps pointing at the (rewritten) target.
func writeFileAtomic(path string, data []byte) (err error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(target)
	if err != nil {
		return err
	}
	// The temporary file must be in the same directory: rename is only
	// atomic within one file system.
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".dqfmt-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err = tmp.Chmod(fi.Mode().Perm()); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}
