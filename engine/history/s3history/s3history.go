// Package s3history keeps dq's metric history on S3, under the results
// location, so that a fresh container (scheduled runs have no durable
// disk) sees every earlier run.
//
// Every run is one object, written once under a key no other run can
// have (the run's instant and its random result id), so concurrent writers
// never overwrite or lose each other's runs, and no locking or conditional
// write is needed. Layout under the prefix:
//
//	runs/<dataset id, path-escaped>/<UTC instant>_<result id>.json
//
// Keys sort by time within a dataset, so listing is the index: reading a
// dataset's history is one LIST (1,000 keys a page) plus parallel GETs of
// the runs wanted.
package s3history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/history"
)

// Store is a history.Store on S3.
type Store struct {
	client *s3.Client
	bucket string
	prefix string // "" or ending in "/"
	// Parallel bounds concurrent GETs; default 32.
	Parallel int
}

var _ history.Store = (*Store)(nil)

// ParseLocation splits s3://bucket/prefix into bucket and prefix ("" or
// ending in "/").
func ParseLocation(loc string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(loc, "s3://")
	if !ok {
		return "", "", fmt.Errorf("history location %q is not an s3:// URL", loc)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("history location %q names no bucket", loc)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return bucket, prefix, nil
}

// New returns the store at s3://bucket/prefix/ using client. It does not
// touch S3; Check does.
func New(client *s3.Client, location string) (*Store, error) {
	b, p, err := ParseLocation(location)
	if err != nil {
		return nil, err
	}
	return &Store{client: client, bucket: b, prefix: p, Parallel: 32}, nil
}

// Check verifies that the bucket is reachable and listable.
func (s *Store) Check(ctx context.Context) error {
	_, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix + "runs/"), MaxKeys: aws.Int32(1)})
	if err != nil {
		return fmt.Errorf("listing %s: %w", s.url(s.prefix+"runs/"), err)
	}
	return nil
}

func (s *Store) url(key string) string { return "s3://" + s.bucket + "/" + key }

// timeLayout sorts lexically in time order (fixed width, UTC).
const timeLayout = "20060102T150405.000000000Z"

func (s *Store) datasetPrefix(datasetID string) string {
	return s.prefix + "runs/" + url.PathEscape(datasetID) + "/"
}

func (s *Store) key(run history.Run) string {
	return s.datasetPrefix(run.DatasetID) + run.At.UTC().Format(timeLayout) + "_" + url.PathEscape(run.ResultID) + ".json"
}

// object is a run's JSON form.
type object struct {
	ResultID    string       `json:"ResultId"`
	DatasetID   string       `json:"DatasetId"`
	RulesetName string       `json:"RulesetName,omitempty"`
	At          time.Time    `json:"At"`
	Score       *float64     `json:"Score"`
	Metrics     []metricJSON `json:"Metrics"`
	// Rules are the run's rule outcomes; absent in objects written before
	// dq kept them.
	Rules []history.RuleOutcome `json:"Rules,omitempty"`
}

type metricJSON struct {
	Name     string    `json:"Name"`
	Value    jsonFloat `json:"Value"`
	Source   string    `json:"Source,omitempty"`
	Excluded bool      `json:"Excluded,omitempty"`
}

// jsonFloat writes NaN and ±Inf, which metrics can be (the mean of no
// rows, a ratio over zero) and JSON numbers cannot, as strings.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(v)
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("metric value %q: %w", s, err)
		}
		*f = jsonFloat(v)
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jsonFloat(v)
	return nil
}

func toObject(r history.Run) object {
	o := object{ResultID: r.ResultID, DatasetID: r.DatasetID, RulesetName: r.RulesetName, At: r.At, Score: r.Score, Metrics: []metricJSON{}, Rules: r.Rules}
	for _, m := range r.Metrics {
		o.Metrics = append(o.Metrics, metricJSON{Name: m.Name, Value: jsonFloat(m.Value), Source: m.Source, Excluded: m.Excluded})
	}
	return o
}

func (o object) run() history.Run {
	r := history.Run{ResultID: o.ResultID, DatasetID: o.DatasetID, RulesetName: o.RulesetName, At: o.At.UTC(), Score: o.Score, Rules: o.Rules}
	for _, m := range o.Metrics {
		r.Metrics = append(r.Metrics, history.Metric{Name: m.Name, Value: float64(m.Value), Source: m.Source, Excluded: m.Excluded})
	}
	return r
}

// Record implements history.Store: one PUT of a new object, which S3
// makes visible all at once or not at all.
func (s *Store) Record(ctx context.Context, run history.Run) error {
	if run.ResultID == "" || run.DatasetID == "" {
		return errors.New("a run needs a result id and a dataset id")
	}
	run.At = run.At.UTC()
	body, err := json.Marshal(toObject(run))
	if err != nil {
		return err
	}
	key := s.key(run)
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", s.url(key), err)
	}
	return nil
}

