package s3source

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/statecache"
)

// Options tune fetching.
type Options struct {
	// Format is "", "parquet", "csv" or "json" ("" = from the key names).
	Format string
	// Hive reads k=v key segments as columns; nil = when some key has one.
	Hive *bool
	// CacheDir holds fetched bytes across runs; "" = DefaultCacheDir().
	CacheDir string
	// NoCache fetches into a temporary directory removed when the session
	// closes.
	NoCache bool
	// MaxCacheBytes bounds the cache (LRU); 0 = DefaultCacheBytes.
	MaxCacheBytes int64
	// Concurrency bounds parallel GETs; 0 = 8. Each GET streams to disk
	// through a 256 KiB buffer, so memory stays small at any object size.
	Concurrency int
	// Progress, when set, receives listing and fetching progress (the
	// CLI passes its stderr only when it is a terminal).
	Progress io.Writer
	// Stats, when set, counts the run's requests and bytes.
	Stats *Stats
	// Read are the reader options (CSV dialect, null strings, formats,
	// column types) applied to the fetched files, as to local ones.
	Read engine.FileOptions
}

// Stats counts what a fetch did.
type Stats struct {
	Objects      atomic.Int64 // objects resolved
	ObjectBytes  atomic.Int64 // their total size
	Requests     atomic.Int64 // ranged GETs
	BytesFetched atomic.Int64 // body bytes received
	BytesNeeded  atomic.Int64 // bytes the run reads (fetched now or cached)
}

// maxPiece bounds one ranged GET, so that a big column chunk is fetched
// in parallel pieces and a retry repeats little.
const maxPiece = 8 << 20

// gapMerge joins needed ranges this close together into one GET: a GET
// costs more than a few KiB of extra bytes.
const gapMerge = 32 << 10

// footerGuess is the tail fetched first; most footers fit.
const footerGuess = 64 << 10

// Source is an s3:// URL as an engine.Fetcher (engine.Remote makes it a
// Source). It lists when the session registers it.
type Source struct {
	Client *Client
	Loc    Location
	Opts   Options

	mu     sync.Mutex
	report *Report
}

// New returns the fetcher of an s3:// URL.
func New(c *Client, rawURL string, opts Options) (*Source, error) {
	loc, err := Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return &Source{Client: c, Loc: loc, Opts: opts}, nil
}

// Report says what the last Fetch read: for dq explain.
type Report struct {
	Objects      []Object
	Format       string
	BytesTotal   int64 // size of the objects
	BytesNeeded  int64 // bytes the run reads (footers + needed column chunks, or whole objects)
	BytesCached  int64 // of those, already in the cache
	ColumnsRead  int   // Parquet: top-level columns fetched, of ColumnsTotal
	ColumnsTotal int
}

// LastReport is the report of the last Fetch, or nil.
func (s *Source) LastReport() *Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.report
}

// Fetch implements engine.Fetcher.
func (s *Source) Fetch(ctx context.Context, need engine.ColumnNeed) (*engine.Fetched, error) {
	prog := newProgress(s.Opts.Progress)
	defer prog.done()
	objs, err := s.Client.Resolve(ctx, s.Loc, prog)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(objs))
	known := false
	for i, o := range objs {
		names[i] = o.Rel
		known = known || engine.FormatOf(o.Rel) != ""
	}
	given := s.Opts.Format
	if given == "" && !known {
		// Athena CTAS and UNLOAD, Hive and Firehose write objects
		// without extensions: read the first one's magic bytes, as the
		// local reader does.
		if given, err = s.Client.sniff(ctx, objs[0]); err != nil {
			return nil, err
		}
	}
	_, format, err := engine.SelectFormat(names, given)
	if err != nil {
		hint := ""
		if !known {
			hint = "the objects have no extension and are neither Parquet nor JSON: say --format-in csv (Hive's 000000_0 text files)"
		}
		return nil, &Error{URL: s.Loc.String(), Op: "reading", Code: err.Error(), Hint: hint}
	}
	var keep []Object
	hive := false
	for _, o := range objs {
		if err := UnreadableCompression(o, format); err != nil {
			return nil, err
		}
		if f := engine.FormatOf(o.Rel); f == format || f == "" && given != "" {
			keep = append(keep, o)
			hive = hive || hiveDirs(o.Rel)
		}
	}
	if s.Opts.Hive != nil {
		hive = *s.Opts.Hive
	}
	files := make([]Placed, len(keep))
	for i, o := range keep {
		files[i] = Placed{Object: o, Local: o.Rel}
	}
	fd, rep, err := FetchObjects(ctx, s.Client, files, format, need, s.Opts, prog)
	s.mu.Lock()
	s.report = rep
	s.mu.Unlock()
	if fd != nil {
		fd.Location = s.Loc.String()
		fd.Hive = hive
	}
	return fd, err
}

