package main

import (
	"context"

	"github.com/dqlabs/dq/engine/history"
)

// openHistoryStore opens the metric history at location for dq serve and
// dq report. mustExist is for readers, so that a mistyped path reports "no
// history" instead of creating one.
func openHistoryStore(ctx context.Context, location string, mustExist bool) (history.Store, error) {
	p, err := (storeFlag{History: location}).path()
	if err != nil {
		return nil, err
	}
	return history.Open(ctx, p, history.Options{MustExist: mustExist})
}
