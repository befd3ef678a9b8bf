package s3source_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/smithy-go/logging"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/s3source"
	"github.com/dqlabs/dq/sinks/sinktest"
)

const taxiSample = "../../testdata/taxi/sample.parquet"

// threeColumns touches 3 of the taxi file's 19 columns.
const threeColumns = `Rules = [
    IsComplete "VendorID",
    ColumnValues "fare_amount" >= 0,
    Mean "trip_distance" between 1 and 10,
    RowCount > 10000
]`

type fixture struct {
	s3     *sinktest.FakeS3
	client *s3source.Client
	cache  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := sinktest.NewS3()
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	return &fixture{s3: f, client: s3source.NewClient(sinktest.AWSConfig(ts.URL)), cache: t.TempDir()}
}

func (fx *fixture) source(t *testing.T, url string, opts s3source.Options) *s3source.Source {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = fx.cache
	}
	src, err := s3source.New(fx.client, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t *testing.T, src string) *dqdl.Ruleset {
	t.Helper()
	rs, err := dqdl.Parse("rules.dqdl", src)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// verdicts is the comparable part of a result: outcomes, metrics, messages.
func verdicts(r *engine.Result) []string {
	var out []string
	for _, rr := range r.RuleResults {
		out = append(out, fmt.Sprintf("%s %s %v %s", rr.Name, rr.Result, rr.EvaluatedMetrics, rr.EvaluationMessage))
	}
	return out
}

func evalBoth(t *testing.T, rules string, local engine.Source, remote engine.Source) (*engine.Result, *engine.Result) {
	t.Helper()
	rs := parse(t, rules)
	ctx := context.Background()
	want, err := engine.Evaluate(ctx, rs, local, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := engine.Evaluate(ctx, rs, remote, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(verdicts(got), verdicts(want)) {
		t.Fatalf("S3 and local results differ:\n s3:    %v\n local: %v", verdicts(got), verdicts(want))
	}
	return want, got
}

func TestTaxiRulesetSameAsLocal(t *testing.T) {
	fx := newFixture(t)
	fx.s3.Put("lake", "taxi/sample.parquet", mustRead(t, taxiSample))
	rules := string(mustRead(t, "../../testdata/taxi/taxi.dqdl"))
	src := fx.source(t, "s3://lake/taxi/sample.parquet", s3source.Options{})
	_, got := evalBoth(t, rules, engine.Files(taxiSample, engine.FileOptions{}), engine.Remote(src))
	if got.DataSource.Location != "s3://lake/taxi/sample.parquet" {
		t.Errorf("location = %q", got.DataSource.Location)
	}
}

func TestParquetFetchesOnlyNeededColumns(t *testing.T) {
	fx := newFixture(t)
	data := mustRead(t, taxiSample)
	fx.s3.Put("lake", "taxi/sample.parquet", data)
	var stats s3source.Stats
	src := fx.source(t, "s3://lake/taxi/sample.parquet", s3source.Options{Stats: &stats})
	evalBoth(t, threeColumns, engine.Files(taxiSample, engine.FileOptions{}), engine.Remote(src))
	served := fx.s3.BytesServed.Load()
	if frac := float64(served) / float64(len(data)); frac > 0.35 {
		t.Errorf("fetched %d of %d bytes (%.0f%%), want ≤ 35%%", served, len(data), 100*frac)
	}
	rep := src.LastReport()
	if rep.ColumnsRead != 3 || rep.ColumnsTotal != 19 {
		t.Errorf("columns read %d of %d, want 3 of 19", rep.ColumnsRead, rep.ColumnsTotal)
	}

	// A second run over unchanged data fetches no data: one HEAD.
	fx.s3.ResetCounters()
	src2 := fx.source(t, "s3://lake/taxi/sample.parquet", s3source.Options{})
	evalBoth(t, threeColumns, engine.Files(taxiSample, engine.FileOptions{}), engine.Remote(src2))
	if n := fx.s3.BytesServed.Load(); n != 0 {
		t.Errorf("second run fetched %d bytes, want 0 (cached)", n)
	}
	if n := fx.s3.Heads.Load(); n != 1 {
		t.Errorf("second run made %d HEADs, want 1", n)
	}

	// A run needing more columns fetches only the missing chunks into
	// the same cache entry.
	fx.s3.ResetCounters()
	src3 := fx.source(t, "s3://lake/taxi/sample.parquet", s3source.Options{})
	fourColumns := strings.Replace(threeColumns, "RowCount > 10000", "IsComplete \"DOLocationID\"", 1)
	evalBoth(t, fourColumns, engine.Files(taxiSample, engine.FileOptions{}), engine.Remote(src3))
	if n := fx.s3.BytesServed.Load(); n > int64(len(data))/5 {
		t.Errorf("adding one column fetched %d bytes", n)
	}
}

func TestProfileReadsEverything(t *testing.T) {
	fx := newFixture(t)
	fx.s3.Put("lake", "taxi/sample.parquet", mustRead(t, taxiSample))
	src := fx.source(t, "s3://lake/taxi/", s3source.Options{NoCache: true})
	ctx := context.Background()
	s, err := engine.OpenSession(ctx, engine.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ds, err := s.Register(ctx, "primary", engine.Remote(src))
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	if err := s.Conn().QueryRowContext(ctx, "SELECT sum(fare_amount) + sum(tip_amount) + count(store_and_fwd_flag) FROM "+ds.Relation).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	local, err := engine.OpenSession(ctx, engine.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	var want float64
	if err := local.Conn().QueryRowContext(ctx, "SELECT sum(fare_amount) + sum(tip_amount) + count(store_and_fwd_flag) FROM read_parquet('"+taxiSample+"')").Scan(&want); err != nil {
		t.Fatal(err)
	}
	if sum != want {
		t.Errorf("sum = %v, want %v", sum, want)
	}
}

func TestPrefixHiveCSVAndBookkeeping(t *testing.T) {
	fx := newFixture(t)
	fx.s3.Put("lake", "sales/year=2024/month=01/part-0.csv", []byte("id,amount\n1,10.5\n2,\n"))
	fx.s3.Put("lake", "sales/year=2024/month=02/part-0.csv", []byte("id,amount\n3,7\n"))
	fx.s3.Put("lake", "sales/_SUCCESS", nil)
	fx.s3.Put("lake", "sales/year=2024/month=01/.part-0.csv.crc", []byte("garbage"))
	fx.s3.Put("lake", "sales/_temporary/0/part-9.csv", []byte("id,amount\n99,99\n"))
	rules := `Rules = [ RowCount = 3, IsComplete "amount", ColumnValues "month" in [1, 2], Sum "id" = 6 ]`
	local := t.TempDir()
	for _, p := range []string{"year=2024/month=01/part-0.csv", "year=2024/month=02/part-0.csv"} {
		os.MkdirAll(filepath.Join(local, filepath.Dir(p)), 0o755)
	}
	os.WriteFile(filepath.Join(local, "year=2024/month=01/part-0.csv"), []byte("id,amount\n1,10.5\n2,\n"), 0o644)
	os.WriteFile(filepath.Join(local, "year=2024/month=02/part-0.csv"), []byte("id,amount\n3,7\n"), 0o644)
	for _, url := range []string{"s3://lake/sales/", "s3://lake/sales", "s3://lake/sales/year=*/month=*/*.csv"} {
		want, _ := evalBoth(t, rules, engine.Files(local, engine.FileOptions{}), engine.Remote(fx.source(t, url, s3source.Options{})))
		if got := verdicts(want); !strings.HasPrefix(got[0], "Rule_0 PASS") || !strings.HasPrefix(got[1], "Rule_1 FAIL") || !strings.HasPrefix(got[3], "Rule_3 PASS") {
			t.Errorf("%s: %v", url, got)
		}
	}
}

func TestListingIsPaginated(t *testing.T) {
	fx := newFixture(t)
	for i := 0; i < 2500; i++ {
		fx.s3.Put("lake", fmt.Sprintf("many/part-%05d.json", i), []byte(fmt.Sprintf("{\"i\": %d}\n", i)))
	}
	objs, err := fx.client.Resolve(context.Background(), s3source.Location{Bucket: "lake", Key: "many/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2500 {
		t.Fatalf("listed %d objects", len(objs))
	}
	if n := fx.s3.Lists.Load(); n != 3 {
		t.Errorf("%d list calls for 2,500 objects, want 3", n)
	}
	if n := fx.s3.Heads.Load() + fx.s3.Gets.Load(); n != 0 {
		t.Errorf("%d per-object calls while listing", n)
	}
}

func runErr(t *testing.T, fx *fixture, url string) error {
	t.Helper()
	_, err := engine.Evaluate(context.Background(), parse(t, threeColumns), engine.Remote(fx.source(t, url, s3source.Options{})), engine.Options{})
	if err == nil {
		t.Fatalf("%s: no error", url)
	}
	return err
}

func TestFaults(t *testing.T) {
	fx := newFixture(t)
	data := mustRead(t, taxiSample)
	fx.s3.Put("lake", "taxi/sample.parquet", data)

	for _, tc := range []struct{ url, want string }{
		{"s3://nobucket/taxi/sample.parquet", "s3://nobucket/: no such bucket"},
		{"s3://nobucket/taxi/", "s3://nobucket/taxi/: no such bucket"},
		{"s3://lake/nothing.parquet", "s3://lake/nothing.parquet: no such key or prefix"},
		{"s3://lake/nothing/", "s3://lake/nothing/: no data objects under the prefix"},
		{"s3://lake/taxi/*.csv", "no objects match the pattern"},
	} {
		err := runErr(t, fx, tc.url)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.url, err, tc.want)
		}
	}

	// AccessDenied and expired credentials: answers, not retried.
	for status, code := range map[int]string{403: "AccessDenied", 400: "ExpiredToken"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(status)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>nope</Message></Error>`, code)
		}))
		c := s3source.NewClient(sinktest.AWSConfig(srv.URL))
		src, _ := s3source.New(c, "s3://lake/taxi/", s3source.Options{CacheDir: t.TempDir()})
		_, err := engine.Evaluate(context.Background(), parse(t, threeColumns), engine.Remote(src), engine.Options{})
		srv.Close()
		var se *s3source.Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "s3://lake/taxi/") {
			t.Errorf("%s: %v", code, err)
			continue
		}
		if code == "AccessDenied" && se.Code != "access denied" || code == "ExpiredToken" && !strings.Contains(se.Code, "expired") {
			t.Errorf("%s: code %q", code, se.Code)
		}
	}

	// 503 SlowDown then success: the SDK's retryer recovers.
	fx.s3.Faults.FailNext(2, http.StatusServiceUnavailable)
	evalBoth(t, threeColumns, engine.Files(taxiSample, engine.FileOptions{}), engine.Remote(fx.source(t, "s3://lake/taxi/", s3source.Options{NoCache: true})))

	// A connection reset mid-object is fetched again.
	fx.s3.ResetMidBody("taxi/sample.parquet", 1)
	evalBoth(t, threeColumns, engine.Files(taxiSample, engine.FileOptions{}), engine.Remote(fx.source(t, "s3://lake/taxi/", s3source.Options{NoCache: true})))
	// Resets every time: an error naming the object, and nothing of the
	// broken GETs is recorded as cached data.
	cache := t.TempDir()
	fx.s3.ResetMidBody("taxi/sample.parquet", 1000)
	_, err := engine.Evaluate(context.Background(), parse(t, threeColumns), engine.Remote(fx.source(t, "s3://lake/taxi/sample.parquet", s3source.Options{CacheDir: cache})), engine.Options{})
	fx.s3.ResetMidBody("", 0)
	if err == nil || !strings.Contains(err.Error(), "s3://lake/taxi/sample.parquet") {
		t.Errorf("reset: %v", err)
	}
	// The next run over the same cache gives the right answer.
	evalBoth(t, threeColumns, engine.Files(taxiSample, engine.FileOptions{}), engine.Remote(fx.source(t, "s3://lake/taxi/sample.parquet", s3source.Options{CacheDir: cache})))
}

// An object replaced between listing and reading is an error naming it.
func TestETagChangeIsAnError(t *testing.T) {
	fx := newFixture(t)
	fx.s3.Put("lake", "t/a.csv", []byte("x\n1\n"))
	objs, err := fx.client.Resolve(context.Background(), s3source.Location{Bucket: "lake", Key: "t/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fx.s3.Put("lake", "t/a.csv", []byte("x\n1\n2\n"))
	fd, _, err := s3source.FetchObjects(context.Background(), fx.client, []s3source.Placed{{Object: objs[0], Local: "a.csv"}}, "csv", engine.AllColumns, s3source.Options{CacheDir: t.TempDir()}, nil)
	if fd != nil {
		fd.Cleanup()
	}
	if err == nil || !strings.Contains(err.Error(), "s3://lake/t/a.csv") || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("err = %v", err)
	}

	// Deleted between listing and reading (a writer replacing a
	// partition): said so, not "check the path".
	if _, err := fx.s3.Backend.DeleteObject("lake", "t/a.csv"); err != nil {
		t.Fatal(err)
	}
	fd, _, err = s3source.FetchObjects(context.Background(), fx.client, []s3source.Placed{{Object: objs[0], Local: "a.csv"}}, "csv", engine.AllColumns, s3source.Options{CacheDir: t.TempDir()}, nil)
	if fd != nil {
		fd.Cleanup()
	}
	if err == nil || !strings.Contains(err.Error(), "reading s3://lake/t/a.csv: the object was deleted after it was listed") {
		t.Fatalf("deleted: %v", err)
	}
}

// With no region configured, S3 starts at us-east-1 (as the AWS CLI
// does) instead of failing; a bucket elsewhere is followed to its region.
func TestNoRegionConfigured(t *testing.T) {
	fx := newFixture(t)
	fx.s3.Put("lake", "t/a.csv", []byte("x\n1\n"))
	srv := httptest.NewServer(fx.s3)
	defer srv.Close()
	cfg := sinktest.AWSConfig(srv.URL)
	cfg.Region = ""
	objs, err := s3source.NewClient(cfg).Resolve(context.Background(), s3source.Location{Bucket: "lake", Key: "t/"}, nil)
	if err != nil || len(objs) != 1 {
		t.Fatalf("%v %v", objs, err)
	}
}

// File* rules on s3:// paths give what they give on a local copy.
func TestFileRulesOnS3(t *testing.T) {
	fx := newFixture(t)
	local := t.TempDir()
	files := map[string]string{"a.csv": "x\n1\n", "b.csv": "x\n1\n", "sub/c.csv": strings.Repeat("y", 2048), "_SUCCESS": ""}
	for name, body := range files {
		fx.s3.Put("lake", "files/"+name, []byte(body))
		os.MkdirAll(filepath.Join(local, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(local, name), []byte(body), 0o644)
	}
	fsys := s3source.NewFS(fx.client)
	rules := func(d, a string) string {
		return `Rules = [
		FileSize "` + d + `" > 2 B,
		FileSize "` + d + `" between 1 B and 4 B,
		FileFreshness "` + d + `" > (now() - 1 hours),
		FileFreshness "` + a + `" > (now() - 1 hours),
		FileUniqueness "` + d + `" > 0.5,
		FileMatch "` + a + `" in ["` + fmt.Sprintf("%x", sha256Sum("x\n1\n")) + `"],
		FileMatch "` + a + `" "` + strings.Replace(a, "a.csv", "b.csv", 1) + `"
	]`
	}
	ctx := context.Background()
	want, err := engine.Evaluate(ctx, parse(t, rules(local, filepath.Join(local, "a.csv"))), engine.Files(filepath.Join(local, "a.csv"), engine.FileOptions{}), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := engine.Evaluate(ctx, parse(t, rules("s3://lake/files/", "s3://lake/files/a.csv")), engine.Files(filepath.Join(local, "a.csv"), engine.FileOptions{}),
		engine.Options{FileSystems: map[string]engine.FileSystem{"s3": fsys}, FileRoots: []string{"s3://lake/files/"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(verdicts(got), verdicts(want)) {
		t.Fatalf("S3 and local differ:\n s3:    %v\n local: %v", verdicts(got), verdicts(want))
	}
	for _, r := range got.RuleResults {
		if r.Result != engine.Pass && r.Name != "Rule_1" {
			t.Errorf("%s %s %s", r.Name, r.Result, r.EvaluationMessage)
		}
	}
	// A missing key is the rule's failure, naming it.
	got, err = engine.Evaluate(ctx, parse(t, `Rules = [ FileSize "s3://lake/nope.csv" > 0 ]`), engine.Files(filepath.Join(local, "a.csv"), engine.FileOptions{}),
		engine.Options{FileSystems: map[string]engine.FileSystem{"s3": fsys}, FileRoots: []string{"s3://lake/"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := got.RuleResults[0]; r.Result == engine.Pass {
		t.Errorf("missing key: %s %s", r.Result, r.EvaluationMessage)
	}
	// Allowed roots scope what File* rules may read.
	fsys.Allowed = []string{"s3://lake/other/"}
	if _, err := fsys.Stat(ctx, "s3://lake/files/a.csv"); err == nil || !strings.Contains(err.Error(), "outside the allowed paths") {
		t.Errorf("scope: %v", err)
	}
}

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// A bucket in another region answers 301 with x-amz-bucket-region; the
// request is repeated, signed for that region.
func TestBucketRegionDiscovery(t *testing.T) {
	var regions []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		regions = append(regions, auth)
		if !strings.Contains(auth, "/eu-west-1/s3/") {
			w.Header().Set("X-Amz-Bucket-Region", "eu-west-1")
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusMovedPermanently)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>wrong region</Message></Error>`)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>far</Name><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key>d/a.csv</Key><Size>4</Size><ETag>"x"</ETag><LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents></ListBucketResult>`)
	}))
	defer srv.Close()
	c := s3source.NewClient(sinktest.AWSConfig(srv.URL))
	for i := 0; i < 2; i++ {
		objs, err := c.ListPrefix(context.Background(), "far", "d/", nil)
		if err != nil || len(objs) != 1 || objs[0].Key != "d/a.csv" {
			t.Fatalf("objs %v, err %v", objs, err)
		}
	}
	// First call: us-east-1 then eu-west-1; the second goes straight there.
	if len(regions) != 3 {
		t.Errorf("%d requests, want 3", len(regions))
	}
}

// Windows-1252 CSV objects: refused naming the object (not its local
// copy) without --csv-encoding, read as the same bytes on disk with it.
func TestCSVEncodingOnS3(t *testing.T) {
	fx := newFixture(t)
	body := []byte("id,name\n1,Jos\xe9\n2,\x93q\x94 \x80\n")
	fx.s3.Put("lake", "legacy/year=2024/a.csv", body)
	local := filepath.Join(t.TempDir(), "year=2024")
	os.MkdirAll(local, 0o755)
	os.WriteFile(filepath.Join(local, "a.csv"), body, 0o644)
	rules := `Rules = [ RowCount = 2, ColumnValues "name" in ["José", "“q” €"], ColumnLength "name" between 3 and 7, ColumnValues "year" = 2024 ]`

	_, err := engine.Evaluate(context.Background(), parse(t, rules), engine.Remote(fx.source(t, "s3://lake/legacy/", s3source.Options{})), engine.Options{})
	var nu *engine.NotUTF8Error
	if !errors.As(err, &nu) || nu.File != "s3://lake/legacy/year=2024/a.csv" || nu.Line != 2 || nu.Byte != 0xE9 {
		t.Fatalf("err = %v (%+v)", err, nu)
	}
	read := engine.FileOptions{CSV: engine.CSVOptions{Encoding: "windows-1252"}}
	want, _ := evalBoth(t, rules, engine.Files(filepath.Dir(local), read), engine.Remote(fx.source(t, "s3://lake/legacy/", s3source.Options{Read: read})))
	for _, v := range verdicts(want) {
		if !strings.Contains(v, " PASS ") {
			t.Errorf("%s", v)
		}
	}
}

// footerOnly holds rules the taxi sample's Parquet footers answer whole.
const footerOnly = `Rules = [
    RowCount > 10000,
    ColumnCount = 19,
    ColumnExists "airport_fee",
    IsComplete "VendorID",
    Completeness "passenger_count" >= 0.9,
    ColumnValues "PULocationID" between 0 and 300,
    ColumnValues "fare_amount" > -1000,
    DataFreshness "tpep_pickup_datetime" > 24 hours
]`

// dataRanges reports the GETs outside the object's footer (the tail
// s3source fetches first) as "data" ranges.
func dataRanges(t *testing.T, ranges []string, size int64) []string {
	t.Helper()
	var out []string
	for _, r := range ranges {
		var lo, hi int64
		if _, err := fmt.Sscanf(r, "bytes=%d-%d", &lo, &hi); err != nil {
			out = append(out, r) // a whole-object GET
			continue
		}
		if lo < size-64<<10 {
			out = append(out, r)
		}
	}
	return out
}

// TestFooterAnsweredRulesFetchNoData: when the footers answer every rule,
// the run GETs no data from S3 — only the footer — and gives the local
// file's results; a failing rule whose details need values, or a rule
// that needs a scan, fetches the data then.
func TestFooterAnsweredRulesFetchNoData(t *testing.T) {
	fx := newFixture(t)
	data := mustRead(t, taxiSample)
	fx.s3.Put("lake", "taxi/sample.parquet", data)
	size := int64(len(data))
	local := engine.Files(taxiSample, engine.FileOptions{})
	src := fx.source(t, "s3://lake/taxi/sample.parquet", s3source.Options{})
	evalBoth(t, footerOnly, local, engine.Remote(src))
	if d := dataRanges(t, fx.s3.Ranges(), size); len(d) > 0 || fx.s3.BytesServed.Load() > 64<<10 {
		t.Errorf("footer-answered rules fetched data: %v (%d bytes)", d, fx.s3.BytesServed.Load())
	}

	// The same with the cache cold and NoCache: still footers only.
	fx.s3.ResetCounters()
	src = fx.source(t, "s3://lake/taxi/sample.parquet", s3source.Options{NoCache: true})
	evalBoth(t, footerOnly, local, engine.Remote(src))
	if d := dataRanges(t, fx.s3.Ranges(), size); len(d) > 0 {
		t.Errorf("footer-answered rules fetched data without a cache: %v", d)
	}

	// A failing footer-answered rule's top values read the column: it is
	// fetched, and the details match the local file's.
	for _, rules := range []string{
		`Rules = [ RowCount > 0, ColumnValues "fare_amount" > 0 ]`,
		`Rules = [ RowCount > 0, Mean "trip_distance" > 0 ]`,
	} {
		fx.s3.ResetCounters()
		src = fx.source(t, "s3://lake/taxi/sample.parquet", s3source.Options{NoCache: true})
		want, got := evalBoth(t, rules, local, engine.Remote(src))
		for i := range want.RuleResults {
			if w, g := want.RuleResults[i].FailureDetails, got.RuleResults[i].FailureDetails; !reflect.DeepEqual(w, g) {
				t.Errorf("%s: failure details differ: s3 %+v, local %+v", rules, g, w)
			}
		}
		if d := dataRanges(t, fx.s3.Ranges(), size); len(d) == 0 {
			t.Errorf("%s: no data fetched", rules)
		}
	}

	// --no-metadata reads the data as before.
	fx.s3.ResetCounters()
	src = fx.source(t, "s3://lake/taxi/sample.parquet", s3source.Options{NoCache: true})
	got, err := engine.Evaluate(context.Background(), parse(t, footerOnly), engine.Remote(src), engine.Options{NoMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.RuleResults) != 8 || len(dataRanges(t, fx.s3.Ranges(), size)) == 0 {
		t.Errorf("--no-metadata: %d results, data ranges %v", len(got.RuleResults), fx.s3.Ranges())
	}
}

// Spark and Glue job output as it lands in S3: a 0-byte part file from an
// empty task, a 0-byte "directory" marker, *_$folder$ markers, .crc and
// _temporary/ entries, and NULL partition values written as
// __HIVE_DEFAULT_PARTITION__. A prefix or glob reads only the real data
// (Spark's file index skips 0-byte files too); a 0-byte object named as
// one key reads as the empty file it is.
func TestSparkOutputEmptyObjectsAndDefaultPartition(t *testing.T) {
	fx := newFixture(t)
	local := t.TempDir()
	part := func(dir, q string) []byte {
		ctx := context.Background()
		s, err := engine.OpenSession(ctx, engine.SessionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		p := filepath.Join(local, dir+".parquet")
		if _, err := s.Conn().ExecContext(ctx, "COPY ("+q+") TO '"+p+"' (FORMAT parquet)"); err != nil {
			t.Fatal(err)
		}
		return mustRead(t, p)
	}
	fx.s3.Put("lake", "out/dt=2024-01-01/part-00000-a.snappy.parquet", part("a", "SELECT * FROM (VALUES (1, 'x'), (2, NULL), (3, 'z')) t(id, name)"))
	fx.s3.Put("lake", "out/dt=__HIVE_DEFAULT_PARTITION__/part-00000-b.snappy.parquet", part("b", "SELECT * FROM (VALUES (4, 'u'), (5, 'v')) t(id, name)"))
	fx.s3.Put("lake", "out/dt=2024-01-04/part-00000-c.snappy.parquet", part("c", "SELECT 9 AS id, 'w' AS name LIMIT 0"))
	fx.s3.Put("lake", "out/dt=2024-01-02/part-00001-d.snappy.parquet", nil) // an empty task's file
	fx.s3.Put("lake", "out/dt=2024-01-03/", nil)                            // console "folder"
	fx.s3.Put("lake", "out/dt=2024-01-01_$folder$", nil)
	fx.s3.Put("lake", "out/_SUCCESS", nil)
	fx.s3.Put("lake", "out/dt=2024-01-01/.part-00000-a.snappy.parquet.crc", []byte("crc"))
	fx.s3.Put("lake", "out/_temporary/0/_temporary/attempt_1/dt=2024-01-05/part-00002.snappy.parquet", []byte("partial"))

	rules := parse(t, `Rules = [ RowCount = 5, Completeness "dt" = 0.6, Sum "id" = 15,
		CustomSql "select count(*) from primary where dt is null and id in (4, 5)" = 2 ]`)
	for _, url := range []string{"s3://lake/out/", "s3://lake/out", "s3://lake/out/*/*.parquet", "s3://lake/out/**"} {
		res, err := engine.Evaluate(context.Background(), rules, engine.Remote(fx.source(t, url, s3source.Options{})), engine.Options{})
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		for _, r := range res.RuleResults {
			if r.Result != engine.Pass {
				t.Errorf("%s: %s %s %v %s", url, r.Name, r.Result, r.EvaluatedMetrics, r.EvaluationMessage)
			}
		}
	}
	objs, err := fx.client.Resolve(context.Background(), s3source.Location{Bucket: "lake", Key: "out/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Rel)
	}
	want := []string{"dt=2024-01-01/part-00000-a.snappy.parquet", "dt=2024-01-04/part-00000-c.snappy.parquet", "dt=__HIVE_DEFAULT_PARTITION__/part-00000-b.snappy.parquet"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("resolved %v\nwant     %v", keys, want)
	}

	// Only empty objects: an error that says so.
	fx.s3.Put("lake", "empty/part-0.csv", nil)
	fx.s3.Put("lake", "empty/_SUCCESS", nil)
	if err := runErr(t, fx, "s3://lake/empty/"); !strings.Contains(err.Error(), "no data objects under the prefix") || !strings.Contains(err.Error(), "0-byte") {
		t.Errorf("empty prefix: %v", err)
	}
	// One empty CSV named as a key: zero rows, as the local empty file.
	res, err := engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount = 0 ]`), engine.Remote(fx.source(t, "s3://lake/empty/part-0.csv", s3source.Options{})), engine.Options{})
	if err != nil || res.RuleResults[0].Result != engine.Pass {
		t.Errorf("empty key: %v %v", err, res)
	}
}

// S3's refusals keep their meaning in the message: an archived (Glacier)
// object says "restore it", a skewed clock says so, and a bare 403, as HEAD
// returns it, is access denied. None is an environment failure: issue 10
// makes every refusal exit 2, naming the object.
func TestRefusalsSaidPrecisely(t *testing.T) {
	for _, tc := range []struct {
		status     int
		code, want string
		env        bool
	}{
		{403, "InvalidObjectState", "the object is archived (S3 Glacier Flexible Retrieval or Deep Archive) and not restored; restore it first", false},
		{403, "RequestTimeTooSkewed", "this machine's clock is off", false},
		{403, "", "access denied; the credentials need s3:ListBucket", false},
		{403, "AccessDenied", "access denied; the credentials need s3:ListBucket", false},
		{503, "SlowDown", "SlowDown: nope", false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("list-type") == "2" {
				w.Header().Set("Content-Type", "application/xml")
				fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>lake</Name><Prefix>old/</Prefix><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>`+
					`<Contents><Key>old/a.csv</Key><Size>4</Size><ETag>"e"</ETag><StorageClass>GLACIER</StorageClass><LastModified>2020-01-01T00:00:00.000Z</LastModified></Contents></ListBucketResult>`)
				return
			}
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(tc.status)
			if tc.code != "" && r.Method != http.MethodHead {
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>nope</Message></Error>`, tc.code)
			}
		}))
		cfg := sinktest.AWSConfig(srv.URL)
		cfg.RetryMaxAttempts = 1
		src, _ := s3source.New(s3source.NewClient(cfg), "s3://lake/old/", s3source.Options{CacheDir: t.TempDir()})
		_, err := engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount > 0 ]`), engine.Remote(src), engine.Options{})
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), "s3://lake/old/a.csv") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d %s: %v\nwant %q", tc.status, tc.code, err, tc.want)
		}
		if env := engine.AsEnvironmentError(err) != nil; env != tc.env {
			t.Errorf("%d %s: environment failure %v, want %v", tc.status, tc.code, env, tc.env)
		}
	}

	// A 0-byte key beside a prefix of the same name (a folder marker)
	// reads the prefix.
	fx := newFixture(t)
	fx.s3.Put("lake", "trips", nil)
	fx.s3.Put("lake", "trips/a.csv", []byte("x\n1\n2\n"))
	res, err := engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount = 2 ]`), engine.Remote(fx.source(t, "s3://lake/trips", s3source.Options{})), engine.Options{})
	if err != nil || res.RuleResults[0].Result != engine.Pass {
		t.Errorf("folder marker: %v %+v", err, res)
	}
}

