package resultfiles

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// store writes whole objects under a root. Both implementations replace an
// existing object atomically, which is what makes re-publishing a run
// overwrite rather than duplicate.
type store interface {
	put(ctx context.Context, key string, body []byte, contentType string) error
	// url names key as a user would type it: s3://bucket/key or a path.
	url(key string) string
}

// Location is a parsed --results value.
type Location struct {
	Bucket string // set for s3:// locations
	Prefix string // the S3 key prefix, "" or ending in "/"
	Dir    string // set for local directories
}

// ParseLocation accepts s3://bucket[/prefix] or a local directory path.
func ParseLocation(s string) (Location, error) {
	if s == "" {
		return Location{}, fmt.Errorf("empty results location")
	}
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		if strings.Contains(s, "://") {
			return Location{}, fmt.Errorf("results location %q: only s3:// URLs and local directories are supported", s)
		}
		return Location{Dir: s}, nil
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return Location{}, fmt.Errorf("results location %q names no bucket", s)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return Location{Bucket: bucket, Prefix: prefix}, nil
}

// IsS3 reports whether the location is on S3.
func (l Location) IsS3() bool { return l.Bucket != "" }

// String is the canonical form: s3://bucket/prefix/ or the directory.
func (l Location) String() string {
	if l.IsS3() {
		return "s3://" + l.Bucket + "/" + l.Prefix
	}
	return l.Dir
}

type s3Store struct {
	client *s3.Client
	bucket string
	prefix string
}

func (s *s3Store) put(ctx context.Context, key string, body []byte, contentType string) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.prefix + key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(contentType),
	})
	if err != nil {
		return fmt.Errorf("putting %s: %w", s.url(key), err)
	}
	return nil
}

func (s *s3Store) url(key string) string { return "s3://" + s.bucket + "/" + s.prefix + key }

type dirStore struct{ root string }

// put writes through a temporary file and a rename, so a reader (Athena,
// DuckDB, a sync job) never sees half a file and a crash leaves the old
// version in place.
func (d *dirStore) put(ctx context.Context, key string, body []byte, _ string) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	path := filepath.Join(d.root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dq-*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(body); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// CreateTemp makes 0600 files; results are shared output.
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func (d *dirStore) url(key string) string { return filepath.Join(d.root, filepath.FromSlash(key)) }
