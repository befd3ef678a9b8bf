package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/gluecatalog"
	"github.com/dqlabs/dq/engine/s3source"
	"github.com/dqlabs/dq/sinks/publish"
)

// remoteFlags are the flags of S3 and Glue Data Catalog data.
type remoteFlags struct {
	Partition string `placeholder:"EXPR" help:"For a glue://database/table: read only the partitions this filter selects, in Glue's partition-filter syntax, e.g. \"year='2024' AND month='01'\" (sent to GetPartitions, or applied to projected partitions; with --engine athena, a WHERE on the partition columns of every statement)."`
	NoCache   bool   `name:"no-cache" help:"Fetch S3 data afresh into a temporary directory instead of the cache (<user cache dir>/dq/s3, keyed by bucket, key and ETag)."`
}

// awsEnv loads the AWS SDK configuration (default credential chain,
// region, AWS_ENDPOINT_URL) once, the first time S3 or Glue is touched:
// local runs never look for credentials.
type awsEnv struct {
	flags *remoteFlags
	once  sync.Once
	cfg   aws.Config
	s3    *s3source.Client
	err   error
}

func (a *awsEnv) load(ctx context.Context) error {
	a.once.Do(func() {
		a.cfg, a.err = publish.LoadAWS(ctx, 0)
		if a.err == nil {
			a.s3 = s3source.NewClient(a.cfg)
		}
	})
	return a.err
}

func (a *awsEnv) options(fo engine.FileOptions) s3source.Options {
	o := s3source.Options{Format: fo.Format, Hive: fo.Hive, NoCache: a.flags.NoCache, Read: fo}
	if isTerminal(os.Stderr) {
		o.Progress = os.Stderr
	}
	return o
}

// isRemote reports paths that name S3 or Glue data.
func isRemote(path string) bool { return s3source.IsS3(path) || gluecatalog.IsGlue(path) }

// remoteSource is the source of an s3:// or glue:// path. The returned
// reporter says, after the source was registered, what was resolved.
func (a *awsEnv) remoteSource(path string, fo engine.FileOptions, partition string) (engine.Source, reporter, error) {
	if gluecatalog.IsGlue(path) {
		db, table, err := gluecatalog.ParseURL(path)
		if err != nil {
			return nil, nil, err
		}
		f := &lazyGlue{a: a, db: db, table: table, partition: partition, fo: fo}
		return engine.Remote(f), f, nil
	}
	if partition != "" {
		return nil, nil, fmt.Errorf("--partition applies to glue://database/table data, not %s", path)
	}
	if _, err := s3source.Parse(path); err != nil {
		return nil, nil, err
	}
	f := &lazyS3{a: a, url: path, fo: fo}
	return engine.Remote(f), f, nil
}

// reporter describes what a remote source resolved, for dq explain.
type reporter interface{ report(w io.Writer) }

type lazyS3 struct {
	a   *awsEnv
	url string
	fo  engine.FileOptions
	src *s3source.Source
}

func (l *lazyS3) Fetch(ctx context.Context, need engine.ColumnNeed) (*engine.Fetched, error) {
	if err := l.a.load(ctx); err != nil {
		return nil, err
	}
	src, err := s3source.New(l.a.s3, l.url, l.a.options(l.fo))
	if err != nil {
		return nil, err
	}
	l.src = src
	return src.Fetch(ctx, need)
}

func (l *lazyS3) report(w io.Writer) {
	if l.src == nil || l.src.LastReport() == nil {
		return
	}
	writeS3Report(w, l.src.Loc.String(), l.src.LastReport())
}

type lazyGlue struct {
	a                    *awsEnv
	db, table, partition string
	fo                   engine.FileOptions
	t                    *gluecatalog.Table
}

