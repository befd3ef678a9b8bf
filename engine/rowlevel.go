package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Glue's row-level result columns (spec §11.1).
const (
	ColRulesPass        = "DataQualityRulesPass"
	ColRulesFail        = "DataQualityRulesFail"
	ColRulesSkip        = "DataQualityRulesSkip"
	ColEvaluationResult = "DataQualityEvaluationResult"
)

// RowCheck is one rule's row-level test.
type RowCheck struct {
	Rule      string // the rule's text, as listed in the output arrays
	Predicate string // SQL boolean expression over the dataset's columns (may contain window functions or correlated subqueries); "" = dataset-level rule → listed in DataQualityRulesSkip
	Filter    string // the rule's where clause SQL; rows where it is not TRUE are "filtered": they count as passed (default) or are listed in Skip when FilteredAsSkipped
}

// RowLevelOptions control WriteRowLevel.
type RowLevelOptions struct {
	Path              string // Parquet file to write
	OnlyFailed        bool   // keep only rows whose evaluation result is Failed
	FilteredAsSkipped bool   // rows a rule's where clause excludes go to Skip instead of Pass
}

// RowStats counts the primary dataset's rows by evaluation result. Rows is
// every input row, also when OnlyFailed writes only the failed ones.
type RowStats struct{ Rows, Passed, Failed int64 }

// WriteRowLevel writes ds's rows with Glue's four result columns to
// opts.Path as Parquet. DuckDB streams the rows from the source to the file
// (COPY … TO), so nothing is held in Go memory whatever the dataset's size.
// Input columns named like a result column are replaced by it.
func (s *Session) WriteRowLevel(ctx context.Context, ds *Dataset, checks []RowCheck, opts RowLevelOptions) (RowStats, error) {
	if ds == nil {
		return RowStats{}, errors.New("writing row-level results: nil dataset")
	}
	if opts.Path == "" {
		return RowStats{}, errors.New("writing row-level results: empty output path")
	}
	abs, err := filepath.Abs(opts.Path)
	if err != nil {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
	}
	if err := s.ready(ctx); err != nil {
		return RowStats{}, err
	}
	// Fail before the (possibly long) scan rather than after it.
	target, err := outputTarget(abs)
	if err != nil {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
	}
	if st, err := os.Stat(filepath.Dir(target)); err != nil {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
	} else if !st.IsDir() {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %s is not a directory", opts.Path, filepath.Dir(target))
	}
	query, err := rowLevelSQL(ds, checks, opts)
	if err != nil {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
	}
	// DuckDB writes a staging file that is renamed over the target only
	// once complete, so a failed, cancelled or size-limited COPY leaves the
	// target as it was. The staging name is dq's own and unique: COPY's
	// default replaces an existing target through tmp_<name> beside it,
	// which would destroy an unrelated file of that name. A sealed session
	// may write only the staging names declared in OutputPaths and its
	// private directory; other targets are staged there and moved.
	write, ok := s.allowedOutputs[abs]
	if !ok {
		write = stagingName(target)
		if s.owned && s.sealed {
			write = filepath.Join(s.private, s.internalName("rowlevel")+".parquet")
		}
	}
	if err := reserve(write); err != nil {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
	}
	done := false
	defer func() {
		if !done {
			os.Remove(write)
		}
	}()
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	var written int64
	copySQL := "COPY (" + query + ") TO " + QuoteString(write) + " (FORMAT parquet, USE_TMP_FILE false)"
	if err := s.conn.QueryRowContext(ctx, copySQL).Scan(&written); err != nil {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
	}
	var st RowStats
	if opts.OnlyFailed {
		st.Failed = written
		if err := s.conn.QueryRowContext(ctx, "SELECT count(*) FROM "+ds.Relation).Scan(&st.Rows); err != nil {
			return RowStats{}, fmt.Errorf("counting rows of %s: %w", ds.Alias, err)
		}
	} else {
		// Reading back one low-cardinality column of the file we just wrote
		// is far cheaper than evaluating every predicate a second time.
		st.Rows = written
		q := "SELECT count(*) FROM read_parquet(" + QuoteString(write) + ") WHERE " + QuoteIdent(ColEvaluationResult) + " = 'Failed'"
		if err := s.conn.QueryRowContext(ctx, q).Scan(&st.Failed); err != nil {
			return RowStats{}, fmt.Errorf("counting failed rows in %s: %w", opts.Path, err)
		}
	}
	st.Passed = st.Rows - st.Failed
	if err := publishStaged(write, target); err != nil {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
	}
	done = true
	return st, nil
}

// outputTarget is the file an output path names: the path itself, or, for
// a symlink, the file it points to, which is replaced while the link stays
// (as `dq eval -o` does). Directories and devices are refused: the staged
// file cannot be renamed over them.
func outputTarget(abs string) (string, error) {
	target := abs
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		target = r
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	st, err := os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return target, nil
	case err != nil:
		return "", err
	case st.IsDir():
		return "", fmt.Errorf("%s is a directory", abs)
	case !st.Mode().IsRegular():
		return "", fmt.Errorf("%s is not a regular file (a device, pipe or socket); row-level output must go to a file", abs)
	}
	return target, nil
}

