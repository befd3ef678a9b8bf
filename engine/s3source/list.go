package s3source

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/dqlabs/dq/engine"
)

// Object is one S3 object as listed.
type Object struct {
	Bucket       string
	Key          string
	Rel          string // key relative to the listed prefix (base name for a single key)
	Size         int64
	ETag         string
	LastModified time.Time
}

// URL is the object's s3:// URL.
func (o Object) URL() string { return "s3://" + o.Bucket + "/" + o.Key }

// Resolve lists the objects loc names: one key, every data object under a
// prefix (bookkeeping entries such as _SUCCESS, .crc and _temporary/
// skipped), or the objects matching a glob. A prefix is listed with one
// paginated ListObjectsV2 (1,000 keys a page), never a call per object.
// The result is sorted by key.
func (c *Client) Resolve(ctx context.Context, loc Location, progress *Progress) ([]Object, error) {
	switch {
	case hasGlobMeta(loc.Key):
		prefix, pattern, err := globParts(loc.Key)
		if err != nil {
			return nil, err
		}
		all, err := c.ListPrefix(ctx, loc.Bucket, prefix, progress)
		if err != nil {
			return nil, err
		}
		if err := tableFormat(loc.Bucket, all); err != nil {
			return nil, err
		}
		var out []Object
		for _, o := range all {
			if dataObject(o) && engine.MatchGlobSegments(pattern, strings.Split(o.Rel, "/")) {
				out = append(out, o)
			}
		}
		if len(out) == 0 {
			return nil, &Error{URL: loc.String(), Op: "listing", Code: "no objects match the pattern", Hint: fmt.Sprintf("%d objects under s3://%s/%s", len(all), loc.Bucket, prefix)}
		}
		return out, nil
	case loc.Key == "" || strings.HasSuffix(loc.Key, "/"):
		return c.listData(ctx, loc.Bucket, loc.Key, progress)
	}
	o, err := c.Head(ctx, loc.Bucket, loc.Key)
	if err == nil && o.Size == 0 {
		// A 0-byte key beside a prefix of the same name is a folder
		// marker some tools write: the data is under the prefix.
		if objs, lerr := c.listData(ctx, loc.Bucket, loc.Key+"/", progress); lerr == nil {
			return objs, nil
		}
	}
	if err == nil {
		return []Object{o}, nil
	}
	var se *Error
	if !errors.As(err, &se) || se.Code != "no such key" {
		return nil, err
	}
	// s3://bucket/trips is the prefix trips/ when no such key exists.
	objs, lerr := c.listData(ctx, loc.Bucket, loc.Key+"/", progress)
	if lerr != nil {
		if errors.As(lerr, &se) && se.Code == "no data objects under the prefix" {
			return nil, &Error{URL: loc.String(), Op: "reading", Code: "no such key or prefix", Hint: "check the path", Err: lerr}
		}
		return nil, lerr
	}
	return objs, nil
}

// dataObject reports a listed object that a prefix or glob reads: not a
// bookkeeping entry, and not empty. Spark's file index (isNonEmptyFile)
// and Athena skip 0-byte objects too; writers leave them for empty tasks
// and as folder markers, and a 0-byte Parquet object is not a Parquet
// file at all.
func dataObject(o Object) bool { return !hiddenRel(o.Rel) && o.Size > 0 }

// DataObject reports whether a listed object holds data a table reads
// (see dataObject); engine/gluecatalog lists partitions with it.
func DataObject(o Object) bool { return dataObject(o) }

