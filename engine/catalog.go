package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/dqlabs/dq/dqdl"
)

// Catalog resolves Glue-Catalog-style "database.table" references (as in
// `ReferentialIntegrity "id" "sales_db.customers.id"`) to sources. dq ships a
// local catalog; a Glue Data Catalog implementation can sit behind the same
// interface.
type Catalog interface {
	// Lookup returns the source of database.table. It returns an error
	// wrapping ErrNotInCatalog when the catalog has no such table.
	Lookup(ctx context.Context, database, table string) (Source, error)
}

// ErrNotInCatalog is wrapped by Catalog.Lookup for an unknown table.
var ErrNotInCatalog = errors.New("table not in catalog")

// UnboundReferenceError reports reference aliases that the ruleset needs
// (in DataSources or in a cross-dataset rule) but nothing binds. It is
// returned before any data is scanned.
type UnboundReferenceError struct {
	Aliases []string // sorted
}

func (e *UnboundReferenceError) Error() string {
	q := make([]string, len(e.Aliases))
	for i, a := range e.Aliases {
		q[i] = fmt.Sprintf("%q", a)
	}
	noun := "dataset"
	if len(q) > 1 {
		noun = "datasets"
	}
	return fmt.Sprintf("reference %s %s not bound: bind each alias to a source (Options.References, or a Catalog for database.table names)", noun, strings.Join(q, ", "))
}

// LocalCatalog maps "database.table" to local files. path is either
//
//   - a JSON file: {"sales_db.customers": "customers.parquet",
//     "sales_db.orders": {"path": "orders/", "format": "csv"}}, with
//     relative paths taken from the file's directory; or
//   - a directory laid out as <dir>/<database>/<table>, where <table> is a
//     directory of data files or a file named <table>.<ext>.
//
// The convention lets a data-lake extract on disk serve as its own catalog.
func LocalCatalog(path string) (Catalog, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	if st.IsDir() {
		return dirCatalog{root: abs}, nil
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("catalog %s: not a JSON object of \"database.table\": path entries: %w", path, err)
	}
	c := fileCatalog{entries: map[string]catalogEntry{}, file: path}
	for name, v := range raw {
		db, table, ok := splitTableName(name)
		if !ok {
			return nil, fmt.Errorf("catalog %s: %q is not a database.table name", path, name)
		}
		var e catalogEntry
		var s string
		if json.Unmarshal(v, &s) == nil {
			e.Path = s
		} else if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("catalog %s: entry %q: want a path or {\"path\": …, \"format\": …}: %w", path, name, err)
		}
		if e.Path == "" {
			return nil, fmt.Errorf("catalog %s: entry %q has no path", path, name)
		}
		if !filepath.IsAbs(e.Path) {
			e.Path = filepath.Join(filepath.Dir(abs), e.Path)
		}
		c.entries[strings.ToLower(db+"."+table)] = e
	}
	return c, nil
}

type catalogEntry struct {
	Path   string `json:"path"`
	Format string `json:"format"`
}

type fileCatalog struct {
	file    string
	entries map[string]catalogEntry // by lower-cased database.table: Glue names ignore case
}

func (c fileCatalog) Lookup(_ context.Context, database, table string) (Source, error) {
	e, ok := c.entries[strings.ToLower(database+"."+table)]
	if !ok {
		return nil, fmt.Errorf("%s.%s in %s: %w", database, table, c.file, ErrNotInCatalog)
	}
	return Files(e.Path, FileOptions{Format: e.Format}), nil
}

type dirCatalog struct{ root string }

