package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dqlabs/dq/engine/history"
	"github.com/dqlabs/dq/engine/history/s3history"
)

// openHistoryStore opens the metric history at location: s3://bucket/
// prefix/ (one object per run, for containers without durable disk) or a
// DuckDB file ("" = the default path). mustExist is for readers, so that a
// mistyped path reports "no history" instead of creating one.
func openHistoryStore(ctx context.Context, location string, mustExist bool) (history.Store, error) {
	if strings.HasPrefix(location, "s3://") {
		return openS3History(ctx, location, nil)
	}
	p, err := (storeFlag{History: location}).path()
	if err != nil {
		return nil, err
	}
	return history.Open(ctx, p, history.Options{MustExist: mustExist})
}

// openAny is dq eval's store: --history may be an s3:// location.
func (f storeFlag) openAny(ctx context.Context) (history.Store, error) {
	if strings.HasPrefix(f.History, "s3://") {
		s, err := openS3History(ctx, f.History, f.awsHTTP)
		if err != nil {
			return nil, &exitError{code: exitInvalid, err: fmt.Errorf("--history: %w", err)}
		}
		return s, nil
	}
	return f.open(ctx, false)
}

// openS3History connects with the standard AWS configuration (env,
// profile, instance role); AWS_ENDPOINT_URL points it at an S3-compatible
// store, addressed by path as those need.
func openS3History(ctx context.Context, location string, httpClient aws.HTTPClient) (history.Store, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if httpClient != nil {
		cfg.HTTPClient = httpClient
	}
	pathStyle := os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = o.UsePathStyle || pathStyle })
	s, err := s3history.New(client, location)
	if err != nil {
		return nil, err
	}
	if err := s.Check(ctx); err != nil {
		return nil, err
	}
	return s, nil
}