// entry is a listed run object.
type entry struct {
	key      string
	at       time.Time
	resultID string
}

// list returns the run objects of datasetID ("" = every dataset), newest
// first.
func (s *Store) list(ctx context.Context, datasetID string) ([]entry, error) {
	prefix := s.prefix + "runs/"
	if datasetID != "" {
		prefix = s.datasetPrefix(datasetID)
	}
	var out []entry
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", s.url(prefix), err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			base := k[strings.LastIndex(k, "/")+1:]
			ts, id, ok := strings.Cut(strings.TrimSuffix(base, ".json"), "_")
			if !ok {
				continue // not a run object
			}
			at, err := time.Parse(timeLayout, ts)
			if err != nil {
				continue
			}
			if rid, err := url.PathUnescape(id); err == nil {
				id = rid
			}
			out = append(out, entry{key: k, at: at, resultID: id})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].at.Equal(out[j].at) {
			return out[i].at.After(out[j].at)
		}
		return out[i].key > out[j].key
	})
	return out, nil
}

// fetch GETs the entries' objects in parallel, in order.
func (s *Store) fetch(ctx context.Context, es []entry) ([]history.Run, error) {
	out := make([]history.Run, len(es))
	errs := make([]error, len(es))
	n := s.Parallel
	if n <= 0 {
		n = 32
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i := range es {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			res, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(es[i].key)})
			if err != nil {
				errs[i] = fmt.Errorf("reading %s: %w", s.url(es[i].key), err)
				cancel()
				return
			}
			defer res.Body.Close()
			var o object
			if err := json.NewDecoder(res.Body).Decode(&o); err != nil {
				errs[i] = fmt.Errorf("reading %s: %w", s.url(es[i].key), err)
				cancel()
				return
			}
			out[i] = o.run()
		}(i)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// Runs implements history.Store.
func (s *Store) Runs(ctx context.Context, q history.RunQuery) ([]history.Run, error) {
	es, err := s.list(ctx, q.DatasetID)
	if err != nil {
		return nil, err
	}
	var keep []entry
	for _, e := range es {
		if !q.Since.IsZero() && e.at.Before(q.Since) {
			continue
		}
		if q.ResultID != "" && e.resultID != q.ResultID {
			continue
		}
		keep = append(keep, e)
		if q.Limit > 0 && len(keep) == q.Limit {
			break
		}
	}
	runs, err := s.fetch(ctx, keep)
	if err != nil {
		return nil, err
	}
	if !q.WithMetrics {
		for i := range runs {
			runs[i].Metrics = nil
		}
	}
	return runs, nil
}

// Snapshot implements history.Store.
func (s *Store) Snapshot(ctx context.Context, datasetID string, before time.Time, perMetric int) (map[string][]engine.Point, error) {
	es, err := s.list(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	var keep []entry
	for _, e := range es {
		if e.at.Before(before) {
			keep = append(keep, e)
		}
	}
	// Every run before the instant is read: a metric may appear only in
	// old runs (a rule that was removed and added back), and excluded
	// points do not count, so no shorter read is exact. Reads are
	// parallel; 1,000 runs take about a second against a local S3.
	runs, err := s.fetch(ctx, keep)
	if err != nil {
		return nil, err
	}
	out := map[string][]engine.Point{}
	for _, r := range runs {
		for _, m := range r.Metrics {
			if m.Excluded || (perMetric > 0 && len(out[m.Name]) >= perMetric) {
				continue
			}
			out[m.Name] = append(out[m.Name], engine.Point{At: r.At, Value: m.Value})
		}
	}
	return out, nil
}

// Prune implements history.Store.
func (s *Store) Prune(ctx context.Context, datasetID string, before time.Time) (int, error) {
	es, err := s.list(ctx, datasetID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range es {
		if !e.at.Before(before) {
			continue
		}
		if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(e.key)}); err != nil {
			return n, fmt.Errorf("deleting %s: %w", s.url(e.key), err)
		}
		n++
	}
	return n, nil
}

// SetExcluded implements history.Store by rewriting the run's object.
func (s *Store) SetExcluded(ctx context.Context, resultID string, metrics []string, excluded bool) (int, error) {
	es, err := s.list(ctx, "")
	if err != nil {
		return 0, err
	}
	want := map[string]bool{}
	for _, m := range metrics {
		want[m] = true
	}
	changed := 0
	for _, e := range es {
		if e.resultID != resultID {
			continue
		}
		runs, err := s.fetch(ctx, []entry{e})
		if err != nil {
			return changed, err
		}
		r := runs[0]
		n := 0
		for i, m := range r.Metrics {
			if (len(want) == 0 || want[m.Name]) && m.Excluded != excluded {
				r.Metrics[i].Excluded = excluded
				n++
			}
		}
		if n == 0 {
			continue
		}
		if err := s.Record(ctx, r); err != nil {
			return changed, err
		}
		changed += n
	}
	return changed, nil
}

// Close implements history.Store.
func (s *Store) Close() error { return nil }
