package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	target, err := filepath.Abs(opts.Path)
	if err != nil {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
	}
	// Fail before the (possibly long) scan rather than after it.
	if st, err := os.Stat(filepath.Dir(target)); err != nil {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
	} else if !st.IsDir() {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %s is not a directory", opts.Path, filepath.Dir(target))
	}
	query, err := rowLevelSQL(ds, checks, opts)
	if err != nil {
		return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
	}
	// A sealed session may write only in its private directory and in the
	// OutputPaths declared up front; other targets are staged and moved.
	write := target
	if s.owned && !s.allowedOutputs[target] {
		write = filepath.Join(s.private, s.internalName("rowlevel")+".parquet")
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()

	var written int64
	copySQL := "COPY (" + query + ") TO " + QuoteString(write) + " (FORMAT parquet)"
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
	if write != target {
		if err := moveFile(write, target); err != nil {
			return RowStats{}, fmt.Errorf("writing row-level results to %s: %w", opts.Path, err)
		}
	}
	return st, nil
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
func moveFile(src, dst string) error {
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
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := io.Copy(tmp, in); err != nil {
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