// Placed is an object and the relative local path it is read under; the
// path's k=v directories become Hive partition columns.
type Placed struct {
	Object Object
	Local  string
}

// FetchObjects makes objects local (engine.Fetched.Files, in the order
// given, laid out as their Local paths below a temporary directory that
// Cleanup removes). Parquet objects get their footers and, unless
// need.MetadataOnly, the column chunks need asks for; other formats are
// fetched whole. The report says what was and would be read.
func FetchObjects(ctx context.Context, c *Client, objs []Placed, format string, need engine.ColumnNeed, opts Options, prog *Progress) (*engine.Fetched, *Report, error) {
	rep := &Report{Format: format}
	layout, err := os.MkdirTemp("", "dq-s3-")
	if err != nil {
		return nil, rep, err
	}
	fd := &engine.Fetched{Format: format, Base: layout, Read: opts.Read, Cleanup: func() error { return os.RemoveAll(layout) }}
	dir := opts.CacheDir
	if opts.NoCache {
		dir = filepath.Join(layout, ".cache")
	} else if dir == "" {
		if dir, err = DefaultCacheDir(); err != nil {
			return fd, rep, err
		}
	}
	// A deferred Parquet fetch gets the footers now (as dq explain does)
	// and the column chunks when the engine calls Complete.
	deferred := need.Deferred && !need.MetadataOnly && format == engine.FormatParquet
	f := &fetcher{c: c, opts: opts, prog: prog, sem: make(chan struct{}, concurrency(opts)), need: need, format: format, footersOnly: need.MetadataOnly || deferred}
	entries := make([]*entry, len(objs))
	for i, p := range objs {
		rep.Objects = append(rep.Objects, p.Object)
		rep.BytesTotal += p.Object.Size
		if opts.Stats != nil {
			opts.Stats.Objects.Add(1)
			opts.Stats.ObjectBytes.Add(p.Object.Size)
		}
		e, err := openEntry(dir, p.Object)
		if err != nil {
			return fd, rep, err
		}
		entries[i] = e
	}
	cols, err := f.objects(ctx, entries, &rep.BytesNeeded, &rep.BytesCached)
	if err != nil {
		return fd, rep, err
	}
	if deferred {
		rest := *f
		rest.footersOnly = false
		rest.quiet = true // the report and Stats already count these bytes
		fd.Complete = func(ctx context.Context) error {
			var needed, cached int64
			_, err := rest.objects(ctx, entries, &needed, &cached)
			return err
		}
	}
	if len(cols) > 0 {
		rep.ColumnsRead, rep.ColumnsTotal = cols[0].read, cols[0].total
	}
	keep := map[string]bool{}
	noETag := false
	for i, p := range objs {
		local := filepath.Join(layout, filepath.FromSlash(safeRel(p.Local)))
		if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
			return fd, rep, err
		}
		if err := os.Symlink(entries[i].data, local); err != nil {
			return fd, rep, fmt.Errorf("laying out %s: %w", p.Object.URL(), err)
		}
		fd.Files = append(fd.Files, local)
		fd.Objects = append(fd.Objects, p.Object.URL())
		keep[entries[i].meta] = true
		// The state cache keys a file's states by the object's version;
		// an object listed without an ETag leaves the data uncached.
		fd.Identities = append(fd.Identities, statecache.S3Identity(p.Object.Bucket, p.Object.Key, p.Object.ETag))
		noETag = noETag || p.Object.ETag == ""
	}
	if noETag {
		fd.Identities = nil
	}
	if !opts.NoCache {
		max := opts.MaxCacheBytes
		if max <= 0 {
			max = DefaultCacheBytes
		}
		_ = evict(dir, max, keep) // best effort: a full cache is not the run's failure
	}
	return fd, rep, nil
}