// stagingName is a fresh hidden name beside target, for the staged write.
func stagingName(target string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail on supported platforms
	return filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".dq-"+hex.EncodeToString(b[:])+".tmp")
}

// reserve creates the staging file, failing if the name is taken: whatever
// is there is someone else's, and COPY would truncate it.
func reserve(p string) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

// publishStaged makes the complete staged file the target: synced, with the
// mode of the file it replaces (0644 for a new one), then renamed over it.
func publishStaged(staged, target string) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(target); err == nil {
		mode = st.Mode().Perm()
	}
	f, err := os.OpenFile(staged, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if filepath.Dir(staged) == filepath.Dir(target) {
		return os.Rename(staged, target)
	}
	return moveFile(staged, target, mode)
}

// rowLevelSQL builds the SELECT behind the row-level output. Each rule's
// outcome is computed once per row in an inner query, as 'P', 'F' or 'S'
// (skipped), so that a costly predicate (window, correlated subquery) is
// not evaluated once for each of the three lists built from it.
func rowLevelSQL(ds *Dataset, checks []RowCheck, opts RowLevelOptions) (string, error) {
	for _, c := range checks {
		// Where clauses are user text; a ';' or a stray ')' would let them
		// escape the CASE they are spliced into.
		for _, expr := range []string{c.Predicate, c.Filter} {
			if strings.TrimSpace(expr) == "" {
				continue
			}
			if _, err := CheckExpressionSQL(expr); err != nil {
				return "", fmt.Errorf("rule %s: %w", c.Rule, err)
			}
		}
	}
	prefix := statusPrefix(ds.Columns)
	filteredStatus := "'P'"
	if opts.FilteredAsSkipped {
		filteredStatus = "'S'"
	}
	var inner []string
	var pass, fail, skip, anyFail []string
	for i, c := range checks {
		rule := QuoteString(c.Rule)
		if strings.TrimSpace(c.Predicate) == "" {
			skip = append(skip, rule)
			continue
		}
		col := QuoteIdent(fmt.Sprintf("%s%d", prefix, i))
		// NULL predicates fail and NULL filters exclude, hence coalesce.
		status := "CASE "
		if strings.TrimSpace(c.Filter) != "" {
			status += "WHEN NOT coalesce((" + c.Filter + "), false) THEN " + filteredStatus + " "
		}
		status += "WHEN coalesce((" + c.Predicate + "), false) THEN 'P' ELSE 'F' END"
		inner = append(inner, status+" AS "+col)
		pass = append(pass, "CASE WHEN "+col+" = 'P' THEN "+rule+" END")
		fail = append(fail, "CASE WHEN "+col+" = 'F' THEN "+rule+" END")
		if opts.FilteredAsSkipped && strings.TrimSpace(c.Filter) != "" {
			skip = append(skip, "CASE WHEN "+col+" = 'S' THEN "+rule+" END")
		}
		anyFail = append(anyFail, col+" = 'F'")
	}
	var out []string
	for _, c := range ds.Columns {
		switch strings.ToLower(c.Name) {
		case strings.ToLower(ColRulesPass), strings.ToLower(ColRulesFail), strings.ToLower(ColRulesSkip), strings.ToLower(ColEvaluationResult):
			continue
		}
		out = append(out, QuoteIdent(c.Name))
	}
	failed := "false"
	if len(anyFail) > 0 {
		failed = "(" + strings.Join(anyFail, " OR ") + ")"
	}
	out = append(out,
		ruleList(pass)+" AS "+QuoteIdent(ColRulesPass),
		ruleList(fail)+" AS "+QuoteIdent(ColRulesFail),
		ruleList(skip)+" AS "+QuoteIdent(ColRulesSkip),
		"CASE WHEN "+failed+" THEN 'Failed' ELSE 'Passed' END AS "+QuoteIdent(ColEvaluationResult),
	)
	from := ds.Relation
	if len(inner) > 0 {
		// The relation keeps its own name inside, so correlated subqueries
		// in predicates can qualify outer columns with it.
		from = "(SELECT *, " + strings.Join(inner, ", ") + " FROM " + ds.Relation + ") AS " + QuoteIdent(prefix+"rows")
	}
	q := "SELECT " + strings.Join(out, ", ") + " FROM " + from
	if opts.OnlyFailed {
		q += " WHERE " + failed
	}
	return q, nil
}

// ruleList renders a VARCHAR[] of the non-NULL items, in rule order.
func ruleList(items []string) string {
	if len(items) == 0 {
		return "CAST([] AS VARCHAR[])"
	}
	return "CAST(list_filter([" + strings.Join(items, ", ") + "], x -> x IS NOT NULL) AS VARCHAR[])"
}

// statusPrefix picks a name prefix for the per-rule status columns that no
// dataset column starts with, so "SELECT *, …" cannot produce clashing names.
func statusPrefix(cols []Column) string {
	prefix := "__dq_s"
	for {
		clash := false
		for _, c := range cols {
			if strings.HasPrefix(strings.ToLower(c.Name), prefix) {
				clash = true
				break
			}
		}
		if !clash {
			return prefix
		}
		prefix = "_" + prefix
	}
}

// moveFile renames src to dst, copying when they are on different file
// systems (the session directory may live under /tmp).
func moveFile(src, dst string, mode os.FileMode) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*")
	if err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Remove(src)
}