// The SDK's connection-reuse warnings are dropped; every other line
// reaches the wrapped logger.
func TestQuietLogger(t *testing.T) {
	var got []string
	l := s3source.QuietLogger(logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		got = append(got, string(c)+" "+fmt.Sprintf(format, v...))
	}))
	l.Logf(logging.Warn, "failed to discard remaining HTTP response body, this may affect connection reuse: %v", "x")
	l.Logf(logging.Warn, "failed to close HTTP response body, this may affect connection reuse: %v", "x")
	l.Logf(logging.Warn, "Response has no supported checksum. Not validating response payload.")
	l.Logf(logging.Debug, "request %d", 1)
	if want := []string{"WARN Response has no supported checksum. Not validating response payload.", "DEBUG request 1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
	s3source.QuietLogger(nil).Logf(logging.Warn, "no logger: no panic")
}

// Objects without an extension (Athena CTAS and UNLOAD output, Firehose's
// gzip JSON, Hive's 000000_0) are read by their magic bytes, as local
// files are; text must be named CSV.
func TestExtensionlessObjectsSniffed(t *testing.T) {
	fx := newFixture(t)
	fx.s3.Put("lake", "ctas/20240101_120000_00001_abcde_1b2c", mustRead(t, taxiSample))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("{\"n\": 1}\n{\"n\": 2}\n"))
	zw.Close()
	fx.s3.Put("lake", "firehose/2024/01/01/00/stream-1-2024-01-01-00-00-00-uuid", gz.Bytes())
	fx.s3.Put("lake", "hive/000000_0", []byte("1,a\n2,b\n"))
	for url, want := range map[string]string{"s3://lake/ctas/": "20000", "s3://lake/firehose/": "2"} {
		res, err := engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount > 0 ]`), engine.Remote(fx.source(t, url, s3source.Options{})), engine.Options{})
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if got := fmt.Sprint(res.RuleResults[0].EvaluatedMetrics["Dataset.*.RowCount"]); got != want {
			t.Errorf("%s: %s rows, want %s", url, got, want)
		}
	}
	if err := runErr(t, fx, "s3://lake/hive/"); !strings.Contains(err.Error(), "say --format-in csv") {
		t.Errorf("text: %v", err)
	}
	res, err := engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount = 2 ]`), engine.Remote(fx.source(t, "s3://lake/hive/", s3source.Options{Format: "csv"})), engine.Options{})
	if err != nil || res.RuleResults[0].Result != engine.Pass {
		t.Errorf("text as csv: %v %+v", err, res)
	}
}