func (l *lazyGlue) Fetch(ctx context.Context, need engine.ColumnNeed) (*engine.Fetched, error) {
	if err := l.a.load(ctx); err != nil {
		return nil, err
	}
	l.t = gluecatalog.New(l.a.cfg, l.a.s3, l.a.options(engine.FileOptions{})).Table(l.db, l.table, l.partition)
	return l.t.Fetch(ctx, need)
}

func (l *lazyGlue) report(w io.Writer) {
	if l.t == nil || l.t.LastReport() == nil {
		return
	}
	r := l.t.LastReport()
	fmt.Fprintf(w, "-- table %s: %s at %s\n", r.Table, r.Format, r.Location)
	if len(r.Partitions) > 0 || r.Projected {
		how := "from GetPartitions"
		if r.Projected {
			how = "projected"
		}
		first := r.Partitions
		if len(first) > 5 {
			first = first[:5]
		}
		more := ""
		if len(r.Partitions) > len(first) {
			more = ", …"
		}
		fmt.Fprintf(w, "-- partitions selected (%s): %d: %s%s\n", how, len(r.Partitions), strings.Join(first, ", "), more)
	}
	if r.S3 != nil {
		writeS3Report(w, r.Location, r.S3)
	}
}

func writeS3Report(w io.Writer, loc string, r *s3source.Report) {
	fmt.Fprintf(w, "-- objects: %d under %s, %s in all\n", len(r.Objects), loc, s3source.HumanBytes(r.BytesTotal))
	cols := ""
	if r.ColumnsTotal > 0 {
		cols = fmt.Sprintf(" (%d of %d columns)", r.ColumnsRead, r.ColumnsTotal)
	}
	fmt.Fprintf(w, "-- to fetch: %s%s, of which %s already cached\n", s3source.HumanBytes(r.BytesNeeded), cols, s3source.HumanBytes(r.BytesCached))
}

// lazyGlueCatalog is --catalog glue: database.table names resolve through
// the Glue Data Catalog, loading the AWS configuration on first use.
type lazyGlueCatalog struct{ a *awsEnv }

func (c lazyGlueCatalog) Lookup(ctx context.Context, database, table string) (engine.Source, error) {
	if err := c.a.load(ctx); err != nil {
		return nil, err
	}
	return gluecatalog.New(c.a.cfg, c.a.s3, c.a.options(engine.FileOptions{})).Lookup(ctx, database, table)
}

// remoteDatasetID is the history identity of remote data: glue:db.table
// for a catalog table, the canonical s3:// URL for S3 data.
func remoteDatasetID(data string) (string, bool) {
	if gluecatalog.IsGlue(data) {
		if db, t, err := gluecatalog.ParseURL(data); err == nil {
			return "glue:" + db + "." + t, true
		}
	}
	if s3source.IsS3(data) {
		if loc, err := s3source.Parse(data); err == nil {
			return loc.String(), true
		}
	}
	return "", false
}

// lazyS3FS is the S3 file system of File* rules, loading the AWS
// configuration only when a rule names an s3:// path.
// Hook for --allow-path (safety-out): s3:// roots go to s3source.FS.Allowed.
type lazyS3FS struct{ a *awsEnv }

func (l lazyS3FS) fs(ctx context.Context) (*s3source.FS, error) {
	if err := l.a.load(ctx); err != nil {
		return nil, err
	}
	return s3source.NewFS(l.a.s3), nil
}

func (l lazyS3FS) Stat(ctx context.Context, p string) (engine.FileInfo, error) {
	f, err := l.fs(ctx)
	if err != nil {
		return engine.FileInfo{}, err
	}
	return f.Stat(ctx, p)
}

func (l lazyS3FS) List(ctx context.Context, p string) ([]engine.FileInfo, error) {
	f, err := l.fs(ctx)
	if err != nil {
		return nil, err
	}
	return f.List(ctx, p)
}

func (l lazyS3FS) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	f, err := l.fs(ctx)
	if err != nil {
		return nil, err
	}
	return f.Open(ctx, p)
}
