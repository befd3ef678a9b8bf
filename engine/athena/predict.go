package athena

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/dqlabs/dq/engine/gluecatalog"
	"github.com/dqlabs/dq/engine/s3source"
)

// Prediction is the bytes a run is expected to scan, and how that was
// worked out, for the --max-scan-bytes guard's message.
type Prediction struct {
	Bytes int64
	How   string
}

// statKeys are the catalog parameters that give a table's or
// partition's size, best first: totalSize (Hive/Spark ANALYZE: bytes of
// the files), sizeKey (the Glue crawler's), rawDataSize (uncompressed,
// so an overestimate for compressed formats), then recordCount ×
// averageRecordSize (the crawler's).
var statKeys = []string{"totalSize", "sizeKey", "sizeInBytes", "rawDataSize"}

func statBytes(params map[string]string) (int64, string, bool) {
	lower := map[string]string{}
	for k, v := range params {
		lower[strings.ToLower(k)] = v
	}
	num := func(k string) (int64, bool) {
		v, err := strconv.ParseFloat(strings.TrimSpace(lower[strings.ToLower(k)]), 64)
		return int64(v), err == nil && v >= 0
	}
	for _, k := range statKeys {
		if n, ok := num(k); ok {
			return n, k, true
		}
	}
	for _, rows := range []string{"recordCount", "numRows"} {
		r, ok1 := num(rows)
		avg, ok2 := num("averageRecordSize")
		if ok1 && ok2 {
			return r * avg, rows + "×averageRecordSize", true
		}
	}
	return 0, "", false
}

// maxListed bounds the partitions listed one by one; past it the table's
// whole location is listed instead (an upper bound, one listing).
const maxListed = 1000

// PredictScan predicts the bytes the run's queries will scan over the
// named datasets ("primary" and references' catalog names), before any
// query starts: from the Glue table's or its partitions' statistics where
// the catalog has them, else from the sizes of the S3 objects under their
// locations (ListObjectsV2). It is an upper bound for columnar formats,
// of which Athena reads only the columns a statement uses, and counts
// every partition the --partition filter selects.
func (b *Backend) PredictScan(ctx context.Context, names []string) (Prediction, error) {
	var total int64
	var hows []string
	seen := map[string]bool{}
	for _, name := range names {
		db, tn := b.table(name)
		key := strings.ToLower(db + "." + tn)
		if seen[key] {
			continue
		}
		seen[key] = true
		filter := ""
		if name == "primary" {
			filter = b.opts.Partition
		}
		n, how, err := b.predictTable(ctx, b.catalog.Table(db, tn, filter))
		if err != nil {
			return Prediction{}, err
		}
		total += n
		hows = append(hows, how)
	}
	return Prediction{Bytes: total, How: strings.Join(hows, "; ")}, nil
}

func (b *Backend) predictTable(ctx context.Context, t *gluecatalog.Table) (int64, string, error) {
	tb, err := t.Describe(ctx)
	if err != nil {
		return 0, "", err
	}
	loc := ""
	if tb.StorageDescriptor != nil {
		loc = aws.ToString(tb.StorageDescriptor.Location)
	}
	if len(tb.PartitionKeys) == 0 || t.Partition == "" {
		// The whole table: its own statistics cover every partition.
		if n, key, ok := statBytes(tb.Parameters); ok {
			return n, fmt.Sprintf("%s: Glue table statistics (%s)", t.URL(), key), nil
		}
	}
	if len(tb.PartitionKeys) == 0 {
		n, objs, err := b.listed(ctx, loc)
		if err != nil {
			return 0, "", err
		}
		return n, fmt.Sprintf("%s: sizes of %d S3 objects under %s", t.URL(), objs, loc), nil
	}
	parts, projected, err := t.Partitions(ctx)
	if err != nil {
		return 0, "", err
	}
	var total int64
	var fromStats, listedParts, objects int
	keys := map[string]bool{}
	var unlisted []gluecatalog.Partition
	for _, p := range parts {
		if n, key, ok := statBytes(p.Parameters); ok {
			total += n
			fromStats++
			keys[key] = true
			continue
		}
		unlisted = append(unlisted, p)
	}
	if len(unlisted) > maxListed {
		n, objs, err := b.listed(ctx, loc)
		if err != nil {
			return 0, "", err
		}
		return n, fmt.Sprintf("%s: sizes of all %d S3 objects under %s (%d partitions selected, too many to list one by one)", t.URL(), objs, loc, len(parts)), nil
	}
	for _, p := range unlisted {
		n, objs, err := b.listed(ctx, p.Location)
		if err != nil {
			return 0, "", err
		}
		total += n
		listedParts++
		objects += objs
	}
	var how []string
	if fromStats > 0 {
		var ks []string
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		how = append(how, fmt.Sprintf("Glue statistics (%s) of %d partitions", strings.Join(ks, ", "), fromStats))
	}
	if listedParts > 0 {
		kind := "partitions"
		if projected {
			kind = "projected partitions"
		}
		how = append(how, fmt.Sprintf("sizes of %d S3 objects in %d %s", objects, listedParts, kind))
	}
	if len(how) == 0 {
		how = append(how, "no partitions selected")
	}
	return total, t.URL() + ": " + strings.Join(how, " and "), nil
}

// listed sums the sizes of the objects under an s3:// location.
func (b *Backend) listed(ctx context.Context, location string) (int64, int, error) {
	loc, err := s3source.Parse(location)
	if err != nil {
		return 0, 0, fmt.Errorf("cost guard: location %q is not in S3: %w", location, err)
	}
	if loc.Key != "" && !strings.HasSuffix(loc.Key, "/") {
		loc.Key += "/"
	}
	objs, err := b.s3.ListPrefix(ctx, loc.Bucket, loc.Key, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("cost guard: %w", err)
	}
	var n int64
	for _, o := range objs {
		n += o.Size
	}
	return n, len(objs), nil
}

// ParseSize reads a byte count as --memory-limit takes it: a number and
// a unit, decimal (kB, MB, GB, TB; k, m, g, t) or binary (KiB, MiB, GiB,
// TiB); a bare number is bytes.
func ParseSize(s string) (int64, error) {
	in := s
	s = strings.ToLower(strings.TrimSpace(s))
	num := strings.TrimRightFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r == ' ' })
	unit := strings.TrimSpace(s[len(num):])
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a size such as 10GB, 500MiB or 1000000", in)
	}
	mult := map[string]float64{
		"": 1, "b": 1, "byte": 1, "bytes": 1,
		"k": 1e3, "kb": 1e3, "kilobyte": 1e3, "kilobytes": 1e3,
		"m": 1e6, "mb": 1e6, "megabyte": 1e6, "megabytes": 1e6,
		"g": 1e9, "gb": 1e9, "gigabyte": 1e9, "gigabytes": 1e9,
		"t": 1e12, "tb": 1e12, "terabyte": 1e12, "terabytes": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("%q: unknown unit %q; use B, kB, MB, GB, TB or KiB, MiB, GiB, TiB", in, unit)
	}
	return int64(v * mult), nil
}
