package engine

import (
	"os"
	"path/filepath"
	"strings"
)

// LocalInput is what a Files source reads from the local file system, for
// callers that must not write over their own input (dq refuses an output
// path that is, or would become, part of it).
type LocalInput struct {
	// Files are every file found, absolute and sorted, whatever their
	// format: a README beside the data is not read, but it is the user's
	// and no output of dq should land on it.
	Files []string
	// Dir is the directory the files were found under when the path was a
	// directory or a glob (then the glob's fixed prefix); "" for one file.
	Dir string
	// Glob are the glob's segments below Dir ("**" = any depth); nil when
	// the path was a directory, so that everything under Dir is read.
	Glob []string
}

// ExpandLocal lists the files Files(pathOrGlob, opts) would consider, as the
// source does when it is registered. Paths with a URL scheme are not local:
// ok is false for them.
func ExpandLocal(pathOrGlob string, opts FileOptions) (in LocalInput, ok bool, err error) {
	if schemeRE.MatchString(pathOrGlob) {
		return LocalInput{}, false, nil
	}
	files, base, _, err := expandFiles(pathOrGlob, opts.FollowSymlinks)
	if err != nil {
		return LocalInput{}, true, err
	}
	in.Files = files
	abs, err := filepath.Abs(expandHome(pathOrGlob))
	if err != nil {
		return LocalInput{}, true, err
	}
	st, statErr := os.Stat(abs)
	switch {
	case statErr == nil && !st.IsDir():
		// A single file named directly.
	case statErr == nil:
		in.Dir = base
	default:
		// A glob: its segments after the fixed part (whose links base
		// has resolved).
		in.Dir = base
		segs := strings.Split(filepath.ToSlash(abs), "/")
		i := 0
		for i < len(segs) && !hasGlobMeta(segs[i]) {
			i++
		}
		in.Glob = segs[i:]
	}
	return in, true, nil
}

// Reads reports whether a file at rel, a slash-separated path relative to
// Dir, would be part of the input: anything under a directory, or what the
// glob matches.
func (in LocalInput) Reads(rel string) bool {
	if in.Dir == "" {
		return false
	}
	if in.Glob == nil {
		return true
	}
	return matchSegments(in.Glob, strings.Split(rel, "/"))
}

// CatalogPaths are the local paths a catalog from LocalCatalog resolves
// tables to: a directory catalog's root, or a JSON catalog's entries. Other
// catalogs have none.
func CatalogPaths(c Catalog) []string {
	switch c := c.(type) {
	case dirCatalog:
		return []string{c.root}
	case fileCatalog:
		var out []string
		for _, k := range sortedKeys(c.entries) {
			out = append(out, c.entries[k].Path)
		}
		return out
	}
	return nil
}
