package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dqlabs/dq/engine"
)

// Outputs must never destroy inputs: before any data is read, every path a
// command will write (-o, --rows-out, a local --results, recommend -o) is
// checked against every file it reads (the data, references, catalog,
// ruleset, history store, spool). Files are compared by identity
// (os.SameFile), so a symlink, a "..", a hard link or another spelling on a
// case-insensitive file system cannot hide that two paths are one file.
// `dq fmt -w` rewrites its input on purpose and is exempt.

// output is one path a command will write.
type output struct {
	flag string // as the user typed it: "-o", "--rows-out", "--results"
	path string
	// nested: the output would also harm an input by landing inside it:
	// a file added to a data directory (or matching a data glob) becomes
	// data on the next run. -o is exempt: a JSON result beside CSV data is
	// common and is not read as data.
	nested bool
	dir    bool // a directory dq writes files into (--results)
}

// inputs are what a run reads, gathered from the flags before any of it is
// read.
type inputs struct {
	files []inputFile
	trees []inputTree
}

// inputFile is one file the run reads (or, for the history store, creates).
type inputFile struct {
	what string // "the data", "the ruleset", ...
	path string // absolute
}

// inputTree is a directory or glob of input: outputs marked nested must not
// land where it reads.
type inputTree struct {
	what string
	in   engine.LocalInput
	all  bool // every output, not only nested ones (the spool)
}

// addData adds a file, directory or glob that is read as data. A path that
// cannot be listed is left to the reader, which reports it properly.
func (ins *inputs) addData(what, path string, opts engine.FileOptions) {
	if path == "" || path == "-" {
		return
	}
	in, ok, err := engine.ExpandLocal(path, opts)
	if !ok {
		return
	}
	if err != nil {
		// Nothing to list, but the path itself may still be a file (a
		// format the reader will reject): keep it.
		ins.addFile(what, path)
		return
	}
	for _, f := range in.Files {
		ins.files = append(ins.files, inputFile{what: what, path: f})
	}
	if in.Dir != "" {
		ins.trees = append(ins.trees, inputTree{what: what, in: in})
	}
}

// addFile adds one file read (or created) by the run.
func (ins *inputs) addFile(what, path string) {
	if path == "" || path == "-" {
		return
	}
	if abs, err := filepath.Abs(path); err == nil {
		ins.files = append(ins.files, inputFile{what: what, path: abs})
	}
}

// addDir adds a directory no output may write into (the spool).
func (ins *inputs) addDir(what, path string) {
	if path == "" {
		return
	}
	if abs, err := filepath.Abs(path); err == nil {
		ins.trees = append(ins.trees, inputTree{what: what, in: engine.LocalInput{Dir: abs}, all: true})
	}
}

// check refuses outputs that would overwrite an input or each other. The
// error names both paths; it is a usage error (exit 2).
func (ins *inputs) check(outs []output) error {
	var seen []output
	for _, o := range outs {
		if o.path == "" || o.path == "-" {
			continue
		}
		if isURL(o.path) {
			continue // s3://… is not a local file
		}
		abs, err := filepath.Abs(o.path)
		if err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("%s %s: %w", o.flag, o.path, err)}
		}
		for _, in := range ins.files {
			if samePath(abs, in.path) {
				return &exitError{code: exitInvalid, err: fmt.Errorf("%s %s would overwrite %s (%s); write it elsewhere", o.flag, o.path, in.what, in.path)}
			}
		}
		for _, t := range ins.trees {
			if !o.nested && !t.all {
				continue
			}
			if dir, rel, ok := within(abs, t.in.Dir, o.dir); ok && (t.all || o.dir || t.in.Reads(rel)) {
				return &exitError{code: exitInvalid, err: fmt.Errorf("%s %s is inside %s (%s): %s; write it elsewhere", o.flag, o.path, t.what, dir, treeHarm(t))}
			}
		}
		for _, p := range seen {
			if samePath(abs, mustAbs(p.path)) {
				return &exitError{code: exitInvalid, err: fmt.Errorf("%s and %s name the same file (%s)", p.flag, o.flag, o.path)}
			}
		}
		seen = append(seen, o)
	}
	return nil
}

func treeHarm(t inputTree) string {
	if t.all {
		return "dq keeps its own files there"
	}
	return "the next run would read it as data"
}

// isURL reports a URL (s3://…), which is not a local path.
func isURL(p string) bool {
	i := strings.Index(p, "://")
	return i > 0 && !strings.ContainsAny(p[:i], `/\.`)
}

func mustAbs(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// samePath reports whether two absolute paths name one file: by identity
// when both exist, else by their text with the parent directory resolved
// (an output that does not exist yet may still be the history store that
// the run is about to create).
func samePath(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	if errA == nil || errB == nil {
		return false
	}
	return resolveExisting(a) == resolveExisting(b)
}

// resolveExisting is p with the symlinks of its longest existing prefix
// resolved.
func resolveExisting(p string) string {
	rest := ""
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(p, rest)
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// within reports whether out lies under the directory root (the directory
// itself counts for a directory output): it walks out's ancestors and
// compares each with root by identity. rel is out's path below the
// matching ancestor, for glob matching.
func within(out, root string, outIsDir bool) (dir, rel string, ok bool) {
	if root == "" {
		return "", "", false
	}
	rootSt, err := os.Stat(root)
	if err != nil {
		// A directory that does not exist yet (the spool before its first
		// use) holds no file to compare with: compare the text, symlinks
		// resolved as far as the paths exist.
		r, o := resolveExisting(root), resolveExisting(out)
		rel, err := filepath.Rel(r, o)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "", "", false
		}
		return root, filepath.ToSlash(rel), true
	}
	p := out
	if !outIsDir {
		rel = filepath.Base(out)
		p = filepath.Dir(out)
	}
	for {
		if st, err := os.Stat(p); err == nil && os.SameFile(st, rootSt) {
			return root, filepath.ToSlash(rel), true
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", "", false
		}
		if rel == "" {
			rel = filepath.Base(p)
		} else {
			rel = filepath.Base(p) + string(filepath.Separator) + rel
		}
		p = parent
	}
}
