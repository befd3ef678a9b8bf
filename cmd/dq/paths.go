package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
