package engine

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// File* rules read files by the paths a ruleset names, so like CustomSql
// (which runs sealed) they are confined: by default to the directories the
// data and the bound references were read from, plus Options.FileRoots.
// Otherwise a ruleset could learn the checksum of /etc/passwd or list a
// private directory, and FileSize "/dev/zero" would never end.

// fileScope is where File* rules may read: local directories (absolute,
// symlinks resolved) and URL prefixes ("s3://bucket/prefix/"), matched on
// the path string since object stores have no directories to resolve.
type fileScope struct {
	dirs     []string
	prefixes []string
}

// ErrOutsideFileRoots is wrapped by the error of a File* rule path outside
// the allowed roots.
var ErrOutsideFileRoots = errors.New("outside the places File rules may read")

// newFileScope collects the roots: each registered dataset's location and
// the caller's extra roots.
func newFileScope(sess *Session, extra []string) *fileScope {
	sc := &fileScope{}
	if sess != nil {
		for _, k := range sortedKeys(sess.datasets) {
			ds := sess.datasets[k]
			switch {
			case ds.local.root != "":
				sc.add(ds.local.root)
			case schemeRE.MatchString(ds.Location):
				sc.addURL(urlRootOf(ds.Location))
			}
		}
	}
	for _, r := range extra {
		if schemeRE.MatchString(r) && !strings.HasPrefix(strings.ToLower(r), "file://") {
			if !strings.HasSuffix(r, "/") {
				r += "/"
			}
			sc.addURL(r)
			continue
		}
		sc.add(localPath(r))
	}
	return sc
}

func (sc *fileScope) add(dir string) {
	if abs, err := filepath.Abs(dir); err == nil {
		sc.dirs = append(sc.dirs, resolvePhysical(abs))
	}
}

func (sc *fileScope) addURL(prefix string) {
	if p, ok := cleanURL(prefix); ok {
		sc.prefixes = append(sc.prefixes, p)
	}
}

// urlRootOf is the prefix a remote dataset was read from: the fixed part of
// a glob, the "directory" of a data file, or the prefix itself.
func urlRootOf(loc string) string {
	if i := strings.IndexAny(loc, "*?["); i >= 0 {
		return loc[:strings.LastIndex(loc[:i], "/")+1]
	}
	if strings.HasSuffix(loc, "/") {
		return loc
	}
	if formatOf(path.Base(loc)) != "" {
		return loc[:strings.LastIndex(loc, "/")+1]
	}
	return loc + "/"
}

// cleanURL normalises scheme://rest: the scheme lower-cased and "." and
// ".." segments applied, so that s3://b/data/../secret is checked as the
// s3://b/secret an HTTP layer may make of it. A trailing "/" is kept.
func cleanURL(u string) (string, bool) {
	m := schemeRE.FindStringSubmatch(u)
	if m == nil {
		return "", false
	}
	rest := u[len(m[0]):]
	cleaned := strings.TrimPrefix(path.Clean("/"+rest), "/")
	if strings.HasSuffix(rest, "/") && cleaned != "" {
		cleaned += "/"
	}
	return strings.ToLower(m[1]) + "://" + cleaned, true
}

// check returns nil when a File* rule may read p, with the reason otherwise.
func (sc *fileScope) check(p string) error {
	if m := schemeRE.FindStringSubmatch(p); m != nil && !strings.EqualFold(m[1], "file") {
		u, _ := cleanURL(p)
		for _, root := range sc.prefixes {
			if u == strings.TrimSuffix(root, "/") || strings.HasPrefix(u, root) {
				return nil
			}
		}
		return sc.outside(p)
	}
	lp := localPath(p)
	if !filepath.IsAbs(lp) {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		// Not filepath.Join, which would apply ".." to the text: the OS
		// applies it after following the links before it.
		lp = wd + string(filepath.Separator) + lp
	}
	real := resolvePhysical(lp)
	if !sc.inDirs(real) {
		return sc.outside(p)
	}
	if st, err := os.Stat(real); err == nil && !st.IsDir() && !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (a device, pipe or socket); File rules read only files and directories", p)
	}
	return nil
}

// inDirs reports whether the resolved path real lies in one of the
// directories: by its text, or, on file systems that ignore case, by the
// identity of an ancestor.
func (sc *fileScope) inDirs(real string) bool {
	for _, d := range sc.dirs {
		if rel, err := filepath.Rel(d, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	for _, d := range sc.dirs {
		dst, err := os.Stat(d)
		if err != nil {
			continue
		}
		for p := real; ; {
			if st, err := os.Stat(p); err == nil && os.SameFile(st, dst) {
				return true
			}
			parent := filepath.Dir(p)
			if parent == p {
				break
			}
			p = parent
		}
	}
	return false
}

func (sc *fileScope) outside(p string) error {
	roots := append(append([]string{}, sc.dirs...), sc.prefixes...)
	where := "nowhere: the data was not read from files"
	if len(roots) > 0 {
		where = "only under " + joinFirst(roots, 3)
	}
	return fmt.Errorf("%s is %w (%s); allow more with --allow-path DIR", p, ErrOutsideFileRoots, where)
}

// resolvePhysical resolves the symlinks and ".." of an absolute path the
// way the OS does when it opens it, as far as the path exists; the rest is
// cleaned as text. The path is cut as a string, never with filepath.Dir,
// which would apply ".." before the link in front of it is followed.
func resolvePhysical(abs string) string {
	prefix, rest := abs, ""
	for {
		if r, err := filepath.EvalSymlinks(prefix); err == nil {
			return filepath.Join(r, rest)
		}
		i := strings.LastIndexByte(prefix, filepath.Separator)
		if i <= 0 {
			return filepath.Clean(abs)
		}
		rest = filepath.Join(prefix[i+1:], rest)
		prefix = prefix[:i]
	}
}