// safeRel keeps a key's relative path inside the layout directory.
func safeRel(rel string) string {
	var segs []string
	for _, s := range strings.Split(rel, "/") {
		switch s {
		case "", ".", "..":
			s = url.PathEscape(s + "_")
		}
		segs = append(segs, s)
	}
	return strings.Join(segs, "/")
}

func concurrency(o Options) int {
	if o.Concurrency > 0 {
		return o.Concurrency
	}
	return 8
}

type fetcher struct {
	c      *Client
	opts   Options
	prog   *Progress
	sem    chan struct{}
	need   engine.ColumnNeed
	format string
	// footersOnly fetches Parquet footers and no column chunks.
	footersOnly bool
	// quiet leaves Stats.BytesNeeded alone (a deferred fetch's second
	// half, counted by its first).
	quiet bool
}

// objects brings each entry's needed bytes into the cache, in parallel.
func (f *fetcher) objects(ctx context.Context, entries []*entry, needed, cached *int64) ([]colCount, error) {
	var wg sync.WaitGroup
	errs := make([]error, len(entries))
	cols := make([]colCount, len(entries))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Objects in flight are bounded too: each holds an open cache file
	// while it waits for GET slots, and a prefix may hold 10,000 objects.
	objSem := make(chan struct{}, 2*concurrency(f.opts))
	for i := range entries {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			select {
			case objSem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-objSem }()
			cols[i], errs[i] = f.object(ctx, entries[i], needed, cached)
			if errs[i] != nil {
				cancel()
			}
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return cols, err
		}
	}
	return cols, errors.Join(errs...)
}

type colCount struct{ read, total int }

// object brings e's needed bytes into the cache.
func (f *fetcher) object(ctx context.Context, e *entry, needed, cached *int64) (colCount, error) {
	o := Object{Bucket: e.Bucket, Key: e.Key, ETag: e.ETag, Size: e.Size}
	var want spans
	var cc colCount
	whole := spans{{0, e.Size}}
	if f.format == engine.FormatParquet && e.Size >= 12 {
		w, n, err := f.parquetRanges(ctx, o, e)
		if err != nil {
			return cc, err
		}
		want, cc = w, n
	} else {
		// A text format has no metadata to fetch first: DuckDB sniffs its
		// data even to describe it, so it is fetched whole.
		want = whole
	}
	if e.Size == 0 {
		// Nothing to fetch, but the layout links to the data file: an
		// empty object (named as one key) reads as an empty local file.
		if err := e.createEmpty(); err != nil {
			return cc, err
		}
		e.touch()
		return cc, nil
	}
	var missing spans
	for _, w := range want {
		missing = append(missing, e.Filled.missing(w)...)
	}
	atomic.AddInt64(needed, want.bytes())
	atomic.AddInt64(cached, want.bytes()-missing.bytes())
	if f.opts.Stats != nil && !f.quiet {
		f.opts.Stats.BytesNeeded.Add(want.bytes())
	}
	if f.footersOnly && f.format == engine.FormatParquet {
		e.touch()
		return cc, nil
	}
	if len(missing) == 0 {
		e.touch()
		return cc, nil
	}
	if err := f.fill(ctx, o, e, pieces(merge(missing))); err != nil {
		return cc, err
	}
	return cc, nil
}

