package s3source_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/s3source"
	"github.com/dqlabs/dq/sinks/sinktest"
	"github.com/dqlabs/dq/testdata/gen/taxigen"
)

func benchRules(b *testing.B, path string) *dqdl.Ruleset {
	b.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	rs, err := dqdl.Parse(path, string(src))
	if err != nil {
		b.Fatal(err)
	}
	return rs
}

// BenchmarkS3ParquetBytes measures the bytes fetched for a ruleset that
// touches 3 of the taxi file's 19 columns (fetched_pct: of the object's
// size; the target is ≤ 35).
func BenchmarkS3ParquetBytes(b *testing.B) {
	data, err := os.ReadFile(taxiSample)
	if err != nil {
		b.Fatal(err)
	}
	f := sinktest.NewS3()
	f.Put("lake", "taxi/sample.parquet", data)
	ts := httptest.NewServer(f)
	defer ts.Close()
	c := s3source.NewClient(sinktest.AWSConfig(ts.URL))
	rs := benchRules(b, "../../testdata/taxi/three-columns.dqdl")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.ResetCounters()
		src, _ := s3source.New(c, "s3://lake/taxi/sample.parquet", s3source.Options{NoCache: true})
		if _, err := engine.Evaluate(context.Background(), rs, engine.Remote(src), engine.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.BytesServed.Load()), "bytes_fetched")
	b.ReportMetric(100*float64(f.BytesServed.Load())/float64(len(data)), "fetched_pct")
	b.ReportMetric(float64(f.Gets.Load()), "gets")
}

// BenchmarkS3EvalTaxi evaluates testdata/taxi/taxi.dqdl on an object set
// of DQ_BENCH_ROWS rows (default 1,000,000; the figure is for
// 10,000,000) in 10 objects: local files, then the same objects through
// the in-process S3 with a cold cache (every needed byte fetched) and a
// warm one (a listing only).
func BenchmarkS3EvalTaxi(b *testing.B) {
	rows := int64(1_000_000)
	if s := os.Getenv("DQ_BENCH_ROWS"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	const parts = 10
	dir := b.TempDir()
	ctx := context.Background()
	f := sinktest.NewS3()
	var total int64
	for i := 0; i < parts; i++ {
		p := filepath.Join(dir, fmt.Sprintf("part-%05d.parquet", i))
		if err := taxigen.GenerateFile(ctx, p, taxigen.Options{Rows: rows / parts, Seed: int64(42 + i), Format: "parquet"}, 0); err != nil {
			b.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		total += int64(len(data))
		f.Put("lake", "taxi/"+filepath.Base(p), data)
	}
	ts := httptest.NewServer(f)
	defer ts.Close()
	c := s3source.NewClient(sinktest.AWSConfig(ts.URL))
	rs := benchRules(b, "../../testdata/taxi/taxi.dqdl")
	opts := engine.Options{Session: engine.SessionOptions{MemoryLimit: "2GB"}}
	run := func(b *testing.B, src func() engine.Source) {
		for i := 0; i < b.N; i++ {
			if _, err := engine.Evaluate(ctx, rs, src(), opts); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("local", func(b *testing.B) {
		run(b, func() engine.Source { return engine.Files(dir, engine.FileOptions{}) })
	})
	b.Run("s3-cold", func(b *testing.B) {
		f.ResetCounters()
		run(b, func() engine.Source {
			src, _ := s3source.New(c, "s3://lake/taxi/", s3source.Options{NoCache: true})
			return engine.Remote(src)
		})
		b.ReportMetric(float64(f.BytesServed.Load())/float64(b.N), "bytes_fetched/op")
		b.ReportMetric(float64(total), "object_bytes")
	})
	cache := b.TempDir()
	b.Run("s3-warm", func(b *testing.B) {
		src, _ := s3source.New(c, "s3://lake/taxi/", s3source.Options{CacheDir: cache})
		if _, err := engine.Evaluate(ctx, rs, engine.Remote(src), opts); err != nil {
			b.Fatal(err)
		}
		f.ResetCounters()
		b.ResetTimer()
		run(b, func() engine.Source {
			src, _ := s3source.New(c, "s3://lake/taxi/", s3source.Options{CacheDir: cache})
			return engine.Remote(src)
		})
		b.ReportMetric(float64(f.BytesServed.Load())/float64(b.N), "bytes_fetched/op")
	})
}