func (c *Client) listData(ctx context.Context, bucket, prefix string, progress *Progress) ([]Object, error) {
	all, err := c.ListPrefix(ctx, bucket, prefix, progress)
	if err != nil {
		return nil, err
	}
	if err := tableFormat(bucket, all); err != nil {
		return nil, err
	}
	var out []Object
	for _, o := range all {
		if dataObject(o) {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		hint := "check the path"
		if len(all) > 0 {
			hint = fmt.Sprintf("only %d bookkeeping or empty objects (_SUCCESS, .crc, _temporary/, folder markers, 0-byte objects) are there", len(all))
		}
		return nil, &Error{URL: "s3://" + bucket + "/" + prefix, Op: "listing", Code: "no data objects under the prefix", Hint: hint}
	}
	return out, nil
}

// ListPrefix lists every object under prefix, recursively, in key order.
func (c *Client) ListPrefix(ctx context.Context, bucket, prefix string, progress *Progress) ([]Object, error) {
	var out []Object
	url := "s3://" + bucket + "/" + prefix
	err := c.do(ctx, bucket, func(cl *s3.Client) error {
		out = out[:0]
		p := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, o := range page.Contents {
				out = append(out, objectOf(bucket, prefix, o))
			}
			progress.listed(len(out))
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr("listing", url, err)
	}
	return out, nil
}

func objectOf(bucket, prefix string, o types.Object) Object {
	key := aws.ToString(o.Key)
	return Object{Bucket: bucket, Key: key, Rel: strings.TrimPrefix(key, prefix), Size: aws.ToInt64(o.Size),
		ETag: aws.ToString(o.ETag), LastModified: aws.ToTime(o.LastModified)}
}

// Head describes one key.
func (c *Client) Head(ctx context.Context, bucket, key string) (Object, error) {
	var out *s3.HeadObjectOutput
	err := c.do(ctx, bucket, func(cl *s3.Client) error {
		var err error
		out, err = cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		return err
	})
	if err != nil {
		err = wrapErr("reading", "s3://"+bucket+"/"+key, err)
		var se *Error
		if errors.As(err, &se) && se.Code == "no such key" {
			// HEAD has no body, so a missing bucket looks like a missing
			// key; ask the bucket to tell them apart.
			if berr := c.headBucket(ctx, bucket); berr != nil {
				return Object{}, berr
			}
		}
		return Object{}, err
	}
	return Object{Bucket: bucket, Key: key, Rel: path.Base(key), Size: aws.ToInt64(out.ContentLength),
		ETag: aws.ToString(out.ETag), LastModified: aws.ToTime(out.LastModified)}, nil
}

func (c *Client) headBucket(ctx context.Context, bucket string) error {
	err := c.do(ctx, bucket, func(cl *s3.Client) error {
		_, err := cl.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
		return err
	})
	if err == nil {
		return nil
	}
	e := wrapErr("reading", "s3://"+bucket+"/", err)
	var se *Error
	if errors.As(e, &se) && se.Code == "no such key" {
		se.Code, se.Hint = "no such bucket", "check the bucket name (and the endpoint, AWS_ENDPOINT_URL)"
	}
	return e
}

// TableFormat is tableFormat for listings made by other packages
// (engine/gluecatalog lists partitions itself).
func TableFormat(bucket string, objs []Object) error { return tableFormat(bucket, objs) }

// tableFormat refuses a listing that holds a Delta Lake, Apache Hudi or
// Apache Iceberg table: their data files include versions the table no
// longer contains (removed, overwritten, uncompacted), which read as
// plain files would count twice or come back from the dead.
func tableFormat(bucket string, objs []Object) error {
	for _, o := range objs {
		segs := strings.Split(o.Rel, "/")
		for i, seg := range segs[:len(segs)-1] {
			what := ""
			switch {
			case seg == "_delta_log":
				what = "a Delta Lake table (_delta_log/)"
			case seg == ".hoodie":
				what = "an Apache Hudi table (.hoodie/)"
			case seg == "metadata" && strings.HasSuffix(segs[len(segs)-1], ".metadata.json"):
				what = "an Apache Iceberg table (metadata/*.metadata.json)"
			}
			if what != "" {
				dir := "s3://" + bucket + "/" + strings.TrimSuffix(o.Key, strings.Join(segs[i:], "/"))
				return &Error{URL: dir, Op: "listing", Code: "is " + what + "; its data files include versions the table no longer holds, so dq does not read them as plain files",
					Hint: "read a snapshot exported to plain Parquet, or the table through an engine that reads its log (--engine athena)"}
			}
		}
	}
	return nil
}