// Text compressed in a way dq cannot read (Snappy, LZO and others Glue
// and Athena read) is an error naming the object, not silently left out;
// bzip2 is read.
func TestUnreadableCompressionNamed(t *testing.T) {
	fx := newFixture(t)
	fx.s3.Put("lake", "sn/a.csv", []byte("id\n1\n"))
	fx.s3.Put("lake", "sn/b.csv.snappy", []byte("\xff\x06\x00\x00sNaPpY"))
	if err := runErr(t, fx, "s3://lake/sn/"); !strings.Contains(err.Error(), "reading s3://lake/sn/b.csv.snappy: compressed with Snappy (Hadoop framing), which dq cannot read") {
		t.Errorf("snappy: %v", err)
	}
	res, err := engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount = 1 ]`), engine.Remote(fx.source(t, "s3://lake/sn/*.csv", s3source.Options{})), engine.Options{})
	if err != nil || res.RuleResults[0].Result != engine.Pass {
		t.Errorf("glob leaving it out: %v", err)
	}
	var bz bytes.Buffer
	cmd := exec.Command("bzip2", "-c")
	cmd.Stdin, cmd.Stdout = strings.NewReader("id\n2\n3\n"), &bz
	if err := cmd.Run(); err != nil {
		t.Skip("no bzip2 command:", err)
	}
	fx.s3.Put("lake", "bz/a.csv", []byte("id\n1\n"))
	fx.s3.Put("lake", "bz/b.csv.bz2", bz.Bytes())
	res, err = engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount = 3, Sum "id" = 6 ]`), engine.Remote(fx.source(t, "s3://lake/bz/", s3source.Options{})), engine.Options{})
	if err != nil {
		t.Fatalf("bzip2: %v", err)
	}
	if res.RuleResults[0].Result != engine.Pass || res.RuleResults[1].Result != engine.Pass {
		t.Errorf("bzip2: %v", verdicts(res))
	}
}