// parquetRanges makes sure the footer is cached and returns the ranges a
// run with f.need reads: footer, and the column chunks (with their
// dictionary, bloom filter and page indexes) of the needed columns. When
// the footer cannot be read column by column (encrypted, or a bloom
// filter of unknown length) it is the whole object.
func (f *fetcher) parquetRanges(ctx context.Context, o Object, e *entry) (spans, colCount, error) {
	var cc colCount
	whole := spans{{0, e.Size}}
	tail := min(int64(footerGuess), e.Size)
	tailSpan := span{e.Size - tail, e.Size}
	if len(e.Filled.missing(tailSpan)) > 0 {
		if err := f.fill(ctx, o, e, spans{tailSpan}); err != nil {
			return nil, cc, err
		}
	}
	file, err := os.Open(e.data)
	if err != nil {
		return nil, cc, err
	}
	defer file.Close()
	var trailer [8]byte
	if _, err := file.ReadAt(trailer[:], e.Size-8); err != nil {
		return nil, cc, err
	}
	if string(trailer[4:]) != "PAR1" {
		if string(trailer[4:]) == "PARE" {
			return whole, cc, nil // encrypted footer: read it all, let DuckDB say
		}
		return nil, cc, &Error{URL: o.URL(), Op: "reading", Code: "not a Parquet file (no PAR1 magic at its end)", Hint: "give the format explicitly (--format-in) if the name misleads"}
	}
	flen := int64(binary.LittleEndian.Uint32(trailer[:4]))
	if flen+8 > e.Size-4 {
		return nil, cc, &Error{URL: o.URL(), Op: "reading", Code: fmt.Sprintf("corrupt Parquet footer (length %d in a %d-byte object)", flen, e.Size)}
	}
	footer := span{e.Size - 8 - flen, e.Size}
	if len(e.Filled.missing(footer)) > 0 {
		if err := f.fill(ctx, o, e, e.Filled.missing(footer)); err != nil {
			return nil, cc, err
		}
	}
	buf := make([]byte, flen)
	if _, err := file.ReadAt(buf, footer.Off); err != nil {
		return nil, cc, err
	}
	md, err := metadata.NewFileMetaData(buf, nil)
	if err != nil {
		return nil, cc, &Error{URL: o.URL(), Op: "reading", Code: "corrupt Parquet footer: " + err.Error()}
	}
	want := spans{footer, {0, 4}}
	if f.need.All {
		cc.read, cc.total = md.Schema.Root().NumFields(), md.Schema.Root().NumFields()
		return whole, cc, nil
	}
	root := md.Schema.Root()
	cc.total = root.NumFields()
	for i := 0; i < root.NumFields(); i++ {
		if f.need.Wants(root.Field(i).Name()) {
			cc.read++
		}
	}
	for g := 0; g < md.NumRowGroups(); g++ {
		rg := md.RowGroup(g)
		for c := 0; c < rg.NumColumns(); c++ {
			ch, err := rg.ColumnChunk(c)
			if err != nil {
				return whole, cc, nil
			}
			p := ch.PathInSchema()
			if len(p) == 0 || !f.need.Wants(p[0]) {
				continue
			}
			start := ch.DataPageOffset()
			if ch.HasDictionaryPage() && ch.DictionaryPageOffset() > 0 && ch.DictionaryPageOffset() < start {
				start = ch.DictionaryPageOffset()
			}
			want = want.add(span{start, start + ch.TotalCompressedSize()})
			if off := ch.BloomFilterOffset(); off > 0 {
				l := int64(ch.BloomFilterLength())
				if l <= 0 {
					return whole, cc, nil
				}
				want = want.add(span{off, off + l})
			}
			for _, loc := range []*metadata.IndexLocation{ch.GetColumnIndexLocation(), ch.GetOffsetIndexLocation()} {
				if loc != nil && loc.Length > 0 {
					want = want.add(span{loc.Offset, loc.Offset + int64(loc.Length)})
				}
			}
		}
	}
	for _, w := range want {
		if w.Off < 0 || w.End > e.Size {
			return whole, cc, nil
		}
	}
	return want, cc, nil
}

