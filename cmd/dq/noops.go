package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/dqlabs/dq/engine/history"
)

// This file turns commands that used to succeed while doing nothing into
// errors that say what was wrong.

// checkSpoolDir refuses a spool directory that does not exist: dq publish
// of a mistyped path would otherwise report "0 delivered" and exit 0 while
// the real spool keeps its undelivered results.
func checkSpoolDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("no spool directory %s: dq eval creates it only when a result could not be delivered (it names it in its message); give the directory dq eval --spool used", dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory: give the spool directory dq eval --spool used", dir)
	}
	return nil
}

// knownDatasets lists the dataset ids with recorded runs, sorted.
func knownDatasets(ctx context.Context, s *history.DuckDB) ([]string, error) {
	runs, err := s.Runs(ctx, history.RunQuery{})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range runs {
		if !slices.Contains(ids, r.DatasetID) {
			ids = append(ids, r.DatasetID)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// resolveDatasetID returns id if the store has runs of it, or the
// identity dq eval gives the path id (so `dq backtest r.dqdl --dataset-id
// data/x.parquet` finds the runs of `dq eval r.dqdl data/x.parquet`);
// otherwise an error listing the known ids.
func resolveDatasetID(ctx context.Context, s *history.DuckDB, id string) (string, error) {
	known, err := knownDatasets(ctx, s)
	if err != nil {
		return "", err
	}
	if slices.Contains(known, id) {
		return id, nil
	}
	if canon, err := datasetIdentity("", id); err == nil && slices.Contains(known, canon) {
		return canon, nil
	}
	if len(known) == 0 {
		return "", fmt.Errorf("no runs of dataset %q: the history store has no runs at all (dq eval records them)", id)
	}
	const maxListed = 20
	list := known
	more := ""
	if len(list) > maxListed {
		list, more = list[:maxListed], fmt.Sprintf(" and %d more (dq history list)", len(known)-maxListed)
	}
	return "", fmt.Errorf("no runs of dataset %q; the history has runs of: %s%s", id, strings.Join(list, ", "), more)
}

// metricHint suggests recorded metric names for one given without its
// prefix (RowCount for Dataset.*.RowCount, Completeness for
// Column.c.Completeness).
func metricHint(metric string, runs []history.Run) string {
	var cands []string
	for _, r := range runs {
		for _, m := range r.Metrics {
			if (strings.HasSuffix(m.Name, "."+metric) || strings.EqualFold(m.Name, metric)) && !slices.Contains(cands, m.Name) {
				cands = append(cands, m.Name)
			}
		}
	}
	slices.Sort(cands)
	if len(cands) == 0 {
		return ""
	}
	if len(cands) > 5 {
		cands = append(cands[:5], "…")
	}
	return "; metric names carry their scope, did you mean " + strings.Join(cands, ", ") + "?"
}
