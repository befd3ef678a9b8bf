package main

import (
	"fmt"
	"strings"

	"github.com/dqlabs/dq/engine"
)

// references turns --ref and --catalog into engine options. Aliases are
// checked here, so a typo fails before any data is read.
func (f *dataFlags) references(opts *engine.Options) error {
	for _, r := range f.Ref {
		alias, path, ok := strings.Cut(r, "=")
		alias, path = strings.TrimSpace(alias), strings.TrimSpace(path)
		if !ok || alias == "" || path == "" {
			return fmt.Errorf("--ref must be ALIAS=PATH, got %q", r)
		}
		if strings.EqualFold(alias, "primary") {
			return fmt.Errorf("--ref %s: primary is the data being checked, not a reference", r)
		}
		for a := range opts.References {
			if strings.EqualFold(a, alias) {
				return fmt.Errorf("--ref %s: alias %q is bound twice (aliases ignore case)", r, alias)
			}
		}
		if opts.References == nil {
			opts.References = map[string]engine.Source{}
		}
		// The format comes from the reference's own file names: --format-in
		// describes the primary data.
		opts.References[alias] = f.refSource(path)
	}
	if strings.EqualFold(f.Catalog, "glue") {
		opts.Catalog = lazyGlueCatalog{a: f.awsEnv()}
	} else if f.Catalog != "" {
		c, err := engine.LocalCatalog(f.Catalog)
		if err != nil {
			return fmt.Errorf("--catalog: %w", err)
		}
		opts.Catalog = c
	}
	return nil
}
