package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dqlabs/dq/engine"
)

// datasetIdentity is the one name dq gives the evaluated dataset wherever
// it is recorded or sent: the history series, the result's
// DataSource.Location, and through it the result files, SNS, EventBridge
// and CloudWatch. An explicit --dataset-id wins; otherwise a local path is
// made absolute and cleaned, so `data/x.parquet`, `./data/x.parquet` and
// `/abs/data/x.parquet` are one dataset; a Glue table is glue:db.table, S3
// data its canonical s3:// URL, any other URL is kept as written, and
// standard input (-) is <stdin>.
func datasetIdentity(explicit, data string) (string, error) {
	if explicit != "" {
		if strings.TrimSpace(explicit) == "" {
			return "", errors.New("--dataset-id must not be blank")
		}
		return explicit, nil
	}
	if id, ok := remoteDatasetID(data); ok {
		return id, nil // glue:db.table, or the canonical s3:// URL
	}
	if strings.Contains(data, "://") {
		return data, nil
	}
	if data == "-" {
		return stdinName, nil
	}
	abs, err := filepath.Abs(data)
	if err != nil {
		return "", fmt.Errorf("naming the dataset %s: %w", data, err)
	}
	return abs, nil
}

// setIdentity makes res name the dataset by its identity, so that every
// sink reports the name the history uses.
func setIdentity(res *engine.Result, id string) {
	if res.DataSource == nil {
		res.DataSource = &engine.DataSource{}
	}
	if res.DataSource.GlueTable == nil {
		res.DataSource.Location = id
	}
}

// unavailableHistory stands in for a history store that could not be
// opened: every read fails with the reason, so the rules that need history
// ERROR saying why while the others evaluate.
type unavailableHistory struct{ err error }

func (h unavailableHistory) Last(context.Context, string, int) ([]float64, error) {
	return nil, h.err
}

func (h unavailableHistory) Points(context.Context, string, int) ([]engine.Point, error) {
	return nil, h.err
}

var _ engine.History = unavailableHistory{}