// merge joins ranges closer than gapMerge.
func merge(s spans) spans {
	var out spans
	for _, x := range s {
		if n := len(out); n > 0 && x.Off-out[n-1].End < gapMerge {
			out[n-1].End = max(out[n-1].End, x.End)
			continue
		}
		out = append(out, x)
	}
	return out
}

// pieces splits ranges into GETs of at most maxPiece bytes.
func pieces(s spans) spans {
	var out spans
	for _, x := range s {
		for off := x.Off; off < x.End; off += maxPiece {
			out = append(out, span{off, min(off+maxPiece, x.End)})
		}
	}
	return out
}

// fill fetches ranges of o in parallel into e's data file, then records
// them. Either every range lands and is recorded, or none is.
func (f *fetcher) fill(ctx context.Context, o Object, e *entry, ranges spans) error {
	file, err := os.OpenFile(e.data, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer file.Close()
	if st, err := file.Stat(); err != nil {
		return err
	} else if st.Size() != o.Size {
		if err := file.Truncate(o.Size); err != nil { // sparse: holes cost no disk
			return fmt.Errorf("cache: %w", err)
		}
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].Off < ranges[j].Off })
	errs := make([]error, len(ranges))
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, r := range ranges {
		wg.Add(1)
		go func(i int, r span) {
			defer wg.Done()
			select {
			case f.sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-f.sem }()
			if errs[i] = f.getRange(ctx, o, file, r); errs[i] != nil {
				cancel()
			}
		}(i, r)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := file.Sync(); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	for _, r := range ranges {
		e.Filled = e.Filled.add(r)
	}
	return e.save()
}

// getRange GETs one range with If-Match, streaming it to its offset. The
// SDK's retryer handles throttling and failed requests; a body that
// breaks off mid-way (connection reset) is fetched again, twice at most.
func (f *fetcher) getRange(ctx context.Context, o Object, file *os.File, r span) error {
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := f.getRangeOnce(ctx, o, file, r)
		if err == nil {
			return nil
		}
		var se *Error
		if errors.As(err, &se) || errors.Is(err, context.Canceled) {
			return err // an answer from S3 (the SDK retried already), or cancelled
		}
		last = err
	}
	return &Error{URL: o.URL(), Op: "reading", Code: "the connection broke off three times: " + last.Error(), Hint: "check the network; nothing partial was kept", Err: last}
}

func (f *fetcher) getRangeOnce(ctx context.Context, o Object, file *os.File, r span) error {
	var out *s3.GetObjectOutput
	err := f.c.do(ctx, o.Bucket, func(cl *s3.Client) error {
		var err error
		out, err = cl.GetObject(ctx, &s3.GetObjectInput{
			Bucket:  aws.String(o.Bucket),
			Key:     aws.String(o.Key),
			Range:   aws.String(fmt.Sprintf("bytes=%d-%d", r.Off, r.End-1)),
			IfMatch: ifMatch(o.ETag),
		})
		return err
	})
	if err != nil {
		err = wrapErr("reading", o.URL(), err)
		var se *Error
		if errors.As(err, &se) && se.Code == "no such key" {
			// It was listed a moment ago.
			se.Code, se.Hint = "the object was deleted after it was listed", "run again once writers have finished; nothing partial was kept"
		}
		return err
	}
	defer out.Body.Close()
	if f.opts.Stats != nil {
		f.opts.Stats.Requests.Add(1)
	}
	// Servers that ignore If-Match still return the ETag they served.
	if got := aws.ToString(out.ETag); got != "" && o.ETag != "" && trimQuotes(got) != trimQuotes(o.ETag) {
		return &Error{URL: o.URL(), Op: "reading", Code: fmt.Sprintf("the object changed while it was being read (ETag %s when listed, %s now)", o.ETag, got), Hint: "run again once writers have finished; nothing partial was kept"}
	}
	if out.ContentRange != nil && !strings.HasPrefix(aws.ToString(out.ContentRange), fmt.Sprintf("bytes %d-%d/", r.Off, r.End-1)) {
		return &Error{URL: o.URL(), Op: "reading", Code: fmt.Sprintf("asked for bytes %d-%d, got %s", r.Off, r.End-1, aws.ToString(out.ContentRange))}
	}
	if out.ContentRange == nil && !(r.Off == 0 && r.End == o.Size) {
		return &Error{URL: o.URL(), Op: "reading", Code: "the server ignored the byte range"}
	}
	w := io.NewOffsetWriter(file, r.Off)
	buf := make([]byte, 256<<10)
	n, err := io.CopyBuffer(w, io.LimitReader(&countingReader{r: out.Body, f: f}, r.End-r.Off), buf)
	if err != nil {
		return err
	}
	if n != r.End-r.Off {
		return fmt.Errorf("short body: %d of %d bytes", n, r.End-r.Off)
	}
	return nil
}