// A prefix holding a Delta Lake, Hudi or Iceberg table is refused: its
// data files include removed versions that a plain read would count.
func TestTableFormatPrefixRefused(t *testing.T) {
	fx := newFixture(t)
	pq := mustRead(t, taxiSample)
	fx.s3.Put("lake", "delta/part-0.parquet", pq)
	fx.s3.Put("lake", "delta/part-1-removed.parquet", pq)
	fx.s3.Put("lake", "delta/_delta_log/00000000000000000000.json", []byte("{}"))
	fx.s3.Put("lake", "hudi/p=1/f.parquet", pq)
	fx.s3.Put("lake", "hudi/.hoodie/hoodie.properties", []byte("x"))
	fx.s3.Put("lake", "ice/orders/data/f.parquet", pq)
	fx.s3.Put("lake", "ice/orders/metadata/v1.metadata.json", []byte("{}"))
	fx.s3.Put("lake", "plain/metadata/notes.json", []byte("{}\n"))
	for url, want := range map[string]string{
		"s3://lake/delta/":          "listing s3://lake/delta/: is a Delta Lake table (_delta_log/)",
		"s3://lake/delta/*.parquet": "listing s3://lake/delta/: is a Delta Lake table",
		"s3://lake/hudi":            "listing s3://lake/hudi/: is an Apache Hudi table (.hoodie/)",
		"s3://lake/ice/":            "listing s3://lake/ice/orders/: is an Apache Iceberg table (metadata/*.metadata.json)",
	} {
		if err := runErr(t, fx, url); !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v\nwant %q", url, err, want)
		}
	}
	// A directory merely named metadata is no table.
	if _, err := fx.client.Resolve(context.Background(), s3source.Location{Bucket: "lake", Key: "plain/"}, nil); err != nil {
		t.Errorf("plain: %v", err)
	}
}
