package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// rulesetExt is the extension dq looks for when given a directory of
// rulesets.
const rulesetExt = ".dqdl"

// expandRulesets turns the paths of fmt and validate into ruleset files:
// a file or - as given, a directory as every *.dqdl below it (recursively,
// sorted, skipping hidden directories such as .git). A directory holding
// none is reported to warn, so that `dq validate rulez/` does not pass on
// nothing.
func expandRulesets(paths []string, warn func(string)) ([]string, error) {
	var out []string
	for _, p := range paths {
		if p == "-" {
			out = append(out, p)
			continue
		}
		if _, err := os.Stat(p); err != nil && strings.ContainsAny(p, "*?[") {
			// A quoted glob, e.g. 'rules/**/*.dqdl' (** matches any depth).
			matches, err := globFiles(p)
			if err != nil {
				return nil, err
			}
			if len(matches) == 0 {
				warn(fmt.Sprintf("no files match %s", p))
			}
			out = append(out, matches...)
			continue
		}
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			// A missing file is reported by whoever reads it, with the
			// other files' results.
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), rulesetExt) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", p, err)
		}
		if len(found) == 0 {
			warn(fmt.Sprintf("no *%s files under %s", rulesetExt, p))
		}
		slices.Sort(found)
		out = append(out, found...)
	}
	return out, nil
}

// globFiles expands a glob in which ** matches any number of directories
// and *, ? and [...] match within one name, walking only below the
// pattern's literal leading directories. Matches are sorted.
func globFiles(pattern string) ([]string, error) {
	pattern = filepath.ToSlash(pattern)
	root := "."
	parts := strings.Split(pattern, "/")
	var lit []string
	for _, p := range parts[:len(parts)-1] {
		if strings.ContainsAny(p, "*?[") {
			break
		}
		lit = append(lit, p)
	}
	if len(lit) > 0 {
		root = strings.Join(lit, "/")
		if root == "" {
			root = "/"
		}
	}
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case strings.HasPrefix(pattern[i:], "**/"):
			re.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(pattern[i:], "**"):
			re.WriteString(".*")
			i++
		case c == '*':
			re.WriteString("[^/]*")
		case c == '?':
			re.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(pattern[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("bad pattern %s: unclosed [", pattern)
			}
			re.WriteString(pattern[i : i+j+1])
			i += j
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	rx, err := regexp.Compile(re.String())
	if err != nil {
		return nil, fmt.Errorf("bad pattern %s: %w", pattern, err)
	}
	var out []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && rx.MatchString(filepath.ToSlash(path)) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("expanding %s: %w", pattern, err)
	}
	slices.Sort(out)
	return out, nil
}