type countingReader struct {
	r io.Reader
	f *fetcher
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.f.opts.Stats != nil {
		c.f.opts.Stats.BytesFetched.Add(int64(n))
	}
	c.f.prog.fetched(int64(n))
	return n, err
}

func ifMatch(etag string) *string {
	if etag == "" {
		return nil
	}
	return aws.String(etag)
}

func trimQuotes(s string) string { return strings.Trim(s, `"`) }

// sniff tells an extension-less object's format from its bytes: Parquet
// by the PAR1 at its end, JSON by a first '{' or '[' (gzip-compressed or
// not); "" when neither (CSV must be given explicitly).
func (c *Client) sniff(ctx context.Context, o Object) (string, error) {
	get := func(rng string) ([]byte, error) {
		var out *s3.GetObjectOutput
		err := c.do(ctx, o.Bucket, func(cl *s3.Client) error {
			var err error
			out, err = cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key), Range: aws.String(rng), IfMatch: ifMatch(o.ETag)})
			return err
		})
		if err != nil {
			return nil, wrapErr("reading", o.URL(), err)
		}
		defer out.Body.Close()
		return io.ReadAll(io.LimitReader(out.Body, 4096))
	}
	if o.Size >= 12 {
		tail, err := get("bytes=-4")
		if err != nil {
			return "", err
		}
		if string(tail) == "PAR1" {
			return engine.FormatParquet, nil
		}
	}
	head, err := get("bytes=0-4095")
	if err != nil {
		return "", err
	}
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(head)); err == nil {
			head, _ = io.ReadAll(io.LimitReader(zr, 4096)) // a cut-off stream still gives its start
		}
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return engine.FormatJSON, nil
	}
	return "", nil
}

// unreadableCodecs are compressions Glue and Athena read that DuckDB
// cannot, by suffix.
var unreadableCodecs = map[string]string{".snappy": "Snappy (Hadoop framing)", ".lzo": "LZO", ".lz4": "LZ4",
	".deflate": "deflate", ".zz": "deflate", ".zip": "ZIP", ".br": "Brotli", ".xz": "xz"}

// UnreadableCompression is an error naming o when its name says it is
// text data of format (or of no known format) compressed in a way dq cannot
// read; such an object is never skipped silently, since Glue would read
// it.
func UnreadableCompression(o Object, format string) error {
	if format == engine.FormatParquet {
		return nil // compressed inside; a name says nothing
	}
	ext := strings.ToLower(path.Ext(o.Key))
	codec, ok := unreadableCodecs[ext]
	if !ok {
		return nil
	}
	if inner := engine.FormatOf(strings.TrimSuffix(o.Key, o.Key[len(o.Key)-len(ext):])); inner != "" && inner != format {
		return nil
	}
	return &Error{URL: o.URL(), Op: "reading", Code: "compressed with " + codec + ", which dq cannot read (it reads gzip, zstd and bzip2)",
		Hint: "recompress it with gzip, zstd or bzip2, or leave it out with a glob"}
}
