package s3source

import (
	"context"
	"io"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dqlabs/dq/engine"
)

// FS is S3 as the engine.FileSystem of File* rules (Options.FileSystems
// ["s3"]): a key is a file, a prefix a directory. Sizes and LastModified
// come from listings; checksums stream the object, never holding it.
type FS struct {
	c *Client
	// Allowed, when set, limits the paths File* rules may read to these
	// s3://bucket/prefix roots (the S3 side of --allow-path).
	Allowed []string
}

// NewFS returns the S3 file system of c.
func NewFS(c *Client) *FS { return &FS{c: c} }

// allowed checks p against the allowed roots.
func (f *FS) allowed(p string, loc Location) error {
	if len(f.Allowed) == 0 {
		return nil
	}
	for _, root := range f.Allowed {
		r, err := Parse(root)
		if err != nil || r.Bucket != loc.Bucket {
			continue
		}
		prefix := r.Key
		if prefix == "" || loc.Key == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(loc.Key, strings.TrimSuffix(prefix, "/")+"/") {
			return nil
		}
	}
	return &Error{URL: p, Op: "reading", Code: "outside the allowed paths", Hint: "allow it with --allow-path s3://bucket/prefix"}
}

func (f *FS) parse(p string) (Location, error) {
	loc, err := Parse(p)
	if err != nil {
		return loc, err
	}
	return loc, f.allowed(p, loc)
}

// Stat describes a key, or a prefix as a directory.
func (f *FS) Stat(ctx context.Context, p string) (engine.FileInfo, error) {
	loc, err := f.parse(p)
	if err != nil {
		return engine.FileInfo{}, err
	}
	if loc.Key != "" && !strings.HasSuffix(loc.Key, "/") {
		// A one-key listing rather than HEAD: it answers with the same
		// LastModified a prefix listing gives (and S3-compatible stores
		// that omit Last-Modified on HEAD still give it here).
		var first *Object
		err := f.c.do(ctx, loc.Bucket, func(cl *s3.Client) error {
			out, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(loc.Bucket), Prefix: aws.String(loc.Key), MaxKeys: aws.Int32(1)})
			if err == nil && len(out.Contents) > 0 {
				o := objectOf(loc.Bucket, "", out.Contents[0])
				first = &o
			}
			return err
		})
		if err != nil {
			return engine.FileInfo{}, wrapErr("reading", p, err)
		}
		if first != nil && first.Key == loc.Key {
			return engine.FileInfo{Path: first.URL(), Rel: path.Base(first.Key), Size: first.Size, ModTime: first.LastModified}, nil
		}
		loc.Key += "/"
	}
	objs, err := f.c.ListPrefix(ctx, loc.Bucket, loc.Key, nil)
	if err != nil {
		return engine.FileInfo{}, err
	}
	if len(objs) == 0 {
		return engine.FileInfo{}, &Error{URL: p, Op: "reading", Code: "no such key or prefix", Hint: "check the path"}
	}
	return engine.FileInfo{Path: loc.String(), Rel: path.Base(strings.TrimSuffix(loc.Key, "/")), IsDir: true}, nil
}

// List returns the key itself, or every object under the prefix except
// the bookkeeping entries readers skip.
func (f *FS) List(ctx context.Context, p string) ([]engine.FileInfo, error) {
	st, err := f.Stat(ctx, p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir {
		return []engine.FileInfo{st}, nil
	}
	loc, _ := Parse(st.Path)
	objs, err := f.c.ListPrefix(ctx, loc.Bucket, loc.Key, nil)
	if err != nil {
		return nil, err
	}
	var out []engine.FileInfo
	for _, o := range objs {
		if hiddenRel(o.Rel) {
			continue
		}
		out = append(out, engine.FileInfo{Path: o.URL(), Rel: o.Rel, Size: o.Size, ModTime: o.LastModified})
	}
	return out, nil
}

// Open streams a key's content.
func (f *FS) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	loc, err := f.parse(p)
	if err != nil {
		return nil, err
	}
	var out *s3.GetObjectOutput
	err = f.c.do(ctx, loc.Bucket, func(cl *s3.Client) error {
		var err error
		out, err = cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Key)})
		return err
	})
	if err != nil {
		return nil, wrapErr("reading", p, err)
	}
	return &lengthChecked{r: out.Body, want: aws.ToInt64(out.ContentLength), url: p}, nil
}

// lengthChecked fails a body that ends early, so that a checksum is never
// computed over part of an object.
type lengthChecked struct {
	r    io.ReadCloser
	want int64
	n    int64
	url  string
}

func (l *lengthChecked) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if err == io.EOF && l.want > 0 && l.n != l.want {
		return n, &Error{URL: l.url, Op: "reading", Code: "the object ended early", Hint: "nothing partial was used"}
	}
	if err != nil && err != io.EOF {
		return n, wrapErr("reading", l.url, err)
	}
	return n, err
}

func (l *lengthChecked) Close() error { return l.r.Close() }