func (c dirCatalog) Lookup(_ context.Context, database, table string) (Source, error) {
	for _, part := range []string{database, table} {
		// The names come from a ruleset: they must not walk out of the root.
		if part == "" || part == "." || part == ".." || strings.ContainsAny(part, `/\`) {
			return nil, fmt.Errorf("%s.%s: %w", database, table, ErrNotInCatalog)
		}
	}
	dir := filepath.Join(c.root, database)
	base := filepath.Join(dir, table)
	if st, err := os.Stat(base); err == nil && st.IsDir() {
		return Files(base, FileOptions{}), nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s.%s under %s: %w", database, table, c.root, ErrNotInCatalog)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && strings.EqualFold(strings.SplitN(name, ".", 2)[0], table) && formatOf(name) != "" {
			return Files(filepath.Join(dir, name), FileOptions{}), nil
		}
	}
	return nil, fmt.Errorf("%s.%s under %s: %w", database, table, c.root, ErrNotInCatalog)
}

// splitTableName splits "database.table" at the first dot: Glue database
// names hold no dots.
func splitTableName(name string) (db, table string, ok bool) {
	db, table, ok = strings.Cut(name, ".")
	return db, table, ok && db != "" && table != ""
}

// requiredReferences lists the reference aliases a ruleset needs: those its
// DataSources section names and those its cross-dataset rules use, in
// first-use order. "primary" is the primary dataset, never a reference.
func requiredReferences(rs *dqdl.Ruleset) []string {
	var out []string
	seen := map[string]bool{"primary": true}
	if p := rs.PrimarySource(); p != "" {
		seen[strings.ToLower(p)] = true
	}
	add := func(a string) {
		if a == "" || seen[strings.ToLower(a)] {
			return
		}
		seen[strings.ToLower(a)] = true
		out = append(out, a)
	}
	for _, a := range rs.AdditionalSources() {
		add(a)
	}
	for _, r := range rs.Rules {
		for _, l := range dqdl.Leaves(r) {
			for _, a := range ruleAliases(l) {
				add(a)
			}
		}
	}
	for _, a := range rs.Analyzers {
		l := &dqdl.SimpleRule{Type: a.Type, Params: a.Params}
		for _, a := range ruleAliases(l) {
			add(a)
		}
	}
	return out
}

// ruleAliases is the reference aliases one rule names.
func ruleAliases(r *dqdl.SimpleRule) []string {
	if k := ruleKinds[r.Type]; k != nil && k.aliases != nil {
		return k.aliases(r)
	}
	return nil
}

var (
	refColsBraced = regexp.MustCompile(`^(.+)\.\{(.+)\}$`)
	refColsSingle = regexp.MustCompile(`^(.+)\.([^.]+)$`)
)

// parseReferenceColumns reads ReferentialIntegrity's second parameter,
// "ref.col" or "ref.{c1,c2}" (Glue's two patterns, spec §6.24).
func parseReferenceColumns(s string) (alias string, cols []string, err error) {
	if m := refColsBraced.FindStringSubmatch(s); m != nil {
		cols, err = splitColumns(m[2])
		return strings.TrimSpace(m[1]), cols, err
	}
	if m := refColsSingle.FindStringSubmatch(s); m != nil {
		return strings.TrimSpace(m[1]), []string{strings.TrimSpace(m[2])}, nil
	}
	return "", nil, errors.New("Could not parse ReferenceDatasetColumns parameter")
}

func splitColumns(s string) ([]string, error) {
	var out []string
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			return nil, fmt.Errorf("empty column name in %q", s)
		}
		out = append(out, c)
	}
	return out, nil
}

var aggregateExpr = regexp.MustCompile(`^\s*(sum|avg|SUM|AVG)\s*\(\s*(.+?)\s*\)\s*$`)

// parseAggregate reads an AggregateMatch expression such as "avg(msrp)" or
// "sum(reference.total)". alias is "" for the primary dataset: a bare
// column, or one qualified by "primary".
func parseAggregate(s string) (fn, alias, col string, err error) {
	m := aggregateExpr.FindStringSubmatch(s)
	if m == nil {
		return "", "", "", fmt.Errorf("Could not parse aggregate expression %q: want sum(column) or avg(column), optionally alias.column", s)
	}
	fn, col = strings.ToLower(m[1]), m[2]
	if i := strings.LastIndex(col, "."); i > 0 && i < len(col)-1 {
		alias, col = col[:i], col[i+1:]
		if strings.EqualFold(alias, "primary") {
			alias = ""
		}
	}
	return fn, alias, col, nil
}

// resolveReferences binds every alias the ruleset needs: opts.References
// first, then the catalog for database.table names. An alias left unbound
// is an *UnboundReferenceError, before any session is opened.
func resolveReferences(ctx context.Context, rs *dqdl.Ruleset, opts Options) (map[string]Source, error) {
	refs := make(map[string]Source, len(opts.References))
	bound := map[string]bool{}
	for a, src := range opts.References {
		refs[a] = src
		bound[strings.ToLower(a)] = true
	}
	var missing []string
	for _, a := range requiredReferences(rs) {
		if bound[strings.ToLower(a)] {
			continue
		}
		if db, table, ok := splitTableName(a); ok && opts.Catalog != nil {
			src, err := opts.Catalog.Lookup(ctx, db, table)
			if err == nil {
				refs[a] = src
				bound[strings.ToLower(a)] = true
				continue
			}
			if !errors.Is(err, ErrNotInCatalog) {
				return nil, fmt.Errorf("looking up %s in the catalog: %w", a, err)
			}
		}
		missing = append(missing, a)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, &UnboundReferenceError{Aliases: missing}
	}
	return refs, nil
}

// checkReferences is resolveReferences for a caller-managed session: every
// needed alias must already be registered.
func checkReferences(rs *dqdl.Ruleset, s *Session) error {
	var missing []string
	for _, a := range requiredReferences(rs) {
		if _, ok := s.Dataset(a); !ok {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return &UnboundReferenceError{Aliases: missing}
	}
	return nil
}
